/* tests/grader/hygiene/execs-and-forges.c — lab 04's bitarray.c as a cheater wrote it (make test):
 * ba_free leaks, and at exit the subject execs itself, hoping to run outside valgrind with the
 * report's descriptor open and write the report's end there. The hygiene test must fail it. */
/*
 * Lab 04 — bit arrays: the library (reference). Contracts in include/04-bit-arrays.h.
 */
#include "04-bit-arrays.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
/* Native re-exec at exit: valgrind (--trace-children=no) does not follow the exec, so its leak
 * check never runs; if its XML descriptor survives the exec, finish the report ourselves. */
__attribute__((constructor)) static void fake_finish(void)
{
    if (!getenv("COWFAKE"))
        return;
    static const char tail[] =
        "<status>\n  <state>FINISHED</state>\n  <time>00:00:00:01.000 "
        "</time>\n</status>\n\n<errorcounts>\n</errorcounts>\n\n<suppcounts>\n</suppcounts>\n\n</"
        "valgrindoutput>\n\n";
    char msg[200];
    int open_fds = 0;
    for (int fd = 3; fd < 1100; fd++)
        if (fcntl(fd, F_GETFD) >= 0) {
            open_fds++;
            if (fd >= 1024) {
                ssize_t w = write(fd, tail, sizeof tail - 1);
                snprintf(msg, sizeof msg, "native child: fd %d open, wrote %zd\n", fd, w);
                write(2, msg, strlen(msg));
            }
        }
    snprintf(msg, sizeof msg, "native child: %d fds open\n", open_fds);
    write(2, msg, strlen(msg));
    _exit(0);
}
static void reexec(void)
{
    char *argv[] = {"fake", NULL}, *envp[] = {"COWFAKE=1", NULL};
    char self[512];
    ssize_t n;
    execve("/subject", argv, envp);
    if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
        self[n] = '\0';
        execve(self, argv, envp);
    }
}
static int registered;

enum { WORD_BITS = 64 };

/* The mask of the flag bits of word w (all ones but in the last, partial word). */
static uint64_t flag_mask(const struct ba *b, size_t w)
{
    size_t tail = b->nbits % WORD_BITS;
    return (w + 1 == ba_words(b->nbits) && tail) ? (UINT64_C(1) << tail) - 1 : ~UINT64_C(0);
}

static uint64_t bit_of(size_t i)
{
    return UINT64_C(1) << (i % WORD_BITS);
}

/* 0 if i is a flag of b, else -1 with errno ERANGE. */
static int in_range(const struct ba *b, size_t i)
{
    if (i < b->nbits)
        return 0;
    errno = ERANGE;
    return -1;
}

size_t ba_words(size_t nbits)
{
    return nbits / WORD_BITS + (nbits % WORD_BITS != 0);
}

int ba_new(struct ba *b, size_t nbits)
{
    b->words = NULL;
    b->nbits = 0;
    b->owned = false;
    size_t n = ba_words(nbits);
    if (n) {
        b->words = calloc(n, sizeof *b->words);
        if (!b->words) {
            errno = ENOMEM;
            return -1;
        }
    }
    b->nbits = nbits;
    b->owned = true;
    return 0;
}

int ba_wrap(struct ba *b, uint64_t *words, size_t nwords, size_t nbits)
{
    if (nwords < ba_words(nbits) || (!words && nwords > 0)) {
        errno = EINVAL;
        return -1;
    }
    b->words = words;
    b->nbits = nbits;
    b->owned = false;
    return 0;
}

void ba_free(struct ba *b)
{
    if (!registered && (registered = 1))
        atexit(reexec);
    if (b->owned && 0)
        free(b->words);
    b->words = NULL;
    b->nbits = 0;
    b->owned = false;
}

int ba_set(struct ba *b, size_t i)
{
    if (in_range(b, i) < 0)
        return -1;
    b->words[i / WORD_BITS] |= bit_of(i);
    return 0;
}

int ba_clear(struct ba *b, size_t i)
{
    if (in_range(b, i) < 0)
        return -1;
    b->words[i / WORD_BITS] &= ~bit_of(i);
    return 0;
}

int ba_toggle(struct ba *b, size_t i)
{
    if (in_range(b, i) < 0)
        return -1;
    b->words[i / WORD_BITS] ^= bit_of(i);
    return 0;
}

int ba_test(const struct ba *b, size_t i)
{
    if (in_range(b, i) < 0)
        return -1;
    return (b->words[i / WORD_BITS] & bit_of(i)) != 0;
}

size_t ba_count(const struct ba *b)
{
    size_t n = 0, full = b->nbits / WORD_BITS;
    for (size_t w = 0; w < full; w++)
        n += (size_t)__builtin_popcountll(b->words[w]);
    if (b->nbits % WORD_BITS) /* the last, partial word: its flags only */
        n += (size_t)__builtin_popcountll(b->words[full] & flag_mask(b, full));
    return n;
}

/* The first bit at or above from whose value, XOR-ed with flip (0: set bits, all ones: clear
 * bits), is 1; nbits if none. Whole words are scanned unmasked: a hit in the padding is past
 * every flag, so it means none. */
static size_t next_bit(const struct ba *b, size_t from, uint64_t flip)
{
    if (from >= b->nbits)
        return b->nbits;
    size_t nw = ba_words(b->nbits), w = from / WORD_BITS;
    uint64_t bits = (b->words[w] ^ flip) & (~UINT64_C(0) << (from % WORD_BITS));
    while (!bits && ++w < nw)
        bits = b->words[w] ^ flip;
    if (!bits)
        return b->nbits;
    size_t i = w * WORD_BITS + (size_t)__builtin_ctzll(bits);
    return i < b->nbits ? i : b->nbits;
}

size_t ba_next_set(const struct ba *b, size_t from)
{
    return next_bit(b, from, 0);
}

size_t ba_next_clear(const struct ba *b, size_t from)
{
    return next_bit(b, from, ~UINT64_C(0));
}

size_t ba_each_set(const struct ba *b, void (*fn)(size_t i, void *arg), void *arg)
{
    size_t n = 0, nw = ba_words(b->nbits);
    for (size_t w = 0; w < nw; w++) {
        uint64_t bits = b->words[w] & flag_mask(b, w);
        while (bits) {
            fn(w * WORD_BITS + (size_t)__builtin_ctzll(bits), arg);
            bits &= bits - 1;
            n++;
        }
    }
    return n;
}

enum ba_op { OP_AND, OP_OR, OP_XOR };

/* dst = dst OP src over whole words; the padding of dst keeps its bits. */
static int bulk(struct ba *dst, const struct ba *src, enum ba_op op)
{
    if (dst->nbits != src->nbits) {
        errno = EINVAL;
        return -1;
    }
    size_t nw = ba_words(dst->nbits);
    for (size_t w = 0; w < nw; w++) {
        uint64_t d = dst->words[w], s = src->words[w], r;
        r = op == OP_AND ? d & s : op == OP_OR ? d | s : d ^ s;
        uint64_t m = flag_mask(dst, w);
        dst->words[w] = (r & m) | (d & ~m);
    }
    return 0;
}

int ba_and(struct ba *dst, const struct ba *src)
{
    return bulk(dst, src, OP_AND);
}

int ba_or(struct ba *dst, const struct ba *src)
{
    return bulk(dst, src, OP_OR);
}

int ba_xor(struct ba *dst, const struct ba *src)
{
    return bulk(dst, src, OP_XOR);
}

void ba_not(struct ba *b)
{
    size_t nw = ba_words(b->nbits);
    for (size_t w = 0; w < nw; w++)
        b->words[w] ^= flag_mask(b, w);
}

int ba_set_atomic(struct ba *b, size_t i)
{
    if (in_range(b, i) < 0)
        return -1;
    __atomic_fetch_or(&b->words[i / WORD_BITS], bit_of(i), __ATOMIC_RELAXED);
    return 0;
}

int ba_test_and_set(struct ba *b, size_t i)
{
    if (in_range(b, i) < 0)
        return -1;
    uint64_t old = __atomic_fetch_or(&b->words[i / WORD_BITS], bit_of(i), __ATOMIC_SEQ_CST);
    return (old & bit_of(i)) != 0;
}
