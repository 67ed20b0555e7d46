#!/usr/bin/env bash
# judge.sh CELL PLAN — what grading in CELL proved, from CELL/graded.log (gradelabs.sh's lines,
# split out by collect.sh), CELL/facts.tsv (the cell's own probe) and PLAN (build.sh's
# plan.tsv: VARIANT SLUG TEST TIMEOUT EXPECT NEEDS).
# A test whose NEEDS are not all "yes" in this cell's facts is not gradable here (the grader
# would say so and take its points out of the maximum): it counts nowhere and is named.
# Per lab, one line: SLUG REF_PASSED REF_GRADABLE STUBS_PASSED STUBS_GRADABLE BUGS_CAUGHT
#   BUGS_GRADABLE NOT_GRADABLE SECONDS
# A planted bug is caught when every gradable test its Catches: names fails; a bug none of
# whose tests is gradable here cannot be caught here (named, with the fact, not an error).
# Then lines starting with "! " (something is wrong) or "~ " (a note): a reference test that
# failed, a stub test that passed, a bug not caught, a plan line with no result.
# Exit 0 when nothing is wrong; 1 otherwise.
set -euo pipefail
cell=$1 plan=$2
log=$cell/graded.log
gawk -F'\t' -v glog="$log" -v facts="$cell/facts.tsv" '
  BEGIN {
    while ((getline line < facts) > 0) { split(line, f, "\t"); fact[f[1]] = f[2] }
    while ((getline line < glog) > 0) {
      if (line ~ /^graded /) {
        split(line, w, " "); key = w[2] SUBSEP w[3] SUBSEP w[4]
        rc[key] = substr(w[5], 4); cs[key] = substr(w[6], 4); last = key; said[key] = ""
      } else if (line ~ /^\| / && last != "") said[last] = said[last] "\n      " line
    }
  }
  function gradable(needs,   k, m, i, why) {
    why = ""
    if (needs != "-") {
      m = split(needs, k, " ")
      for (i = 1; i <= m; i++) if (fact[k[i]] != "yes") why = why (why ? ", " : "") k[i] "=" (k[i] in fact ? fact[k[i]] : "unknown")
    }
    return why
  }
  {
    v = $1; s = $2; t = $3; expect = $5; key = v SUBSEP s SUBSEP t
    role = v == "ref" || v == "stubs" ? v : "bug"
    if (!(s in seen)) { seen[s] = 1; order[++nlabs] = s }
    why = gradable($6)
    if (why != "") {
      ng[s]++; if (!((s, why) in ngwhy)) ngorder[s] = ngorder[s] SUBSEP why; ngwhy[s, why]++
      if (role == "bug") bugwhy[s, v] = why
      next
    }
    secs[s] += cs[key] / 100
    if (role == "ref") ref_n[s]++
    else if (role == "stubs") stub_n[s]++
    else if (!((s, v) in bug)) { bug[s, v] = 1; bugs[s] = bugs[s] " " v }
    if (!(key in rc)) { bad[++nb] = "! " s "/" t " (" v "): no result in " glog; missed[s, v] = 1; next }
    passed = rc[key] == 0
    if (passed && role == "ref") ref_p[s]++
    if (passed && role == "stubs") stub_p[s]++
    if (expect == "pass" && !passed) bad[++nb] = "! " s "/" t " (" v "): fails (exit " rc[key] "), it must pass" said[key]
    if (expect == "fail" && passed) { missed[s, v] = 1; bad[++nb] = "! " s "/" t " (" v "): passes, it must fail" said[key] }
  }
  END {
    for (i = 1; i <= nlabs; i++) {
      s = order[i]; caught = 0; total = 0
      m = split(bugs[s], b, " ")
      for (j = 1; j <= m; j++) { total++; if (!((s, b[j]) in missed)) caught++ }
      m = split(ngorder[s], w, SUBSEP)
      for (j = 2; j <= m; j++) note[++nn] = "~ " s ": " ngwhy[s, w[j]] " tests not gradable here: " w[j]
      for (k in bugwhy) { split(k, p, SUBSEP); if (p[1] == s && !((s, p[2]) in bug)) note[++nn] = "~ " s "/" p[2] ": this planted bug cannot be caught here: " bugwhy[k] }
      printf "%s %d %d %d %d %d %d %d %d\n", s, ref_p[s], ref_n[s], stub_p[s], stub_n[s], caught, total, ng[s], secs[s] + 0.5
    }
    for (i = 1; i <= nn; i++) print note[i]
    for (i = 1; i <= nb; i++) print bad[i]
    exit nb > 0
  }' "$plan"
