#!/usr/bin/env python3
"""tests/contracts_check.py — a lab can be done from its chapter and header alone (issue 12).
For every lab (labs/NN-slug/tests.def):
  - every function its header (include/NN-slug.h) declares has a contract: a comment that ends
    on the line right above the declaration, or above the run of declarations it opens (one
    comment may describe a pair, e.g. rc_incref / rc_decref, with no blank line between);
  - every test of its registry (CL_TEST) is named in its chapter (handbook/NN-slug.md) in
    backquotes, as `name`, outside the points table (which names them all by construction);
  - no hint, chapter, header, stub or observer message sends the student to what a handout does not have: solutions/,
    tests/bugs, or `cowlab run` without --dir (it runs the kit's reference).
Prints one line per problem; exit 1 if any."""
import glob
import os
import re
import sys

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
problems = []

def declarations(header):
    """[(line number, function name, comment above?)] for the header's function prototypes."""
    lines = open(header, encoding="utf-8").read().split("\n")
    out, in_comment, depth = [], False, 0
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if in_comment:
            in_comment = "*/" not in line
            i += 1
            continue
        if stripped.startswith("/*"):
            in_comment = "*/" not in stripped
            i += 1
            continue
        depth += line.count("{") - line.count("}")
        if depth == 0 and not stripped.startswith("#") and "(" in stripped and \
                not stripped.startswith(("typedef", "struct", "enum", "union", "}")) or \
                depth == 0 and re.match(r"(struct|enum)\s+\w+\s*\*?\s*\w+\s*\(", stripped):
            # a prototype: gather to its ';'
            j, text = i, stripped
            while not text.rstrip().endswith(";") and j + 1 < len(lines):
                j += 1
                text += " " + lines[j].strip()
            m = re.search(r"(\w+)\s*\(", text)
            if m and text.rstrip().endswith(";") and "=" not in text.split("(")[0]:
                out.append((i + 1, m.group(1)))
            i = j + 1
            continue
        i += 1
    return out

def documented(header, lineno):
    """Whether the declaration at lineno (1-based) has a comment right above it or above the
    run of declarations (no blank line between) it belongs to."""
    lines = open(header, encoding="utf-8").read().split("\n")
    k = lineno - 2
    while k >= 0:
        s = lines[k].strip()
        if s.endswith("*/") or s.startswith("//"):
            return True
        if s == "" or s.startswith("#") or s.endswith("{") or s.startswith("}"):
            return False
        k -= 1  # another declaration of the same run (or a continued line): keep going up
    return False

for tests_def in sorted(glob.glob("labs/*/tests.def")):
    slug = os.path.basename(os.path.dirname(tests_def))
    header, chapter = f"include/{slug}.h", f"handbook/{slug}.md"
    if not os.path.exists(header) or not os.path.exists(chapter):
        problems.append(f"{slug}: no {header} or no {chapter}")
        continue
    for lineno, name in declarations(header):
        if not documented(header, lineno):
            problems.append(f"{header}:{lineno}: {name} has no contract comment above it")
    text = re.sub(r"/\*.*?\*/", "", open(tests_def, encoding="utf-8").read(), flags=re.S)
    # the points table names every test by construction: an exercise must name it elsewhere
    chapter_text = re.sub(r"<!-- points:.*?<!-- /points -->", "",
                          open(chapter, encoding="utf-8").read(), flags=re.S)
    for test in re.findall(r"CL_TEST\(\s*(\w+)\s*,", text):
        if f"`{test}`" not in chapter_text:
            problems.append(f"{chapter}: the test `{test}` ({tests_def}) is never named")
    told = glob.glob(f"labs/{slug}/observer/*.c") + glob.glob(f"labs/{slug}/stubs/*.c")
    for path in [tests_def, header, chapter] + sorted(told):
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            if re.search(r"(?<![\w/])solutions/|tests/bugs", line):
                problems.append(f"{path}:{n}: points to what a handout does not have: {line.strip()[:90]}")
            if re.search(r"cowlab run\b(?![^`\"]*--dir)", line):
                problems.append(f"{path}:{n}: `cowlab run` without --dir runs the kit's reference, "
                                f"not the student's code: {line.strip()[:90]}")

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
