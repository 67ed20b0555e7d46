#!/usr/bin/env bash
# sanitize-lab.sh LAB [TEST] — make check LAB=NN SANITIZE=1: the student's lab built with
# AddressSanitizer and UndefinedBehaviorSanitizer (the kit too, once, into build/asan) and its
# pure tests run through `cowlab check --sanitize` (TEST: those named). Faster than valgrind and
# catches what it cannot (a stack array read past its end); not graded, and only the tests that
# measure no memory: the sanitizers' shadow memory would change every measured number.
# Exit as cowlab check does: 0 all passed, 1 a test failed, 2 it could not run.
set -uo pipefail
cd "$(dirname "$0")/.."
lab=${1:?usage: sanitize-lab.sh LAB [TEST]} test=${2:-}
slug=$(build/bin/cowlab list | awk -v n="$lab" '$1 == n || index($1, n "-") == 1 { print $1; exit }')
[[ -n $slug ]] || { echo "sanitize: no lab '$lab' (cowlab list names them)" >&2; exit 2; }
if [[ -z $test ]]; then
  test=$(sed -n 's/^CL_PURE("\(.*\)")$/\1/p' "labs/$slug/tests.def" | tr ' ' ',')
fi
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
echo "sanitize: building the kit with ASan+UBSan into build/asan (once; then only what changed)"
make -s BUILD=build/asan CFLAGS="$SAN" LDFLAGS="$SAN" all >build/asan-build.log 2>&1 ||
  { tail -20 build/asan-build.log; exit 2; }
# (The subject's own options are compiled into it, harness/subject.c: its environment is the
# grader's minimal one. These are the kit's, the observer's and the command line's.)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
echo "sanitize: $slug's tests that measure no memory ($test), your code built with ASan+UBSan"
build/asan/bin/cowlab check "$slug" --sanitize --test "$test"
rc=$?
echo "sanitize: not graded: a first look with the sanitizers (make grade LAB=$lab gives the points)"
exit "$rc"
