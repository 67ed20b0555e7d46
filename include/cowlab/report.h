/*
 * cowlab/report.h — a grading run, written for people and for machines: a terminal table,
 * results.json (Gradescope's schema), junit.xml, a one-row grades.csv (grades-partial.csv for
 * a --test run), and the other grading
 * services' formats: prairielearn.json (PrairieLearn's external grader results) and
 * autolab.txt (Autolab's output, the scores on its last line). Every format is written from
 * the same verdicts (cowlab/verdicts.h), which decide statuses, points, what is not gradable
 * here and whose feedback a student may see.
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
    const char *note; /* text put first in results.json's output, after the points (grade
                       * --note: what a grading service's wrapper found in the upload), or NULL */
};

int cl_report_score(const struct cl_report *r);
int cl_report_max(const struct cl_report *r);

/* Whether every lab built and every test that ran passed (tests not run, as with --test, and
 * tests this machine cannot decide aside): the verdict of `cowlab check`. */
bool cl_report_passed(const struct cl_report *r);

/* The table; colour only if asked (the caller checks isatty and NO_COLOR). With details,
 * every failed test's feedback follows the table. */
void cl_report_table(FILE *out, const struct cl_report *r, bool color, bool details);

/* Each writer returns 0, or -1 with errno set. Student-visible: results.json (its tests'
 * feedback as Gradescope's visibility allows: a hidden test's is not in the file; its top-level
 * output names only visible tests), prairielearn.json and autolab.txt (the feedback of every
 * test not visible withheld: those services show everything at once). Instructors' only:
 * junit.xml (every feedback) and grades.csv (no feedback). results.json's top-level output
 * is plain text ("output_format": "text"): Gradescope renders it as HTML otherwise, and a
 * compiler's "#include <stdio.h>" would vanish. */
int cl_report_json(const char *path, const struct cl_report *r);
int cl_report_junit(const char *path, const struct cl_report *r);
/* grades.csv's one row for this submission (cowlab/grades.h has the columns): every lab of
 * the registry labs[nlabs], graded or not; partial (a --test run) makes the status
 * "partial" — the caller writes it to grades-partial.csv, never grades.csv. */
int cl_report_csv(const char *path, const struct cl_report *r, const struct cl_lab_def *labs,
                  int nlabs, bool partial);
int cl_report_prairielearn(const char *path, const struct cl_report *r); /* prairielearn.c */
int cl_report_autolab(const char *path, const struct cl_report *r);      /* autolab.c */

/* The services' formats besides results.json, into out_dir (which exists): prairielearn.json
 * and autolab.txt. 0, or -1 with errno set and the path that could not be written in failed
 * (size n). */
int cl_report_services(const char *out_dir, const struct cl_report *r, char *failed, size_t n);

#endif
