/*
 * cowlab/hint.h — a test's hints in steps (tests.def's CL_HINT lines, in cowlab/labs.h's
 * struct cl_hint): from a nudge to the concept, the last step naming the chapter section
 * that teaches it. Where each student is (how many steps of which test were shown) is kept
 * in STATE/hints.tsv (cowlab/checked.h's cl_state_dir).
 */
#ifndef COWLAB_HINT_H
#define COWLAB_HINT_H

#include "cowlab/labs.h"

#include <stdio.h>

/* The anchor a Markdown viewer (GitHub's rules) gives the heading text: lower case, spaces
 * as '-', letters, digits, '-' and '_' kept, every other character dropped. Into out (n). */
void cl_hint_anchor(const char *heading, char *out, size_t n);

/* Resolve link "handbook/NN-slug.md#anchor" in the kit's folder kit: 0 with the heading's
 * text in title (size n), or -1 (no such file, or no heading has that anchor) with the reason
 * in title. */
int cl_hint_resolve(const char *kit, const char *link, char *title, size_t n);

/* How many steps of lab's test were shown already (0 when none; at most its nsteps). */
int cl_hint_seen(const struct cl_lab_def *lab, const struct cl_test_def *t);

/* Remember that steps 1..seen of the test were shown. 0, or -1 with errno set. */
int cl_hint_remember(const struct cl_lab_def *lab, const struct cl_test_def *t, int seen);

/* Print steps 1..upto (1 <= upto <= nsteps) of the test's hints, wrapped for a terminal, the
 * last step with its chapter section (the heading's text from kit, or "not found"), and after
 * the last shown step how to see the next: again ("press n"), or NULL for the make hint
 * command. Returns 0, or -1 when the chapter link does not resolve. */
int cl_hint_print(FILE *out, const char *kit, const struct cl_lab_def *lab,
                  const struct cl_test_def *t, int upto, const char *again);

#endif
