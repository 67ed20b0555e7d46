/*
 * experiments.h — lab 04's experiments, run by the observer. Each runs the student's (or the
 * reference) code in the subject, measures at a barrier, and appends (expected, measured) rows
 * to r; the graded tests check those rows, `cowlab run` writes them to
 * build/results/04-bit-arrays.csv and the plots read that file.
 *
 * Every function returns 0 when the experiment ran (rows may still differ), or -1 when it
 * could not run (said with CL_FAIL inside a test, on stderr outside one).
 */
#ifndef LAB04_EXPERIMENTS_H
#define LAB04_EXPERIMENTS_H

#include "cowlab/results.h"
#include "protocol.h"

#include <stddef.h>

/* BT_SPEED_N: the sieve the speed-up plot times (pi = 1857859), long enough for forking not
 * to dominate. */
enum { BT_FLAGS_N = 1000000, BT_SIEVE_N = 1000000, BT_SPEED_N = 30000000 };

/* N flags as representation rep (protocol.h), then k readers forked that read every flag:
 * each region's smaps numbers in the parent and every reader (experiment named after rep:
 * "bits", "bytes", "int32", "list311.items", "list311.singletons", ...), and what each reader
 * counted (flags_set). */
int bt_exp_flags(struct cl_results *r, enum bt_rep rep, size_t n, int k);

/* A sieve of 0 .. n (experiment `name`) over a shared array by k forked workers (bt_slice):
 * every word against the model's sieve (words_wrong), pi(n), and the wall time of the marking
 * (reported only). */
int bt_exp_sieve(struct cl_results *r, const char *name, size_t n, int k);

/* The non-primes below n as a bit array of (n + 63) / 64 words (malloc'd), or NULL. */
uint64_t *bt_model_sieve(size_t n);

/* The experiment's name of a representation's region (region 1: a list's singletons). */
const char *bt_rep_name(enum bt_rep rep, int region);

#endif
