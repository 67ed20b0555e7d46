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
echo "sanitize: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
