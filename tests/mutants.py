#!/usr/bin/env python3
"""mutants.py — how many small, plausible bugs in the reference solutions the graded tests
catch (make mutants [LAB=NN] [JOBS=N]).

Every function a lab's contract header (include/NN-slug.h) declares and its solution files
(solutions/NN-slug/) define is mutated, one change at a time, inside its body only:

  ror     a relational operator flipped: < <-> <=, > <-> >=, == <-> !=
  bound   an integer literal n -> n+1 and n-1 where it is a bound or a size: an operand of a
          comparison or of arithmetic (+ - * / % << >>), an index or array size, a loop's start
          (not x < n+1, the same program as ror's x <= n on integers)
  delete  one expression statement or return replaced by ';' (the final return of a non-void
          function is kept: falling off its end is undefined behaviour, not a different program)
  return  return X -> return 0 / -1 (signed), 0 / 1 (unsigned), NULL (pointer), the other
          truth value (bool)

Each mutant is the lab's solution folder with that one change, graded by the real grader
(cowlab grade --submissions, every mutant one submission). A mutant is killed when at least one
graded test fails; one that does not compile is stillborn and counted apart. Survivors are
listed with file:line, function, operator and the line before -> after. The mutants and their
order depend only on the sources. Last line: "mutants: N killed of M (P %)" (a survivor
explained as equivalent still counts as a survivor there); the line before it says how many
survivors are explained.

Equivalent mutants. A survivor whose change cannot alter anything the contract promises is
explained, once, in the lab's registry tests/bugs/NN-slug/mutants-equivalent.txt (the path is
made by equivalents_path() only). One line per mutant:

  FILE FUNCTION OP BEFORE -> AFTER # WHY

FILE, FUNCTION and OP as a survivor is printed (experiment.c cow_map delete); BEFORE and AFTER
the source line before and after the change, white space collapsed, exactly as printed under
the survivor; WHY one line saying why no test can tell. Blank lines and lines that start with
'#' are comments. No id (m0006) is used: ids shift when the solution gains a mutant, the line
does not. An entry covers every mutant with that key (the same change on two identical lines).
Survivors are listed in two groups, "equivalent (explained)" with the reason and "not
explained"; an entry that matches no mutant of the current solutions is reported stale, and one
whose mutant a test killed is reported wrong. --stale checks every registry without grading
(exit 1 if an entry is stale or has no reason: make test runs it).

  mutants.py [--lab NN] [--jobs N] [--batch N] [--cap N] [--only IDS] [--list] [--keep]
  mutants.py --stale
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

KIT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COWLAB = os.path.join(KIT, "build", "bin", "cowlab")

# ---- a C tokenizer: enough of C to find functions, statements, operators and literals -------

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<pp>\#(?:[^\n\\]|\\.)*)                       # a preprocessor line (with continuations)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<number>\.?[0-9](?:[eEpP][+-]|[0-9a-zA-Z_.])*)
  | (?P<ident>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<punct><<=|>>=|\.\.\.|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|[^\s])
""", re.VERBOSE | re.DOTALL)


@dataclass
class Tok:
    kind: str  # number, ident, string, punct
    text: str
    start: int  # offsets into the file's text
    end: int
    line: int


def tokenize(text):
    """The tokens of text, comments, preprocessor lines and white space left out."""
    toks, pos, line = [], 0, 1
    while pos < len(text):
        m = TOKEN.match(text, pos)
        kind = m.lastgroup
        if kind not in ("space", "comment", "pp"):
            toks.append(Tok(kind, m.group(), m.start(), m.end(), line))
        line += m.group().count("\n")
        pos = m.end()
    return toks


def brackets(toks):
    """For every ( [ { token index its partner's index, and back."""
    match, stack = {}, []
    for i, t in enumerate(toks):
        if t.kind == "punct" and t.text in "([{":
            stack.append(i)
        elif t.kind == "punct" and t.text in ")]}":
            j = stack.pop()
            match[i], match[j] = j, i
    return match


# ---- the contract's functions and where the solution defines them -------------------------

def contract_functions(header_text):
    """Names of the functions a header declares (prototypes at file level)."""
    toks, names, depth = tokenize(header_text), [], 0
    start = 0  # first token of the current declaration
    paren = 0
    for i, t in enumerate(toks):
        if t.text == "{":
            depth += 1
        elif t.text == "}":
            depth -= 1
        if depth:
            continue
        if t.text == ";":
            start = i + 1
            continue
        if t.text == "(":
            name = toks[i - 1].text if i > start and toks[i - 1].kind == "ident" else None
            if paren == 0 and name and name not in TYPE_WORDS:
                # the first identifier before a top-level '(' names the function (a
                # parameter like void (*child)(int) sits inside the parentheses)
                if name not in names:
                    names.append(name)
            paren += 1
        elif t.text == ")":
            paren -= 1
    return names


@dataclass
class Func:
    name: str
    ret: str  # "void", "pointer", "bool", "signed", "unsigned"
    open: int  # token index of the body's { and }
    close: int


UNSIGNED = re.compile(r"^(unsigned|size_t|uint\w*_t|uintptr_t)$")
SIGNED = re.compile(r"^(int|long|short|char|signed|ssize_t|pid_t|off_t|int\w*_t|intptr_t)$")


def return_kind(words):
    if "*" in words:
        return "pointer"
    for w in reversed(words):
        if w == "void":
            return "void"
        if w in ("bool", "_Bool"):
            return "bool"
        if UNSIGNED.match(w):
            return "unsigned"
        if SIGNED.match(w):
            return "signed"
    return "signed"


def functions(toks, match, wanted):
    """The definitions in toks of the functions named in wanted, in file order."""
    found, i, decl_start = [], 0, 0
    while i < len(toks):
        t = toks[i]
        if t.text in (";", "}"):
            decl_start = i + 1
        elif t.text == "{":  # a top-level brace that is not a function body (enum, struct)
            i = match[i]
            continue
        elif (t.kind == "ident" and i + 1 < len(toks) and toks[i + 1].text == "("
              and match[i + 1] + 1 < len(toks) and toks[match[i + 1] + 1].text == "{"):
            body = match[i + 1] + 1
            if t.text in wanted:
                words = [x.text for x in toks[decl_start:i]]
                found.append(Func(t.text, return_kind(words), body, match[body]))
            decl_start = match[body] + 1
            i = match[body] + 1
            continue
        i += 1
    return found


# ---- statements inside a body ---------------------------------------------------------------

TYPE_WORDS = {"void", "char", "short", "int", "long", "float", "double", "signed", "unsigned",
              "bool", "_Bool", "const", "volatile", "static", "register", "struct", "union",
              "enum", "auto", "restrict", "extern"}


@dataclass
class Stmt:
    kind: str  # expr, return, decl, jump, empty
    first: int  # token indexes: first token, and its ';'
    semi: int


def statements(toks, match, lo, hi, out):
    """Append to out the simple statements among toks[lo:hi] (a block's inside), nested ones
    included, in source order."""
    i = lo
    while i < hi:
        i = statement(toks, match, i, out)


def statement(toks, match, i, out):
    """Parse the statement starting at toks[i]; return the index after it."""
    t = toks[i].text
    if t == "{":
        statements(toks, match, i + 1, match[i], out)
        return match[i] + 1
    if t in ("if", "while", "switch", "for"):
        i = statement(toks, match, match[i + 1] + 1, out)
        if t == "if" and i < len(toks) and toks[i].text == "else":
            i = statement(toks, match, i + 1, out)
        return i
    if t == "do":
        i = statement(toks, match, i + 1, out)  # then: while ( ... ) ;
        return match[i + 1] + 2
    if t in ("case", "default") or (toks[i].kind == "ident" and toks[i + 1].text == ":"):
        while toks[i].text != ":":  # a label: the statement it labels comes next
            i += 1
        return i + 1
    j = i
    while toks[j].text != ";":
        j = match[j] + 1 if toks[j].text in "([{" and toks[j].kind == "punct" else j + 1
    if t == "return":
        kind = "return"
    elif t in ("break", "continue", "goto"):
        kind = "jump"
    elif j == i:
        kind = "empty"
    elif (t in TYPE_WORDS or t.endswith("_t")
          or (toks[i].kind == "ident" and toks[i + 1].kind == "ident")):
        kind = "decl"
    else:
        kind = "expr"
    out.append(Stmt(kind, i, j))
    return j + 1


# ---- the mutants ------------------------------------------------------------------------------

@dataclass
class Mutant:
    file: str
    line: int
    func: str
    op: str  # ror, bound, delete, return
    start: int  # the text [start, end) of the file is replaced by new
    end: int
    new: str
    what: str = ""  # the change in words, and the line(s) before and after, for the report
    before: str = ""
    after: str = ""
    id: str = ""
    text: str = field(default="", repr=False)  # the whole mutated file
    why: str = ""  # why it is equivalent, from the lab's registry ("": not explained)


FLIP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
ARITH = {"+", "-", "*", "/", "%", "<<", ">>", "+=", "-=", "*=", "/=", "%=", "<<=", ">>="}
INT = re.compile(r"^(0[xX][0-9a-fA-F]+|[0-9]+)([uUlL]*)$")


def binary(toks, k):
    """Whether the + or - at toks[k] is a binary operator (not a sign)."""
    p = toks[k - 1]
    return ((p.kind in ("ident", "number") and p.text not in ("return", "case"))
            or p.text in (")", "]", "++", "--"))


def bound_context(toks, k, for_inits):
    """Whether the literal at toks[k] is a bound or a size (see the module's docstring)."""
    left = k - 1
    if toks[left].text in ("-", "+") and not binary(toks, left):
        left -= 1  # a sign: look past it
    lt, rt = toks[left].text, toks[k + 1].text
    if lt in FLIP or rt in FLIP:
        return True
    if (lt in ARITH and (lt not in ("+", "-") or binary(toks, left))) or rt in ARITH:
        return True
    if lt == "[":
        return True
    return lt == "=" and any(a < k < b for a, b in for_inits)


def plus_minus(lit):
    m = INT.match(lit)
    if not m:
        return []
    digits, suffix = m.groups()
    if digits[:2].lower() == "0x":  # written as it was: 0xFF -> 0x100, 0xFE
        n, prefix, form = int(digits, 16), digits[:2], "X" if digits[2:].isupper() else "x"
    elif len(digits) > 1 and digits[0] == "0":
        n, prefix, form = int(digits, 8), "0", "o"
    else:
        n, prefix, form = int(digits), "", "d"
    return [("-" if v < 0 else "") + prefix + format(abs(v), form) + suffix
            for v in (n + 1, n - 1)]


def return_values(kind):
    return {"signed": ["0", "-1"], "unsigned": ["0", "1"], "pointer": ["NULL"],
            "bool": ["false", "true"]}.get(kind, [])


def mutants_of(path, text, func_names):
    """Every mutant of one solution file, in source order."""
    toks = tokenize(text)
    match = brackets(toks)
    name = os.path.basename(path)
    out = []
    for f in functions(toks, match, func_names):
        body = range(f.open + 1, f.close)
        for_inits = [(k + 1, next(j for j in range(k + 2, match[k + 1]) if toks[j].text == ";"))
                     for k in body if toks[k].text == "for"]
        stmts = []
        statements(toks, match, f.open + 1, f.close, stmts)
        deletable = {s.first: s for s in stmts
                     if s.kind == "expr" or (s.kind == "return" and not (
                         f.ret != "void" and s.semi + 1 == f.close))}
        returns = {s.first: s for s in stmts if s.kind == "return" and s.semi > s.first + 1}
        for k in body:
            t = toks[k]
            if k in deletable:
                s = deletable[k]
                out.append(Mutant(name, t.line, f.name, "delete", t.start, toks[s.semi].end, ";"))
            if k in returns:
                s = returns[k]
                expr = text[toks[k + 1].start:toks[s.semi - 1].end]
                for v in return_values(f.ret):
                    if v != expr:
                        out.append(Mutant(name, t.line, f.name, "return", toks[k + 1].start,
                                          toks[s.semi - 1].end, v))
            if t.kind == "punct" and t.text in FLIP:
                out.append(Mutant(name, t.line, f.name, "ror", t.start, t.end, FLIP[t.text]))
            if t.kind == "number" and bound_context(toks, k, for_inits):
                up, down = plus_minus(t.text) or (None, None)
                # On integers x < n+1 is x <= n: the ror mutant, already made. Leave it out.
                op_before, op_after = toks[k - 1].text, toks[k + 1].text
                if op_before in ("<", ">=") or op_after in ("<=", ">"):
                    up = None
                if op_before in ("<=", ">") or op_after in ("<", ">="):
                    down = None
                for v in (x for x in (up, down) if x):
                    if v.startswith("-") and text[t.start - 1] in "+-":
                        v = " " + v  # "x-0" must not become "x--1"
                    out.append(Mutant(name, t.line, f.name, "bound", t.start, t.end, v))
    for m in out:
        old = " ".join(text[m.start:m.end].split())
        m.what = {"delete": f"`{old}` deleted", "return": f"returns `{m.new}`, not `{old}`",
                  "ror": f"`{old}` -> `{m.new}`", "bound": f"`{old}` -> `{m.new.strip()}`"}[m.op]
        m.text = text[:m.start] + m.new + text[m.end:]
        m.before, m.after = excerpt(text, m.start, m.end), excerpt(m.text, m.start,
                                                                    m.start + len(m.new))
    return out


def excerpt(text, start, end):
    """The whole line(s) holding text[start:end], white space collapsed."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    return " ".join(text[a:b if b >= 0 else len(text)].split())


def cap_per_function(mutants, cap):
    """At most cap mutants of each function, evenly spread over its list (deterministic)."""
    if not cap:
        return mutants, 0
    by_func, kept = {}, []
    for m in mutants:
        by_func.setdefault((m.file, m.func), []).append(m)
    for ms in by_func.values():
        if len(ms) > cap:
            ms = [ms[i * len(ms) // cap] for i in range(cap)]
        kept.extend(ms)
    order = {id(m): i for i, m in enumerate(mutants)}
    kept.sort(key=lambda m: order[id(m)])
    return kept, len(mutants) - len(kept)


# ---- the equivalent mutants each lab explains ------------------------------------------------

def equivalents_path(slug):
    """Where lab slug keeps its equivalent mutants: the one place that says so."""
    return os.path.join(KIT, "tests", "bugs", slug, "mutants-equivalent.txt")


def mutant_key(m):
    """What names a mutant across runs and test changes (the registry's line, up to ' # ')."""
    return f"{m.file} {m.func} {m.op} {m.before} -> {m.after}"


@dataclass
class Entry:
    line: int  # in the registry file
    text: str  # the line, white space collapsed
    mutants: list  # those it explains (empty: stale)
    problem: str = ""  # why the entry is not usable ("": it is)


def explain(slug, mutants):
    """Read lab slug's registry and set m.why on each mutant an entry names. Returns the
    entries (a missing registry has none)."""
    try:
        with open(equivalents_path(slug), encoding="utf-8") as f:
            lines = f.read().split("\n")
    except FileNotFoundError:
        return []
    by_key = {}
    for m in mutants:
        by_key.setdefault(mutant_key(m), []).append(m)
    entries = []
    for n, raw in enumerate(lines, 1):
        text = " ".join(raw.split())
        if not text or text.startswith("#"):
            continue
        e = Entry(n, text, [])
        # the key ends at the ' # ' that leaves a known key before it (code may hold ' # ')
        cut = [i for i in range(len(text)) if text.startswith(" # ", i) and text[:i] in by_key]
        if not cut:
            e.problem = ("no ' # WHY' after the change" if " # " not in text
                         else "matches no mutant of the current solutions")
        else:
            why = text[cut[0] + 3:].strip()
            e.mutants = by_key[text[:cut[0]]]
            if not why:
                e.problem = "no reason after ' # '"
            for m in e.mutants:
                m.why = why
        entries.append(e)
    return entries


def print_entry_problems(slug, entries, verdicts=None):
    """Print the registry's stale or malformed entries, and (given verdicts) those whose
    mutant a test killed. Returns how many were printed."""
    bad = [(e, e.problem) for e in entries if e.problem]
    for e in entries:
        killed = [m for m in e.mutants if verdicts and verdicts.get(m.id, ("",))[0] == "killed"]
        if killed and not e.problem:
            bad.append((e, "wrong: " + ", ".join(
                f"{m.id} is killed by {' '.join(verdicts[m.id][1])}" for m in killed)
                + ": not equivalent, remove the entry"))
    bad.sort(key=lambda b: b[0].line)
    if bad:
        print(f"  entries of {os.path.relpath(equivalents_path(slug), KIT)} to fix ({len(bad)}):")
    for e, why in bad:
        print(f"    line {e.line}: {why}\n      {e.text[:300]}")
    return len(bad)


# ---- the labs and the grader ----------------------------------------------------------------

def labs():
    """(slug, [student files]) of every lab, from labs/*/tests.def."""
    found = []
    for d in sorted(os.listdir(os.path.join(KIT, "labs"))):
        p = os.path.join(KIT, "labs", d, "tests.def")
        if os.path.isfile(p):
            with open(p, encoding="utf-8") as f:
                m = re.search(r'^CL_LAB\("([^"]+)",\s*"[^"]*",\s*"([^"]*)"\)', f.read(), re.M)
            if m:
                found.append((m.group(1), m.group(2).split()))
    return found


def lab_mutants(slug, files):
    with open(os.path.join(KIT, "include", slug + ".h"), encoding="utf-8") as f:
        names = contract_functions(f.read())
    all_m, seen = [], set()
    for name in files:
        path = os.path.join(KIT, "solutions", slug, name)
        with open(path, encoding="utf-8") as f:
            for m in mutants_of(path, f.read(), names):
                if (m.file, m.text) not in seen:  # two operators, one program: grade it once
                    seen.add((m.file, m.text))
                    all_m.append(m)
    return all_m


def grade(slug, files, mutants, work, jobs):
    """Grade every mutant (each a submission of its own) in one cowlab call. Returns
    {id: (status, failed tests)} with status killed, survived or stillborn."""
    subs, out = os.path.join(work, "in"), os.path.join(work, "out")
    shutil.rmtree(work, ignore_errors=True)  # a scratch folder per call: in/ mutants, out/ reports
    for m in mutants:
        d = os.path.join(subs, m.id, slug)
        os.makedirs(d)
        for name in files:
            shutil.copy(os.path.join(KIT, "solutions", slug, name), d)
        with open(os.path.join(d, m.file), "w", encoding="utf-8") as f:
            f.write(m.text)
    cmd = [COWLAB, "grade", "--submissions", subs, "--lab", slug, "--out", out, "--quiet"]
    if jobs > 1:
        cmd += ["--jobs", str(jobs)]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    verdicts = {}
    for m in mutants:
        try:
            with open(os.path.join(out, m.id, "results.json"), encoding="utf-8") as f:
                tests = [t for t in json.load(f)["tests"] if t["name"].startswith(slug + "/")]
        except (OSError, ValueError):
            sys.exit(f"mutants: {m.id} was not graded (cowlab exit {r.returncode}):\n"
                     + r.stderr[-2000:])
        if any(t["output"].startswith("not built") for t in tests):
            verdicts[m.id] = ("stillborn", [])
            continue
        failed = [t["name"].split("/", 1)[1] for t in tests if t.get("status") == "failed"]
        verdicts[m.id] = ("killed" if failed else "survived", failed)
    return verdicts


def fmt_time(s):
    return f"{int(s) // 60}m{int(s) % 60:02d}s" if s >= 60 else f"{s:.1f} s"


def percent(killed, counted):
    return int(100 * killed / counted + 0.5) if counted else 0


def describe(m):
    return (f"{m.id} {m.file}:{m.line} {m.func} [{m.op}] {m.what}\n"
            f"          {m.before}\n       -> {m.after}"
            + (f"\n          equivalent: {m.why}" if m.why else ""))


def run_lab(slug, files, mutants, entries, a):
    """Grade one lab's mutants; print progress, the lab's line, its survivors (explained by
    the registry's entries, or not) and the entries to fix. Returns {status: count}, with
    "explained" the survivors the registry explains."""
    work = os.path.join(KIT, "build", "mutants", slug)
    shutil.rmtree(work, ignore_errors=True)
    t0 = time.time()  # the reference first: a mutant is judged against a full score
    with open(os.path.join(KIT, "solutions", slug, files[0]), encoding="utf-8") as f:
        solution = Mutant(files[0], 0, "", "", 0, 0, "", id="solution", text=f.read())
    base = grade(slug, files, [solution], os.path.join(work, "solution"), 1)["solution"]
    if base[0] != "survived":
        sys.exit(f"mutants: the reference solution of {slug} does not pass every test "
                 f"({base[0]}: {', '.join(base[1])}): fix that first")
    print(f"  one graded run of the solution: {time.time() - t0:.1f} s; grading "
          f"{len(mutants)} mutants, {a.jobs} at a time, {a.batch} to a cowlab call", flush=True)
    verdicts = {}
    for b in range(0, len(mutants), a.batch):
        batch = os.path.join(work, f"batch{b // a.batch + 1:02d}")
        verdicts.update(grade(slug, files, mutants[b:b + a.batch], batch, a.jobs))
        if not a.keep:
            shutil.rmtree(batch, ignore_errors=True)
        killed = sum(v[0] == "killed" for v in verdicts.values())
        print(f"  {len(verdicts)}/{len(mutants)} graded, {killed} killed "
              f"({fmt_time(time.time() - t0)})", flush=True)
    # Every verdict, with the tests that failed, for a closer look (a mutant killed by one
    # test only is a check worth keeping).
    with open(os.path.join(KIT, "build", "mutants", slug + ".tsv"), "w", encoding="utf-8") as f:
        f.write("id\tverdict\tfailed tests\tfile:line\tfunction\top\tbefore\tafter\t"
                "why equivalent\n")
        for m in mutants:
            v, failed = verdicts[m.id]
            f.write(f"{m.id}\t{v}\t{' '.join(failed)}\t{m.file}:{m.line}\t{m.func}\t{m.op}\t"
                    f"{m.before}\t{m.after}\t{m.why}\n")
    n = {s: sum(v[0] == s for v in verdicts.values()) for s in ("killed", "survived",
                                                                  "stillborn")}
    survivors = [m for m in mutants if verdicts[m.id][0] == "survived"]
    n["explained"] = sum(bool(m.why) for m in survivors)
    counted = n["killed"] + n["survived"]
    print(f"{slug}: {n['killed']} killed of {counted} ({percent(n['killed'], counted)} %), "
          f"{n['stillborn']} stillborn, {fmt_time(time.time() - t0)}")
    if survivors:
        print(f"  survivors ({len(survivors)}): {n['explained']} equivalent (explained), "
              f"{len(survivors) - n['explained']} not explained")
    for title, listed in (
            ("equivalent (explained)", [m for m in survivors if m.why]),
            ("not explained", [m for m in survivors if not m.why]),
            ("stillborn", [m for m in mutants if verdicts[m.id][0] == "stillborn"])):
        if listed:
            print(f"  {title} ({len(listed)}):")
        for m in listed:
            print("    " + describe(m))
    print_entry_problems(slug, entries, verdicts)
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lab", help="one lab: NN or its slug (default: every lab)")
    ap.add_argument("--jobs", type=int, default=4 if os.geteuid() == 0 else 1,
                    help="mutants graded at once (cowlab grade --jobs, root only; default 4 as "
                         "root, else 1)")
    ap.add_argument("--batch", type=int, default=40, help="mutants per cowlab call (default 40)")
    ap.add_argument("--cap", type=int, default=0,
                    help="at most N mutants per function, evenly sampled (default: all)")
    ap.add_argument("--only", help="grade only these mutants (m0003,m0017: ids as listed)")
    ap.add_argument("--list", action="store_true", help="list the mutants; grade nothing")
    ap.add_argument("--keep", action="store_true",
                    help="keep build/mutants/NN-slug/ (every mutant's sources and reports)")
    ap.add_argument("--stale", action="store_true",
                    help="check the equivalent-mutant registries against the current solutions; "
                         "grade nothing (exit 1 if an entry matches no mutant or has no reason)")
    a = ap.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # mutants.py --list | head
    chosen = [(s, f) for s, f in labs() if not a.lab or s == a.lab or s.split("-")[0] ==
              a.lab.zfill(2)]
    if not chosen:
        sys.exit(f"mutants: no lab '{a.lab}' (labs: {', '.join(s for s, _ in labs())})")
    if a.stale:
        bad = 0
        for slug, files in chosen:
            entries = explain(slug, lab_mutants(slug, files))
            where = os.path.relpath(equivalents_path(slug), KIT)
            print(f"{slug}: {len(entries)} entries in {where}" if os.path.exists(
                equivalents_path(slug)) else f"{slug}: no {where}")
            bad += print_entry_problems(slug, entries)
        sys.exit(1 if bad else 0)
    t0 = time.time()
    total = {"killed": 0, "survived": 0, "stillborn": 0, "explained": 0}
    lines = []
    for slug, files in chosen:
        every = lab_mutants(slug, files)
        entries = explain(slug, every)  # against every mutant: --cap and --only leave some out
        mutants, capped = cap_per_function(every, a.cap)
        for i, m in enumerate(mutants, 1):
            m.id = f"m{i:04d}"
        if a.only:  # ids stay those of the full list, so a survivor keeps its name
            mutants = [m for m in mutants if m.id in a.only.split(",")]
        ops = {}
        for m in mutants:
            ops[m.op] = ops.get(m.op, 0) + 1
        funcs = len({(m.file, m.func) for m in mutants})
        print(f"{slug}: {len(mutants)} mutants of {funcs} functions ("
              + ", ".join(f"{n} {op}" for op, n in sorted(ops.items())) + ")"
              + (f"; --cap {a.cap}: {capped} more left out (sampled, not full coverage)"
                 if capped else ""), flush=True)
        if a.list:
            for m in mutants:
                print("  " + describe(m))
            print_entry_problems(slug, entries)
            continue
        n = run_lab(slug, files, mutants, entries, a)
        for s in total:
            total[s] += n[s]
        counted = n["killed"] + n["survived"]
        lines.append(f"  {slug:<14} {n['killed']:>4} killed of {counted:<4} "
                     f"({percent(n['killed'], counted)} %), {n['stillborn']} stillborn, "
                     f"{n['survived']} survived: {n['explained']} explained as equivalent")
    if a.list:
        return
    counted = total["killed"] + total["survived"]
    print("")
    print("\n".join(lines))
    print(f"stillborn (did not compile; not counted): {total['stillborn']}. Time: "
          f"{fmt_time(time.time() - t0)}, {a.jobs} at a time. Every verdict: build/mutants/*.tsv")
    print(f"survivors explained as equivalent: {total['explained']} of {total['survived']} "
          f"(not explained: {total['survived'] - total['explained']}; registries: "
          f"{os.path.relpath(equivalents_path('NN-slug'), KIT)})")
    print(f"mutants: {total['killed']} killed of {counted} ({percent(total['killed'], counted)} %)")


if __name__ == "__main__":
    main()
