#!/usr/bin/env bash
# Soak test: everything at once on one index for MINUTES minutes.
#
#   tests/faults/soak.sh MINUTES [LOUPE [SOAK_READER]]
#       (defaults: build/tools/loupe and build/tests/soak_reader)
#
# - A writer changes a folder of articles and runs `loupe index` on it every
#   2 seconds (one commit each): it adds a group of GROUP articles, replaces
#   one (rewrites its files), deletes the oldest, or all three. The articles of
#   a group share a marker ("mk" and a number) as their topic and in their
#   body, so a search that sees part of a commit counts a marker other than
#   0 or GROUP times, or a total that is not a multiple of GROUP.
# - soak_reader (tests/faults/soak_reader.cc) searches without pause with
#   facets, snippets and paging cursors, checking those counts: 8 threads
#   sharing one Index in one process, and 8 processes of one thread. Every 20
#   seconds one of the 8 processes is killed with -9, often in the middle of a
#   search (holding a snapshot), and started again: the slot it leaves in
#   LMDB's reader table must be freed (the writer does so at each open and
#   commit), or the file grows with every commit.
# - `loupe compact` every COMPACT seconds (5 minutes, or a third of the run if
#   shorter). It takes the write lock, so it runs in the writer's loop between
#   two `loupe index` runs: the writer pauses for it. The searching processes
#   keep reading the old file until their searches warn that it was replaced,
#   then open the index again.
# - `loupe backup` every BACKUP seconds (4 minutes, or a third of the run),
#   beside everything else; each copy must check clean.
# - Every 5 seconds: the size of data.mdb, the reader table's used slots and
#   the RSS of the searching processes, to $SOAK_CSV (default soak.csv in the
#   work folder, printed at the end as a curve by sixths of the run).
#
# Passes when: no search, commit, compaction or backup failed; no torn read;
# the reader table never held more than 64 slots (17 processes search, so a
# table that keeps dead readers' slots would pass that); data.mdb's largest
# size in the last third of the run is at most twice its largest in the first
# third, and so is each searching process's RSS (not bounded when
# SOAK_SANITIZED is set: ctest sets it in a sanitizer build, whose
# quarantine keeps freed memory); the final index checks clean
# and has the same documents and search results (totals, facets, sets of ids)
# as a clean build of the final folder. Prints one "soak: ..." summary line.
set -uo pipefail

minutes=${1:?usage: soak.sh MINUTES [LOUPE [SOAK_READER]]}
loupe=$(realpath "${2:-build/tools/loupe}")
reader=$(realpath "${3:-build/tests/soak_reader}")
[ -x "$loupe" ] && [ -x "$reader" ] || { echo "soak: cannot run $loupe or $reader (build them first)"; exit 2; }

G=5             # articles per group
LIVE=40         # groups kept (about 200 articles)
THREADS=8       # threads of the threaded searching process
PROCS=8         # searching processes of one thread
secs=$((minutes * 60))
compact_every=$((secs / 3 < 300 ? secs / 3 : 300))
backup_every=$((secs / 3 < 240 ? secs / 3 : 240))

work=$(mktemp -d)
corpus=$work/corpus db=$work/db csv=${SOAK_CSV:-$work/soak.csv}
pids=()
cleanup() {
  for p in "${pids[@]}" ${sampler:-} ${threaded:-}; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

words=(tariff talks trade china steel treasury beijing geneva truce export chips market officials
  minister deal framework deadline summit goods duty import agreement negotiators statement)
# write_group N VERSION: the GROUP files of group N, marker mkN, in the header format.
write_group() {
  local n=$1 v=$2 k body i
  for k in $(seq 1 $G); do
    body=""
    for i in $(seq 1 60); do body+="${words[$(((n * 31 + k * 7 + i * v) % ${#words[@]}))]} "; done
    printf 'Article %d-%d version %d\nDate: 2025-%02d-%02d\nTopics: mk%d\n\n%s mk%d %s.\n\nVersion %d of it.\n' \
      "$n" "$k" "$v" $((n % 12 + 1)) $((k * 5 % 28 + 1)) "$n" "$body" "$n" "${words[$((v % ${#words[@]}))]}" "$v" \
      >"$corpus/g$n-$k.txt"
  done
}

live=()     # the groups in the folder, oldest first
next=0      # the next group's number
version=1
mkdir -p "$corpus"
for _ in $(seq 1 $LIVE); do
  write_group $next 0
  live+=("$next")
  next=$((next + 1))
done
"$loupe" index -q --no-tagging --db "$db" "$corpus" >/dev/null || { echo "FAIL: the first build failed"; exit 1; }

start=$(date +%s)
end=$((start + secs))

# The searching processes: one of 8 threads, 8 of one; each runs until `end`.
"$reader" "$db" "$secs" $THREADS $G >"$work/threaded.out" 2>"$work/threaded.err" &
threaded=$!
start_proc() {  # start_proc I: (re)starts searching process I for what is left of the run
  local left=$((end - $(date +%s)))
  [ $left -lt 1 ] && left=1
  "$reader" "$db" "$left" 1 $G >>"$work/proc-$1.out" 2>>"$work/proc-$1.err" &
  pids[$1]=$!
}
for i in $(seq 0 $((PROCS - 1))); do start_proc "$i"; done

# The sampler: time, data.mdb bytes, used reader slots, RSS (KiB) of the
# threaded process and the largest of the one-thread processes.
rss_of() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
(
  echo "seconds,data_bytes,reader_slots,threaded_rss_kb,process_rss_kb"
  while :; do
    now=$(date +%s)
    size=$(stat -c %s "$db/data.mdb" 2>/dev/null || echo 0)
    slots=$("$reader" --slots "$db" 2>/dev/null || echo -1)
    t_rss=$(rss_of "$threaded")
    p_rss=0
    for p in $(pgrep -P $$ -x soak_reader 2>/dev/null); do
      [ "$p" = "$threaded" ] && continue
      r=$(rss_of "$p")
      [ "${r:-0}" -gt "$p_rss" ] && p_rss=$r
    done
    echo "$((now - start)),$size,$slots,${t_rss:-0},$p_rss"
    sleep 5
  done
) >"$csv" &
sampler=$!

# The writer's loop, which also compacts, starts backups and kills searchers.
commits=0 compactions=0 backups=0 kills=0 round=0
next_compact=$((start + compact_every))
next_backup=$((start + backup_every / 2))
next_kill=$((start + 20))
backup_pids=()
index_run() {
  local out
  if ! out=$("$loupe" index -q --no-tagging --db "$db" "$corpus" 2>&1); then
    fail "commit $commits: loupe index failed: $out"
    return
  fi
  commits=$((commits + 1))
}
while [ "$(date +%s)" -lt "$end" ]; do
  round=$((round + 1))
  case $((round % 3)) in
    0)  # a new group
      write_group $next 0
      live+=("$next")
      next=$((next + 1))
      ;;
    1)  # a group replaced
      write_group "${live[$((RANDOM % ${#live[@]}))]}" $version
      version=$((version + 1))
      ;;
    2)  # the oldest group deleted, a new one added, another replaced
      rm -f "$corpus/g${live[0]}"-*.txt
      live=("${live[@]:1}")
      write_group $next 0
      live+=("$next")
      next=$((next + 1))
      write_group "${live[$((RANDOM % ${#live[@]}))]}" $version
      version=$((version + 1))
      ;;
  esac
  # Keep about LIVE groups.
  while [ ${#live[@]} -gt $LIVE ]; do
    rm -f "$corpus/g${live[0]}"-*.txt
    live=("${live[@]:1}")
  done
  index_run
  now=$(date +%s)
  if [ "$now" -ge "$next_compact" ]; then
    if out=$("$loupe" compact --db "$db" 2>&1); then
      compactions=$((compactions + 1))
    else
      fail "loupe compact failed: $out"
    fi
    next_compact=$((now + compact_every))
  fi
  if [ "$now" -ge "$next_backup" ]; then
    b=$work/backup-$backups
    (
      if ! out=$("$loupe" backup --db "$db" "$b" 2>&1); then
        echo "loupe backup failed: $out" >"$b.fail"
      elif ! out=$("$loupe" check --db "$b" 2>&1); then
        echo "the backup does not check clean: $out" >"$b.fail"
      fi
      rm -rf "$b"
    ) &
    backup_pids+=($!)
    backups=$((backups + 1))
    next_backup=$((now + backup_every))
  fi
  if [ "$now" -ge "$next_kill" ]; then
    i=$((RANDOM % PROCS))
    kill -9 "${pids[$i]}" 2>/dev/null && kills=$((kills + 1))
    wait "${pids[$i]}" 2>/dev/null
    echo "soak_reader: killed" >>"$work/proc-$i.out"
    start_proc "$i"
    next_kill=$((now + 20))
  fi
  sleep 2
done

# The end: every searcher's summary, the backups' results.
wait "$threaded"
threaded_rc=$?
for i in $(seq 0 $((PROCS - 1))); do wait "${pids[$i]}"; done
for p in "${backup_pids[@]}"; do wait "$p"; done
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
unset sampler threaded
pids=()

searches=0 reader_errors=0 torn=0 reopens=0
for f in "$work"/threaded.out "$work"/proc-*.out; do
  while read -r _ _ s _ _ _ _ _ r _ e _ t; do
    searches=$((searches + s)) reopens=$((reopens + r)) reader_errors=$((reader_errors + e)) torn=$((torn + t))
  done < <(grep '^soak_reader: searches' "$f")
done
[ "$threaded_rc" -eq 0 ] || fail "the threaded searching process failed (exit $threaded_rc)"
grep -q '^soak_reader: searches' "$work/threaded.out" || fail "the threaded searching process gave no summary"
for f in "$work"/threaded.err "$work"/proc-*.err; do
  [ -s "$f" ] && { echo "--- $(basename "$f")"; head -20 "$f"; }
done
[ "$reader_errors" -eq 0 ] || fail "$reader_errors searches failed"
[ "$torn" -eq 0 ] || fail "$torn searches saw part of a commit"
[ "$searches" -gt 0 ] || fail "no search ran"
for f in "$work"/backup-*.fail; do [ -e "$f" ] && fail "$(cat "$f")"; done
[ "$compactions" -ge 1 ] || fail "no compaction ran"
[ "$backups" -ge 1 ] || fail "no backup ran"

# Bounds, from the samples: the last third against the first third.
summary=$(awk -F, -v secs="$secs" '
  NR == 1 { next }
  { n++; t[n] = $1; size[n] = $2; slots[n] = $3; trss[n] = $4; prss[n] = $5 }
  END {
    first = secs / 3; last = 2 * secs / 3
    for (i = 1; i <= n; i++) {
      if (slots[i] > maxslots) maxslots = slots[i]
      if (slots[i] < 0) badslots++
      if (t[i] <= first) { if (size[i] > s1) s1 = size[i]; if (trss[i] > t1) t1 = trss[i]; if (prss[i] > p1) p1 = prss[i] }
      if (t[i] >= last)  { if (size[i] > s3) s3 = size[i]; if (trss[i] > t3) t3 = trss[i]; if (prss[i] > p3) p3 = prss[i] }
    }
    printf "%d %d %d %d %d %d %d %d %d\n", n, maxslots, badslots, s1, s3, t1, t3, p1, p3
  }' "$csv")
read -r samples maxslots badslots s1 s3 t1 t3 p1 p3 <<<"$summary"
echo "soak: curve by sixths of the run (largest sample in each): seconds, data.mdb bytes, reader slots, RSS KiB of the threaded process, of the largest one-thread process"
awk -F, -v secs="$secs" 'NR > 1 {
    k = int($1 * 6 / secs); if (k > 5) k = 5
    if ($2 > s[k]) s[k] = $2; if ($3 > r[k]) r[k] = $3; if ($4 > a[k]) a[k] = $4; if ($5 > b[k]) b[k] = $5; seen[k] = 1
  } END { for (k = 0; k < 6; k++) if (seen[k]) printf "  %4d-%-4d s  %10d  %3d  %8d  %8d\n", k * secs / 6, (k + 1) * secs / 6, s[k], r[k], a[k], b[k] }' "$csv"
[ "$samples" -ge 3 ] || fail "only $samples samples"
[ "$maxslots" -le 64 ] || fail "the reader table held $maxslots slots"
[ "${badslots:-0}" -eq 0 ] || echo "soak: $badslots samples could not read the reader table (an open during a compaction's swap)"
[ "$s3" -le $((2 * s1)) ] || fail "data.mdb grew: at most $s1 bytes in the first third of the run, $s3 in the last"
if [ -n "${SOAK_SANITIZED:-}" ]; then
  # AddressSanitizer keeps freed memory aside (its quarantine), so RSS grows by design.
  echo "soak: RSS not bounded in a sanitizer build (SOAK_SANITIZED): AddressSanitizer's quarantine keeps freed memory"
else
  [ "$t3" -le $((2 * t1)) ] || fail "the threaded process grew: RSS at most $t1 KiB in the first third, $t3 in the last"
  [ "$p3" -le $((2 * p1)) ] || fail "a searching process grew: RSS at most $p1 KiB in the first third, $p3 in the last"
fi

# The final index against a clean build of the final folder.
"$loupe" check --db "$db" >/dev/null 2>&1 || fail "the final index does not check clean: $("$loupe" check --db "$db" 2>&1 | tail -3)"
"$loupe" index -q --no-tagging --db "$work/clean" "$corpus" >/dev/null || fail "the clean build failed"
results_of() {  # totals, facets and the set of ids of a few searches
  for q in '*' 'tariff' 'trade AND china' '"rare earth"' 'china -steel' 'mk1*' 'topic:mk7'; do
    echo "== $q"
    "$loupe" search --db "$1" --format json --limit 0 --no-snippets --no-suggest --facet topic,date:month "$q" \
      2>/dev/null | grep -v '"generation"\|"next_cursor"'
    "$loupe" search --db "$1" --format json --limit 100000 --no-snippets --no-suggest "$q" 2>/dev/null |
      grep -o '"id": "[^"]*"' | sort
  done
}
if ! diff <(results_of "$db") <(results_of "$work/clean") >"$work/diff"; then
  fail "the final index differs from a clean build of the same files:"
  head -20 "$work/diff"
fi
docs=$("$loupe" stats --db "$db" --format json | grep -o '"documents": [0-9]*' | grep -o '[0-9]*$')
[ "$docs" = "$(find "$corpus" -name '*.txt' | wc -l)" ] || fail "the final index has $docs documents for $(find "$corpus" -name '*.txt' | wc -l) files"

echo "soak: $minutes min, $searches searches, $commits commits, $compactions compactions, $backups backups," \
  "$kills searching processes killed with -9, $reopens reopens after compaction, $((reader_errors + failures)) errors," \
  "$torn torn reads; reader slots at most $maxslots; data.mdb at most $s1 bytes in the first third, $s3 in the last;" \
  "RSS at most $t1/$p1 KiB (threaded/one-thread) in the first third, $t3/$p3 in the last; $docs documents at the end"
[ -n "${SOAK_CSV:-}" ] && echo "soak: samples in $csv"
[ "$failures" -eq 0 ] || exit 1
