#!/usr/bin/env bash
# keep.sh CELLDIR — copy every run of CELLDIR whose CSV has a row that differs (expected set
# and != measured) into CELLDIR/kept/, named STAMP-SLUG-runN.{csv,out} (and
# STAMP-SLUG-runN-snapshots.tar.gz: what it read from /proc, collect.sh) with the cell's
# facts.tsv and console.log beside them (STAMP: UTC time of this call), so that the next
# `make kernels`, which starts the cell's run-N folders afresh, cannot erase the evidence.
# Prints nothing. Exit 0.
set -euo pipefail
cell=$1
stamp=$(date -u +%Y%m%dT%H%M%SZ)
for csv in "$cell"/run-*/*.csv; do
  [[ -e $csv ]] || continue
  awk -F, 'NR > 1 && $6 != "" && $6 != $7 { found = 1; exit } END { exit !found }' "$csv" || continue
  run=$(basename "$(dirname "$csv")") slug=$(basename "$csv" .csv)
  mkdir -p "$cell/kept"
  cp "$csv" "$cell/kept/$stamp-$slug-$run.csv"
  cp "${csv%.csv}.out" "$cell/kept/$stamp-$slug-$run.out" 2>/dev/null || true
  cp "${csv%.csv}-snapshots.tar.gz" "$cell/kept/$stamp-$slug-$run-snapshots.tar.gz" 2>/dev/null ||
    true
  cp "$cell/facts.tsv" "$cell/kept/$stamp-facts.tsv" 2>/dev/null || true
  cp "$cell/console.log" "$cell/kept/$stamp-console.log" 2>/dev/null || true
done
