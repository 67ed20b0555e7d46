/*
 * cowlab/grades.h — grades.csv, one row per submission, the same columns for every
 * submission and every run of this kit's registry:
 *
 *   id, [name, email,] status, LAB/TEST for every lab's every test in registry order,
 *   LAB for every lab (its total), score, max_score
 *
 * id is the submission's folder name; name and email come from a roster (cowlab/roster.h)
 * and are there only when one was given. status is one of the CL_GRADES_* words below. A
 * test's cell holds the points it scored, "-" when it was not gradable on this machine, and
 * nothing when it was not run (its lab not graded, or --test left it out); a lab's cell is
 * its total, empty when the lab was not graded.
 *
 * A run with --test grades some tests only: its rows say "partial", and they go to
 * grades-partial.csv, never to grades.csv, whose rows are whole grades.
 */
#ifndef COWLAB_GRADES_H
#define COWLAB_GRADES_H

#include "cowlab/csv.h"
#include "cowlab/labs.h"
#include "cowlab/roster.h"

#include <stdbool.h>

#define CL_GRADES_GRADED        "graded"
#define CL_GRADES_PARTIAL       "partial"
#define CL_GRADES_NOT_GRADED    "could not be graded"
#define CL_GRADES_NO_SUBMISSION "no submission"
#define CL_GRADES_FILE          "grades.csv"
#define CL_GRADES_PARTIAL_FILE  "grades-partial.csv"

/* The header into h (empty on entry): with_roster adds name and email. 0, or -1 (out of
 * memory; h freed). */
int cl_grades_header(struct cl_csv_row *h, const struct cl_lab_def *labs, int nlabs,
                     bool with_roster);

/* Where column `name` is in row h, or -1. */
int cl_grades_column(const struct cl_csv_row *h, const char *name);

/* The batch's combined file, written whole (aside, then renamed) from each submission's own
 * one-row file OUT/<id>/grades.csv (grades-partial.csv when partial). */
struct cl_grades_batch {
    const char *out_dir;
    const struct cl_lab_def *labs; /* the registry: the columns */
    int nlabs;
    const struct cl_roster *roster; /* NULL: no name and email columns */
    bool partial;                   /* a --test run: OUT/grades-partial.csv */
    const struct cl_lab_def *lab;   /* the lab this run grades (--lab), or NULL: every lab */
};

/*
 * Write OUT/grades.csv (or grades-partial.csv) with a row for each of the n submissions ids[]
 * — "could not be graded" where failed[i] or its own file is missing or has other columns —
 * and, with a roster, a "no submission" row for each roster id that is not among them; rows
 * in id order. 0, or -1 with a message in err (size n); the earlier file stays whole. Holds
 * an exclusive flock on the folder OUT while it reads the rows and writes the file.
 */
int cl_grades_combine(const struct cl_grades_batch *b, char *const *ids, const bool *failed, int n,
                      char *err, size_t nerr);

/*
 * Replace the row of submission id in OUT/grades.csv by its own one-row file's (or a "could
 * not be graded" row when failed), inserting it in id order if it has none; every other row is
 * kept byte for byte as it parses, and name and email are the roster's when b->roster is
 * given, else the old row's. The file is written aside and renamed, under an exclusive flock
 * on the folder OUT from the read to the rename (two regrades into one OUT at once both land). -1
 * with a message in err and the file untouched: no OUT/grades.csv, other columns than this
 * registry's (with or without a roster; a roster given to a file without those columns), a partial
 * row (b->partial, or the submission's own row says partial).
 */
/* Whether cl_grades_update could replace a row of OUT/grades.csv: the same checks, nothing
 * written; and that this run grades the labs the batch graded (b->lab, or every lab, against
 * the labs whose totals the file's graded rows hold: a regrade of one lab into a batch of
 * every lab, or the reverse, would leave one row out of step). 0, or -1 with a message in err. */
int cl_grades_check(const struct cl_grades_batch *b, char *err, size_t nerr);

int cl_grades_update(const struct cl_grades_batch *b, const char *id, bool failed, char *err,
                     size_t nerr);

#endif
