#!/usr/bin/env bash
# native.sh CELLDIR RUNS — the host's own cell: runlabs.sh over build/kernels/build-ARCH/labs
# and its grading set build-ARCH/grade, with plan-exact.tsv (every planted bug on every test of
# its lab) (ARCH: the host's; test timeouts as they are) on this
# machine's kernel, no qemu, its output in CELLDIR/console.log,
# split by collect.sh. Exit: collect.sh's.
set -euo pipefail
cell=$1 runs=$2
here=$(dirname "$0")
mkdir -p "$cell"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build=build/kernels/build-$(dpkg --print-architecture)
COWLAB_PLAN=plan-exact.tsv sh "$here/runlabs.sh" "$build/labs" "$runs" "$tmp" "$build/grade" 1 \
  "$build/capture" >"$cell/console.log" 2>&1 || true
bash "$here/collect.sh" "$cell/console.log" "$cell"
