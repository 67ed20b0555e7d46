#!/usr/bin/env python3
"""dockerfile.py DOCKERFILE — the steps of the kit's Dockerfile, for make image-test to run
(tests/image/build.sh). One step per line, fields separated by tabs:

  FROM    IMAGE                 debian:12, debian:bookworm or their -slim tags only
  ENV     NAME=VALUE ...        unquoted pairs, one field each
  WORKDIR PATH                  absolute
  COPY    SRC ... DEST          sources in the build context, no flags
  RUN     COMMAND               shell form, continuation lines joined as Docker joins them
  ENTRYPOINT ARG ...            exec (JSON) form
  CMD     ARG ...               exec (JSON) form

Only the subset of Dockerfile syntax the kit's Dockerfile uses: any other instruction, flag,
form or a second FROM is refused (exit 2, naming the line), so that the file and the test
that runs it cannot drift apart silently. Comments and blank lines are skipped; a parser
directive (`# syntax=...`) is a comment here. Exit 0 with the steps on stdout.
"""
import json
import re
import sys

BASES = {"debian:12", "debian:bookworm", "debian:12-slim", "debian:bookworm-slim"}


def refuse(lineno, msg):
    print(f"dockerfile.py: line {lineno}: {msg} (make image-test runs only what it knows: "
          "tests/image/dockerfile.py)", file=sys.stderr)
    sys.exit(2)


def logical_lines(text):
    """(first line number, instruction text) per instruction: a line ending in a backslash
    continues on the next; comment lines inside a continuation are dropped, as Docker does."""
    out, buf, start = [], None, 0
    for n, line in enumerate(text.split("\n"), 1):
        if re.match(r"\s*#", line) or (buf is None and not line.strip()):
            continue
        if buf is None:
            buf, start = "", n
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1]
            continue
        out.append((start, buf + line))
        buf = None
    if buf is not None:
        out.append((start, buf))
    return out


def exec_form(n, rest):
    try:
        args = json.loads(rest)
    except ValueError:
        refuse(n, "only the exec (JSON) form is known here")
    if not isinstance(args, list) or not args or not all(isinstance(a, str) for a in args):
        refuse(n, "the exec form must be a non-empty list of strings")
    return args


def step(n, op, rest, seen_from):
    if op == "FROM":
        if seen_from:
            refuse(n, "a second FROM (multi-stage builds are not known here)")
        if rest not in BASES:
            refuse(n, f"FROM {rest}: the base must be one of {', '.join(sorted(BASES))}")
        return [rest]
    if not seen_from:
        refuse(n, f"{op} before FROM")
    if op == "ENV":
        pairs = rest.split()
        if not pairs or any(not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=[^\"'$\\]*", p) for p in pairs):
            refuse(n, "ENV: only unquoted NAME=VALUE pairs are known here")
        return pairs
    if op == "WORKDIR":
        if not re.fullmatch(r"/[^\s$]*", rest):
            refuse(n, "WORKDIR: an absolute path without variables")
        return [rest]
    if op == "COPY":
        args = rest.split()
        if len(args) < 2 or any(a.startswith("--") or "$" in a or a.startswith("[") for a in args):
            refuse(n, "COPY: SRC ... DEST without flags, variables or the JSON form")
        return args
    if op == "RUN":
        if rest.startswith("[") or rest.startswith("--"):
            refuse(n, "RUN: only the shell form without flags is known here")
        return [rest]
    if op in ("ENTRYPOINT", "CMD"):
        return exec_form(n, rest)
    refuse(n, f"{op} is not known here")


def main():
    if len(sys.argv) != 2:
        print("usage: dockerfile.py DOCKERFILE", file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    seen_from = False
    for n, line in logical_lines(text):
        m = re.match(r"\s*([A-Za-z]+)\s+(.*\S)\s*$", line)
        if not m:
            refuse(n, "not an instruction with arguments")
        op, rest = m.group(1).upper(), m.group(2)
        fields = step(n, op, rest, seen_from)
        seen_from = True
        if any("\t" in f for f in fields):
            refuse(n, "a tab inside an argument")
        print("\t".join([op] + fields))
    if not seen_from:
        refuse(0, "no FROM")


if __name__ == "__main__":
    main()
