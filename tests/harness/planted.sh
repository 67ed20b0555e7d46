#!/usr/bin/env bash
# tests/harness/planted.sh BUG.patch OUT — a planted fault in the harness (the probe, the
# model, a reader) must be caught. Builds the harness with one of its files patched (exactly:
# no offset, no fuzz; the patch names the file) into OUT, links lab 01's observer (with the
# reference solution's subject beside it) and the harness unit tests against it, and succeeds only if both notice as the patch's header
# says: "Differs: EXPERIMENT ..." — lab 01 exits 3 with rows differing in each of them;
# "Unit: TEST ..." — each of those harness unit tests fails.
# Prints what it saw on failure. Needs the kit built (make all): the files the patch leaves
# alone are linked as make's objects.
set -uo pipefail
cd "$(dirname "$0")/../.."
bug=$1 out=$2
rm -rf "$out"; mkdir -p "$out/harness"
cp harness/*.c "$out/harness/"
if ! bash tests/plant.sh "$bug" "$out/harness" 2>"$out/patch.log"; then
  echo "the patch does not apply exactly:"; cat "$out/patch.log"; exit 1
fi
cflags="-std=c11 -D_GNU_SOURCE -O2 -Iinclude"
cunit=$(pkg-config --libs cunit 2>/dev/null || echo -lcunit)
# Only what the patch changed is compiled again: an untouched harness file is linked as make's
# own object of the same source (build/obj/harness/NAME.o).
objects() { # harness/NAME.c ...: the object to link for each, on one line; 1 if one does not build
  local f o list=""
  for f in "$@"; do
    o=build/obj/${f%.c}.o
    if ! cmp -s "$f" "$out/$f"; then
      o=$out/${f%.c}.o
      # shellcheck disable=SC2086 # $cflags: one word per flag
      [ -e "$o" ] || cc $cflags -c "$out/$f" -o "$o" 2>>"$out/build.log" || return 1
    fi
    list="$list $o"
  done
  echo "$list"
}
lib_src=$(awk '/^LIB_SRC/ {on = 1} on {print; if ($0 !~ /\\$/) exit}' Makefile |
  grep -o 'harness/[a-z_-]*\.c')
: >"$out/build.log"
# shellcheck disable=SC2086
lib=$(objects $lib_src) && labmain=$(objects harness/labmain.c harness/hygiene.c) &&
  subject=$(objects harness/subject.c harness/team.c) &&
  cc $cflags -Ilabs/01-fork-cow -Ilabs/01-fork-cow/common labs/01-fork-cow/observer/*.c \
  $labmain $lib $cunit -o "$out/lab" 2>>"$out/build.log" &&
  cc $cflags -Ilabs/01-fork-cow/common labs/01-fork-cow/subject/*.c solutions/01-fork-cow/*.c \
  $subject -o "$out/subject" 2>>"$out/build.log" &&
  cc $cflags tests/harness/unit.c $lib $cunit -o "$out/unit" 2>>"$out/build.log" ||
  { echo "the patched harness does not build:"; cat "$out/build.log"; exit 1; }
rc=0 differing=""
if grep -q '^Differs: ' "$bug"; then # lab 01's experiments only where the patch names some
  "$out/lab" run "$out/01.csv" >"$out/run.log" 2>&1; rc=$?
  differing=$(awk -F, 'NR > 1 && $6 != "" && $6 != $7 {print $1}' "$out/01.csv" | sort -u | tr '\n' ' ')
fi
"$out/unit" >"$out/unit.log" 2>&1
unit_failed=$(sed -n 's/^  FAIL  harness\///p' "$out/unit.log" | tr '\n' ' ')
ran="lab 01 not run (the patch names no experiment)"
grep -q '^Differs: ' "$bug" && ran="lab 01 exit $rc, experiments differing: ${differing:-none}"
echo "$ran; unit tests failed: ${unit_failed:-none}"
caught=1
grep -q '^Differs: ' "$bug" && { [ "$rc" -eq 3 ] || caught=0; }
for e in $(sed -n 's/^Differs: //p' "$bug"); do [[ " $differing " == *" $e "* ]] || caught=0; done
for t in $(sed -n 's/^Unit: //p' "$bug"); do grep -q "^  FAIL  harness/$t\$" "$out/unit.log" || caught=0; done
[ "$caught" -eq 1 ]
