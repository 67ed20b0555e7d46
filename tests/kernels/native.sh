#!/usr/bin/env bash
# native.sh CELLDIR RUNS — the host's own cell: runlabs.sh over build/kernels/build-ARCH/labs
# (ARCH: the host's) on this machine's kernel, no qemu, its output in CELLDIR/console.log,
# split by collect.sh. Exit: collect.sh's.
set -euo pipefail
cell=$1 runs=$2
here=$(dirname "$0")
mkdir -p "$cell"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$here/runlabs.sh" "build/kernels/build-$(dpkg --print-architecture)/labs" "$runs" "$tmp" \
  >"$cell/console.log" 2>&1 || true
bash "$here/collect.sh" "$cell/console.log" "$cell"
