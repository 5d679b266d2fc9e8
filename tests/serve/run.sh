#!/usr/bin/env bash
# Runs the tests of `loupe serve`'s API (tests/serve/test_api.py) with pytest,
# or says why not and exits 77 (ctest counts that as skipped).
#   run.sh PYTHON LOUPE_CLI SOURCE_DIR SERVE_BUILT
set -uo pipefail
python=$1 cli=$2 source=$3 built=$4
if [ "$built" != "ON" ] && [ "$built" != "1" ] && [ "$built" != "TRUE" ]; then
  echo "serve_api_test skipped: loupe was built without cpp-httplib, so it has no loupe serve (install libcpp-httplib-dev; tools/install-deps.sh does)"
  exit 77
fi
if ! "$python" -c "import pytest" 2>/dev/null; then
  echo "serve_api_test skipped: pytest is not installed for $python (install python3-pytest; tools/install-deps.sh does)"
  exit 77
fi
export LOUPE_CLI="$cli" LOUPE_SOURCE_DIR="$source" PYTHONDONTWRITEBYTECODE=1
exec "$python" -m pytest -q -p no:cacheprovider --rootdir "$source/tests/serve" "$source/tests/serve/test_api.py"
