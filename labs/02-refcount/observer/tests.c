/*
 * tests.c — lab 02's graded tests, run by the observer. The table is tests.def; scenarios are
 * run by experiments.c, which puts the model's number beside every measured one; single
 * objects are made and changed by the subject (subject.c) and read here from its memory.
 */
#include "02-refcount.h"
#include "cowlab/lab.h"
#include "cowlab/model.h"
#include "experiments.h"
#include "world.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RC_TEST_N = 100000 };

#define G310 (&rc_geometry_310)

/* Run scenarios and check all their rows. */
static void rc_check(const struct rc_scenario *sc, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct cl_results r;
        cl_results_init(&r);
        if (rc_run(&r, &sc[i], NULL) == 0)
            CL_CHECK_ROWS(&r, sc[i].name);
        cl_results_free(&r);
    }
}

#define RC_CHECK(...)                                                                              \
    do {                                                                                           \
        const struct rc_scenario sc_[] = {__VA_ARGS__};                                            \
        rc_check(sc_, sizeof sc_ / sizeof sc_[0]);                                                 \
    } while (0)

/* ---- refcount semantics, on single objects in the subject's world ------------------------ */

/* Run one command; on failure say why (once) and return false. */
#define RC_ASK(L, v, max, ...)                                                                     \
    (cl_link_call((L), (v), (max), NULL, __VA_ARGS__) == 0 ||                                      \
     (cl_cannot_subject("refcount", (L), "a command") && false))

/* An int64 of the subject's memory at addr, or INT64_MIN if it cannot be read. */
static int64_t rc_peek64(struct cl_link *L, uint64_t addr)
{
    int64_t x;
    return cl_link_peek(L->pid, addr, &x, sizeof x) == 0 ? x : INT64_MIN;
}

static bool rc_expect_count(struct cl_link *L, uint64_t o, int64_t start, int64_t want, bool inc,
                            const char *what, const char *hint)
{
    if (!RC_ASK(L, NULL, 0, "set 0x%" PRIx64 " %lld", o, (long long)start) ||
        !RC_ASK(L, NULL, 0, "%s 0x%" PRIx64, inc ? "incref" : "decref", o))
        return false;
    char msg[160];
    snprintf(msg, sizeof msg, "%s: ob_refcnt after %s from 0x%llx", what, inc ? "incref" : "decref",
             (unsigned long long)start);
    CL_CHECK_EQ(want, rc_peek64(L, o), msg, hint);
    return true;
}

/* The count hi = 2^32 (low half 0) is an ordinary one under 3.12 and 3.14: rc_is_immortal
 * says no and decref writes hi - 1. The boundary of "negative as an int32" is 0, not -1. */
static bool rc_expect_mortal_at_zero(struct cl_link *L, uint64_t o, const char *name)
{
    const int64_t hi = INT64_C(1) << 32;
    int64_t imm;
    if (!RC_ASK(L, NULL, 0, "set 0x%" PRIx64 " %lld", o, (long long)hi) ||
        !RC_ASK(L, &imm, 1, "is_immortal 0x%" PRIx64, o))
        return false;
    char msg[80];
    snprintf(msg, sizeof msg, "%s: rc_is_immortal of a count 0x100000000", name);
    CL_CHECK_EQ(0, imm, msg, "the low 32 bits are 0: not negative as an int32, so not immortal");
    return rc_expect_count(L, o, hi, hi - 1, false, name,
                           "low 32 bits 0 are not negative as an int32: an ordinary count");
}

static void test_refcount_semantics(void)
{
    struct cl_link *L = cl_lab_subject();
    static const enum rc_semantics sems[] = {RC_PY311, RC_PY312, RC_PY314};
    const int64_t hi = INT64_C(1) << 32;
    for (size_t s = 0; s < 3; s++) {
        int64_t x, imm;
        if (!RC_ASK(L, NULL, 0, "world %d 16 0", (int)sems[s]) || !RC_ASK(L, &x, 1, "int 5000"))
            return;
        uint64_t o = (uint64_t)x;
        const char *name = sems[s] == RC_PY311 ? "3.11" : sems[s] == RC_PY312 ? "3.12" : "3.14";
        bool ok = rc_expect_count(L, o, 1, 2, true, name, "an ordinary object: +1") &&
                  rc_expect_count(L, o, 2, 1, false, name, "an ordinary object: -1") &&
                  rc_expect_count(
                      L, o, hi + 5, hi + 6, true, name,
                      "the high half is not the count's business: only the low 32 bits change");
        if (!ok)
            return;
        if (sems[s] == RC_PY311) {
            if (!rc_expect_count(L, o, 0xFFFFFFFF, 0x100000000, true, name,
                                 "3.11 has no immortals") ||
                !RC_ASK(L, &imm, 1, "is_immortal 0x%" PRIx64, o))
                return;
            CL_CHECK_EQ(0, imm, "3.11: rc_is_immortal", "never");
        }
        if (sems[s] == RC_PY312) {
            ok =
                rc_expect_count(L, o, 0xFFFFFFFF, 0xFFFFFFFF, true, name,
                                "immortal: +1 would wrap the low 32 bits, so nothing is written") &&
                rc_expect_count(L, o, hi + 0xFFFFFFFF, hi + 0xFFFFFFFF, true, name,
                                "look at the LOW 32 bits only") &&
                rc_expect_count(L, o, 0xFFFFFFFF, 0xFFFFFFFF, false, name,
                                "immortal: (int32_t)low < 0, decref writes nothing") &&
                rc_expect_count(L, o, 0x80000000, 0x80000000, false, name,
                                "any count whose low half is negative as an int32 is immortal") &&
                rc_expect_mortal_at_zero(L, o, name) &&
                RC_ASK(L, NULL, 0, "set 0x%" PRIx64 " 1", o) &&
                RC_ASK(L, NULL, 0, "make_immortal 0x%" PRIx64, o);
            if (!ok)
                return;
            CL_CHECK_EQ(0xFFFFFFFF, rc_peek64(L, o), "3.12: rc_make_immortal", "0xFFFFFFFF");
            if (!RC_ASK(L, &imm, 1, "is_immortal 0x%" PRIx64, o))
                return;
            CL_CHECK_EQ(1, imm, "3.12: rc_is_immortal after rc_make_immortal", "");
        }
        if (sems[s] == RC_PY314) {
            ok = rc_expect_count(L, o, 3u << 30, 3u << 30, true, name,
                                 "immortal from 3 << 30: incref skipped when low >= 3 << 30") &&
                 rc_expect_count(L, o, (3u << 30) - 1, 3u << 30, true, name,
                                 "just below 3 << 30 the count still grows") &&
                 rc_expect_count(L, o, 3u << 30, 3u << 30, false, name,
                                 "immortal: decref skipped") &&
                 rc_expect_mortal_at_zero(L, o, name) &&
                 RC_ASK(L, NULL, 0, "set 0x%" PRIx64 " 1", o) &&
                 RC_ASK(L, NULL, 0, "make_immortal 0x%" PRIx64, o);
            if (!ok)
                return;
            CL_CHECK_EQ(3u << 30, rc_peek64(L, o), "3.14: rc_make_immortal", "3 << 30");
            if (!RC_ASK(L, &imm, 1, "is_immortal 0x%" PRIx64, o))
                return;
            CL_CHECK_EQ(1, imm, "3.14: rc_is_immortal after rc_make_immortal", "");
        }
    }
    /* out-of-line: the object keeps its index, the table counts */
    if (cl_link_call(L, NULL, 0, NULL, "world %d 1000 0", (int)RC_OUTLINE) != 0) {
        if (!L->failed)
            CL_FAIL("cannot build an RC_OUTLINE world (%s): does rc_outline_table_new return "
                    "NULL?",
                    L->failure);
        else
            cl_cannot_subject("refcount", L, "building an RC_OUTLINE world");
        return;
    }
    int64_t a = 0, table, imm;
    for (int i = 0; i < 900; i++)
        if (cl_link_call(L, &a, 1, NULL, "int %d", 2000 + i) != 0) {
            if (!L->failed)
                CL_FAIL("the world ran out of table entries: is the table sized in entries?");
            else
                cl_cannot_subject("refcount", L, "making ints");
            return;
        }
    int64_t idx = rc_peek64(L, (uint64_t)a);
    if (!RC_ASK(L, &table, 1, "table") || !RC_ASK(L, NULL, 0, "incref 0x%" PRIx64, (uint64_t)a) ||
        !RC_ASK(L, NULL, 0, "incref 0x%" PRIx64, (uint64_t)a) ||
        !RC_ASK(L, NULL, 0, "decref 0x%" PRIx64, (uint64_t)a) ||
        !RC_ASK(L, &imm, 1, "is_immortal 0x%" PRIx64, (uint64_t)a))
        return;
    CL_CHECK_EQ(idx, rc_peek64(L, (uint64_t)a),
                "RC_OUTLINE: the object's field after inc, inc, dec",
                "the object holds its index; counts live in rc_world_table(w)");
    uint32_t count = UINT32_MAX;
    if (idx >= 0 && idx < 1000 &&
        cl_link_peek(L->pid, (uint64_t)table + 4 * (uint64_t)idx, &count, sizeof count) < 0)
        count = UINT32_MAX;
    CL_CHECK_EQ(2, count, "RC_OUTLINE: the table's count after inc, inc, dec",
                "table[o->ob_refcnt]");
    CL_CHECK_EQ(0, imm, "RC_OUTLINE: rc_is_immortal", "never");
    /* 2^60 entries (4 EiB) cannot be mapped: NULL with errno as mmap set it, as the contract
     * says (the kernel's ENOMEM; valgrind's mmap says EINVAL: the subject notes which). */
    /* Room for every count: what the table's mmap asked for, not what lies after it (a table
     * too short may run into a neighbouring mapping that hides the overrun). */
    int64_t got[4];
    if (!RC_ASK(L, got, 4, "table_new %d", 1000))
        return;
    CL_CHECK_EQ(1, got[0] != 0 && got[2] >= 1000 * 4,
                "rc_outline_table_new(1000 entries) maps room for 1000 counts (1: yes)",
                "mmap entries * sizeof(uint32_t) bytes: a count is 4 bytes");
    if (!RC_ASK(L, got, 4, "table_new %llu", 1ULL << 60))
        return;
    CL_CHECK_EQ(0, got[0], "rc_outline_table_new(2^60 entries): the table",
                "when mmap fails it returns MAP_FAILED, not NULL: return NULL");
    char what[160];
    snprintf(what, sizeof what,
             "errno after rc_outline_table_new(2^60 entries), against the errno its failed "
             "mmap set (%lld; 0: no mmap failed)",
             (long long)got[3]);
    CL_CHECK_EQ(got[3] ? got[3] : -1, got[1], what,
                "call mmap with entries * 4 bytes and, when it fails, return NULL leaving "
                "mmap's errno as it is (no other call in between that sets errno)");
}

/* Items of a list in the subject whose refcount is not 1, or -1 if they cannot be read. */
static int rc_items_touched(struct cl_link *L, uint64_t list, int n)
{
    struct rc_list l;
    if (cl_link_peek(L->pid, list, &l, sizeof l) < 0 || l.ob_size != n)
        return -1;
    uint64_t *items = calloc((size_t)n, sizeof *items);
    int64_t *counts = calloc((size_t)n, sizeof *counts);
    bool *ok = calloc((size_t)n, sizeof *ok);
    int bad = 0;
    if (!items || !counts || !ok ||
        cl_link_peek(L->pid, (uint64_t)(uintptr_t)l.ob_item, items, (size_t)n * sizeof *items) < 0)
        bad = -1;
    if (bad == 0) /* each item's ob_refcnt (its first word); one that cannot be read counts */
        cl_link_peek_each(L->pid, items, (size_t)n, sizeof *counts, counts, ok);
    for (int i = 0; bad >= 0 && i < n; i++)
        bad += !ok[i] || counts[i] != 1;
    free(items);
    free(counts);
    free(ok);
    return bad;
}

/* rc_array_sum over 2^17 values 1..2^17: 1 MiB of data that ends where the world's guard
 * page begins (at 4, 16 and 64 KiB pages), so a read past the end crashes; the array's
 * refcount is as it was. */
static void rc_check_array_sum(struct cl_link *L)
{
    const int64_t n = 131072;
    int64_t array, sum;
    if (!RC_ASK(L, NULL, 0, "world %d 16 %lld", (int)RC_PY311, (long long)n) ||
        !RC_ASK(L, &array, 1, "array %lld", (long long)n) ||
        !RC_ASK(L, &sum, 1, "array_sum 0x%" PRIx64, array))
        return;
    CL_CHECK_EQ(n * (n + 1) / 2, sum, "rc_array_sum of the values 1..131072",
                "add a->data[0] .. a->data[a->length - 1]");
    CL_CHECK_EQ(1, rc_peek64(L, (uint64_t)array), "the array's refcount after rc_array_sum",
                "take one reference to the array (incref) and drop it (decref) after the loop");
}

/* A world so full that rc_listiter_new has no room for the iterator: rc_list_sum returns 0
 * and writes no refcount (include/02-refcount.h). */
static void rc_check_sum_full_world(struct cl_link *L)
{
    int64_t list, sum;
    struct rc_list l;
    /* One arena: the list's pool and 32-byte pools of ints until the arena is full. */
    if (!RC_ASK(L, NULL, 0, "world %d 16 40000", (int)RC_PY311) ||
        !RC_ASK(L, &list, 1, "balanced 40000"))
        return;
    if (cl_link_peek(L->pid, (uint64_t)list, &l, sizeof l) < 0) {
        CL_FAIL("cannot read the list in the subject's memory");
        return;
    }
    if (!RC_ASK(L, &sum, 1, "sum 0x%" PRIx64, list))
        return;
    CL_CHECK_EQ(0, sum, "rc_list_sum when rc_listiter_new returns NULL (the world is full)",
                "no iterator, no sum: return 0");
    CL_CHECK_EQ(0, rc_items_touched(L, (uint64_t)list, (int)l.ob_size),
                "items whose refcount changed after rc_list_sum without an iterator",
                "when rc_listiter_new returns NULL, write nothing");
    CL_CHECK_EQ(1, rc_peek64(L, (uint64_t)list),
                "the list's refcount after rc_list_sum without an iterator",
                "when rc_listiter_new returns NULL, write nothing");
}

static void test_sum_balanced(void)
{
    struct cl_link *L = cl_lab_subject();
    int64_t list, sum, len, yes, no;
    if (!RC_ASK(L, NULL, 0, "world %d 2000 1000", (int)RC_PY311) ||
        !RC_ASK(L, &list, 1, "balanced 1000") || !RC_ASK(L, &sum, 1, "sum 0x%" PRIx64, list))
        return;
    CL_CHECK_EQ(1000 * 1000 + 999 * 1000 / 2, sum, "rc_list_sum's result",
                "add rc_number_value of every item");
    CL_CHECK_EQ(0, rc_items_touched(L, (uint64_t)list, 1000),
                "items whose refcount changed after sum()",
                "each item gets a reference (incref) that is dropped (decref) after use");
    CL_CHECK_EQ(1, rc_peek64(L, (uint64_t)list), "the list's refcount after sum()",
                "rc_listiter_new takes a reference to the list, rc_listiter_free drops it");
    if (!RC_ASK(L, &len, 1, "len 0x%" PRIx64, list) ||
        !RC_ASK(L, &yes, 1, "contains 0x%" PRIx64 " 1500", list) ||
        !RC_ASK(L, &no, 1, "contains 0x%" PRIx64 " 7", list))
        return;
    CL_CHECK_EQ(1000, len, "rc_list_len", "ob_size");
    CL_CHECK_EQ(1, yes, "rc_list_contains(1500)", "");
    CL_CHECK_EQ(0, no, "rc_list_contains(7)", "");
    if (!RC_ASK(L, &yes, 1, "contains 0x%" PRIx64 " 1000", list))
        return;
    CL_CHECK_EQ(1, yes, "rc_list_contains(1000), the first item", "start at index 0");
    CL_CHECK_EQ(0, rc_items_touched(L, (uint64_t)list, 1000),
                "items whose refcount changed after rc_list_contains",
                "drop (decref) every reference contains takes, the match's too");
    rc_check_array_sum(L);
    rc_check_sum_full_world(L);
}

/* ---- scenarios ---------------------------------------------------------------------------- */

/* A scenario with defaults (16 KiB pools, one child, RC_TEST_N items) that the arguments
 * override: designated initializers may name a field twice, the last one wins. */
#pragma GCC diagnostic ignored "-Woverride-init"
#define SC(...) ((struct rc_scenario){.geometry = G310, .k = 1, .n = RC_TEST_N, __VA_ARGS__})

static void test_boxed_sum_dirties(void)
{
    RC_CHECK(SC(.name = "boxed", .sem = RC_PY311, .payload = PAY_DISTINCT, .op = OP_SUM),
             SC(.name = "boxed_floats", .sem = RC_PY311, .payload = PAY_FLOATS, .op = OP_SUM),
             SC(.name = "boxed_38", .sem = RC_PY311, .payload = PAY_DISTINCT, .op = OP_SUM,
                .geometry = &rc_geometry_38),
             SC(.name = "boxed_k3", .sem = RC_PY311, .payload = PAY_DISTINCT, .op = OP_SUM, .k = 3,
                .n = 30000));
}

static void test_len_dirties_nothing(void)
{
    RC_CHECK(SC(.name = "len", .sem = RC_PY311, .payload = PAY_DISTINCT, .op = OP_LEN));
}

static void test_contains_dirties_prefix(void)
{
    RC_CHECK(SC(.name = "contains", .sem = RC_PY311, .payload = PAY_DISTINCT, .op = OP_CONTAINS,
                .contains = 1000 + RC_TEST_N / 3));
}

static void test_small_ints(void)
{
    RC_CHECK(SC(.name = "small_311", .sem = RC_PY311, .payload = PAY_SMALL, .op = OP_SUM),
             SC(.name = "small_312", .sem = RC_PY312, .payload = PAY_SMALL, .op = OP_SUM));
}

enum { RC_FROZEN_MAX = 4 };

/* Walk the generation at head in the subject's memory, through gc_next (forward) or gc_prev,
 * into heads[] (at most max); stops at head. Returns the containers seen, max + 1 if the
 * walk did not come back to head within max steps, or -1 if memory could not be read. */
static int rc_walk(struct cl_link *L, uint64_t head, bool forward, uint64_t *heads, int max)
{
    uint64_t at = head;
    for (int i = 0; i <= max; i++) {
        struct rc_gchead g;
        if (cl_link_peek(L->pid, at, &g, sizeof g) < 0)
            return -1;
        at = forward ? g.gc_next : g.gc_prev;
        if (at == head)
            return i;
        if (i < max)
            heads[i] = at;
    }
    return max + 1;
}

/* The generation at head holds exactly the GC heads want[0..n-1], in this order through
 * gc_next and in the reverse order through gc_prev. */
static void rc_expect_generation(struct cl_link *L, uint64_t head, const uint64_t *want, int n,
                                 const char *what)
{
    for (int forward = 1; forward >= 0; forward--) {
        uint64_t seen[RC_FROZEN_MAX];
        int got = rc_walk(L, head, forward, seen, RC_FROZEN_MAX);
        bool same = got == n;
        for (int i = 0; same && i < n; i++)
            same = seen[i] == want[forward ? i : n - 1 - i];
        if (!same)
            CL_FAIL("after rc_gc_freeze, %s walked through %s: expected its %d containers %s and "
                    "back to the head; found %s (rc_gc_freeze: %s)",
                    what, forward ? "gc_next" : "gc_prev", n,
                    forward ? "in order" : "in reverse order",
                    got < 0               ? "memory that cannot be read"
                    : got > RC_FROZEN_MAX ? "no way back to the head"
                    : got != n            ? "another number of containers"
                                          : "other containers or another order",
                    n == 0 ? "leave the young generation empty: its sentinel's gc_next and gc_prev "
                             "both hold the sentinel's own address"
                           : "splice both links of both ends");
    }
}

/* gc.freeze() on small generations: three containers, one more, then none; each time the
 * permanent generation holds all frozen so far, in order both ways, and the young one is
 * empty. */
static void rc_check_freeze_links(struct cl_link *L)
{
    int64_t gens[2], obj;
    uint64_t frozen[RC_FROZEN_MAX];
    if (!RC_ASK(L, NULL, 0, "world %d 64 0", (int)RC_PY311) || !RC_ASK(L, gens, 2, "generations"))
        return;
    static const int rounds[] = {3, 1, 0}; /* containers made before each freeze */
    int n = 0;
    for (size_t r = 0; r < sizeof rounds / sizeof rounds[0]; r++) {
        for (int i = 0; i < rounds[r]; i++) {
            if (!RC_ASK(L, &obj, 1, "empty_list"))
                return;
            frozen[n++] = (uint64_t)obj - sizeof(struct rc_gchead);
        }
        if (!RC_ASK(L, NULL, 0, "freeze"))
            return;
        char what[120];
        snprintf(what, sizeof what, "freeze %zu (%d young containers): the permanent generation",
                 r + 1, rounds[r]);
        rc_expect_generation(L, (uint64_t)gens[1], frozen, n, what);
        snprintf(what, sizeof what, "freeze %zu (%d young containers): the young generation", r + 1,
                 rounds[r]);
        rc_expect_generation(L, (uint64_t)gens[0], frozen, 0, what);
    }
}

static void test_gc_and_freeze(void)
{
    rc_check_freeze_links(cl_lab_subject());
    RC_CHECK(SC(.name = "gc", .sem = RC_PY311, .payload = PAY_CONTAINERS, .op = OP_GC),
             SC(.name = "gc_frozen", .sem = RC_PY311, .payload = PAY_CONTAINERS, .op = OP_GC,
                .freeze = true),
             SC(.name = "frozen_sum", .sem = RC_PY311, .payload = PAY_CONTAINERS, .op = OP_SUM,
                .freeze = true));
}

static void test_immortal(void)
{
    RC_CHECK(SC(.name = "immortal_312", .sem = RC_PY312, .payload = PAY_DISTINCT, .op = OP_SUM,
                .immortal_items = true),
             SC(.name = "immortal_314", .sem = RC_PY314, .payload = PAY_DISTINCT, .op = OP_SUM,
                .immortal_items = true));
}

static void test_outline(void)
{
    RC_CHECK(SC(.name = "outline", .sem = RC_OUTLINE, .payload = PAY_DISTINCT, .op = OP_SUM));
}

static void test_unboxed(void)
{
    RC_CHECK(SC(.name = "unboxed", .sem = RC_PY311, .payload = PAY_ARRAY, .op = OP_ARRAY_SUM));
}

/* predict_layout's grid against the model: these list sizes and semantics, in pages of every
 * size machines have (the smallest first: the others are counted from its pages). */
enum { RC_LAYOUT_NS = 10, RC_LAYOUT_NPS = 3 };
static const size_t rc_layout_ns[RC_LAYOUT_NS] = {1,    126,  127,  510,   511,
                                                  1020, 1022, 1023, 33333, 100000};
static const size_t rc_layout_pages[RC_LAYOUT_NPS] = {4096, 16384, 65536};
static const enum rc_semantics rc_layout_sems[4] = {RC_PY311, RC_PY312, RC_PY314, RC_OUTLINE};

/* The model's counts for a child's sum() over n distinct ints (immortal where they can be), for
 * the whole grid: model[geometry][semantics][n][page size], the int pages for 3.11 only. One
 * world each (geometry, semantics, n) serves the three page sizes. 0, or -1 (said). */
static int rc_layout_model(const struct rc_geometry *const geos[2],
                           struct rc_model_count model[2][4][RC_LAYOUT_NS][RC_LAYOUT_NPS])
{
    for (size_t gi = 0; gi < 2; gi++)
        for (size_t s = 0; s < 4; s++)
            for (size_t i = 0; i < RC_LAYOUT_NS; i++) {
                struct rc_scenario sc = {.name = "model",
                                         .sem = rc_layout_sems[s],
                                         .geometry = geos[gi],
                                         .payload = PAY_DISTINCT,
                                         .op = OP_SUM,
                                         .n = rc_layout_ns[i],
                                         .k = 1,
                                         .immortal_items = true};
                if (rc_model_pages(&sc, rc_layout_pages, RC_LAYOUT_NPS,
                                   rc_layout_sems[s] == RC_PY311, model[gi][s][i]) < 0)
                    return -1;
            }
    return 0;
}

static void test_predict_layout(void)
{
    struct cl_link *L = cl_lab_subject();
    const struct rc_geometry *const geos[] = {&rc_geometry_310, &rc_geometry_38};
    for (size_t gi = 0; gi < 2; gi++) {
        const struct rc_geometry *g = geos[gi];
        for (size_t bs = 16; bs <= 512; bs += 16) {
            int64_t want = (int64_t)((g->pool_size - g->pool_header) / bs), got;
            if (!RC_ASK(L, &got, 1, "p_blocks %zu %zu", bs, gi))
                return;
            if (want != got) {
                CL_CHECK_EQ(want, got, "rc_predict_blocks_per_pool",
                            "the pool's 48-byte header comes before the first block");
                break;
            }
        }
    }
    /* Against the model, which builds the world and marks what a child's sum() writes, in
     * pages of every size machines have (4, 16 and 64 KiB), whatever this machine's: a pool
     * smaller than a page shares it with its neighbours. */
    static const char *const sem_names[] = {"3.11", "3.12", "3.14", "out-of-line"};
    struct rc_model_count model[2][4][RC_LAYOUT_NS][RC_LAYOUT_NPS];
    if (rc_layout_model(geos, model) < 0)
        return;
    int shown = 0;
    for (size_t pi = 0; pi < RC_LAYOUT_NPS; pi++)
        for (size_t gi = 0; gi < 2; gi++)
            for (size_t s = 0; s < 4; s++)
                for (size_t i = 0; i < RC_LAYOUT_NS; i++) {
                    size_t ps = rc_layout_pages[pi], n = rc_layout_ns[i];
                    enum rc_semantics sem = rc_layout_sems[s];
                    size_t dirtied = model[gi][s][i][pi].dirtied;
                    size_t int_pages = model[gi][s][i][pi].int_pages;
                    int64_t got;
                    if (!RC_ASK(L, &got, 1, "p_sum_pages %zu %d %zu %zu", n, (int)sem, gi, ps))
                        return;
                    if (got != (int64_t)dirtied && shown++ < 4) {
                        char what[160];
                        snprintf(what, sizeof what,
                                 "rc_predict_sum_pages(n=%zu, %s, %s pools, %zu KiB pages)", n,
                                 sem_names[s], gi ? "4 KiB" : "16 KiB", ps / 1024);
                        CL_CHECK_EQ(
                            dirtied, got, what,
                            "the ints' pages (3.11 only) + the list's page + the iterator's "
                            "page (+ the table's pages for out-of-line counts); pools "
                            "smaller than a page share it");
                    }
                    if (sem != RC_PY311)
                        continue;
                    int64_t ip;
                    if (!RC_ASK(L, &ip, 1, "p_int_pages %zu %zu %zu", n, gi, ps))
                        return;
                    if (ip != (int64_t)int_pages && shown++ < 4) {
                        char what[160];
                        snprintf(what, sizeof what,
                                 "rc_predict_int_pages(n=%zu, %s pools, %zu KiB pages)", n,
                                 gi ? "4 KiB" : "16 KiB", ps / 1024);
                        CL_CHECK_EQ(int_pages, ip, what,
                                    "blocks start at header + 32 i; a page counts if a refcount "
                                    "lies in it");
                    }
                }
    if (shown > 4)
        CL_FAIL("%d more predictions differ from the model (this line is one check for them all)",
                shown - 4);
}

static void test_predict_measured(void)
{
    struct cl_link *L = cl_lab_subject();
    static const enum rc_semantics sems[] = {RC_PY311, RC_PY312, RC_PY314, RC_OUTLINE};
    static const char *const names[] = {"3.11", "3.12", "3.14", "out-of-line"};
    /* 32700 ints: the 65th pool holds the last of them, the 64th would if pools had no
     * header, and that pool boundary is also a page boundary at 4, 16 and 64 KiB pages: a
     * miscounted pool shows on every machine. The model's count, on this machine's pages, is
     * the one the scenario tests measure. */
    for (size_t s = 0; s < 4; s++) {
        struct rc_scenario sc = SC(.name = "measured", .sem = sems[s], .payload = PAY_DISTINCT,
                                   .op = OP_SUM, .n = 32700, .immortal_items = true);
        size_t dirtied, resident;
        int64_t got;
        if (rc_model_only(&sc, &dirtied, &resident, NULL) < 0 ||
            !RC_ASK(L, &got, 1, "p_sum_pages 32700 %d 0 %zu", (int)sems[s], cl_page_size()))
            return;
        char what[120];
        snprintf(what, sizeof what, "%s: rc_predict_sum_pages(32700) on this machine's pages",
                 names[s]);
        CL_CHECK_EQ(dirtied, got, what,
                    "the pages a child owns after sum(): the ints' pages (3.11), the list's, the "
                    "iterator's, the table's (out-of-line)");
    }
}

static void test_predict_pss(void)
{
    struct cl_link *L = cl_lab_subject();
    /* sum() copies every heap page the parent wrote, whatever K; `x in lst` copies the pages
     * up to the match and leaves the rest shared by the K + 1 processes: K counts there. */
    static const struct {
        enum rc_op op;
        int k;
    } cases[] = {{OP_SUM, 1},      {OP_SUM, 2},      {OP_SUM, 3},     {OP_CONTAINS, 1},
                 {OP_CONTAINS, 2}, {OP_CONTAINS, 3}, {OP_CONTAINS, 7}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int k = cases[i].k;
        bool sum = cases[i].op == OP_SUM;
        struct rc_scenario sc =
            SC(.name = "pss", .sem = RC_PY311, .payload = PAY_DISTINCT, .op = cases[i].op,
               .n = 20000, .k = k, .contains = 1000 + 20000 / 3);
        for (unsigned p = 0; p <= (unsigned)k; p += (unsigned)k) { /* the parent, a child */
            uint64_t want;
            size_t resident, dirtied;
            int64_t got;
            if (rc_model_heap_pss(&sc, p, &want, &resident, &dirtied) < 0 ||
                !RC_ASK(L, &got, 1, "p_pss %zu %zu %d %zu", resident, dirtied, k, cl_page_size()))
                return;
            char what[160];
            snprintf(what, sizeof what,
                     "K=%d, %s: %s heap Pss (model) vs rc_predict_pss_kb(%zu resident, %zu "
                     "dirtied)",
                     k, sum ? "sum()" : "x in lst", p ? "child" : "parent", resident, dirtied);
            CL_CHECK_EQ(want, got, what,
                        "copied pages count whole in every process; the rest is shared by K+1; "
                        "the kernel truncates once");
        }
    }
}

/* Memory hygiene: the pure tests again under valgrind's memcheck (harness/hygiene.c). */
static void test_hygiene(void)
{
    cl_hygiene_test();
}

static const struct cl_test rc_tests[] = {
#include "cowlab/tests-table.h"
};

/* The sweep behind the plots, and the predictions the CPython calibration compares with. */
static int rc_run_experiments(struct cl_results *r)
{
    static const size_t ns[] = {10000, 50000, 100000, 250000, 500000, 1000000};
    int rc = 0;
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        struct rc_scenario s[] = {
            SC(.name = "boxed", .sem = RC_PY311, .payload = PAY_DISTINCT, .op = OP_SUM),
            SC(.name = "boxed_freeze", .sem = RC_PY311, .payload = PAY_DISTINCT, .op = OP_SUM,
               .freeze = true),
            SC(.name = "immortal_312", .sem = RC_PY312, .payload = PAY_DISTINCT, .op = OP_SUM,
               .immortal_items = true),
            SC(.name = "immortal_314", .sem = RC_PY314, .payload = PAY_DISTINCT, .op = OP_SUM,
               .immortal_items = true),
            SC(.name = "outline", .sem = RC_OUTLINE, .payload = PAY_DISTINCT, .op = OP_SUM),
            SC(.name = "unboxed", .sem = RC_PY311, .payload = PAY_ARRAY, .op = OP_ARRAY_SUM),
            SC(.name = "len", .sem = RC_PY311, .payload = PAY_DISTINCT, .op = OP_LEN),
            SC(.name = "small_311", .sem = RC_PY311, .payload = PAY_SMALL, .op = OP_SUM),
            SC(.name = "gc", .sem = RC_PY311, .payload = PAY_CONTAINERS, .op = OP_GC),
            SC(.name = "gc_frozen", .sem = RC_PY311, .payload = PAY_CONTAINERS, .op = OP_GC,
               .freeze = true),
        };
        for (size_t j = 0; j < sizeof s / sizeof s[0]; j++) {
            s[j].n = ns[i];
            rc |= rc_run(r, &s[j], NULL);
        }
    }
    /* The page maps: a small list, boxed ints vs immortal ones. */
    struct rc_scenario maps[] = {
        SC(.name = "map_boxed", .sem = RC_PY311, .payload = PAY_DISTINCT, .op = OP_SUM, .n = 4000,
           .per_page = true),
        SC(.name = "map_immortal", .sem = RC_PY312, .payload = PAY_DISTINCT, .op = OP_SUM,
           .n = 4000, .per_page = true, .immortal_items = true),
    };
    for (size_t j = 0; j < sizeof maps / sizeof maps[0]; j++)
        rc |= rc_run(r, &maps[j], NULL);
    return rc ? -1 : 0;
}

const struct cl_lab cl_this_lab = {
#include "cowlab/tests-lab.h"
    .slug = "02-refcount",
    .tests = rc_tests,
    .ntests = sizeof rc_tests / sizeof rc_tests[0],
    .run_experiments = rc_run_experiments,
    .summary = {{"child1", "pages_dirtied", "pages ch1"},
                {"child1", "heap.Private_Dirty", "heapPD ch1"},
                {"parent", "heap.Pss", "heapPss par"},
                {"child1", "op_result", "result"}},
};
