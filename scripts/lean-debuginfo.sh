#!/usr/bin/env bash
# scripts/lean-debuginfo.sh OUT — the symbol tables of this machine's loader and libc, for the
# hygiene test's valgrind (made by make all; read by harness/memcheck-symbols.c).
#
# memcheck needs the loader's symbols (it replaces the loader's strlen), which Debian ships in
# libc6-dbg as detached debug files at /usr/lib/debug/.build-id/XX/REST.debug, and it then reads
# all of them at every start: 4.7 MB of DWARF, about half of valgrind's start (0.53 s -> 0.29 s
# here without it). The hygiene test needs the names only (its stacks point at the student's
# code, never at a line of libc), so OUT/.build-id/XX/REST.debug is each file with its DWARF
# stripped (objcopy --strip-debug keeps .symtab), and the grader's sandbox shows OUT as
# /usr/lib/debug. Nothing to do without libc6-dbg or objcopy: the test then reads the full
# files (correct, slower). Rewritten only when a build id changed (a libc upgrade).
set -euo pipefail
out=$1
command -v objcopy >/dev/null && command -v readelf >/dev/null || exit 0
libs=$(ldd "$(type -P true)" 2>/dev/null | grep -oE '/[^ ]*(ld-linux[^ ]*|libc\.so\.[0-9]+)' | sort -u) || exit 0
want=() # the lean files this machine needs, relative to OUT
for lib in $libs; do
  id=$(readelf -n "$lib" 2>/dev/null | awk '/Build ID/ {print $3; exit}')
  [[ -n $id && -r /usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug ]] && want+=(".build-id/${id:0:2}/${id:2}.debug")
done
(( ${#want[@]} )) || { rm -rf "$out"; exit 0; }
have=1
for f in "${want[@]}"; do [[ -s $out/$f ]] || have=0; done
(( have )) && exit 0
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "$out.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for f in "${want[@]}"; do
  mkdir -p "$tmp/$(dirname "$f")"
  objcopy --strip-debug "/usr/lib/debug/$f" "$tmp/$f"
done
chmod -R a+rX "$tmp"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
