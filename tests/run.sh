#!/usr/bin/env bash
# tests/run.sh — the kit's own tests (make test). Ends with "N passed, N failed".
#   1. harness unit tests (CUnit: parsers on fixtures, the PSS arithmetic, the model, ...)
#   2. every lab's reference solutions score 100 %, and the reports are well-formed
#   3. every lab's stubs build and score 0 on every test
#   4. planted bugs: each tests/bugs/NN-slug/*.patch, graded on the tests its Catches: line
#      names, must build and fail every one of them (that it fails no other test is make
#      kernels' to prove, in its native cell), every graded test must be
#      named by at least one bug, and every entry of the equivalent-mutant registries
#      (tests/bugs/NN-slug/mutants-equivalent.txt) must name a mutant of the solutions
#   4b. the grading services' formats (results.json, prairielearn.json, autolab.txt) against
#      their documented schemas, visibility, the 1 MB cap (tests/grader/formats/)
#   5. grader isolation: hostile tests (tests/grader/) are all failed, in bounded time, and
#      leave no process and no /dev/shm object behind
#   6. the machine probe: cowlab doctor establishes every fact here, refuses (exit 2, naming
#      the fact) where /proc is hidden, and planted harness faults (tests/harness/bugs/) are caught
#   7. the students' handout (tests/handout.sh): make handout, then its README's commands in it
#   8. make gradescope: lab 01's autograder zip, unpacked and built in a temporary root and run
#      there on uploads of several shapes (tests/gradescope.sh)
# The long parts (bugs, hostile tests, harness faults, experiments and plots) run in the
# background while the other sections run (see start/finish below); the output is in the
# same order whatever finishes first.
set -uo pipefail
cd "$(dirname "$0")/.."
COWLAB=build/bin/cowlab
OUT=build/test
rm -rf "$OUT"; mkdir -p "$OUT"
passed=0; failed=0; skipped=0
ok()   { passed=$((passed + 1)); printf '  ok    %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf '  FAIL  %s\n' "$1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/        /'; }
section() { printf '== %s   (at %d s)\n' "$1" "$SECONDS"; } # a section's start, from make test's
check() { local what=$1; shift; if "$@" >"$OUT/last.log" 2>&1; then ok "$what"; else fail "$what" "$(tail -20 "$OUT/last.log")"; fi; }

labs=$($COWLAB list | awk '{print $1}')

section "harness unit tests"
if make -s build/test/harness-unit >"$OUT/unit-build.log" 2>&1; then
  build/test/harness-unit >"$OUT/unit.log" 2>&1; rc=$?
  grep -E '^  (ok|FAIL) ' "$OUT/unit.log" || true
  u_pass=$(sed -n 's/^harness: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$OUT/unit.log")
  u_fail=$(sed -n 's/^harness: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$OUT/unit.log")
  if [ -n "$u_pass" ] && [ -n "$u_fail" ] && [ $rc -eq $((u_fail > 0)) ]; then
    passed=$((passed + u_pass)); failed=$((failed + u_fail))
  else
    fail "harness unit tests ran to the end" "$(tail -20 "$OUT/unit.log")"
  fi
else
  fail "harness unit tests build" "$(tail -20 "$OUT/unit-build.log")"
fi

# Long work that needs nothing from the sections before its own starts now, in the background,
# and runs while they do; the section that reports it waits for it (finish NAME) and reads
# what it wrote. None of it needs to run alone: every grading has its own uid, run folder and
# output folder, and every check looks only at what its own grading started.
declare -A started
# A job's exit status goes to OUT/NAME.rc: `wait PID` alone forgets it when PIDs wrap (pid_max
# 32768 here, and make test starts more processes than that) and the shell's next child gets the
# job's old PID: "wait: pid N is not a child of this shell", status 127, for a job that passed.
trap 'for p in "${started[@]}"; do pkill -TERM -P "$p"; kill "$p"; done 2>/dev/null; exit 130' INT TERM
start() { local name=$1; shift; rm -f "$OUT/$name.rc"
  { "$@" >"$OUT/$name.log" 2>&1; echo $? >"$OUT/$name.rc"; } & started[$name]=$!; }
finish() { # NAME: the job's exit status, once it has ended (its .rc written; none: it was killed)
  wait "${started[$1]}" 2>/dev/null
  local rc; rc=$(cat "$OUT/$1.rc" 2>/dev/null) && return "$rc"
  echo "job $1 ended without an exit status (killed?)" >>"$OUT/$1.log"; return 1; }
check_job() { # WHAT NAME: ok if job NAME succeeded, else fail with the end of its output
  if finish "$2"; then ok "$1"; else fail "$1" "$(tail -20 "$OUT/$2.log")"; fi; }
grade_bugs() { # LAB: each planted bug of LAB, applied to the reference, graded by the grader on
  # the tests its Catches: line names (section "planted bugs are caught"); that it fails no
  # other test is proven by make kernels, whose native cell runs every bug on every test
  local lab=$1 bug name dir=$OUT/bugs/$lab at_once=1 pending=0
  [ "$(id -u)" -eq 0 ] && at_once=2 # each grading its own uid: two at once
  for bug in tests/bugs/"$lab"/*.patch; do # one submission per bug: in/NAME/LAB/
    [ -e "$bug" ] || continue
    name=$(basename "$bug" .patch); mkdir -p "$dir/in/$name/$lab"
    cp solutions/"$lab"/* "$dir/in/$name/$lab/"
    if ! bash tests/plant.sh "$bug" "$dir/in/$name/$lab" 2>"$dir/$name.patch.log"; then
      touch "$dir/$name.unpatched"; continue
    fi
    $COWLAB grade --submission "$dir/in/$name" --lab "$lab" --out "$dir/out/$name" --quiet \
      --test "$(sed -n 's/^Catches: //p' "$bug" | tr -s ' ' ',')" >"$dir/$name.log" 2>&1 &
    if [ $((++pending)) -ge $at_once ]; then wait -n; pending=$((pending - 1)); fi
  done
  wait
}
run_twice() { # lab 01's experiments twice at once, the stubs' and the reference's: each builds
  # and runs its own subject in its own run folder, so the reference's rows all equal the model
  $COWLAB run 01 --dir labs --csv "$OUT/run-twice-stubs.csv" >"$OUT/run-twice-stubs.log" 2>&1 &
  local stubs=$! rc
  $COWLAB run 01 --dir solutions --csv "$OUT/run-twice.csv"; rc=$?
  wait "$stubs"
  return $rc
}
waits_for_lock() { # a run whose CSV another holds the lock of waits, says so, then runs
  local csv=$OUT/locked.csv holder rc; : >"$csv"
  flock "$csv" sleep 2 & holder=$!
  while flock -n "$csv" true; do sleep 0.05; done # until the holder has it
  $COWLAB run 01 --dir solutions --csv "$csv"; rc=$?
  wait "$holder"
  return $rc
}
start hostile bash tests/grader/run.sh "$OUT/hostile"
grade_formats() { # the grading services' formats' fixture lab (tests/grader/formats/00-formats):
  # its five submissions graded into $OUT/formats/out/NAME (section "the grading services'
  # formats"): pass (its solution), fail (the stubs), partial (b.c does not compile), none (no
  # files), noisy (24 tests whose feedback is 16 KiB of control bytes each)
  local fx=tests/grader/formats dir=$OUT/formats s
  make -s build/labs/00-formats/lab build/labs/00-formats/subject-kit.o LABS_DIR=$fx || return 1
  for s in pass fail partial noisy; do mkdir -p "$dir/in/$s/00-formats"; done; mkdir -p "$dir/in/none"
  cp $fx/00-formats/stubs/*.c "$dir/in/fail/00-formats/"
  for s in pass partial noisy; do cp $fx/solution/00-formats/*.c "$dir/in/$s/00-formats/"; done
  echo 'this is not C;' >>"$dir/in/partial/00-formats/b.c"
  cp $fx/noisy/00-formats/c.c "$dir/in/noisy/00-formats/"
  $COWLAB grade --labs-dir $fx --submissions "$dir/in" --out "$dir/out" --quiet &&
    $COWLAB list 00 --labs-dir $fx --markdown >"$dir/points.md"
}
start formats grade_formats
plot_crashing() { # the reference with a cow_read that crashes on more than one page: the
  # experiments that do not read (shared, child_writes, ...) still run, and are plotted
  mkdir -p "$OUT/crash/01-fork-cow"; cp solutions/01-fork-cow/*.c "$OUT/crash/01-fork-cow/"
  sed -i '/^uint64_t cow_read(/,/^{/s/^{/{\n    if (npages > 1)\n        *(volatile int *)0 = 1;/' \
    "$OUT/crash/01-fork-cow/experiment.c"
  $COWLAB plot 01 --dir "$OUT/crash" --out "$OUT/crash-plots"
}
start plot-crash plot_crashing
leaves_no_segment() { # lab 03's observer run directly (no sandbox: as make kernels grades) on
  # a subject with a planted bug that dies in sha_attach holding the segment sha_create named
  # after it, in a /dev/shm of its own: when the test ends the segment is gone
  local dir=$OUT/leak subject=$OUT/leak/build/labs/03-shm-arrays/subject
  mkdir -p "$dir/src/03-shm-arrays"; cp solutions/03-shm-arrays/*.c "$dir/src/03-shm-arrays/"
  bash tests/plant.sh tests/bugs/03-shm-arrays/size-rounds-down.patch "$dir/src/03-shm-arrays" &&
    make -s BUILD="$dir/build" STUDENT=1 SRC="$dir/src" "$subject" >"$dir/build.log" 2>&1 &&
    unshare -m --propagation private sh -c "mount -t tmpfs none /dev/shm &&
      { COWLAB_SUBJECT='$subject' build/labs/03-shm-arrays/lab test create_attach
        ls -A /dev/shm >'$dir/left'; }"
}
privileged_shm=0
if [ "$(id -u)" -eq 0 ] && unshare -m --propagation private true 2>/dev/null; then
  privileged_shm=1; start leak-03 leaves_no_segment
fi
start 01-run $COWLAB run 01 --csv "$OUT/01-run.csv" # section "the machine probe"
start run-twice run_twice
start run-locked waits_for_lock
# The plots (and lab 02's run, which the CPython section reads): run and plot each build in a
# run folder of their own, so they can run beside 01-run.
for lab in $labs; do start "plot-$lab" $COWLAB plot "$lab" --dir solutions --out "$OUT/plots"; done
for bug in tests/harness/bugs/*.patch; do
  start "harness-$(basename "$bug" .patch)" \
    bash tests/harness/planted.sh "$bug" "$OUT/harness-bugs/$(basename "$bug" .patch)"
done
for lab in $labs; do start "bugs-$lab" grade_bugs "$lab"; done
start repeat bash tests/repeat.sh "$OUT/repeat" 5 # section "the same code, the same rows"

section "the command line"
one_line_exit2() { # command...: exit status 2 and exactly one line on stderr naming choices
  local err rc; err=$("$@" 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [[ $err == *"("*")"* ]]
}
check "unknown lab: one line naming the labs, exit 2" one_line_exit2 $COWLAB check 99
check "unknown option: one line naming the options, exit 2" one_line_exit2 $COWLAB grade --frobnicate
check "unknown command: one line naming the commands, exit 2" one_line_exit2 $COWLAB frobnicate
check "every command has --help and cowlab help COMMAND" bash -c "for c in list check grade summary run plot demo measure doctor; do
  $COWLAB \$c --help | grep -q \"^cowlab \$c \" && $COWLAB help \$c | grep -q \"^cowlab \$c \" || exit 1; done"
check "cowlab --help lists every command in one line each" bash -c "
  [ \$($COWLAB --help | grep -cE '^  (list|check|grade|summary|run|plot|demo|measure|doctor) ') -eq 9 ]"
check "an option of another command: one line naming this command's options, exit 2" \
  one_line_exit2 $COWLAB run 01 --out x
check "an abbreviated option (--sub, --ou) is refused, not guessed" bash -c "
  $COWLAB grade --sub x 2>&1 | grep -q \"unknown option '--sub'\" &&
  $COWLAB grade --ou x 2>&1 | grep -q \"unknown option '--ou'\""
check "--name=value and options after the LAB operand work" bash -c "
  [ \"\$($COWLAB list --lab=01 --markdown)\" = \"\$($COWLAB list 01 --markdown)\" ]"
names_tests() { # command...: exit 2 and one line on stderr that lists lab 01's tests
  local err rc; err=$("$@" 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [[ $err == *"(its tests: "*predict_pss* ]]
}
check "check --test of an unknown test: one line naming the lab's tests, exit 2" names_tests \
  $COWLAB check 01 --test predict_psss
check "check --test A,B with B unknown: refused the same way" names_tests $COWLAB check 01 --test spawn,nosuch
check "grade --test of an unknown test: refused, no OUT written" bash -c "
  $COWLAB grade --submission solutions --test nosuch --out $OUT/cli-test-out 2>/dev/null
  [ \$? -eq 2 ] && [ ! -e $OUT/cli-test-out ]"
check_exit() { # STATUS command...: the command exits with STATUS
  local want=$1; shift; "$@" >/dev/null 2>&1; [ $? -eq "$want" ]; }
check "check --test A exits 0 when A passes (the other tests are not run)" check_exit 0 \
  $COWLAB check 01 --dir solutions --test predict_pss --quiet
check "check --test A exits 1 when A fails" check_exit 1 $COWLAB check 01 --dir labs --test predict_pss --quiet
# Bad input to grade: refused in one line (exit 2) before anything is written — every file
# and folder of the fixture as it was (names, sizes, modes, times) and OUT/grades.csv
# byte-identical — or handled correctly.
cli="$OUT/cli"; mkdir -p "$cli/in/alice" "$cli/in/bob" "$cli/elsewhere/carol/out" "$cli/out" \
  "$cli/named/alice" "$cli/named/grades.csv"
ln -s ../elsewhere/carol "$cli/in/carol" # a submission may be a symlink to anywhere
for o in "$cli/out" "$cli/elsewhere/carol/out"; do
  printf 'submission,score,max_score,01-fork-cow\n"earlier",70,100,70\n' >"$o/grades.csv"; done
tree_state() { find "$1" -printf '%p %y %s %m %T@\n' | sort; }
refused_whole() { # WANT OUT COMMAND...: exit 2, one line with WANT, $cli and OUT unchanged
  local want=$1 out=$2 before err rc; shift 2
  before=$(tree_state "$cli"); [ -e "$out/grades.csv" ] && cp "$out/grades.csv" "$OUT/cli-grades.before"
  err=$("$@" 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] || { echo "exit $rc, not 2: $err"; return 1; }
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || { echo "more than one line: $err"; return 1; }
  [[ $err == *"$want"* ]] || { echo "'$want' is not in: $err"; return 1; }
  [ ! -e "$out/grades.csv" ] || cmp "$OUT/cli-grades.before" "$out/grades.csv" || return 1
  [ "$before" = "$(tree_state "$cli")" ] || { echo "written anyway:"; diff <(echo "$before") <(tree_state "$cli"); return 1; }
}
for bad in 0 2x -1 99999; do
  check "grade --jobs $bad: refused in one line, OUT/grades.csv byte-identical" refused_whole \
    "--jobs takes a number from 1 to 64, not '$bad'" "$cli/out" \
    $COWLAB grade --submissions "$cli/in" --out "$cli/out" --jobs "$bad" --quiet
done
check "grade --submissions of a missing folder: refused, OUT/grades.csv byte-identical" refused_whole \
  "cannot read the submissions folder" "$cli/out" \
  $COWLAB grade --submissions "$cli/no such" --out "$cli/out" --quiet
check "grade --submission of a missing folder: refused, OUT/grades.csv byte-identical" refused_whole \
  "submission folder '$cli/no such' not found" "$cli/out" \
  $COWLAB grade --submission "$cli/no such" --out "$cli/out" --quiet
check "grade --out inside a submission that is a symlink: refused, nothing written" refused_whole \
  "is inside $cli/in/carol, which is graded" "$cli/elsewhere/carol/out" \
  $COWLAB grade --submissions "$cli/in" --out "$cli/elsewhere/carol/out" --quiet
check "grade --out equal to a submission (through its symlink): refused, nothing written" refused_whole \
  "is inside $cli/in/carol, which is graded" "$cli/elsewhere/carol" \
  $COWLAB grade --submissions "$cli/in" --out "$cli/elsewhere/carol" --quiet
check "grade --submission with OUT equal to it: refused, nothing written" refused_whole \
  "is inside $cli/in/alice, which is graded" "$cli/in/alice" \
  $COWLAB grade --submission "$cli/in/alice" --out "$cli/in/alice" --quiet
check "grade --submissions with a submission named grades.csv: refused, OUT/grades.csv byte-identical" \
  refused_whole "a submission named grades.csv" "$cli/out" \
  $COWLAB grade --submissions "$cli/named" --out "$cli/out" --quiet
mkdir -p "$cli/named2/alice" "$cli/named2/summary.svg.tmp"
check "grade --submissions with a submission named as OUT's summary (summary.svg.tmp): refused" \
  refused_whole "a submission named summary.svg.tmp" "$cli/out" \
  $COWLAB grade --submissions "$cli/named2" --out "$cli/out" --quiet
# Unreadable folders. Root reads them all (chmod 000 does not stop it), so as root they are
# graded as usual; an unprivileged uid cannot read them, and is refused up front.
locked="$cli/locked"; mkdir -p "$locked"; cp -r solutions/01-fork-cow "$locked/"; chmod 000 "$locked"
if [ "$(id -u)" -eq 0 ]; then
  $COWLAB grade --submission "$locked" --lab 01 --test predict_pss --out "$cli/locked-out" --quiet \
    >"$cli/locked.log" 2>&1
  check "as root, a chmod 000 submission is graded as usual (predict_pss: 10/10, a partial row)" \
    python3 -c "
import csv
rows = list(csv.DictReader(open('$cli/locked-out/grades-partial.csv')))
assert [(r['id'], r['status'], r['01-fork-cow/predict_pss'], r['score'], r['max_score']) for r in rows] == \\
    [('locked', 'partial', '10', '10', '10')], rows"
fi
chmod 755 "$locked"
as_user=(); [ "$(id -u)" -eq 0 ] && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
if [ "$(id -u)" -ne 0 ] || command -v setpriv >/dev/null; then
  # A copy in /tmp: the unprivileged uid reaches it whatever the kit's folder allows.
  nb=$(mktemp -d /tmp/cowlab-cli.XXXXXX); chmod 755 "$nb"; mkdir -p "$nb/in/alice" "$nb/in/bob" "$nb/out"
  cp "$cli/out/grades.csv" "$nb/out/"; [ "$(id -u)" -eq 0 ] && chown -R 65534:65534 "$nb"
  chmod 000 "$nb/in/alice" # its owner cannot read it either: only the folder stands in the way
  refused_nobody() { local cli=$nb; refused_whole "$@"; }
  check "unprivileged: --submissions with an unreadable submission: refused up front, grades.csv byte-identical" \
    refused_nobody "cannot read the submission folder '$nb/in/alice'" "$nb/out" \
    "${as_user[@]}" $COWLAB grade --submissions "$nb/in" --out "$nb/out" --quiet
  check "unprivileged: --submission of an unreadable folder: refused, grades.csv byte-identical" \
    refused_nobody "cannot read the submission folder '$nb/in/alice'" "$nb/out" \
    "${as_user[@]}" $COWLAB grade --submission "$nb/in/alice" --out "$nb/out" --quiet
  chmod 755 "$nb/in/alice"; chmod 000 "$nb/in"
  check "unprivileged: an unreadable submissions folder: refused, grades.csv byte-identical" \
    refused_nobody "cannot read the submissions folder '$nb/in'" "$nb/out" \
    "${as_user[@]}" $COWLAB grade --submissions "$nb/in" --out "$nb/out" --quiet
  chmod 755 "$nb/in"; rm -rf "$nb"
else
  skipped=$((skipped + 1)); echo "  skip  unreadable folders as an unprivileged uid: needs setpriv"
fi
# 4,097 submissions (one more than the cap the batch once had): all are graded. Grading them
# takes ~15 s (empty folders, ~4 ms each), so the check stops the batch once it has listed
# and accepted them all and started the first: "(1/4097)". An interrupted batch leaves the
# earlier grades.csv whole (the new one is written aside).
big="$cli/big"; mkdir -p "$big/in" "$big/out"; (cd "$big/in" && mkdir s{0001..4097})
cp "$cli/out/grades.csv" "$big/out/"
$COWLAB grade --submissions "$big/in" --lab 01 --out "$big/out" --quiet >/dev/null 2>"$big/err" &
big_pid=$!
for _ in $(seq 200); do grep -q '^== ' "$big/err" && break; sleep 0.05; done
kill "$big_pid" 2>/dev/null; wait "$big_pid" 2>/dev/null
check "grade --submissions of 4,097 folders: all listed and accepted, grading starts (1/4097)" \
  grep -qx '== s0001 (1/4097)' "$big/err"
check "a batch stopped midway leaves the earlier OUT/grades.csv byte-identical" \
  cmp "$cli/out/grades.csv" "$big/out/grades.csv"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  deps_nonroot() { local out; out=$(COWLAB_DEPS_EXTRA=cowlab-no-such-package \
      setpriv --reuid=65534 --regid=65534 --clear-groups bash scripts/deps.sh 2>&1); [ $? -eq 2 ] &&
      [[ $out == *"cowlab-no-such-package"* ]]; }
  check "make deps as non-root with a package missing: says which, exit 2" deps_nonroot
fi
check "make deps is quiet when everything is there" test -z "$(bash scripts/deps.sh 2>&1)"

section "the student's loop: status, hint, watch"
# A student's folder of labs (lab 01's stubs, then the reference's predict.c), a state folder
# of its own (COWLAB_STATE), two cheap tests (spawn, in experiment.c; predict_pss, in
# predict.c): every expected count comes from the check's own table, never written here.
stu=$PWD/$OUT/student; mkdir -p "$stu/labs"; cp -r labs/01-fork-cow "$stu/labs/"
export COWLAB_STATE=$stu/state
two=spawn,predict_pss
cp solutions/01-fork-cow/predict.c "$stu/labs/01-fork-cow/"
$COWLAB check 01 --dir "$stu/labs" --test $two --quiet >"$stu/check.log" 2>&1
want_pass=$(grep -c '^01-fork-cow  *[a-z_]*  *[0-9]*/[0-9]*  *passed$' "$stu/check.log")
want_score=$(sed -n 's/^score: \([0-9]*\)\/.*/\1/p' "$stu/check.log")
want_first=$(awk '$1 == "01-fork-cow" && $2 != "total" && $4 != "passed" {print $2; exit}' "$stu/check.log")
t0=$(date +%s%N); $COWLAB status --dir "$stu/labs" >"$stu/status.log" 2>&1; rc=$?; t1=$(date +%s%N)
status_ms=$(( (t1 - t0) / 1000000 ))
check "status after a check: lab 01's tests passed and points are the check's ($want_pass passed, $want_score points)" \
  bash -c "[ $rc -eq 0 ] && grep -Eq '^01-fork-cow +$want_pass/[0-9]+ +$want_score/[0-9]+ +checked [0-9:]+' '$stu/status.log'"
check "status: what next is the first failing test ($want_first), its first check and the command" \
  bash -c "grep -q 'make check LAB=01 TEST=$want_first\$' '$stu/status.log' &&
    grep -q '^  first check: .*expected .*, measured ' '$stu/status.log'"
echo "        status took $status_ms ms (reads the recorded checks; grades nothing)"
echo '/* a student edit */' >>"$stu/labs/01-fork-cow/predict.c"
$COWLAB status --dir "$stu/labs" >"$stu/status2.log" 2>&1
check "status after a file changed: 'files changed since', no count shown as current" \
  bash -c "grep -Eq '^01-fork-cow +\?/[0-9]+ +\?/[0-9]+ +checked [0-9:]+, files changed since' '$stu/status2.log' &&
    grep -q '^next: make check LAB=01 ' '$stu/status2.log'"
cp solutions/01-fork-cow/predict.c "$stu/labs/01-fork-cow/" # as checked: current again
$COWLAB status --dir "$stu/labs" >"$stu/status3.log" 2>&1
check "status: the file back as it was checked, the results are current again" \
  grep -Eq "^01-fork-cow +$want_pass/[0-9]+ +$want_score/" "$stu/status3.log"

check "every graded test of every lab has hints, and each hint's chapter link is a heading there" \
  python3 tests/hints_check.py $labs
check "every function a lab header declares has a contract comment, every registry test is named in its chapter, nothing sends a student to solutions/ (tests/contracts_check.py)" \
  python3 tests/contracts_check.py
hint_steps() { # each call shows one step more, --step N goes to N, the last names the section
  local n i out; n=$($COWLAB hint 01 zero_page --all | grep -c '^  hint ')
  rm -f "$COWLAB_STATE/hints.tsv"
  [ "$n" -ge 2 ] || { echo "fewer than 2 steps"; return 1; }
  for i in $(seq 1 "$n"); do
    out=$($COWLAB hint 01 zero_page) || return 1
    [ "$(grep -c '^  hint ' <<<"$out")" -eq "$i" ] || { echo "call $i: $out"; return 1; }
    if [ "$i" -lt "$n" ]; then grep -q "again for hint $((i + 1))/$n" <<<"$out" || return 1
    else grep -q '^  read: handbook/01-fork-cow.md#[a-z0-9_-]* ("' <<<"$out" || return 1; fi
  done
  [ "$($COWLAB hint 01 zero_page --step 1 | grep -c '^  hint ')" -eq 1 ] &&
    [ "$($COWLAB hint 01 zero_page | grep -c '^  hint ')" -eq 2 ] # remembered from --step 1
}
check "hint: one step more per call (remembered), --step N, the last names the chapter section" hint_steps
check "hint of an unknown test: one line naming the lab's tests, exit 2" bash -c "
  err=\$($COWLAB hint 01 zero_pag 2>&1 >/dev/null); [ \$? -eq 2 ] && [[ \$err == *'(its tests: '*zero_page* ]]"
check "hint of an unknown lab: one line naming the labs, exit 2" one_line_exit2 $COWLAB hint 99 zero_page
bad_hint() { # a CL_HINT naming no test, or without a chapter link, stops the labs loading
  local d=$stu/badlabs/01-fork-cow; mkdir -p "$d"
  grep -v '^CL_HINT\|^        "' labs/01-fork-cow/tests.def >"$d/tests.def"
  printf 'CL_HINT(no_such_test, "a step",\n        "handbook/01-fork-cow.md#1-what-fork-copies")\n' >>"$d/tests.def"
  local err; err=$($COWLAB list --labs-dir "$stu/badlabs" 2>&1) && return 1
  [[ $err == *"tests.def:"*": cannot parse: CL_HINT(no_such_test"* ]] || return 1
  grep -v '^CL_HINT\|^        "' labs/01-fork-cow/tests.def >"$d/tests.def"
  printf 'CL_HINT(spawn, "a step", "another")\n' >>"$d/tests.def"
  ! $COWLAB list --labs-dir "$stu/badlabs" >/dev/null 2>&1
}
check "a CL_HINT naming no test, or without a chapter link, is refused when the labs load" bad_hint

if command -v tmux >/dev/null; then
  # cowlab watch as a user runs it: in a tmux pane (a private server), a file saved, the screen
  # read back, keys pressed, the terminal's settings compared before and after.
  sock=cowlab-test-$$
  tm() { tmux -L "$sock" "$@"; }
  screen() { tm capture-pane -p -t watch; }
  wait_screen() { # PATTERN [TENTHS]: until the screen matches (default 10 s)
    local i; for i in $(seq "${2:-100}"); do screen | grep -Eq "$1" && return 0; sleep 0.1; done
    screen; return 1; }
  watch_in_tmux() { # a pane running cowlab watch; the shell records its exit and stty after
    rm -f "$stu/stty.after" "$stu/watch.rc"
    tm new-session -d -s watch -x 120 -y 50 "stty -g >'$stu/stty.before'; '$PWD/$COWLAB' watch 01 \
      --dir '$stu/labs' --test $two; echo \$? >'$stu/watch.rc'; stty -g >'$stu/stty.after'; sleep 600"; }
  watch_pid() { pgrep -f "^$PWD/$COWLAB watch 01 --dir $stu/labs" | head -1; }
  watch_ended() { # STATUS: the watch exited with STATUS and the terminal is as it was
    local _; for _ in $(seq 50); do [ -s "$stu/stty.after" ] && break; sleep 0.1; done
    [ "$(cat "$stu/watch.rc")" = "$1" ] && cmp "$stu/stty.before" "$stu/stty.after"; }
  cp labs/01-fork-cow/predict.c "$stu/labs/01-fork-cow/" # stubs again: both tests fail
  rm -f "$COWLAB_STATE/hints.tsv"
  watch_in_tmux
  first_failure() { wait_screen '^FAILED spawn ' && wait_screen 'expected .*, measured ' &&
    wait_screen 'press n for a hint'; }
  check "watch shows the first failing test (spawn) with expected, measured and a hint" first_failure
  cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
  wpid=$(watch_pid); c0=$(cpu "$wpid"); sleep 1; c1=$(cpu "$wpid")
  check "watch, idle for 1 s: no busy polling (CPU ticks used: $((c1 - c0)))" test $((c1 - c0)) -le 1
  t0=$(date +%s%N); cp solutions/01-fork-cow/experiment.c "$stu/labs/01-fork-cow/"
  check "watch: a saved experiment.c is rebuilt and checked, the screen shows the next failure" \
    wait_screen '^FAILED predict_pss ' 150
  t1=$(date +%s%N); echo "        watch: the screen changed $(( (t1 - t0) / 1000000 )) ms after the save (300 ms of it debounce)"
  n=$(screen | sed -n 's/^check #\([0-9]*\) done.*/\1/p')
  for i in 1 2 3 4 5; do echo "/* save $i */" >>"$stu/labs/01-fork-cow/experiment.c"; sleep 0.03; done
  burst_once() { wait_screen "^check #$((n + 1)) done" 150 && sleep 0.8 && wait_screen "^check #$((n + 1)) done" 1; }
  check "watch: a burst of 5 saves is checked once (check #$n, then #$((n + 1)) only)" burst_once
  tm send-keys -t watch n
  check "watch: n shows hint 1 of the failing test" wait_screen '^  hint 1/' 30
  tm send-keys -t watch n
  check "watch: n again shows hint 2" wait_screen '^  hint 2/' 30
  check "... and cowlab hint goes on from there (the same state)" bash -c \
    "$COWLAB hint 01 predict_pss | grep -q '^  hint 3/'"
  tm send-keys -t watch a
  every_test() { wait_screen '^  ok +spawn ' 30 && wait_screen '^  FAIL +predict_pss ' 30; }
  check "watch: a lists every test (ok spawn, FAIL predict_pss)" every_test
  tm send-keys -t watch q
  check "watch: q quits (exit 0) with the terminal's settings as before" watch_ended 0
  tm kill-session -t watch
  watch_in_tmux; wait_screen '^check #1 done' 150 >/dev/null
  kill -TERM "$(watch_pid)"
  check "watch: SIGTERM ends it (exit 143) with the terminal's settings restored" watch_ended 143
  tm kill-server 2>/dev/null
else
  skipped=$((skipped + 1)); echo "  skip  cowlab watch under tmux: tmux is not installed (make deps)"
fi
unset COWLAB_STATE

section "the machine probe"
$COWLAB doctor >"$OUT/doctor.log" 2>&1; rc=$?
check "cowlab doctor establishes every fact the labs need here (exit 0)" test $rc -eq 0
$COWLAB doctor --tsv 2>/dev/null | cut -f1,2 | sed 's/^/        /'
facts_all() { local n; n=$($COWLAB doctor --tsv | awk -F'\t' 'NF == 3 && $2 != "" && $3 != ""' | wc -l)
  [ "$n" -eq "$($COWLAB doctor --tsv | wc -l)" ] && [ "$n" -ge 16 ]; }
check "doctor --tsv: every fact has a value and says how it was established" facts_all
finish 01-run # started at the top
check "lab 01's reference: every row equals the model on this machine" grep -q ", 0 differ" "$OUT/01-run.log"
check_job "run 01 of the reference beside a run 01 of the stubs: exit 0" run-twice
check "... and every row of the reference's run equals the model" grep -q ", 0 differ" "$OUT/run-twice.log"
check_job "a run whose CSV is locked by another waits for it, then runs (exit 0)" run-locked
finish plot-crash
check "an experiment that crashes is named, and the others still run and are plotted" bash -c "
  grep -q 'zero_page: cow_read, in the parent: killed by SIGSEGV' '$OUT/plot-crash.log' &&
  grep -q '^shared  *1 after_fork' '$OUT/plot-crash.log' && [ -s '$OUT/crash-plots/01-fork-cow-pss.png' ]"
check "... and says that it waits" grep -q "waiting for another run or plot that writes" "$OUT/run-locked.log"
if [ $privileged_shm -eq 1 ]; then
  finish leak-03
  check "a subject killed while it holds a /dev/shm segment named after it: the test removes it" \
    bash -c "grep -q 'sha_attach, in the parent: killed by SIGSEGV' '$OUT/leak-03.log' &&
      [ -f '$OUT/leak/left' ] && [ ! -s '$OUT/leak/left' ]"
else
  skipped=$((skipped + 1)); echo "  skip  what a killed subject leaves in /dev/shm: needs root and unshare"
fi
check "the results CSV records the probe's facts in every row" bash -c "
  head -1 '$OUT/01-run.csv' | grep -q ',machine\$' &&
  ! awk -F, 'NR > 1 && \$11 !~ /^page [0-9]+ B; zero page (yes|no)/' '$OUT/01-run.csv' | grep -q ."
if [ "$(id -u)" -eq 0 ] && unshare -m --propagation private true 2>/dev/null; then
  no_proc() { # a /proc the probe cannot read: doctor and run say which fact, exit 2
    local err; err=$(unshare -m --propagation private sh -c \
      "mount -t tmpfs none /proc && $COWLAB $1 2>&1 >/dev/null; exit \$?"); local rc=$?
    [ $rc -eq 2 ] && [[ $err == *"cannot establish smaps"* ]] && [[ $err == *"zero_page"* ]]; }
  check "without /proc, cowlab doctor names the facts it cannot establish, exit 2" no_proc doctor
  check "without /proc, cowlab run refuses to guess (exit 2)" no_proc "run 01"
else
  skipped=$((skipped + 1)); echo "  skip  probe without /proc: needs root and unshare"
fi
# A machine without pagemap bit 56 (stood for by COWLAB_PROBE_FORGET): the tests that need it
# are "not gradable here" — not run, out of the maximum, never failed, never blamed.
COWLAB_PROBE_FORGET=pagemap_bit56 $COWLAB grade --submission solutions --lab 01 \
  --out "$OUT/ungradable" --quiet >/dev/null 2>&1
check "a test the machine cannot decide is 'not gradable here', out of the maximum" python3 -c "
import json, xml.etree.ElementTree as ET
r = json.load(open('$OUT/ungradable/results.json'))
skip = [t for t in r['tests'] if t['output'].startswith('not gradable here: pagemap_bit56')]
assert len(skip) == 6 and all(t['max_score'] == 0 and t['score'] == 0 and 'status' not in t for t in skip), skip
rest = [t for t in r['tests'] if t not in skip]
assert rest and all(t['status'] == 'passed' for t in rest)
assert r['score'] == sum(t['max_score'] for t in rest) == 35, r['score']
s = ET.parse('$OUT/ungradable/junit.xml').getroot().find('testsuite')
assert s.get('skipped') == '6' and s.get('failures') == '0'
assert len(s.findall('testcase/skipped')) == 6"
check "results.json and junit.xml with tests not gradable here pass the schema checks" \
  python3 tests/report_check.py "$OUT/ungradable" --schema
check "the report says which facts were forgotten on purpose" \
  grep -q "FORGOTTEN ON PURPOSE: pagemap_bit56" "$OUT/ungradable/results.json"
if [ "$(id -u)" -eq 0 ] && unshare -m --propagation private true 2>/dev/null; then
  noexec_scratch() { # a noexec scratch folder: grading refuses, naming it (never 0 points)
    local err; err=$(unshare -m --propagation private sh -c "mkdir -p $OUT/noexec &&
      mount -t tmpfs -o noexec none $OUT/noexec && COWLAB_TMPDIR=$OUT/noexec \
      $COWLAB grade --submission solutions --lab 01 --out $OUT/noexec-out 2>&1 >/dev/null;
      rc=\$?; umount $OUT/noexec; exit \$rc"); local rc=$?
    [ $rc -eq 2 ] && [[ $err == *"does not allow exec"* ]] && [ ! -e "$OUT/noexec-out/results.json" ]; }
  check "grading with a noexec scratch folder refuses (exit 2, names it), writes no grade" noexec_scratch
fi
for bug in tests/harness/bugs/*.patch; do # planted.sh started at the top
  check_job "planted harness fault $(basename "$bug" .patch) is caught ($(sed -n 's/^\(Differs\|Unit\): //p' "$bug" | tr '\n' ' '))" \
    "harness-$(basename "$bug" .patch)"
done

section "a broken file costs only its own tests; a warning costs nothing"
# A missing or non-compiling file is replaced by the handout's stub: the other file's tests are
# graded as usual. (With a correct experiment.c, exactly the predict_* tests fail.)
broken="$OUT/broken"
mkdir -p "$broken/missing/01-fork-cow" "$broken/syntax/01-fork-cow" "$broken/warned" "$broken/none/01-fork-cow"
cp solutions/01-fork-cow/experiment.c "$broken/missing/01-fork-cow/"
cp solutions/01-fork-cow/predict.c "$broken/missing/01-fork-cow/Predict.c"
cp solutions/01-fork-cow/*.c "$broken/syntax/01-fork-cow/"
echo 'this is not C;' >>"$broken/syntax/01-fork-cow/predict.c"
cp -r solutions/01-fork-cow "$broken/warned/"
printf 'static int cowlab_never_used;\n' >>"$broken/warned/01-fork-cow/predict.c"
for kind in missing syntax warned none; do
  $COWLAB grade --submission "$broken/$kind" --lab 01 --out "$broken/out-$kind" --quiet >/dev/null 2>&1
done
only_predictions_fail='
import json,sys; r=json.load(open(sys.argv[1])); want=sys.argv[2]
failed=sorted(t["name"].split("/")[1] for t in r["tests"] if t["status"]!="passed")
assert failed==["predict_pss","predict_writes"], failed
assert all("stub stood in" in t["output"] for t in r["tests"] if t["status"]!="passed")
assert "graded with the handout\x27s stub in place of predict.c" in r["output"], r["output"][-400:]
assert want in r["output"], (want, r["output"][-600:])'
check "a missing predict.c costs only the predictions' tests, and the feedback points at Predict.c" \
  python3 -c "$only_predictions_fail" "$broken/out-missing/results.json" \
  "predict.c: not in the submission's 01-fork-cow/ folder
  (found Predict.c: names are case-sensitive)"
check "a compile error in predict.c costs only the predictions' tests; the compiler's words are shown" \
  python3 -c "$only_predictions_fail" "$broken/out-syntax/results.json" "| this is not C;"
check "the compiler's messages name the student's file where they have it (make check: labs/...)" bash -c "
  cd '$broken/syntax' && '$PWD/$COWLAB' check 01 --dir . --test predict_pss 2>&1 | grep -q '^01-fork-cow/predict.c:[0-9]*:[0-9]*: error' &&
  cd '$PWD' && $COWLAB check 01 --dir '$broken/syntax' --test predict_pss 2>&1 | grep -q '^$broken/syntax/01-fork-cow/predict.c:[0-9]*:[0-9]*: error' &&
  grep -q '01-fork-cow/predict.c:[0-9]*:[0-9]*: error' '$broken/out-syntax/results.json' &&
  ! grep -q '$broken' '$broken/out-syntax/results.json'" # a grade names no folder of the grader's
# A file that compiles but does not link (a helper declared, never defined) gives way to its
# stub too; a submission's files are its own: a symbolic link to another's is not followed.
mkdir -p "$broken/linkerr/01-fork-cow" "$broken/linked" "$broken/linkedfile/01-fork-cow"
cp solutions/01-fork-cow/*.c "$broken/linkerr/01-fork-cow/"
printf 'long cowlab_helper(void);\nlong cowlab_twice(void);\nlong cowlab_twice(void) { return 2 * cowlab_helper(); }\n' \
  >>"$broken/linkerr/01-fork-cow/predict.c"
ln -s "$PWD/solutions/01-fork-cow" "$broken/linked/01-fork-cow"
cp solutions/01-fork-cow/experiment.c "$broken/linkedfile/01-fork-cow/"
ln -s "$PWD/solutions/01-fork-cow/predict.c" "$broken/linkedfile/01-fork-cow/predict.c"
for kind in linkerr linked linkedfile; do
  $COWLAB grade --submission "$broken/$kind" --lab 01 --out "$broken/out-$kind" --quiet >/dev/null 2>&1
done
check "a predict.c that does not link costs only the predictions' tests; the linker's words are shown" \
  python3 -c "$only_predictions_fail" "$broken/out-linkerr/results.json" \
  "undefined reference to \`cowlab_helper'"
check "a predict.c that is a symbolic link (to the solutions) is not read: only the predictions' tests fail" \
  python3 -c "$only_predictions_fail" "$broken/out-linkedfile/results.json" \
  "01-fork-cow/predict.c is a symbolic link"
check "a lab folder that is a symbolic link (to the solutions) is not built and scores 0" python3 -c "
import json; r=json.load(open('$broken/out-linked/results.json'))
assert r['score']==0 and 'is a symbolic link or not a folder' in r['tests'][0]['output']"
# The stub that stands in is the lab's pristine copy (labs/NN-slug/stubs/), never the kit's
# labs/NN-slug/FILE: an instructor whose labs/ holds working code (the solutions copied in to
# try them) must not hand that code to a submission whose predict.c does not compile.
cp -r labs "$broken/kit-labs"; cp solutions/01-fork-cow/predict.c "$broken/kit-labs/01-fork-cow/"
$COWLAB grade --submission "$broken/syntax" --labs-dir "$broken/kit-labs" --lab 01 \
  --out "$broken/out-kitlabs" --quiet >/dev/null 2>&1
check "a kit whose labs/ holds working code still stands the handout's stub in (predictions fail)" \
  python3 -c "$only_predictions_fail" "$broken/out-kitlabs/results.json" "| this is not C;"
stubs_committed() { # every lab's stubs/ holds exactly its student files, as committed in labs/
  local lab f n
  for lab in $labs; do
    n=0
    for f in $(sed -n 's/^CL_LAB("[^"]*", *"[^"]*", *"\([^"]*\)").*/\1/p' labs/"$lab"/tests.def); do
      n=$((n + 1))
      if [ -d .git ]; then
        git show "HEAD:labs/$lab/$f" | cmp - "labs/$lab/stubs/$f" || { echo "labs/$lab/stubs/$f differs from labs/$lab/$f as committed"; return 1; }
      else
        cmp "labs/$lab/$f" "labs/$lab/stubs/$f" || return 1
      fi
    done
    [ "$n" -gt 0 ] && [ "$(ls labs/"$lab"/stubs | wc -l)" -eq "$n" ] || { echo "labs/$lab/stubs/ holds other files"; return 1; }
  done
}
check "each lab's stubs/ is its handout files as committed (what reset and the grader use)" stubs_committed
reset_keeps() { # reset: the student's file kept byte for byte, the stub back, a missing file made
  local d=$OUT/reset lab out
  lab=$d/01-fork-cow
  rm -rf "$d"; mkdir -p "$d"; cp -r labs/01-fork-cow "$lab"
  cp solutions/01-fork-cow/predict.c "$lab/"; rm "$lab/experiment.c"
  out=$($COWLAB reset 01 --dir "$d") || return 1
  cmp "$lab/predict.c" labs/01-fork-cow/stubs/predict.c && cmp "$lab/experiment.c" labs/01-fork-cow/stubs/experiment.c &&
    cmp "$lab"/backup/*/predict.c solutions/01-fork-cow/predict.c && [ ! -e "$lab"/backup/*/experiment.c ] &&
    [[ $out == *"/01-fork-cow/predict.c: the stub is back; yours is kept in "*"/01-fork-cow/backup/2"* && $out == *"experiment.c: was missing"* ]] || { echo "$out"; return 1; }
  out=$($COWLAB reset 01 --dir "$d") && [[ $out == *"predict.c: already the handout's stub"* ]] || { echo "$out"; return 1; }
  [ "$(ls "$lab/backup" | wc -l)" -eq 1 ]
}
check "cowlab reset 01 keeps the student's files in backup/, puts the stubs back, and does it once" reset_keeps
# Debugging output costs nothing either: lab 04 counts the blocks ba_new, ba_free and
# ba_sieve_range leave allocated, and stdout's buffer (allocated at a stream's first output)
# must not count as the student's leak.
mkdir -p "$broken/printf"; cp -r solutions/04-bit-arrays "$broken/printf/"
python3 - "$broken/printf/04-bit-arrays" <<'PY' # a printf at the top of two functions
import sys
for name, fn in (("bitarray.c", "ba_new"), ("sieve.c", "ba_sieve_range")):
    path = f"{sys.argv[1]}/{name}"
    src = open(path).read()
    body = src.index("{", src.index(f"\nint {fn}("))
    src = src[:body + 1] + f'\n    printf("debug: {fn}\\n");' + src[body + 1:]
    open(path, "w").write("#include <stdio.h>\n" + src)
PY
$COWLAB grade --submission "$broken/printf" --lab 04 --test set_test_clear,sieve \
  --out "$broken/out-printf" --quiet >/dev/null 2>&1
check "a debugging printf in ba_new and ba_sieve_range costs nothing (lab 04's leak checks)" python3 -c "
import json; r=json.load(open('$broken/out-printf/results.json'))
assert r['score'] == sum(t['max_score'] for t in r['tests']) == 25, [(t['name'], t['output'][:160]) for t in r['tests']]
assert open('$broken/printf/04-bit-arrays/sieve.c').read().count('printf(') == 1"
# Outside bwrap (--sanitize, or a machine without it) the observer removes the /dev/shm names
# a dead subject made from its pid only under its own uid: when the grader gave the subject a
# uid, a segment the student's code leaves is still named as left behind, as under bwrap.
if [ "$(id -u)" -eq 0 ]; then
  mkdir -p "$broken/leaky"; cp -r solutions/03-shm-arrays "$broken/leaky/"
  python3 - "$broken/leaky/03-shm-arrays/shm.c" <<'PY' # sha_create also makes NAME-leak, kept
import sys
src = open(sys.argv[1]).read()
at = src.index("close(fd);", src.index("\nint sha_create("))
leak = ('{ char leak[300]; snprintf(leak, sizeof leak, "%s-leak", name);\n'
        '      int lf = shm_open(leak, O_CREAT | O_RDWR, 0600); if (lf >= 0) close(lf); }\n    ')
open(sys.argv[1], "w").write("#include <stdio.h>\n" + src[:at] + leak + src[at:])
PY
  $COWLAB grade --submission "$broken/leaky" --lab 03 --test create_attach --sanitize \
    --out "$broken/out-leaky" --quiet >/dev/null 2>&1
  check "outside bwrap, a segment the student's code leaves under the subject's name is left behind" python3 -c "
import json; t=json.load(open('$broken/out-leaky/results.json'))['tests'][0]
assert t['score'] == 0 and t['output'].startswith('failed: left behind: /dev/shm/cowlab03-'), t['output'][:300]"
else
  skipped=$((skipped + 1)); echo "  skip  what a subject leaves in /dev/shm outside bwrap: needs root"
fi
# The subjects' interpositions (fork, mmap, madvise) hold for code built with
# _FILE_OFFSET_BITS=64 too, whose mmap is glibc's mmap64: the reference so built scores 100 %.
# (Lab 03 wraps posix_fallocate and mmap, whose ...64 names such code calls.)
for f in solutions/*/*.c; do
  mkdir -p "$(dirname "$broken/off64/${f#solutions/}")"
  { echo '#define _FILE_OFFSET_BITS 64'; cat "$f"; } >"$broken/off64/${f#solutions/}"
done
$COWLAB grade --submission "$broken/off64" --test map_private,refcount_semantics,create_failures \
  --out "$broken/out-off64" --quiet >/dev/null 2>&1
check "the reference built with _FILE_OFFSET_BITS=64 passes the tests that wrap mmap and fallocate" \
  python3 -c "
import json; r=json.load(open('$broken/out-off64/results.json'))
assert r['tests'] and all(t['status'] == 'passed' for t in r['tests']), [(t['name'], t['status']) for t in r['tests']]"
check "a lab folder without any of its files is not built and scores 0" python3 -c "
import json; r=json.load(open('$broken/out-none/results.json'))
assert r['score']==0 and all(t['status']=='failed' for t in r['tests'])
assert 'none of the lab\'s files is in the submission' in r['tests'][0]['output']"
check "a warning scores full marks and is shown, naming the student's file (not the grader's path)" \
  python3 -c "
import json; r=json.load(open('$broken/out-warned/results.json'))
assert r['score'] == sum(t['max_score'] for t in r['tests']) > 0, r['score']
assert 'predict.c:' in r['output'] and 'cowlab_never_used' in r['output'] and '/tmp/' not in r['output'], r['output']"

section "the hygiene test: valgrind's verdict, which the student's code cannot forge"
# A leak in ba_free, and a constructor that writes a clean valgrind report to every descriptor
# the subject may use (4..2047): the XML pipe sits above the client's limit, so the forgery lands
# nowhere and the leak is still found, at the student's line.
hyg=$OUT/hygiene; mkdir -p "$hyg/forged" "$hyg/asks"
cp -r solutions/04-bit-arrays "$hyg/forged/"; cp -r solutions/04-bit-arrays "$hyg/asks/"
python3 - "$hyg/forged/04-bit-arrays/bitarray.c" "$hyg/asks/04-bit-arrays/bitarray.c" <<'PY'
import sys
forged, asks = sys.argv[1], sys.argv[2]
src = open(forged).read()
assert src.count("        free(b->words);") == 1
leaky = src.replace("        free(b->words);", "        (void)0;")
forge = r"""
#include <unistd.h>
__attribute__((constructor)) static void forge(void)
{
    static const char clean[] = "<?xml version=\"1.0\"?>\n<valgrindoutput>\n<status>\n"
        "  <state>FINISHED</state>\n</status>\n</valgrindoutput>\n";
    for (int fd = 4; fd < 2048; fd++)
        (void)!write(fd, clean, sizeof clean - 1);
}
"""
open(forged, "w").write(leaky + forge)
# The same leak, hidden by asking valgrind not to report (a client request).
open(asks, "w").write("#include <valgrind/memcheck.h>\n" + leaky.replace(
    "int ba_new(struct ba *b, size_t nbits)\n{", "int ba_new(struct ba *b, size_t nbits)\n{\n    VALGRIND_DISABLE_ERROR_REPORTING;", 1))
PY
$COWLAB grade --submission "$hyg/forged" --lab 04 --test hygiene,count --out "$hyg/out-forged" --quiet >/dev/null 2>&1
check "a forged clean report on every descriptor changes nothing: the leak in ba_free is found at ba_new's line" python3 -c "
import json; t={x['name']: x for x in json.load(open('$hyg/out-forged/results.json'))['tests']}
h=t['04-bit-arrays/hygiene']; assert h['score'] == 0, h['output'][:400]
assert 'definitely lost' in h['output'] and 'in ba_new (bitarray.c:' in h['output'], h['output'][:600]
assert t['04-bit-arrays/count']['score'] == t['04-bit-arrays/count']['max_score'], t['04-bit-arrays/count']['output'][:300]"
$COWLAB grade --submission "$hyg/asks" --lab 04 --test hygiene --out "$hyg/out-asks" --quiet >/dev/null 2>&1
check "code that talks to valgrind (VALGRIND_DISABLE_ERROR_REPORTING) fails the hygiene test, told why" python3 -c "
import json; h=json.load(open('$hyg/out-asks/results.json'))['tests'][0]
assert h['score'] == 0 and 'talks to valgrind' in h['output'], h['output'][:400]"
# An exec at exit, to run outside valgrind and finish the report by hand (a cheater's trial).
mkdir -p "$hyg/execs/04-bit-arrays"; cp solutions/04-bit-arrays/*.c "$hyg/execs/04-bit-arrays/"
python3 - "$hyg/execs/04-bit-arrays/bitarray.c" <<'PY'
import sys
src = open(sys.argv[1]).read()
cheat = open("tests/grader/hygiene/execs-and-forges.c").read()
at = src.index("\nvoid ba_free(")
open(sys.argv[1], "w").write(src[:at] + "\n" + cheat + src[at:].replace(
    "        free(b->words);", "        cheat_at_exit();", 1))
PY
$COWLAB grade --submission "$hyg/execs" --lab 04 --test hygiene --out "$hyg/out-execs" --quiet >/dev/null 2>&1
check "code that execs at exit to finish valgrind's report by hand fails the hygiene test, told why" python3 -c "
import json; h=json.load(open('$hyg/out-execs/results.json'))['tests'][0]
assert h['score'] == 0 and 'ran another program (exec)' in h['output'], h['output'][:400]"
# A grader whose soft open-files limit is 1024 (a common default): the reference still passes.
(ulimit -Sn 1024; $COWLAB grade --submission solutions --lab 04 --test hygiene --out "$hyg/out-ulimit" --quiet >/dev/null 2>&1)
check "under a soft open-files limit of 1024 the reference passes the hygiene test" python3 -c "
import json; h=json.load(open('$hyg/out-ulimit/results.json'))['tests'][0]
assert h['score'] == 5, h['output'][:400]"
$COWLAB grade --submission labs --lab 04 --test hygiene --out "$hyg/out-stubs" --quiet >/dev/null 2>&1
check "the stubs, which have nothing to leak, do not earn the hygiene points (told why)" python3 -c "
import json; h=json.load(open('$hyg/out-stubs/results.json'))['tests'][0]
assert h['score'] == 0 and 'earned by functions that do their job' in h['output'], h['output'][:400]"
# Without valgrind the test is not gradable here (the machine's, never the student's).
COWLAB_VALGRIND=/nonexistent/valgrind $COWLAB grade --submission solutions --lab 04 --test hygiene \
  --out "$hyg/out-novg" --quiet >/dev/null 2>&1
check "without valgrind the hygiene test is 'not gradable here', its points out of the maximum" python3 -c "
import json; r=json.load(open('$hyg/out-novg/results.json')); h=r['tests'][0]
assert h['max_score'] == 0 and h['output'].startswith('not gradable here: valgrind is not installed'), h
assert 'This is the machine, not your code' in h['output'] and '0/0 points' in r['output'], r['output']"

# valgrind that gives up mid-run (its arm64 JIT assertion, its memory running out) leaves its
# XML document open: the feedback says valgrind stopped, not "does your code call exit?".
cat >"$hyg/valgrind-gives-up" <<'SH'
#!/bin/bash
for a; do case $a in --xml-fd=*) fd=${a#--xml-fd=} ;; esac; done
eval "printf '<?xml version=\"1.0\"?>\n<valgrindoutput>\n<protocolversion>4</protocolversion>\n' >&$fd"
echo "valgrind: the 'impossible' happened (a stand-in)" >&2
exit 1
SH
chmod +x "$hyg/valgrind-gives-up"
COWLAB_VALGRIND="$hyg/valgrind-gives-up" COWLAB_SUBJECT=/bin/true \
  build/labs/04-bit-arrays/lab test hygiene </dev/null \
  >"$hyg/gives-up.out" 2>&1
check "valgrind quitting with its report open is said to be valgrind's doing, not an exit in the student's code" \
  bash -c "grep -q 'valgrind itself gave up' '$hyg/gives-up.out' && ! grep -q 'call exit' '$hyg/gives-up.out'"

# The lean symbol tables the grader's valgrind reads (scripts/lean-debuginfo.sh): libc's keeps
# only the names valgrind can use, and valgrind must replace the same functions as with the
# full files. The comparison itself is shown to fail on a libc file without its names (the
# variants memcheck replaces by name: __strlen_sse2 ... on amd64).
bash tests/harness/lean-symbols.sh build/valgrind-symbols >"$hyg/lean.log" 2>&1; rc=$?
if [ $rc -eq 2 ]; then
  skipped=$((skipped + 1)); echo "  skip  the lean symbols' redirections: $(tail -1 "$hyg/lean.log")"
else
  check "with the lean symbols valgrind replaces the same functions as with the full detached files" \
    bash -c "[ $rc -eq 0 ] || { cat '$hyg/lean.log'; false; }"
  rm -rf "$hyg/lean-bare"; cp -r build/valgrind-symbols "$hyg/lean-bare"
  for f in "$hyg"/lean-bare/.build-id/*/*.debug; do # libc's file, names stripped
    # (awk reads readelf's whole output: grep -q would stop early and pipefail see SIGPIPE)
    if readelf -sW "$f" 2>/dev/null | awk '/ __libc_start_call_main$/ {n++} END {exit !n}'; then
      objcopy --strip-all "$f"
    fi
  done
  bash tests/harness/lean-symbols.sh "$hyg/lean-bare" >"$hyg/lean-bare.log" 2>&1; rc=$?
  check "the redirection comparison fails for a lean libc without its names (a planted fault)" \
    bash -c "[ $rc -eq 1 ] && grep -q '^valgrind.s redirections differ' '$hyg/lean-bare.log'"
fi

section "a folder of submissions, one grades.csv"
many="$OUT/many"; mkdir -p "$many/in"
cp -r solutions "$many/in/alice smith"; cp -r labs "$many/in/bob"; mkdir -p "$many/in/carol"
$COWLAB grade --submissions "$many/in" --out "$many/out" --quiet >"$many/log" 2>&1
check "grade --submissions: one row per submission, scores right, every submission's own reports" \
  python3 -c "
import csv, json, os
rows = list(csv.DictReader(open('$many/out/grades.csv')))
got = [(r['id'], int(r['score']), int(r['max_score'])) for r in rows]
full = got[0][2]
assert got == [('alice smith', full, full), ('bob', 0, full), ('carol', 0, full)], got
for name in ('alice smith', 'bob', 'carol'):
    json.load(open(os.path.join('$many/out', name, 'results.json')))"
if [ "$(id -u)" -eq 0 ]; then
  $COWLAB grade --submissions "$many/in" --out "$many/out2" --jobs 2 --quiet >"$many/log2" 2>&1
  check "grade --submissions --jobs 2: the same grades.csv as one at a time" \
    cmp "$many/out/grades.csv" "$many/out2/grades.csv"
fi

check "grade --submissions: grades.csv has every lab's every test in registry order, cells as the reports say" \
  python3 tests/summary_check.py grades "$many/out"
check "grade --submissions ends with the class summary; summary.csv and the plot agree with the reports" \
  bash -c "grep -q '^class summary' '$many/log' && python3 tests/summary_check.py summary '$many/out'"

refused_intact() { # ARGS...: one line on stderr, exit 2, and $many/out/grades.csv unchanged
  local before err rc
  before=$(md5sum <"$many/out/grades.csv")
  err=$($COWLAB grade "$@" --quiet 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
    [ "$before" = "$(md5sum <"$many/out/grades.csv")" ] && [ ! -e "$many/in/alice smith/out" ]
}
for bad in 0 2x -1 65; do
  check "grade --jobs $bad: refused in one line, grades.csv left whole" \
    refused_intact --submissions "$many/in" --out "$many/out" --jobs "$bad"
done
check "grade --submissions with OUT inside them: refused, nothing written there" \
  refused_intact --submissions "$many/in" --out "$many/in/alice smith/out"
check "grade --submission with OUT inside it: refused" \
  refused_intact --submission "$many/in/alice smith" --out "$many/in/alice smith/out"
check "grade --out whose missing part climbs back into the submissions (..): refused" \
  refused_intact --submissions "$many/in" --out "$many/not yet/../in/x"
check "grade --submissions with an unknown --lab: refused once, grades.csv left whole" \
  refused_intact --submissions "$many/in" --out "$many/out" --lab 99
mkdir -p "$many/none"
check "grade --submissions of a folder with no submission in it: refused, grades.csv left whole" \
  refused_intact --submissions "$many/none" --out "$many/out"
check "grade --submissions of a missing folder: refused" \
  refused_intact --submissions "$many/no such folder" --out "$many/out"

section "make gradescope: lab 01's autograder, end to end in a temporary root"
bash tests/gradescope.sh "$OUT/gradescope" 01 >"$OUT/gradescope.log" 2>&1
if [ -s "$OUT/gradescope/verdicts" ]; then
  while IFS=$'\t' read -r verdict what why; do
    if [ "$verdict" = ok ]; then ok "$what"; else fail "$what" "$(printf '%b' "$why")"; fi
  done <"$OUT/gradescope/verdicts"
  sed 's/^/        /' "$OUT/gradescope/times"
else
  fail "tests/gradescope.sh ran" "$(tail -20 "$OUT/gradescope.log")"
fi

section "the glossary"
glossary_links() { # every chapter links the glossary; every glossary.md#anchor link resolves
  python3 - <<'PY'
import glob, re, sys
ids = set(re.findall(r'<a id="([^"]+)"></a>', open("handbook/glossary.md").read()))
bad = []
for path in sorted(glob.glob("handbook/*.md")) + ["README.md"]:
    text = open(path).read()
    if re.match(r"handbook/(\d\d-.*|README)\.md$", path) and "glossary.md" not in text:
        bad.append(f"{path}: no link to the glossary")
    for anchor in re.findall(r"glossary\.md#([\w-]+)", text):
        if anchor not in ids:
            bad.append(f"{path}: glossary.md#{anchor} is not an anchor of handbook/glossary.md")
print("\n".join(bad)); sys.exit(1 if bad or len(ids) < 20 else 0)
PY
}
check "every chapter links handbook/glossary.md, and every glossary.md#term link has its anchor" glossary_links

killed_grader_swept() { # a grader killed mid-run (kill -9 on its process group) leaves its run
  # folder, with the submission's sources, and (under bwrap) the test's /dev/shm folder; the
  # next grading removes both (no live grader holds the lock), and never what a live grader holds
  local scratch=$PWD/$OUT/swept; rm -rf "$scratch"; mkdir -p "$scratch"
  COWLAB_TMPDIR=$scratch python3 - "$COWLAB" "$scratch" <<'PY' || return 1
import glob, os, signal, subprocess, sys, time
cowlab, scratch = sys.argv[1], sys.argv[2]
isolated = "isolation: bwrap" in subprocess.run(  # the grader says which isolation it has
    [cowlab, "grade", "--submission", "solutions", "--lab", "04", "--test", "count", "--out",
     scratch + "/probe"], capture_output=True, text=True).stdout
p = subprocess.Popen([cowlab, "grade", "--submission", "solutions", "--lab", "01", "--out", scratch + "/out",
                      "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
shm = []
for _ in range(3000):  # until a run folder holds its lock, and (under bwrap) a test its /dev/shm
    if glob.glob(scratch + "/cowlab-run-*/.held") and (
            not isolated or glob.glob(scratch + "/cowlab-run-*/.shm-*")):
        os.killpg(p.pid, signal.SIGSTOP)  # frozen: what is read now is what the kill leaves
        shm = [t for t in (os.readlink(l) for l in glob.glob(scratch + "/cowlab-run-*/.shm-*"))
               if os.path.isdir(t)]
        if not isolated or shm:
            break
        os.killpg(p.pid, signal.SIGCONT)  # between two tests: wait for the next one's folder
    time.sleep(0.01)
os.killpg(p.pid, signal.SIGKILL); p.wait(); time.sleep(0.3)
if not isolated:
    print("no bwrap here: no test had a /dev/shm folder of its own to leave")
left = glob.glob(scratch + "/cowlab-run-*")
assert left, "no run folder was left to sweep (the grading ended first?)"
assert not isolated or shm, "under bwrap, no test's /dev/shm folder was named in the run folder"
assert all(os.path.isdir(d) for d in shm), "the killed grader's /dev/shm folder was gone already"
open(scratch + "/shm-left", "w").write("".join(d + "\n" for d in shm))
PY
  COWLAB_TMPDIR=$scratch $COWLAB grade --submission solutions --lab 04 --test count --out "$scratch/out2" --quiet >/dev/null 2>&1
  [ -z "$(ls -d "$scratch"/cowlab-run-* 2>/dev/null)" ] || { ls -la "$scratch"; return 1; }
  local d; while read -r d; do
    [ -z "$d" ] || [ ! -e "$d" ] || { echo "left behind: $d"; return 1; }
  done <"$scratch/shm-left"
}
check "a run folder (and under bwrap its test's /dev/shm folder) left by a killed grader (kill -9) is removed by the next grading" \
  killed_grader_swept

stale_shm_links_followed_nowhere() { # a stale run folder's .shm-TEST links name /dev/shm folders
  # that anyone may have made since: one is a link to a folder of someone else's, another a
  # folder holding a link to it; the sweep removes the second folder and the links, never the
  # victim's file
  local scratch=$PWD/$OUT/swept-links victim=$PWD/$OUT/swept-victim n=$$
  rm -rf "$scratch" "$victim"; mkdir -p "$scratch/cowlab-run-stale" "$victim/inner"
  echo keep >"$victim/keep.txt"; echo keep >"$victim/inner/keep.txt"
  : >"$scratch/cowlab-run-stale/.held" # nobody holds its lock: stale
  ln -s "/dev/shm/cowlab-shm-t$n-a" "$scratch/cowlab-run-stale/.shm-a"
  ln -s "/dev/shm/cowlab-shm-t$n-b" "$scratch/cowlab-run-stale/.shm-b"
  ln -s "$victim" "/dev/shm/cowlab-shm-t$n-a"
  mkdir "/dev/shm/cowlab-shm-t$n-b"; ln -s "$victim" "/dev/shm/cowlab-shm-t$n-b/to-victim"
  ln -s "$victim/keep.txt" "/dev/shm/cowlab-shm-t$n-b/to-file"
  COWLAB_TMPDIR=$scratch $COWLAB grade --submission solutions --lab 04 --test count \
    --out "$scratch/out" --quiet >/dev/null 2>&1
  local rc=0
  [ -f "$victim/keep.txt" ] && [ -f "$victim/inner/keep.txt" ] || { echo "the victim's files were removed"; rc=1; }
  [ ! -e "/dev/shm/cowlab-shm-t$n-b" ] || { echo "the stale folder was not removed"; rc=1; }
  [ ! -e "$scratch/cowlab-run-stale" ] || { echo "the stale run folder was not removed"; rc=1; }
  rm -rf "/dev/shm/cowlab-shm-t$n-a" "/dev/shm/cowlab-shm-t$n-b"
  return $rc
}
check "a stale run folder's /dev/shm links are swept without following a link (a victim's files stay)" \
  stale_shm_links_followed_nowhere

section "a batch's progress"
progress_line() { # on a terminal: one line rewritten in place, "graded D of N ... left", ended
  # by a newline; in a log: one line per submission
  local d=$OUT/progress; rm -rf "$d"; mkdir -p "$d/in/a" "$d/in/b" "$d/in/c"
  for s in a b c; do cp -r solutions/04-bit-arrays "$d/in/$s/"; done
  script -qec "$COWLAB grade --submissions $d/in --lab 04 --test set_test_clear --jobs 2 --out $d/tty --quiet" \
    /dev/null >"$d/tty.log" 2>&1 || return 1
  $COWLAB grade --submissions "$d/in" --lab 04 --test set_test_clear --jobs 2 --out "$d/log" --quiet \
    >/dev/null 2>"$d/log.err" || return 1
  python3 - "$d/tty.log" "$d/log.err" <<'PY'
import re, sys
tty, log = open(sys.argv[1], "rb").read().decode(), open(sys.argv[2]).read()
frames = re.findall(r"\rgraded (\d) of 3 \((\d) grading now\), \d+s so far(, about \d+s left)?\x1b\[K", tty)
assert [f[0] for f in frames] == ["1", "2", "3"], frames
assert frames[0][2] and not frames[2][2], frames  # a time left until the end
assert "graded 3 of 3 (0 grading now)" in tty and "== a (1/3)" not in tty, tty
lines = re.findall(r"^   graded (\d) of 3 ", log, re.M)
assert lines == ["1", "2", "3"] and "\r" not in log and "== a (1/3)" in log, log
PY
}
check "a batch shows its progress: in place on a terminal (done of total, time left), a line each in a log" progress_line
pinned_graders() { # with --jobs as many as the CPUs we may use (2 or more), each grader runs
  # pinned to one CPU, as the kernel says (its log line): two submissions started together
  # get two different CPUs. COWLAB_PIN=0 and --jobs 1 leave them free.
  local d=$OUT/progress cpus
  cpus=$(python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
  if [ "$cpus" -ge 2 ] && [ "$cpus" -le 64 ]; then
    $COWLAB grade --submissions "$d/in" --lab 04 --test set_test_clear --jobs "$cpus" \
      --out "$d/pinned" --quiet >/dev/null 2>"$d/pinned.err" || return 1
    grep -q "^graders pinned, one to each of CPUs " "$d/pinned.err" || return 1
    python3 - "$d/pinned.err" <<'PY' || return 1
import re, sys
log = open(sys.argv[1]).read()
on = dict(re.findall(r"^== ([abc]) \(\d/3\) on CPU (\d+)$", log, re.M))
assert sorted(on) == ["a", "b", "c"], log
assert on["a"] != on["b"], log  # started together, in two slots
PY
  fi
  COWLAB_PIN=0 $COWLAB grade --submissions "$d/in" --lab 04 --test set_test_clear --jobs 2 \
    --out "$d/free" --quiet >/dev/null 2>"$d/free.err" || return 1
  $COWLAB grade --submissions "$d/in" --lab 04 --test set_test_clear --jobs 1 \
    --out "$d/one" --quiet >/dev/null 2>"$d/one.err" || return 1
  ! grep -q "pinned\|on CPU" "$d/free.err" "$d/one.err"
}
check "a batch with --jobs as many as the CPUs pins each grader to a CPU of its own (by the kernel's account); COWLAB_PIN=0 or --jobs 1 leaves them free" pinned_graders

section "class summary, regrading, roster"
# Four submissions of lab 04 (the cheapest to grade): the reference, the stubs, one that does
# not compile, one with a planted bug; a roster that names two of them and one who submitted
# nothing. Every expected value is computed by tests/summary_check.py from the reports.
cls="$OUT/class"; mkdir -p "$cls/in/ref" "$cls/in/stub" "$cls/in/cerr/04-bit-arrays" "$cls/in/wrong"
t_class=$(date +%s%N)
cp -r solutions/04-bit-arrays "$cls/in/ref/"; cp -r labs/04-bit-arrays "$cls/in/stub/"
cp -r solutions/04-bit-arrays "$cls/in/wrong/"
for f in solutions/04-bit-arrays/*.c; do
  { cat "$f"; echo 'this is not C;'; } >"$cls/in/cerr/04-bit-arrays/$(basename "$f")"; done
for bug in tests/bugs/04-bit-arrays/*.patch; do # the first planted bug that applies
  bash tests/plant.sh "$bug" "$cls/in/wrong/04-bit-arrays" 2>/dev/null && break; done
printf 'Id, NAME ,EMail\n' >"$cls/roster.csv" # liberal in the header's case and spaces
printf 'ref,"Erin ""Ref"" Smith, Jr.",erin@example.org\nstub,Stu B,\nzed,Zed Absent,zed@example.org\n' \
  >>"$cls/roster.csv"
$COWLAB grade --submissions "$cls/in" --lab 04 --roster "$cls/roster.csv" --out "$cls/out" \
  --jobs 2 --quiet >"$cls/log" 2>&1
check "grades.csv with --roster: id, name, email, status, every test, totals; a row per folder and roster id" \
  python3 tests/summary_check.py grades "$cls/out" --roster "$cls/roster.csv"
check "the summary: histogram, pass rates, most common failure per test, labs not built, roster gaps; PNG, SVG" \
  python3 tests/summary_check.py summary "$cls/out"
check "the summary's table names the lab not built, who submitted nothing, who is not in the roster" \
  bash -c "grep -A1 '^labs not built (1)' '$cls/log' | grep -q '^  cerr  04-bit-arrays: ' &&
    grep -A1 '^no submission (in the roster) (1)' '$cls/log' | grep -qx '  zed' &&
    grep -A2 '^submissions not in the roster (2)' '$cls/log' | tr '\n' ' ' | grep -q '  cerr   wrong'"
# Without the reference, some test is failed by every gradable submission: a finding, in the
# table and the CSV (cowlab summary reads any batch folder: this one holds three of the four).
mkdir -p "$cls/hard"; cp -r "$cls/out/stub" "$cls/out/cerr" "$cls/out/wrong" "$cls/hard/"
grep -vE '^(ref|zed),' "$cls/out/grades.csv" >"$cls/hard/grades.csv"
$COWLAB summary "$cls/hard" >"$cls/hard.log" 2>&1
check "a test failed by >= 90 % of gradable submissions is a finding: 'the machine or the test'" \
  bash -c "python3 tests/summary_check.py summary '$cls/hard' --finding &&
    python3 -c \"
import csv, re, sys
flagged = [r['name'] for r in csv.DictReader(open('$cls/hard/summary.csv')) if r['finding'] == 'yes']
log = open('$cls/hard.log').read()
told = re.findall(r'^finding: (\\S+) failed by \\d+ of \\d+ gradable submissions: the cause may be the machine or the test', log, re.M)
sys.exit(0 if flagged and told == flagged else 1)\""
check "summary of a batch whose feedback holds quotes, commas, line breaks, escapes, control bytes" \
  python3 tests/summary_check.py hostile "$cls/hostile" $COWLAB
# --test is not a grade: refused into a batch holding grades.csv, written apart otherwise. On a
# machine without pagemap bit 56 (COWLAB_PROBE_FORGET), flags_shared is not gradable here.
check "grade --test into a batch holding grades.csv: refused in one line, grades.csv byte-identical" \
  bash -c "b=\$(md5sum <'$cls/out/grades.csv'); err=\$($COWLAB grade --submissions '$cls/in' --lab 04 \
    --test count --out '$cls/out' --quiet 2>&1 >/dev/null); [ \$? -eq 2 ] && [[ \$err == *'partial'* ]] &&
    [ \$(printf '%s\n' \"\$err\" | wc -l) -eq 1 ] && [ \"\$b\" = \"\$(md5sum <'$cls/out/grades.csv')\" ]"
check "grade --only with --test: refused, grades.csv byte-identical" \
  bash -c "b=\$(md5sum <'$cls/out/grades.csv'); $COWLAB grade --submissions '$cls/in' --lab 04 --only wrong \
    --test count --out '$cls/out' --quiet >/dev/null 2>&1; [ \$? -eq 2 ] && [ \"\$b\" = \"\$(md5sum <'$cls/out/grades.csv')\" ]"
check "grade --only into a batch of lab 04 without --lab (every lab): refused, naming --lab 04; grades.csv byte-identical" \
  bash -c "b=\$(md5sum <'$cls/out/grades.csv'); err=\$($COWLAB grade --submissions '$cls/in' --only wrong \
    --out '$cls/out' --quiet 2>&1 >/dev/null); [ \$? -eq 2 ] && [[ \$err == *'regrade with --lab 04'* ]] &&
    [ \"\$b\" = \"\$(md5sum <'$cls/out/grades.csv')\" ]"
COWLAB_PROBE_FORGET=pagemap_bit56 $COWLAB grade --submissions "$cls/in" --lab 04 --test count,flags_shared \
  --out "$cls/partial" --jobs 2 --quiet >"$cls/partial.log" 2>&1
check "grade --test: rows in grades-partial.csv marked partial, no grades.csv" \
  bash -c "[ ! -e '$cls/partial/grades.csv' ] && python3 tests/summary_check.py grades '$cls/partial' --partial"
check "summary of a --test batch: a test not gradable here is said so, never counted as failed" \
  bash -c "python3 tests/summary_check.py summary '$cls/partial' && grep -q '(a --test batch' '$cls/partial.log' &&
    grep -qE '^  04-bit-arrays/flags_shared +not gradable here \(4\)' '$cls/partial.log' &&
    ! grep -q '^finding: 04-bit-arrays/flags_shared' '$cls/partial.log'"
n_bad=0
for bad in 'id,name\nx,X\n' 'id,name,email,phone\nx,X,x@h,1\n' 'id,name,email\nx,X,not-an-email\n' \
  'id,name,email\nx,X,\nx,Y,\n' 'id,name,email\n../x,X,\n' 'id,name,email\nx,,\n' 'id,name,email\nx,X\n'; do
  printf "$bad" >"$cls/bad-roster.csv"; never="$cls/never-$((++n_bad))"
  check "a roster breaking a rule is refused in one line naming it ($(printf "$bad" | tail -1))" \
    bash -c "err=\$($COWLAB grade --submissions '$cls/in' --lab 04 --roster '$cls/bad-roster.csv' \
      --out '$never' --quiet 2>&1 >/dev/null); [ \$? -eq 2 ] && [[ \$err == 'cowlab: roster '*': '* ]] &&
      [ \$(printf '%s\n' \"\$err\" | wc -l) -eq 1 ] && [ ! -e '$never' ]"
done
# Regrade one submission after fixing its file: its row alone changes, in place.
cp "$cls/out/grades.csv" "$cls/grades.before"; cp "$cls/out/summary.csv" "$cls/summary.before"
cp solutions/04-bit-arrays/*.c "$cls/in/wrong/04-bit-arrays/"
$COWLAB grade --submissions "$cls/in" --lab 04 --only wrong --out "$cls/out" --quiet >"$cls/regrade.log" 2>&1
check "grade --only wrong: that row alone changed, to what its new reports say; the summary redone" \
  bash -c "python3 -c \"
import sys
old, new = open('$cls/grades.before').read().splitlines(), open('$cls/out/grades.csv').read().splitlines()
changed = [o.split(',')[0] for o, n in zip(old, new) if o != n]
sys.exit(0 if len(old) == len(new) and changed == ['wrong'] else 1)\" &&
    python3 tests/summary_check.py grades '$cls/out' --roster '$cls/roster.csv' &&
    python3 tests/summary_check.py summary '$cls/out' && ! cmp -s '$cls/summary.before' '$cls/out/summary.csv' &&
    grep -q '^class summary' '$cls/regrade.log'"
echo "  (this section took $(( ($(date +%s%N) - t_class) / 1000000 )) ms)"

section "handbook points tables match tests.def"
for lab in $labs; do
  table=$(sed -n "/<!-- points:$lab/,/<!-- \/points -->/p" "handbook/$lab.md" | sed '1d;$d')
  check "handbook/$lab.md shows the points table of labs/$lab/tests.def" \
    test "$table" = "$($COWLAB list "$lab" --markdown)"
done

section "reference solutions score 100 %"
# The reference and the stubs were graded, every lab, in the folder of submissions above
# ("alice smith" is a copy of solutions/, "bob" of labs/): their reports are read here.
ref_out="$many/out/alice smith" stubs_out="$many/out/bob"
for lab in $labs; do
  check "$lab: solutions score full marks" \
    python3 tests/report_check.py "$ref_out" --lab "$lab" --expect full
done
check "results.json follows Gradescope's schema; junit.xml parses; grades.csv has one row" \
  python3 tests/report_check.py "$ref_out" --schema

# Without root the grader runs everything as you (no fresh uid): the reference must still
# score full marks (the observer probes before it makes itself non-dumpable; the subject
# runs in bwrap's view made by an unprivileged user namespace).
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  nobody="setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent"
  if $nobody test -x build/labs/01-fork-cow/lab -a -r solutions/01-fork-cow/predict.c; then
    mkdir -p "$OUT/nobody" && chown 65534:65534 "$OUT/nobody"
    $nobody COWLAB_TMPDIR="$PWD/$OUT/nobody" $COWLAB grade --submission solutions \
      --out "$OUT/nobody/out" --quiet >"$OUT/nobody.log" 2>&1
    for lab in $labs; do
      check "$lab: solutions score full marks when graded without root" \
        python3 tests/report_check.py "$OUT/nobody/out" --lab "$lab" --expect full
    done
    # Without root and without bwrap the subject is the grader's uid, in a folder of the run
    # folder: a probe handed down there could be rewritten between two tests. This one tries
    # (its constructor flips the saved zero_page fact, 16 + 72 bytes in); the zero page tests
    # must not notice.
    forger=$OUT/nobody/forger; mkdir -p "$forger"; cp -r solutions/01-fork-cow "$forger/"
    cat >>"$forger/01-fork-cow/predict.c" <<'C'

#include <stdio.h>
__attribute__((constructor)) static void forge_the_probe(void)
{
    FILE *f = fopen("../probe", "r+b");
    int fact;
    if (f && fseek(f, 88, SEEK_SET) == 0 && fread(&fact, sizeof fact, 1, f) == 1) {
        fact = !fact;
        fseek(f, 88, SEEK_SET);
        fwrite(&fact, sizeof fact, 1, f);
    }
    if (f)
        fclose(f);
}
C
    chown -R 65534:65534 "$forger"
    $nobody COWLAB_TMPDIR="$PWD/$OUT/nobody" COWLAB_ISOLATION=off $COWLAB grade \
      --submission "$forger" --lab 01 --test zero_page,page_map --out "$OUT/nobody/forged" \
      --quiet >"$OUT/nobody-forged.log" 2>&1
    check "without root or bwrap, a subject that rewrites ../probe changes no verdict (zero_page, page_map pass)" \
      python3 -c "
import json
tests = {t['name']: t['score'] for t in json.load(open('$OUT/nobody/forged/results.json'))['tests']}
assert tests.get('01-fork-cow/zero_page') == 10 and tests.get('01-fork-cow/page_map') == 5, tests"
  else
    skipped=$((skipped + 1)); printf '  skip  grading without root: uid 65534 cannot reach the kit here\n'
  fi
fi

section "stubs build and score 0"
for lab in $labs; do
  check "$lab: stubs compile" python3 tests/report_check.py "$stubs_out" --lab "$lab" --expect built
  check "$lab: stubs fail every test" python3 tests/report_check.py "$stubs_out" --lab "$lab" --expect zero
done

section "the grading services' formats (Gradescope, PrairieLearn, Autolab) and visibility"
# Every --schema check reads results.json, junit.xml, grades.csv, prairielearn.json and
# autolab.txt against the services' documented schemas and one another, and looks for the
# feedback of tests that are not visible in what a student sees (tests/report_check.py).
check "the labs' stubs (failing): every format follows its service's schema, the same verdicts" \
  python3 tests/report_check.py "$stubs_out" --schema --expect-gradable yes
check "lab 01 with predict.c not compiling (partly built): the same, and gradable" \
  python3 tests/report_check.py "$broken/out-syntax" --schema --expect-gradable yes
check "lab 01 with none of its files (nothing built): the same, and PrairieLearn's gradable is false" \
  python3 tests/report_check.py "$broken/out-none" --schema --expect-gradable no
check_job "the formats fixture lab builds, and its five submissions are graded" formats
fo=$OUT/formats/out
check "fixture, passing: every format follows its schema, the same verdicts, full marks" bash -c "
  python3 tests/report_check.py '$fo/pass' --schema --expect-gradable yes &&
  python3 tests/report_check.py '$fo/pass' --lab 00-formats --expect full"
check "fixture, failing: the same, and no feedback of a test that is not visible reaches a student" \
  bash -c "python3 tests/report_check.py '$fo/fail' --schema --expect-withheld &&
  python3 tests/report_check.py '$fo/fail' --lab 00-formats --expect zero"
check "fixture, partly built: the same, and gradable" bash -c "
  python3 tests/report_check.py '$fo/partial' --schema --expect-gradable yes &&
  python3 tests/report_check.py '$fo/partial' --lab 00-formats --expect built"
check "fixture, no files: the same, and PrairieLearn's gradable is false" \
  python3 tests/report_check.py "$fo/none" --schema --expect-gradable no
check "fixture, huge feedback: prairielearn.json and autolab.txt cut under 1 MB, valid JSON and UTF-8" \
  python3 tests/report_check.py "$fo/noisy" --schema --expect-cut
check "results.json carries tests.def's visibility; cowlab list --markdown marks the tests not visible" \
  python3 tests/report_check.py "$fo/fail" --registry tests/grader/formats/00-formats/tests.def \
  --markdown "$OUT/formats/points.md"

# A crash's feedback says how to see where, with gdb, in the student's own checkout (make
# check LAB=01 TEST=T GDB=1, i.e. cowlab check --gdb); that command, run on the crashing planted
# bug (graded just before, in SUB), prints the student's function, file and line.
crash_blames_parent() { # OUT (the grading of planted bug spawn-frees-copy-twice)
  # The parent aborts in cow_spawn (a double free) after its workers have called cow_read or
  # cow_unmap: every crashed test must name cow_spawn in the parent, not a worker's function.
  check "a parent's abort is blamed on its own function (cow_spawn), not on a worker's, in all 7 tests" \
    python3 tests/report_check.py "$1" --lab 01-fork-cow --expect-said \
    "crashed: cow_spawn, in the parent: killed by SIGABRT" \
    spawn zero_page shared_after_fork child_writes first_writer sibling_exit page_map
}
gdb_reproduces() { # SUB (a submission folder) OUT (its grading's output folder)
  local sub=$1 out=$2 t=shared_after_fork
  check "a crash's feedback gives the command that shows where: make check LAB=01 TEST=$t GDB=1" \
    grep -q "make check LAB=01 TEST=$t GDB=1" "$out/results.json"
  check "make check passes TEST and GDB on to cowlab check --test T --gdb" bash -c "
    make -n check LAB=01 TEST=$t GDB=1 | grep -q \"check 01 --test '$t' --gdb\$\""
  if [ ! -x /usr/bin/gdb ]; then
    skipped=$((skipped + 1)); echo "  skip  cowlab check --gdb shows the crash: needs gdb"; return
  fi
  $COWLAB check 01 --dir "$sub" --test $t --gdb >"$sub.gdb.log" 2>&1
  check "cowlab check --gdb on a crash: gdb's backtrace names cow_fill, experiment.c:41 and its source line" \
    bash -c "grep -q '^#0 .* in cow_fill (.*) at .*/01-fork-cow/experiment.c:41\$' '$sub.gdb.log' &&
      grep -q '^41[[:space:]]*p\[i \* page_bytes()\] = 1;\$' '$sub.gdb.log' &&
      grep -q 'crashed: cow_fill, in the parent: killed by SIGSEGV' '$sub.gdb.log'"
}

gdb_skips_deliberate_faults() { # SUB: lab 04's sieve test makes SIGSEGVs on purpose (the watched
  # sieve, the race page); under --gdb they are left out, so gdb's backtrace is the real crash
  local sub=$1
  [ -x /usr/bin/gdb ] || { skipped=$((skipped + 1)); echo "  skip  lab 04 under --gdb: needs gdb"; return; }
  $COWLAB check 04 --dir "$sub" --test sieve --gdb >"$sub.gdb.log" 2>&1
  check "cowlab check --gdb, lab 04's sieve with a NULL dereference after a failed malloc: the backtrace is that crash, not a fault the test made on purpose" \
    bash -c "grep -qE '^#[0-9]+ .*ba_sieve_range \(.*/sieve\.c:[0-9]+\$' '$sub.gdb.log' &&
      grep -q 'in bt_cmd_sieve_range' '$sub.gdb.log' && ! grep -q 'bt_cmd_sieve_watched' '$sub.gdb.log'"
}

section "the labs build for arm64 too"
# make kernels builds every lab for its arm64 guest with the kit's warnings as errors: code under
# #if defined(__x86_64__) can leave a variable unused there. When the cross compiler is here
# (make deps KERNELS=1), the same warnings on every lab file now (about 20 s), not an hour later.
# CI installs it after make test (.ci/run): there make kernels' arm64 build is the check.
arm64_compiles() {
  local f lab flags; flags=$(make -s --no-print-directory print-cflags-base)
  for f in labs/*/subject/*.c labs/*/common/*.c labs/*/observer/*.c solutions/*/*.c harness/*.c; do
    lab=labs/$(cut -d/ -f2 <<<"$f") # its lab's folder (tests.def) and common/ (protocol.h)
    aarch64-linux-gnu-gcc $flags -idirafter /usr/include -I"$lab" -I"$lab/common" \
      -c -o /dev/null "$f" || { echo "in $f"; return 1; } # -O2's warnings too (-Wformat-overflow)
  done
}
if command -v aarch64-linux-gnu-gcc >/dev/null; then
  check "every lab, solution and harness file compiles for arm64 with the kit's warnings as errors" \
    arm64_compiles
else
  skipped=$((skipped + 1)); echo "  skip  arm64 compile: no aarch64-linux-gnu-gcc (make deps KERNELS=1)"
fi

section "planted bugs are caught"
# grade_bugs graded them in the background since the top, each on the tests its Catches: line
# names: it must build and fail every one of them (a check that cannot fail is a defect). That
# it fails no other test (a test failing for another test's subject, or a Catches: line that
# says less than the truth) is make kernels' to prove: its native cell runs every planted bug on
# every test of its lab (tests/kernels/build.sh, plan-exact.tsv).
for lab in $labs; do
  bugs=(tests/bugs/$lab/*.patch)
  [ -e "${bugs[0]}" ] || { fail "$lab has planted bugs"; continue; }
  finish "bugs-$lab"
  named=""; checks=$OUT/bugs/$lab.checks; : >"$checks"
  for bug in "${bugs[@]}"; do # one report_check run for the lab: a line of arguments per bug
    name=$(basename "$bug" .patch); dir=$OUT/bugs/$lab
    read -ra args <<<"$dir/out/$name --lab $lab --expect-failed $(sed -n 's/^Catches: //p' "$bug")"
    [ -e "$dir/$name.unpatched" ] || (IFS=$'\t'; echo "${args[*]}") >>"$checks"
  done
  python3 tests/report_check.py --each "$checks" >"$checks.verdicts"
  exec 3<"$checks.verdicts"
  for bug in "${bugs[@]}"; do
    name=$(basename "$bug" .patch); dir=$OUT/bugs/$lab
    catches=$(sed -n 's/^Catches: //p' "$bug")
    named="$named $catches"
    if [ -e "$dir/$name.unpatched" ]; then
      fail "$lab/$name: patch applies exactly" "$(cat "$dir/$name.patch.log")"; continue
    fi
    IFS=$'\t' read -r verdict why <&3
    if [ "$verdict" = ok ]; then ok "$lab/$name fails every test it names: $catches"
    else fail "$lab/$name fails every test it names: $catches" "$(printf '%b' "${why:-no verdict}")"; fi
  done
  exec 3<&-
  [ "$lab" = 01-fork-cow ] &&
    gdb_reproduces "$OUT/bugs/$lab/in/fill-crashes" "$OUT/bugs/$lab/out/fill-crashes"
  [ "$lab" = 01-fork-cow ] && crash_blames_parent "$OUT/bugs/$lab/out/spawn-frees-copy-twice"
  [ "$lab" = 04-bit-arrays ] && gdb_skips_deliberate_faults "$OUT/bugs/$lab/in/sieve-nomem-unchecked"
  for t in $($COWLAB list "$lab" | awk '{print $1}'); do
    if [[ " $named " == *" $t "* ]]; then ok "$lab/$t is proven by a planted bug"
    else fail "$lab/$t is proven by a planted bug" "no tests/bugs/$lab/*.patch names it in Catches:"; fi
  done
done
check "every equivalent mutant a registry explains is a mutant of the current solutions" \
  python3 tests/mutants.py --stale
sub=$OUT/test-option; mkdir -p "$sub/01-fork-cow"; cp solutions/01-fork-cow/* "$sub/01-fork-cow/"
$COWLAB grade --submission "$sub" --lab 01 --test spawn,predict_pss --out "$sub.out" --quiet \
  >"$sub.log" 2>&1
check "grade --test A,B grades those tests and no other (lab 01's reference: spawn,predict_pss)" \
  python3 tests/report_check.py "$sub.out" --lab 01-fork-cow --expect-tests spawn predict_pss

section "make kernels grades in every cell"
check "judge.sh: a failing reference, a passing stub or bug, a missing result each fail the matrix" \
  bash tests/kernels/judge-test.sh
check "a cell's run that differs sends what it read from /proc, kept beside its CSV; an exact run sends none" \
  bash tests/kernels/snap-test.sh

section "the simulation against real CPython (lab 02)"
if command -v python3 >/dev/null; then
  # The experiments `cowlab plot 02` ran (started after run 01): its log has the run's table,
  # and the results CSV is build/results/02-refcount.csv.
  finish plot-02-refcount
  check "lab 02's experiments: every measured row equals the model" grep -q ", 0 differ" "$OUT/plot-02-refcount.log"
  check "calibration: at least 4 scenarios within +-5 % of real CPython" \
    python3 labs/02-refcount/observer/calibrate.py build/results/02-refcount.csv "$OUT/02-refcount-calibration.csv"
  sed -n '/^CPython/,/^calibration/p' "$OUT/last.log" | sed 's/^/        /'
else
  skipped=$((skipped + 1)); echo "  skip  calibration: python3 is not installed"
fi

section "plots"
if command -v gnuplot >/dev/null; then
  for lab in $labs; do
    finish "plot-$lab" # started after run 01
    check "$lab: every plots/$lab-*.gp draws a PNG and an SVG" bash -c '
      for gp in plots/'"$lab"'-*.gp; do stem='"$OUT"'/plots/$(basename "$gp" .gp)
        [ -s "$stem.png" ] && [ -s "$stem.svg" ] || exit 1; done'
    check "$lab: the SVGs carry measured series" bash -c '
      for svg in '"$OUT"'/plots/'"$lab"'-*.svg; do grep -q "measured" "$svg" || exit 1; done'
  done
  if [ -f labs/02-refcount/observer/calibrate.py ] && command -v python3 >/dev/null; then
    check "plot 02 runs lab 02's calibration against CPython (labs/02-refcount/observer/calibrate.py)" \
      grep -q '^calibration: ' "$OUT/plot-02-refcount.log"
  fi
  redraw_twice() { # lab: its first figure, drawn twice from the same results, same bytes
    local gp; gp=$(ls plots/"$1"-*.gp | head -1)
    gnuplot -d -c "$gp" "build/results/$1.csv" "$OUT/redraw-a.png" png &&
      gnuplot -d -c "$gp" "build/results/$1.csv" "$OUT/redraw-b.png" png &&
      cmp "$OUT/redraw-a.png" "$OUT/redraw-b.png"
  }
  for lab in $labs; do
    check "$lab: a figure redrawn from the same results is byte-identical" redraw_twice "$lab"
  done
  stale_plot() { # a plot whose build fails draws nothing: never the last run's results
    mkdir -p "$OUT/stale/01-fork-cow"; cp labs/01-fork-cow/*.c "$OUT/stale/01-fork-cow/"
    echo 'this is not C;' >>"$OUT/stale/01-fork-cow/experiment.c"
    echo 'this is not C;' >>"$OUT/stale/01-fork-cow/predict.c"
    mkdir -p build/results/mine # a run's results are there to be misused
    cp build/results/01-fork-cow.csv build/results/mine/01-fork-cow.csv || return 1
    ! $COWLAB plot 01 --dir "$OUT/stale" --out "$OUT/stale-plots" >"$OUT/stale.log" 2>&1 &&
      [ ! -e "$OUT/stale-plots/01-fork-cow-pss.svg" ] && [ ! -s build/results/mine/01-fork-cow.csv ]
  }
  check "a plot whose build fails draws nothing and leaves no stale results" stale_plot
  whose_plots() { # a plot of anyone's code but the kit's solutions goes to build/plots/mine/ and
    # build/results/mine/ (never over the reference figures), and every figure says whose code
    local ref=build/plots/01-fork-cow-pss.svg before svg
    before=$(cat "$ref" 2>/dev/null | md5sum)
    $COWLAB plot 01 --dir "$OUT/crash" >"$OUT/whose.log" 2>&1 # crashes in cow_read: rc 1
    [ -s build/plots/mine/01-fork-cow-pss.svg ] && [ "$(cat "$ref" 2>/dev/null | md5sum)" = "$before" ] &&
      grep -q "plot: $PWD/build/plots/mine/01-fork-cow-pss.png" "$OUT/whose.log" || return 1
    for svg in build/plots/mine/01-fork-cow-*.svg "$OUT"/crash-plots/01-fork-cow-*.svg; do
      grep -q "measured with the code in $OUT/crash" "$svg" || { echo "$svg: whose?"; return 1; }
    done
    for svg in "$OUT"/plots/*.svg; do
      grep -q "measured with the reference solutions" "$svg" || { echo "$svg: whose?"; return 1; }
    done
  }
  check "a student's plots go to build/plots/mine/, never over the reference figures; each says whose code" whose_plots
else
  skipped=$((skipped + 1)); echo "  skip  plots: gnuplot is not installed"
fi

section "grader isolation"
finish hostile # tests/grader/run.sh, started at the top
[ -s "$OUT/hostile/verdicts" ] || fail "grader isolation tests ran" "$(tail -20 "$OUT/hostile.log")"
[ -s "$OUT/hostile/verdicts" ] && while read -r verdict what; do
  case $verdict in
    ok) ok "$what" ;;
    skip) skipped=$((skipped + 1)); printf '  skip  %s\n' "$what" ;;
    *) fail "$what" ;;
  esac
done <"$OUT/hostile/verdicts"
# The students' tree (tests/handout.sh): it builds a copy of the kit, so it starts only now that
# the timed hostile tests are done, and runs beside the CPython set below (neither is timed).
start handout bash tests/handout.sh "$OUT/handout"

# Lab 05's scenario in real CPython (Debian's python3, with python3-numpy and python3-bitarray),
# its quick set, last and alone: ~80 interpreters start (NumPy each), a load that starved the
# timed hostile tests when it ran beside them.
section "lab 05's scenario in real CPython"
if /usr/bin/python3 -c 'import numpy, bitarray' 2>/dev/null; then
  start cpython-05 /usr/bin/python3 labs/05-capstone/observer/cpython.py --quick
  check_job "fork, fork + gc.freeze, forkserver and shared_memory + NumPy: every modelled row within +-5 % of the data" cpython-05
  sed -n '/^strategy /,/^calibration/p' "$OUT/cpython-05.log" | sed 's/^/        /'
else
  skipped=$((skipped + 1)); echo "  skip  lab 05's calibration: /usr/bin/python3 lacks numpy or bitarray (make deps)"
fi

section "the students' handout (make handout)"
finish handout
grep -q '^handout: [0-9]* passed' "$OUT/handout.log" || fail "tests/handout.sh ran to the end" "$(tail -20 "$OUT/handout.log")"
while IFS= read -r line; do
  case $line in
    "  ok    "*) ok "${line#  ok    }" ;;
    "  FAIL  "*) fail "${line#  FAIL  }" ;;
    "        "*) printf '%s\n' "$line" ;; # a failure's details
  esac
done <"$OUT/handout.log"

section "the same code, the same rows: every run, every grading"
check_job "every lab's reference experiments, 5 runs with address-space randomisation and 1 without (setarch -R): 0 rows differ in every run (tests/repeat.sh; a run that differs keeps its snapshots in build/test/repeat/flakes)" repeat
grep '^repeat: ' "$OUT/repeat.log" | sed 's/^/        /'
same_twenty() { # the reference graded 20 times in one batch, --jobs 2, beside a CPU-bound process
  local dir=$OUT/same20 i hog rc jobs=1
  [ "$(id -u)" -eq 0 ] && jobs=2 # each grading its own uid: root only
  rm -rf "$dir"; mkdir -p "$dir/in"
  for i in $(seq -w 1 20); do cp -r solutions "$dir/in/s$i"; done
  ( while :; do :; done ) & hog=$!
  $COWLAB grade --submissions "$dir/in" --jobs $jobs --out "$dir/out" --quiet >"$dir/log" 2>&1; rc=$?
  kill $hog; wait $hog 2>/dev/null
  [ $rc -eq 0 ] || { tail -5 "$dir/log"; return 1; }
  python3 - "$dir/out/grades.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
head, body = rows[0], rows[1:]
assert len(body) == 20, f"{len(body)} rows, not 20"
cells = {tuple(r[1:]) for r in body}
if len(cells) != 1:
    first = body[0]
    for r in body[1:]:
        diff = [f"{head[i]}: {first[i]} / {r[i]}" for i in range(1, len(head)) if r[i] != first[i]]
        if diff:
            print(f"{r[0]} differs from {first[0]}: " + "; ".join(diff[:6]))
    sys.exit(1)
print(f"20 rows, byte-identical after the id: {','.join(body[0][1:4])}...")
PY
}
check "the same submission graded 20 times (--jobs 2 as root, beside a CPU-bound process): 20 byte-identical grades.csv rows" same_twenty

wait # every job started at the top has been reported; nothing of ours outlives make test
echo
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"
else echo "$passed passed, $failed failed"; fi
[ "$failed" -eq 0 ]
