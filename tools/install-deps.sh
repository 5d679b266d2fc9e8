#!/usr/bin/env bash
# Installs the Debian 12 packages Loupe needs to build and test, only those missing.
# Idempotent: runs `apt-get update` only when something must be installed and the
# package lists are missing or older than a day.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libicu-dev liblmdb-dev lemon libstemmer-dev catch2
  libcli11-dev nlohmann-json3-dev libzstd-dev
  libgmime-3.0-dev libhowardhinnant-date-dev libuchardet-dev
  libgumbo-dev libxml2-dev libsimdjson-dev
  librsvg2-bin
  # tools/format.sh (CI checks that the sources follow .clang-format)
  clang-format
  # for the tests of the man pages and shell completion (tests/tools/cli/cli_docs_test.sh,
  # tests/tools/cli/cli_zsh_test.sh, which fall back or skip without them)
  man-db zsh
  # the Python package (tools/python/, built only when both are present; CMake says so
  # otherwise) and its tests (tests/python/, skipped without pytest)
  pybind11-dev python3-dev python3-pytest
  # loupe serve (tools/serve/; without it the command says how to get it and its
  # tests skip)
  libcpp-httplib-dev
  # the browser test of loupe serve's page (tests/serve/browser/): Debian's chromium,
  # driven by playwright-core from npm (installed below; it downloads no browser)
  chromium
  # loupe.distributed (collections served by a Dask cluster) and its tests, which skip
  # without it
  python3-distributed
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# playwright-core for the browser test, outside the source tree, where
# tests/serve/browser/run.sh looks for it. Best effort: without node, npm or
# the npm registry, the test says so and skips.
browser_deps() {
  local deps="${LOUPE_BROWSER_DEPS:-$HOME/.cache/loupe-browser-test}"
  [ -d "$deps/node_modules/playwright-core" ] && return 0
  if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null 2>&1 || true
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: npm is not installed; the browser test of loupe serve will skip (apt-get install nodejs npm)" >&2
    return 0
  fi
  mkdir -p "$deps"
  npm install --prefix "$deps" --no-audit --no-fund --silent playwright-core@1.65.2 >/dev/null 2>&1 ||
    echo "install-deps: could not install playwright-core from npm into $deps; the browser test of loupe serve will skip" >&2
}

if [ ${#missing[@]} -eq 0 ]; then
  browser_deps
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: missing packages (${missing[*]}) and not root; install them and retry" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}" >&2
lists=/var/lib/apt/lists
if [ -z "$(find "$lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
  $SUDO apt-get update -qq
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
browser_deps
