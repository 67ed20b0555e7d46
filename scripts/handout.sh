#!/usr/bin/env bash
# handout.sh OUT — write the students' tree (make handout OUT=DIR): the kit as it stands here
# (git's tracked files when this is a git checkout, else every file but build/ and .git/),
# without solutions/, tests/bugs/ (the planted bugs are patches of the solutions) and
# handbook/instructors.md, every lab's student files taken from its stubs/ (never from
# labs/NN-slug/FILE, which may hold someone's working code), and its README's quick start
# made the student's: make demo (their own code) and make check instead of make test (and
# without the instructors' section and rows).
# OUT must not exist yet, or be an empty folder. Last line: "handout: OUT (N files)".
set -euo pipefail
out=${1:?usage: handout.sh OUT}
kit=$(cd "$(dirname "$0")/.." && pwd)
if [[ -e $out ]] && [[ -n $(ls -A "$out" 2>/dev/null) || ! -d $out ]]; then
  echo "handout: $out exists and is not an empty folder: give a new one" >&2; exit 2
fi
mkdir -p "$out"; out=$(cd "$out" && pwd)
case $out/ in "$kit"/build/*) ;; "$kit"/*) echo "handout: $out is inside the kit: write it elsewhere (or under build/)" >&2; exit 2 ;; esac

cd "$kit"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z | while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done
else
  find . \( -path ./build -o -path ./.git -o -path './labs/*/backup' \) -prune -o -type f -print0 |
    sed -z 's|^\./||'
fi | grep -zv -e '^solutions/' -e '^tests/bugs/' -e '^handbook/instructors\.md$' |
  tar --null -T - -cf - | tar -xf - -C "$out"

# The student's files: the stubs, whatever labs/ holds here.
for def in "$out"/labs/*/tests.def; do
  lab=$(dirname "$def")
  for f in $(sed -n 's/^CL_LAB("[^"]*", *"[^"]*", *"\([^"]*\)").*/\1/p' "$def"); do
    cp "$lab/stubs/$f" "$lab/$f"
  done
done

# The README's quick start: the student's two commands. The kit's lines must be there to be
# replaced (a README edited without this script is caught here, not shipped half-changed).
readme=$out/README.md
grep -q '^make demo  ' "$readme" && grep -q '^make test  ' "$readme" ||
  { echo "handout: README.md's quick start has no make demo / make test lines to replace" >&2; exit 1; }
sed -i \
  -e 's|^make demo  .*|make demo     # lab 01 end to end with YOUR code in labs/01-fork-cow/: a table, then plots|' \
  -e 's|^make test  .*|make check    # grade your code: each test passed or failed, expected vs measured, a hint|' \
  -e '/^## Instructors$/,/^## /{/^## Instructors$/d;/^## /!d}' -e '/handbook\/instructors\.md/d' \
  -e 's/^| `make demo \[LAB=NN\]` | reference solutions: experiments, table, plots |$/| `make demo [LAB=NN]` | your code in `labs\/`: experiments, table, plots (in `build\/plots\/mine\/`) |/' \
  -e '/^| `make \(test\|kernels\|mutants\|bench\|memcheck\|sanitize\|calibrate\|gradescope\|image-test\|handout\)[ `]/d' \
  -e '/^| `make grade SUBMISSIONS=/d' -e 's/`make demo` and `make test` run it first/`make demo` and `make check` run it first/' \
  "$readme"
# Every row left names a command a student can run here (make test checks it: tests/handout.sh).

[[ ! -e $out/solutions && ! -e $out/tests/bugs && ! -e $out/handbook/instructors.md ]]
echo "handout: $out ($(find "$out" -type f | wc -l) files)"
