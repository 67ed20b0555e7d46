/*
 * cowlab/summary.h — a class at a glance, from a batch's reports (cowlab summary OUT, and at
 * the end of cowlab grade --submissions): the score histogram, each test's pass rate and most
 * common failure, the tests nearly everyone failed, the labs that could not be built, and who
 * is missing — as a terminal table, OUT/summary.csv and OUT/summary.png and .svg (gnuplot,
 * plots/class-summary.gp).
 *
 * Part of the cowlab program: it reads OUT/grades.csv (or OUT/grades-partial.csv after a
 * --test batch) for the rows, and each graded row's OUT/<id>/results.json for its tests.
 */
#ifndef COWLAB_SUMMARY_H
#define COWLAB_SUMMARY_H

#include "cowlab/labs.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum {
    CL_SUMMARY_BINS = 11,       /* 0-9 %, 10-19 %, ..., 90-99 %, 100 % of the maximum */
    CL_SUMMARY_MESSAGE = 200,   /* bytes of a normalised failure message, at most */
    CL_SUMMARY_FINDING_PCT = 90 /* a test failed by this share of gradable submissions */
};

/*
 * A failed test's message, as the summary counts it, from its results.json "output" (first
 * line "VERDICT: ABOUT", then the feedback) and the test's about text, into msg (size n):
 *   1. a lab that was not built: "not built";
 *   2. otherwise the feedback's first line that is not blank and not the note that a stub
 *      stood in; the verdict instead when there is none or it is the start of the captured
 *      output ("--- output");
 *   3. normalised: runs of white space and control characters become one space, trimmed; a
 *      leading "FILE:LINE: " (where the check is) dropped; every number — digits not glued to a
 *      letter, digit or '_' before them, with a '-' sign, a decimal part or as 0x hex — becomes
 *      '#', so that "expected 10240, measured 10236" and "... measured 10232" are one cause;
 *      cut to CL_SUMMARY_MESSAGE bytes at a character boundary.
 * Returns msg.
 */
char *cl_summary_message(const char *output, const char *about, char *msg, size_t n);

/*
 * Summarise the batch in out_dir for the registry labs[nlabs]: the table on term (colour if
 * asked), OUT/summary.csv (written aside and renamed), OUT/summary.png and .svg. 0; 1 when
 * the summary was written but a submission's results.json could not be read (named) or the
 * plot failed (gnuplot's words on stderr); 2 after a one-line error when there is nothing to
 * summarise (no readable grades file in out_dir).
 */
int cl_summary(const char *out_dir, const struct cl_lab_def *labs, int nlabs, FILE *term,
               bool color);

#endif
