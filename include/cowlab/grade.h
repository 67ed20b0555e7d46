/*
 * cowlab/grade.h — build a lab from a submission and grade it, one sandboxed process per
 * test. The verdict of a test comes from its exit status and the records on its record pipe
 * (cowlab/record.h), never from what it prints.
 */
#ifndef COWLAB_GRADE_H
#define COWLAB_GRADE_H

#include "cowlab/labs.h"

#include <stdbool.h>

struct cl_test_outcome {
    const struct cl_test_def *def;
    bool passed;
    bool ungradable; /* the machine cannot decide it (verdict "not gradable here: ..."): not
                        run, its points out of the maximum */
    bool error;      /* failed without a verdict of its checks: not built, could not start,
                        timed out, crashed, or ended without its completion record (junit
                        <error>; a failed check or a leak is a <failure>) */
    int score;
    char verdict[128]; /* "passed", "failed: 2 checks", "timed out after 30 s", ... */
    char *feedback;    /* malloc'd: failed checks, then the captured output */
    long ms;
};

struct cl_lab_outcome {
    const struct cl_lab_def *lab;
    bool built;
    bool stand_in;   /* built with the handout's stub in place of a missing or broken file */
    char *build_log; /* malloc'd: missing files or the compiler's output */
    struct cl_test_outcome tests[CL_MAX_TESTS];
    int score, max;
    long ms;
};

struct cl_grade_opts {
    bool sanitize;    /* lift the address-space limit (ASan reserves terabytes) */
    bool quiet;       /* no progress lines on stderr */
    const char *only; /* grade only the tests of these names, "a,b,c" (NULL: all) */
    bool gdb;         /* run the subject under gdb, which prints where it crashed
                         (CL_GDB_ENV, cowlab/link.h); not isolated, deadlines x20 */
    bool local;       /* the student's own checkout (check): compiler messages name files
                         from the working folder (labs/01-fork-cow/predict.c:3:9); else from
                         the lab's folder (01-fork-cow/predict.c:3:9): a grader's paths are
                         not the student's business */
};

/*
 * Copy the lab's student files from student_dir (the lab's own folder, e.g. labs/01-fork-cow)
 * into work_dir/src and compile them with the lab's subject side into work_dir/subject, which
 * the lab's observer (cl_observer_path, built by make) drives.
 * A file that is missing, or that does not compile on its own when the whole does not, is
 * replaced by the handout's stub (LAB/stubs/FILE), so that the other files are graded.
 * Returns 0 if the binary was built as submitted, 1 if it was built with a stub standing in
 * (named in *log), -1 if it was not built; *log (malloc'd, always set; the caller frees) has
 * the missing files and the compiler's output, its file names as cl_grade_opts.local says.
 */
int cl_build_lab(const struct cl_lab_def *lab, const char *student_dir, const char *work_dir,
                 bool local, char **log);

/* Where the lab's observer is: the kit's own lab binary, built by make. Returns out. */
const char *cl_observer_path(const struct cl_lab_def *lab, char *out, size_t n);

/* Build and grade. Never fails as a whole: a lab that does not build scores 0 with the log
 * in out->build_log. Free with cl_lab_outcome_free. */
void cl_grade_lab(const struct cl_lab_def *lab, const char *student_dir,
                  const struct cl_grade_opts *o, struct cl_lab_outcome *out);
void cl_lab_outcome_free(struct cl_lab_outcome *out);

/* The kit's folder (compiled in, overridden by $COWLAB_KIT). */
const char *cl_kit_dir(void);

#endif
