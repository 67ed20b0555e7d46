#!/usr/bin/env python3
"""report_check.py — assertions on a grading run's output folder (results.json, junit.xml,
grades.csv), for tests/run.sh. Exit 0 if the assertion holds, 1 with the reason otherwise.

  report_check.py OUT --schema
  report_check.py OUT --lab SLUG --expect full|zero|built
  report_check.py OUT --lab SLUG --expect-failed TEST [TEST ...]
      (the lab built, and the tests that failed are exactly these: a planted bug's Catches:)
  report_check.py OUT --lab SLUG --expect-tests TEST [TEST ...]   (the report has exactly these)
  report_check.py --each FILE
      many checks in one run: each line of FILE is the arguments of one of the above,
      separated by tabs. Prints one line per check, "ok" or "fail<TAB>REASON", REASON on
      one line (backslashes doubled, newlines as \\n: printf %b restores it); exit 0 if
      every check held.
"""
import argparse
import csv
import json
import sys
import xml.etree.ElementTree as ET


class Failed(Exception):
    """An assertion that does not hold; its message says why."""


def die(msg):
    raise Failed(msg)


def load(out):
    with open(f"{out}/results.json", encoding="utf-8") as f:
        return json.load(f)


def lab_tests(results, lab):
    tests = [t for t in results["tests"] if t["name"].startswith(lab + "/")]
    if not tests:
        die(f"no tests of {lab} in results.json")
    return tests


def check_schema(out):
    r = load(out)
    for key, kind in (("score", (int, float)), ("execution_time", (int, float)), ("output", str)):
        if not isinstance(r.get(key), kind):
            die(f"results.json: top-level {key!r} missing or of the wrong type")
    total = 0
    for t in r["tests"]:
        # Gradescope's status is optional: the kit leaves it out only for a test the machine
        # could not decide ("not gradable here", 0 of 0 points).
        ungradable = str(t.get("output", "")).startswith("not gradable here: ")
        for key, kind in (("name", str), ("score", (int, float)), ("max_score", (int, float)),
                          ("status", str), ("output", str)):
            if key == "status" and ungradable:
                if "status" in t or t["score"] != 0 or t["max_score"] != 0:
                    die(f"results.json: test {t['name']}: not gradable, yet scored or given a status")
                continue
            if not isinstance(t.get(key), kind):
                die(f"results.json: test {t.get('name')!r}: {key!r} missing or wrong type")
        if ungradable:
            continue
        if t["status"] not in ("passed", "failed"):
            die(f"results.json: test {t['name']}: status {t['status']!r}")
        if (t["status"] == "passed") != (t["score"] == t["max_score"]):
            die(f"results.json: test {t['name']}: status and score disagree")
        total += t["score"]
    if total != r["score"]:
        die(f"results.json: score {r['score']} is not the sum of the tests' scores {total}")
    root = ET.parse(f"{out}/junit.xml").getroot()
    cases = root.findall("./testsuite/testcase")
    if len(cases) != len(r["tests"]):
        die(f"junit.xml has {len(cases)} testcases, results.json {len(r['tests'])} tests")
    for kind in ("failure", "error"):
        n = len(root.findall(f"./testsuite/testcase/{kind}"))
        if int(root.get(kind + "s")) != n:
            die(f"junit.xml: {kind}s attribute disagrees with the {kind} elements")
        for suite in root.findall("./testsuite"):
            if int(suite.get(kind + "s", "-1")) != len(suite.findall(f"./testcase/{kind}")):
                die(f"junit.xml: testsuite {suite.get('name')!r}: {kind}s disagrees")
    # a crash, a timeout, a missing completion record or a failed build is an <error>; a
    # failed check a <failure>
    for case in root.findall("./testsuite/testcase"):
        for kind, el in (("failure", case.find("failure")), ("error", case.find("error"))):
            if el is None:
                continue
            msg = el.get("message", "")
            is_error = msg.startswith(("crashed", "timed out", "ended before", "ended early",
                                       "not built", "could not start", "did not start",
                                       "broke the subject protocol"))
            if is_error != (kind == "error"):
                die(f"junit.xml: {case.get('name')}: '{msg}' reported as <{kind}>")
    if "skipped" in root.attrib:  # junit-10.xsd allows it on <testsuite> only
        die("junit.xml: <testsuites> has a skipped attribute")
    for suite in root.findall("./testsuite"):
        for attr in ("name", "tests", "failures", "errors"):
            if attr not in suite.attrib:
                die(f"junit.xml: testsuite {suite.get('name')!r} lacks {attr!r}")
        if int(suite.get("skipped", "0")) != len(suite.findall("./testcase/skipped")):
            die("junit.xml: skipped attribute disagrees with the skipped elements")
    with open(f"{out}/grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if len(rows) != 2 or rows[0][:2] != ["id", "status"] or rows[0][-2:] != ["score", "max_score"]:
        die(f"grades.csv: expected a header (id, status, ..., score, max_score) and one row, got {rows!r}")
    if int(rows[1][-2]) != r["score"]:
        die("grades.csv: score disagrees with results.json")


def check(argv):
    """One check, as on the command line. Returns if it holds; raises Failed otherwise."""
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--schema", action="store_true")
    ap.add_argument("--lab")
    ap.add_argument("--expect", choices=("full", "zero", "built"))
    ap.add_argument("--expect-failed", nargs="+")
    ap.add_argument("--expect-tests", nargs="+")
    a = ap.parse_args(argv)
    if a.schema:
        check_schema(a.out)
        return
    tests = lab_tests(load(a.out), a.lab)
    if a.expect == "full":
        bad = [f"{t['name']}: {t['output'][:300]}" for t in tests if t["status"] != "passed"]
        if bad:
            die("not passed:\n" + "\n".join(bad))
    elif a.expect == "built":
        bad = [t["name"] for t in tests if t["output"].startswith("not built")]
        if bad:
            die("did not build:\n" + tests[0]["output"][:2000])
    elif a.expect == "zero":
        bad = [t["name"] for t in tests if t["status"] != "failed" or t["score"] != 0]
        if bad:
            die("stub scored points on: " + ", ".join(bad))
    if a.expect_failed:
        if any(t["output"].startswith("not built") for t in tests):
            die("the planted bug does not build (a bug must be caught by a check, not by the "
                "compiler):\n" + tests[0]["output"][:2000])
        by_name = {t["name"].split("/", 1)[1]: t for t in tests}
        for name in a.expect_failed:
            if name not in by_name:
                die(f"no test named {name}")
        failed = [n for n, t in by_name.items() if t.get("status") == "failed"]
        missed = [n for n in a.expect_failed if n not in failed]
        extra = [n for n in failed if n not in a.expect_failed]
        if missed or extra:
            die("the tests that failed are not exactly those named:"
                + (f" not caught by {', '.join(missed)};" if missed else "")
                + (f" also failed {', '.join(extra)}" if extra else "")
                + "\n" + "\n".join(f"{n}: {by_name[n]['output'][:300]}" for n in extra))
        if sum(t["score"] for t in tests) >= sum(t["max_score"] for t in tests):
            die("the planted bug scores full marks")
    if a.expect_tests:
        got = sorted(t["name"].split("/", 1)[1] for t in tests)
        if got != sorted(a.expect_tests):
            die(f"the report has the tests {got}, not {sorted(a.expect_tests)}")


def main():
    if sys.argv[1:2] == ["--each"] and len(sys.argv) == 3:
        held = True
        with open(sys.argv[2], encoding="utf-8") as f:
            for line in f:
                try:
                    check(line.rstrip("\n").split("\t"))
                    print("ok")
                except (Failed, OSError, ValueError, KeyError, SystemExit) as e:
                    held = False
                    why = str(e).replace("\\", "\\\\").replace("\n", "\\n")
                    print(f"fail\t{why}")
        sys.exit(0 if held else 1)
    try:
        check(sys.argv[1:])
    except Failed as e:
        print(e)
        sys.exit(1)


if __name__ == "__main__":
    main()
