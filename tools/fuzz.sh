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
# Each target starts from its corpus kept in the tree, tests/fuzz/corpus/TARGET/
# (read, never written by a run), besides the seeds; what a run adds grows in
# build-fuzz/corpus-TARGET/ across runs. A crash is written to build-fuzz/crash-*
# and fails the run. Prints the executions done per target.
#
#   tools/fuzz.sh --merge [TARGET...]
# folds a grown corpus back into the tree: libFuzzer's -merge=1 keeps, of
# tests/fuzz/corpus/TARGET/ and build-fuzz/corpus-TARGET/, only the inputs that
# reach coverage the seeds (which every run derives afresh) do not, each under
# 16 KiB, and tests/fuzz/corpus/TARGET/ becomes that set. Commit the result; it
# should stay small (the whole tree corpus well under 2 MB).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${LOUPE_FUZZ_BUILD_DIR:-$root/build-fuzz}"
merge=""
if [ "${1:-}" = "--merge" ]; then
  merge=1
  shift
  seconds=0
else
  seconds="${1:-60}"
  shift || true
fi
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
[ -n "$merge" ] && span="nothing (merging into the tree)"

fuzz_one() {  # TARGET SEEDS_DIR [libFuzzer options...]
  local target=$1 seeds=$2
  shift 2
  mkdir -p "$build/corpus-$target" "$root/tests/fuzz/corpus/$target"
  local log="$build/fuzz-$target.log" rc
  if [ -n "$merge" ]; then
    merge_one "$target" "$seeds" "$@"
    return
  fi
  set +e
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/tests/fuzz/${target}_fuzz" "$build/corpus-$target" "$root/tests/fuzz/corpus/$target" "$seeds" "$@" \
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

# merge_one TARGET SEEDS_DIR [libFuzzer options...]: the seeds' coverage first,
# then of the tree's and the grown corpus only what adds to it, into the tree.
merge_one() {
  local target=$1 seeds=$2 tree=$root/tests/fuzz/corpus/$1 out=$build/merge-$1
  shift 2
  rm -rf "$out" "$out.seeds"
  mkdir -p "$out" "$out.seeds"
  cp "$seeds"/* "$out.seeds"/ 2>/dev/null || true
  # Inputs over 16 KiB are left out, so the tree's files stay small.
  find "$tree" "$build/corpus-$target" -type f -size -16k -exec cp -t "$out" {} + 2>/dev/null || true
  local log="$build/merge-$target.log"
  # -use_counters=0: an input is kept for an edge it reaches first, not for reaching
  # a known edge more often (which would keep several times as many).
  ASAN_OPTIONS=detect_leaks=0 "$build/tests/fuzz/${target}_fuzz" -merge=1 -use_counters=0 "$out.seeds" "$out" "$@" \
    -timeout=10 -rss_limit_mb=4096 >"$log" 2>&1 || { echo "fuzz: $target: merge failed; see $log" >&2; tail -20 "$log" >&2; exit 1; }
  # What -merge=1 added to the seeds' folder is what the tree keeps.
  rm -rf "$tree"
  mkdir -p "$tree"
  local f
  for f in "$out.seeds"/*; do
    [ -e "$seeds/$(basename "$f")" ] || cp "$f" "$tree/"
  done
  rm -rf "$out" "$out.seeds"
  echo "fuzz: $target: tests/fuzz/corpus/$target keeps $(ls "$tree" | wc -l) inputs, $(cat "$tree"/* 2>/dev/null | wc -c) bytes" >&2
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
      echo "fuzz: query: $(ls "$seeds" | wc -l) seeds, $(ls "$root/tests/fuzz/corpus/query" 2>/dev/null | wc -l) in the tree corpus; fuzzing for $span" >&2
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
      echo "fuzz: $target: $n seeds, $(ls "$root/tests/fuzz/corpus/$target" 2>/dev/null | wc -l) in the tree corpus; fuzzing for $span" >&2
      fuzz_one "$target" "$seeds" -max_len=65536
      ;;
  esac
done
