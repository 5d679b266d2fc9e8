#!/usr/bin/env bash
# The zsh completion script the build writes: what `loupe completion zsh`
# prints now, valid zsh (zsh -n), and loaded by compinit it defines _loupe for
# loupe. zsh is not a build dependency: without it the test is skipped (77).
# Usage: cli_zsh_test.sh LOUPE DOCS_DIR
set -euo pipefail
loupe=$1
script=$2/zsh/_loupe
[ -f "$script" ] || { echo "cli_zsh_test: FAILED: no zsh completion script $script" >&2; exit 1; }
cmp -s "$script" <("$loupe" completion zsh) || { echo "cli_zsh_test: FAILED: $script is stale" >&2; exit 1; }
if ! command -v zsh >/dev/null; then
  echo "cli_zsh_test: skipped: zsh is not installed (Debian package zsh)"
  exit 77
fi
zsh -n "$script"
# As installed: a folder in $fpath; compinit reads its #compdef line.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$script" "$tmp/_loupe"
out=$(ZDOTDIR=$tmp zsh -f -c 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -d "$1/.zcompdump"; print -r -- "$_comps[loupe]"' _ "$tmp")
[ "$out" = "_loupe" ] || { echo "cli_zsh_test: FAILED: compinit does not bind loupe to _loupe (got '$out')" >&2; exit 1; }
echo "cli_zsh_test: ok"
