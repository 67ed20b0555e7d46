/*
 * report.c — the grading run as a table, results.json, junit.xml and grades.csv
 * (cowlab/report.h). Everything that came from student code goes through escape.c.
 */
#include "cowlab/report.h"

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

static bool report_ran(const struct cl_test_outcome *t)
{
    return strcmp(t->verdict, "not run") != 0;
}

bool cl_report_passed(const struct cl_report *r)
{
    for (int i = 0; i < r->nlabs; i++) {
        const struct cl_lab_outcome *l = &r->labs[i];
        for (int t = 0; t < l->lab->ntests && l->built; t++)
            if (report_ran(&l->tests[t]) && !l->tests[t].passed && !l->tests[t].ungradable)
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

static void report_causes(FILE *out, const struct cl_report *r);

/* What heads the build log of a lab that built. */
static const char *report_build_heading(const struct cl_lab_outcome *l)
{
    return l->stand_in
               ? "part of it did not build, and was graded as the handout's stub:"
               : "the compiler warned (this costs no points, but a warning is often a bug):";
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
            if (!report_ran(t))
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
    report_causes(out, r);
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
                    report_build_heading(l));
            report_term_text(out, l->build_log);
        }
        for (int j = 0; j < l->lab->ntests; j++) {
            const struct cl_test_outcome *t = &l->tests[j];
            if (t->passed || t->ungradable || !report_ran(t) || !l->built)
                continue;
            fprintf(out, "\n%s%s/%s: %s%s\n", red, l->lab->slug, t->def->name, t->verdict, off);
            report_term_text(out, t->feedback);
        }
    }
}

/* The cause a crash, hang or early end names: its verdict up to the command it was running
 * ("timed out: cow_map, in the parent did not finish within 1.0 s"), into key. */
static void report_cause(const char *verdict, char *key, size_t n)
{
    size_t len = strcspn(verdict, "(");
    while (len > 0 && verdict[len - 1] == ' ')
        len--;
    snprintf(key, n, "%.*s", (int)len, verdict);
}

/* Failures that share one cause, said once: "one cause, 8 tests (a, b, ...): <cause>". */
static void report_causes(FILE *out, const struct cl_report *r)
{
    for (int i = 0; i < r->nlabs; i++) {
        const struct cl_lab_outcome *l = &r->labs[i];
        bool told[CL_MAX_TESTS] = {false};
        for (int j = 0; j < l->lab->ntests; j++) {
            const struct cl_test_outcome *t = &l->tests[j];
            if (told[j] || !t->error || !l->built || !report_ran(t))
                continue;
            char key[200], other[200];
            report_cause(t->verdict, key, sizeof key);
            int same = 0;
            for (int k = j; k < l->lab->ntests; k++) {
                report_cause(l->tests[k].verdict, other, sizeof other);
                if (l->tests[k].error && report_ran(&l->tests[k]) && strcmp(key, other) == 0)
                    same++;
            }
            if (same < 2)
                continue;
            fprintf(out, "\n\n%s: one cause, %d tests (", l->lab->slug, same);
            const char *sep = "";
            for (int k = j; k < l->lab->ntests; k++) {
                report_cause(l->tests[k].verdict, other, sizeof other);
                if (l->tests[k].error && report_ran(&l->tests[k]) && strcmp(key, other) == 0) {
                    fprintf(out, "%s%s", sep, l->tests[k].def->name);
                    sep = ", ";
                    told[k] = true;
                }
            }
            fprintf(out, "): %s", key);
        }
    }
}

/* Grouped causes, then what the compiler said about labs that built: warnings, which cost
 * nothing. */
static void report_warnings(FILE *out, const struct cl_report *r)
{
    report_causes(out, r);
    for (int i = 0; i < r->nlabs; i++) {
        const struct cl_lab_outcome *l = &r->labs[i];
        if (l->built && l->build_log && l->build_log[0])
            fprintf(out, "\n\n%s: %s\n%s", l->lab->slug, report_build_heading(l), l->build_log);
    }
}

/* The text a test shows in feedback: its verdict, then what it reported. A failed test of a
 * lab built with a stub standing in says so first (the build log says which file). */
static void report_test_text(const struct cl_lab_outcome *l, const struct cl_test_outcome *t,
                             FILE *out, void (*put)(FILE *, const char *))
{
    static const char stub_note[] = "note: a file of this lab is missing or did not compile; "
                                    "the handout's stub stood in for it (see the build log)\n";
    const char *note = l->stand_in && !t->passed ? stub_note : "";
    size_t n = strlen(t->verdict) + strlen(t->def->about) + 4 + strlen(note) +
               strlen(t->feedback ? t->feedback : "") + (l->built ? 0 : strlen(l->build_log));
    char *s = malloc(n + 1);
    if (!s) {
        put(out, t->verdict);
        return;
    }
    snprintf(s, n + 1, "%s: %s\n%s%s%s", t->verdict, t->def->about, l->built ? "" : l->build_log,
             note, t->feedback ? t->feedback : "");
    put(out, s);
    free(s);
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
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    char head[800], machine[200], iso[300];
    snprintf(head, sizeof head, "cowlab: %d/%d points\nkernel %s; %s\n%s", cl_report_score(r),
             cl_report_max(r), cl_probe()->kernel,
             cl_probe_summary(cl_probe(), machine, sizeof machine),
             cl_isolation_summary(iso, sizeof iso));
    char *summary = NULL;
    size_t summary_len = 0;
    FILE *s = open_memstream(&summary, &summary_len);
    if (s) {
        fputs(head, s);
        report_warnings(s, r);
        fclose(s);
    }
    fprintf(f,
            "{\n  \"score\": %d,\n  \"execution_time\": %.3f,\n  \"output\": ", cl_report_score(r),
            r->elapsed_ms / 1000.0);
    cl_json_string(f, summary ? summary : head);
    free(summary);
    fputs(",\n  \"tests\": [", f);
    bool first = true;
    for (int i = 0; i < r->nlabs; i++) {
        const struct cl_lab_outcome *l = &r->labs[i];
        for (int j = 0; j < l->lab->ntests; j++) {
            const struct cl_test_outcome *t = &l->tests[j];
            if (!report_ran(t))
                continue;
            char name[128];
            snprintf(name, sizeof name, "%s/%s", l->lab->slug, t->def->name);
            fprintf(f, "%s\n    {\"name\": ", first ? "" : ",");
            cl_json_string(f, name);
            /* Not gradable here: out of the maximum and neither passed nor failed. */
            if (t->ungradable)
                fprintf(f, ", \"score\": 0, \"max_score\": 0, \"output\": ");
            else
                fprintf(f, ", \"score\": %d, \"max_score\": %d, \"status\": \"%s\", \"output\": ",
                        t->score, t->def->points, t->passed ? "passed" : "failed");
            report_test_text(l, t, f, cl_json_string);
            fputc('}', f);
            first = false;
        }
    }
    fputs("\n  ]\n}\n", f);
    return report_close(f);
}

int cl_report_junit(const char *path, const struct cl_report *r)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    /* A failed check (or a leak) is a <failure>; a test that never reached a verdict of its
     * checks (not built, crashed, timed out, no completion record) an <error>. */
    int tests = 0, failures = 0, errors = 0;
    for (int i = 0; i < r->nlabs; i++)
        for (int j = 0; j < r->labs[i].lab->ntests; j++)
            if (report_ran(&r->labs[i].tests[j])) {
                const struct cl_test_outcome *t = &r->labs[i].tests[j];
                bool bad = !t->passed && !t->ungradable;
                tests++;
                failures += bad && !t->error;
                errors += bad && t->error;
            }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f,
            "<testsuites name=\"cowlab\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
            "time=\"%.3f\">\n",
            tests, failures, errors,
            r->elapsed_ms / 1000.0); /* junit-10.xsd: skipped only per testsuite */
    for (int i = 0; i < r->nlabs; i++) {
        const struct cl_lab_outcome *l = &r->labs[i];
        int lt = 0, lf = 0, le = 0, ls = 0;
        for (int j = 0; j < l->lab->ntests; j++)
            if (report_ran(&l->tests[j])) {
                const struct cl_test_outcome *t = &l->tests[j];
                bool bad = !t->passed && !t->ungradable;
                lt++;
                ls += t->ungradable;
                lf += bad && !t->error;
                le += bad && t->error;
            }
        fprintf(f,
                "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
                "skipped=\"%d\" time=\"%.3f\">\n",
                l->lab->slug, lt, lf, le, ls, l->ms / 1000.0);
        for (int j = 0; j < l->lab->ntests; j++) {
            const struct cl_test_outcome *t = &l->tests[j];
            if (!report_ran(t))
                continue;
            fprintf(f, "    <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\"", l->lab->slug,
                    t->def->name, t->ms / 1000.0);
            if (t->passed) {
                fputs("/>\n", f);
                continue;
            }
            if (t->ungradable) {
                fputs(">\n      <skipped message=\"", f);
                cl_xml_text(f, t->verdict);
                fputs("\"/>\n    </testcase>\n", f);
                continue;
            }
            const char *tag = t->error ? "error" : "failure";
            fprintf(f, ">\n      <%s message=\"", tag);
            cl_xml_text(f, t->verdict);
            fputs("\">", f);
            report_test_text(l, t, f, cl_xml_text);
            fprintf(f, "</%s>\n    </testcase>\n", tag);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    return report_close(f);
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
        else if (t && report_ran(t))
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
