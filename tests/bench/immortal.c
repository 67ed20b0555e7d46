/*
 * immortal.c — make bench: what the immortal check costs an iteration (PEP 683 reports about
 * 2 %). Iterates N boxed ints the way the list iterator does — incref, read, decref — with
 * each semantics inlined as CPython's Include/refcount.h inlines it (a call per incref would
 * hide a single compare-and-branch). Every access to the count is volatile: with nothing
 * between incref and decref, a compiler would cancel the pair and the 3.11 loop would write
 * nothing at all, while CPython's calls in between keep both writes.
 * Prints the minimum of ROUNDS runs and the ratios.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { N = 1000000, ROUNDS = 15 };

struct obj {
    union { /* as CPython 3.12's ob_refcnt / ob_refcnt_split */
        int64_t full;
        uint32_t split[2];
    } refcnt;
    const void *type;
    int64_t size;
    uint32_t digit;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The count as 64 bits, and its low half (little-endian: the first four bytes). */
#define RC64(o) (((volatile struct obj *)(o))->refcnt.full)
#define RC32(o) (((volatile struct obj *)(o))->refcnt.split[0])

static inline void inc311(struct obj *o)
{
    RC64(o) = RC64(o) + 1;
}
static inline void dec311(struct obj *o)
{
    RC64(o) = RC64(o) - 1;
}

static inline void inc312(struct obj *o)
{
    uint32_t next = RC32(o) + 1;
    if (next == 0)
        return;
    RC32(o) = next;
}
static inline void dec312(struct obj *o)
{
    int64_t cur = RC64(o);
    if ((int32_t)(uint32_t)cur < 0)
        return;
    RC64(o) = cur - 1;
}

/* The same check, the decrement on the low half too: no store-to-load size mismatch. */
static inline void dec312_low(struct obj *o)
{
    uint32_t cur = RC32(o);
    if ((int32_t)cur < 0)
        return;
    RC32(o) = cur - 1;
}

static inline void inc314(struct obj *o)
{
    uint32_t cur = RC32(o);
    if (cur >= 3u << 30)
        return;
    RC32(o) = cur + 1;
}

/* Stands for one interpreter step between the incref and the decref (a few dozen
 * instructions, not inlined). */
__attribute__((noinline)) static int64_t step(const struct obj *o, int64_t acc)
{
    int64_t v = o->digit;
    for (int i = 0; i < 8; i++)
        acc = acc * 31 + (v ^ i);
    return acc;
}

/* body 0: incref, read, decref back to back; body 1: an interpreter step in between. */
#define ITERATE(INC, DEC)                                                                          \
    static int64_t iterate_##INC(struct obj **items, int body)                                     \
    {                                                                                              \
        int64_t sum = 0;                                                                           \
        for (size_t i = 0; i < N; i++) {                                                           \
            struct obj *o = items[i];                                                              \
            INC(o);                                                                                \
            sum = body ? step(o, sum) : sum + o->digit;                                            \
            DEC(o);                                                                                \
        }                                                                                          \
        return sum;                                                                                \
    }
ITERATE(inc311, dec311)
ITERATE(inc312, dec312)
ITERATE(inc314, dec312)
#define inc312_low inc312
ITERATE(inc312_low, dec312_low)

static double best(int64_t (*fn)(struct obj **, int), struct obj **items, int body, int64_t *check)
{
    double b = 1e9;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_s();
        *check += fn(items, body);
        double t = now_s() - t0;
        b = t < b ? t : b;
    }
    return b;
}

int main(void)
{
    struct obj *objs = calloc(N, 32);
    struct obj **items = malloc(N * sizeof *items);
    if (!objs || !items)
        return 2;
    for (size_t i = 0; i < N; i++) {
        struct obj *o = (struct obj *)((char *)objs + i * 32);
        o->refcnt.full = 1;
        o->size = 1;
        o->digit = (uint32_t)(i + 1000);
        items[i] = o;
    }
    int64_t check = 0;
    static const char *const bodies[] = {
        "incref, read, decref back to back: 3.12/3.14 store the low 32 bits, the decref\n"
        "  loads all 64 -- on x86 that store cannot be forwarded to the load: a stall",
        "an interpreter step (a call, ~30 instructions) between incref and decref, as in CPython"};
    printf("iterating %d boxed ints, best of %d (PEP 683 reports ~2 %% for whole programs):\n", N,
           ROUNDS);
    for (int body = 0; body < 2; body++) {
        double t311 = best(iterate_inc311, items, body, &check);
        double t312 = best(iterate_inc312, items, body, &check);
        double t314 = best(iterate_inc314, items, body, &check);
        double tlow = best(iterate_inc312_low, items, body, &check);
        printf("- %s\n", bodies[body]);
        printf(
            "    3.11 (no check) %7.3f ms | 3.12 %7.3f ms (%+.1f %%) | 3.14 %7.3f ms (%+.1f %%)\n",
            t311 * 1e3, t312 * 1e3, 100 * (t312 / t311 - 1), t314 * 1e3, 100 * (t314 / t311 - 1));
        printf("    3.12 with the decref on the low 32 bits too: %7.3f ms (%+.1f %%): the check "
               "itself\n",
               tlow * 1e3, 100 * (tlow / t311 - 1));
    }
    free(objs);
    free(items);
    return check == 0 ? 1 : 0;
}
