#!/usr/bin/env bash
# Runs every ```sh block of a Markdown page, in order, as one script in a
# scratch directory that sees the repository's examples/, so the page's
# commands are tested exactly as a reader types them.
#
#   run_tutorial.sh PAGE.md BUILD_DIR REPO_DIR
#
# A command ending in `# exit status N` must exit with N; every other must
# succeed. The page's own `export PATH=...build...` is honoured by putting
# BUILD_DIR first on PATH.
set -euo pipefail
page=$1 build=$(cd "$2" && pwd) repo=$(cd "$3" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$repo/examples" "$work/examples"
mkdir "$work/build"
ln -s "$build/nnc" "$work/build/nnc"
# Data scripts/setup.sh extracts (the breast cancer CSV), which examples name
# by a path relative to themselves.
[ -d "$repo/build/data" ] && ln -s "$repo/build/data" "$work/build/data"

# Each command becomes `run LINE EXPECTED 'COMMAND'`, so a failure names the
# page's line. Continuation lines (ending in \) join the command.
awk '
  /^```sh[[:space:]]*$/ { inblock = 1; next }
  /^```/ { inblock = 0; next }
  inblock {
    if (cmd == "") start = NR
    line = $0
    if (sub(/\\$/, "", line)) { cmd = cmd line; next }
    cmd = cmd line
    expect = 0
    if (match(cmd, /# exit status [0-9]+[[:space:]]*$/)) {
      expect = substr(cmd, RSTART + 14) + 0
      cmd = substr(cmd, 1, RSTART - 1)
    }
    gsub(/\047/, "\047\\\047\047", cmd)
    if (cmd ~ /[^[:space:]]/) printf "run %d %d \047%s\047\n", start, expect, cmd
    cmd = ""
  }
' "$page" > "$work/commands.sh"

run() {
  local line=$1 expect=$2 cmd=$3 status=0
  echo "+ $cmd"
  eval "$cmd" || status=$?
  if [ "$status" -ne "$expect" ]; then
    echo "$page:$line: \`$cmd\` exited with $status, expected $expect" >&2
    exit 1
  fi
}
# Programs linked against an AOT library need the sanitizer runtimes when the
# library's runtime objects are instrumented (the ASan build).
cc() { command cc "$@" ${NNC_DOC_LINK_FLAGS:-}; }
cd "$work"
count=$(wc -l < commands.sh)
[ "$count" -gt 0 ] || { echo "$page: no sh blocks" >&2; exit 1; }
source ./commands.sh
echo "$page: all $count commands ran as documented"
