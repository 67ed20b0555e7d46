/*
 * verdicts.c — a grading run read once for every report (cowlab/verdicts.h): statuses,
 * points, visibility, and the texts each audience may see.
 */
#include "cowlab/verdicts.h"

#include "cowlab/isolate.h"
#include "cowlab/probe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool cl_verdict_ran(const struct cl_test_outcome *t)
{
    return strcmp(t->verdict, "not run") != 0;
}

bool cl_verdict_shown(enum cl_visibility v, enum cl_audience who)
{
    switch (who) {
    case CL_FOR_INSTRUCTOR: return true;
    case CL_FOR_GRADESCOPE: return v != CL_HIDDEN;
    case CL_FOR_STUDENT: return v == CL_VISIBLE;
    }
    return false;
}

int cl_verdicts_make(const struct cl_report *r, struct cl_verdicts *out)
{
    *out = (struct cl_verdicts){0};
    int cap = 0, labs_built = 0;
    for (int i = 0; i < r->nlabs; i++)
        cap += r->labs[i].lab->ntests;
    if (cap && !(out->v = calloc((size_t)cap, sizeof *out->v)))
        return -1;
    for (int i = 0; i < r->nlabs; i++) {
        const struct cl_lab_outcome *l = &r->labs[i];
        bool ran = false;
        for (int j = 0; j < l->lab->ntests; j++) {
            const struct cl_test_outcome *t = &l->tests[j];
            if (!cl_verdict_ran(t))
                continue;
            struct cl_verdict *v = &out->v[out->n++];
            ran = true;
            v->lab = l;
            v->test = t;
            snprintf(v->name, sizeof v->name, "%s/%s", l->lab->slug, t->def->name);
            v->status = t->ungradable ? CL_UNGRADABLE : t->passed ? CL_PASSED : CL_FAILED;
            v->points = t->ungradable ? 0 : t->score;
            v->max_points = t->ungradable ? 0 : t->def->points;
            v->visibility = t->def->visibility;
            out->points += v->points;
            out->max_points += v->max_points;
        }
        labs_built += ran && l->built;
    }
    out->gradable = labs_built > 0 && out->max_points > 0;
    if (labs_built == 0)
        out->why_not = "nothing could be built: none of the lab's files was found, or none "
                       "compiled (see the build log)";
    else if (!out->gradable)
        out->why_not = "no test that ran can be decided on this grading machine (not gradable "
                       "here): no points are given or taken";
    return 0;
}

void cl_verdicts_free(struct cl_verdicts *vs)
{
    free(vs->v);
    *vs = (struct cl_verdicts){0};
}

const char *cl_verdict_build_heading(const struct cl_lab_outcome *l)
{
    return !l->built ? "not built, so every test of it scores 0:"
           : l->stand_in
               ? "part of it did not build, and was graded as the handout's stub:"
               : "the compiler warned (this costs no points, but a warning is often a bug):";
}

char *cl_verdict_text(const struct cl_verdict *v, enum cl_audience who)
{
    static const char stub_note[] = "note: a file of this lab is missing or did not compile; "
                                    "the handout's stub stood in for it (see the build log)\n";
    const struct cl_lab_outcome *l = v->lab;
    const struct cl_test_outcome *t = v->test;
    char *s = NULL;
    if (!cl_verdict_shown(v->visibility, who)) {
        if (asprintf(&s, "feedback withheld (visibility: %s)\n",
                     cl_visibility_name(v->visibility)) < 0)
            s = NULL;
        return s;
    }
    const char *note = l->stand_in && !t->passed ? stub_note : "";
    if (asprintf(&s, "%s: %s\n%s%s%s", t->verdict, t->def->about, l->built ? "" : l->build_log,
                 note, t->feedback ? t->feedback : "") < 0)
        s = NULL;
    return s;
}

/* The cause a crash, hang or early end names: its verdict up to the command it was running
 * ("timed out: cow_map, in the parent did not finish within 1.0 s"), into key. */
static void verdicts_cause(const char *verdict, char *key, size_t n)
{
    size_t len = strcspn(verdict, "(");
    while (len > 0 && verdict[len - 1] == ' ')
        len--;
    snprintf(key, n, "%.*s", (int)len, verdict);
}

/* Whether test k of l is one of the failures grouped under key for who. */
static bool verdicts_same(const struct cl_lab_outcome *l, int k, const char *key,
                          enum cl_audience who)
{
    const struct cl_test_outcome *t = &l->tests[k];
    char other[200];
    verdicts_cause(t->verdict, other, sizeof other);
    return t->error && cl_verdict_ran(t) && cl_verdict_shown(t->def->visibility, who) &&
           strcmp(key, other) == 0;
}

void cl_verdicts_causes(FILE *out, const struct cl_report *r, enum cl_audience who)
{
    for (int i = 0; i < r->nlabs; i++) {
        const struct cl_lab_outcome *l = &r->labs[i];
        bool told[CL_MAX_TESTS] = {false};
        for (int j = 0; j < l->lab->ntests; j++) {
            const struct cl_test_outcome *t = &l->tests[j];
            char key[200];
            verdicts_cause(t->verdict, key, sizeof key);
            if (told[j] || !l->built || !verdicts_same(l, j, key, who))
                continue;
            int same = 0;
            for (int k = j; k < l->lab->ntests; k++)
                same += verdicts_same(l, k, key, who);
            if (same < 2)
                continue;
            fprintf(out, "\n\n%s: one cause, %d tests (", l->lab->slug, same);
            const char *sep = "";
            for (int k = j; k < l->lab->ntests; k++)
                if (verdicts_same(l, k, key, who)) {
                    fprintf(out, "%s%s", sep, l->lab->tests[k].name);
                    sep = ", ";
                    told[k] = true;
                }
            fprintf(out, "): %s", key);
        }
    }
}

char *cl_verdicts_summary(const struct cl_report *r, enum cl_audience who)
{
    char machine[200], iso[300];
    char *summary = NULL;
    size_t len = 0;
    FILE *s = open_memstream(&summary, &len);
    if (!s)
        return NULL;
    fprintf(s, "cowlab: %d/%d points\n", cl_report_score(r), cl_report_max(r));
    if (r->note) /* what a grading service's wrapper found in the upload (grade --note) */
        fprintf(s, "%s\n", r->note);
    fprintf(s, "kernel %s; %s\n%s", cl_probe()->kernel,
            cl_probe_summary(cl_probe(), machine, sizeof machine),
            cl_isolation_summary(iso, sizeof iso));
    cl_verdicts_causes(s, r, who);
    for (int i = 0; i < r->nlabs; i++) {
        const struct cl_lab_outcome *l = &r->labs[i];
        if (l->build_log && l->build_log[0]) /* not built: why, once, before any test */
            fprintf(s, "\n\n%s: %s\n%s", l->lab->slug, cl_verdict_build_heading(l), l->build_log);
    }
    if (fclose(s) != 0) {
        free(summary);
        errno = ENOMEM;
        return NULL;
    }
    return summary;
}
