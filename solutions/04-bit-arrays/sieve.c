/*
 * Lab 04 — one worker's part of a parallel sieve (reference). Contract in
 * include/04-bit-arrays.h.
 *
 * Segmented: the range is sieved one cache-sized segment at a time in private memory (plain
 * writes, nobody else sees it), then each segment's words are OR-ed into the shared array with
 * one atomic read-modify-write per word: the words at the range's ends are shared with the
 * neighbouring workers, and an atomic OR loses none of their bits.
 */
#include "04-bit-arrays.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { SEG_WORDS = 4096 }; /* 32 KiB of bits: an L1 data cache's worth */

/* The largest r with r * r <= n. */
static size_t isqrt(size_t n)
{
    size_t r = 0;
    while ((r + 1) * (r + 1) <= n)
        r++;
    return r;
}

/* The primes up to r, odd ones only (2 is handled by the even pattern), into a malloc'd array
 * *out; their count, or SIZE_MAX when out of memory. */
static size_t odd_primes_upto(size_t r, size_t **out)
{
    unsigned char *comp = calloc(r + 1, 1);
    size_t *p = malloc((r / 2 + 1) * sizeof *p), n = 0;
    if (!comp || !p) {
        free(comp);
        free(p);
        return SIZE_MAX;
    }
    for (size_t i = 3; i <= r; i += 2) {
        if (comp[i])
            continue;
        p[n++] = i;
        for (size_t m = i * i; m <= r; m += 2 * i)
            comp[m] = 1;
    }
    free(comp);
    *out = p;
    return n;
}

/* Mark the non-primes of [s, s + 64 * SEG_WORDS) in seg (s a multiple of 64). */
static void sieve_segment(uint64_t *seg, size_t s, const size_t *primes, size_t np)
{
    size_t e = s + 64 * (size_t)SEG_WORDS;
    for (size_t w = 0; w < SEG_WORDS; w++) /* every even number; s is even */
        seg[w] = UINT64_C(0x5555555555555555);
    if (s == 0)
        seg[0] = (seg[0] & ~(UINT64_C(1) << 2)) | 2; /* 2 is prime, 1 is not */
    for (size_t k = 0; k < np; k++) {
        size_t p = primes[k], m = (s + p - 1) / p * p;
        if (m < p * p)
            m = p * p;
        if (m % 2 == 0)
            m += p;
        for (; m < e; m += 2 * p)
            seg[(m - s) / 64] |= UINT64_C(1) << ((m - s) % 64);
    }
}

int ba_sieve_range(struct ba *composite, size_t lo, size_t hi)
{
    if (lo > hi || hi > composite->nbits) {
        errno = EINVAL;
        return -1;
    }
    if (lo == hi)
        return 0;
    uint64_t *seg = malloc(SEG_WORDS * sizeof *seg);
    size_t *primes = NULL, np = odd_primes_upto(isqrt(hi - 1), &primes);
    if (np == SIZE_MAX || !seg) {
        free(primes);
        free(seg);
        errno = ENOMEM;
        return -1;
    }
    for (size_t s = lo / 64 * 64; s < hi; s += 64 * (size_t)SEG_WORDS) {
        sieve_segment(seg, s, primes, np);
        for (size_t w = 0; w < SEG_WORDS && s + 64 * w < hi; w++) {
            size_t first = s + 64 * w; /* the number of the word's bit 0 */
            uint64_t keep = ~UINT64_C(0);
            if (first < lo)
                keep &= ~UINT64_C(0) << (lo - first);
            if (hi - first < 64)
                keep &= (UINT64_C(1) << (hi - first)) - 1;
            if (seg[w] & keep)
                __atomic_fetch_or(&composite->words[first / 64], seg[w] & keep, __ATOMIC_RELAXED);
        }
    }
    free(primes);
    free(seg);
    return 0;
}
