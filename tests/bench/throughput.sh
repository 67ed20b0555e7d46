#!/usr/bin/env bash
# tests/bench/throughput.sh [N] [JOBS] — grading a class (make bench; issue 10's target: 100
# submissions of every lab within 5 minutes on 2 cores with JOBS=2). Builds N submissions of
# every lab in build/bench/class/: most are the reference solutions, every 10th the stubs (fail
# fast), every 10th (offset 5) carries one planted bug per lab (fail on a check); grades them
# with cowlab grade --submissions --jobs JOBS, then one reference submission alone, and prints
# the times and their ratio. Prints; asserts only that the grades are what the submissions
# deserve (reference full marks, stubs 0, a bug below full marks): a number, not a verdict.
# Also prints where the machine's CPU time went meanwhile (busy, idle, stolen by a hypervisor).
set -uo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100} jobs=${2:-2}
class=build/bench/class out=build/bench/class-out
rm -rf "$class" "$out"; mkdir -p "$class"
labs=$(build/bin/cowlab list | awk '{print $1}')
for i in $(seq -w 1 "$n"); do
  s=$class/s$i; mkdir -p "$s"
  for lab in $labs; do
    if (( 10#$i % 10 == 0 )); then
      mkdir -p "$s/$lab"; cp labs/"$lab"/stubs/*.c "$s/$lab/"
    else
      cp -r solutions/"$lab" "$s/$lab"
      if (( 10#$i % 10 == 5 )); then # a planted bug: the (i / 10)-th of the lab's, round robin
        bugs=(tests/bugs/"$lab"/*.patch)
        bash tests/plant.sh "${bugs[$(( 10#$i / 10 % ${#bugs[@]} ))]}" "$s/$lab" 2>/dev/null ||
          { echo "throughput: a planted bug of $lab does not apply"; exit 1; }
      fi
    fi
  done
done
ms() { date +%s%N | awk '{printf "%d", $1 / 1000000}'; }
# The machine's CPU time (all CPUs, in clock ticks): busy, idle, and stolen by the hypervisor
# for other guests (a shared virtual machine's noise: what the wall time alone cannot show).
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6, $9 }' /proc/stat; }
read -r busy0 idle0 steal0 < <(cpu_ticks)
t0=$(ms)
build/bin/cowlab grade --submissions "$class" --jobs "$jobs" --out "$out" --quiet >"$out.log" 2>&1
rc=$? t_all=$(( $(ms) - t0 ))
read -r busy1 idle1 steal1 < <(cpu_ticks)
hz=$(getconf CLK_TCK)
t0=$(ms)
build/bin/cowlab grade --submission "$class/$(ls "$class" | head -1)" --out "$out-one" --quiet >/dev/null 2>&1
t_one=$(( $(ms) - t0 ))
python3 - "$out/grades.csv" "$n" "$t_all" "$t_one" "$jobs" "$rc" \
  "$(( busy1 - busy0 ))" "$(( idle1 - idle0 ))" "$(( steal1 - steal0 ))" "$hz" <<'PY'
import csv, sys
path, n, t_all, t_one, jobs, rc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
busy, idle, steal, hz = (int(a) for a in sys.argv[7:11])
rows = list(csv.DictReader(open(path)))
key = next(k for k in rows[0] if k.lower() in ("submission", "id"))
score = next(k for k in rows[0] if k.lower() in ("score", "total"))
wrong = []
for r in rows:
    i = int(r[key].lstrip("s"))
    s = float(r[score])
    want = "zero" if i % 10 == 0 else "below full" if i % 10 == 5 else "full"
    if (want == "zero" and s != 0) or (want == "full" and s != 500) or (want == "below full" and not 0 < s < 500):
        wrong.append(f"{r[key]}: {s} (expected {want})")
labs = 5
print(f"  {n} submissions x {labs} labs, --jobs {jobs}: {t_all / 1000:.1f} s "
      f"({t_all / n / 1000:.2f} s a submission; target: 300 s for 100)")
print(f"  one submission alone: {t_one / 1000:.2f} s; the class took {t_all / t_one:.1f}x one "
      f"submission ({t_all / t_one / n:.2f}x per submission: {1 / (t_all / t_one / n):.2f} graded at once)")
total = busy + idle + steal
print(f"  during the class: CPUs busy {busy / hz:.0f} s ({busy / hz / n:.2f} s a submission), idle "
      f"{idle / hz:.0f} s, stolen by the hypervisor {steal / hz:.0f} s: {100 * busy / max(total, 1):.0f}% "
      f"/ {100 * idle / max(total, 1):.0f}% / {100 * steal / max(total, 1):.0f}% of the machine")
print(f"  grader exit status {rc}; rows {len(rows)}; wrong grades: {len(wrong)}")
for w in wrong[:10]:
    print("   ", w)
sys.exit(1 if wrong or len(rows) != n else 0)
PY
