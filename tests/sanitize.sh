#!/usr/bin/env bash
# tests/sanitize.sh — make sanitize: build the harness, the CLI and the labs with ASan and
# UBSan (into build/asan) and run the tests that measure no memory: the harness unit tests
# (--pure) and each lab's CL_PURE tests on the reference solutions, through the grader.
set -uo pipefail
cd "$(dirname "$0")/.."
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
make -s BUILD=build/asan CFLAGS="$SAN" all build/asan/test/harness-unit LDFLAGS="$SAN" || exit 1
passed=0; failed=0
run() { local what=$1; shift
  if "$@" >build/sanitize.log 2>&1; then passed=$((passed+1)); echo "  ok    $what"
  else failed=$((failed+1)); echo "  FAIL  $what"; tail -30 build/sanitize.log | sed 's/^/        /'; fi; }
run "harness unit tests (--pure)" build/asan/test/harness-unit --pure
for def in labs/[0-9]*/tests.def; do
  lab=$(basename "$(dirname "$def")")
  for t in $(sed -n 's/^CL_PURE("\(.*\)")$/\1/p' "$def"); do
    run "$lab/$t (solutions, ASan+UBSan, through the grader)" \
      python3 - "$lab" "$t" <<'PY'
import json, subprocess, sys
lab, t = sys.argv[1], sys.argv[2]
subprocess.run(["build/asan/bin/cowlab", "grade", "--submission", "solutions", "--lab", lab,
                "--test", t, "--sanitize", "--out", "build/asan/grade", "--quiet"], check=True,
               stdout=subprocess.DEVNULL)
tests = {x["name"]: x for x in json.load(open("build/asan/grade/results.json"))["tests"]}
r = tests[f"{lab}/{t}"]
print(r["output"])
sys.exit(0 if r["status"] == "passed" else 1)
PY
  done
done
# A sanitizer's report is said to be one (the subject exits with CL_SANITIZER_STATUS), not
# "does your code call exit?": a heap read past a block (ASan) and a NULL pointer followed
# (UBSan), in tests the sanitizers catch them in.
said_by_sanitizer() { # LAB TEST SUBMISSION
  rm -rf build/asan/said
  build/asan/bin/cowlab grade --submission "$3" --lab "$1" --test "$2" --sanitize \
    --out build/asan/said --quiet >/dev/null 2>&1
  [ $? -le 1 ] || { echo "the grader could not grade $3 ($1 $2)"; return 1; }
  python3 tests/report_check.py build/asan/said --lab "$1" --expect-said \
    "a sanitizer (ASan or UBSan) found an error" "$2"
}
sub=build/asan/said-in; rm -rf "$sub"; mkdir -p "$sub"
cp -r solutions/01-fork-cow solutions/02-refcount "$sub/"
heap_read_past() {
  bash tests/plant.sh tests/bugs/01-fork-cow/hygiene-pss-known-past-end.patch "$sub/01-fork-cow" &&
    said_by_sanitizer 01-fork-cow predict_pss "$sub"
}
null_followed() { # rc_list_contains looking one slot past the last item, which holds no object
  sed -i 's/for (int64_t i = 0; i < l->ob_size; i++) {/for (int64_t i = 0; i <= l->ob_size; i++) {/' \
    "$sub/02-refcount/refcount.c"
  grep -q 'i <= l->ob_size' "$sub/02-refcount/refcount.c" &&
    said_by_sanitizer 02-refcount sum_balanced "$sub"
}
run "ASan's report is said to be a sanitizer's (01 predict_pss, a heap read past a block)" heap_read_past
run "UBSan's report is said to be a sanitizer's (02 sum_balanced, a NULL pointer followed)" null_followed
echo "sanitize: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
