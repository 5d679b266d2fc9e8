#!/usr/bin/env bash
# Builds the query front end's libFuzzer target with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (in build-fuzz/), seeds it with every query of the
# golden tables and of docs/query-language.md, and fuzzes for SECONDS (default 60).
#   tools/fuzz.sh [SECONDS]
# The corpus grows in build-fuzz/corpus/ across runs; a crash is written to
# build-fuzz/crash-* and fails the run. Prints the executions done.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${LOUPE_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${1:-60}"

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found; skipping (apt-get install clang to fuzz)" >&2
  exit 0
fi
jobs=$(nproc 2>/dev/null || echo 2)
[ "$jobs" -gt 2 ] && jobs=2

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DLOUPE_FUZZ=ON -DLOUPE_BUILD_TESTS=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build" -j"$jobs" --target query_fuzz

# Seeds: the first string of every row of the parser's golden tables, and every
# query line of the language reference's examples.
seeds="$build/seeds"
rm -rf "$seeds"
mkdir -p "$seeds" "$build/corpus"
n=0
while IFS= read -r q; do
  n=$((n + 1))
  printf '%b' "$q" >"$seeds/golden-$n"
done < <(sed -n 's/^ *{"\(\([^"\\]\|\\.\)*\)", .*/\1/p' "$root/tests/parser_test.cc" | sed 's/\\"/"/g')
awk '/^```/ { inside = !inside; block = substr($0, 4); next }
     inside && block == "query" && $0 != "" && $0 !~ /^(→|✗|⚠|lenient: |# )/ { print }' \
  "$root/docs/query-language.md" | while IFS= read -r q; do
  n=$((n + 1))
  printf '%s' "$q" >"$seeds/docs-$n"
done
echo "fuzz: $(ls "$seeds" | wc -l) seeds; fuzzing for ${seconds}s" >&2

log="$build/fuzz.log"
set +e
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$build/tests/fuzz/query_fuzz" "$build/corpus" "$seeds" -dict="$root/tests/fuzz/query.dict" \
  -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix="$build/" -print_final_stats=1 >"$log" 2>&1
rc=$?
set -e
grep -E '^stat::number_of_executed_units|^Done|ERROR|SUMMARY' "$log" >&2 || true
if [ $rc -ne 0 ]; then
  echo "fuzz: the fuzzer found a problem (exit $rc); see $log" >&2
  tail -40 "$log" >&2
  exit 1
fi
