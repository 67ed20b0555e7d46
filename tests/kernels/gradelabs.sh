#!/bin/sh
# gradelabs.sh LABDIR GRADEDIR SLOW TMPDIR — grade, in this cell, the reference solutions, the stubs
# and every planted bug, as build.sh's GRADEDIR/plan.tsv lists them (GRADEDIR/$COWLAB_PLAN when
# set: the native cell's plan-exact.tsv): one process per test
# (`lab test NAME`, as the grader runs it), stdin from /dev/null, killed after the test's own
# timeout times SLOW (1 natively, more under emulation). VARIANT "ref" is LABDIR/SLUG/lab,
# any other GRADEDIR/VARIANT/SLUG/lab. A static build's (arm64's) `hygiene` runs the subject
# beside the observer named subject-dynamic when there is one (COWLAB_SUBJECT; build.sh:
# memcheck cannot watch a static subject). This runs no sandbox: the kit's own binaries only.
# Writes only TMPDIR/test.out.
# POSIX sh (busybox in a guest). Output, one line per plan line, in the plan's order:
#   graded VARIANT SLUG TEST rc=RC cs=CENTISECONDS
# followed, when the outcome is not the expected one (rc 0 for "pass", non-zero for "fail") or
# the test did not end by passing or failing (rc above 1: a crash, a timeout, a binary that did
# not run), by up to 20 lines of what the test printed, each starting with "| ". judge.sh
# reads it.
labdir=$1 grade=$2 slow=$3 tmp=$4
now_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
tab=$(printf '\t')
while IFS="$tab" read -r variant slug test limit expect needs; do
  bin=$grade/$variant/$slug/lab
  [ "$variant" = ref ] && bin=$labdir/$slug/lab
  if [ "$test" = hygiene ] && [ -x "${bin%/lab}/subject-dynamic" ]; then
    COWLAB_SUBJECT=${bin%/lab}/subject-dynamic
    export COWLAB_SUBJECT
  else
    unset COWLAB_SUBJECT
  fi
  t0=$(now_cs)
  timeout $((limit * slow)) "$bin" test "$test" </dev/null >"$tmp/test.out" 2>&1
  rc=$?
  t1=$(now_cs)
  echo "graded $variant $slug $test rc=$rc cs=$((t1 - t0))"
  if [ "$rc" -gt 1 ] || { [ "$expect" = pass ] && [ "$rc" -ne 0 ]; } ||
    { [ "$expect" = fail ] && [ "$rc" -eq 0 ]; }; then
    head -n 20 "$tmp/test.out" | sed 's/^/| /'
  fi
done <"$grade/${COWLAB_PLAN:-plan.tsv}"
rm -f "$tmp/test.out"
