#!/usr/bin/env bash
# tests/gradescope.sh OUT [LAB] — make gradescope LAB=NN, end to end, as Gradescope would run
# it (make test calls it; LAB default 01, the fastest to grade):
#   the zip holds setup.sh and run_autograder at its root, the lab's slug, the kit's sources,
#   and no solutions/ or tests/ (and the check that says so fails on a zip that holds them;
#   pack.py refuses a link that leads into solutions/);
#   unpacked into ROOT/source and built there by its own setup.sh (which installs nothing
#   here: every package is present), it grades ROOT/submission into ROOT/results/results.json
#   (COWLAB_AUTOGRADER_ROOT=ROOT) for uploads of the reference solution as flat files, in a
#   nested folder beside another lab's same-named file, and in a zip (full marks), the
#   handout's stubs (0), a file uploaded twice with different contents beside a link and an
#   unknown file (neither copy graded, the output lists what was uploaded where), and a
#   machine the grader refuses (score 0 and the reason); every results.json passes the
#   schema check of tests/report_check.py --results-schema.
# Writes OUT/verdicts: one "ok<TAB>WHAT" or "fail<TAB>WHAT<TAB>WHY" line per check (WHY on
# one line, newlines as \n), and OUT/times: how long each step took. Expected scores come from
# the reports and the lab's registry, never written here.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$1 LAB=${2:-01}
rm -rf "$OUT"; mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
V=$OUT/verdicts T=$OUT/times; : >"$V"; : >"$T"
verdict() { # WHAT COMMAND...: run it; its output is the reason when it fails
  local what=$1 why; shift
  if why=$("$@" 2>&1); then printf 'ok\t%s\n' "$what" >>"$V"
  else printf 'fail\t%s\t%s\n' "$what" "$(printf '%s' "$why" | tail -15 | sed 's/\\/\\\\/g' | sed ':a;N;$!ba;s/\n/\\n/g')" >>"$V"; fi
}
timed() { # NAME COMMAND...: run it, record its wall time in OUT/times; its status
  local name=$1 t0 ms rc=0; shift; t0=$(date +%s%N)
  "$@" || rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  printf '%-34s %d.%d s\n' "$name" $((ms / 1000)) $((ms % 1000 / 100)) >>"$T"
  return $rc
}
slug=$(basename "$(dirname "$(ls labs/"$LAB"*/tests.def | head -1)")")
files=$(sed -n 's/^CL_LAB("[^"]*", *"[^"]*", *"\([^"]*\)")$/\1/p' "labs/$slug/tests.def")
zip=build/gradescope/$slug/autograder.zip

# The zip: what it holds and what it must not. zip_holds ZIP prints the first problem, exit 1.
zip_holds() {
  python3 - "$1" "$slug" <<'PY'
import stat, sys, zipfile
z = zipfile.ZipFile(sys.argv[1]); names = z.namelist(); slug = sys.argv[2]
bad = [n for n in names if n.split("/")[0] in ("solutions", "tests")]
assert not bad, f"the zip holds {bad[:3]}"
for n in ("setup.sh", "run_autograder"):
    assert n in names, f"no {n} at the zip's root"
    assert stat.S_IMODE(z.getinfo(n).external_attr >> 16) & 0o100, f"{n} is not executable"
assert z.read("cowlab-lab").decode().strip() == slug, "cowlab-lab does not name the lab"
for n in ("Makefile", f"labs/{slug}/tests.def", "scripts/deps.sh", "scripts/gradescope/collect.py"):
    assert n in names, f"no {n} in the zip"
assert not any(n.startswith(("/", "../")) or "/../" in n for n in names), "an unsafe path"
PY
}
timed "make gradescope LAB=$LAB" make -s gradescope LAB="$LAB" >"$OUT/pack.log" 2>&1 ||
  { printf 'fail\tmake gradescope LAB=%s\t%s\n' "$LAB" "$(tr '\n' ' ' <"$OUT/pack.log")" >>"$V"; exit 0; }
verdict "the zip has setup.sh and run_autograder at its root, the lab, the kit; no solutions/, no tests/" \
  zip_holds "$zip"
doctored() { # the same check on a copy of the zip with a solution added: it must fail
  cp "$zip" "$OUT/doctored.zip"
  python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1],'a').write(sys.argv[2],'solutions/x.c')" \
    "$OUT/doctored.zip" "$(ls solutions/"$slug"/*.c | head -1)"
  ! zip_holds "$OUT/doctored.zip" >/dev/null 2>&1
}
verdict "... and that check fails on a zip that holds solutions/" doctored
leaky_link() { # pack.py in a copy of the kit whose lab folder links to a solution: refused
  local kit=$OUT/leaky-kit
  mkdir -p "$kit"; cp -r Makefile harness include labs scripts "$kit/"; mkdir -p "$kit/solutions"
  cp -r "solutions/$slug" "$kit/solutions/"
  ln -s "../../solutions/$slug/$(set -- $files; echo "$1")" "$kit/labs/$slug/answer.c"
  ! (cd "$kit" && python3 scripts/gradescope/pack.py "$LAB" --out "$OUT/leaky-out") 2>"$OUT/leaky.err" &&
    grep -q "outside" "$OUT/leaky.err" && [ ! -e "$OUT/leaky-out/$slug/autograder.zip" ]
}
verdict "pack.py refuses a lab folder with a link into solutions/ (no zip written)" leaky_link
verdict "the same sources give the same zip, byte for byte" bash -c \
  "cp '$zip' '$OUT/first.zip' && make -s gradescope LAB='$LAB' >/dev/null && cmp '$OUT/first.zip' '$zip'"

# Unpacked as Gradescope does, built by its own setup.sh.
root=$OUT/root; mkdir -p "$root/source"
if command -v unzip >/dev/null; then unzip -q "$zip" -d "$root/source" # keeps the zip's modes
else python3 -m zipfile -e "$zip" "$root/source"; chmod +x "$root/source/setup.sh" "$root/source/run_autograder"; fi
setup_ok=0
timed "setup.sh (deps present, build)" "$root/source/setup.sh" >"$OUT/setup.log" 2>&1 && setup_ok=1
verdict "setup.sh builds the lab from the zip alone (exit 0)" test $setup_ok -eq 1
verdict "setup.sh installs nothing when every package is present" bash -c \
  "! grep -q 'cowlab: installing' '$OUT/setup.log'"
[ $setup_ok -eq 1 ] || { cat "$OUT/setup.log" >&2; exit 0; }

# One grading: a root of its own (its source the one built above), UPLOAD's contents as the
# submission. grade NAME SETUP-FUNCTION: runs run_autograder; OUT/NAME.log has its stdout.
grade() {
  local name=$1 r=$OUT/$1; mkdir -p "$r/submission"; ln -s "$root/source" "$r/source"
  "$2" "$r/submission"
  COWLAB_AUTOGRADER_ROOT=$r timed "run_autograder: $name" "$root/source/run_autograder" \
    >"$OUT/$name.log" 2>&1 || echo "exit $?" >>"$OUT/$name.log"
}
up_flat() { cp "solutions/$slug"/*.c "$1/"; }
up_nested() { # the student's whole labs/ folder, in a folder: another lab's same-named files too
  mkdir -p "$1/mywork/$slug"; cp "solutions/$slug"/*.c "$1/mywork/$slug/"
  local other; for other in labs/*/; do other=$(basename "$other"); [ "$other" = "$slug" ] && continue
    mkdir -p "$1/mywork/$other"; cp "labs/$other"/*.c "$1/mywork/$other/"; done
}
up_zip() { # lab1.zip holding lab1/FILE for each file, and a member that climbs out (not read)
  python3 - "$1/lab1.zip" "solutions/$slug" $files <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for f in sys.argv[3:]:
        z.write(f"{sys.argv[2]}/{f}", f"lab1/{f}")
    z.writestr(f"../../{sys.argv[3]}", "not C")
PY
}
up_stubs() { cp "labs/$slug"/*.c "$1/"; }
up_twice() { # every file once (the reference), the first twice (once the stub), a link, notes
  local first; first=$(set -- $files; echo "$1")
  cp "solutions/$slug"/*.c "$1/"; mkdir -p "$1/old" "$1/linked"
  cp "labs/$slug/$first" "$1/old/$first"; echo "my notes" >"$1/notes.txt"
  ln -s "$PWD/solutions/$slug/$first" "$1/linked/$first"
}
refused() { # a machine the grader refuses as a whole (a fact every lab needs is not there)
  cp "solutions/$slug"/*.c "$1/"
}
grade flat up_flat &
grade nested up_nested
wait
grade zip up_zip &
grade stubs up_stubs
wait
grade twice up_twice
COWLAB_PROBE_FORGET=smaps grade refused refused
# Root that may not measure another uid: graded unprivileged (uid 65534 must reach the kit).
unprivileged=0
[ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
  setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$root/source/build/bin/cowlab" && unprivileged=1
[ $unprivileged -eq 1 ] && COWLAB_PROBE_FORGET=other_uid grade noptrace up_flat

results() { echo "$OUT/$1/results/results.json"; }
max=$(build/bin/cowlab list "$slug" | awk '{s += $2} END {print s}')
full() { # NAME: full marks (the lab's registry's total), every test passed
  python3 - "$(results "$1")" "$max" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["tests"] and all(t["status"] == "passed" for t in r["tests"]), \
    [(t["name"], t["output"][:200]) for t in r["tests"] if t["status"] != "passed"]
assert r["score"] == int(sys.argv[2]), (r["score"], sys.argv[2])
PY
}
says() { # NAME TEXT...: results.json's output holds every TEXT
  local name=$1; shift
  python3 - "$(results "$name")" "$@" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))["output"]
missing = [w for w in sys.argv[2:] if w not in out]
assert not missing, f"{missing} not in: {out[:1500]}"
PY
}
cases="flat nested zip stubs twice refused"
for name in $cases; do printf '%s\t--results-schema\n' "$OUT/$name/results"; done >"$OUT/schema.each"
python3 tests/report_check.py --each "$OUT/schema.each" >"$OUT/schema.verdicts" || true
exec 3<"$OUT/schema.verdicts"
for name in $cases; do # one run of report_check.py for them all: a verdict line each
  IFS=$'\t' read -r got why <&3 || got="no verdict"
  verdict "$name: results.json follows Gradescope's schema" bash -c '[ "$1" = ok ] || { printf "%b" "$2"; exit 1; }' _ "$got" "${why:-}"
done
exec 3<&-
verdict "flat files (the reference): full marks" full flat
verdict "... and the output says where each file came from" says flat "graded from $(set -- $files; echo "$1")"
verdict "a nested folder beside other labs' folders (same file names): full marks" full nested
verdict "... and another lab's same-named file is named as ignored" says nested "in another lab's folder: ignored"
verdict "a zip of a folder: full marks" full zip
verdict "... and a member that climbs out with .. is named, not read" says zip "unsafe path"
verdict "the handout's stubs: 0, every test failed" python3 -c "
import json, sys; r = json.load(open(sys.argv[1]))
assert r['score'] == 0 and r['tests'] and all(t['status'] == 'failed' for t in r['tests'])" \
  "$(results stubs)"
first=$(set -- $files; echo "$1")
verdict "a file uploaded twice, different contents: neither graded; the output lists the uploads" \
  says twice "$first: found 2 times with different contents" "old/$first" "linked/$first" \
  "symbolic link: not followed" "notes.txt" "the upload holds"
verdict "... and the tests of that file fail (the stub stood in), the others pass" python3 -c "
import json, sys; r = json.load(open(sys.argv[1]))
failed = [t for t in r['tests'] if t['status'] == 'failed']; passed = [t for t in r['tests'] if t['status'] == 'passed']
assert failed and passed and 0 < r['score'] < int(sys.argv[2]), (r['score'], len(failed))
assert all('stub stood in' in t['output'] for t in failed), [t['output'][:200] for t in failed]" \
  "$(results twice)" "$max"
verdict "a machine the grader refuses: score 0, no tests, the reason in the output" python3 -c "
import json, sys; r = json.load(open(sys.argv[1]))
assert r['score'] == 0 and r['tests'] == [] and 'smaps' in r['output'], r" "$(results refused)"
if [ $unprivileged -eq 1 ]; then
  verdict "root that may not measure another uid (no CAP_SYS_PTRACE): graded unprivileged, full marks" full noptrace
  verdict "... and the output says it was graded as an unprivileged user" says noptrace "graded as an unprivileged user"
fi
verdict "run_autograder exits 0 whenever it wrote results.json" bash -c "! grep -q '^exit ' '$OUT'/*.log"
exit 0
