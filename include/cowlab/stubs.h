/*
 * cowlab/stubs.h — a student's lab folders against the handout's stubs: `cowlab reset LAB`
 * (the stubs back, the student's files kept), and which lab the student worked on last
 * (`make check` without LAB). Works without git (a handout is a plain folder): the stubs are
 * the lab's own pristine copies, LAB/stubs/FILE, the ones the grader stands in for a file
 * that does not build.
 */
#ifndef COWLAB_STUBS_H
#define COWLAB_STUBS_H

#include "cowlab/labs.h"

#include <stdio.h>
#include <time.h>

/* For each student file of lab: when work_dir/FILE differs from lab->dir/stubs/FILE, copy it
 * into work_dir/backup/YYYYMMDD-HHMMSS/FILE (a fresh folder: -2, -3... if that second's is
 * taken), then replace it by the stub (written to a temporary name and renamed: never half a
 * file). A file equal to its stub is left alone; a missing one is created. One line per file
 * on out. 0; or -1 with a line on stderr, the files not yet handled untouched and no file lost
 * (a file is replaced only once its backup is complete). */
int cl_reset_lab(const struct cl_lab_def *lab, const char *work_dir, FILE *out);

/* Of labs[0..nlabs), the one whose student file in base/SLUG/ was modified last among the
 * files that differ from their stubs (a lab still all stubs was not worked on); its file's
 * path in file (size n) and its time in *when. NULL when no lab's files differ. */
const struct cl_lab_def *cl_last_worked_lab(const struct cl_lab_def *labs, int nlabs,
                                            const char *base, char *file, size_t n, time_t *when);

#endif
