#!/usr/bin/env bash
# Installs Loupe into a temporary prefix, then builds and runs docs/examples
# against it, once with find_package(Loupe) and once with pkg-config.
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
test -f "$tmp/prefix/include/loupe/index.h"
test -f "$tmp/prefix/include/loupe/query_parser.h"
test -f "$tmp/prefix/lib/cmake/Loupe/LoupeConfig.cmake" || test -f "$tmp/prefix/lib/x86_64-linux-gnu/cmake/Loupe/LoupeConfig.cmake"

# Every installed header compiles on its own against the installed headers
# alone, and includes only installed headers and the standard library (no
# private header of engine/ or query/).
for h in $(cd "$tmp/prefix/include" && find loupe -name '*.h' | sort); do
  if ! echo "#include <$h>" | g++ -std=c++20 -fsyntax-only -I "$tmp/prefix/include" -x c++ - 2>"$tmp/header.err"; then
    echo "install test: the installed header $h does not compile on its own:"
    cat "$tmp/header.err"
    exit 1
  fi
  for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$tmp/prefix/include/$h"); do
    if [[ $inc != loupe/* || ! -f $tmp/prefix/include/$inc ]]; then
      echo "install test: the installed header $h includes \"$inc\", which is not an installed Loupe header"
      exit 1
    fi
  done
  for inc in $(sed -n 's/^#include <\([^>]*\)>.*/\1/p' "$tmp/prefix/include/$h"); do
    if [[ ! $inc =~ ^[a-z_]+$ ]]; then  # <string>, <cstdint>: the standard library's names have no '/' or '.'
      echo "install test: the installed header $h includes <$inc>, which is not a standard library header"
      exit 1
    fi
  done
done

# The installed command runs as installed: no LD_LIBRARY_PATH, library found through its run path.
version=$(env -u LD_LIBRARY_PATH "$tmp/prefix/bin/loupe" --version)
echo "$version"
grep -q "^loupe [0-9.]* (index format [0-9]*)$" <<<"$version"
env -u LD_LIBRARY_PATH "$tmp/prefix/bin/loupe" index -q --db "$tmp/cli-index" "$src/corpus" >/dev/null
env -u LD_LIBRARY_PATH "$tmp/prefix/bin/loupe" search --db "$tmp/cli-index" -n 1 tariffs | grep -q "hits in total"

# The man pages (loupe(1) and one per command --help lists) and the completion
# scripts, where man, bash-completion and zsh look for them under the prefix.
test -f "$tmp/prefix/share/man/man1/loupe.1"
commands=$(env -u LD_LIBRARY_PATH "$tmp/prefix/bin/loupe" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
test -n "$commands"
for cmd in $commands; do
  test -f "$tmp/prefix/share/man/man1/loupe-$cmd.1"
done
test -f "$tmp/prefix/share/bash-completion/completions/loupe"
test -f "$tmp/prefix/share/zsh/site-functions/_loupe"
if command -v man >/dev/null; then
  test "$(MANPATH="$tmp/prefix/share/man" man -w loupe-search)" = "$tmp/prefix/share/man/man1/loupe-search.1"
fi

cmake -S "$src/docs/examples" -B "$tmp/example" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/example" >/dev/null
libdir=$(dirname "$(find "$tmp/prefix" -name 'libloupe.so' | head -n 1)")
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/example/search_example" "$tmp/index")
echo "$out"
grep -q "^total 1$" <<<"$out"
grep -q "Geneva" <<<"$out"
test -f "$tmp/prefix/include/loupe/ingest/formats.h"
test -f "$tmp/prefix/include/loupe/ingest/builtin.h"
ingest=$(LD_LIBRARY_PATH="$libdir" "$tmp/example/ingest_example" "$tmp/ingest-index" 2>&1)
echo "$ingest"
if grep -q "^warning: e-mail reader not built" <<<"$ingest"; then
  echo "install test: libloupe built without GMime; the e-mail example reads nothing (as documented)"
else
  grep -q "^total 1$" <<<"$ingest"
  grep -q "^Talks resume | Wire Desk | 2025-09-15$" <<<"$ingest"
fi
# One saved article, no gazetteer of its own: the built-in data tags it.
seed=$(LD_LIBRARY_PATH="$libdir" "$tmp/example/seed_example" "$tmp/seed-index" "$src/tests/data/seed/madrid-trade-talks.txt")
echo "$seed"
test "$(grep -c ' -> 1$' <<<"$seed")" = 4

# pkg-config users
pc=$(dirname "$(find "$tmp/prefix" -name 'loupe.pc' | head -n 1)")
flags=$(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs loupe)
g++ -std=c++20 "$src/docs/examples/search_example.cc" -o "$tmp/pc_example" $flags
rm -rf "$tmp/index"
LD_LIBRARY_PATH="$libdir" "$tmp/pc_example" "$tmp/index" | grep -q "^total 1$"

# The Python package, when the build made it: installed under the prefix's
# lib/pythonX.Y/dist-packages (or site-packages), it imports and searches with
# no LD_LIBRARY_PATH (the module finds libloupe through its run path).
python=$(sed -n 's/^Python_EXECUTABLE:FILEPATH=//p' "$build/CMakeCache.txt")
if grep -q "^LOUPE_PYTHON_BUILT:INTERNAL=ON" "$build/CMakeCache.txt"; then
  package=$(dirname "$(find "$tmp/prefix/lib" -path '*-packages/loupe/__init__.py' | head -n 1)")
  test -f "$package/__init__.pyi"
  ls "$package"/_loupe*.so >/dev/null
  out=$(cd "$tmp" && env -u LD_LIBRARY_PATH PYTHONPATH="$(dirname "$package")" "$python" -c "
import loupe
with loupe.open('$tmp/cli-index') as ix:
    print(loupe.__file__, ix.search('tariffs', limit=1).total)")
  echo "$out"
  grep -q "^$package/__init__.py [1-9][0-9]*$" <<<"$out"
else
  echo "install test: the Python package was not built; not checked"
fi
echo "install test: ok"
