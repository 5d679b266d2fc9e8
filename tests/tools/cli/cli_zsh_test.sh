#!/usr/bin/env bash
# The zsh completion script the build writes: what `loupe completion zsh`
# prints now, valid zsh (zsh -n), bound to loupe by compinit, and in an
# interactive zsh (driven through a pseudo-terminal) it completes commands,
# options, values, folders for --db and query field names. zsh is not a build
# dependency: without it the test is skipped (77).
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

# complete LINE: types LINE and TAB into an interactive zsh that loads the
# script as installed, then Ctrl-E, " #END" and Enter (a comment: nothing
# runs); prints the line the terminal shows before #END, without escape
# sequences, erased characters or repeated spaces.
mkdir "$tmp/cwd" "$tmp/cwd/folder"
touch "$tmp/cwd/file.txt"
cat >"$tmp/drive.zsh" <<'DRIVE'
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D; PROMPT='R%#D> '; cd ${(q)1}/cwd"
# Type the line only once the prompt is up (rendered: R#D or R%D, never the
# R%#D the echoed command shows): keys typed while compinit runs may be lost.
zpty -r z ready '*R[#%]D> '
zpty -w -n z "$2"$'\t\x05 #END\n'
out=
while [[ $out != *"#END"* ]]; do
  zpty -r z chunk || break
  out+=$chunk
done
zpty -d z
print -r -- "$out"
DRIVE
complete() {
  timeout 60 zsh -f "$tmp/drive.zsh" "$tmp" "$1" | tr -d '\r' | sed -E 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/.\x08//g' |
    tr -s ' ' | grep -a '#END' | sed 's/.*> //'
}
expect() {  # expect LINE COMPLETED: TAB after LINE gives the line COMPLETED
  local out
  out=$(complete "$1") || true
  [ "$out" = "$2 #END" ] || { echo "cli_zsh_test: FAILED: '$1<TAB>' does not give '$2'; the terminal showed:" >&2; echo "$out" >&2; exit 1; }
}
expect 'loupe sear' 'loupe search'
expect 'loupe search --fo' 'loupe search --format'
expect 'loupe timeline --by m' 'loupe timeline --by month'
expect 'loupe search --db f' 'loupe search --db folder'
expect 'loupe search ac' 'loupe search actor:'
expect "loupe search 'topic:tariffs AND fr" "loupe search 'topic:tariffs AND from:"
expect 'loupe index fi' 'loupe index file.txt'
expect 'loupe help ti' 'loupe help timeline'
echo "cli_zsh_test: ok"
