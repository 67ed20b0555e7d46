/*
 * cowlab/verdicts.h — the one reading of a grading run that every report formats: each test's
 * status, points and maximum, who may see its feedback, and the texts shown to each audience.
 * The writers (report.c's results.json and junit.xml, prairielearn.c, autolab.c) only format
 * what is decided here, so the same run says the same thing in every format.
 *
 * Tests "not gradable here" (a CL_NEEDS fact this machine lacks) are out of the maximum in
 * every format: 0 of 0 points, neither passed nor failed (results.json: score and max_score
 * 0, no status; junit.xml: <skipped>; prairielearn.json: points and max_points 0, out of
 * `score`; autolab.txt: left out of "scores"). Tests --test left out are in no format.
 */
#ifndef COWLAB_VERDICTS_H
#define COWLAB_VERDICTS_H

#include "cowlab/report.h"

#include <stdbool.h>

enum cl_status { CL_PASSED, CL_FAILED, CL_UNGRADABLE };

/* Who reads a text. */
enum cl_audience {
    CL_FOR_INSTRUCTOR, /* every feedback (the terminal table, junit.xml) */
    CL_FOR_GRADESCOPE, /* a student, through a service that holds after_due_date and
                          after_published tests back itself: only hidden feedback withheld */
    CL_FOR_STUDENT,    /* a student, at once (PrairieLearn, Autolab, every top-level text):
                          the feedback of every test not visible withheld */
};

struct cl_verdict {
    const struct cl_lab_outcome *lab;
    const struct cl_test_outcome *test;
    char name[112]; /* "01-fork-cow/map_private": the name in every format */
    enum cl_status status;
    int points, max_points; /* CL_UNGRADABLE: 0 and 0 */
    enum cl_visibility visibility;
};

struct cl_verdicts {
    struct cl_verdict *v; /* the tests that ran, lab by lab, in tests.def's order */
    int n;
    int points, max_points; /* sums over v: the score is points / max_points */
    bool gradable;          /* false when nothing could be decided: no lab with a test that ran
                               was built (no files, nothing compiled), or every test that ran
                               is not gradable here */
    const char *why_not;    /* when not gradable: why, one line (static) */
};

/* Fill out from r. 0, or -1 with errno set (ENOMEM) and out empty. Free with cl_verdicts_free. */
int cl_verdicts_make(const struct cl_report *r, struct cl_verdicts *out);
void cl_verdicts_free(struct cl_verdicts *vs);

/* Whether who may see the feedback of a test of visibility v. */
bool cl_verdict_shown(enum cl_visibility v, enum cl_audience who);

/* The feedback of one test for who (malloc'd, NULL only when out of memory): its verdict,
 * what it checks, the build log when its lab did not build, a note when a stub stood in, then
 * what it reported; or, when who may not see it, one line saying it is withheld. */
char *cl_verdict_text(const struct cl_verdict *v, enum cl_audience who);

/* The text about the whole run for who (malloc'd, NULL only when out of memory): the score,
 * the machine and its isolation, failures that share one cause (naming only tests who may
 * see), and what the compiler said about each lab. */
char *cl_verdicts_summary(const struct cl_report *r, enum cl_audience who);

/* Failures that share one cause, said once ("\n\nLAB: one cause, 8 tests (a, b, ...): cause"),
 * over the tests who may see. */
void cl_verdicts_causes(FILE *out, const struct cl_report *r, enum cl_audience who);

/* Whether a test ran (tests --test left out did not). */
bool cl_verdict_ran(const struct cl_test_outcome *t);

/* What heads the build log of a lab that built (warnings, or a stub standing in). */
const char *cl_verdict_build_heading(const struct cl_lab_outcome *l);

#endif
