#!/usr/bin/env bash
# judge.sh CELL PLAN — what grading in CELL proved, from CELL/graded.log (gradelabs.sh's lines,
# split out by collect.sh), CELL/facts.tsv (the cell's own probe) and PLAN (build.sh's
# plan.tsv: VARIANT SLUG TEST TIMEOUT EXPECT NEEDS).
# A test whose NEEDS are not all "yes" in this cell's facts is not gradable here (the grader
# would say so and take its points out of the maximum): it counts nowhere and is named.
# Per lab, one line: SLUG REF_PASSED REF_GRADABLE STUBS_PASSED STUBS_GRADABLE BUGS_CAUGHT
#   BUGS_GRADABLE NOT_GRADABLE SECONDS
# How a test process ended (gradelabs.sh's rc=): 0 passed; 1 failed a check; 124 or 143 (the
# timeout's TERM) timed out; another 128+N was killed by signal N; anything else — 2 (no such
# test, CUnit could not run), 126/127 (the binary did not run), a missing or cut-off rc — did
# not run, which is never a verdict. A failure by timeout or signal is a failure, as the
# grader counts it, and is noted.
# A planted bug is caught when every gradable test its Catches: names fails; a bug none of
# whose tests is gradable here cannot be caught here (named, with the fact, not an error). A
# bug's "pass" lines (plan-exact.tsv: its other tests) must pass, and count in no bug column.
# Then lines starting with "! " (something is wrong) or "~ " (a note): a reference test that
# failed, a stub test that passed, a bug not caught, a test that did not run, plan lines with
# no result (one line per lab: how many, and the first), a cell with no facts.
# Exit 0 when nothing is wrong; 1 otherwise.
set -euo pipefail
cell=$1 plan=$2
log=$cell/graded.log
[[ -s $cell/facts.tsv ]] || { echo "! no facts.tsv in $cell: nothing can be judged"; exit 1; }
gawk -F'\t' -v glog="$log" -v facts="$cell/facts.tsv" '
  BEGIN {
    while ((getline line < facts) > 0) { split(line, f, "\t"); fact[f[1]] = f[2] }
    while ((getline line < glog) > 0) {
      if (line ~ /^graded [^ ]+ [^ ]+ [^ ]+ rc=[0-9]+ cs=[0-9]+$/) {
        split(line, w, " "); key = w[2] SUBSEP w[3] SUBSEP w[4]
        rc[key] = substr(w[5], 4) + 0; cs[key] = substr(w[6], 4); last = key; said[key] = ""
      } else if (line ~ /^\| / && last != "") said[last] = said[last] "\n      " line
      else last = ""
    }
  }
  function gradable(needs,   k, m, i, why) {
    why = ""
    if (needs != "-") {
      m = split(needs, k, " ")
      for (i = 1; i <= m; i++)
        if (!(k[i] in fact) || fact[k[i]] != "yes")
          why = why (why ? ", " : "") k[i] "=" (k[i] in fact ? fact[k[i]] : "unknown")
    }
    return why
  }
  # "passed", "failed", "timed out", "signal N" or "did not run (exit N)"
  function ended(r) {
    if (r == 0) return "passed"
    if (r == 1) return "failed"
    if (r == 124 || r == 143) return "timed out"
    if (r > 128 && r < 160) return "signal " (r - 128)
    return "did not run (exit " r ")"
  }
  {
    v = $1; s = $2; t = $3; expect = $5; key = v SUBSEP s SUBSEP t
    role = v == "ref" || v == "stubs" ? v : "bug"
    if (!(s in seen)) { seen[s] = 1; order[++nlabs] = s }
    why = gradable($6)
    if (why != "") {
      if (!((s, t) in ngtest)) { ngtest[s, t] = 1; ng[s]++ }
      if (!((s, why) in ngwhy)) ngorder[s] = ngorder[s] SUBSEP why
      ngwhy[s, why] = 1
      if (role == "bug" && expect == "fail") bugwhy[s, v] = why
      next
    }
    if (role == "ref") ref_n[s]++
    else if (role == "stubs") stub_n[s]++
    else if (expect == "fail" && !((s, v) in bug)) { bug[s, v] = 1; bugs[s] = bugs[s] " " v }
    if (!(key in rc)) {
      if (!(s in nores)) nofirst[s] = t " (" v ")"
      nores[s]++; missed[s, v] = 1; next
    }
    secs[s] += cs[key] / 100
    how = ended(rc[key])
    if (how ~ /^did not run/) {
      bad[++nb] = "! " s "/" t " (" v "): " how said[key]; missed[s, v] = 1; next
    }
    passed = how == "passed"
    if (passed && role == "ref") ref_p[s]++
    if (passed && role == "stubs") stub_p[s]++
    if (expect == "pass" && !passed) bad[++nb] = "! " s "/" t " (" v "): " how ", it must pass" said[key]
    if (expect == "fail" && passed) { missed[s, v] = 1; bad[++nb] = "! " s "/" t " (" v "): passes, it must fail" said[key] }
    if (expect == "fail" && !passed && how != "failed") note[++nn] = "~ " s "/" t " (" v "): failed by " how ", not by a check"
  }
  END {
    for (i = 1; i <= nlabs; i++) {
      s = order[i]; caught = 0; total = 0
      m = split(bugs[s], b, " ")
      for (j = 1; j <= m; j++) { total++; if (!((s, b[j]) in missed)) caught++ }
      m = split(ngorder[s], w, SUBSEP)
      for (j = 2; j <= m; j++) note[++nn] = "~ " s ": tests not gradable here: " w[j]
      for (k in bugwhy) { split(k, p, SUBSEP); if (p[1] == s && !((s, p[2]) in bug)) note[++nn] = "~ " s "/" p[2] ": this planted bug cannot be caught here: " bugwhy[k] }
      printf "%s %d %d %d %d %d %d %d %d\n", s, ref_p[s], ref_n[s], stub_p[s], stub_n[s], caught, total, ng[s], secs[s] + 0.5
      if (s in nores) bad[++nb] = "! " s ": " nores[s] " gradable plan lines have no result in " glog ", from " nofirst[s] " on"
    }
    for (i = 1; i <= nn; i++) print note[i]
    for (i = 1; i <= nb; i++) print bad[i]
    exit nb > 0
  }' "$plan"
