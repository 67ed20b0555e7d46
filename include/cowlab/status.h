/*
 * cowlab/status.h — `cowlab status`: every lab's tests passed / total and points, from the
 * results the last checks recorded (cowlab/checked.h; it grades nothing, so it takes
 * milliseconds), and what to do next. A result whose files changed since is never counted:
 * the lab's line says when it was checked and that the files changed since.
 */
#ifndef COWLAB_STATUS_H
#define COWLAB_STATUS_H

#include "cowlab/labs.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* One lab's results as they stand for the files in src (the lab's folder). */
struct cl_status_lab {
    int passed, failed, ungradable; /* current results only */
    int unknown;                    /* tests with no result for the files as they are now */
    int stale;                      /* ... of which were checked before the files changed */
    int stale_passed;               /* ... and passed then */
    int score, max;                 /* points of current results; max less ungradable tests */
    int first_failed;               /* index of the first test failed now, or -1 */
    char first_check[240];          /* its first feedback line with "expected" ("" if none) */
    bool broken;                    /* the files as they are now do not build */
    time_t last;                    /* when it was last checked (0: never) */
};

/* Fill s for lab in src. 0, or -1 with errno set (the state cannot be read). */
int cl_status_lab(const struct cl_lab_def *lab, const char *src, struct cl_status_lab *s);

/* The table for labs[0..nlabs) in base (the folder of NN-slug/ folders), then what to do
 * next, on out. Returns 0, or -1 when a lab's state cannot be read. */
int cl_status_print(FILE *out, const struct cl_lab_def *labs, int nlabs, const char *base);

#endif
