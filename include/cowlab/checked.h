/*
 * cowlab/checked.h — what the last `cowlab check` of each lab found, kept in a small state
 * file so that `cowlab status` and `cowlab watch` can show it without grading again.
 *
 * Every test's result is kept with a fingerprint of the lab's student files as they were
 * when it ran (their contents, plus the lab's tests.def). A result is current only while the
 * files still have that fingerprint: once a file changes, readers must show the result as
 * "checked HH:MM, files changed since", never as today's.
 */
#ifndef COWLAB_CHECKED_H
#define COWLAB_CHECKED_H

#include "cowlab/grade.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* One test's last result. */
struct cl_checked_test {
    bool have;   /* a check has run it */
    uint64_t fp; /* the files' fingerprint then (0: they changed during the check) */
    time_t when; /* when that check ended */
    bool passed, ungradable, error;
    int score;
    char verdict[128];
    char *feedback; /* malloc'd (at most CL_CHECKED_FEEDBACK bytes), or NULL */
};

/* A lab's last results in one folder of student files. */
struct cl_checked {
    struct cl_checked_test tests[CL_MAX_TESTS]; /* in the lab's tests.def order */
    bool have_build;                            /* a check has built it */
    uint64_t build_fp;
    time_t build_when;
    bool built, stand_in;
    char *build_log; /* malloc'd, or NULL */
};

enum { CL_CHECKED_FEEDBACK = 8192 };

/* The folder of the kit's state files: $COWLAB_STATE, else build/state. */
const char *cl_state_dir(void);

/* A fingerprint of lab's student files in src (the lab's folder: names, sizes, contents; a
 * missing file counts as missing) and of the lab's tests.def. Never 0. */
uint64_t cl_checked_fingerprint(const struct cl_lab_def *lab, const char *src);

/* Record what a check of lab in src found (o; tests it did not run keep their earlier
 * result). fp: the fingerprint taken before the check; the files are fingerprinted again
 * now, and if they changed meanwhile the results are recorded as already stale. 0, or -1
 * with errno set (nothing recorded; the state file is replaced whole or not at all). */
int cl_checked_save(const struct cl_lab_def *lab, const char *src, uint64_t fp,
                    const struct cl_lab_outcome *o);

/* The recorded results of lab in src into *c (zeroed first: nothing recorded is not an
 * error). 0, or -1 with errno set. Free with cl_checked_free. */
int cl_checked_load(const struct cl_lab_def *lab, const char *src, struct cl_checked *c);
void cl_checked_free(struct cl_checked *c);

#endif
