#!/usr/bin/env python3
"""summary_check.py — assertions on a graded batch's grades.csv and class summary, for
tests/run.sh. Every expected value is computed here from the per-submission reports
(OUT/ID/results.json) and the registry (cowlab list), by the rules handbook/instructors.md
states — never copied from the kit's own output. Exit 0 if the assertion holds, 1 with the
reason otherwise.

  summary_check.py grades OUT [--roster FILE] [--partial]
      grades.csv (grades-partial.csv): id first, name and email with a roster, status, every
      lab's every test in registry order, the labs, score, max_score; one row per submission
      folder of OUT (and per roster id), in id order; each row's cells agree with its
      results.json
  summary_check.py summary OUT [--finding]
      OUT/summary.csv: histogram, pass rates, not-gradable counts, the most common failure
      message per test, findings, labs not built, roster gaps; summary.png is a PNG and
      summary.svg an SVG, both non-empty. --finding: at least one test must be flagged.
  summary_check.py hostile DIR COWLAB
      a batch folder made here whose feedback holds quotes, commas, line breaks, escapes and
      control characters: cowlab summary must read it and write a CSV whose cells are intact
"""
import argparse
import collections
import csv
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

COWLAB = "build/bin/cowlab"
STUB_NOTE = "note: a file of this lab is missing or did not compile"


class Failed(Exception):
    """An assertion that does not hold; its message says why."""


def die(msg):
    raise Failed(msg)


def registry():
    """[(slug, [(test, about), ...]), ...] in registry order, from cowlab list."""
    labs = []
    for line in subprocess.run([COWLAB, "list"], capture_output=True, text=True, check=True).stdout.splitlines():
        slug = line.split()[0]
        tsv = subprocess.run([COWLAB, "list", slug, "--tsv"], capture_output=True, text=True, check=True).stdout
        labs.append((slug, [(c[0], c[4]) for c in (l.split("\t") for l in tsv.splitlines())]))
    return labs


def normalise(line):
    """The summary's normalisation (handbook/instructors.md, "Class summary")."""
    s = re.sub(r"[\x00-\x20\x7f]+", " ", line).strip()
    s = re.sub(r"^[^ :]+:\d+: ", "", s)
    s = re.sub(r"(?<![A-Za-z0-9_])-?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?)", "#", s)
    return s.encode()[:200].decode("utf-8", "ignore")


def message(output, about):
    """A failed test's message, from its results.json output."""
    first, _, rest = output.partition("\n")
    verdict = first[: -len(about) - 2] if first.endswith(": " + about) else first
    if verdict == "not built":
        return "not built"
    for line in rest.split("\n"):
        if not line.strip(" \t\r") or line.lstrip(" \t\r").startswith(STUB_NOTE):
            continue
        if line.lstrip(" \t\r").startswith("--- output"):
            break
        return normalise(line)
    return normalise(verdict)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def grades_file(out):
    whole = os.path.join(out, "grades.csv")
    return whole if os.path.exists(whole) else os.path.join(out, "grades-partial.csv")


def check_grades(a):
    labs = registry()
    name = "grades-partial.csv" if a.partial else "grades.csv"
    rows = read_csv(os.path.join(a.out, name))
    want = ["id"] + (["name", "email"] if a.roster else []) + ["status"]
    want += [f"{slug}/{t}" for slug, tests in labs for t, _ in tests] + [slug for slug, _ in labs]
    want += ["score", "max_score"]
    if rows[0] != want:
        die(f"{name}: header {rows[0]!r}, expected {want!r}")
    col = {h: i for i, h in enumerate(rows[0])}
    folders = sorted(d for d in os.listdir(a.out) if os.path.isdir(os.path.join(a.out, d)))
    roster = {}
    if a.roster:
        for r in csv.DictReader(open(a.roster, newline="", encoding="utf-8")):
            roster[{k.strip().lower(): v for k, v in r.items()}["id"]] = {k.strip().lower(): v for k, v in r.items()}
    ids = [r[0] for r in rows[1:]]
    if ids != sorted(set(folders) | set(roster)):
        die(f"{name}: rows {ids!r}, expected one per folder and roster id, in id order")
    status = "partial" if a.partial else "graded"
    for r in rows[1:]:
        if len(r) != len(want):
            die(f"{name}: row {r[0]!r} has {len(r)} cells, the header {len(want)}")
        if a.roster:
            who = roster.get(r[0], {"name": "", "email": ""})
            if (r[col["name"]], r[col["email"]]) != (who["name"], who["email"]):
                die(f"{name}: row {r[0]!r} name/email {r[1:3]!r}, the roster says {who!r}")
        if r[0] not in folders:
            if r[col["status"]] != "no submission" or any(r[col["status"]] and c for c in r[col["status"] + 1:]):
                die(f"{name}: roster id {r[0]!r} without a submission: {r!r}")
            continue
        if r[col["status"]] != status:
            die(f"{name}: row {r[0]!r} status {r[col['status']]!r}, expected {status!r}")
        res = json.load(open(os.path.join(a.out, r[0], "results.json"), encoding="utf-8"))
        if int(r[col["score"]]) != res["score"] or int(r[col["max_score"]]) != sum(t["max_score"] for t in res["tests"]):
            die(f"{name}: row {r[0]!r} score/max {r[-2:]!r} disagree with its results.json")
        for t in res["tests"]:
            cell = r[col[t["name"]]]
            expect = "-" if "status" not in t else str(t["score"])
            if cell != expect:
                die(f"{name}: row {r[0]!r} {t['name']} is {cell!r}, its results.json says {expect!r}")


def expected_summary(out):
    labs = registry()
    about = {f"{slug}/{t}": ab for slug, tests in labs for t, ab in tests}
    order = [f"{slug}/{t}" for slug, tests in labs for t, _ in tests]
    rows = read_csv(grades_file(out))
    col = {h: i for i, h in enumerate(rows[0])}
    bins = [0] * 11
    scored = 0
    passed, failed, ungradable = collections.Counter(), collections.Counter(), collections.Counter()
    unsubmitted = collections.Counter()
    msgs = collections.defaultdict(collections.Counter)
    lists = collections.defaultdict(list)
    for r in rows[1:]:
        st = r[col["status"]]
        if st == "no submission":
            lists["no_submission"].append(r[0])
            continue
        if "name" in col and r[col["name"]] == "":
            lists["not_in_roster"].append(r[0])
        if st not in ("graded", "partial"):
            lists["not_graded"].append(r[0])
            continue
        res = json.load(open(os.path.join(out, r[0], "results.json"), encoding="utf-8"))
        mx = sum(t["max_score"] for t in res["tests"])
        if mx > 0:
            bins[min(10, res["score"] * 10 // mx)] += 1
            scored += 1
        unbuilt = []
        for t in res["tests"]:
            n = t["name"]
            if "status" not in t:
                ungradable[n] += 1
            elif t["status"] == "passed":
                passed[n] += 1
            else:
                m = message(t["output"], about[n])
                if m == "not built" and "\nnone of the lab's files is in the submission" in t["output"]:
                    unsubmitted[n] += 1  # the lab was not handed in: not this test's failure
                    continue
                failed[n] += 1
                msgs[n][m] += 1
                lab = n.split("/")[0]
                if m == "not built" and lab not in unbuilt:
                    unbuilt.append(lab)
                    lists["not_built"].append(r[0])
    tests = {}
    for n in order:
        g = passed[n] + failed[n]
        if g + ungradable[n] + unsubmitted[n] == 0:
            continue
        top = min(msgs[n].items(), key=lambda kv: (-kv[1], kv[0].encode())) if msgs[n] else ("", "")
        tests[n] = dict(count=str(passed[n]), total=str(g), percent=f"{passed[n] * 100 / g:.1f}" if g else "",
                        not_gradable=str(ungradable[n]), not_submitted=str(unsubmitted[n]),
                        finding="yes" if g and failed[n] * 100 >= g * 90 else "",
                        message_count=str(top[1]), message=top[0])
    return bins, scored, tests, lists


def check_summary(a):
    bins, scored, tests, lists = expected_summary(a.out)
    rows = read_csv(os.path.join(a.out, "summary.csv"))
    head = rows[0]
    got = [dict(zip(head, r)) for r in rows[1:]]
    hist = [r for r in got if r["section"] == "histogram"]
    if [int(r["count"]) for r in hist] != bins or any(int(r["total"]) != scored for r in hist):
        die(f"summary.csv: histogram {[r['count'] for r in hist]} of {[r['total'] for r in hist][:1]}, "
            f"expected {bins} of {scored}")
    trows = {r["name"]: r for r in got if r["section"] == "test"}
    if list(trows) != list(tests):
        die(f"summary.csv: tests {list(trows)}, expected {list(tests)}")
    for n, want in tests.items():
        have = {k: trows[n][k] for k in want}
        if have != want:
            die(f"summary.csv: {n}: {have!r}, expected {want!r}")
    for section in ("not_built", "not_graded", "no_submission", "not_in_roster"):
        have = [r["name"] for r in got if r["section"] == section]
        if have != lists[section]:
            die(f"summary.csv: {section} {have!r}, expected {lists[section]!r}")
    if a.finding and not any(t["finding"] for t in tests.values()):
        die("no test is failed by 90 % or more here: the finding is not exercised")
    png = open(os.path.join(a.out, "summary.png"), "rb").read()
    if len(png) < 1000 or not png.startswith(b"\x89PNG\r\n\x1a\n"):
        die("summary.png is not a PNG image")
    svg = ET.parse(os.path.join(a.out, "summary.svg")).getroot()
    if not svg.tag.endswith("svg") or len(svg) == 0:
        die("summary.svg is not an SVG drawing")


HOSTILE = [
    'he said "stop", then, \'no\'\nsecond line',
    "a\\b \\\" back\\slash, \"quoted, with commas\"",
    "tab\there\rcarriage and \x1b[31mred\x1b[0m and \x07bell",
    "unicode \u00e9\u00e8 \u2603 \U0001f600, numbers 12 -3 0x1f 4.5 and x12",
    "",
    "   ",
]


def check_hostile(a):
    """A batch made by hand: every feedback line here is what a student could print."""
    labs = registry()
    slug, tests = labs[0]
    os.makedirs(a.dir, exist_ok=True)
    head = ["id", "status"] + [f"{s}/{t}" for s, ts in labs for t, _ in ts] + [s for s, _ in labs] + ["score", "max_score"]
    with open(os.path.join(a.dir, "grades.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(head)
        for i, text in enumerate(HOSTILE):
            sid = f"s{i},\"x\"" if i == 0 else f"s{i}"
            os.makedirs(os.path.join(a.dir, sid), exist_ok=True)
            name, about = tests[0]
            out = f"failed: 1 check: {about}\n{text}\n--- output ---\nmore, \"text\"\n"
            res = {"score": 0, "tests": [{"name": f"{slug}/{name}", "score": 0, "max_score": 10,
                                          "status": "failed", "output": out}]}
            json.dump(res, open(os.path.join(a.dir, sid, "results.json"), "w", encoding="utf-8"))
            w.writerow([sid, "graded"] + [""] * (len(head) - 2))
        # an id is a folder's name, which may hold anything but '/': shown escaped
        w.writerow(["s\x1b[2J\x07, \"gone\"", "could not be graded"] + [""] * (len(head) - 2))
    p = subprocess.run([a.cowlab, "summary", a.dir], capture_output=True)
    if p.returncode != 0:
        die(f"cowlab summary exited {p.returncode}: {p.stderr.decode(errors='replace')}")
    if b"\x1b" in p.stdout or b"\x07" in p.stdout:
        die("the terminal table passes a control character through")
    a.out, a.finding = a.dir, True
    check_summary(a)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("grades")
    g.add_argument("out")
    g.add_argument("--roster")
    g.add_argument("--partial", action="store_true")
    s = sub.add_parser("summary")
    s.add_argument("out")
    s.add_argument("--finding", action="store_true")
    h = sub.add_parser("hostile")
    h.add_argument("dir")
    h.add_argument("cowlab")
    a = ap.parse_args()
    try:
        {"grades": check_grades, "summary": check_summary, "hostile": check_hostile}[a.cmd](a)
    except Failed as e:
        print(f"summary_check {a.cmd}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
