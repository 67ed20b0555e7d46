#!/usr/bin/env python3
"""context.py CONTEXT SRC — the files `COPY SRC ...` takes from the build context CONTEXT,
as Docker filters them with CONTEXT/.dockerignore (make image-test: tests/image/build.sh).
Prints their paths, NUL-separated, sorted: regular files and symbolic links (copied as
links) under SRC, relative to SRC when it is a folder; SRC's own name when it is a file.

The .dockerignore subset known here, with Docker's meaning: one pattern a line, `#` comment
lines, a leading `!` lets back in what earlier lines left out (the last matching line
decides), `*` and `?` never cross a `/`, `**` crosses any number of folders, and a pattern
that matches a folder matches everything in it. Character classes, escapes and anything
else are refused (exit 2, naming the line), so that the file and its reading cannot drift.
Exit 0; 2 on a refused pattern or a SRC outside the context or left out by .dockerignore.
"""
import os
import re
import sys


def die(msg):
    print(f"context.py: {msg}", file=sys.stderr)
    sys.exit(2)


def to_regex(pattern, n):
    """A compiled regex matching the whole relative path, or die naming line n."""
    if re.search(r"[\[\]\\{}]", pattern):
        die(f".dockerignore line {n}: '{pattern}': classes and escapes are not known here")
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def rules(context):
    """[(regex, exclude?)] from CONTEXT/.dockerignore, in order (none when it is missing)."""
    path = os.path.join(context, ".dockerignore")
    if not os.path.exists(path):
        return []
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            keep = line.startswith("!")
            pat = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
            if pat in (".", ""):
                die(f".dockerignore line {n}: an empty pattern")
            out.append((to_regex(pat, n), not keep))
    return out


def excluded(rel, rs):
    """Docker's rule: each pattern in turn, matched against the path or any folder above it;
    the last one that matches decides."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    out = False
    for rx, exclude in rs:
        if any(rx.match(p) for p in prefixes):
            out = exclude
    return out


def main():
    if len(sys.argv) != 3:
        die("usage: context.py CONTEXT SRC")
    context = os.path.realpath(sys.argv[1])
    src = os.path.normpath(sys.argv[2]).lstrip("/")
    full = os.path.normpath(os.path.join(context, src))
    if full != context and not full.startswith(context + "/"):
        die(f"{sys.argv[2]} is outside the build context")
    rs = rules(context)
    found = []
    if os.path.isdir(full) and not os.path.islink(full):
        for d, dirs, files in os.walk(full):
            dirs.sort()
            for name in files + [x for x in dirs if os.path.islink(os.path.join(d, x))]:
                rel = os.path.relpath(os.path.join(d, name), context)
                if not excluded(rel, rs):
                    found.append(os.path.relpath(os.path.join(d, name), full))
        if not found and src != "." and excluded(src, rs):
            die(f"{src} is left out by .dockerignore")
    elif os.path.lexists(full):
        if excluded(src, rs):
            die(f"{src} is left out by .dockerignore")
        found.append(os.path.basename(src))
    else:
        die(f"{src}: no such file in the build context")
    sys.stdout.write("".join(p + "\0" for p in sorted(found)))


if __name__ == "__main__":
    main()
