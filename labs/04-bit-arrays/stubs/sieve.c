/*
 * Lab 04 — one worker's part of a parallel sieve of Eratosthenes. Contract in
 * include/04-bit-arrays.h; handbook/04-bit-arrays.md, "A parallel sieve".
 */
#include "04-bit-arrays.h"

#include <errno.h>

int ba_sieve_range(struct ba *composite, size_t lo, size_t hi)
{
    /* TODO: mark 0, 1 and every composite in [lo, hi), with atomic sets only. */
    (void)composite, (void)lo, (void)hi;
    errno = ENOSYS;
    return -1;
}
