#!/usr/bin/env bash
# The man pages and the bash completion script the build writes
# (cmake/GenerateCliDocs.cmake), checked against what `loupe --help` shows:
# - each command --help lists has a page, and every page is what the command
#   prints now;
# - each option and argument `loupe [COMMAND] --help` shows is an entry of the
#   page, as the page renders (man -l, else groff, else mandoc, else the roff
#   requests are checked and the text read from the roff), with no warnings;
# - the bash script, sourced in bash and driven through COMP_WORDS, completes
#   commands, every option of every command, option values, folders for --db
#   and the field names of a query.
# Usage: cli_docs_test.sh LOUPE DOCS_DIR
set -euo pipefail
loupe=$1
docs=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "cli_docs_test: FAILED: $*" >&2
  exit 1
}

# ---- what --help shows ------------------------------------------------------

# The commands: the names at the start of the entries of its Subcommands section.
mapfile -t commands < <("$loupe" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
[ "${#commands[@]}" -ge 10 ] || fail "loupe --help lists ${#commands[@]} commands"
# help_names SECTION [COMMAND]: the names at the start of the entries of a section
# of `loupe [COMMAND] --help` ("Options" or "Positionals"), one per line.
help_names() {
  "$loupe" ${2:+"$2"} --help |
    awk -v s="$1:" '$0 == s { on = 1; next } /^[A-Z][a-z]*:/ { on = 0 } on && /^  [^ ]/ { print $1 }' | tr ',' '\n'
}

# ---- rendering ----------------------------------------------------------------

if command -v man >/dev/null; then
  renderer="man -l"
elif command -v groff >/dev/null; then
  renderer="groff"
elif command -v mandoc >/dev/null; then
  renderer="mandoc"
else
  renderer="a check of the roff (no man, groff or mandoc)"
fi
# render PAGE: the page as text, in $tmp/text; fails on a warning.
render() {
  local page=$1 err=$tmp/render.err
  if [ "$renderer" = "man -l" ]; then
    LC_ALL=C.UTF-8 MANWIDTH=100 MAN_KEEP_FORMATTING= man --warnings=w -l "$page" >"$tmp/text" 2>"$err"
  elif [ "$renderer" = groff ]; then
    LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -P-cbou "$page" >"$tmp/text" 2>"$err"
  elif [ "$renderer" = mandoc ]; then
    mandoc -T lint -W warning "$page" >"$err" 2>&1 || true
    mandoc -T utf8 "$page" | col -b >"$tmp/text"
  else
    # Every request is one these pages may use; the text is what is left
    # without requests, with the escapes the pages use undone.
    if grep -nvE '^(\.(\\"|TH|SH|SS|PP|TP|RS|RE|nf|fi|br|ad|nh|BR|B|I) ?|[^.])' "$page" >"$err"; then :; fi
    sed -E 's/^\.S[HS] "?([^"]*)"?$/\1/; /^\.(\\"|TH|PP|RS|RE|nf|fi|br|ad|nh|TP)( |$)/d; s/^\.(BR|B|I) //; s/\\-/-/g; s/\\f[BIRP]//g;
            s/\\e/\\/g; s/\\\(aq/'"'"'/g; s/\\\(ga/`/g; s/\\&//g; /^[A-Z ]+$/!s/^/       /' "$page" >"$tmp/text"
  fi
  sed -i 's/\xe2\x88\x92/-/g; s/\xe2\x80\x90/-/g' "$tmp/text"  # a minus or hyphen rendered as such
  if [ -s "$err" ]; then
    cat "$err" >&2
    fail "$page: $renderer warns"
  fi
  grep -q '^NAME' "$tmp/text" || fail "$page: $renderer shows no NAME section"
}

# entries_missing PAGE [COMMAND]: prints each option and argument that
# `loupe [COMMAND] --help` shows and PAGE, rendered, has no entry for. An entry
# starts a line, indented 7 columns ("       -n, --limit INT").
entries_missing() {
  render "$1"
  local tags
  tags=$(grep -E '^       [^ ]' "$tmp/text" | sed -E 's/^ +//; s/,//g' | tr ' ' '\n')
  { help_names Options ${2:+"$2"}; help_names Positionals ${2:+"$2"}; } | while read -r name; do
    grep -qxF -- "$name" <<<"$tags" || echo "$name"
  done
}

check_page() {
  local page=$1 cmd=${2:-} missing
  [ -f "$page" ] || fail "no man page $page for '${cmd:-loupe}'"
  cmp -s "$page" <("$loupe" help --man ${cmd:+"$cmd"}) || fail "$page is not what 'loupe help --man $cmd' prints now"
  missing=$(entries_missing "$page" ${cmd:+"$cmd"})
  [ -z "$missing" ] || fail "$page has no entry for what 'loupe $cmd --help' shows: $(echo $missing)"
}

check_page "$docs/man1/loupe.1"
for cmd in "${commands[@]}"; do
  check_page "$docs/man1/loupe-$cmd.1" "$cmd"
  grep -q "^\.BR loupe\\\\-$cmd (1)" "$docs/man1/loupe.1" || fail "loupe.1 does not name loupe-$cmd(1)"
done
# The check finds an option missing from a page: drop the --format entry of search's.
awk 'skip && /^\./ { skip = 0 } skip { next } /^\.TP$/ { tp = $0; next }
     tp != "" && index($0, "\\fB\\-\\-format\\fR") == 1 { skip = 1; tp = ""; next }
     tp != "" { print tp; tp = "" } { print }' \
  "$docs/man1/loupe-search.1" >"$tmp/no-format.1"
[ "$(entries_missing "$tmp/no-format.1" search)" = "--format" ] || fail "a page without --format passes the check"
echo "man pages: ${#commands[@]} commands and loupe(1) checked with $renderer"

# ---- bash completion ----------------------------------------------------------

script=$docs/bash-completion/loupe
[ -f "$script" ] || fail "no bash completion script $script"
cmp -s "$script" <("$loupe" completion bash) || fail "$script is not what 'loupe completion bash' prints now"
# completions WORD...: what bash offers for the last word of `WORD...`, one per
# line, sorted (the words as bash splits them: --format=j is --format = j).
# Runs in $tmp/cwd, which holds a folder and a file.
mkdir -p "$tmp/cwd/folder" && touch "$tmp/cwd/file.txt"
completions() {
  (cd "$tmp/cwd" && bash --norc --noprofile -c '
    source "$1" || exit 1
    shift
    spec=$(complete -p loupe) || exit 1
    [[ $spec =~ -F\ ([^ ]+) ]] || exit 1
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    "${BASH_REMATCH[1]}" loupe "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$script" "$@") | sed '/^$/d' | sort
}
expect() {  # expect "WANTED LINES" WORD...
  local want=$1 got
  shift
  got=$(completions "$@")
  [ "$got" = "$(sort <<<"$want" | sed '/^$/d')" ] || fail "completing '$*': got [$(echo $got)], want [$(echo $want)]"
}
expect "$(printf '%s\n' seal search serve)" loupe se
expect "--format" loupe search --fo
expect "$(printf '%s\n' seal search serve)" loupe help se
expect "$(printf '%s\n' text json jsonl)" loupe search --format ''
expect "$(printf '%s\n' json jsonl)" loupe search --format = j
for command in index timeline stats explain show check compact backup; do
  expect "$(printf '%s\n' text json)" loupe "$command" --format ''
done
expect "-date" loupe search --sort -
expect "month" loupe timeline --by m
expect "$(printf '%s\n' actor author)" loupe timeline --facet a
expect "$(printf '%s\n' bash zsh)" loupe completion ''
expect "folder" loupe search --db ''
expect "folder" loupe backup --db folder ''
expect "$(printf '%s\n' file.txt folder)" loupe index -q ''
expect "" loupe search -n ''
expect "actor:" loupe search --db folder -n 5 ac
expect "" loupe search actor : Be
expect "$(printf '%s\n' "${commands[@]}" help)" loupe ''
for field in actor: topic: title: author: mentions: before: after: on: since: until: date: from: subject:; do
  expect "$field" loupe search -- "${field%:}"
done
for cmd in "${commands[@]}"; do
  expect "$(help_names Options "$cmd")" loupe "$cmd" -
done
expect "$(help_names Options)" loupe -
echo "bash completion: ok"
echo "cli_docs_test: ok"
