#!/usr/bin/env bash
# tests/memcheck.sh — make memcheck: the harness and the reference solutions under valgrind
# memcheck (leak-check=full; any error or definite leak fails). Only tests that measure no
# memory run here: valgrind doubles RSS and moves the heap, so measurements would be wrong.
set -uo pipefail
cd "$(dirname "$0")/.."
VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9
    --child-silent-after-fork=yes)
passed=0; failed=0
run() { local what=$1; shift
  if "$@" >build/memcheck.log 2>&1; then passed=$((passed+1)); echo "  ok    $what"
  else failed=$((failed+1)); echo "  FAIL  $what"; tail -30 build/memcheck.log | sed 's/^/        /'; fi; }
make -s build/test/harness-unit || exit 1
run "harness unit tests (--pure)" "${VG[@]}" build/test/harness-unit --pure
run "cowlab list" "${VG[@]}" build/bin/cowlab list 01 --markdown
for def in labs/[0-9]*/tests.def; do
  lab=$(basename "$(dirname "$def")")
  make -s "build/labs/$lab/lab" "build/labs/$lab/subject" SRC=solutions >/dev/null ||
    { failed=$((failed+1)); continue; }
  for t in $(sed -n 's/^CL_PURE("\(.*\)")$/\1/p' "$def"); do
    COWLAB_SLOW=20 run "$lab/$t (solutions)" "${VG[@]}" --trace-children=yes "build/labs/$lab/lab" test "$t"
  done
  run "cowlab grade $lab (pure tests, grader under valgrind)" "${VG[@]}" build/bin/cowlab grade \
    --submission solutions --lab "$lab" --test "$(sed -n 's/^CL_PURE("\([^ "]*\).*/\1/p' "$def")" \
    --out build/memcheck-grade --quiet
done
echo "memcheck: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
