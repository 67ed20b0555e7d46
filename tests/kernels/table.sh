#!/usr/bin/env bash
# table.sh RUNS "SLUG..." HOSTCELL CELL... — the matrix's table from the cells' folders
# (HOSTCELL, the native one, is also the first CELL). Each CELL holds cell.info (name=,
# arch=, how=, secs=), facts.tsv and run-N/SLUG.{csv,out,done} (collect.sh).
# Per cell and lab: rows compared (CSV rows with an expected value), rows differing
# (expected != measured) for each run, seconds per run, the cell's wall time, and the facts
# whose value differs from the host's (a fact equal to the cell's kernel release is left
# out: the first column says it). Under the table, every run that differed: which
# experiments and metrics, and where its CSV is kept.
# Then grading in each cell (judge.sh over the cell's plan, build-ARCH/grade/plan.tsv or, natively,
# plan-exact.tsv, and the cell's graded.log):
# per cell and lab, reference tests passed, stub tests passed, planted bugs caught, tests not
# gradable on this kernel, seconds; under it, every test that went the wrong way. Then each
# cell's model fixture (CELL/capture.txt) replayed in the model (build/test/harness-unit).
# Then every cell that did not finish (no CELL/complete): how it ended, how far it got, its last
# console lines and what its init saw after the job (CELL/after.log), just above the last line,
# which is exactly "kernels: K kernels x L labs, D rows differ" (D summed over every
# cell, lab and run). Exit 0 when D is 0, every run is there and consistent, grading went
# as it must and the fixture matches the model in every cell; 1 otherwise.
set -euo pipefail
runs=$1 slugs=$2 host=$3
shift 3
read -ra labs <<<"$slugs"
info() { sed -n "s/^$2=//p" "$1/cell.info"; }

# facts of CELL that differ from the host's: "name=value, ..."
facts_diff() {
  local cell=$1 release
  release=$(info "$cell" name)
  [[ -f $cell/facts.tsv && -f $host/facts.tsv ]] || { echo "(no facts)"; return; }
  awk -F'\t' -v rel="$release" '
    NR == FNR { host[$1] = $2; next }
    $2 != rel && (!($1 in host) || host[$1] != $2) { out = out sep $1 "=" $2; sep = ", " }
    END { print out == "" ? "-" : out }' "$host/facts.tsv" "$cell/facts.tsv"
}

# "compared differ" of a CSV: rows with an expected value, and those whose measured differs
csv_count() {
  awk -F, 'NR > 1 && $6 != "" { n++; if ($6 != $7) d++ } END { print n + 0, d + 0 }' "$1"
}

total=0 bad=0 details=()
printf '%-26s %-5s %-6s %-12s %8s  %-11s %-14s %6s  %s\n' kernel arch how lab compared \
  "differ/run" "s/run" "cell s" "facts that differ from the host's"
for cell in "$@"; do
  name=$(info "$cell" name) first=1
  [[ $cell == "$host" ]] && name="$name (host)"
  for slug in "${labs[@]}"; do
    compared=() differ=() secs=()
    for ((r = 1; r <= runs; r++)); do
      base=$cell/run-$r/$slug
      if [[ ! -f $base.csv || ! -f $base.done || ! -f $base.out ]]; then
        compared+=("-") differ+=("-") secs+=("-") bad=1
        details+=("$name $slug run $r: no result (see $cell/console.log)")
        continue
      fi
      read -r n d < <(csv_count "$base.csv")
      rc=$(sed -n 's/^rc=\([0-9]*\).*/\1/p' "$base.done")
      cs=$(sed -n 's/.* cs=\([0-9]*\).*/\1/p' "$base.done")
      said=$(tail -n 1 "$base.out" | sed -n 's/^[0-9]* rows, \([0-9]*\) differ .*/\1/p')
      compared+=("$n") differ+=("$d") secs+=("$(( (cs + 50) / 100 ))")
      total=$((total + d))
      want_rc=0
      [[ $d -gt 0 ]] && want_rc=3
      if [[ $said != "$d" || $rc != "$want_rc" ]]; then
        bad=1
        details+=("$name $slug run $r: the lab said '${said:-nothing}' differ and exited $rc; its CSV has $d ($base.out)")
      fi
      if [[ $d -gt 0 ]]; then
        what=$(gawk -F, 'NR > 1 && $6 != "" && $6 != $7 { e[$1]++; split($4, m, "."); k[m[1]]++ }
          END { PROCINFO["sorted_in"] = "@ind_str_asc"; for (x in e) s = s " " x "(" e[x] ")"; for (x in k) t = t " " x; print "experiments" s "; regions/metrics" t }' "$base.csv")
        details+=("$name $slug run $r: $d rows differ: $what; CSV $base.csv (copy in $cell/kept/)")
      fi
    done
    uniq_n=$(printf '%s\n' "${compared[@]}" | sort -u)
    [[ $(wc -l <<<"$uniq_n") -eq 1 ]] && ncol=$uniq_n || ncol=$(IFS=/; echo "${compared[*]}")
    if [[ $first -eq 1 ]]; then
      printf '%-26s %-5s %-6s %-12s %8s  %-11s %-14s %6s  %s\n' "$name" "$(info "$cell" arch)" \
        "$(info "$cell" how)" "$slug" "$ncol" "${differ[*]}" "${secs[*]}" "$(info "$cell" secs)" \
        "$(facts_diff "$cell")"
      first=0
    else
      printf '%-26s %-5s %-6s %-12s %8s  %-11s %-14s %6s\n' "" "" "" "$slug" "$ncol" \
        "${differ[*]}" "${secs[*]}" ""
    fi
  done
done
for line in "${details[@]}"; do echo "  $line"; done

# Grading in each cell (build.sh's plan, gradelabs.sh's results, judge.sh's verdict).
echo
echo "graded in each cell, one process per test: the reference must pass, the stubs and every planted bug fail"
printf '%-26s %-12s %-10s %-11s %-12s %-13s %s\n' kernel lab reference "stubs pass" "bugs caught" \
  "not gradable" "s"
judged=()
for cell in "$@"; do
  name=$(info "$cell" name)
  [[ $cell == "$host" ]] && name="$name (host)"
  plan=build/kernels/build-$(info "$cell" arch)/grade/$(info "$cell" plan)
  [[ $plan == */ ]] && plan+=plan.tsv # a cell.info of before the exact plan
  verdict=$(bash "$(dirname "$0")/judge.sh" "$cell" "$plan") || bad=1
  while read -r slug rp rn sp sn bc bn ng secs; do
    printf '%-26s %-12s %-10s %-11s %-12s %-13s %s\n' "$name" "$slug" "$rp/$rn" "$sp/$sn" "$bc/$bn" \
      "$ng" "$secs"
    name=""
  done < <(grep -E '^[^!~ ]' <<<"$verdict")
  while IFS= read -r line; do
    [[ $line == " "* ]] && judged+=("$line") || judged+=("$(info "$cell" name): $line")
  done < <(grep -Ev '^[^!~ ]' <<<"$verdict")
done
for line in "${judged[@]}"; do echo "  $line"; done

# The model fixture each cell captured, replayed in the model by the host's unit tests.
echo
echo "model fixtures (tests/harness/capture.c in each cell, replayed by build/test/harness-unit --fixture):"
for cell in "$@"; do
  name=$(info "$cell" name)
  fixture=$cell/capture.txt
  if [[ ! -s $fixture ]]; then
    echo "  $name: no capture (see $cell/console.log)"; bad=1
  elif build/test/harness-unit --fixture "$fixture" >"$cell/capture.check" 2>&1; then
    echo "  $name: every smaps field and page state matches the model ($fixture)"
  else
    echo "  $name: differs from the model:"; { grep ': snapshot\|cut short' "$cell/capture.check" || tail -5 "$cell/capture.check"; } | sed 's/^ */    /'
    bad=1
  fi
done
# Every cell that did not reach its end, last, where a short tail of the output still shows it:
# how it ended, how far it got, the last lines it printed and what the guest's init saw after
# (after.log: memory, tmpfs, the kernel's own last words).
for cell in "$@"; do
  [[ -f $cell/complete ]] && continue
  bad=1
  runs_back=$(find "$cell" -path "$cell/run-*" -name '*.done' 2>/dev/null | wc -l)
  graded_back=$(grep -c '^graded ' "$cell/graded.log" 2>/dev/null || true)
  console="its console ($cell/console.log) ends:"
  [[ -s $cell/console.log ]] || console="it left no console output ($cell/console.log)"
  echo "  $(info "$cell" name) did not finish ($(info "$cell" how), exit $(info "$cell" exit)," \
    "$(info "$cell" secs) s): $runs_back of $((runs * ${#labs[@]})) runs and ${graded_back:-0}" \
    "graded tests came back; $console"
  # Every stage reads to the end (no early quit: a writer's SIGPIPE would fail the pipeline, and
  # set -e would end the table before its last line).
  if [[ -s $cell/console.log ]]; then
    tr -d '\r' <"$cell/console.log" | sed '/^@@cowlab after$/,$d' | tail -n 4 | cut -c1-160 |
      sed 's/^/    | /'
  fi
  if [[ -s $cell/after.log ]]; then
    echo "    after the job ($cell/after.log):"
    { head -n 5 "$cell/after.log" # then its kernel messages that say why (awk: none is no error)
      tail -n +6 "$cell/after.log" | awk 'tolower($0) ~ /out of memory|oom|killed process|panic/ ||
        tolower($0) ~ /bug:|oops|segfault|general protection|call trace/' | tail -n 6; } | cut -c1-160 | sed 's/^/    | /'
  fi
done
echo "kernels: $# kernels x ${#labs[@]} labs, $total rows differ"
[[ $total -eq 0 && $bad -eq 0 ]]
