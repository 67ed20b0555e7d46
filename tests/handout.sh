#!/usr/bin/env bash
# tests/handout.sh DIR — the students' tree, as a student gets it (make test runs this in the
# background; one "ok"/"FAIL" line per check, the last line "handout: N passed, N failed").
# make handout OUT=DIR/tree writes it; then, inside it, as the README says: it builds; it holds
# no solutions, planted bugs or instructors' page, and every student file is the stub; make
# test says it needs the solutions (exit 2); make demo runs the student's own code (the stubs:
# it says so and points at make check); make check without LAB checks the lab changed last and
# says which; the grader gives its stubs 0 on every lab; make reset restores them.
set -uo pipefail
cd "$(dirname "$0")/.."
kit=$PWD dir=$(realpath -m "$1")
tree=$dir/tree
rm -rf "$dir"; mkdir -p "$dir"
passed=0 failed=0
check() { local what=$1; shift
  if "$@" >"$dir/last.log" 2>&1; then passed=$((passed + 1)); echo "  ok    $what"
  else failed=$((failed + 1)); echo "  FAIL  $what"; tail -15 "$dir/last.log" | sed 's/^/        /'; fi; }
in_tree() { (cd "$tree" && "$@"); }

check "make handout OUT=DIR writes the students' tree" make -s handout OUT="$tree"
check "make handout refuses a folder that is not empty" bash -c "! make -s handout OUT='$tree' && ! make -s handout"
no_answers() {
  [[ ! -e $tree/solutions && ! -e $tree/tests/bugs && ! -e $tree/handbook/instructors.md ]] || return 1
  ! grep -rIl --include='*.patch' -e '^Catches:' "$tree" || return 1
  local def lab f n=0
  for def in "$tree"/labs/*/tests.def; do
    lab=$(dirname "$def")
    for f in $(sed -n 's/^CL_LAB("[^"]*", *"[^"]*", *"\([^"]*\)").*/\1/p' "$def"); do
      cmp "$lab/$f" "$kit/labs/$(basename "$lab")/stubs/$f" || return 1; n=$((n + 1))
    done
  done
  [ "$n" -ge 5 ]
}
check "the handout has no solutions/, planted bugs or instructors' page; its lab files are the stubs" no_answers
check "its README's quick start is make demo and make check; its entry points are the student's" bash -c "
  sed -n '/^## Quick start/,/^## /p' '$tree/README.md' >'$dir/quick.txt'
  grep -q '^make demo .*YOUR code' '$dir/quick.txt' && grep -q '^make check ' '$dir/quick.txt' &&
    ! grep -q '^make test' '$dir/quick.txt' && ! grep -rq 'instructors\.md' '$tree/README.md' &&
    sed -n '/^## Every entry point/,/^## Layout/p' '$tree/README.md' >'$dir/entry.txt' &&
    grep -q '^| .make demo \[LAB=NN\]. | your code in' '$dir/entry.txt' &&
    ! grep -Eq '^\| .make (test|kernels|mutants|bench|memcheck|sanitize|calibrate|gradescope)' '$dir/entry.txt' &&
    ! grep -q 'reference solutions' '$dir/entry.txt'"
check "the handout builds (make all)" in_tree make -s -j2 all
check "make test in the handout says it needs the solutions (exit 2)" bash -c "
  cd '$tree'; make test >'$dir/test.out' 2>&1; rc=\$?
  [ \$rc -ne 0 ] && grep -q 'no solutions/ (a student handout)' '$dir/test.out'"
check "make demo in the handout runs the student's code (the stubs: fails, says why, points at make check)" bash -c "
  cd '$tree'; make demo >'$dir/demo.out' 2>&1; rc=\$?
  [ \$rc -ne 0 ] && grep -q 'with YOUR code in labs/' '$dir/demo.out' &&
    grep -q 'cow_map(4096) returned NULL (errno 38' '$dir/demo.out' && grep -q 'make check LAB=01 says which function' '$dir/demo.out'"
check "cowlab run in the handout (no solutions/) runs the student's code in labs/ and says so" bash -c "
  cd '$tree'; build/bin/cowlab run 03 >'$dir/run.out' 2>&1
  grep -q 'no solutions/ in this kit (a handout): running your code in .*/labs' '$dir/run.out' &&
    grep -q 'building from .*/labs/03-shm-arrays' '$dir/run.out'"
check "make check without LAB, nothing changed yet: checks 01-fork-cow and says so (exit 1)" bash -c "
  cd '$tree'; make check TEST=spawn >'$dir/check1.out' 2>&1; rc=\$?
  [ \$rc -ne 0 ] && grep -q '^checking 01-fork-cow: no lab.s files differ from the handout.s stubs yet' '$dir/check1.out'"
cp "$kit/solutions/03-shm-arrays/shm.c" "$tree/labs/03-shm-arrays/"
check "make check without LAB after editing lab 03: checks 03-shm-arrays, names the file, passes" bash -c "
  cd '$tree'; make check TEST=create_attach >'$dir/check3.out' 2>&1 &&
    grep -q '^checking 03-shm-arrays, the lab you changed last (labs/03-shm-arrays/shm.c, ' '$dir/check3.out'"
check "make reset LAB=03 in the handout: the stub back, the student's file kept" bash -c "
  cd '$tree'; make -s reset LAB=03 && cmp labs/03-shm-arrays/shm.c labs/03-shm-arrays/stubs/shm.c &&
    cmp labs/03-shm-arrays/backup/*/shm.c '$kit/solutions/03-shm-arrays/shm.c'"
check "the handout's grader gives its stubs 0 on every lab" bash -c "
  cd '$tree'; build/bin/cowlab grade --out '$dir/grade' --quiet >/dev/null 2>&1
  python3 -c \"
import json; r = json.load(open('$dir/grade/results.json'))
labs = {t['name'].split('/')[0] for t in r['tests']}
assert len(labs) >= 5 and r['score'] == 0, (labs, r['score'])
assert all(t['score'] == 0 for t in r['tests'])\""
echo "handout: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
