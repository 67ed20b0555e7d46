/*
 * Lab 04 — bit arrays: the library.
 *
 * Implement the functions below; their contracts are in include/04-bit-arrays.h and the
 * background in handbook/04-bit-arrays.md. Check your work with:  make check LAB=04
 */
#include "04-bit-arrays.h"

#include <errno.h>
#include <stdlib.h>

size_t ba_words(size_t nbits)
{
    /* TODO: nbits / 64, rounded up. */
    (void)nbits;
    return 0;
}

int ba_new(struct ba *b, size_t nbits)
{
    /* TODO: calloc the words. */
    (void)nbits;
    b->words = NULL;
    b->nbits = 0;
    b->owned = false;
    errno = ENOSYS;
    return -1;
}

int ba_wrap(struct ba *b, uint64_t *words, size_t nwords, size_t nbits)
{
    /* TODO: check nwords, then point b at the caller's words. */
    (void)b, (void)words, (void)nwords, (void)nbits;
    errno = ENOSYS;
    return -1;
}

void ba_free(struct ba *b)
{
    /* TODO */
    (void)b;
}

int ba_set(struct ba *b, size_t i)
{
    /* TODO */
    (void)b, (void)i;
    errno = ENOSYS;
    return -1;
}

int ba_clear(struct ba *b, size_t i)
{
    /* TODO */
    (void)b, (void)i;
    errno = ENOSYS;
    return -1;
}

int ba_toggle(struct ba *b, size_t i)
{
    /* TODO */
    (void)b, (void)i;
    errno = ENOSYS;
    return -1;
}

int ba_test(const struct ba *b, size_t i)
{
    /* TODO */
    (void)b, (void)i;
    errno = ENOSYS;
    return -1;
}

size_t ba_count(const struct ba *b)
{
    /* TODO: a popcount per word; the last word may be partial. */
    (void)b;
    return SIZE_MAX;
}

size_t ba_next_set(const struct ba *b, size_t from)
{
    /* TODO */
    (void)b, (void)from;
    return SIZE_MAX;
}

size_t ba_next_clear(const struct ba *b, size_t from)
{
    /* TODO */
    (void)b, (void)from;
    return SIZE_MAX;
}

size_t ba_each_set(const struct ba *b, void (*fn)(size_t i, void *arg), void *arg)
{
    /* TODO */
    (void)b, (void)fn, (void)arg;
    return SIZE_MAX;
}

int ba_and(struct ba *dst, const struct ba *src)
{
    /* TODO */
    (void)dst, (void)src;
    errno = ENOSYS;
    return -1;
}

int ba_or(struct ba *dst, const struct ba *src)
{
    /* TODO */
    (void)dst, (void)src;
    errno = ENOSYS;
    return -1;
}

int ba_xor(struct ba *dst, const struct ba *src)
{
    /* TODO */
    (void)dst, (void)src;
    errno = ENOSYS;
    return -1;
}

void ba_not(struct ba *b)
{
    /* TODO */
    (void)b;
}

int ba_set_atomic(struct ba *b, size_t i)
{
    /* TODO: one atomic read-modify-write (__atomic_fetch_or). */
    (void)b, (void)i;
    errno = ENOSYS;
    return -1;
}

int ba_test_and_set(struct ba *b, size_t i)
{
    /* TODO */
    (void)b, (void)i;
    errno = ENOSYS;
    return -1;
}
