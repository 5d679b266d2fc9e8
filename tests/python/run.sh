#!/usr/bin/env bash
# Runs the Python package's tests (tests/python/) with pytest, or says why not
# and exits 77 (ctest counts that as skipped).
#   run.sh PYTHON PACKAGE_DIR LOUPE_CLI SOURCE_DIR [TEST_FILE [MODULE PACKAGE]]
#       run TEST_FILE (default: every test file); with MODULE, skip when
#       PYTHON cannot import it, naming the Debian PACKAGE that provides it
#   run.sh --skip NAME REASON                         the package was not built
set -uo pipefail
if [ "${1:-}" = "--skip" ]; then
  echo "$2 skipped: $3"
  exit 77
fi
python=$1 package_dir=$2 cli=$3 source=$4 file=${5:-} module=${6:-} package=${7:-}
name=tests/python/${file:-}
if ! "$python" -c "import pytest" 2>/dev/null; then
  echo "$name skipped: pytest is not installed for $python (install python3-pytest; tools/install-deps.sh does)"
  exit 77
fi
if [ -n "$module" ] && ! "$python" -c "import $module" 2>/dev/null; then
  echo "$name skipped: the Python module $module is not installed for $python (install $package; tools/install-deps.sh does)"
  exit 77
fi
export PYTHONPATH="$package_dir${PYTHONPATH:+:$PYTHONPATH}" LOUPE_CLI="$cli" LOUPE_SOURCE_DIR="$source"
export PYTHONDONTWRITEBYTECODE=1
exec "$python" -m pytest -q -p no:cacheprovider --rootdir "$source/tests/python" "$source/tests/python/$file"
