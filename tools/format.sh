#!/usr/bin/env bash
# Formats the C and C++ sources with clang-format and the tree's .clang-format.
#   tools/format.sh          rewrites the files that differ
#   tools/format.sh --check  changes nothing; lists the files that differ and exits 1
#                            if there are any (CI runs this before it builds)
# The files are those git tracks (*.cc *.h *.c), except test data.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: tools/format.sh [--check]" >&2; exit 2 ;;
esac
if ! command -v clang-format >/dev/null 2>&1; then
  echo "format: clang-format is not installed; run tools/install-deps.sh (Debian package clang-format)" >&2
  exit 2
fi
mapfile -t files < <(git ls-files '*.cc' '*.h' '*.c' | grep -v '^tests/data/')
differ=()
for f in "${files[@]}"; do
  if ! clang-format --style=file "$f" | cmp -s - "$f"; then differ+=("$f"); fi
done
if [ ${#differ[@]} -eq 0 ]; then
  exit 0
fi
if [ $check -eq 1 ]; then
  echo "format: ${#differ[@]} of ${#files[@]} files do not follow .clang-format (run tools/format.sh):" >&2
  printf '  %s\n' "${differ[@]}" >&2
  exit 1
fi
clang-format --style=file -i "${differ[@]}"
echo "format: reformatted ${#differ[@]} files" >&2
