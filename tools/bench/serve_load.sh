#!/usr/bin/env bash
# Load test of `loupe serve`: wrk against /api/search on loopback, over the
# benchmark's queries, at a queue that holds every connection (no answer but
# 200 allowed) and at one that does not (only 503 allowed beyond 200).
#
#   tools/bench/serve_load.sh INDEX QUERIES [SECONDS] [CONNECTIONS]
#
# INDEX: a Loupe index (e.g. synth-100k's, made by tools/bench/run.sh);
# QUERIES: a query file of tools/bench (class<TAB>query per line). Defaults:
# 30 seconds, 64 connections. Prints one line per configuration with
# requests per second, p50/p99 latency, answers by status and the server's
# peak RSS; exits 1 if an answer breaks the rule above. Needs wrk (Debian).
set -euo pipefail
cd "$(dirname "$0")/../.."
INDEX=${1:?usage: serve_load.sh INDEX QUERIES [SECONDS] [CONNECTIONS]}
QUERIES=${2:?usage: serve_load.sh INDEX QUERIES [SECONDS] [CONNECTIONS]}
SECONDS_=${3:-30}
CONN=${4:-64}
LOUPE=${LOUPE_BENCH_BIN:-build/tools}/loupe
command -v wrk >/dev/null || { echo "serve_load.sh: wrk is missing (apt-get install wrk)" >&2; exit 2; }
[ -x "$LOUPE" ] || { echo "serve_load.sh: no $LOUPE (build first)" >&2; exit 2; }
status=0
run() {  # label, serve options...
  local label=$1; shift
  local out; out=$(mktemp)
  "$LOUPE" serve --db "$INDEX" --listen 127.0.0.1:0 "$@" > "$out" 2>&1 &
  local pid=$!
  local url=""
  for _ in $(seq 100); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$out" | head -1 || true)
    [ -n "$url" ] && break
    sleep 0.1
  done
  if [ -z "$url" ]; then echo "serve_load.sh: the server did not start:" >&2; cat "$out" >&2; kill "$pid" 2>/dev/null; exit 3; fi
  local line
  line=$(QUERIES=$QUERIES wrk -t2 -c"$CONN" -d"${SECONDS_}s" --timeout 15s --latency -s tools/bench/serve_load.lua "$url" | grep '^RESULT')
  local rss; rss=$(awk '/VmHWM/{print $2}' /proc/$pid/status)
  kill -TERM "$pid"; wait "$pid" || true
  rm -f "$out"
  echo "$label ${line#RESULT } peak_rss_kb=$rss"
  case "$label" in
    fits) [[ "$line" == *" busy503=0 other=0 connect_errors=0 read_errors=0 write_errors=0 timeouts=0"* ]] || { echo "  ^ answers other than 200 below the limit" >&2; status=1; } ;;
    over) [[ "$line" == *" other=0 connect_errors=0 read_errors=0 write_errors=0 timeouts=0"* ]] || { echo "  ^ answers other than 200 and 503 above the limit" >&2; status=1; } ;;
  esac
}
run fits --threads 2 --queue "$CONN"
run over --threads 2 --queue 8
exit $status
