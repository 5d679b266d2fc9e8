#!/usr/bin/env bash
# Runs the browser test of loupe serve's page (page_test.cjs) in headless
# Chromium, or says why not and exits 77 (skipped).
#   run.sh LOUPE_CLI SOURCE_DIR OUT
# Needs node, Debian's chromium (apt-get install chromium) and playwright-core
# from npm in $LOUPE_BROWSER_DEPS (default ~/.cache/loupe-browser-test), put
# there by:  npm install --prefix ~/.cache/loupe-browser-test playwright-core@1.65.2
# No browser is downloaded: playwright-core drives the chromium installed.
set -uo pipefail
cli=$1 source=$2 out=${3:-$PWD/serve-screenshots}
deps=${LOUPE_BROWSER_DEPS:-$HOME/.cache/loupe-browser-test}
chromium=${LOUPE_CHROMIUM:-$(command -v chromium || true)}
if ! command -v node >/dev/null 2>&1; then
  echo "serve browser test skipped: node is not installed (Debian: apt-get install nodejs)"
  exit 77
fi
if [ -z "$chromium" ]; then
  echo "serve browser test skipped: chromium is not installed (Debian: apt-get install chromium)"
  exit 77
fi
if [ ! -d "$deps/node_modules/playwright-core" ]; then
  echo "serve browser test skipped: playwright-core is not in $deps (npm install --prefix $deps playwright-core@1.65.2)"
  exit 77
fi
if ! "$cli" serve --help >/dev/null 2>&1 || "$cli" serve --db /nonexistent 2>&1 | grep -q "without cpp-httplib"; then
  echo "serve browser test skipped: loupe was built without cpp-httplib (install libcpp-httplib-dev)"
  exit 77
fi
exec node "$source/tests/serve/browser/page_test.cjs" "$cli" "$source" "$out" "$deps" "$chromium"
