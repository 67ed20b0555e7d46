/*
 * cowlab/results.h — the one table every number goes through: one row per
 * (experiment, process, phase, metric), with the model's expected value beside the measured
 * one. Tests assert on these rows, the CSV is written from them, the plots read the CSV.
 */
#ifndef COWLAB_RESULTS_H
#define COWLAB_RESULTS_H

#include "cowlab/mem.h"

#include <stdint.h>
#include <stdio.h>

#define CL_NO_EXPECT INT64_MIN /* a row that is reported, not modelled (CSV: empty cell) */

struct cl_row {
    char experiment[40];
    char process[16]; /* "parent", "child1", ... */
    char phase[24];   /* "after_fork", "after_write", ... */
    char metric[48];  /* smaps field name, or "minflt", "page_state", "heap.Rss", ... */
    int64_t x;        /* the swept variable (K, pages written, page index, ...) */
    int64_t expected; /* CL_NO_EXPECT if the row is only reported */
    int64_t measured;
    char unit[8];   /* "kB", "pages", "faults", "state", "us" */
    char hint[200]; /* what to look at when expected != measured */
};

struct cl_results {
    struct cl_row *rows;
    size_t n, cap;
    char thp[16];      /* THP mode the rows were measured under */
    char kernel[64];   /* uname -r */
    char machine[200]; /* the probe's facts that shaped the expected values (cl_probe_summary) */
    size_t refused;    /* rows refused for a name too long to keep (cl_results_add) */
};

/* Start an empty table and record the machine (THP mode, kernel, the probe's summary). */
void cl_results_init(struct cl_results *r);
void cl_results_free(struct cl_results *r);

/* Append a row. Its names (experiment, process, phase, metric, unit) are kept whole: one that
 * does not fit its field is refused (a line on stderr, r->refused counted, ENAMETOOLONG), never
 * cut short; the hint is cut to its field. 0, or -1 (ENAMETOOLONG, ENOMEM; table unchanged). */
int cl_results_add(struct cl_results *r, const char *experiment, int64_t x, const char *process,
                   const char *phase, const char *metric, int64_t expected, int64_t measured,
                   const char *unit, const char *hint);

/* Append one kB row per field that `expected` models (expected->have), measured beside it. */
int cl_results_add_mem(struct cl_results *r, const char *experiment, int64_t x, const char *process,
                       const char *phase, const struct cl_mem *expected,
                       const struct cl_mem *measured, const char *hint);

/* Rows of `experiment` (NULL: all) whose expected value is set and differs from measured, plus
 * every row the table refused (whatever its experiment: a refused row is a kit bug to see). */
size_t cl_results_mismatches(const struct cl_results *r, const char *experiment);

/* Write the table as CSV (header: experiment,process,phase,metric,x,expected,measured,unit,
 * thp,kernel,machine). 0, or -1 with errno set. */
int cl_results_write_csv(const struct cl_results *r, FILE *out);

/* One column of the printed summary: the row of (process, metric) in each group. */
struct cl_summary_col {
    const char *process;
    const char *metric;
    const char *title; /* at most 11 characters */
};

/* Print a summary for people: one line per (experiment, x, phase) with the given columns
 * (exactly 4), "expected/measured" where they differ, and how many of the group's rows
 * differ; page_state rows are counted apart. */
void cl_results_print(const struct cl_results *r, const struct cl_summary_col cols[4], FILE *out,
                      int max_rows);

#endif
