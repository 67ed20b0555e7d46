/*
 * status.c — every lab at a glance, from the recorded checks (cowlab/status.h).
 */
#include "cowlab/status.h"

#include "cowlab/checked.h"
#include "cowlab/stubs.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

/* The first line of feedback that says "expected", trimmed, control bytes as '?', into out. */
static void status_first_check(const char *feedback, char *out, size_t n)
{
    out[0] = '\0';
    const char *e = feedback ? strstr(feedback, "expected ") : NULL;
    if (!e)
        return;
    const char *start = e;
    while (start > feedback && start[-1] != '\n')
        start--;
    start += strspn(start, " ");
    size_t len = strcspn(start, "\n");
    if (len >= n)
        len = n - 4;
    size_t o = 0;
    for (size_t i = 0; i < len; i++)
        out[o++] = (unsigned char)start[i] < 0x20 ? '?' : start[i];
    if (len < strcspn(start, "\n"))
        out[o++] = '.', out[o++] = '.', out[o++] = '.';
    out[o] = '\0';
}

int cl_status_lab(const struct cl_lab_def *lab, const char *src, struct cl_status_lab *s)
{
    memset(s, 0, sizeof *s);
    s->first_failed = -1;
    s->max = lab->max_points;
    struct cl_checked c;
    if (cl_checked_load(lab, src, &c) < 0)
        return -1;
    uint64_t now = cl_checked_fingerprint(lab, src);
    s->broken = c.have_build && c.build_fp == now && !c.built;
    s->last = c.have_build ? c.build_when : 0;
    for (int t = 0; t < lab->ntests; t++) {
        const struct cl_checked_test *r = &c.tests[t];
        if (!r->have || r->fp != now) {
            s->unknown++;
            s->stale += r->have;
            s->stale_passed += r->have && r->passed;
            continue;
        }
        if (r->ungradable) {
            s->ungradable++;
            s->max -= lab->tests[t].points;
        } else if (r->passed) {
            s->passed++;
            s->score += r->score;
        } else {
            s->failed++;
            if (s->first_failed < 0) {
                s->first_failed = t;
                status_first_check(r->feedback, s->first_check, sizeof s->first_check);
            }
        }
    }
    cl_checked_free(&c);
    return 0;
}

/* "14:02" today, "2026-12-01 14:02" another day. Returns buf. */
static const char *status_when(time_t when, char *buf, size_t n)
{
    struct tm tm, today;
    time_t now = time(NULL);
    localtime_r(&when, &tm);
    localtime_r(&now, &today);
    bool same = tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday;
    strftime(buf, n, same ? "%H:%M" : "%Y-%m-%d %H:%M", &tm);
    return buf;
}

/* One lab's line. */
static void status_line(FILE *out, const struct cl_lab_def *lab, const struct cl_status_lab *s)
{
    char when[32], tests[32], points[32], note[200] = "";
    int gradable = lab->ntests - s->ungradable;
    if (s->unknown == 0 || s->unknown < lab->ntests) {
        snprintf(tests, sizeof tests, "%d/%d", s->passed, gradable);
        snprintf(points, sizeof points, "%d/%d", s->score, s->max);
    } else {
        snprintf(tests, sizeof tests, "?/%d", gradable);
        snprintf(points, sizeof points, "?/%d", s->max);
    }
    if (s->last == 0)
        snprintf(note, sizeof note, "never checked");
    else if (s->unknown == 0)
        snprintf(note, sizeof note, "checked %s", status_when(s->last, when, sizeof when));
    else if (s->stale)
        snprintf(note, sizeof note, "checked %s, files changed since (then %d of %d passed)",
                 status_when(s->last, when, sizeof when), s->stale_passed, s->stale);
    else
        snprintf(note, sizeof note, "checked %s, %d test%s not checked yet",
                 status_when(s->last, when, sizeof when), s->unknown, s->unknown == 1 ? "" : "s");
    if (s->broken)
        snprintf(note + strlen(note), sizeof note - strlen(note), "; does not build");
    fprintf(out, "%-16s %7s %9s  %s\n", lab->slug, tests, points, note);
}

/* What to do next in lab (the one the student is on). */
static void status_next(FILE *out, const struct cl_lab_def *labs, int nlabs,
                        const struct cl_lab_def *lab, const struct cl_status_lab *s)
{
    if (s->broken) {
        fprintf(out,
                "next: your files in labs/%s do not build: make check LAB=%s shows the "
                "compiler's messages\n",
                lab->slug, lab->number);
    } else if (s->first_failed >= 0) {
        const struct cl_test_def *t = &lab->tests[s->first_failed];
        fprintf(out, "next: %s/%s fails (%s)\n", lab->slug, t->name, t->about);
        if (s->first_check[0])
            fprintf(out, "  first check: %s\n", s->first_check);
        fprintf(out, "  check it:  make check LAB=%s TEST=%s\n", lab->number, t->name);
        fprintf(out, "  a hint:    make hint LAB=%s TEST=%s\n", lab->number, t->name);
    } else if (s->unknown) {
        fprintf(out, "next: make check LAB=%s (%d of its tests %s)\n", lab->number, s->unknown,
                s->stale ? "have no result for your files as they are now"
                         : "have not been checked yet");
    } else {
        const struct cl_lab_def *after = lab + 1 < labs + nlabs ? lab + 1 : NULL;
        fprintf(out, "%s passes every test it can run here (%d/%d points)\n", lab->slug, s->score,
                s->max);
        if (after)
            fprintf(out, "next: %s: read handbook/%s.md, then make check LAB=%s\n", after->slug,
                    after->slug, after->number);
    }
}

int cl_status_print(FILE *out, const struct cl_lab_def *labs, int nlabs, const char *base)
{
    struct cl_status_lab st[CL_MAX_LABS];
    fprintf(out, "%-16s %7s %9s  %s\n", "lab", "tests", "points", "results (of make check)");
    for (int i = 0; i < nlabs; i++) {
        char src[PATH_MAX];
        snprintf(src, sizeof src, "%s/%s", base, labs[i].slug);
        if (cl_status_lab(&labs[i], src, &st[i]) < 0)
            return -1;
        status_line(out, &labs[i], &st[i]);
    }
    char file[PATH_MAX] = "";
    time_t when;
    const struct cl_lab_def *on = cl_last_worked_lab(labs, nlabs, base, file, sizeof file, &when);
    if (!on) /* nothing changed yet: the first lab */
        on = &labs[0];
    fprintf(out, "\nyou are on %s%s%s%s\n", on->slug, file[0] ? " (you changed " : "", file,
            file[0] ? " last)" : "");
    status_next(out, labs, nlabs, on, &st[on - labs]);
    return 0;
}
