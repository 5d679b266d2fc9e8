#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (in build-fuzz/) and fuzzes each for SECONDS
# (default 60):
#   tools/fuzz.sh [SECONDS] [TARGET...]
# TARGETs: query (the query front end, seeded with every query of the golden
# tables and of docs/query-language.md), and one per corpus reader: txt, md,
# jsonl, eml, html, feed (seeded with the bundled corpus, tests/data and tests/fuzz/seeds);
# `readers` names them all; no TARGET: every one.
# With LOUPE_FUZZ_RUNS=N set, each target runs N inputs instead, however long
# that takes (e.g. LOUPE_FUZZ_RUNS=1000000 tools/fuzz.sh 0 readers).
# Each corpus grows in build-fuzz/corpus-TARGET/ across runs; a crash is written
# to build-fuzz/crash-* and fails the run. Prints the executions done per target.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${LOUPE_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${1:-60}"
shift || true
readers=(txt md jsonl eml html feed)
targets=()
for t in "${@:-all}"; do
  case "$t" in
    all) targets+=(query "${readers[@]}") ;;
    readers) targets+=("${readers[@]}") ;;
    query|txt|md|jsonl|eml|html|feed) targets+=("$t") ;;
    *) echo "fuzz: unknown target '$t' (query, ${readers[*]}, readers)" >&2; exit 2 ;;
  esac
done

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
cmake --build "$build" -j"$jobs" --target $(printf '%s_fuzz ' "${targets[@]}")

if [ -n "${LOUPE_FUZZ_RUNS:-}" ]; then
  limit="-runs=$LOUPE_FUZZ_RUNS"
  span="$LOUPE_FUZZ_RUNS runs"
else
  limit="-max_total_time=$seconds"
  span="${seconds}s"
fi

fuzz_one() {  # TARGET SEEDS_DIR [libFuzzer options...]
  local target=$1 seeds=$2
  shift 2
  mkdir -p "$build/corpus-$target"
  local log="$build/fuzz-$target.log" rc
  set +e
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/tests/fuzz/${target}_fuzz" "$build/corpus-$target" "$seeds" "$@" \
    $limit -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$build/" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  echo "fuzz: $target: $(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}') executions" >&2
  grep -E '^Done|ERROR|SUMMARY' "$log" >&2 || true
  if [ $rc -ne 0 ]; then
    echo "fuzz: $target: the fuzzer found a problem (exit $rc); see $log" >&2
    tail -40 "$log" >&2
    exit 1
  fi
}

for target in "${targets[@]}"; do
  seeds="$build/seeds-$target"
  rm -rf "$seeds"
  mkdir -p "$seeds"
  case "$target" in
    query)
      # Seeds: the first string of every row of the parser's golden tables, and
      # every query line of the language reference's examples.
      n=0
      while IFS= read -r q; do
        n=$((n + 1))
        printf '%b' "$q" >"$seeds/golden-$n"
      done < <(sed -n 's/^ *{"\(\([^"\\]\|\\.\)*\)", .*/\1/p' "$root/tests/query/parser_test.cc" | sed 's/\\"/"/g')
      awk '/^```/ { inside = !inside; block = substr($0, 4); next }
           inside && block == "query" && $0 != "" && $0 !~ /^(→|✗|⚠|lenient: |# )/ { print }' \
        "$root/docs/query-language.md" | while IFS= read -r q; do
        n=$((n + 1))
        printf '%s' "$q" >"$seeds/docs-$n"
      done
      echo "fuzz: query: $(ls "$seeds" | wc -l) seeds; fuzzing for $span" >&2
      fuzz_one query "$seeds" -dict="$root/tests/fuzz/query.dict" -max_len=4096
      ;;
    *)
      # Seeds: every file of the reader's extensions in the bundled corpus,
      # tests/data and tests/fuzz/seeds.
      case "$target" in
        txt) names=(-name '*.txt') ;;
        md) names=(-name '*.md') ;;
        jsonl) names=(-name '*.jsonl' -o -name '*.ndjson') ;;
        eml) names=(-name '*.eml') ;;
        html) names=(-name '*.html' -o -name '*.htm') ;;
        feed) names=(-name '*.rss' -o -name '*.atom' -o -name '*.xml') ;;
      esac
      n=0
      while IFS= read -r -d '' f; do
        n=$((n + 1))
        cp "$f" "$seeds/seed-$n"
      done < <(find "$root/corpus" "$root/tests/data" "$root/tests/fuzz/seeds" -type f \( "${names[@]}" \) -print0 2>/dev/null)
      echo "fuzz: $target: $n seeds; fuzzing for $span" >&2
      fuzz_one "$target" "$seeds" -max_len=65536
      ;;
  esac
done
