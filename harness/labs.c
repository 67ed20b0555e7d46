/*
 * labs.c — the lab registry, parsed from tests.def text (cowlab/labs.h).
 *
 * The format is the X-macro lines of tests.def:
 *   CL_LAB("01-fork-cow", "Fork and copy-on-write", "experiment.c predict.c")
 *   CL_TEST(name, points, timeout_s, "what it checks")
 *   CL_NEEDS(fact, "test test ...")   the tests can only be decided where the probe's fact
 *                                     is "yes" (CL_TEST lines must come first); "valgrind" is
 *                                     a tool's: memcheck installed (the hygiene test)
 *   CL_VISIBILITY(hidden, "test ...")  who sees the tests' feedback (cowlab/labs.h): visible,
 *                                     hidden, after_due_date or after_published; at most one
 *                                     line per test (CL_TEST lines must come first)
 *   CL_HINT(test, "step 1", ..., "handbook/NN-slug.md#anchor")   the test's hints, nudge
 *                                     first, then the chapter section; may span lines, and
 *                                     adjacent literals ("a " "b") are joined as in C
 * Other lines (comments, blanks, CL_PURE) are skipped.
 */
#include "cowlab/labs.h"

#include "cowlab/probe.h"

#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read a C string literal at *p (no escapes but \" and \\) into out; adjacent literals
 * ("a" "b", across lines too) are joined, as the compiler joins them. -1 if none is there or
 * the text does not fit in n. */
static int labs_string(const char **p, char *out, size_t n)
{
    const char *s = *p;
    size_t o = 0;
    bool one = false;
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (*s != '"')
            break;
        for (s++; *s && *s != '"'; s++) {
            if (*s == '\\' && s[1])
                s++;
            if (o + 1 >= n)
                return -1;
            out[o++] = *s;
        }
        if (*s != '"')
            return -1;
        s++;
        one = true;
    }
    if (!one)
        return -1;
    out[o] = '\0';
    *p = s;
    return 0;
}

static int labs_comma(const char **p)
{
    while (isspace((unsigned char)**p))
        (*p)++;
    if (**p != ',')
        return -1;
    (*p)++;
    return 0;
}

static int labs_parse_test(const char *p, struct cl_test_def *t)
{
    int used = 0;
    if (sscanf(p, " %47[A-Za-z0-9_] , %d , %d ,%n", t->name, &t->points, &t->timeout_s, &used) !=
            3 ||
        used == 0)
        return -1;
    p += used;
    if (labs_string(&p, t->about, sizeof t->about) < 0)
        return -1;
    return t->points >= 0 && t->timeout_s > 0 ? 0 : -1;
}

static int labs_parse_lab(const char *p, struct cl_lab_def *lab)
{
    char files[512];
    if (labs_string(&p, lab->slug, sizeof lab->slug) < 0 || labs_comma(&p) < 0 ||
        labs_string(&p, lab->title, sizeof lab->title) < 0 || labs_comma(&p) < 0 ||
        labs_string(&p, files, sizeof files) < 0)
        return -1;
    lab->nfiles = 0;
    for (char *save, *f = strtok_r(files, " ", &save); f && lab->nfiles < CL_MAX_FILES;
         f = strtok_r(NULL, " ", &save))
        snprintf(lab->files[lab->nfiles++], sizeof lab->files[0], "%s", f);
    size_t digits = strspn(lab->slug, "0123456789");
    if (digits == 0 || digits >= sizeof lab->number || lab->slug[digits] != '-')
        return -1;
    memcpy(lab->number, lab->slug, digits);
    lab->number[digits] = '\0';
    return lab->nfiles > 0 ? 0 : -1;
}

/* CL_NEEDS(fact, "names"): append fact to each named test's needs. -1 if fact is not a yes/no
 * fact of the probe or a name is not a test: a typo must fail loudly when the labs load. */
static int labs_parse_needs(const char *p, struct cl_lab_def *lab)
{
    char fact[48], names[512];
    int used = 0;
    if (sscanf(p, " %47[A-Za-z0-9_] ,%n", fact, &used) != 1 || used == 0)
        return -1;
    int f = cl_fact_index(fact); /* a typo must not make tests ungradable everywhere */
    bool tool = strcmp(fact, "valgrind") == 0; /* a tool's, not the probe's (grade.c) */
    if (!tool && (f < 0 || !cl_fact_is_yes_no((enum cl_fact)f)))
        return -1;
    p += used;
    if (labs_string(&p, names, sizeof names) < 0)
        return -1;
    for (char *save, *t = strtok_r(names, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        int i = 0;
        while (i < lab->ntests && strcmp(lab->tests[i].name, t) != 0)
            i++;
        if (i == lab->ntests)
            return -1;
        size_t len = strlen(lab->tests[i].needs);
        snprintf(lab->tests[i].needs + len, sizeof lab->tests[i].needs - len, "%s%s",
                 len ? " " : "", fact);
    }
    return 0;
}

static const char *const labs_visibility[] = {"visible", "hidden", "after_due_date",
                                              "after_published"};

const char *cl_visibility_name(enum cl_visibility v)
{
    return (unsigned)v < sizeof labs_visibility / sizeof labs_visibility[0] ? labs_visibility[v]
                                                                            : "visible";
}

/* CL_VISIBILITY(visibility, "names"): set each named test's visibility. -1 if the visibility
 * is not one of the four, a name is not a test, or a test already has another than visible
 * (which line would win is not a question a registry should raise). */
static int labs_parse_visibility(const char *p, struct cl_lab_def *lab)
{
    char vis[32], names[512];
    int used = 0, v = -1;
    if (sscanf(p, " %31[a-z_] ,%n", vis, &used) != 1 || used == 0)
        return -1;
    for (int i = 0; i < (int)(sizeof labs_visibility / sizeof labs_visibility[0]); i++)
        if (strcmp(vis, labs_visibility[i]) == 0)
            v = i;
    p += used;
    if (v < 0 || labs_string(&p, names, sizeof names) < 0)
        return -1;
    for (char *save, *t = strtok_r(names, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        int i = 0;
        while (i < lab->ntests && strcmp(lab->tests[i].name, t) != 0)
            i++;
        if (i == lab->ntests || lab->tests[i].visibility != CL_VISIBLE)
            return -1;
        lab->tests[i].visibility = (enum cl_visibility)v;
    }
    return 0;
}

/* CL_HINT(test, "step", ..., "handbook/NN-slug.md#anchor") after the macro's "(": the
 * test's hints. -1 if the test is unknown or already has hints, if there are no steps or more
 * than CL_MAX_HINT_STEPS, or if the last string is not a handbook link with an anchor (whether
 * the anchor names a heading is cowlab hint's and make test's to check: it needs the file). */
static int labs_parse_hint(const char *p, struct cl_lab_def *lab)
{
    char name[48], text[CL_MAX_HINT_STEPS + 1][sizeof lab->tests[0].hint.step[0]];
    int used = 0, n = 0;
    if (sscanf(p, " %47[A-Za-z0-9_] ,%n", name, &used) != 1 || used == 0)
        return -1;
    p += used;
    while (n <= CL_MAX_HINT_STEPS && labs_string(&p, text[n], sizeof text[n]) == 0) {
        n++;
        if (labs_comma(&p) < 0)
            break;
    }
    while (isspace((unsigned char)*p))
        p++;
    int t = 0;
    while (t < lab->ntests && strcmp(lab->tests[t].name, name) != 0)
        t++;
    struct cl_hint *h = t < lab->ntests ? &lab->tests[t].hint : NULL;
    const char *link = n >= 2 ? text[n - 1] : "";
    if (*p != ')' || !h || h->nsteps || n < 2 || n > CL_MAX_HINT_STEPS + 1 ||
        strncmp(link, "handbook/", 9) != 0 || !strstr(link, ".md#") ||
        strlen(link) >= sizeof h->chapter)
        return -1;
    for (int i = 0; i < n - 1; i++)
        memcpy(h->step[i], text[i], sizeof h->step[i]);
    snprintf(h->chapter, sizeof h->chapter, "%s", link);
    h->nsteps = n - 1;
    return 0;
}

/* A macro call that may span lines: line (size n) holds its first line; append the next lines
 * of f until the parentheses close outside string literals. 0, or -1 at the end of the file
 * or when the call does not fit in n. */
static int labs_gather(FILE *f, char *line, size_t n, int *lineno)
{
    for (;;) {
        int depth = 0;
        bool quoted = false;
        for (const char *c = line; *c; c++) {
            if (quoted && *c == '\\' && c[1])
                c++;
            else if (*c == '"')
                quoted = !quoted;
            else if (!quoted)
                depth += (*c == '(') - (*c == ')');
        }
        if (depth <= 0 && !quoted)
            return 0;
        size_t len = strlen(line);
        if (len + 2 >= n || !fgets(line + len, (int)(n - len), f))
            return -1;
        (*lineno)++;
    }
}

int cl_lab_parse(const char *path, struct cl_lab_def *lab, char *err, size_t n)
{
    memset(lab, 0, sizeof *lab);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, n, "%s: cannot open", path);
        return -1;
    }
    char line[8192];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        const char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (strncmp(p, "CL_LAB(", 7) == 0) {
            rc = labs_parse_lab(p + 7, lab);
        } else if (strncmp(p, "CL_TEST(", 8) == 0) {
            if (lab->ntests == CL_MAX_TESTS)
                rc = -1;
            else if ((rc = labs_parse_test(p + 8, &lab->tests[lab->ntests])) == 0)
                lab->max_points += lab->tests[lab->ntests++].points;
        } else if (strncmp(p, "CL_NEEDS(", 9) == 0) {
            rc = labs_parse_needs(p + 9, lab);
        } else if (strncmp(p, "CL_VISIBILITY(", 14) == 0) {
            rc = labs_parse_visibility(p + 14, lab);
        } else if (strncmp(p, "CL_HINT(", 8) == 0) {
            int first = lineno;
            rc = labs_gather(f, line, sizeof line, &lineno);
            if (rc == 0)
                rc = labs_parse_hint(p + 8, lab);
            lineno = rc < 0 ? first : lineno;
        }
        if (rc < 0) { /* one line, though a CL_HINT spans several */
            snprintf(err, n, "%s:%d: cannot parse: %.80s", path, lineno, p);
            for (char *c = err; *c; c++)
                *c = *c == '\n' ? ' ' : *c;
        }
    }
    fclose(f);
    if (rc == 0 && (!lab->slug[0] || lab->ntests == 0)) {
        snprintf(err, n, "%s: needs one CL_LAB line and at least one CL_TEST", path);
        rc = -1;
    }
    return rc;
}

static int labs_cmp(const void *a, const void *b)
{
    return strcmp(((const struct cl_lab_def *)a)->slug, ((const struct cl_lab_def *)b)->slug);
}

int cl_labs_load(const char *dir, struct cl_lab_def *labs, int max, char *err, size_t n)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, n, "%s: cannot open the labs folder", dir);
        return -1;
    }
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < max) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/tests.def", dir, e->d_name);
        FILE *probe = fopen(path, "r");
        if (!probe)
            continue;
        fclose(probe);
        if (cl_lab_parse(path, &labs[count], err, n) < 0) {
            closedir(d);
            return -1;
        }
        snprintf(labs[count].dir, sizeof labs[count].dir, "%s/%s", dir, e->d_name);
        if (strcmp(labs[count].slug, e->d_name) != 0) {
            snprintf(err, n, "%s: CL_LAB names '%s', the folder is '%s'", path, labs[count].slug,
                     e->d_name);
            closedir(d);
            return -1;
        }
        count++;
    }
    closedir(d);
    qsort(labs, (size_t)count, sizeof *labs, labs_cmp);
    return count;
}

const struct cl_lab_def *cl_labs_find(const struct cl_lab_def *labs, int nlabs, const char *key)
{
    for (int i = 0; i < nlabs; i++) {
        const struct cl_lab_def *l = &labs[i];
        const char *tail = l->slug + strlen(l->number) + 1;
        if (strcmp(key, l->slug) == 0 || strcmp(key, l->number) == 0 || strcmp(key, tail) == 0)
            return l;
        char *end;
        long want = strtol(key, &end, 10);
        if (*key && !*end && want == strtol(l->number, NULL, 10))
            return l;
    }
    return NULL;
}
