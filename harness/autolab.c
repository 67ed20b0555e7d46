/*
 * autolab.c — a grading run as Autolab's autograder output (cowlab/report.h): the feedback a
 * student reads, as plain UTF-8 text, and as its last line the scores Autolab reads:
 *
 *   cowlab: 9/12 points ...                       (the run: machine, shared causes, build logs)
 *   01-fork-cow/spawn                10/10  passed
 *   01-fork-cow/zero_page             0/10  failed: 2 checks
 *   --- 01-fork-cow/zero_page: ...                (each failed test's feedback)
 *   {"scores": {"01-fork-cow/spawn": 10, "01-fork-cow/zero_page": 0}, "scoreboard": [9, 9]}
 *
 * "scores" has one entry per test that ran and is gradable here, named as in results.json
 * (the Autolab assessment's problems must carry these names); a test not gradable here is
 * left out (out of the maximum, as in every format). "scoreboard" is the total, then each
 * lab's points in slug order (a column spec of {"hdr": "total"} and one per lab fits it).
 * Autolab shows the whole output to the student at once, so the feedback of every test not
 * visible is withheld (its line says so; its points are in "scores" all the same). The text
 * stays under 1 MB (AL_MAX_BYTES): the longest feedback is cut, at a character, with a note,
 * and the last line is always whole.
 */
#include "cowlab/report.h"

#include "cowlab/escape.h"
#include "cowlab/verdicts.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { AL_MAX_BYTES = 1000 * 1000 };

/* Whether test v's feedback follows the table: failed (or not built), and shown. */
static bool al_detailed(const struct cl_verdict *v)
{
    return v->status == CL_FAILED && cl_verdict_shown(v->visibility, CL_FOR_STUDENT);
}

/* The scores line: JSON on one line. */
static void al_scores(FILE *f, const struct cl_report *r, const struct cl_verdicts *vs)
{
    fputs("{\"scores\": {", f);
    const char *sep = "";
    for (int i = 0; i < vs->n; i++) {
        if (vs->v[i].status == CL_UNGRADABLE)
            continue;
        fputs(sep, f);
        cl_json_string(f, vs->v[i].name);
        fprintf(f, ": %d", vs->v[i].points);
        sep = ", ";
    }
    fprintf(f, "}, \"scoreboard\": [%d", vs->points);
    for (int i = 0; i < r->nlabs; i++) {
        int points = 0;
        bool ran = false;
        for (int j = 0; j < vs->n; j++)
            if (vs->v[j].lab == &r->labs[i]) {
                points += vs->v[j].points;
                ran = true;
            }
        if (ran)
            fprintf(f, ", %d", points);
    }
    fputs("]}\n", f);
}

/* The whole output, texts[0] the run's and texts[1 + i] test i's, each cut to cap. */
static void al_write(FILE *f, const struct cl_report *r, const struct cl_verdicts *vs,
                     char *const *texts, size_t cap)
{
    cl_escape_capped(f, texts[0], CL_ESC_TEXT, cap);
    fputs("\n\n", f);
    for (int i = 0; i < vs->n; i++) {
        const struct cl_verdict *v = &vs->v[i];
        fprintf(f, "%-40s ", v->name);
        if (v->status == CL_UNGRADABLE)
            fprintf(f, "%7s  ", "-/0");
        else
            fprintf(f, "%3d/%-3d  ", v->points, v->max_points);
        cl_escape_capped(f,
                         cl_verdict_shown(v->visibility, CL_FOR_STUDENT) ? v->test->verdict
                                                                         : "feedback withheld",
                         CL_ESC_TEXT, SIZE_MAX);
        fputc('\n', f);
    }
    for (int i = 0; i < vs->n; i++)
        if (al_detailed(&vs->v[i])) {
            fprintf(f, "\n--- %s: ", vs->v[i].name);
            cl_escape_capped(f, texts[1 + i], CL_ESC_TEXT, cap);
        }
    fputc('\n', f);
    al_scores(f, r, vs);
}

/* al_write as a cl_escape_writer. */
struct al_doc {
    const struct cl_report *r;
    const struct cl_verdicts *vs;
    char *const *texts;
};

static void al_write_doc(FILE *f, const void *ctx, size_t cap)
{
    const struct al_doc *d = ctx;
    al_write(f, d->r, d->vs, d->texts, cap);
}

int cl_report_autolab(const char *path, const struct cl_report *r)
{
    struct cl_verdicts vs;
    if (cl_verdicts_make(r, &vs) < 0)
        return -1;
    char **texts = calloc((size_t)vs.n + 1, sizeof *texts);
    bool ok = texts && (texts[0] = cl_verdicts_summary(r, CL_FOR_STUDENT));
    for (int i = 0; ok && i < vs.n; i++)
        ok = !al_detailed(&vs.v[i]) || (texts[1 + i] = cl_verdict_text(&vs.v[i], CL_FOR_STUDENT));
    struct al_doc d = {r, &vs, texts};
    int rc = ok ? cl_escape_write_capped(path, AL_MAX_BYTES, texts, vs.n + 1, CL_ESC_TEXT,
                                         al_write_doc, &d)
                : -1;
    if (!ok)
        errno = ENOMEM;
    for (int i = 0; texts && i <= vs.n; i++)
        free(texts[i]);
    free(texts);
    cl_verdicts_free(&vs);
    return rc;
}
