/*
 * experiments.h — lab 01's experiments. Each runs the student's (or the reference) code,
 * measures every process at a barrier, and appends (expected, measured) rows to r. The
 * graded tests check those rows; `cowlab run` writes them to build/results/01-fork-cow.csv
 * and the plots read that file.
 *
 * Every function returns 0 when the experiment ran (rows may still differ), or -1 when it
 * could not run (cow_map failed, a worker died, ...): then it has recorded why with CL_FAIL
 * if called from a test, and printed it on stderr.
 */
#ifndef LAB01_EXPERIMENTS_H
#define LAB01_EXPERIMENTS_H

#include "cowlab/results.h"

#include <stddef.h>

/* FC_TRUNC_NPAGES: 4098 pages shared 3 ways is where the kernel's PSS (5463 kB) differs
 * from the exact quotient (16392 / 3 = 5464 kB). */
enum { FC_NPAGES = 4096, FC_MAP_NPAGES = 256, FC_TRUNC_NPAGES = 4098 };

/* Buffer mapped and read (never written) by the parent and K children: zero page only. */
int fc_exp_zero_page(struct cl_results *r, size_t npages, int k);
/* Buffer written, then K children idle: every page shared by K+1 processes. name: the
 * experiment's name in the results ("shared" for the sweep over K, "truncation" for 4098
 * pages shared 3 ways). */
int fc_exp_shared(struct cl_results *r, const char *name, size_t npages, int k);
/* Buffer written, one child writes every stride-th page (x = pages written); also counts the
 * child's minor faults during the writes. */
int fc_exp_child_writes(struct cl_results *r, size_t npages, size_t stride);
/* Buffer written, one idle child, the PARENT writes every stride-th page: the first writer
 * gets the copy; with PFNs visible, the child is shown to keep the original frames. */
int fc_exp_parent_writes(struct cl_results *r, size_t npages, size_t stride);
/* Buffer written, K children idle, then child K exits: the survivors' Pss rises. */
int fc_exp_sibling_exit(struct cl_results *r, size_t npages, int k);
/* A small buffer, partly written, three children doing different things: one row per page
 * per process (metric page_state) for the page-map plot. */
int fc_exp_page_map(struct cl_results *r, size_t npages);
/* Fork time against the private memory mapped (reported only, never graded). */
int fc_exp_fork_time(struct cl_results *r, size_t mib);

/* State codes of page_state rows, as the plot colours them. */
const char *fc_state_name(int state);

#endif
