/*
 * cowlab/reset.h — `cowlab reset LAB`: put a lab's handout stubs back in a student's lab
 * folder, keeping what was there. Works without git (a handout is a plain folder): the stubs
 * come from the lab's own pristine copies, LAB/stubs/FILE, the ones the grader stands in for
 * a file that does not build.
 */
#ifndef COWLAB_RESET_H
#define COWLAB_RESET_H

#include "cowlab/labs.h"

#include <stdio.h>

/* For each student file of lab: when work_dir/FILE differs from lab->dir/stubs/FILE, copy it
 * into work_dir/backup/YYYYMMDD-HHMMSS/FILE (a fresh folder: -2, -3... if that second's is
 * taken), then replace it by the stub (written to a temporary name and renamed: never half a
 * file). A file equal to its stub is left alone; a missing one is created. One line per file
 * on out. 0; or -1 with a line on stderr, the files not yet handled untouched and no file lost
 * (a file is replaced only once its backup is complete). */
int cl_reset_lab(const struct cl_lab_def *lab, const char *work_dir, FILE *out);

#endif
