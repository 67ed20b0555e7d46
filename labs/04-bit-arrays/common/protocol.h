/*
 * protocol.h — what lab 04's observer and subject agree on: the pseudo-random bit patterns
 * both sides compute, the representations of the flags experiment, the team workers' jobs and
 * the race tests' answers (the commands themselves are listed in subject/subject.c).
 */
#ifndef LAB04_PROTOCOL_H
#define LAB04_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

enum {
    BT_SLOTS = 4,        /* bit arrays the subject holds at once */
    BT_MAX_BITS = 65536, /* the largest array the library tests use */
};

/* Word w of the pattern seeded by seed: each bit set with probability density / 64 (density
 * 0..64). The same on both sides (splitmix64), so the observer knows every word the subject
 * wrote, padding included. */
uint64_t bt_pattern_word(uint64_t seed, size_t w, unsigned density);

/* The flags of the memory experiment: flag i is set when i % 3 == 0. */
static inline int bt_flag(size_t i)
{
    return i % 3 == 0;
}

/* The representations of N flags the memory experiment builds. */
enum bt_rep {
    BT_BITS,    /* a bit array: ba_words(N) words */
    BT_BYTES,   /* one byte per flag */
    BT_INT32,   /* one int32 per flag */
    BT_LIST311, /* a simulated Python list of bools, CPython 3.11 refcounting */
    BT_LIST312, /* the same with 3.12's immortal True and False */
    BT_NREPS
};

/* What team workers do (A0), on what (A1, A2, A3). */
enum bt_work {
    BT_WORK_SIEVE = 1, /* A1 = the shared array's address, A2 = nbits, A3 = K: worker i runs
                          ba_sieve_range over its slice (bt_slice)   report[0] = rc, [1] = errno */
    BT_WORK_READ = 2,  /* A1 = representation: read every flag     report[0] = flags set */
};

/* Worker i's slice [lo, hi) of 0 .. n-1 among k: n * i / k, moved up by 13 (so that slices
 * start and end inside words that two workers write), clamped to n. */
static inline size_t bt_slice(size_t n, int k, int i)
{
    if (i <= 0)
        return 0;
    if (i >= k)
        return n;
    size_t s = n / (size_t)k * (size_t)i + 13;
    return s < n ? s : n;
}

/* The race tests' x86 lock check: every write to the word came from a locked instruction
 * (BT_LOCKED), one did not (BT_UNLOCKED), no instruction wrote the word (BT_NO_WRITE), or the
 * check cannot run on this architecture (BT_LOCK_UNKNOWN). */
enum { BT_UNLOCKED = 0, BT_LOCKED = 1, BT_NO_WRITE = 2, BT_LOCK_UNKNOWN = 3 };

#endif
