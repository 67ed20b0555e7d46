/*
 * 04-bit-arrays.h — Lab 04, bit arrays: one bit per flag, shared by processes that read it and
 * set it at the same time. What you implement.
 *
 * bitarray.c   a bit array over malloc'd memory or over memory the caller gives (a shared
 *              mapping): set, clear, toggle, test, count, find the next set / clear bit,
 *              visit every set bit, whole-word and / or / xor / not, and atomic set and
 *              test-and-set for several processes writing the same words at once.
 * sieve.c      one worker's part of a parallel sieve of Eratosthenes over a shared bit array.
 *
 * Bit i lives in words[i / 64], at bit position i % 64 (bit 0 is the word's least significant
 * bit). Bits at and above nbits in the last word are "padding": no function reads them as
 * flags and no function changes them, whatever they hold (memory the caller gives may hold
 * anything there). Every function checks its arguments: an index out of range or arrays of
 * different sizes are reported (-1 with errno set, nothing changed), never undefined.
 * Pointers (the struct ba, a callback, words of ba_wrap with nwords > 0) are never NULL in
 * the tests: "checks its arguments" means indexes and sizes.
 * Read handbook/04-bit-arrays.md first.
 */
#ifndef LAB04_BIT_ARRAYS_H
#define LAB04_BIT_ARRAYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ba {
    uint64_t *words; /* ba_words(nbits) words or more; NULL only when nbits is 0 */
    size_t nbits;    /* flags 0 .. nbits-1 */
    bool owned;      /* the words came from ba_new: ba_free frees them */
};

/* ---- bitarray.c ------------------------------------------------------------------------- */

/* Words needed for nbits bits: nbits / 64 rounded up (0 for 0), for every nbits up to
 * SIZE_MAX (nbits + 63 would overflow there). */
size_t ba_words(size_t nbits);

/* A bit array of nbits bits, all clear, in memory of its own (calloc of ba_words(nbits)
 * words). Returns 0, or -1 with errno ENOMEM (*b then has words NULL, nbits 0, owned false).
 * nbits may be 0: nothing is allocated, words NULL, nbits 0, owned true, returns 0. */
int ba_new(struct ba *b, size_t nbits);

/* A bit array over the caller's nwords words (a shared mapping, say): nothing is written, the
 * bits are whatever the words hold, and ba_free will not free them. Returns 0, or -1 with
 * errno EINVAL (and *b untouched) when nwords < ba_words(nbits) or words is NULL while
 * nwords > 0. */
int ba_wrap(struct ba *b, uint64_t *words, size_t nwords, size_t nbits);

/* Free what ba_new allocated (nothing for ba_wrap's) and leave *b empty (words NULL, nbits 0,
 * owned false). */
void ba_free(struct ba *b);

/* Set, clear or flip bit i. Returns 0, or -1 with errno ERANGE when i >= nbits (nothing
 * changed). */
int ba_set(struct ba *b, size_t i);
int ba_clear(struct ba *b, size_t i);
int ba_toggle(struct ba *b, size_t i);

/* Bit i: 1 or 0; -1 with errno ERANGE when i >= nbits. */
int ba_test(const struct ba *b, size_t i);

/* How many of bits 0 .. nbits-1 are set (padding bits are not flags: never counted). */
size_t ba_count(const struct ba *b);

/* The first set (clear) bit at index from or above, or nbits when there is none — also when
 * from >= nbits. */
size_t ba_next_set(const struct ba *b, size_t from);
size_t ba_next_clear(const struct ba *b, size_t from);

/* Call fn(i, arg) (fn never NULL) for every set bit i, in increasing order, and return how
 * many calls. fn does not change b (the tests' callbacks only record i). */
size_t ba_each_set(const struct ba *b, void (*fn)(size_t i, void *arg), void *arg);

/* dst = dst AND / OR / XOR src, a whole word at a time. Returns 0, or -1 with errno EINVAL
 * when the two arrays have different nbits (dst unchanged). */
int ba_and(struct ba *dst, const struct ba *src);
int ba_or(struct ba *dst, const struct ba *src);
int ba_xor(struct ba *dst, const struct ba *src);

/* Flip every bit 0 .. nbits-1 (the padding stays as it was). */
void ba_not(struct ba *b);

/* Set bit i with ONE atomic read-modify-write of its word (relaxed ordering, like the
 * kernel's set_bit): a bit that another process or thread sets in the same word at the same
 * time is never lost. Returns 0, or -1 with errno ERANGE. */
int ba_set_atomic(struct ba *b, size_t i);

/* Set bit i atomically and return what it was before: 0 if this call set it, 1 if it was
 * already set. Fully ordered (sequentially consistent, like the kernel's test_and_set_bit): of
 * processes racing for one clear bit, exactly one sees 0. -1 with errno ERANGE when
 * i >= nbits. */
int ba_test_and_set(struct ba *b, size_t i);

/* ---- sieve.c ------------------------------------------------------------------------------ */

/* One worker's part of a sieve of Eratosthenes. composite has one bit per number 0 .. nbits-1
 * and is shared with the other workers, which mark other ranges at the same time (a range may
 * start or end in the middle of a word another worker writes too). Mark every number c in
 * [lo, hi) that is not prime (0, 1 and every composite) by setting bit c, with atomic sets
 * only: every write to composite's words is an atomic read-modify-write that only sets bits
 * (ba_set_atomic bit by bit, or one atomic OR of a mask per word, as the chapter's section 3
 * does), never a plain store, which would erase bits another worker set in the same word.
 * Set no bit outside [lo, hi) and clear none. Any memory of your own (malloc) is freed before
 * returning. Checks first: -1 with errno EINVAL when lo > hi or hi > nbits (nothing set).
 * Then lo == hi: nothing to do, 0. A malloc that fails (the test makes each of yours fail in
 * turn): -1 with ENOMEM, or finish without that memory; free what you did get either way.
 * After -1 with ENOMEM, bits the call set already may stay set (they are right: the test then
 * checks the return value, errno and the blocks left, not the bits). */
int ba_sieve_range(struct ba *composite, size_t lo, size_t hi);

#endif
