/*
 * prairielearn.c — a grading run as PrairieLearn's external grader results (cowlab/report.h):
 *
 *   {"gradable": true, "score": 0.75, "message": "cowlab: 9/12 points", "output": "...",
 *    "tests": [{"name": "01-fork-cow/spawn", "description": "...", "points": 10,
 *               "max_points": 10, "message": "passed", "output": "..."}, ...]}
 *
 * score = points / max_points over the tests that ran and are gradable here (those not
 * gradable here are listed with 0 of 0, out of the score). A run that decided nothing
 * (cowlab/verdicts.h's gradable) is {"gradable": false, "format_errors": [why], "message",
 * "output"}: PrairieLearn then gives and takes no points and does not count the attempt.
 *
 * PrairieLearn shows everything in the file to the student at once and has no visibility of
 * its own, so the feedback of every test not visible (hidden, after_due_date, after_published)
 * is withheld: the test stays in tests[] with its name and points, since `score` counts them
 * and a list that left them out would not add up to it, but its description, message and
 * output say only that the feedback is withheld. The file stays under 1 MB (PL_MAX_BYTES,
 * the stricter reading): when the texts would not fit, the longest are cut, at a character,
 * with a note, so that it is still valid JSON and UTF-8.
 */
#include "cowlab/report.h"

#include "cowlab/escape.h"
#include "cowlab/verdicts.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { PL_MAX_BYTES = 1000 * 1000 };

/* A JSON string of at most cap bytes inside its quotes. */
static void pl_string(FILE *f, const char *s, size_t cap)
{
    fputc('"', f);
    cl_escape_capped(f, s, CL_ESC_JSON, cap);
    fputc('"', f);
}

/* The document, texts[0] the top-level output and texts[1 + i] test i's, each cut to cap. */
static void pl_write(FILE *f, const struct cl_verdicts *vs, char *const *texts, size_t cap)
{
    char message[96];
    snprintf(message, sizeof message, "cowlab: %d/%d points", vs->points, vs->max_points);
    fprintf(f, "{\n  \"gradable\": %s,\n", vs->gradable ? "true" : "false");
    if (!vs->gradable) {
        fputs("  \"format_errors\": [", f);
        pl_string(f, vs->why_not, SIZE_MAX);
        fputs("],\n", f);
    } else {
        fprintf(f, "  \"score\": %.6f,\n", (double)vs->points / vs->max_points);
    }
    fputs("  \"message\": ", f);
    pl_string(f, message, SIZE_MAX);
    fputs(",\n  \"output\": ", f);
    pl_string(f, texts[0], cap);
    if (vs->gradable) {
        fputs(",\n  \"tests\": [", f);
        for (int i = 0; i < vs->n; i++) {
            const struct cl_verdict *v = &vs->v[i];
            bool shown = cl_verdict_shown(v->visibility, CL_FOR_STUDENT);
            fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
            pl_string(f, v->name, SIZE_MAX);
            fputs(", \"description\": ", f);
            pl_string(f, shown ? v->test->def->about : "", SIZE_MAX);
            fprintf(f, ", \"points\": %d, \"max_points\": %d, \"message\": ", v->points,
                    v->max_points);
            pl_string(f, shown ? v->test->verdict : "feedback withheld", SIZE_MAX);
            fputs(", \"output\": ", f);
            pl_string(f, texts[1 + i], cap);
            fputc('}', f);
        }
        fputs("\n  ]", f);
    }
    fputs("\n}\n", f);
}

/* The texts to cut to size: the top-level output (with the build logs of the labs that did not
 * build when nothing is gradable, since then no test carries them), then each test's feedback
 * for a student. */
static char **pl_texts(const struct cl_report *r, const struct cl_verdicts *vs)
{
    char **texts = calloc((size_t)vs->n + 1, sizeof *texts);
    if (!texts)
        return NULL;
    bool ok = (texts[0] = cl_verdicts_summary(r, CL_FOR_STUDENT)) != NULL;
    for (int i = 0; ok && !vs->gradable && i < r->nlabs; i++) { /* no tests: say why here */
        const struct cl_lab_outcome *l = &r->labs[i];
        char *more = NULL;
        if (l->built || !l->build_log)
            continue;
        ok = asprintf(&more, "%s\n\n%s did not build:\n%s", texts[0], l->lab->slug, l->build_log) >=
             0;
        if (ok) {
            free(texts[0]);
            texts[0] = more;
        }
    }
    for (int i = 0; ok && i < vs->n; i++)
        ok = (texts[1 + i] = cl_verdict_text(&vs->v[i], CL_FOR_STUDENT)) != NULL;
    if (ok)
        return texts;
    for (int i = 0; i <= vs->n; i++)
        free(texts[i]);
    free(texts);
    errno = ENOMEM;
    return NULL;
}

/* pl_write as a cl_escape_writer. */
struct pl_doc {
    const struct cl_verdicts *vs;
    char *const *texts;
};

static void pl_write_doc(FILE *f, const void *ctx, size_t cap)
{
    const struct pl_doc *d = ctx;
    pl_write(f, d->vs, d->texts, cap);
}

int cl_report_prairielearn(const char *path, const struct cl_report *r)
{
    struct cl_verdicts vs;
    if (cl_verdicts_make(r, &vs) < 0)
        return -1;
    char **texts = pl_texts(r, &vs);
    struct pl_doc d = {&vs, texts};
    int rc = texts ? cl_escape_write_capped(path, PL_MAX_BYTES, texts, vs.gradable ? vs.n + 1 : 1,
                                            CL_ESC_JSON, pl_write_doc, &d)
                   : -1;
    for (int i = 0; texts && i <= vs.n; i++)
        free(texts[i]);
    free(texts);
    cl_verdicts_free(&vs);
    return rc;
}
