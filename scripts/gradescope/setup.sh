#!/usr/bin/env bash
# setup.sh — Gradescope runs this once, as root, when it builds an assignment's image from
# autograder.zip (unpacked in /autograder/source; make gradescope LAB=NN wrote it, with this
# file at its root). It installs what grading needs (scripts/deps.sh --grade: the kit's one
# package list; nothing is fetched when everything is there) and builds, in this folder, what
# grading this zip's lab needs: the cowlab command, the lab's observer and the kit's half of
# its subject. The build records this folder's path (the grader finds the labs and the
# handout's stubs there), so the folder must stay where it was built.
# Exit 0 when the kit is built; otherwise the failing step's status, after saying which.
set -euo pipefail
cd "$(dirname "$0")"
lab=$(cat cowlab-lab)
[[ -f labs/$lab/tests.def ]] || { echo "setup.sh: cowlab-lab names no lab ('$lab')" >&2; exit 2; }
bash scripts/deps.sh --grade
make -s -j"$(nproc)" build/bin/cowlab "build/labs/$lab/lab" "build/labs/$lab/subject-kit.o"
# What this machine does (page size, zero page, /proc ...): the image's build log shows it.
# Not fatal: the machine that grades may differ from the one that builds the image.
build/bin/cowlab doctor || echo "setup.sh: cowlab doctor names a fact the labs need that this machine lacks (above)"
echo "setup.sh: $lab is ready to grade"
