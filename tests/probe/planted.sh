#!/usr/bin/env bash
# tests/probe/planted.sh BUG.patch OUT — a planted probe fault must be caught.
# Builds the harness with harness/probe.c patched (exactly: no offset, no fuzz) into OUT,
# links lab 01's reference solution and the harness unit tests against it, and succeeds
# only if BOTH notice: lab 01's experiments report differing rows (exit 3) in the
# experiments that read never-written memory, and the unit test probe_live fails.
# Prints what it saw on failure. Needs the kit built (make all) for CUnit's flags.
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
lib_src=$(awk '/^LIB_SRC/ {on = 1} on {print; if ($0 !~ /\\$/) exit}' Makefile |
  grep -o 'harness/[a-z]*\.c' | sed "s#^#$out/#")
# shellcheck disable=SC2086
cc $cflags -Itests/01-fork-cow tests/01-fork-cow/*.c solutions/01-fork-cow/*.c \
  "$out/harness/labmain.c" $lib_src $cunit -o "$out/lab" 2>"$out/build.log" &&
  cc $cflags tests/harness/unit.c $lib_src $cunit -o "$out/unit" 2>>"$out/build.log" ||
  { echo "the patched harness does not build:"; cat "$out/build.log"; exit 1; }
"$out/lab" run "$out/01.csv" >"$out/run.log" 2>&1; rc=$?
differing=$(awk -F, 'NR > 1 && $6 != "" && $6 != $7 {print $1}' "$out/01.csv" | sort -u | tr '\n' ' ')
"$out/unit" >"$out/unit.log" 2>&1
unit_caught=$(grep -c '^  FAIL  harness/probe_live' "$out/unit.log")
echo "lab 01 exit $rc, experiments differing: ${differing:-none}; unit probe_live failed: $unit_caught"
[ "$rc" -eq 3 ] && [[ " $differing " == *" zero_page "* ]] && [ "$unit_caught" -eq 1 ]
