#!/usr/bin/env bash
# judge-test.sh — judge.sh must be able to fail: a small plan (a reference test, a stub test,
# a planted bug naming two tests, a test that needs a fact the cell lacks) and a clean
# graded.log pass; each corruption (the reference fails, a stub passes, the bug passes one of
# its tests, a binary that did not run, a cut-off line, a missing result, an empty log, no
# facts; with plan-exact.tsv's lines, a bug that fails a test it does not name) must fail with
# its own message. And table.sh, on a cell that did not finish, says so and still prints its
# last line. make test runs it. Exit 0 when all of that holds; 1 (what went wrong) otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s\t%s\t%s\t%s\t%s\t%s\n' \
  ref lab a 30 pass - ref lab b 30 pass pagemap_bit56 \
  stubs lab a 30 fail - stubs lab b 30 fail pagemap_bit56 \
  bug1 lab a 30 fail - bug1 lab b 30 fail - bug2 lab b 30 fail pagemap_bit56 >"$tmp/plan.tsv"
printf 'pagemap_bit56\tno\tsaid so\n' >"$tmp/facts.tsv"
clean='graded ref lab a rc=0 cs=3
graded ref lab b rc=1 cs=3
graded stubs lab a rc=1 cs=1
graded stubs lab b rc=1 cs=1
graded bug1 lab a rc=1 cs=2
graded bug1 lab b rc=1 cs=2
graded bug2 lab b rc=0 cs=2'
status=0
judge() { # NAME LOG WANT-EXIT WANT-TEXT
  printf '%s\n' "$2" >"$tmp/graded.log"
  out=$(bash "$here/judge.sh" "$tmp" "$tmp/plan.tsv" 2>&1)
  rc=$?
  if [[ $rc -ne $3 ]] || ! grep -qF -- "$4" <<<"$out"; then
    echo "judge.sh, $1: exit $rc (want $3), wanted '$4' in:"; echo "$out"; status=1
  fi
}
judge "clean" "$clean" 0 "lab 1 1 0 1 1 1 1 0"
judge "clean: a bug whose test needs a missing fact" "$clean" 0 "bug2: this planted bug cannot be caught here: pagemap_bit56=no"
judge "the reference fails" "${clean/ref lab a rc=0/ref lab a rc=1}" 1 "lab/a (ref): failed, it must pass"
judge "a stub passes" "${clean/stubs lab a rc=1/stubs lab a rc=0}" 1 "lab/a (stubs): passes, it must fail"
judge "a bug passes one test" "${clean/bug1 lab b rc=1/bug1 lab b rc=0}" 1 "lab 1 1 0 1 0 1 1 0"
judge "a crash is a failure, noted" "${clean/bug1 lab b rc=1/bug1 lab b rc=139}" 0 "lab/b (bug1): failed by signal 11, not by a check"
judge "a stub binary that did not run" "${clean/stubs lab a rc=1/stubs lab a rc=127}" 1 "lab/a (stubs): did not run (exit 127)"
judge "a bug test that does not exist" "${clean/bug1 lab a rc=1/bug1 lab a rc=2}" 1 "lab 1 1 0 1 0 1 1 0"
judge "a cut-off line" "${clean/bug1 lab a rc=1 cs=2/bug1 lab a}" 1 "lab: 1 gradable plan lines have no result in $tmp/graded.log, from a (bug1) on"
judge "a result is missing" "$(grep -v 'bug1 lab a' <<<"$clean")" 1 "lab: 1 gradable plan lines have no result in $tmp/graded.log, from a (bug1) on"
judge "the log stops early" "$(head -n 4 <<<"$clean")" 1 "lab: 2 gradable plan lines have no result in $tmp/graded.log, from a (bug1) on"
judge "an empty log" "" 1 "lab: 4 gradable plan lines have no result in $tmp/graded.log, from a (ref) on"
printf 'other\tyes\tsaid so\n' >"$tmp/facts.tsv"
judge "a fact the probe did not print" "$clean" 0 "pagemap_bit56=unknown"
# The native cell's plan-exact.tsv: each bug's other tests must pass, and a bug's "pass" lines
# make it neither gradable nor caught.
printf 'pagemap_bit56\tno\tsaid so\n' >"$tmp/facts.tsv"
printf '%s\t%s\t%s\t%s\t%s\t%s\n' bug1 lab c 30 pass - bug2 lab a 30 pass - >>"$tmp/plan.tsv"
exact="$clean
graded bug1 lab c rc=0 cs=2
graded bug2 lab a rc=0 cs=2"
judge "exact: clean" "$exact" 0 "lab 1 1 0 1 1 1 1 0"
judge "exact: a bug whose only named test needs a missing fact" "$exact" 0 "bug2: this planted bug cannot be caught here: pagemap_bit56=no"
judge "exact: a bug fails a test it does not name" "${exact/bug1 lab c rc=0/bug1 lab c rc=1}" 1 "lab/c (bug1): failed, it must pass"
judge "exact: a bug times out on a test it does not name" "${exact/bug2 lab a rc=0/bug2 lab a rc=124}" 1 "lab/a (bug2): timed out, it must pass"
rm "$tmp/facts.tsv"
judge "no facts at all" "$clean" 1 "no facts.tsv"
# table.sh describes a cell that did not finish and still ends with its last line: a guest
# that left no console output, then one whose after.log names no kernel trouble.
mkdir -p "$tmp/host" "$tmp/guest"
printf 'name=%s\narch=none\nhow=%s\nsecs=1\nexit=%s\nplan=plan.tsv\n' host native - >"$tmp/host/cell.info"
printf 'name=%s\narch=none\nhow=%s\nsecs=1\nexit=%s\nplan=plan.tsv\n' guest TCG 124 >"$tmp/guest/cell.info"
touch "$tmp/host/complete"
for console in "" "job output"; do
  [[ -n $console ]] && printf '%s\n@@cowlab after\nrunlabs.sh exit 1\n' "$console" >"$tmp/guest/console.log" &&
    printf 'runlabs.sh exit 1\n' >"$tmp/guest/after.log"
  out=$(bash "$here/table.sh" 1 lab "$tmp/host" "$tmp/host" "$tmp/guest" 2>&1)
  if ! tail -n 1 <<<"$out" | grep -qx 'kernels: 2 kernels x 1 labs, 0 rows differ' ||
    ! grep -q "guest did not finish (TCG, exit 124, 1 s): 0 of 1 runs" <<<"$out"; then
    echo "table.sh, an unfinished cell (console: '${console:-none}'), wanted its summary and last line in:"
    echo "$out"; status=1
  fi
done
exit "$status"
