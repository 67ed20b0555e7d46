#!/usr/bin/env bash
# tests/bench.sh — make bench: ratios measured in one run, printed, never asserted against a
# clock (these machines are shared and noisy). Exit non-zero only when a result is WRONG
# (PSS disagreeing with smem beyond the truncation bound), never when it is slow.
set -uo pipefail
cd "$(dirname "$0")/.."
command -v smem >/dev/null || { echo "bench: smem is missing (make deps)"; exit 2; }
make -s build/bench/snapshot || exit 1
echo "== snapshot cost vs smem"
BENCH_SELF=build/bench/snapshot build/bench/snapshot; rc=$?

echo "== what the immortal check costs (lab 02)"
make -s build/bench/immortal && build/bench/immortal

echo "== lab 04: popcount and find-next vs read bandwidth, sieve of 10^9 (K = 1, 2)"
if [ -d solutions/04-bit-arrays ]; then
  make -s build/bench/bits && build/bench/bits || rc=1
fi

echo "== lab 03: attach time of 1 MiB vs 1 GiB; a bit array over a segment (pi(10^8), K = 2)"
if [ -d solutions/03-shm-arrays ] && [ -d solutions/04-bit-arrays ]; then
  make -s build/bench/shm && build/bench/shm || rc=1
fi

ms() { date +%s%N | awk '{printf "%d", $1 / 1000000}'; }
echo "== grading time"
runs=()
for i in 1 2 3; do
  t0=$(ms); build/bin/cowlab grade --submission solutions --lab 01 --out build/bench/grade --quiet >/dev/null; runs+=($(( $(ms) - t0 )))
done
sorted=$(printf '%s\n' "${runs[@]}" | sort -n | tr '\n' ' ')
echo "  lab 01, reference solutions, 10 tests: ${sorted}ms (median $(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p) ms)"
echo "== the hygiene test (valgrind) against the rest of each lab's grading, the reference"
for lab in $(build/bin/cowlab list | awk '{print $1}'); do
  others=$(build/bin/cowlab list "$lab" --tsv | cut -f1 | grep -vx hygiene | tr '\n' ',' | sed 's/,$//')
  t0=$(ms); build/bin/cowlab grade --submission solutions --lab "$lab" --test hygiene --out build/bench/hyg --quiet >/dev/null; th=$(( $(ms) - t0 ))
  t0=$(ms); build/bin/cowlab grade --submission solutions --lab "$lab" --test "$others" --out build/bench/hyg --quiet >/dev/null; to=$(( $(ms) - t0 ))
  awk -v l="$lab" -v h="$th" -v o="$to" 'BEGIN { printf "  %-14s hygiene %5d ms, every other test %5d ms: x%.2f (valgrind starts in ~600 ms)\n", l, h, o, h / o }'
done
echo "== grading a class: 100 submissions of every lab, --jobs 2 (tests/bench/throughput.sh; ~10 min)"
bash tests/bench/throughput.sh 100 2 || rc=1
t0=$(ms); make -s test >build/bench/test.log 2>&1; trc=$?; t=$(( $(ms) - t0 ))
echo "  make test: ${t} ms ($(tail -1 build/bench/test.log)), of which the hostile tests' own timeouts: ~16000 ms"
[ $trc -eq 0 ] || rc=1
exit $rc
