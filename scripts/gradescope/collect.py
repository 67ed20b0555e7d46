#!/usr/bin/env python3
"""collect.py — map a student's upload onto the layout the grader reads (run_autograder).

  collect.py --labs DIR --lab SLUG --upload DIR --into DIR --note FILE

Reads the lab's file names from the CL_LAB line of DIR/SLUG/tests.def, looks for each of them
by name anywhere in the upload (flat files, folders of any depth, and inside .zip files found
there), and copies the one it finds to INTO/SLUG/NAME, where `cowlab grade --submission INTO
--lab SLUG` reads it. FILE gets a plain-text note for the report's output: where each file came
from, and, when a file is missing, found twice with different contents, or ignored, what the
upload holds (the uploaded paths). A file it cannot decide on is not copied: the grader's
stub stands in for it, and the note says why; it never picks one of two different files.

Choosing among copies of a name: a copy inside another lab's folder (a path component naming
another lab, such as 02-refcount/) is ignored; of the rest, those inside this lab's folder win;
if more than one remains, they must have the same bytes.

Safety: symbolic links are never followed (in the upload or in a zip); zip members with an
absolute path, a drive letter or a `..` component, links, encrypted members and zips inside
zips are listed, never read; only members named like a lab file are decompressed, each read to
at most MAX_FILE bytes whatever its header says; at most MAX_ENTRIES entries are looked at,
and apart from them at most MAX_ENTRIES named like one of the lab's files (the note says how
many were not looked at).
Exit 0 when the note is written (whatever the upload held), 2 on bad arguments or an INTO or
FILE it cannot write.
"""
import argparse
import hashlib
import os
import re
import stat
import sys
import zipfile

MAX_FILE = 1 << 20       # bytes of one lab file (C sources are far smaller)
MAX_ENTRIES = 5000       # files, links and zip members looked at in all
MAX_DEPTH = 32           # folder depth
MAX_ZIPS = 20            # zip files opened
MAX_LISTED = 100         # uploaded paths the note lists


def lab_files(labs, slug):
    """The lab's student files, from its tests.def's CL_LAB line; raises ValueError if none."""
    with open(os.path.join(labs, slug, "tests.def"), encoding="utf-8") as f:
        m = re.search(r'^CL_LAB\("([^"]+)",\s*"[^"]*",\s*"([^"]+)"\)', f.read(), re.M)
    if not m or m.group(1) != slug:
        raise ValueError(f"no CL_LAB line for {slug} in its tests.def")
    return m.group(2).split()


def shown(path):
    """A path as the note shows it: undecodable bytes and control characters escaped."""
    text = os.fsdecode(path) if isinstance(path, bytes) else path
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in
                   text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))


class Upload:
    """Everything the upload holds, as a list of entries (path shown, kind, reader or None)."""

    def __init__(self, wanted=()):
        self.entries = []   # (shown path, basename, note or None, read function or None)
        self.skipped = 0    # entries past MAX_ENTRIES
        self.zips = 0
        self.wanted = set(wanted)  # the lab's file names: MAX_ENTRIES of them kept apart
        self.counts = [0, 0]       # entries kept: [other names, the lab's names]

    def add(self, path, base, why=None, read=None):
        # The lab's files are counted apart, so that a big upload (a whole project with its
        # .git) does not hide them behind its other files.
        kind = int(base in self.wanted)
        if self.counts[kind] >= MAX_ENTRIES:
            self.skipped += 1
            return
        self.counts[kind] += 1
        self.entries.append((path, base, why, read))


def read_file(path):
    """The bytes of regular file path, never through a symbolic link; raises OSError."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        data = os.read(fd, MAX_FILE + 1)
        while len(data) <= MAX_FILE:
            more = os.read(fd, MAX_FILE + 1 - len(data))
            if not more:
                break
            data += more
    finally:
        os.close(fd)
    if len(data) > MAX_FILE:
        raise OSError(f"larger than {MAX_FILE} bytes")
    return data


def zip_member_problem(info):
    """Why zip member info is not read (a string), or None if it may be."""
    name = info.filename.replace("\\", "/")
    parts = name.split("/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        return "a member with an unsafe path (absolute, or with ..): not read"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link: not followed"
    if info.flag_bits & 0x1:
        return "encrypted: not read"
    if name.lower().endswith(".zip"):
        return "a zip inside a zip: not opened"
    return None


def add_zip(up, path, shown_path):
    """The members of zip file path (opened without following links) as entries of up."""
    up.zips += 1
    if up.zips > MAX_ZIPS:
        up.add(shown_path, os.path.basename(shown_path), f"more than {MAX_ZIPS} zips: not opened")
        return
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        zf = zipfile.ZipFile(os.fdopen(fd, "rb"))
    except (OSError, zipfile.BadZipFile, ValueError) as e:
        up.add(shown_path, os.path.basename(shown_path), f"not a zip that can be read ({e})")
        return
    up.add(shown_path, os.path.basename(shown_path), "a zip: its files are listed below it")
    for info in zf.infolist():
        if info.is_dir():
            continue
        member = info.filename.replace("\\", "/")
        why = zip_member_problem(info)

        def read(zf=zf, info=info):
            with zf.open(info) as f:
                data = f.read(MAX_FILE + 1)
            if len(data) > MAX_FILE:
                raise OSError(f"larger than {MAX_FILE} bytes")
            return data
        up.add(f"{shown_path}:{shown(member)}", member.rsplit("/", 1)[-1], why,
               None if why else read)


def walk(up, top, rel="", depth=0):
    """Every file under folder top (rel: its path in the upload) as entries of up; links are
    listed, never followed."""
    try:
        with os.scandir(os.path.join(top, rel) if rel else top) as it:
            items = sorted(it, key=lambda e: e.name)
    except OSError as e:
        up.add(shown(rel or "."), "", f"cannot be read ({e.strerror})")
        return
    for e in items:
        path = f"{rel}/{e.name}" if rel else e.name
        if e.is_symlink():
            up.add(shown(path), e.name, "a symbolic link: not followed")
        elif e.is_dir(follow_symlinks=False):
            if depth + 1 >= MAX_DEPTH:
                up.add(shown(path) + "/", e.name, f"deeper than {MAX_DEPTH} folders: not read")
            else:
                walk(up, top, path, depth + 1)
        elif not e.is_file(follow_symlinks=False):
            up.add(shown(path), e.name, "not a regular file")
        elif e.name.lower().endswith(".zip"):
            add_zip(up, os.path.join(top, path), shown(path))
        else:
            up.add(shown(path), e.name, None, lambda p=os.path.join(top, path): read_file(p))


def choose(name, found, slug, slugs):
    """Decide among the entries named name. Returns (bytes or None, note lines, problem?)."""
    lines = []
    mine = [f for f in found if f[2] is None]
    for f in found:
        if f[2] is not None:
            lines.append(f"{name}: {f[0]} is {f[2]}")
    def in_lab(f, s):
        return s in f[0].replace(":", "/").split("/")[:-1]
    others = [f for f in mine if any(in_lab(f, s) for s in slugs if s != slug)]
    for f in others:
        lines.append(f"{name}: {f[0]} is in another lab's folder: ignored")
    mine = [f for f in mine if f not in others]
    if any(in_lab(f, slug) for f in mine):
        for f in mine:
            if not in_lab(f, slug):
                lines.append(f"{name}: {f[0]} is outside the {slug}/ folder: ignored")
        mine = [f for f in mine if in_lab(f, slug)]
    contents, first = [], None  # (path, digest) of each copy; the bytes of the first only,
    for f in mine:              # so that many copies of a big file are not all held at once
        try:
            data = f[3]()
        except (OSError, zipfile.BadZipFile, RuntimeError, EOFError, ValueError) as e:
            lines.append(f"{name}: {f[0]} cannot be read ({e})")
            continue
        first = data if first is None else first
        contents.append((f[0], hashlib.sha256(data).digest()))
    if not contents:
        return None, lines + [f"{name}: not found in the upload; graded with the handout's stub "
                              "in its place (its tests fail)"], True
    if len({digest for _, digest in contents}) > 1:
        where = ", ".join(p for p, _ in contents)
        return None, lines + [f"{name}: found {len(contents)} times with different contents "
                              f"({where}); none is graded: the handout's stub stands in (its "
                              f"tests fail). Upload one {name}."], True
    copies = len(contents) - 1
    same = f" (and {copies} identical cop{'y' if copies == 1 else 'ies'})" if copies else ""
    return first, [f"{name}: graded from {contents[0][0]}{same}"] + lines, bool(lines)


def near_misses(name, up):
    """Uploaded names equal to name but for case: 'found Predict.c: names are case-sensitive'."""
    seen = sorted({e[0] for e in up.entries if e[1] != name and e[1].lower() == name.lower()})
    return [f"{name}: found {p}: names are case-sensitive" for p in seen]


def collect(args):
    """Stage the lab's files into args.into and return the note's lines."""
    names = lab_files(args.labs, args.lab)
    slugs = sorted(d for d in os.listdir(args.labs) if os.path.isfile(
        os.path.join(args.labs, d, "tests.def")))
    up = Upload(names)
    if os.path.isdir(args.upload) and not os.path.islink(args.upload):
        walk(up, args.upload)
    dest = os.path.join(args.into, args.lab)
    os.makedirs(dest, mode=0o755, exist_ok=True)
    lines, problem, staged = [], False, 0
    for name in names:
        data, said, bad = choose(name, [e for e in up.entries if e[1] == name], args.lab, slugs)
        lines += said + (near_misses(name, up) if data is None else [])
        problem = problem or bad
        if data is not None:
            staged += 1
            with open(os.path.join(dest, name), "wb") as f:
                f.write(data)
    if not staged:  # the grader builds nothing: every test fails, 0 points
        lines = [ln for ln in lines if "not found in the upload" not in ln]
        lines.append(f"none of this lab's files ({', '.join(names)}) was found: nothing to "
                     "grade, 0 points")
    if not up.entries:
        return lines + ["the upload is empty"]
    if up.skipped:
        lines.append(f"the upload holds more than {MAX_ENTRIES} entries: {up.skipped} of them "
                     "were not looked at")
    if problem:
        n = len(up.entries) + up.skipped
        lines.append(f"the upload holds {n} entr{'y' if n == 1 else 'ies'} (this lab's files: "
                     f"{', '.join(names)}):")
        lines += [f"  {e[0]}" + (f"  ({e[2]})" if e[2] else "") for e in up.entries[:MAX_LISTED]]
        more = len(up.entries) + up.skipped - MAX_LISTED
        if more > 0:
            lines.append(f"  ... and {more} more")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for opt in ("--labs", "--lab", "--upload", "--into", "--note"):
        ap.add_argument(opt, required=True)
    args = ap.parse_args()
    try:
        lines = collect(args)
        with open(args.note, "w", encoding="utf-8") as f:
            f.write("upload:\n" + "".join(f"  {line}\n" for line in lines))
    except (OSError, ValueError) as e:
        print(f"collect.py: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
