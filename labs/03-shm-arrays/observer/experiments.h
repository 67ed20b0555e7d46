/*
 * experiments.h — lab 03's experiments. Each has the subject create a segment with the
 * student's sha_create (or map anonymous shared memory), starts workers (exec'd, or forked
 * for the anonymous mapping) that attach and read or write, holds them at a barrier, measures
 * the segment in every process and appends (expected, measured) rows to r. The graded tests
 * check those rows; `cowlab run` writes them to build/results/03-shm-arrays.csv.
 *
 * Every function returns 0 when the experiment ran (rows may still differ), or -1 when it
 * could not run (then it has said why: CL_FAIL inside a test, stderr outside). Each removes
 * the names it made, also when it fails.
 */
#ifndef LAB03_EXPERIMENTS_H
#define LAB03_EXPERIMENTS_H

#include "cowlab/results.h"

#include <stddef.h>

/* Data pages of the experiments' segments (one header page more): 1 MiB with 4 KiB pages. */
enum { SA_DATA_PAGES = 256, SA_ANON_PAGES = 64 };

/* The creator fills a segment, K exec'd workers attach read-only and read every page. */
int sa_exp_readers(struct cl_results *r, int k);
/* The creator alone: after sha_create (only the header page), after filling (all private). */
int sa_exp_creator_alone(struct cl_results *r);
/* K exec'd workers each read one data page (worker i: page first + i * step): fault-around. */
int sa_exp_fault_around(struct cl_results *r, int k, size_t first, size_t step);
/* K exec'd workers attach; worker 0 (read-write) writes one element; the others see it. */
int sa_exp_one_writer(struct cl_results *r, int k);
/* One exec'd worker attaches SHA_PRIVATE, reads all, writes one element: one page copied. */
int sa_exp_map_private(struct cl_results *r, size_t page);
/* Anonymous shared memory filled, then K forked children: Rss 0 until they read it. */
int sa_exp_anon_fork(struct cl_results *r, int k);
/* An exec'd worker creates and exits; the segment stays until unlinked; a reader keeps its
 * mapping after the unlink. */
int sa_exp_lifecycle(struct cl_results *r);

#endif
