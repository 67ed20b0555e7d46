#!/usr/bin/env bash
# plant.sh BUG DIR — apply one planted bug (a unified diff whose header lines say "Bug: …" and
# "Catches: …") to the files in DIR, exactly: an offset or fuzz means the code moved under
# the bug, and the patch must be regenerated rather than trusted. Used by make test
# (tests/run.sh, tests/harness/planted.sh) and make kernels (tests/kernels/build.sh).
# Exit 0 when it applied exactly; 1 otherwise, with patch's own words on stderr.
set -uo pipefail
bug=$1 dir=$2
log=$(patch -p1 -F0 -d "$dir" <"$bug" 2>&1)
status=$?
if [[ $status -ne 0 ]] || grep -qiE 'offset|fuzz' <<<"$log"; then
  printf '%s\n' "$log" >&2
  exit 1
fi
