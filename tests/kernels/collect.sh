#!/usr/bin/env bash
# collect.sh LOG CELLDIR — split runlabs.sh's output (a guest's serial console, or a native
# run's stdout) into CELLDIR: facts.tsv, and per run N: run-N/SLUG.csv, run-N/SLUG.out (what
# `lab run` printed) and run-N/SLUG.done ("rc=RC cs=CENTISECONDS csv=MD5 out=MD5").
# Carriage returns (the tty's) are dropped. Every CSV and output is checked against the MD5
# the guest computed: a file that does not match is renamed *.corrupt (a kernel message in
# the middle of it, or a cut-off run) and counted as missing. A run whose CSV differed also sent
# what it read from /proc (runlabs.sh's "snap" section): decoded into
# run-N/SLUG-snapshots.tar.gz (left as run-N/SLUG.snap.b64 if it does not decode). The grading section (gradelabs.sh's
# lines) goes to CELLDIR/graded.log as it came (judge.sh checks every line of it), the model
# fixture to CELLDIR/capture.txt (table.sh replays it in the model), a guest's "@@cowlab after"
# section (init: how the job ended, memory, the kernel's last messages) to CELLDIR/after.log.
# Writes CELLDIR/complete when the guest reached "@@cowlab end". Exit 0 when complete and
# every file matched; 1 otherwise (the reason on stderr).
set -euo pipefail
log=$1 cell=$2
rm -rf "$cell"/run-* "$cell/facts.tsv" "$cell/graded.log" "$cell/capture.txt" "$cell/complete" \
  "$cell/after.log"
mkdir -p "$cell"
tr -d '\r' <"$log" | awk -v cell="$cell" '
  function to(f) { if (file != "") close(file); file = f; if (f != "") printf "" > f }
  /^@@cowlab facts$/ { to(cell "/facts.tsv"); next }
  /^@@cowlab grading$/ { to(cell "/graded.log"); next }
  /^@@cowlab capture$/ { to(cell "/capture.txt"); next }
  /^@@cowlab snap / { to(cell "/run-" $4 "/" $3 ".snap.b64"); next }
  /^@@cowlab (csv|out) / {
    dir = cell "/run-" $4; system("mkdir -p \"" dir "\"")
    to(dir "/" $3 "." $2); next
  }
  /^@@cowlab done / {
    line = $5; for (i = 6; i <= NF; i++) line = line " " $i
    to(cell "/run-" $4 "/" $3 ".done"); print line > file; to(""); next
  }
  /^@@cowlab end$/ { to(cell "/complete"); to(""); next }
  /^@@cowlab after$/ { to(cell "/after.log"); next }
  file != "" { print > file }
'
for b64 in "$cell"/run-*/*.snap.b64; do
  [[ -e $b64 ]] || continue
  base64 -d <"$b64" >"${b64%.snap.b64}-snapshots.tar.gz" 2>/dev/null && rm -f "$b64" ||
    rm -f "${b64%.snap.b64}-snapshots.tar.gz"
done
ok=0
[[ -f $cell/complete ]] || { echo "kernels: $cell: the run did not finish (see $log)" >&2; ok=1; }
for done in "$cell"/run-*/*.done; do
  [[ -e $done ]] || continue
  base=${done%.done}
  for kind in csv out; do
    want=$(sed -n "s/.* $kind=\([0-9a-f]*\).*/\1/p" "$done")
    have=$(md5sum <"$base.$kind" | cut -d' ' -f1)
    if [[ $want != "$have" ]]; then
      echo "kernels: $base.$kind does not match the guest's MD5 (kept as $base.$kind.corrupt)" >&2
      mv "$base.$kind" "$base.$kind.corrupt"
      ok=1
    fi
  done
done
exit "$ok"
