#!/usr/bin/env python3
"""tests/hints_check.py LAB... — every graded test of every lab has hints (a CL_HINT line in
its tests.def with at least one step), and each hint's chapter link names a heading of that
chapter by the anchor a Markdown viewer gives it (GitHub's rules: lower case, spaces as '-',
letters, digits, '-' and '_' kept). An implementation of its own, beside the C one in
harness/hint.c, so that a mistake in one is caught by the other. Prints one line per problem;
exit 1 if any."""
import os
import re
import subprocess
import sys

def anchors(path):
    out, fenced = set(), False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                fenced = not fenced
            if fenced or not line.startswith("#"):
                continue
            text = line.lstrip("#").strip()
            out.add("".join(c.lower() if c.isascii() and c.isalnum() else
                            "-" if c == " " else c if c in "-_" else "" for c in text))
    return out

def hints(tests_def):
    """{test: (steps, link)} from the CL_HINT calls (adjacent literals joined, as in C)."""
    text = open(tests_def, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    found = {}
    for m in re.finditer(r"^CL_HINT\(\s*(\w+)\s*,(.*?)\)\s*$", text, re.S | re.M):
        strings = re.findall(r'"((?:[^"\\]|\\.)*)"\s*(,|\Z|\))?', m.group(2) + ")")
        joined, cur = [], ""
        for s, sep in strings:
            cur += s
            if sep:
                joined.append(cur)
                cur = ""
        found[m.group(1)] = (joined[:-1], joined[-1] if joined else "")
    return found

problems = 0
for lab in sys.argv[1:]:
    tests = subprocess.run(["build/bin/cowlab", "list", lab, "--tsv"], capture_output=True,
                           text=True, check=True).stdout.splitlines()
    have = hints(os.path.join("labs", lab, "tests.def"))
    for name in (t.split("\t")[0] for t in tests):
        steps, link = have.get(name, ([], ""))
        if not steps:
            print(f"{lab}/{name}: no CL_HINT with a step in labs/{lab}/tests.def")
            problems += 1
            continue
        path, _, anchor = link.partition("#")
        if not path.startswith("handbook/") or not os.path.isfile(path):
            print(f"{lab}/{name}: '{link}' is not a chapter of handbook/")
            problems += 1
        elif anchor not in anchors(path):
            print(f"{lab}/{name}: no heading of {path} has the anchor #{anchor}")
            problems += 1
sys.exit(1 if problems else 0)
