#!/usr/bin/env bash
# Fault tests for the loupe CLI and the index under it: what a killed process,
# a full disk, a failing device, a damaged file and two writers at once do.
#
#   tests/faults/run.sh LOUPE [kill N] [io] [damage N] [truncate N] [writers N] [compact N]
#                             [swap N] [backup N] [full] [churn N] [partition N] [merge N]
#                             [powerloss N]
#   tests/faults/run.sh LOUPE ci     the bounded set CI runs (kill 30, io, damage 180,
#                                    truncate 20, writers 100, compact 10, swap 30, backup 10,
#                                    full, churn 12, partition 10, merge 10, powerloss 100)
#
# Each part prints one summary line ("faults: ..."); any broken promise prints
# "FAIL: ..." and the script exits 1 at the end. Figures go to docs/reliability.md.
set -uo pipefail

loupe=$(realpath "$1")
shift
[ $# -eq 0 ] && set -- ci
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'umount "$work/f-mnt" 2>/dev/null; rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# A corpus of N synthetic articles in the header format (words drawn from a
# fixed list, so every run writes the same bytes).
make_corpus() {
  local dir=$1 n=$2 seed=$3
  mkdir -p "$dir"
  awk -v n="$n" -v dir="$dir" -v seed="$seed" 'BEGIN {
    srand(seed)
    split("tariff talks trade china steel treasury bessent greer beijing geneva truce export chips rare earth " \
          "soybean market officials minister deal framework deadline summit rate goods duty import agreement " \
          "negotiators week statement reported said would could after before while during against", w, " ")
    nw = length(w)
    split("Scott Bessent;He Lifeng;Donald Trump;Jamieson Greer;Xi Jinping", actors, ";")
    for (i = 1; i <= n; i++) {
      f = sprintf("%s/art-%05d.txt", dir, i)
      printf "Title: Article %d about %s and %s\n", i, w[int(rand() * nw) + 1], w[int(rand() * nw) + 1] > f
      printf "Date: 2025-%02d-%02d\n", int(rand() * 12) + 1, int(rand() * 28) + 1 > f
      printf "Actors: %s\n\n", actors[int(rand() * 5) + 1] > f
      for (p = 0; p < 4; p++) {
        line = ""
        for (k = 0; k < 60; k++) line = line w[int(rand() * nw) + 1] (k % 12 == 11 ? ". " : " ")
        print line "\n" > f
      }
      close(f)
    }
  }'
}

json_field() {  # json_field FIELD < json: the first numeric value of "FIELD"
  grep -o "\"$1\": [0-9]*" | head -1 | grep -o '[0-9]*$'
}

ids_of() {  # every document id of index $1, sorted
  "$loupe" search --db "$1" --format json --limit 1000000 --no-snippets '*' 2>/dev/null |
    grep -o '"id": "[^"]*"' | sort
}

results_of() {  # what a few searches return: ids, totals and facets
  for q in '*' 'tariff' 'actor:Bessent AND trade' '"rare earth"' 'china -steel'; do
    "$loupe" search --db "$1" --format json --limit 50 --no-snippets --no-suggest --facet actor,date:month "$q" 2>/dev/null |
      grep -v '"score"\|"generation"\|"next_cursor"'
  done
}

# After an interrupted `loupe index` of CORPUS into DB: the index is sound (or,
# stopped before its first commit, says it was never completely created), holds
# exactly the articles of its committed files (the next run finds that many
# unchanged), and that next run completes it to CLEAN_IDS. Sets resumed_docs
# (documents found) and resumed_uncreated (1 when never created).
resumes_cleanly() {
  local label=$1 db=$2 corpus=$3 clean_ids=$4 check_out unchanged
  resumed_docs=0
  resumed_uncreated=0
  if [ -e "$db/data.mdb" ]; then
    if check_out=$("$loupe" check --db "$db" 2>&1); then
      resumed_docs=$("$loupe" stats --db "$db" --format json | json_field documents)
      # An index is complete from its first commit; before it, it must not pass for
      # a valid empty one.
      [ "$("$loupe" stats --db "$db" --format json | json_field generation)" -ge 1 ] ||
        fail "$label: the index checks clean but has no commit (it was never completely created)"
    elif echo "$check_out" | grep -q "never completely created"; then
      resumed_uncreated=1
    else
      fail "$label: loupe check fails: $check_out"
    fi
  fi
  unchanged=$("$loupe" index -q --format json --db "$db" "$corpus" 2>/dev/null | json_field unchanged)
  [ "$unchanged" = "$resumed_docs" ] ||
    fail "$label: $resumed_docs documents after the interruption but $unchanged files already indexed"
  "$loupe" check --db "$db" >/dev/null 2>&1 || fail "$label: loupe check fails after the rerun"
  [ "$(ids_of "$db")" = "$clean_ids" ] || fail "$label: the rerun's documents differ from a clean build"
}

# start_part PREFIX CORPUS N SEED [DB MESSAGE]: each part starts from nothing
# under $work/PREFIX-* (a part may run twice), with the corpus CORPUS of N
# articles from SEED and, when DB is given, its index there. When that build
# fails: fails with MESSAGE and returns 1.
start_part() {
  local prefix=$1 corpus=$2 n=$3 seed=$4 db=${5:-}
  rm -rf "$work"/"$prefix"-*
  make_corpus "$corpus" "$n" "$seed"
  [ -z "$db" ] && return 0
  "$loupe" index -q --db "$db" "$corpus" >/dev/null || { fail "$6"; return 1; }
}

# start_shim_part PART PREFIX SEED_A SEED_B: the start of a part that injects
# I/O failures. Builds the shim into $shim and, from nothing under
# $work/PREFIX-*, two corpora of 300 articles ($a and $b, from the two seeds)
# and the index $base of $a; the caller declares these four local. Fails PART
# and returns 1 when a step fails.
start_shim_part() {
  local part=$1 prefix=$2
  shim=$work/failio.so a=$work/$prefix-a b=$work/$prefix-b base=$work/$prefix-base
  start_part "$prefix" "$a" 300 "$3" "$base" "$part: base build failed" || return 1
  make_corpus "$b" 300 "$4"
  cc -shared -fPIC -O2 -o "$shim" "$here/failio.c" -ldl || { fail "$part: cannot build the shim (cc)"; return 1; }
}

# --- kill -9 at random moments of `loupe index` ------------------------------
part_kill() {
  local trials=$1 corpus=$work/kill-corpus clean=$work/kill-clean
  start_part kill "$corpus" 4000 7 "$clean" "kill: the clean build failed"
  local clean_ids clean_results
  clean_ids=$(ids_of "$clean")
  clean_results=$(results_of "$clean")
  local t0 t1 full_ms
  t0=$(date +%s%N)
  "$loupe" index -q --commit-every 96K --db "$work/kill-time" "$corpus" >/dev/null
  t1=$(date +%s%N)
  full_ms=$(((t1 - t0) / 1000000))
  local killed=0 finished=0 docs_total=0 uncreated=0
  for t in $(seq 1 "$trials"); do
    local db=$work/kill-db
    rm -rf "$db"
    "$loupe" index -q --commit-every 96K --db "$db" "$corpus" >/dev/null 2>&1 &
    local pid=$!
    # A random moment within the run (commits every ~96 KiB of text).
    local wait_ms=$(((RANDOM * 32768 + RANDOM) % (full_ms + 20)))
    sleep "$(awk -v m="$wait_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); else finished=$((finished + 1)); fi
    wait "$pid" 2>/dev/null
    resumes_cleanly "kill trial $t" "$db" "$corpus" "$clean_ids"
    docs_total=$((docs_total + resumed_docs))
    uncreated=$((uncreated + resumed_uncreated))
    [ "$(results_of "$db")" = "$clean_results" ] || fail "kill trial $t: the rerun's search results differ from a clean build"
  done
  echo "faults: kill -9: $trials trials ($killed killed mid-run, $finished had finished), 4000 articles, commits every 96 KiB;" \
    "documents found after the kills: $docs_total in all; $uncreated killed before the first commit (reported as never" \
    "completely created); every index opened and checked clean, every rerun matched a clean build"
}

# --- failing writes and syncs (full disk, I/O errors) -------------------------
part_io() {
  local shim a b base
  start_shim_part io io 11 12 || return
  local base_ids
  base_ids=$(ids_of "$base")
  local injected=0 errors_clear=0
  for what in write sync write-sticky; do
    for err in 28 5; do
      local sticky=""
      [ "$what" = write-sticky ] && sticky=1
      for n in $(seq 1 200); do
        local db=$work/io-db
        rm -rf "$db"
        cp -r "$base" "$db"
        local out rc
        out=$(env LD_PRELOAD="$shim" FAILIO_AT=$n FAILIO_WHAT=${what%-sticky} FAILIO_ERRNO=$err FAILIO_COUNT=$work/io-count \
          ${sticky:+FAILIO_STICKY=1} \
          "$loupe" index -q --db "$db" "$b" 2>&1 >/dev/null)
        rc=$?
        local calls
        calls=$(cat "$work/io-count" 2>/dev/null || echo 0)
        if [ "$n" -gt "$calls" ]; then
          [ $rc -eq 0 ] || fail "io $what errno $err: the run without a fault failed: $out"
          break
        fi
        injected=$((injected + 1))
        if [ $rc -ne 3 ]; then
          fail "io $what errno $err at call $n: exit $rc, not 3: $out"
        elif [ "$err" = 28 ] && ! echo "$out" | grep -q "disk is full"; then
          fail "io $what at call $n: the message does not say the disk is full: $out"
        else
          errors_clear=$((errors_clear + 1))
        fi
        "$loupe" check --db "$db" >/dev/null 2>&1 || fail "io $what errno $err at call $n: check fails afterwards"
        [ "$(ids_of "$db")" = "$base_ids" ] || fail "io $what errno $err at call $n: the index is not its last commit"
      done
    done
  done
  # A new index built in many commits: a fault at any write or sync leaves the
  # commits before it, which the next run completes to what a clean build gives.
  local clean=$work/io-clean clean_ids
  "$loupe" index -q --db "$clean" "$b" >/dev/null || fail "io: clean build failed"
  clean_ids=$(ids_of "$clean")
  for what in write sync; do
    for n in $(seq 1 400); do
      local db=$work/io-db2
      rm -rf "$db"
      local out rc calls
      out=$(env LD_PRELOAD="$shim" FAILIO_AT=$n FAILIO_WHAT=$what FAILIO_COUNT=$work/io-count \
        "$loupe" index -q --commit-every 24K --db "$db" "$b" 2>&1 >/dev/null)
      rc=$?
      calls=$(cat "$work/io-count" 2>/dev/null || echo 0)
      [ "$n" -gt "$calls" ] && break
      injected=$((injected + 1))
      if [ $rc -eq 3 ] && echo "$out" | grep -q "disk is full"; then errors_clear=$((errors_clear + 1)); else
        fail "io (many commits) $what at call $n: exit $rc: $out"
      fi
      resumes_cleanly "io (many commits) $what at call $n" "$db" "$b" "$clean_ids"
    done
  done
  echo "faults: I/O: $injected faults injected (the Nth write or sync of data.mdb failing with ENOSPC or EIO, once or from" \
    "then on, every N until a run had none); $errors_clear ended with exit 3 and a clear message, every index equal to its last commit and checked clean"
}

# --- damaged files -------------------------------------------------------------
# part_damage KIND N: N copies of a 400-article index, each damaged once: KIND
# flip changes one byte beyond LMDB's two meta pages to another value, cut
# truncates the file at a random length (every trial damages its copy).
part_damage() {
  local kind=$1 trials=$2 corpus=$work/dmg-corpus good=$work/dmg-good
  start_part dmg "$corpus" 400 21 "$good" "damage: build failed" || return
  local good_results size
  good_results=$(results_of "$good")
  size=$(stat -c %s "$good/data.mdb")
  # Outcomes of the trials, by what caught the damage.
  declare -A n=()
  for t in $(seq 1 "$trials"); do
    local db=$work/dmg-db
    rm -rf "$db"
    mkdir -p "$db"
    cp "$good/data.mdb" "$db/data.mdb"
    if [ "$kind" = cut ]; then
      truncate -s $(((RANDOM * 32768 + RANDOM) % size)) "$db/data.mdb"
    else
      # The byte at a random offset, XORed with a random non-zero value.
      local at old
      at=$((8192 + (RANDOM * 32768 + RANDOM) % (size - 8192)))
      old=$(od -An -tu1 -j "$at" -N1 "$db/data.mdb" | tr -d ' ')
      printf "$(printf '\\%03o' $((old ^ (1 + RANDOM % 255))))" |
        dd of="$db/data.mdb" bs=1 seek="$at" count=1 conv=notrunc status=none
      cmp -s "$db/data.mdb" "$good/data.mdb" && { fail "damage trial $t (flip): the byte at $at did not change"; continue; }
    fi
    n[all]=$((${n[all]:-0} + 1))
    local out rc s_rc
    out=$("$loupe" check --db "$db" 2>&1)
    rc=$?
    "$loupe" search --db "$db" --no-snippets tariff >/dev/null 2>&1
    s_rc=$?
    if [ $rc -ge 128 ] || [ $s_rc -ge 128 ]; then
      n[crash]=$((${n[crash]:-0} + 1))
      fail "damage trial $t ($kind): a crash (check exit $rc, search exit $s_rc)"
    elif [ $rc -eq 0 ]; then
      if [ "$(results_of "$db")" = "$good_results" ]; then
        n[harmless]=$((${n[harmless]:-0} + 1))
      else
        n[silent]=$((${n[silent]:-0} + 1))
        fail "damage trial $t ($kind): check passed but search results changed (copy kept in ${LOUPE_FAULTS_KEEP:-nowhere})"
        [ -n "${LOUPE_FAULTS_KEEP:-}" ] && cp "$db/data.mdb" "$LOUPE_FAULTS_KEEP/silent-$t.mdb"
      fi
    elif echo "$out" | grep -q "checksum mismatch"; then
      n[checksum]=$((${n[checksum]:-0} + 1))
    elif echo "$out" | grep -q "reading it faulted\|loupe: aborted:"; then
      n[fault]=$((${n[fault]:-0} + 1))  # LMDB faulted or asserted on a damaged page; reported, exit 3
    else
      n[other]=$((${n[other]:-0} + 1))
    fi
  done
  local what="one byte changed"
  [ "$kind" = cut ] && what="truncated at a random length"
  echo "faults: damage ($kind): $trials trials, ${n[all]:-0} copies $what: ${n[checksum]:-0} caught by checksums," \
    "${n[other]:-0} caught by LMDB or the structure checks (truncation, tables, counts)," \
    "${n[fault]:-0} made LMDB fault or abort and were reported (exit 3), ${n[harmless]:-0} harmless" \
    "(check clean, every result unchanged), ${n[silent]:-0} silent, ${n[crash]:-0} crashes"
}

# --- two writers at once --------------------------------------------------------
part_writers() {
  local trials=$1 corpus=$work/w-corpus
  start_part w "$corpus" 1500 31
  local one_locked=0 both_ok=0
  for t in $(seq 1 "$trials"); do
    local db=$work/w-db
    rm -rf "$db"
    "$loupe" index -q --db "$db" "$corpus" >/dev/null 2>&1 || fail "writers: creating the index failed"
    touch "$corpus"/art-0000*.txt  # both runs have something to write
    timeout 60 "$loupe" index -q --commit-every 0 --db "$db" "$corpus" >"$work/w1.out" 2>&1 &
    local p1=$!
    timeout 60 "$loupe" index -q --commit-every 0 --db "$db" "$corpus" >"$work/w2.out" 2>&1 &
    local p2=$!
    wait $p1
    local r1=$?
    wait $p2
    local r2=$?
    if [ $r1 -eq 124 ] || [ $r2 -eq 124 ]; then fail "writers trial $t: a writer hung"; continue; fi
    if { [ $r1 -eq 0 ] && [ $r2 -eq 3 ] && grep -q "index is locked by pid" "$work/w2.out"; } ||
       { [ $r2 -eq 0 ] && [ $r1 -eq 3 ] && grep -q "index is locked by pid" "$work/w1.out"; }; then
      one_locked=$((one_locked + 1))
    elif [ $r1 -eq 0 ] && [ $r2 -eq 0 ]; then
      both_ok=$((both_ok + 1))  # the second started after the first had finished
    else
      fail "writers trial $t: exits $r1 and $r2: $(cat "$work/w1.out" "$work/w2.out" | head -3)"
    fi
    "$loupe" check --db "$db" >/dev/null 2>&1 || fail "writers trial $t: check fails"
  done
  echo "faults: two writers: $trials trials, $one_locked times one wrote and the other exited with 'index is locked by pid N'," \
    "$both_ok times they did not overlap; none hung"
}

# --- kill -9 during compaction ----------------------------------------------------
part_compact() {
  local trials=$1 corpus=$work/c-corpus base=$work/c-base
  start_part c "$corpus" 3000 41 "$base" "compact: build failed"
  touch "$corpus"/art-00*.txt
  "$loupe" index -q --db "$base" "$corpus" >/dev/null  # replaced versions to drop
  local want
  want=$(ids_of "$base")
  local t0 t1 ms
  cp -r "$base" "$work/c-time"
  t0=$(date +%s%N)
  "$loupe" compact --db "$work/c-time" >/dev/null
  t1=$(date +%s%N)
  ms=$(((t1 - t0) / 1000000))
  for t in $(seq 1 "$trials"); do
    local db=$work/c-db
    rm -rf "$db" "$db.compacting"
    cp -r "$base" "$db"
    "$loupe" compact --db "$db" >/dev/null 2>&1 &
    local pid=$!
    sleep "$(awk -v m="$(((RANDOM % (ms + 20))))" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    "$loupe" check --db "$db" >/dev/null 2>&1 || fail "compact trial $t: check fails after the kill"
    [ "$(ids_of "$db")" = "$want" ] || fail "compact trial $t: documents changed"
    "$loupe" compact --db "$db" >/dev/null 2>&1 || fail "compact trial $t: compacting again failed"
    [ "$(ids_of "$db")" = "$want" ] || fail "compact trial $t: documents changed after compacting again"
  done
  echo "faults: compact: $trials kills at random moments of a ${ms} ms compaction; every index opened with the same documents," \
    "checked clean and compacted again"
}

# --- searches while compaction swaps the folders ---------------------------------
part_swap() {
  local compactions=$1 corpus=$work/s-corpus db=$work/s-db
  start_part s "$corpus" 200 51 "$db" "swap: build failed" || return
  local want
  want=$("$loupe" search --db "$db" --format json --limit 1 --no-snippets --no-suggest tariff | json_field total)
  # Two search loops (the old index's answer and the new one's are the same)
  # beside the compactions; each search must succeed with the same total.
  local searcher
  for searcher in 1 2; do
    (
      n=0 bad=0
      while [ ! -e "$work/s-stop" ]; do
        out=$("$loupe" search --db "$db" --format json --limit 1 --no-snippets --no-suggest tariff 2>&1)
        rc=$?
        n=$((n + 1))
        if [ $rc -ne 0 ] || [ "$(echo "$out" | json_field total)" != "$want" ]; then
          bad=$((bad + 1))
          echo "exit $rc: $(echo "$out" | head -2)" >>"$work/s-errors"
        fi
      done
      echo "$n $bad" >"$work/s-count-$searcher"
    ) &
  done
  local done_ok=0
  for t in $(seq 1 "$compactions"); do
    if out=$("$loupe" compact --db "$db" 2>&1); then done_ok=$((done_ok + 1)); else fail "swap: compaction $t failed: $out"; fi
  done
  touch "$work/s-stop"
  wait
  local searches=0 failed=0 n bad
  for searcher in 1 2; do
    read -r n bad <"$work/s-count-$searcher"
    searches=$((searches + n))
    failed=$((failed + bad))
  done
  [ "$failed" -eq 0 ] || fail "swap: $failed of $searches searches failed beside compaction: $(head -3 "$work/s-errors")"
  [ -e "$db.compacting" ] && fail "swap: $db.compacting was left behind"
  echo "faults: searches beside compaction: $searches searches in two loops beside $done_ok compactions of a" \
    "200-article index; $failed failed"
}

# --- kill -9 during `loupe backup`, then a backup into the same folder ---------------
part_backup() {
  local trials=$1 corpus=$work/b-corpus base=$work/b-base
  start_part b "$corpus" 3000 61 "$base" "backup: build failed" || return
  local want t0 t1 ms
  want=$(ids_of "$base")
  t0=$(date +%s%N)
  "$loupe" backup --db "$base" --no-check "$work/b-time" >/dev/null || fail "backup: the timed backup failed"
  t1=$(date +%s%N)
  ms=$(((t1 - t0) / 1000000))
  local mid=0 whole=0 none=0
  for t in $(seq 1 "$trials"); do
    local dest=$work/b-dest
    rm -rf "$dest"
    "$loupe" backup --db "$base" --no-check "$dest" >/dev/null 2>&1 &
    local pid=$!
    sleep "$(awk -v m="$(((RANDOM % (ms + 5))))" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ -e "$dest/data.mdb" ]; then
      # The copy was in place before the kill: it is whole, and the folder holds
      # an index, which a backup refuses to overwrite.
      whole=$((whole + 1))
      "$loupe" check --db "$dest" >/dev/null 2>&1 || fail "backup trial $t: the copy left by the killed backup fails its check"
      [ "$(ids_of "$dest")" = "$want" ] || fail "backup trial $t: the copy left by the killed backup lacks documents"
      rm -f "$dest/data.mdb" "$dest/lock.mdb"
    elif [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
      mid=$((mid + 1))  # killed while copying: only the copy's temporary file is there
    else
      none=$((none + 1))  # killed before the copy began
    fi
    local out
    out=$("$loupe" backup --db "$base" "$dest" 2>&1) || fail "backup trial $t: backing up again into the same folder failed: $out"
    [ "$(ids_of "$dest")" = "$want" ] || fail "backup trial $t: the second backup lacks documents"
    [ "$(ls -A "$dest")" = "$(printf 'data.mdb\nlock.mdb')" ] || fail "backup trial $t: $dest holds $(ls -A "$dest" | tr '\n' ' ')"
  done
  echo "faults: backup: $trials kills at random moments of a ${ms} ms backup ($mid while copying, $whole after the copy" \
    "was in place, $none before it began); every next backup into the same folder succeeded and checked clean"
}

# --- a disk that fills up --------------------------------------------------------------
# LMDB reports a write that stops short (what a disk filling up mid-write does) as
# EIO; Loupe must still say the disk is full. Simulated with the shim's short
# writes (a fresh disk-full state seen by statvfs too), for `index`, `compact` and
# `backup`; and, where this process may mount a tmpfs, on real small file systems.
part_full() {
  local shim a b base
  start_shim_part full f 71 72 || return
  touch "$a"/art-001*.txt
  "$loupe" index -q --db "$base" "$a" >/dev/null  # replaced versions, for compaction to drop
  local base_ids
  base_ids=$(ids_of "$base")
  local runs=0 said_full=0
  local cmd
  for cmd in index compact backup; do
    for n in $(seq 1 200); do
      local db=$work/f-db dest=$work/f-dest out rc calls
      rm -rf "$db" "$db.compacting" "$dest"
      cp -r "$base" "$db"
      case $cmd in
        index) set -- index -q --db "$db" "$b" ;;
        compact) set -- compact --db "$db" ;;
        backup) set -- backup --db "$db" "$dest" ;;
      esac
      out=$(env LD_PRELOAD="$shim" FAILIO_AT=$n FAILIO_SHORT=1 FAILIO_COUNT=$work/f-count "$loupe" "$@" 2>&1 >/dev/null)
      rc=$?
      calls=$(cat "$work/f-count" 2>/dev/null || echo 0)
      if [ "$n" -gt "$calls" ]; then
        [ $rc -eq 0 ] || fail "full $cmd: the run without a fault failed: $out"
        break
      fi
      runs=$((runs + 1))
      if [ $rc -eq 3 ] && echo "$out" | grep -q "disk is full"; then said_full=$((said_full + 1)); else
        fail "full $cmd, short write at call $n: exit $rc, not 3 with 'the disk is full': $out"
      fi
      "$loupe" check --db "$db" >/dev/null 2>&1 || fail "full $cmd at call $n: check fails afterwards"
      [ "$(ids_of "$db")" = "$base_ids" ] || fail "full $cmd at call $n: the index is not its last commit"
      [ -e "$db.compacting" ] && fail "full $cmd at call $n: $db.compacting was left behind"
      [ -n "$(ls -A "$dest" 2>/dev/null)" ] && fail "full $cmd at call $n: the failed backup left $(ls -A "$dest" | tr '\n' ' ')"
    done
  done
  local real="" mnt=$work/f-mnt
  mkdir -p "$mnt"
  if mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
    umount "$mnt"
    local real_runs=0 real_full=0 kib out rc
    # real_run WHAT COMMAND...: a run that fails must exit 3 saying the disk is full.
    real_run() {
      local what=$1
      shift
      out=$("$loupe" "$@" 2>&1 >/dev/null)
      rc=$?
      [ $rc -eq 0 ] && return 1
      real_runs=$((real_runs + 1))
      if [ $rc -eq 3 ] && echo "$out" | grep -q "disk is full"; then real_full=$((real_full + 1)); else
        fail "full: $what: exit $rc: $out"
      fi
      return 0
    }
    # Sizes around a 300-article index (about 400 KiB): `index` and `backup` fill
    # the disk at different moments of their writing.
    for kib in $(seq 64 24 448); do
      mount -t tmpfs -o size=${kib}k tmpfs "$mnt" || { fail "full: cannot mount a ${kib} KiB tmpfs"; continue; }
      real_run "loupe index into a ${kib} KiB tmpfs" index -q --db "$mnt/idx" "$b"
      rm -rf "${mnt:?}"/*
      if real_run "loupe backup into a ${kib} KiB tmpfs" backup --db "$base" "$mnt/copy"; then
        if [ -e "$mnt/copy/data.mdb" ]; then
          # The copy was whole; opening it to check it found no room.
          echo "$out" | grep -q "the copy in .* does not open" || fail "full: backup into ${kib} KiB left data.mdb: $out"
          rm -rf "$work/f-copy" && mkdir "$work/f-copy" && cp "$mnt/copy/data.mdb" "$work/f-copy/"
          "$loupe" check --db "$work/f-copy" >/dev/null 2>&1 || fail "full: the copy left in ${kib} KiB fails its check"
        elif [ -n "$(ls -A "$mnt/copy" 2>/dev/null)" ]; then
          fail "full: the failed backup into ${kib} KiB left $(ls -A "$mnt/copy" | tr '\n' ' ')"
        fi
      fi
      umount "$mnt"
    done
    # A disk already full: creating an index, a backup, and opening a copy that
    # has no lock file yet (LMDB would create one) must say so, not fault.
    mount -t tmpfs -o size=1024k tmpfs "$mnt" || fail "full: cannot mount a 1 MiB tmpfs"
    mkdir -p "$mnt/nolock"
    cp "$base/data.mdb" "$mnt/nolock/"
    dd if=/dev/zero of="$mnt/filler" bs=4k status=none 2>/dev/null
    real_run "loupe index on a full disk" index -q --db "$mnt/idx" "$b" || fail "full: loupe index on a full disk succeeded"
    real_run "loupe backup onto a full disk" backup --db "$base" "$mnt/copy" || fail "full: loupe backup onto a full disk succeeded"
    real_run "loupe search of an index without its lock file on a full disk" search --db "$mnt/nolock" tariff ||
      fail "full: loupe search of an index without its lock file on a full disk succeeded"
    umount "$mnt"
    # Room for the index but not for it and its compacted copy.
    for kib in $(seq 520 40 880); do
      mount -t tmpfs -o size=${kib}k tmpfs "$mnt" || { fail "full: cannot mount a ${kib} KiB tmpfs"; continue; }
      if cp -r "$base" "$mnt/idx" 2>/dev/null && real_run "loupe compact in a ${kib} KiB tmpfs" compact --db "$mnt/idx"; then
        [ -e "$mnt/idx.compacting" ] && fail "full: compact in a ${kib} KiB tmpfs left idx.compacting behind"
        [ "$(ids_of "$mnt/idx")" = "$base_ids" ] || fail "full: compact in a ${kib} KiB tmpfs changed the index"
      fi
      umount "$mnt"
    done
    real="; on real tmpfs file systems of 64 to 880 KiB: $real_runs runs of index, backup and compact failed for want of room, $real_full of them with exit 3 and the disk is full"
  else
    real="; no tmpfs mount here (not root, or not allowed), so no real small file system was tried"
  fi
  echo "faults: full disk: $runs short writes (the Nth write of data.mdb stopping half way, then the disk full) in" \
    "index, compact and backup; $said_full ended with exit 3 and 'the disk is full', every index its last commit," \
    "nothing left behind$real"
}

# --- a tree churned at random, and a default run onto a disk that fills ------
# What the searches of results_of match, whatever the order of equal scores (an
# article indexed again gets a later internal id, which breaks ties): each
# query's total, facets and sorted ids.
result_sets_of() {
  for q in '*' 'tariff' 'actor:Bessent AND trade' '"rare earth"' 'china -steel'; do
    "$loupe" search --db "$1" --format json --limit 1000000 --no-snippets --no-suggest --facet actor,date:month "$q" \
      2>/dev/null | grep -o '"\(id\|total\|value\|count\)": [^,]*' | sort
  done
}

# Rounds of random changes to a tree (rewritten, emptied, blank, binary, deleted,
# replaced by a folder or a named pipe, SIGINT during the run), each followed by
# a run of `loupe index` and compared with a clean build of the tree: the same
# documents and the same search results.
part_churn() {
  local rounds=$1 dir=$work/churn-tree db=$work/churn-db
  start_part churn "$dir" 200 31 "$db" "churn: the first build failed"
  local interrupted=0
  for r in $(seq 1 "$rounds"); do
    local k
    for k in 1 2 3 4 5 6 7 8; do
      local f
      f=$(printf '%s/art-%05d.txt' "$dir" $((RANDOM % 200 + 1)))
      rm -rf "$f"
      case $((RANDOM % 7)) in
        0) printf 'Title: Churned %d\n\nThe tariff story, round %d.\n' "$r" "$r" >"$f" ;;
        1) : >"$f" ;;
        2) printf ' \n\t\n' >"$f" ;;
        3) printf 'bin\0ary' >"$f" ;;
        4) ;;
        5) mkdir "$f" ;;
        6) mkfifo "$f" ;;
      esac
    done
    if [ $((r % 4)) -eq 0 ]; then  # a build from nothing stopped by SIGINT, then run again
      rm -rf "$db"
      "$loupe" index -q --commit-every 0 --db "$db" "$dir" >/dev/null 2>&1 &
      local pid=$!
      sleep 0.0$((RANDOM % 5 + 1))
      kill -INT "$pid" 2>/dev/null
      wait "$pid"
      local rc=$?
      [ $rc -eq 0 ] || [ $rc -eq 130 ] || fail "churn round $r: SIGINT gave exit $rc, not 130"
      [ $rc -eq 130 ] && interrupted=$((interrupted + 1))
    fi
    "$loupe" index -q --db "$db" "$dir" >/dev/null 2>&1 || fail "churn round $r: the run failed"
    local clean=$work/churn-clean
    rm -rf "$clean"
    "$loupe" index -q --db "$clean" "$dir" >/dev/null 2>&1
    [ "$(ids_of "$db")" = "$(ids_of "$clean")" ] || fail "churn round $r: documents differ from a clean build"
    [ "$(result_sets_of "$db")" = "$(result_sets_of "$clean")" ] || fail "churn round $r: results differ from a clean build"
  done
  local mnt=$work/churn-mnt full="" rc out
  mkdir -p "$mnt"
  if mount -t tmpfs -o size=3m tmpfs "$mnt" 2>/dev/null; then
    # About 9 MiB of articles onto 3 MiB, the writer spilling early: the run must
    # end (within the timeout) with exit 3 and the disk-full message.
    make_corpus "$work/churn-big" 3000 32
    out=$(timeout 120 "$loupe" index -q --writer-memory 1M --db "$mnt/db" "$work/churn-big" 2>&1 >/dev/null)
    rc=$?
    umount "$mnt"
    if [ $rc -eq 3 ] && echo "$out" | grep -q "disk is full"; then full="; a default run onto a full 3 MiB disk ended with exit 3 and the disk-full message"; else
      fail "churn: a run onto a full disk gave exit $rc (124: still running after 120 s): $out"
    fi
  fi
  echo "faults: churn: $rounds rounds of 8 random changes to a 200-article tree ($interrupted runs stopped by SIGINT and" \
    "run again), each run equal to a clean build in documents and results$full"
}

# --- collections: kill -9 during a partitioned build, and during a merge -------------
splits_of() {  # the split names collection $1's manifest lists, sorted
  grep -o '"name": "[^"]*"' "$1/collection.json" | sed 's/.*: "//; s/"$//' | sort
}

# After an interrupted step on collection DB: it checks clean, every split its
# manifest lists opens and checks on its own, and no article is in two splits.
collection_sound() {
  local label=$1 db=$2 out name
  out=$("$loupe" check --db "$db" 2>&1) || fail "$label: loupe check fails: $(echo "$out" | tail -3)"
  for name in $(splits_of "$db"); do
    "$loupe" check --db "$db/splits/$name" >/dev/null 2>&1 || fail "$label: listed split $name does not open and check"
  done
  [ -z "$(ids_of "$db" | uniq -d)" ] || fail "$label: an article is in two splits: $(ids_of "$db" | uniq -d | head -2)"
}

part_partition() {
  local trials=$1 corpus=$work/p-corpus clean=$work/p-clean
  start_part p "$corpus" 3000 81
  "$loupe" index -q --partition month --db "$clean" "$corpus" >/dev/null || { fail "partition: the clean build failed"; return; }
  local clean_ids clean_results t0 t1 full_ms
  clean_ids=$(ids_of "$clean")
  clean_results=$(results_of "$clean")
  t0=$(date +%s%N)
  "$loupe" index -q --partition month --commit-every 96K --db "$work/p-time" "$corpus" >/dev/null
  t1=$(date +%s%N)
  full_ms=$(((t1 - t0) / 1000000))
  local killed=0 finished=0 docs_total=0 uncreated=0 ahead=0
  for t in $(seq 1 "$trials"); do
    local db=$work/p-db docs=0 unchanged
    rm -rf "$db"
    "$loupe" index -q --partition month --commit-every 96K --db "$db" "$corpus" >/dev/null 2>&1 &
    local pid=$!
    local wait_ms=$(((RANDOM * 32768 + RANDOM) % (full_ms + 20)))
    sleep "$(awk -v m="$wait_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); else finished=$((finished + 1)); fi
    wait "$pid" 2>/dev/null
    if [ -e "$db/collection.json" ]; then
      collection_sound "partition trial $t" "$db"
      docs=$("$loupe" stats --db "$db" --format json | json_field documents)
    else
      uncreated=$((uncreated + 1))  # killed before the manifest was first written
    fi
    docs_total=$((docs_total + docs))
    # A collection commits its splits before the record of the files read (in
    # its meta index): a kill between the two leaves documents whose files
    # the rerun reads again (replacing them), never a recorded file without
    # its documents.
    unchanged=$("$loupe" index -q --partition month --format json --db "$db" "$corpus" 2>/dev/null | json_field unchanged)
    if [ -z "$unchanged" ] || [ "$unchanged" -gt "$docs" ]; then
      fail "partition trial $t: $docs documents after the kill but ${unchanged:-no} files already indexed"
    elif [ "$unchanged" -lt "$docs" ]; then
      ahead=$((ahead + 1))
    fi
    "$loupe" check --db "$db" >/dev/null 2>&1 || fail "partition trial $t: loupe check fails after the rerun"
    [ "$(ids_of "$db")" = "$clean_ids" ] || fail "partition trial $t: the rerun's documents differ from a clean build"
    [ "$(results_of "$db")" = "$clean_results" ] ||
      fail "partition trial $t: the rerun's search results differ from a clean build"
  done
  echo "faults: partitioned build: $trials kills at random moments of a ${full_ms} ms loupe index --partition month" \
    "($killed killed mid-run, $finished had finished), 3000 articles over 12 months, commits every 96 KiB;" \
    "documents found after the kills: $docs_total in all; $uncreated killed before the manifest existed; $ahead" \
    "killed between a split's commit and the record of its files (the rerun read those files again); every" \
    "collection and every split it listed checked clean, no article in two splits, every rerun matched a clean build"
}

part_merge() {
  local trials=$1 corpus=$work/m-corpus base=$work/m-base
  start_part m "$corpus" 3000 91
  "$loupe" index -q --partition month --db "$base" "$corpus" >/dev/null || { fail "merge: the build failed"; return; }
  touch "$corpus"/art-00*.txt
  "$loupe" index -q --db "$base" "$corpus" >/dev/null  # replaced versions, which a merge leaves out
  local want_ids want_results old t0 t1 ms
  want_ids=$(ids_of "$base")
  want_results=$(results_of "$base")
  old="2025-01 2025-02 2025-03 2025-04 2025-05 2025-06"
  cp -r "$base" "$work/m-time"
  t0=$(date +%s%N)
  # shellcheck disable=SC2086
  "$loupe" merge --db "$work/m-time" $old --into h1 >/dev/null || fail "merge: the timed merge failed"
  t1=$(date +%s%N)
  ms=$(((t1 - t0) / 1000000))
  local kept=0 merged=0
  for t in $(seq 1 "$trials"); do
    local db=$work/m-db names out
    rm -rf "$db"
    cp -r "$base" "$db"
    # shellcheck disable=SC2086
    "$loupe" merge --db "$db" $old --into h1 >/dev/null 2>&1 &
    local pid=$!
    sleep "$(awk -v m="$(((RANDOM * 32768 + RANDOM) % (ms + 20)))" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    collection_sound "merge trial $t" "$db"
    [ "$(ids_of "$db")" = "$want_ids" ] || fail "merge trial $t: documents lost or doubled"
    [ "$(results_of "$db")" = "$want_results" ] || fail "merge trial $t: search results changed"
    names=$(splits_of "$db" | tr '\n' ' ')
    local second
    case " $names" in
      *" h1 "*)
        merged=$((merged + 1))
        case " $names" in *" 2025-0"[1-6]" "*) fail "merge trial $t: the manifest names h1 and merged splits: $names" ;; esac
        second="h1 2025-07 --into h1b" ;;
      *)
        kept=$((kept + 1))
        for s in $old; do
          case " $names" in *" $s "*) ;; *) fail "merge trial $t: the manifest lost split $s: $names" ;; esac
        done
        second="$old --into h1" ;;
    esac
    # shellcheck disable=SC2086
    out=$("$loupe" merge --db "$db" $second 2>&1) || fail "merge trial $t: the second merge failed: $out"
    "$loupe" check --db "$db" >/dev/null 2>&1 || fail "merge trial $t: check fails after the second merge"
    [ "$(ids_of "$db")" = "$want_ids" ] || fail "merge trial $t: documents changed by the second merge"
    [ "$(results_of "$db")" = "$want_results" ] || fail "merge trial $t: search results changed by the second merge"
    [ "$(ls "$db/splits")" = "$(splits_of "$db")" ] ||
      fail "merge trial $t: splits/ holds folders the manifest does not list: $(ls "$db/splits" | tr '\n' ' ')"
  done
  echo "faults: merge: $trials kills at random moments of a ${ms} ms loupe merge of 6 of 13 splits (3000 articles);" \
    "$kept left the old splits listed, $merged the merged one, never both; every collection checked clean with the" \
    "same documents and search results, and a second merge completed and left no folder behind"
}

# --- power loss: every state a power cut could leave -------------------------------
# The shim tests/faults/recordio.c records each write and sync of data.mdb (and
# the folder operations of a compaction) during one run; powerloss.py replays
# the log to build what a power cut could leave at each point (all writes up to
# the last sync, then any prefix or subset of those after it, the last one
# perhaps torn in 4 KiB sectors) and checks each state: no crash or hang, and
# exactly the documents of the last commit that returned, or of the one in
# flight. Scenarios: the first commits of a new index, commits appending to an
# index, commits that grow LMDB's map, and a compaction. Then the same log
# replayed with each meta page written before its commit's data must fail: the
# test can see the damage a disk that reorders writes would do.
part_powerloss() {
  local states=$1 rec=$work/recordio.so py
  py=$(command -v python3) || { fail "powerloss: python3 is needed (Debian package python3)"; return; }
  rm -rf "$work"/pl-*
  cc -shared -fPIC -O2 -o "$rec" "$here/recordio.c" -ldl -lpthread || { fail "powerloss: cannot build the shim (cc)"; return; }
  local a=$work/pl-a b=$work/pl-b
  make_corpus "$a" 60 101
  make_corpus "$b" 60 102
  # check_log LABEL LOG DB [BASE] [powerloss.py options...]
  check_log() {
    local label=$1 log=$2 db=$3 base=$4 out
    shift 4
    out=$("$py" "$here/powerloss.py" --loupe "$loupe" --log "$log" --db "$db" ${base:+--base "$base"} \
      --states "$states" --seed "$states" --label "$label" --keep "${LOUPE_FAULTS_KEEP:-}" "$@" 2>&1)
    local rc=$?
    echo "$out" | grep '^FAIL' | head -5
    echo "$out" | grep '^faults:'
    [ $rc -eq 0 ] || { failures=$((failures + 1)); echo "$out" | grep -v '^FAIL\|^faults:' | tail -5; }
  }
  # rec_run LOG COMMAND...: runs loupe under the recorder.
  rec_run() {
    local log=$1
    shift
    rm -f "$log"
    env LD_PRELOAD="$rec" RECORDIO_LOG="$log" "$loupe" "$@" >/dev/null 2>&1
  }
  # A new index, a commit every 16 KiB (7 commits).
  rec_run "$work/pl-first.log" index -q --commit-every 16K --db "$work/pl-first" "$a" || fail "powerloss: the first build failed"
  check_log first "$work/pl-first.log" "$work/pl-first" "" --corpus "$a"
  # Appending to it.
  "$loupe" index -q --commit-every 16K --db "$work/pl-app" "$a" >/dev/null && cp -r "$work/pl-app" "$work/pl-app.base"
  rec_run "$work/pl-app.log" index -q --commit-every 16K --db "$work/pl-app" "$b" || fail "powerloss: the appending run failed"
  check_log appending "$work/pl-app.log" "$work/pl-app" "$work/pl-app.base"
  # Commits that grow the map: an index whose map starts at 128 KiB.
  LOUPE_TEST_MAP_SIZE=131072 "$loupe" index -q --commit-every 16K --db "$work/pl-grow" "$a" >/dev/null &&
    cp -r "$work/pl-grow" "$work/pl-grow.base"
  LOUPE_TEST_MAP_SIZE=131072 rec_run "$work/pl-grow.log" index -q --commit-every 16K --db "$work/pl-grow" "$b" ||
    fail "powerloss: the run that grows the map failed"
  check_log growth "$work/pl-grow.log" "$work/pl-grow" "$work/pl-grow.base" --expect-growth
  # A compaction (of an index with replaced versions).
  cp -r "$work/pl-app.base" "$work/pl-c"
  touch "$a"/art-0000*.txt
  "$loupe" index -q --db "$work/pl-c" "$a" >/dev/null && cp -r "$work/pl-c" "$work/pl-c.base"
  rec_run "$work/pl-c.log" compact --db "$work/pl-c" || fail "powerloss: the compaction failed"
  check_log compaction "$work/pl-c.log" "$work/pl-c" "$work/pl-c.base" --compact
  # The appending log with every meta page written before its commit's data.
  local out
  out=$("$py" "$here/powerloss.py" --loupe "$loupe" --log "$work/pl-app.log" --db "$work/pl-app" --base "$work/pl-app.base" \
    --states 40 --label reordered --mutate reorder 2>&1)
  if echo "$out" | grep -q '^faults:.*; 0 failures$'; then
    fail "powerloss: meta pages written before their data went unnoticed: $(echo "$out" | tail -1)"
  else
    echo "faults: power loss, meta pages replayed before their commit's data (must fail): $(echo "$out" | grep -c '^FAIL') of" \
      "$(echo "$out" | tail -1 | grep -o '[0-9]* checked' | grep -o '^[0-9]*') states reported"
  fi
}

while [ $# -gt 0 ]; do
  case "$1" in
    kill) part_kill "$2"; shift 2 ;;
    io) part_io; shift ;;
    damage) part_damage flip "$2"; shift 2 ;;
    truncate) part_damage cut "$2"; shift 2 ;;
    writers) part_writers "$2"; shift 2 ;;
    compact) part_compact "$2"; shift 2 ;;
    swap) part_swap "$2"; shift 2 ;;
    backup) part_backup "$2"; shift 2 ;;
    full) part_full; shift ;;
    churn) part_churn "$2"; shift 2 ;;
    partition) part_partition "$2"; shift 2 ;;
    merge) part_merge "$2"; shift 2 ;;
    powerloss) part_powerloss "$2"; shift 2 ;;
    ci) part_kill 30; part_io; part_damage flip 180; part_damage cut 20; part_writers 100; part_compact 10; part_swap 30; part_backup 10; part_full
      part_churn 12; part_partition 10; part_merge 10; part_powerloss 100; shift ;;
    *) echo "usage: $0 LOUPE [kill N] [io] [damage N] [truncate N] [writers N] [compact N] [swap N] [backup N] [full] [churn N]" \
      "[partition N] [merge N] [powerloss N] | ci" >&2
      exit 2 ;;
  esac
done
if [ $failures -gt 0 ]; then
  echo "faults: $failures failures"
  exit 1
fi
exit 0
