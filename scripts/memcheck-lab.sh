#!/usr/bin/env bash
# memcheck-lab.sh LAB [DIR] — make memcheck LAB=NN: the hygiene test on the student's own lab
# (DIR/NN-slug, default labs/), as the grader runs it (the lab's pure tests in one subject under
# valgrind's memcheck), plus valgrind's whole text report with the origins of unset values,
# kept in build/mine/memcheck-NN-slug.txt and printed. Not graded: a student's own look.
# Exit 0 when the hygiene test passes, 1 when it fails, 2 when it cannot run here.
set -uo pipefail
cd "$(dirname "$0")/.."
lab=${1:?usage: memcheck-lab.sh LAB [DIR]} dir=${2:-labs}
slug=$(build/bin/cowlab list | awk -v n="$lab" '$1 == n || index($1, n "-") == 1 { print $1; exit }')
[[ -n $slug ]] || { echo "memcheck: no lab '$lab' (cowlab list names them)" >&2; exit 2; }
if ! command -v valgrind >/dev/null; then
  echo "memcheck: valgrind is not installed: run 'make deps' as root (or apt-get install valgrind)" >&2
  exit 2
fi
# The student's subject, built beside the kit's (build/mine), with warnings shown, not errors.
make -s BUILD=build/mine STUDENT=1 SRC="$dir" "build/mine/labs/$slug/subject" || exit 1
report=$PWD/build/mine/memcheck-$slug.txt
rm -f "$report"
echo "memcheck: $slug's pure tests under valgrind, your code from $dir/$slug"
COWLAB_SUBJECT=$PWD/build/mine/labs/$slug/subject COWLAB_MEMCHECK_REPORT=$report \
  "build/labs/$slug/lab" test hygiene
rc=$?
if [[ -s $report ]]; then
  echo "--- valgrind's report of your code (kept in ${report#"$PWD"/}) ---"
  cat "$report"
fi
[[ $rc -eq 0 ]] && echo "memcheck: $slug: the hygiene test passes" || echo "memcheck: $slug: the hygiene test fails (above: why)"
[[ $rc -le 1 ]] && exit "$rc" || exit 2
