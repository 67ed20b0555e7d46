/*
 * cowlab/report.h — a grading run, written for people and for machines: a terminal table,
 * results.json (Gradescope's schema), junit.xml, and a one-row grades.csv
 * (grades-partial.csv for a --test run).
 */
#ifndef COWLAB_REPORT_H
#define COWLAB_REPORT_H

#include "cowlab/grade.h"

#include <stdbool.h>
#include <stdio.h>

struct cl_report {
    const char *submission; /* a name for the submission (its folder) */
    struct cl_lab_outcome *labs;
    int nlabs;
    long elapsed_ms;
};

int cl_report_score(const struct cl_report *r);
int cl_report_max(const struct cl_report *r);

/* Whether every lab built and every test that ran passed (tests not run, as with --test, and
 * tests this machine cannot decide aside): the verdict of `cowlab check`. */
bool cl_report_passed(const struct cl_report *r);

/* The table; colour only if asked (the caller checks isatty and NO_COLOR). With details,
 * every failed test's feedback follows the table. */
void cl_report_table(FILE *out, const struct cl_report *r, bool color, bool details);

/* Each writer returns 0, or -1 with errno set. */
int cl_report_json(const char *path, const struct cl_report *r);
int cl_report_junit(const char *path, const struct cl_report *r);
/* grades.csv's one row for this submission (cowlab/grades.h has the columns): every lab of
 * the registry labs[nlabs], graded or not; partial (a --test run) makes the status
 * "partial" — the caller writes it to grades-partial.csv, never grades.csv. */
int cl_report_csv(const char *path, const struct cl_report *r, const struct cl_lab_def *labs,
                  int nlabs, bool partial);

#endif
