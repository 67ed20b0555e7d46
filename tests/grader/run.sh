#!/usr/bin/env bash
# tests/grader/run.sh OUT — grade the hostile "lab" and check that the grader survived it:
# every test failed with the right verdict, in bounded time, nothing left running, nothing
# left in /dev/shm or in its scratch folder. Writes OUT/verdicts: one "ok|fail WHAT" line per
# check. Its checks look only at what this grading started (its own scratch folder, OUT/scratch,
# through COWLAB_TMPDIR, and the objects its report names), so another grading on the machine
# cannot fail them.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build/test/hostile}
rm -rf "$OUT"; mkdir -p "$OUT"
V="$OUT/verdicts"; : >"$V"
verdict() { if eval "$2"; then echo "ok $1" >>"$V"; else echo "fail $1" >>"$V"; fi; }

if [ "$(id -u)" -ne 0 ]; then
  # Without root the tests run under your own uid, and the hostile ones would signal your
  # own processes (kill(-1) included): the isolation they prove needs a fresh uid.
  echo "skip grader isolation needs root (tests run under fresh uids); run make test as root" >>"$V"
  exit 0
fi
make -s build/labs/00-hostile/lab build/labs/00-hostile/subject-kit.o LABS_DIR=tests/grader >"$OUT/build.log" 2>&1 ||
  { echo "fail the hostile lab's observer builds" >>"$V"; cat "$OUT/build.log"; exit 0; }
scratch=$(cd "$OUT" && pwd)/scratch
mkdir -p "$scratch"
export COWLAB_TMPDIR=$scratch
start=$(date +%s)
timeout 180 build/bin/cowlab grade --labs-dir tests/grader --submission tests/grader/submission \
  --out "$OUT/out" --quiet >"$OUT/grade.log" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
sleep 0.2

verdict "grader finished (exit $rc) in ${elapsed}s, under 90 s" "[ $rc -eq 0 ] && [ $elapsed -lt 90 ]"
J="$OUT/out/results.json"
# One reading of the report for the checks below: each test's status and the first line of its
# feedback (OUT/status.tsv), each test's whole feedback (OUT/feedback/NAME), and the length of
# the longest feedback (OUT/longest).
python3 - "$J" "$OUT" <<'PY' 2>/dev/null
import json, os, sys
tests = {t["name"].split("/")[1]: t for t in json.load(open(sys.argv[1]))["tests"]}
os.makedirs(sys.argv[2] + "/feedback", exist_ok=True)
with open(sys.argv[2] + "/status.tsv", "w", encoding="utf-8", errors="backslashreplace") as f:
    for name, t in tests.items():
        print(f"{name}\t{t['status']} {t['output'].split(chr(10))[0]}", file=f)
        with open(f"{sys.argv[2]}/feedback/{name}", "w", encoding="utf-8",
                  errors="backslashreplace") as g:
            g.write(t["output"])
with open(sys.argv[2] + "/longest", "w") as f:
    print(max(len(t["output"]) for t in tests.values()), file=f)
PY
status() { sed -n "s/^$1\t//p" "$OUT/status.tsv" 2>/dev/null; }
expect() { # test, pattern in its verdict (the verdict is student text: never eval'd)
  local s; s=$(status "$1")
  if [[ $s == failed* && $s == *"$2"* ]]; then echo "ok hostile $1 is failed ($2): $s" >>"$V"
  else echo "fail hostile $1 is failed ($2): ${s:-missing}" >>"$V"; fi
}
expect segfault "killed by SIGSEGV"
expect aborts "killed by SIGABRT"
expect loops_forever "timed out"
expect fork_bomb "timed out"
expect memory_hog ""
expect output_flood "timed out"
expect fake_summary "ended early"
expect forged_record "not part of the protocol"
expect forged_answer "answered a command twice"
expect kills_parent "hostile_kill_parent"
expect escapes_group "left"
expect leaks_shm "/dev/shm"
expect leaks_ipc "SysV shm"
expect leaks_ipc "SysV sem"
expect leaks_ipc "SysV msg"
expect leaks_ipc "POSIX message queue /cowlab-hostile-mq-"
expect leaks_tmp "/tmp/cowlab-hostile-notes"
expect leaks_tmp "/var/tmp/cowlab-hostile-notes"
# What a submission can read and print: nothing outside what it was given, when bwrap works
# here (the report says so); the search proves it ran to the end.
output() { cat "$OUT/feedback/$1" 2>/dev/null; }
if grep -q '"output": "cowlab:[^"]*isolation: bwrap' "$J"; then
  found=$(output reads_files)
  verdict "a submission finds no file it was not given (what it printed: $(echo "$found" | grep -c '^found ') finds)" \
    "[[ \"\$found\" == *'search done'* && \"\$found\" != *'found /'* ]]"
else
  echo "skip a submission finds no file it was not given: $(grep -o 'isolation: none[^\\"]*' "$J" | head -1)" >>"$V"
fi
expect weird_output "failed: 1 check"
verdict "results.json and junit.xml parse despite hostile bytes in the feedback" \
  "python3 tests/report_check.py '$OUT/out' --schema >/dev/null"
build/bin/cowlab check 00 --labs-dir tests/grader --dir tests/grader/submission \
  --test weird_output >"$OUT/check-weird.txt" 2>/dev/null
verdict "make check shows no raw control byte of student output on the terminal" \
  "grep -q 'x1b' '$OUT/check-weird.txt' && ! grep -q \$'\\x1b' '$OUT/check-weird.txt'"
flood_len=$(cat "$OUT/longest" 2>/dev/null || echo 999999999)
verdict "captured output is capped (largest feedback ${flood_len} bytes <= 70000)" "[ $flood_len -le 70000 ]"
# A process of this grading: its command line, executable or working folder is in $scratch.
ours() {
  local p n=0
  for p in /proc/[0-9]*; do
    { tr '\0' ' ' <"$p/cmdline"; echo; readlink "$p/exe"; readlink "$p/cwd"; } 2>/dev/null |
      grep -qF "$scratch/" && n=$((n + 1))
  done
  echo "$n"
}
# At compile time: a lab-01 submission whose files only include the kit's reference answers by
# their absolute paths, and one that includes /etc/passwd and /etc/shadow. Neither may compile
# (the first would score like the reference), and no byte of those files may reach feedback.
forge() { # NAME FILE-TEXT-FOR-experiment.c FILE-TEXT-FOR-predict.c: the score of that submission
  mkdir -p "$OUT/$1/01-fork-cow"
  printf '%s\n' "$2" >"$OUT/$1/01-fork-cow/experiment.c"
  printf '%s\n' "$3" >"$OUT/$1/01-fork-cow/predict.c"
  build/bin/cowlab grade 01 --submission "$OUT/$1" --out "$OUT/$1-out" --quiet >"$OUT/$1.log" 2>&1
  python3 -c "import json; print(json.load(open('$OUT/$1-out/results.json'))['score'])" 2>/dev/null || echo missing
}
if grep -q '"output": "cowlab:[^"]*isolation: bwrap' "$J"; then
  copied=$(forge forge-copy "#include \"$PWD/solutions/01-fork-cow/experiment.c\"" \
    "#include \"$PWD/solutions/01-fork-cow/predict.c\"")
  verdict "a submission that only includes the kit's solutions scores 0 (score: $copied)" "[ '$copied' = 0 ]"
  forge forge-etc '#include "/etc/passwd"' '#include "../../../../../../../../etc/shadow"' >/dev/null
  verdict "no line of /etc/passwd or /etc/shadow is in the feedback of a submission that includes them" \
    "grep -q 'No such file' '$OUT/forge-etc-out/results.json' && ! grep -q 'root:' '$OUT/forge-etc-out/results.json' '$OUT/forge-etc.log'"
else
  echo "skip submissions that include the kit's files: $(grep -o 'isolation: none[^\\"]*' "$J" | head -1)" >>"$V"
fi

# At link time: subject-kit.o shows student files only main, the public header's names and its
# C library interpositions (scripts/seal-subject-kit.sh). A submission that calls the kit's
# barrier (cl_team_start, which forks workers) must not link.
forge forge-link "$(cat labs/01-fork-cow/experiment.c)
int cl_team_start(void *, int, int, void *, void *, void *);
int borrow(void);
int borrow(void) { return cl_team_start(0, 1, 1, 0, 0, 0); }" "$(cat labs/01-fork-cow/predict.c)" >/dev/null
verdict "a submission cannot link the kit's own functions (cl_team_start)" \
  "grep -q 'undefined reference to .cl_team_start' '$OUT/forge-link-out/results.json'"

left=$(ours)
verdict "no process of the hostile tests is left running ($left)" "[ $left -eq 0 ]"
# The /dev/shm objects this grading's tests left, named in its report: gone. (Not a count of
# every cowlab-hostile object on the machine: another grading's come and go meanwhile.)
shm_named=$(grep -oh '/dev/shm/cowlab-hostile-[A-Za-z0-9-]*' "$OUT"/feedback/* 2>/dev/null | sort -u)
shm_left=$(for o in $shm_named; do [ -e "$o" ] && echo "$o"; done | wc -l)
verdict "no /dev/shm object is left ($shm_left of the $(echo $shm_named | wc -w) the report names)" \
  "[ -n '$shm_named' ] && [ $shm_left -eq 0 ]"
dirs=$(find "$scratch" -mindepth 1 -maxdepth 1 | wc -l)
verdict "no run folder is left in the scratch folder ($dirs)" "[ $dirs -eq 0 ]"
exit 0
