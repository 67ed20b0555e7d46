#!/usr/bin/env bash
# tests/repeat.sh OUT [ROUNDS] — the same experiments give the same rows on every run (make
# test; issue 13). Every lab's reference experiments (cowlab run) ROUNDS times (default 5) with
# address-space randomisation as this machine sets it (said on the first line: make test wants
# it on), then once more with it off for the run (setarch -R). Where the kernel places each
# mapping changes from run to run; the rows must not: every run must end "0 differ".
# Each run keeps what the harness read from /proc (COWLAB_SNAPSHOTS, cowlab/snapshot.h) in
# OUT/snap; a run whose rows are all exact has it deleted, a run that differed (or failed) keeps
# its snapshots, CSV and log in OUT/flakes/LAB-RUN/ (under build/: explain it, never retry it),
# and its differing rows are printed (the first 20).
# Prints one line per run. Exit 0 if every run was exact, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "$1") rounds=${2:-5}
rm -rf "$out"; mkdir -p "$out/flakes"
aslr=$(cat /proc/sys/kernel/randomize_va_space 2>/dev/null || echo unknown)
echo "repeat: address-space randomisation here: $aslr (2 full, 1 partial, 0 off); then setarch -R"
[ "$aslr" = 0 ] && echo "repeat: randomisation is off on this machine: the runs cannot differ by placement"
bad=0
for lab in $(build/bin/cowlab list | awk '{print $1}'); do
  for run in $(seq 1 "$rounds") norand; do
    snap=$out/snap; rm -rf "$snap"; mkdir -p "$snap"
    csv=$out/$lab-$run.csv log=$out/$lab-$run.log
    how=()
    [ "$run" = norand ] && how=(setarch "$(uname -m)" -R)
    COWLAB_SNAPSHOTS=$snap "${how[@]}" build/bin/cowlab run "$lab" --csv "$csv" >"$log" 2>&1
    rc=$?
    summary=$(grep -E '^[0-9]+ rows, [0-9]+ differ' "$log" | tail -1)
    if [ $rc -eq 0 ] && [[ $summary == *" 0 differ"* ]]; then
      echo "repeat: $lab run $run: $summary"
      rm -f "$csv" "$log"
      continue
    fi
    bad=1 keep=$out/flakes/$lab-$run
    mkdir -p "$keep"; mv "$snap" "$keep/snapshots"; mv "$csv" "$log" "$keep/" 2>/dev/null
    echo "repeat: $lab run $run: exit $rc, ${summary:-no summary line}; kept in $keep"
    [ -f "$keep/$(basename "$csv")" ] && python3 - "$keep/$(basename "$csv")" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))
        if r["expected"] != "" and r["expected"] != r["measured"]]
for r in rows[:20]:
    print("  differs:", ",".join(r[k] for k in ("experiment", "process", "phase", "metric", "x",
                                               "expected", "measured", "unit")))
if len(rows) > 20:
    print(f"  ... and {len(rows) - 20} more")
PY
    [ -f "$keep/$(basename "$log")" ] && tail -5 "$keep/$(basename "$log")" | sed 's/^/  | /'
  done
done
rm -rf "$out/snap"
exit $bad
