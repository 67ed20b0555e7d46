#!/usr/bin/env python3
"""calibrate.py — lab 02's simulation against real CPython (make calibrate).

For each scenario, the parent builds the data, forks (os.fork: CoW needs the fork start
method), and measures the child's Private_Dirty with `cowlab measure` (the harness's own
smaps_rollup reading) before and after the child runs one operation. The same is done with
an operation that does nothing; its growth (the interpreter's own writes: the frame, the
pipe's bytes, the loop's bookkeeping) is subtracted. What is left is set beside the
simulation's prediction for the same scenario and N, read from the lab's results CSV
(`cowlab run 02`): expected pages_dirtied x page size.

Writes build/results/02-refcount-calibration.csv:
  experiment, python_version, predicted_kb, measured_kb, error_pct, basis, diff_kb, runs_kb
error_pct is relative to the prediction when it is at least 1 MiB; a percentage of a
near-zero prediction means nothing, so there it is relative to what copying the list's
objects would cost (basis = "objects").
Exit 0 if at least MIN_WITHIN scenarios are within +-TARGET_PCT, else 1.
"""
import csv
import gc
import os
import subprocess
import sys

N = 1_000_000
RUNS = 3
TARGET_PCT = 5.0
MIN_WITHIN = 4
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

KIT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COWLAB = os.path.join(KIT, "build", "bin", "cowlab")


def private_dirty(pid):
    out = subprocess.run([COWLAB, "measure", str(pid)], check=True, capture_output=True,
                         text=True).stdout.split()
    return int(dict(f.split("=") for f in out[1:])["Private_Dirty"])


def in_child(op, data):
    """Fork; the child waits, runs op(data), waits again. Returns the growth in kB."""
    go_r, go_w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(go_w)
        os.close(done_r)
        os.read(go_r, 1)
        op(data)
        os.write(done_w, b"d")
        os.read(go_r, 1)
        os._exit(0)
    os.close(go_r)
    os.close(done_w)
    try:
        before = private_dirty(pid)
        os.write(go_w, b"g")
        os.read(done_r, 1)
        after = private_dirty(pid)
    finally:
        os.write(go_w, b"x")
        os.waitpid(pid, 0)
        os.close(go_w)
        os.close(done_r)
    return after - before


def noop(data):
    pass


def iterate(data):
    for x in data:
        pass


def length(data):
    len(data)


def collect(data):
    gc.collect()


def median(xs):
    return sorted(xs)[len(xs) // 2]


def measure(op, data):
    """The operation's growth minus the no-op's, median of RUNS pairs."""
    runs = [in_child(op, data) - in_child(noop, data) for _ in range(RUNS)]
    return median(runs), runs


def predictions(path, n=N):
    """expected pages_dirtied of child1 at x = n, by simulation experiment name (kB)."""
    want = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["metric"] == "pages_dirtied" and row["process"] == "child1" and \
                    int(row["x"]) == n:
                want[row["experiment"]] = int(row["expected"]) * PAGE_KB
    return want


def main():
    results_csv = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        KIT, "build", "results", "02-refcount.csv")
    out_csv = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        KIT, "build", "results", "02-refcount-calibration.csv")
    predicted = predictions(results_csv)
    version = "%d.%d.%d" % sys.version_info[:3]
    gc.disable()   # no collection while building: the GC scenarios collect on purpose
    gc.collect()
    gc.freeze()    # the interpreter's own containers: not part of any experiment
    rows = []

    def scenario(name, sim, op, data, freeze=False):
        if freeze:
            gc.freeze()
        got, runs = measure(op, data)
        rows.append((name, sim, got, runs))

    ints = [i + 1000 for i in range(N)]
    scenario("distinct_ints_iterated", "boxed", iterate, ints)
    scenario("len_only", "len", length, ints)
    small = [i % 262 - 5 for i in range(N)]
    scenario("small_ints_iterated", "small_311", iterate, small)
    del ints, small
    containers = [[] for _ in range(N)]
    scenario("gc_pass", "gc", collect, containers)
    scenario("gc_pass_after_freeze", "gc_frozen", collect, containers, freeze=True)
    ints = [i + 1000 for i in range(N)]
    gc.freeze()
    scenario("frozen_ints_iterated", "boxed_freeze", iterate, ints)

    # A short sweep over N for the plot: CPython's points beside the simulation's line.
    sweep = []
    for n in (100_000, 250_000, 500_000):
        ints = [i + 1000 for i in range(n)]
        sweep.append((n, measure(iterate, ints)[0]))
        del ints

    objects_kb = predicted.get("boxed", 0)
    within = 0
    with open(out_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["experiment", "python_version", "predicted_kb", "measured_kb", "error_pct",
                    "basis", "diff_kb", "runs_kb", "n"])
        print(f"CPython {version}, N = {N:,}; growth of the child's Private_Dirty, minus a "
              f"no-op's (median of {RUNS}):")
        print(f"  {'experiment':24} {'predicted kB':>12} {'measured kB':>12} {'error':>8}  basis")
        for name, sim, got, runs in rows:
            pred = predicted.get(sim)
            if pred is None:
                print(f"  {name}: no prediction for '{sim}' at N={N} in {results_csv}")
                continue
            basis = "predicted" if pred >= 1024 else "objects"
            denom = pred if basis == "predicted" else objects_kb
            err = 100.0 * (got - pred) / denom if denom else float("inf")
            ok = abs(err) <= TARGET_PCT
            within += ok
            w.writerow([name, version, pred, got, f"{err:.2f}", basis, got - pred,
                        " ".join(map(str, runs)), N])
            print(f"  {name:24} {pred:12,} {got:12,} {err:+7.2f}%  {basis}"
                  f"{'' if ok else '   <-- outside +-%g%%' % TARGET_PCT}")
        for n, got in sweep:  # predictions at these N come from the same results CSV
            pred = predictions(results_csv, n).get("boxed")
            if pred is not None:
                w.writerow(["distinct_ints_iterated", version, pred, got,
                            f"{100.0 * (got - pred) / pred:.2f}", "predicted", got - pred, got, n])
        if sys.version_info < (3, 12):
            print(f"  immortal objects: CPython {version} has none (PEP 683 is 3.12+); the "
                  "immortal_312/immortal_314 rows of the simulation have no CPython counterpart here")
    print(f"calibration: {within} of {len(rows)} scenarios within +-{TARGET_PCT:g}% "
          f"(target: {MIN_WITHIN}); {out_csv}")
    return 0 if within >= MIN_WITHIN else 1


if __name__ == "__main__":
    sys.exit(main())
