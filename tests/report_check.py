#!/usr/bin/env python3
"""report_check.py — assertions on a grading run's output folder (results.json, junit.xml,
grades.csv, prairielearn.json, autolab.txt), for tests/run.sh. Exit 0 if the assertion holds,
1 with the reason otherwise.

  report_check.py OUT --schema
      every file against its service's documented schema (Gradescope's results.json,
      junit-10.xsd's attributes, PrairieLearn's external grader results, Autolab's last line),
      the same verdicts in each, and no feedback of a test that is not visible in what a
      student sees (see check_withheld)
  report_check.py OUT --schema --expect-gradable yes|no
      ... and PrairieLearn's gradable is that
  report_check.py OUT --schema --expect-withheld
      ... and some test that is not visible failed with feedback that could have leaked
  report_check.py OUT --schema --expect-cut
      ... and the feedback was over PrairieLearn's 1 MB (results.json is), so it was cut
  report_check.py OUT --registry TESTS.DEF [--markdown FILE]
      results.json gives each test the visibility its lab's tests.def declares
      (CL_VISIBILITY lines; visible when none names it), and FILE (cowlab list LAB
      --markdown) marks exactly the tests that are not visible, with their visibility
  report_check.py RESULTS --results-schema
      (RESULTS/results.json alone, as a Gradescope autograder leaves it: the schema checks of
      --schema without junit.xml and grades.csv)
  report_check.py OUT --lab SLUG --expect full|zero|built
  report_check.py OUT --lab SLUG --expect-failed TEST [TEST ...]
      (the lab built, and the tests that failed are exactly these: a planted bug's Catches:)
  report_check.py OUT --lab SLUG --expect-tests TEST [TEST ...]   (the report has exactly these)
  report_check.py OUT --lab SLUG --expect-said TEXT TEST [TEST ...]
      each of these tests failed, and its feedback's first line holds TEXT (whom a crash
      blames, what stopped the subject)
  report_check.py --each FILE
      many checks in one run: each line of FILE is the arguments of one of the above,
      separated by tabs. Prints one line per check, "ok" or "fail<TAB>REASON", REASON on
      one line (backslashes doubled, newlines as \\n: printf %b restores it); exit 0 if
      every check held.
"""
import argparse
import csv
import json
import os
import re
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


# Gradescope's documented results.json (gradescope-autograders.readthedocs.io, "Autograder
# Specifications"): every key optional, these and no others; the kit always writes score,
# execution_time, output and tests.
GS_TOP = {"score", "execution_time", "output", "output_format", "test_output_format",
          "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
          "leaderboard"}
GS_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output",
           "output_format", "tags", "visibility", "extra_data"}
GS_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
GS_FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def check_documented(r):
    """Only the documented keys, each with a documented value where the spec lists them."""
    if not isinstance(r, dict) or set(r) - GS_TOP:
        die(f"results.json: keys Gradescope does not document: {sorted(set(r) - GS_TOP)}")
    for t in r["tests"] if isinstance(r.get("tests"), list) else []:
        if not isinstance(t, dict) or set(t) - GS_TEST:
            die(f"results.json: test {t.get('name')!r} has undocumented keys {sorted(set(t) - GS_TEST)}")
    for where, obj in [("top level", r)] + [(f"test {t.get('name')!r}", t) for t in r["tests"]]:
        for key in ("visibility", "stdout_visibility"):
            if key in obj and obj[key] not in GS_VISIBILITY:
                die(f"results.json: {where}: {key} {obj[key]!r} is not one of {sorted(GS_VISIBILITY)}")
        for key in ("output_format", "test_output_format", "test_name_format", "name_format"):
            if key in obj and obj[key] not in GS_FORMATS:
                die(f"results.json: {where}: {key} {obj[key]!r} is not one of {sorted(GS_FORMATS)}")
        if "tags" in obj and not (isinstance(obj["tags"], list) and
                                  all(isinstance(x, str) for x in obj["tags"])):
            die(f"results.json: {where}: tags is not a list of strings")
    if r["execution_time"] < 0 or any(t.get("max_score", 0) < 0 for t in r["tests"]):
        die("results.json: a negative execution_time or max_score")


def check_results_json(r):
    """results.json against Gradescope's schema and the kit's own rules (status agrees with
    the score, the score is the sum of the tests')."""
    for key, kind in (("score", (int, float)), ("execution_time", (int, float)), ("output", str),
                      ("tests", list)):
        if not isinstance(r.get(key), kind) or isinstance(r.get(key), bool):
            die(f"results.json: top-level {key!r} missing or of the wrong type")
    check_documented(r)
    total = 0
    for t in r["tests"]:
        # Gradescope's status is optional: the kit leaves it out only for a test the machine
        # could not decide ("not gradable here", 0 of 0 points).
        ungradable = str(t.get("output", "")).startswith("not gradable here: ")
        if t.get("visibility", "visible") not in VISIBILITIES:
            die(f"results.json: test {t.get('name')!r}: visibility {t.get('visibility')!r}")
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


def check_schema(out):
    r = load(out)
    check_results_json(r)
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
    return r


# PrairieLearn: "this file should be limited to 1 MB": the stricter reading, 10^6 bytes.
PL_MAX_BYTES = 1000 * 1000
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
NUMBER = (int, float)


def is_number(x):
    return isinstance(x, NUMBER) and not isinstance(x, bool)


def read_utf8(path):
    """The file's text; it must be valid UTF-8."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data, data.decode("utf-8")
    except UnicodeDecodeError as e:
        die(f"{path}: not valid UTF-8 ({e})")


def check_prairielearn(out):
    """PrairieLearn's external grader results (docs/externalGrading.md, "Grading results"):
    an object; gradable a boolean (absent: true); when gradable, score a number in [0, 1];
    format_errors a string or a list of strings; message and output strings; tests a list of
    objects with name (string), points and max_points (numbers), description, message and
    output (strings); the file under 1 MB. Returns the parsed object."""
    path = f"{out}/prairielearn.json"
    data, text = read_utf8(path)
    if len(data) > PL_MAX_BYTES:
        die(f"prairielearn.json: {len(data)} bytes, over PrairieLearn's 1 MB")
    pl = json.loads(text)
    if not isinstance(pl, dict):
        die("prairielearn.json: not an object")
    gradable = pl.get("gradable", True)
    if not isinstance(gradable, bool):
        die("prairielearn.json: gradable is not a boolean")
    if gradable:
        if not is_number(pl.get("score")) or not 0 <= pl["score"] <= 1:
            die(f"prairielearn.json: gradable, and score {pl.get('score')!r} is not in [0, 1]")
    elif "format_errors" in pl:
        fe = pl["format_errors"]
        if not (isinstance(fe, str) or (isinstance(fe, list) and all(isinstance(x, str) for x in fe))):
            die("prairielearn.json: format_errors is neither a string nor a list of strings")
    for key in ("message", "output"):
        if key in pl and not isinstance(pl[key], str):
            die(f"prairielearn.json: {key} is not a string")
    tests = pl.get("tests", [])
    if not isinstance(tests, list):
        die("prairielearn.json: tests is not a list")
    for t in tests:
        if not isinstance(t, dict) or not isinstance(t.get("name"), str):
            die(f"prairielearn.json: a test without a name: {str(t)[:200]}")
        for key in ("points", "max_points"):
            if not is_number(t.get(key)):
                die(f"prairielearn.json: test {t['name']}: {key} missing or not a number")
        for key in ("description", "message", "output"):
            if key in t and not isinstance(t[key], str):
                die(f"prairielearn.json: test {t['name']}: {key} is not a string")
        if not 0 <= t["points"] <= t["max_points"]:
            die(f"prairielearn.json: test {t['name']}: {t['points']} of {t['max_points']} points")
    return pl


def check_autolab(out):
    """Autolab reads the last line of the autograder's output: a JSON object whose "scores"
    maps each problem's name to its points (numbers), with an optional "scoreboard" (a list).
    The rest is the feedback a student reads: valid UTF-8 text without control bytes but
    newline and tab, and (as cowlab promises) under 1 MB. Returns (last line's object, the
    text before it)."""
    data, text = read_utf8(f"{out}/autolab.txt")
    if len(data) > PL_MAX_BYTES:
        die(f"autolab.txt: {len(data)} bytes, over 1 MB")
    if not text.endswith("\n"):
        die("autolab.txt: does not end with a line break")
    body, _, last = text[:-1].rpartition("\n")
    try:
        al = json.loads(last)
    except ValueError:
        die(f"autolab.txt: the last line is not JSON: {last[:200]!r}")
    if not isinstance(al, dict) or not isinstance(al.get("scores"), dict):
        die("autolab.txt: the last line has no \"scores\" object")
    for name, points in al["scores"].items():
        if not is_number(points):
            die(f"autolab.txt: score of {name!r} is not a number")
    if "scoreboard" in al and not isinstance(al["scoreboard"], list):
        die("autolab.txt: scoreboard is not a list")
    bad = [c for c in body if (ord(c) < 0x20 and c not in "\n\t") or ord(c) == 0x7f]
    if bad:
        die(f"autolab.txt: {len(bad)} control characters in the feedback")
    return al, body


def junit_feedback(out):
    """{test name: its whole feedback in junit.xml (the instructor's file): the message and
    text of its failure, error or skipped element}."""
    fb = {}
    for suite in ET.parse(f"{out}/junit.xml").getroot().findall("./testsuite"):
        for case in suite.findall("./testcase"):
            el = next((e for e in case if e.tag in ("failure", "error", "skipped")), None)
            fb[f"{suite.get('name')}/{case.get('name')}"] = (
                "" if el is None else el.get("message", "") + "\n" + (el.text or ""))
    return fb


def normal(text):
    """Text as the formats may render it: control characters and U+FFFD alike."""
    return "".join("\ufffd" if (ord(c) < 0x20 and c not in "\n\t") or ord(c) == 0x7f else c
                   for c in text)


def strings(x):
    """Every string in a parsed JSON value."""
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for v in x.values():
            yield from strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from strings(v)


def check_withheld(out, r, pl, al_body, expect):
    """No line of the feedback of a test that is not visible (from junit.xml) that no visible
    test also says is in what a student sees at once: prairielearn.json, autolab.txt and
    results.json's top-level output; nor, for a hidden test, anywhere in results.json
    (Gradescope shows after_due_date and after_published tests itself, when their time
    comes). With expect, some such line must exist (the check would otherwise be vacuous)."""
    fb = junit_feedback(out)
    vis = {t["name"]: t["visibility"] for t in r["tests"]}
    public = "\n".join(normal(fb.get(n, "")) for n, v in vis.items() if v == "visible")
    found = 0
    for name, v in vis.items():
        if v == "visible":
            continue
        secret = [ln.strip() for ln in normal(fb.get(name, "")).split("\n")]
        secret = [ln for ln in secret if len(ln) >= 16 and ln not in public]
        found += len(secret)
        places = {"prairielearn.json": "\n".join(normal(s) for s in strings(pl)),
                  "autolab.txt": normal(al_body),
                  "results.json's top-level output": normal(r["output"])}
        if v == "hidden":
            places["results.json"] = "\n".join(normal(s) for s in strings(r))
        for place, text in places.items():
            for ln in secret:
                if ln in text:
                    die(f"{place} shows the feedback of {name} ({v}): {ln[:200]!r}")
        # ... and the test's own entries say nothing of its feedback, not even a line other
        # tests share ("failed: 1 check"): only that it is withheld.
        own = [ln.strip() for ln in normal(fb.get(name, "")).split("\n")]
        own = [ln for ln in own if len(ln) >= 8]
        entries = {"prairielearn.json": [t for t in pl.get("tests", []) if t["name"] == name],
                   "autolab.txt": [ln for ln in al_body.split("\n") if ln.startswith(name + " ")]
                   + [seg.split("\n\n--- ")[0] for seg in al_body.split(f"\n--- {name}: ")[1:]]}
        if v == "hidden":
            entries["results.json"] = [t for t in r["tests"] if t["name"] == name]
        for place, items in entries.items():
            text = "\n".join(normal(x) for x in strings(items))
            for ln in own:
                if ln in text:
                    die(f"{place}: the entry of {name} ({v}) shows its feedback: {ln[:200]!r}")
    if expect and not found:
        die("no test that is not visible failed with feedback of its own: nothing to look for")


def check_services(out, r, gradable=None, withheld=False, cut=False):
    """prairielearn.json and autolab.txt against their schemas, and against results.json: the
    same tests, points and maxima (tests not gradable here: 0 of 0 in PrairieLearn, absent
    from Autolab's scores), score = points / max_points, gradable when junit.xml has a test
    that built and was decided."""
    pl = check_prairielearn(out)
    al, al_body = check_autolab(out)
    graded = {t["name"]: t for t in r["tests"]}
    decided = [c for c in ET.parse(f"{out}/junit.xml").getroot().findall("./testsuite/testcase")
               if c.find("skipped") is None and not any(
                   e.get("message", "").startswith("not built") for e in c)]
    want_gradable = bool(decided) and sum(t["max_score"] for t in r["tests"]) > 0
    if pl.get("gradable", True) != want_gradable:
        die(f"prairielearn.json: gradable is {pl.get('gradable', True)}, but {len(decided)} "
            "tests were built and decided")
    if gradable is not None and want_gradable != (gradable == "yes"):
        die(f"prairielearn.json: gradable is {want_gradable}, not {gradable}")
    if want_gradable:
        got = {t["name"]: (t["points"], t["max_points"]) for t in pl.get("tests", [])}
        want = {n: (t["score"], t["max_score"]) for n, t in graded.items()}
        if got != want:
            die(f"prairielearn.json's tests differ from results.json's: "
                f"{sorted(set(got.items()) ^ set(want.items()))[:6]}")
        total = sum(p for p, _ in got.values()), sum(m for _, m in got.values())
        if abs(pl["score"] - total[0] / total[1]) > 1e-6:
            die(f"prairielearn.json: score {pl['score']}, tests {total[0]}/{total[1]}")
    elif "score" in pl or pl.get("tests"):
        die("prairielearn.json: not gradable, yet scored")
    want = {n: t["score"] for n, t in graded.items() if "status" in t}
    if al["scores"] != want:
        die(f"autolab.txt's scores differ from results.json's: "
            f"{sorted(set(al['scores'].items()) ^ set(want.items()))[:6]}")
    if al.get("scoreboard", [r["score"]])[0] != r["score"]:
        die(f"autolab.txt: scoreboard {al['scoreboard'][:3]} does not start with the score")
    check_withheld(out, r, pl, al_body, withheld)
    if cut:
        size = os.path.getsize(f"{out}/results.json")
        if size <= PL_MAX_BYTES or "[... cut here: " not in pl["output"] + "".join(
                t["output"] for t in pl["tests"]):
            die(f"the feedback was not cut: results.json has {size} bytes, and "
                "prairielearn.json no cut note")


def check_registry(out, deffile, markdown):
    """results.json's visibility per test, and the points table's marks, from tests.def."""
    with open(deffile, encoding="utf-8") as f:
        lines = f.read().splitlines()
    slug = next(re.match(r'CL_LAB\("([^"]+)"', ln).group(1) for ln in lines
                if ln.startswith("CL_LAB("))
    tests = [re.match(r"CL_TEST\((\w+),", ln).group(1) for ln in lines if ln.startswith("CL_TEST(")]
    declared = {t: "visible" for t in tests}
    for ln in lines:
        m = re.match(r'CL_VISIBILITY\((\w+), "([^"]*)"\)', ln)
        if m:
            declared.update({t: m.group(1) for t in m.group(2).split()})
    if set(declared.values()) == {"visible"}:
        die(f"{deffile} declares no visibility: nothing to check")
    r = load(out)
    got = {t["name"].split("/", 1)[1]: t.get("visibility") for t in r["tests"]
           if t["name"].startswith(slug + "/")}
    if got != declared:
        die(f"results.json's visibility differs from {deffile}: "
            f"{sorted(set(got.items()) ^ set(declared.items()))}")
    if markdown:
        with open(markdown, encoding="utf-8") as f:
            rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \|[^|]*\|(.*)\|$",
                                                                f.read(), re.M)}
        for t, v in declared.items():
            row = rows.get(t, "")
            marked = "(feedback: " in row
            if marked != (v != "visible") or (marked and f"*(feedback: {v})*" not in row):
                die(f"{markdown}: the row of {t} ({v}) is {rows.get(t)!r}")


def check(argv):
    """One check, as on the command line. Returns if it holds; raises Failed otherwise."""
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--schema", action="store_true")
    ap.add_argument("--results-schema", action="store_true")
    ap.add_argument("--lab")
    ap.add_argument("--expect", choices=("full", "zero", "built"))
    ap.add_argument("--expect-failed", nargs="+")
    ap.add_argument("--expect-tests", nargs="+")
    ap.add_argument("--expect-said", nargs="+")
    ap.add_argument("--expect-gradable", choices=("yes", "no"))
    ap.add_argument("--expect-withheld", action="store_true")
    ap.add_argument("--expect-cut", action="store_true")
    ap.add_argument("--registry")
    ap.add_argument("--markdown")
    a = ap.parse_args(argv)
    if a.registry:
        check_registry(a.out, a.registry, a.markdown)
        return
    if a.schema:
        check_services(a.out, check_schema(a.out), a.expect_gradable, a.expect_withheld,
                       a.expect_cut)
        return
    if a.results_schema:
        check_results_json(load(a.out))
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
    if a.expect_said:
        if len(a.expect_said) < 2:
            die("--expect-said: TEXT and at least one test")
        text, names = a.expect_said[0], a.expect_said[1:]
        by_name = {t["name"].split("/", 1)[1]: t for t in tests}
        bad = []
        for n in names:
            t = by_name.get(n)
            first = (t["output"].splitlines() or [""])[0] if t else "no such test"
            if not t or t["status"] != "failed" or text not in first:
                bad.append(f"{n}: {first[:300]}")
        if bad:
            die(f"not failed with {text!r}:\n" + "\n".join(bad))
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
