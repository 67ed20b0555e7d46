/*
 * report.c — the grading run as a table, results.json, junit.xml and grades.csv
 * (cowlab/report.h), and the services' other formats by name (prairielearn.c, autolab.c).
 * Everything that came from student code goes through escape.c.
 */
#include "cowlab/report.h"

#include "cowlab/verdicts.h"

#include "cowlab/isolate.h"

#include "cowlab/csv.h"
#include "cowlab/escape.h"
#include "cowlab/grades.h"
#include "cowlab/probe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cl_report_score(const struct cl_report *r)
{
    int s = 0;
    for (int i = 0; i < r->nlabs; i++)
        s += r->labs[i].score;
    return s;
}

int cl_report_max(const struct cl_report *r)
{
    int s = 0;
    for (int i = 0; i < r->nlabs; i++)
        s += r->labs[i].max;
    return s;
}

bool cl_report_passed(const struct cl_report *r)
{
    for (int i = 0; i < r->nlabs; i++) {
        const struct cl_lab_outcome *l = &r->labs[i];
        for (int t = 0; t < l->lab->ntests && l->built; t++)
            if (cl_verdict_ran(&l->tests[t]) && !l->tests[t].passed && !l->tests[t].ungradable)
                return false;
        if (!l->built)
            return false;
    }
    return true;
}

/* Text from student code, for a terminal: control bytes other than newline and tab are shown
 * as \xHH, so output cannot move the cursor, recolour or retitle the grader's terminal. */
static void report_term_text(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

void cl_report_table(FILE *out, const struct cl_report *r, bool color, bool details)
{
    const char *green = color ? "\033[32m" : "", *red = color ? "\033[31m" : "",
               *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
    char machine[200], iso[300];
    fprintf(out, "\ngraded on kernel %s; %s\n%s\n", cl_probe()->kernel,
            cl_probe_summary(cl_probe(), machine, sizeof machine),
            cl_isolation_summary(iso, sizeof iso));
    fprintf(out, "%-14s %-24s %7s  %s\n", "lab", "test", "points", "verdict");
    for (int i = 0; i < r->nlabs; i++) {
        const struct cl_lab_outcome *l = &r->labs[i];
        for (int j = 0; j < l->lab->ntests; j++) {
            const struct cl_test_outcome *t = &l->tests[j];
            if (!cl_verdict_ran(t))
                continue;
            if (t->ungradable)
                fprintf(out, "%-14s %-24s   -/%-3d  %s\n", l->lab->slug, t->def->name,
                        t->def->points, t->verdict);
            else
                fprintf(out, "%-14s %-24s %3d/%-3d  %s%s%s\n", l->lab->slug, t->def->name, t->score,
                        t->def->points, t->passed ? green : red, t->verdict, off);
        }
        fprintf(out, "%s%-14s %-24s %3d/%-3d%s\n", bold, l->lab->slug, "total", l->score, l->max,
                off);
    }
    fprintf(out, "%sscore: %d/%d%s", bold, cl_report_score(r), cl_report_max(r), off);
    cl_verdicts_causes(out, r, CL_FOR_INSTRUCTOR);
    fputc('\n', out);
    if (!details)
        return;
    for (int i = 0; i < r->nlabs; i++) {
        const struct cl_lab_outcome *l = &r->labs[i];
        if (!l->built) {
            fprintf(out, "\n%s%s did not build:%s\n", red, l->lab->slug, off);
            report_term_text(out, l->build_log);
        } else if (l->build_log && l->build_log[0]) {
            fprintf(out, "\n%s%s: %s\n", l->stand_in ? red : "", l->lab->slug,
                    cl_verdict_build_heading(l));
            report_term_text(out, l->build_log);
        }
        for (int j = 0; j < l->lab->ntests; j++) {
            const struct cl_test_outcome *t = &l->tests[j];
            if (t->passed || t->ungradable || !cl_verdict_ran(t) || !l->built)
                continue;
            fprintf(out, "\n%s%s/%s: %s%s\n", red, l->lab->slug, t->def->name, t->verdict, off);
            report_term_text(out, t->feedback);
        }
    }
}

static int report_close(FILE *f)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        if (!errno)
            errno = EIO;
        return -1;
    }
    return 0;
}

int cl_report_json(const char *path, const struct cl_report *r)
{
    struct cl_verdicts vs;
    if (cl_verdicts_make(r, &vs) < 0)
        return -1;
    FILE *f = fopen(path, "w");
    if (!f) {
        cl_verdicts_free(&vs);
        return -1;
    }
    /* The top-level output is shown at once: it names no test a student may not see yet. */
    char *summary = cl_verdicts_summary(r, CL_FOR_STUDENT);
    fprintf(f,
            "{\n  \"score\": %d,\n  \"execution_time\": %.3f,\n  \"output_format\": \"text\",\n"
            "  \"output\": ",
            vs.points, r->elapsed_ms / 1000.0);
    cl_json_string(f, summary ? summary : "cowlab: out of memory");
    free(summary);
    fputs(",\n  \"tests\": [", f);
    for (int i = 0; i < vs.n; i++) {
        const struct cl_verdict *v = &vs.v[i];
        fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
        cl_json_string(f, v->name);
        /* Not gradable here: out of the maximum and neither passed nor failed. */
        fprintf(f, ", \"score\": %d, \"max_score\": %d, ", v->points, v->max_points);
        if (v->status != CL_UNGRADABLE)
            fprintf(f, "\"status\": \"%s\", ", v->status == CL_PASSED ? "passed" : "failed");
        /* Gradescope shows after_due_date and after_published tests when their time comes, and
         * hidden ones never; the feedback of a hidden test is not even in the file. */
        fprintf(f, "\"visibility\": \"%s\", \"output\": ", cl_visibility_name(v->visibility));
        char *text = cl_verdict_text(v, CL_FOR_GRADESCOPE);
        cl_json_string(f, text ? text : v->test->verdict);
        free(text);
        fputc('}', f);
    }
    fputs("\n  ]\n}\n", f);
    cl_verdicts_free(&vs);
    return report_close(f);
}

/* The counts of junit.xml's attributes over the verdicts of lab l (NULL: every lab). */
struct report_counts {
    int tests, failures, errors, skipped;
};

static struct report_counts report_count(const struct cl_verdicts *vs,
                                         const struct cl_lab_outcome *l)
{
    struct report_counts c = {0};
    for (int i = 0; i < vs->n; i++) {
        const struct cl_verdict *v = &vs->v[i];
        if (l && v->lab != l)
            continue;
        c.tests++;
        c.skipped += v->status == CL_UNGRADABLE;
        c.failures += v->status == CL_FAILED && !v->test->error;
        c.errors += v->status == CL_FAILED && v->test->error;
    }
    return c;
}

/* One testcase: passed, <skipped>, or a <failure> or <error> with every feedback. */
static void report_junit_case(FILE *f, const struct cl_verdict *v)
{
    const struct cl_test_outcome *t = v->test;
    fprintf(f, "    <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\"", v->lab->lab->slug,
            t->def->name, t->ms / 1000.0);
    if (v->status == CL_PASSED) {
        fputs("/>\n", f);
        return;
    }
    const char *tag = v->status == CL_UNGRADABLE ? "skipped" : t->error ? "error" : "failure";
    fprintf(f, ">\n      <%s message=\"", tag);
    cl_xml_text(f, t->verdict);
    if (v->status == CL_UNGRADABLE) {
        fputs("\"/>\n    </testcase>\n", f);
        return;
    }
    fputs("\">", f);
    char *text = cl_verdict_text(v, CL_FOR_INSTRUCTOR);
    cl_xml_text(f, text ? text : t->verdict);
    free(text);
    fprintf(f, "</%s>\n    </testcase>\n", tag);
}

int cl_report_junit(const char *path, const struct cl_report *r)
{
    struct cl_verdicts vs;
    if (cl_verdicts_make(r, &vs) < 0)
        return -1;
    FILE *f = fopen(path, "w");
    if (!f) {
        cl_verdicts_free(&vs);
        return -1;
    }
    /* A failed check (or a leak) is a <failure>; a test that never reached a verdict of its
     * checks (not built, crashed, timed out, no completion record) an <error>. */
    struct report_counts all = report_count(&vs, NULL);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f,
            "<testsuites name=\"cowlab\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
            "time=\"%.3f\">\n",
            all.tests, all.failures, all.errors,
            r->elapsed_ms / 1000.0); /* junit-10.xsd: skipped only per testsuite */
    for (int i = 0; i < r->nlabs; i++) {
        const struct cl_lab_outcome *l = &r->labs[i];
        struct report_counts c = report_count(&vs, l);
        fprintf(f,
                "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
                "skipped=\"%d\" time=\"%.3f\">\n",
                l->lab->slug, c.tests, c.failures, c.errors, c.skipped, l->ms / 1000.0);
        for (int j = 0; j < vs.n; j++)
            if (vs.v[j].lab == l)
                report_junit_case(f, &vs.v[j]);
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    cl_verdicts_free(&vs);
    return report_close(f);
}

int cl_report_services(const char *out_dir, const struct cl_report *r, char *failed, size_t n)
{
    static const struct {
        const char *file;
        int (*write)(const char *, const struct cl_report *);
    } services[] = {{"prairielearn.json", cl_report_prairielearn},
                    {"autolab.txt", cl_report_autolab}};
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
        snprintf(failed, n, "%s/%s", out_dir, services[i].file);
        if (services[i].write(failed, r) < 0)
            return -1;
    }
    failed[0] = '\0';
    return 0;
}

/* The cells of one lab's tests and its total into row: points, "-" where not gradable here,
 * nothing where not run; all empty when the lab was not graded (o NULL). */
static int report_csv_lab(struct cl_csv_row *row, const struct cl_lab_def *lab,
                          const struct cl_lab_outcome *o)
{
    int rc = 0;
    for (int j = 0; j < lab->ntests; j++) {
        const struct cl_test_outcome *t = o ? &o->tests[j] : NULL;
        char cell[16] = "";
        if (t && t->ungradable)
            snprintf(cell, sizeof cell, "-");
        else if (t && cl_verdict_ran(t))
            snprintf(cell, sizeof cell, "%d", t->score);
        rc |= cl_csv_push(row, cell);
    }
    return rc;
}

int cl_report_csv(const char *path, const struct cl_report *r, const struct cl_lab_def *labs,
                  int nlabs, bool partial)
{
    struct cl_csv_row head = {0}, row = {0};
    const struct cl_lab_outcome *of[CL_MAX_LABS] = {NULL};
    int rc = cl_grades_header(&head, labs, nlabs, false);
    rc |= cl_csv_push(&row, r->submission);
    rc |= cl_csv_push(&row, partial ? CL_GRADES_PARTIAL : CL_GRADES_GRADED);
    for (int i = 0; i < nlabs && i < CL_MAX_LABS; i++) {
        for (int k = 0; k < r->nlabs; k++)
            if (strcmp(r->labs[k].lab->slug, labs[i].slug) == 0)
                of[i] = &r->labs[k];
        rc |= report_csv_lab(&row, &labs[i], of[i]);
    }
    for (int i = 0; i < nlabs && i < CL_MAX_LABS; i++) {
        char cell[16] = "";
        if (of[i])
            snprintf(cell, sizeof cell, "%d", of[i]->score);
        rc |= cl_csv_push(&row, cell);
    }
    char score[16], max[16];
    snprintf(score, sizeof score, "%d", cl_report_score(r));
    snprintf(max, sizeof max, "%d", cl_report_max(r));
    rc |= cl_csv_push(&row, score) | cl_csv_push(&row, max);
    FILE *f = rc == 0 ? fopen(path, "w") : NULL;
    if (rc == 0 && f) {
        cl_csv_write_row(f, &head);
        cl_csv_write_row(f, &row);
        rc = report_close(f);
    } else if (rc == 0)
        rc = -1;
    else
        errno = ENOMEM;
    cl_csv_row_free(&head);
    cl_csv_row_free(&row);
    return rc;
}
