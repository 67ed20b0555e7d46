/*
 * results.c — the tidy table of expected vs measured rows, and its CSV form.
 * Contracts in cowlab/results.h.
 */
#include "cowlab/results.h"

#include "cowlab/probe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cl_results_init(struct cl_results *r)
{
    memset(r, 0, sizeof *r);
    const struct cl_probe *p = cl_probe(); /* the one place that decides machine facts */
    snprintf(r->thp, sizeof r->thp, "%s", p->thp);
    snprintf(r->kernel, sizeof r->kernel, "%s", p->kernel);
    cl_probe_summary(p, r->machine, sizeof r->machine);
}

void cl_results_free(struct cl_results *r)
{
    free(r->rows);
    r->rows = NULL;
    r->n = r->cap = 0;
}

static void results_copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

int cl_results_add(struct cl_results *r, const char *experiment, int64_t x, const char *process,
                   const char *phase, const char *metric, int64_t expected, int64_t measured,
                   const char *unit, const char *hint)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        struct cl_row *rows = realloc(r->rows, cap * sizeof *rows);
        if (!rows)
            return -1;
        r->rows = rows;
        r->cap = cap;
    }
    /* Names are stored whole or not at all: a name cut short would be a different row. */
    struct cl_row *row = &r->rows[r->n];
    const struct {
        const char *what, *s;
        size_t cap;
    } names[] = {{"experiment", experiment, sizeof row->experiment},
                 {"process", process, sizeof row->process},
                 {"phase", phase, sizeof row->phase},
                 {"metric", metric, sizeof row->metric},
                 {"unit", unit, sizeof row->unit}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].s && strlen(names[i].s) >= names[i].cap) {
            fprintf(stderr,
                    "cowlab: a row's %s name '%s' is longer than the results table keeps (%zu "
                    "characters): the row is refused, never cut short\n",
                    names[i].what, names[i].s, names[i].cap - 1);
            r->refused++;
            errno = ENAMETOOLONG;
            return -1;
        }
    r->n++;
    results_copy(row->experiment, sizeof row->experiment, experiment);
    results_copy(row->process, sizeof row->process, process);
    results_copy(row->phase, sizeof row->phase, phase);
    results_copy(row->metric, sizeof row->metric, metric);
    results_copy(row->unit, sizeof row->unit, unit);
    results_copy(row->hint, sizeof row->hint, hint);
    row->x = x;
    row->expected = expected;
    row->measured = measured;
    return 0;
}

int cl_results_add_mem(struct cl_results *r, const char *experiment, int64_t x, const char *process,
                       const char *phase, const struct cl_mem *expected,
                       const struct cl_mem *measured, const char *hint)
{
    for (int f = 0; f < CL_NFIELDS; f++) {
        if (!(expected->have & (1u << f)))
            continue;
        int64_t m = (measured->have & (1u << f)) ? (int64_t)measured->kb[f] : -1;
        if (cl_results_add(r, experiment, x, process, phase, cl_mem_field_names[f],
                           (int64_t)expected->kb[f], m, "kB", hint) < 0)
            return -1;
    }
    return 0;
}

size_t cl_results_mismatches(const struct cl_results *r, const char *experiment)
{
    size_t bad = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct cl_row *row = &r->rows[i];
        if (experiment && strcmp(row->experiment, experiment) != 0)
            continue;
        bad += row->expected != CL_NO_EXPECT && row->expected != row->measured;
    }
    return bad + r->refused;
}

/* One CSV cell: quoted when it holds a comma, a quote or a line break. */
static void results_cell(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

int cl_results_write_csv(const struct cl_results *r, FILE *out)
{
    fputs("experiment,process,phase,metric,x,expected,measured,unit,thp,kernel,machine\n", out);
    for (size_t i = 0; i < r->n; i++) {
        const struct cl_row *row = &r->rows[i];
        results_cell(out, row->experiment);
        fputc(',', out);
        results_cell(out, row->process);
        fputc(',', out);
        results_cell(out, row->phase);
        fputc(',', out);
        results_cell(out, row->metric);
        fprintf(out, ",%lld,", (long long)row->x);
        if (row->expected != CL_NO_EXPECT)
            fprintf(out, "%lld", (long long)row->expected);
        fprintf(out, ",%lld,", (long long)row->measured);
        results_cell(out, row->unit);
        fputc(',', out);
        results_cell(out, r->thp);
        fputc(',', out);
        results_cell(out, r->kernel);
        fputc(',', out);
        results_cell(out, r->machine);
        fputc('\n', out);
    }
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

/* The value of (experiment, x, phase, process, metric) in r, or NULL. */
static const struct cl_row *results_find(const struct cl_results *r, const struct cl_row *like,
                                         const char *process, const char *metric)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct cl_row *w = &r->rows[i];
        if (w->x == like->x && strcmp(w->experiment, like->experiment) == 0 &&
            strcmp(w->phase, like->phase) == 0 && strcmp(w->process, process) == 0 &&
            strcmp(w->metric, metric) == 0)
            return w;
    }
    return NULL;
}

/* "expected/measured" of one cell, or "-" */
static const char *results_cell_text(const struct cl_row *w, char *buf, size_t n)
{
    if (!w)
        snprintf(buf, n, "-");
    else if (w->expected == CL_NO_EXPECT)
        snprintf(buf, n, "%lld", (long long)w->measured);
    else if (w->expected == w->measured)
        snprintf(buf, n, "%lld", (long long)w->measured);
    else
        snprintf(buf, n, "%lld/%lld", (long long)w->expected, (long long)w->measured);
    return buf;
}

void cl_results_print(const struct cl_results *r, const struct cl_summary_col cols[4], FILE *out,
                      int max_rows)
{
    fprintf(out, "%-14s %8s %-11s %11s %11s %11s %11s  %s\n", "experiment", "x", "phase",
            cols[0].title, cols[1].title, cols[2].title, cols[3].title, "rows (differ)");
    int lines = 0;
    size_t pages = 0, pages_bad = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct cl_row *w = &r->rows[i];
        if (strcmp(w->metric, "page_state") == 0) { /* x is a page index: summarised below */
            pages++;
            pages_bad += w->expected != w->measured;
            continue;
        }
        bool first = true;
        for (size_t j = 0; j < i && first; j++)
            first = !(r->rows[j].x == w->x && strcmp(r->rows[j].experiment, w->experiment) == 0 &&
                      strcmp(r->rows[j].phase, w->phase) == 0);
        if (!first || lines >= max_rows)
            continue;
        size_t rows = 0, bad = 0;
        for (size_t j = i; j < r->n; j++) {
            const struct cl_row *v = &r->rows[j];
            if (v->x != w->x || strcmp(v->experiment, w->experiment) != 0 ||
                strcmp(v->phase, w->phase) != 0 || strcmp(v->metric, "page_state") == 0)
                continue;
            rows++;
            bad += v->expected != CL_NO_EXPECT && v->expected != v->measured;
        }
        char cell[4][32];
        for (int k = 0; k < 4; k++)
            results_cell_text(results_find(r, w, cols[k].process, cols[k].metric), cell[k],
                              sizeof cell[k]);
        fprintf(out, "%-14s %8lld %-11s %11s %11s %11s %11s  %zu (%zu)%s\n", w->experiment,
                (long long)w->x, w->phase, cell[0], cell[1], cell[2], cell[3], rows, bad,
                bad ? "  <-- differs" : "");
        lines++;
    }
    if (pages)
        fprintf(out, "page map: %zu page states compared, %zu differ\n", pages, pages_bad);
    fprintf(out, "a cell shows expected/measured only where they differ\n");
    fprintf(out, "machine: %s\n", r->machine);
    fprintf(out, "%zu rows, %zu differ (THP %s, kernel %s)\n", r->n, cl_results_mismatches(r, NULL),
            r->thp, r->kernel);
}
