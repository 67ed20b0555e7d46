#!/usr/bin/env bash
# scripts/lean-debuginfo.sh OUT — the symbol tables of this machine's loader and libc, for the
# hygiene test's valgrind (made by make all; read by harness/memcheck-symbols.c).
#
# memcheck needs the loader's symbols (it replaces the loader's strlen), which Debian ships in
# libc6-dbg as detached debug files at /usr/lib/debug/.build-id/XX/REST.debug, and it then reads
# all of them at every start: 4.7 MB of DWARF, about half of valgrind's start (0.53 s -> 0.29 s
# here without it). The hygiene test needs the names only (its stacks point at the student's
# code, never at a line of libc), so OUT/.build-id/XX/REST.debug is each file with its DWARF
# stripped, and the grader's sandbox shows OUT as /usr/lib/debug.
#
# The loader's file keeps its whole symbol table. libc's keeps only the names valgrind can do
# something with (lean_keep below): valgrind reads libc's exported names from libc itself, and
# matching its ~7,700 detached names against every redirection of memcheck's cost 50-70 ms of
# each start (0.39 -> 0.33 s for a lab's subject). What valgrind does with libc is the same
# either way: every redirection (which address is replaced by which of memcheck's functions)
# and every suppression; only frames inside libc's internal functions print "???" instead of a
# name, and the hygiene test names the student's frame, never those (make test compares the
# redirections of both; handbook/instructors.md, "Cost").
#
# The names kept are valgrind's: OUT/.valgrind lists the files they came from (size, mtime,
# path), and the grader uses OUT only while they are unchanged (a valgrind upgraded since make
# all may replace more functions by name: the full files are read then).
# Nothing to do without libc6-dbg or objcopy: the test then reads the full files (correct,
# slower). Rewritten when a build id changed (a libc upgrade), or valgrind or this script did.
set -euo pipefail
out=$1
command -v objcopy >/dev/null && command -v readelf >/dev/null || exit 0
libs=$(ldd "$(type -P true)" 2>/dev/null | grep -oE '/[^ ]*(ld-linux[^ ]*|libc\.so\.[0-9]+)' | sort -u) || exit 0

# valgrind's own folder, where harness/memcheck.c looks for it too: its preload objects (whose
# names are its redirections) and default.supp; empty when valgrind is not installed (the
# loader's and libc's whole tables then).
vgdir="" vgfiles=()
for d in ${VALGRIND_LIB:-} /usr/libexec/valgrind /usr/lib/valgrind \
  /usr/lib/x86_64-linux-gnu/valgrind /usr/lib/aarch64-linux-gnu/valgrind; do
  compgen -G "$d/vgpreload_memcheck-*.so" >/dev/null && { vgdir=$d; break; }
done
if [[ -n $vgdir ]]; then
  for f in "$vgdir"/vgpreload_*.so "$vgdir"/*.supp; do
    if [[ -f $f ]]; then vgfiles+=("$f"); fi
  done
fi

# The names in an ELF file's symbol table (readelf -s ARGS), but files' and sections'.
symbol_names() {
  readelf -W -s "$@" 2>/dev/null |
    awk '$1 ~ /^[0-9]+:$/ && NF >= 8 && $4 != "FILE" && $4 != "SECTION" {print $8}'
}

# The function-name patterns valgrind matches against libc's names, as anchored extended regular
# expressions (a name may carry its symbol version, "memcpy@@GLIBC_2.14"):
# - each redirection of valgrind's preload objects: a symbol _vgrNNNNNZU_SONAME_FN (FN as
#   written) or _vgrNNNNNZZ_SONAME_FN (FN Z-encoded: Za "*", Zd ".", ZA "@", Zu "_" ...), _vgw for
#   wrappers; every FN, whatever its SONAME (more names kept, never fewer);
# - each fun: line of its suppressions, but "*", which matches a frame without a name too;
# - the names valgrind ends a stack at (below main).
lean_patterns() {
  {
    for f in "${vgfiles[@]}"; do
      if [[ $f == *.so ]]; then symbol_names "$f"; fi
    done | awk '
      BEGIN {
        code["a"] = "*"; code["p"] = "+"; code["c"] = ":"; code["d"] = "."; code["u"] = "_"
        code["h"] = "-"; code["s"] = " "; code["A"] = "@"; code["Z"] = "Z"; code["L"] = "("
        code["R"] = ")"; code["S"] = "/"
      }
      match($0, /^_vg[rw][0-9][0-9][0-9][0-9][0-9]Z[UZ]_/) {
        zz = substr($0, 11, 1) == "Z"; rest = substr($0, RLENGTH + 1)
        cut = index(rest, "_"); if (!cut) next
        fn = substr(rest, cut + 1)
        if (!zz) { print fn; next }
        o = ""
        for (i = 1; i <= length(fn); i++) {
          ch = substr(fn, i, 1)
          if (ch == "Z" && i < length(fn)) { nx = substr(fn, ++i, 1); o = o ((nx in code) ? code[nx] : "?") }
          else o = o ch
        }
        print o
      }'
    for f in "${vgfiles[@]}"; do
      if [[ $f == *.supp ]]; then
        sed -n 's/^[[:space:]]*fun:\(.*[^[:space:]]\)[[:space:]]*$/\1/p' "$f"
      fi
    done
    printf '%s\n' __libc_start_main __libc_start_call_main 'generic_start_main*' below_main
  } | grep -vx '\*' | sort -u | awk '{
      e = ""
      for (i = 1; i <= length($0); i++) {
        ch = substr($0, i, 1)
        if (ch == "*") e = e ".*"
        else if (ch == "?") e = e "."
        else if (index("\\^$.[]|()+{}", ch)) e = e "\\" ch
        else e = e ch
      }
      print "^(" e ")(@.*)?$"
    }'
}

want=() # the lean files this machine needs, relative to OUT, each with its library
declare -A lib_of=()
for lib in $libs; do
  id=$(readelf -n "$lib" 2>/dev/null | awk '/Build ID/ {print $3; exit}')
  if [[ -n $id && -r /usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug ]]; then
    f=".build-id/${id:0:2}/${id:2}.debug"
    want+=("$f")
    lib_of[$f]=$lib
  fi
done
(( ${#want[@]} )) || { rm -rf "$out"; exit 0; }

# What the files depend on besides the build ids: this script and valgrind's preloads and
# suppressions (.recipe, for make all), whose size and mtime the grader checks (.valgrind).
recipe=$( { cat "$0"; (( ${#vgfiles[@]} == 0 )) || cat "${vgfiles[@]}"; } | cksum)
have=1
for f in "${want[@]}"; do [[ -s $out/$f ]] || have=0; done
[[ $(cat "$out/.recipe" 2>/dev/null) == "$recipe" ]] || have=0
(( have )) && exit 0
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "$out.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[[ -z $vgdir ]] || lean_patterns >"$tmp/.patterns"
for f in "${want[@]}"; do
  mkdir -p "$tmp/$(dirname "$f")"
  case ${lib_of[$f]##*/} in
    libc.so.*)
      if [[ -s $tmp/.patterns ]]; then
        symbol_names "/usr/lib/debug/$f" | sort -u >"$tmp/.names"
        [[ -s $tmp/.names ]] || { echo "lean-debuginfo: no symbols in /usr/lib/debug/$f" >&2; exit 1; }
        grep -E -f "$tmp/.patterns" "$tmp/.names" >"$tmp/.keep" || (( $? == 1 ))
        objcopy --strip-all --keep-symbols="$tmp/.keep" "/usr/lib/debug/$f" "$tmp/$f"
        continue
      fi ;;
  esac
  objcopy --strip-debug "/usr/lib/debug/$f" "$tmp/$f"
done
rm -f "$tmp/.patterns" "$tmp/.names" "$tmp/.keep"
printf '%s\n' "$recipe" >"$tmp/.recipe"
for f in "${vgfiles[@]}"; do stat -c '%s %Y %n' "$f"; done >"$tmp/.valgrind"
chmod -R a+rX "$tmp"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
