#!/bin/sh
# runlabs.sh LABDIR RUNS TMPDIR [GRADEDIR SLOW [CAPTURE]] — run every lab's experiments RUNS
# times, then
# (given GRADEDIR) grade the reference, the stubs and the planted bugs (gradelabs.sh, test
# timeouts times SLOW), then (given CAPTURE) the model fixture, and print everything the host needs between clear markers (the same
# script runs natively and as the guest's job).
# POSIX sh (busybox in a guest). LABDIR holds SLUG/lab binaries; TMPDIR is scratch space.
# Output, in this order (each marker line starts with "@@cowlab "):
#   @@cowlab facts            then facts.sh's lines
#   @@cowlab csv SLUG RUN     then the CSV `lab run` wrote
#   @@cowlab out SLUG RUN     then what `lab run` printed (stdout and stderr)
#   @@cowlab snap SLUG RUN    only when the CSV has a row that differs (expected set and !=
#                             measured): what the run read from /proc (COWLAB_SNAPSHOTS,
#                             include/cowlab/snapshot.h), a gzip'd tar in base64, for the
#                             post-mortem (collect.sh keeps it beside the CSV, keep.sh with it)
#   @@cowlab done SLUG RUN rc=RC cs=CENTISECONDS csv=MD5 out=MD5
#   @@cowlab grading          then gradelabs.sh's lines (given GRADEDIR)
#   @@cowlab capture          then what CAPTURE printed (tests/harness/capture.c)
#   @@cowlab end
# collect.sh parses it and checks the MD5s (a kernel message in the middle is caught).
labdir=$1 runs=$2 tmp=$3 grade=${4:-} slow=${5:-1} capture=${6:-}
# The observers wait for their subjects this many times longer (an emulated machine).
COWLAB_SLOW=$slow
export COWLAB_SLOW
here=$(dirname "$0")
now_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
md5() { md5sum "$1" | cut -d' ' -f1; }
labs=$(for lab in "$labdir"/*/lab; do basename "$(dirname "$lab")"; done)
first=$(echo "$labs" | head -n 1)
echo "@@cowlab facts"
sh "$here/facts.sh" "$labdir/$first/lab" "$tmp"
run=1
while [ "$run" -le "$runs" ]; do
  for slug in $labs; do
    t0=$(now_cs)
    rm -rf "$tmp/snap"
    mkdir -p "$tmp/snap"
    COWLAB_SNAPSHOTS=$tmp/snap "$labdir/$slug/lab" run "$tmp/run.csv" >"$tmp/run.out" 2>&1
    rc=$?
    t1=$(now_cs)
    for f in "$tmp/run.csv" "$tmp/run.out"; do # every file ends with a newline
      [ -f "$f" ] || : >"$f"
      [ -z "$(tail -c 1 "$f")" ] || echo >>"$f"
    done
    echo "@@cowlab csv $slug $run"
    cat "$tmp/run.csv"
    echo "@@cowlab out $slug $run"
    cat "$tmp/run.out"
    if awk -F, 'NR > 1 && $6 != "" && $6 != $7 { found = 1; exit } END { exit !found }' \
      "$tmp/run.csv"; then
      echo "@@cowlab snap $slug $run"
      (cd "$tmp/snap" && tar -cf - . | gzip) | base64
    fi
    rm -rf "$tmp/snap"
    echo "@@cowlab done $slug $run rc=$rc cs=$((t1 - t0)) csv=$(md5 "$tmp/run.csv") out=$(md5 "$tmp/run.out")"
    rm -f "$tmp/run.csv" "$tmp/run.out"
  done
  run=$((run + 1))
done
if [ -n "$grade" ]; then
  echo "@@cowlab grading"
  sh "$here/gradelabs.sh" "$labdir" "$grade" "$slow" "$tmp"
fi
if [ -n "$capture" ]; then
  echo "@@cowlab capture"
  "$capture" 2>&1
fi
echo "@@cowlab end"
