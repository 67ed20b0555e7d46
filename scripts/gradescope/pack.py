#!/usr/bin/env python3
"""pack.py — one lab's Gradescope autograder (make gradescope LAB=NN).

  pack.py LAB [--out DIR]      (run from the kit's top folder; DIR default build/gradescope)

Writes DIR/NN-slug/autograder.zip: at its root setup.sh and run_autograder (from
scripts/gradescope/), cowlab-lab (the lab's slug, one line), and the kit's sources that
building and grading need: Makefile, harness/, include/, labs/, scripts/ — the files git
knows there and does not ignore (every file there when this folder is not a checkout's top),
symbolic links stored as the files they point to. Every lab's student files are taken from
its stubs/ (never from labs/NN-slug/FILE, which may hold someone's working code: the
solutions, copied in to try them), and labs/NN-slug/backup/ (make reset's copies of such
code) is left out, as make handout does. Never solutions/ or tests/ (the planted
bugs are patches of the solutions): it refuses (exit 2) to write a zip that would hold
either, or a link that leads out of those folders. The zip is the same bytes for the same
sources (sorted names, fixed times). Prints the zip's path, its number of files and its
size. Exit 0, or 2 with one line on stderr.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import zipfile

ROOTS = ("Makefile", "harness", "include", "labs", "scripts")
NEVER = ("solutions/", "tests/")
HERE = "scripts/gradescope"


def die(msg):
    print(f"make gradescope: {msg}", file=sys.stderr)
    sys.exit(2)


def lab_slug(key):
    """The slug of lab key ("01", "1", "01-fork-cow"), or die naming the labs."""
    slugs = sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob("labs/*/tests.def"))
    for s in slugs:
        if key == s or s.split("-", 1)[0].lstrip("0") == key.lstrip("0"):
            return s
    die(f"unknown lab '{key}' (choose: {', '.join(slugs)})")


def git_top():
    """The top folder of the git checkout this folder is in, or None."""
    try:
        return subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True,
                              check=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def kit_files():
    """The sources under ROOTS, sorted: the files git tracks, when this folder is a checkout's
    top (never an untracked file: an instructor's notes or a __pycache__ beside the kit's
    files are not the kit's, as make handout also holds); otherwise every file there."""
    top = git_top()
    if top and os.path.realpath(top) == os.path.realpath("."):
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--", *ROOTS],
                             capture_output=True, check=True).stdout
        files = [f for f in out.decode().split("\0") if f and os.path.lexists(f)]
    else:
        files = [os.path.join(d, f) for r in ROOTS for d, _, fs in os.walk(r) for f in fs]
        files += [r for r in ROOTS if os.path.isfile(r)]
    return sorted(files)


def student_files():
    """{"labs/SLUG/FILE": "labs/SLUG/stubs/FILE"} for every lab's student files (CL_LAB)."""
    stand_in = {}
    for d in glob.glob("labs/*/tests.def"):
        lab = os.path.dirname(d)
        with open(d, encoding="utf-8") as f:
            m = re.search(r'^CL_LAB\("[^"]*", *"[^"]*", *"([^"]*)"\)', f.read(), re.M)
        for name in (m.group(1).split() if m else []):
            stand_in[f"{lab}/{name}"] = f"{lab}/stubs/{name}"
    return stand_in


def add(zf, name, path):
    """Add file path (a link: the file it leads to, which must be in ROOTS) as name."""
    real = os.path.relpath(os.path.realpath(path))
    if real != "Makefile" and not real.startswith(tuple(r + "/" for r in ROOTS)):
        die(f"{path} leads to {real}, outside {', '.join(ROOTS)}")
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = (0o100755 if os.access(real, os.X_OK) else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(real, "rb") as f:
        zf.writestr(info, f.read())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("lab")
    ap.add_argument("--out", default="build/gradescope")
    a = ap.parse_args()
    if not os.path.isfile(f"{HERE}/run_autograder"):
        die("run from the kit's top folder (no scripts/gradescope/run_autograder here)")
    slug = lab_slug(a.lab)
    files = [f for f in kit_files() if not re.match(r"labs/[^/]+/backup/", f)]
    stubs = student_files()
    if "Makefile" not in files or f"labs/{slug}/tests.def" not in files:
        die("no Makefile or no tests.def of the lab among the files to pack")
    bad = [f for f in files if f.startswith(NEVER)]
    if bad:
        die(f"refusing to pack {bad[0]}: an autograder holds no solutions and no tests")
    os.makedirs(f"{a.out}/{slug}", exist_ok=True)
    path = f"{a.out}/{slug}/autograder.zip"
    with zipfile.ZipFile(path + ".tmp", "w") as zf:
        add(zf, "setup.sh", f"{HERE}/setup.sh")
        add(zf, "run_autograder", f"{HERE}/run_autograder")
        info = zipfile.ZipInfo("cowlab-lab", date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o100644 << 16
        zf.writestr(info, slug + "\n")
        for f in files:
            add(zf, f, stubs.get(f, f))
    os.replace(path + ".tmp", path)
    print(f"{path}: {len(files) + 3} files, {os.path.getsize(path) // 1024} kB ({slug})")


if __name__ == "__main__":
    main()
