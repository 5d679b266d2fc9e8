#!/usr/bin/env bash
# Developer entry point.
#   tools/dev.sh demo [QUERY]   install deps, build, index corpus/, run QUERY
#   tools/dev.sh test           install deps, build, run every test (ctest), then fuzz the
#                               query front end for LOUPE_FUZZ_SECONDS (default 60) and each
#                               corpus reader for LOUPE_FUZZ_READER_SECONDS (default 20) when
#                               clang is present (tools/fuzz.sh)
#   tools/dev.sh test --sanitize  the same in build-sanitize/, under AddressSanitizer and
#                               UndefinedBehaviorSanitizer (any report fails the run)
#   tools/dev.sh test --tsan    the threaded tests (readers beside a writer, hot backup)
#                               in build-tsan/, under ThreadSanitizer
#   tools/dev.sh build          install deps, build only
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${LOUPE_BUILD_DIR:-$root/build}"
default_query='actor:Bessent AND topic:tariffs before:2025-09-17'

jobs=$(nproc 2>/dev/null || echo 2)
[ "$jobs" -gt 2 ] && jobs=2

do_build() {
  "$root/tools/install-deps.sh"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${LOUPE_BUILD_TYPE:-Release}" -DLOUPE_WERROR=ON >/dev/null
  cmake --build "$build" -j"$jobs"
}

# configure_sanitized DIR SANITIZERS [EXTRA_FLAGS]: a RelWithDebInfo build in DIR
# (unless LOUPE_BUILD_DIR says where) with -fsanitize=SANITIZERS; sets $build.
configure_sanitized() {
  "$root/tools/install-deps.sh"
  build="${LOUPE_BUILD_DIR:-$root/$1}"
  local flags="-fsanitize=$2 ${3:-}-fno-omit-frame-pointer"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOUPE_WERROR=ON \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=$2" -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=$2" >/dev/null
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  demo)
    query="${1:-$default_query}"
    do_build
    db="$build/demo-index"
    rm -rf "$db"
    "$build/tools/loupe" index --db "$db" "$root/corpus"
    echo
    echo "\$ loupe search --db $db '$query'"
    set +e
    "$build/tools/loupe" search --db "$db" "$query"
    rc=$?
    set -e
    exit $rc
    ;;
  test)
    if [ "${1:-}" = "--tsan" ]; then
      configure_sanitized build-tsan thread
      cmake --build "$build" -j"$jobs" --target concurrency_test maintain_test
      TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp" \
        ctest --test-dir "$build" --output-on-failure -R '^(concurrency_test|maintain_test)$'
    elif [ "${1:-}" = "--sanitize" ]; then
      configure_sanitized build-sanitize address,undefined "-fno-sanitize-recover=undefined "
      cmake --build "$build" -j"$jobs"
      # The install test builds a program outside this configuration, without the
      # sanitizer runtime, against the instrumented library: it cannot run here.
      # The fault tests preload a shim, which the sanitizer runtime must precede;
      # they run in the ordinary suite.
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir "$build" --output-on-failure -j"$jobs" -E "^(install_test|fault_tests)$"
    else
      do_build
      ctest --test-dir "$build" --output-on-failure -j"$jobs"
      "$root/tools/fuzz.sh" "${LOUPE_FUZZ_SECONDS:-60}" query
      "$root/tools/fuzz.sh" "${LOUPE_FUZZ_READER_SECONDS:-20}" readers
    fi
    ;;
  build)
    do_build
    ;;
  *)
    echo "usage: tools/dev.sh demo [QUERY] | test [--sanitize | --tsan] | build" >&2
    exit 2
    ;;
esac
