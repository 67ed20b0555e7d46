/*
 * cowlab/labs.h — the labs the kit knows, read from labs/NN-slug/tests.def as text.
 *
 * The grader takes every test's points and timeout from here, never from the lab binary:
 * that binary holds student code, and what it prints may be forged.
 */
#ifndef COWLAB_LABS_H
#define COWLAB_LABS_H

#include <stddef.h>

enum { CL_MAX_LABS = 16, CL_MAX_TESTS = 48, CL_MAX_FILES = 8, CL_MAX_HINT_STEPS = 4 };

/* A test's hints, from its CL_HINT line in tests.def: steps from a nudge to the concept, and
 * the chapter section that teaches it (cowlab hint, cowlab watch; cowlab/hint.h). */
struct cl_hint {
    int nsteps;                        /* 0: tests.def has no CL_HINT for the test */
    char step[CL_MAX_HINT_STEPS][360]; /* step[0] the nudge ... step[nsteps-1] the concept */
    char chapter[128];                 /* "handbook/NN-slug.md#anchor", a heading's anchor */
};

/* Who may see a test's feedback (tests.def's CL_VISIBILITY; Gradescope's four values). A test's
 * points always count; its verdict and feedback reach the student as follows:
 *   CL_VISIBLE          at once, in every student-visible output (the default)
 *   CL_HIDDEN           never: every student-visible output says only that it is withheld
 *   CL_AFTER_DUE_DATE   Gradescope shows it after the due date (results.json carries it, and
 *   CL_AFTER_PUBLISHED  the visibility); once grades are published. Services that show results
 *                       at once (PrairieLearn, Autolab) withhold both, as for CL_HIDDEN.
 * cowlab/verdicts.h applies this; junit.xml (the instructor's) keeps every feedback. */
enum cl_visibility { CL_VISIBLE, CL_HIDDEN, CL_AFTER_DUE_DATE, CL_AFTER_PUBLISHED };

struct cl_test_def {
    char name[48];
    int points;
    int timeout_s;
    char about[200];
    /* Machine facts (cowlab/probe.h names) that must be "yes" for the test to be decidable
     * here, space-separated, from tests.def's CL_NEEDS lines. The grader checks them with
     * its own probe before it runs anything: a test whose needs are not met is reported
     * "not gradable here", its points out of the maximum. */
    char needs[160];
    enum cl_visibility visibility; /* from CL_VISIBILITY lines; CL_VISIBLE when none names it */
    struct cl_hint hint;
};

struct cl_lab_def {
    char slug[48];  /* "01-fork-cow" */
    char number[8]; /* "01" */
    char title[96];
    char dir[512]; /* the folder holding tests.def */
    char files[CL_MAX_FILES][64];
    int nfiles;
    struct cl_test_def tests[CL_MAX_TESTS];
    int ntests;
    int max_points;
};

/* Gradescope's name of a visibility ("visible", "hidden", "after_due_date", "after_published"). */
const char *cl_visibility_name(enum cl_visibility v);

/* Parse one tests.def. 0, or -1 with a message in err (size n). */
int cl_lab_parse(const char *path, struct cl_lab_def *lab, char *err, size_t n);

/* Every NN-slug/tests.def below dir, sorted by slug. Returns how many (0..max), or -1 with a
 * message in err. */
int cl_labs_load(const char *dir, struct cl_lab_def *labs, int max, char *err, size_t n);

/* The lab named by key: "1", "01", "01-fork-cow" or "fork-cow". NULL if none. */
const struct cl_lab_def *cl_labs_find(const struct cl_lab_def *labs, int nlabs, const char *key);

#endif
