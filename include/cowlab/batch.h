/*
 * cowlab/batch.h — grade a folder of submissions (cowlab grade --submissions DIR): every
 * folder in DIR is one submission, graded by a process of its own into OUT/<name>/, and
 * OUT/grades.csv gets one row per submission, in name order.
 *
 * Part of the cowlab program, not of libcowlab: it prints its one-line errors ("cowlab: ...")
 * and progress on stderr, and returns cowlab's exit status.
 */
#ifndef COWLAB_BATCH_H
#define COWLAB_BATCH_H

#include "cowlab/labs.h"
#include "cowlab/roster.h"

#include <stdbool.h>

enum { CL_BATCH_MAX_JOBS = 64 }; /* graders at once, at most */

/* Grade one submission folder into out_dir (its results.json, junit.xml and one-row
 * grades.csv). Called in a child process of its own, stdout on /dev/null. Returns 0 when
 * the submission was graded and its grades.csv written, anything else when it was not. */
typedef int cl_batch_grade_fn(const void *ctx, const char *submission, const char *out_dir);

struct cl_batch {
    const char *submissions;       /* DIR: each folder in it (not starting with '.') is one */
    const char *out_dir;           /* OUT: OUT/<name>/ for each submission, and OUT/grades.csv */
    int jobs;                      /* submissions graded at once, 1..CL_BATCH_MAX_JOBS; more than
                                      one needs root (each grader its own uids), else 1 is used */
    cl_batch_grade_fn *grade;      /* grades one submission */
    const void *ctx;               /* given to grade as is */
    const struct cl_lab_def *labs; /* the registry: grades.csv's columns (cowlab/grades.h) */
    int nlabs;
    const struct cl_roster *roster; /* NULL, or name and email columns and "no submission" rows */
    bool partial;                   /* a --test run: OUT/grades-partial.csv, never grades.csv */
    const char *only;               /* regrade this one submission of DIR into OUT, or NULL */
    const struct cl_lab_def *lab;   /* the lab graded (--lab), or NULL: every lab */
};

/*
 * Grade every submission of b->submissions, b->jobs at a time, however many there are.
 *
 * Before anything is written, refused with one line on stderr and 2 returned: a submissions
 * folder that is missing, unreadable or holds no submission; a submission folder this process
 * cannot read (root reads every one); OUT inside (or equal to) the submissions folder or any
 * submission, symlinks resolved (a submission may be a symlink to anywhere); a submission
 * named as one of OUT's own files (grades.csv, grades-partial.csv, summary.csv, summary.png,
 * summary.svg, or one of these with .tmp after it).
 *
 * OUT/grades.csv is written aside (OUT/grades.csv.tmp) and renamed when complete: an
 * earlier one stays whole until then, and stays as it was when no submission could be graded.
 * A submission that cannot be graded is named on stderr and left out of OUT/grades.csv; the
 * others go on.
 *
 * Every submission folder gets a row (cowlab/grades.h): "could not be graded" for one whose
 * grader failed, and with a roster a "no submission" row for each roster id without a folder.
 * A partial run (--test) writes OUT/grades-partial.csv instead, and is refused when OUT holds
 * a grades.csv: its reports would replace whole grades' reports.
 *
 * With b->only: regrade that one submission (a folder of DIR) into OUT/<only>/ and replace its
 * row of the existing OUT/grades.csv in place (cl_grades_update: aside, then renamed); refused
 * before anything is graded when OUT/grades.csv is missing, is not this registry's, or the run
 * is partial.
 *
 * Returns 0 when every submission was graded, 1 when some (or all) could not be, 2 when
 * refused or when OUT/grades.csv could not be written.
 */
int cl_batch_grade(const struct cl_batch *b);

/* Whether the reports may go to out_dir when graded (a folder, or a folder of them) is
 * graded: 0 if out_dir is outside graded, symlinks resolved (neither needs to exist yet);
 * otherwise 2 after a one-line error on stderr — out_dir inside or equal to graded, or a path
 * that cannot be resolved before it exists (a "." or ".." in its missing part). A student
 * could plant files in reports kept inside a submission, and the next batch would grade
 * reports as a submission. */
int cl_out_outside(const char *out_dir, const char *graded);

/* The command line's refusal: "cowlab: <message>" on stderr, one line. Returns 2 (the exit
 * status of a refused command). cli.c and batch.c both use it. */
int cl_refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* mkdir -p path, mode 0755. 0 when path exists at the end (as anything: a file there makes
 * the caller's next write fail, with its own error), or -1 with errno set; folders made on the
 * way stay. */
int cl_mkdirs(const char *path);

#endif
