#!/usr/bin/env bash
# tests/harness/lean-symbols.sh LEAN — whether valgrind, reading the lean symbol tables in LEAN
# (scripts/lean-debuginfo.sh) as /usr/lib/debug, sets up exactly the redirections it sets up
# with this machine's full detached files: the same addresses replaced by the same functions of
# memcheck's (their tags and targets), whatever names the lean files leave out. Runs memcheck
# with --trace-redir=yes on a small program twice, with the full files and in a mount
# namespace where LEAN stands for /usr/lib/debug. Exits 0 when both tables are the same and not
# empty, 1 with the difference otherwise, 2 when it cannot run here (no valgrind, no lean files,
# not root).
set -uo pipefail
lean=$1
[[ -d $lean/.build-id ]] || { echo "no lean symbol files in $lean (make all without libc6-dbg)"; exit 2; }
if ! command -v valgrind >/dev/null || ! command -v unshare >/dev/null || [[ $(id -u) != 0 ]]; then
  echo "needs valgrind, unshare and root"; exit 2
fi
lean=$(cd "$lean" && pwd)
prog=$(type -P true)
# The active redirections: "ADDRESS R-> (TAG) TARGET NAME", the replaced function's own label
# (a name the lean file may no longer have) left out.
table() {
  valgrind --tool=memcheck -v -v --trace-redir=yes "$prog" 2>&1 |
    sed -n '/Adding active redirection/{n;s/^[=-]*[0-9]*[=-]*//;p}' |
    sed -E 's/^ *new: (0x[0-9a-f]+) \([^)]*\) R->/\1 R->/' | sort -u
}
full=$(table)
export -f table
export prog
# shellcheck disable=SC2016 # $0 is the inner shell's: LEAN
leaner=$(unshare --mount bash -c 'mount --bind "$0" /usr/lib/debug && table' "$lean")
[[ -n $full ]] || { echo "valgrind listed no redirections"; exit 1; }
if [[ $full != "$leaner" ]]; then
  echo "valgrind's redirections differ with the lean symbols of $lean (< full files, > lean):"
  diff <(printf '%s\n' "$full") <(printf '%s\n' "$leaner") | head -20
  exit 1
fi
echo "the same $(printf '%s\n' "$full" | wc -l) redirections with the lean symbols as with the full files"
