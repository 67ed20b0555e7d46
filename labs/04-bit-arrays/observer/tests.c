/*
 * tests.c — lab 04's graded tests, run by the observer. The table is tests.def. The library
 * tests keep a model of every word of an array (padding included), drive the student's
 * functions in the subject, and read the subject's words back themselves
 * (process_vm_readv) to compare; the experiments are in experiments.c. No student function
 * runs in this process.
 */
#include "04-bit-arrays.h"
#include "cowlab/lab.h"
#include "cowlab/link.h"
#include "experiments.h"
#include "protocol.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An array as the observer knows it: the subject's address and the words it must hold. */
struct bt_model {
    uint64_t addr;
    size_t nbits, nwords;
    uint64_t w[BT_MAX_BITS / 64];
};

/* One command whose answer is up to n values; on failure the test says why and returns
 * false. */
static bool bt_ask(const char *what, int64_t *v, int n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool bt_ask(const char *what, int64_t *v, int n, const char *fmt, ...)
{
    char cmd[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    struct cl_link *L = cl_lab_subject();
    if (cl_link_call(L, v, n, NULL, "%s", cmd) != 0) {
        cl_cannot_subject(what, L, what);
        return false;
    }
    return true;
}

static bool bt_bit(const struct bt_model *m, size_t i)
{
    return m->w[i / 64] >> (i % 64) & 1;
}

static size_t bt_model_count(const struct bt_model *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nbits; i++)
        n += bt_bit(m, i);
    return n;
}

/* The kit's array of nbits bits in slot s, holding the pattern (seed, density). */
static bool bt_kit(int s, struct bt_model *m, size_t nbits, uint64_t seed, unsigned density)
{
    int64_t addr;
    if (!bt_ask("the kit's array", &addr, 1, "kit %d %zu %" PRIu64 " %u", s, nbits, seed, density))
        return false;
    m->addr = (uint64_t)addr;
    m->nbits = nbits;
    m->nwords = (nbits + 63) / 64;
    for (size_t w = 0; w < m->nwords; w++)
        m->w[w] = bt_pattern_word(seed, w, density);
    return true;
}

/* The kit writes word w of slot s's array (and the model). */
static bool bt_put(int s, struct bt_model *m, size_t w, uint64_t value)
{
    m->w[w] = value;
    return bt_ask("the kit's write", NULL, 0, "put %d %zu %" PRIu64, s, w, value);
}

/* The subject's words of m's array against the model's; says where they first differ. */
static bool bt_check_words(const struct bt_model *m, const char *after, const char *hint)
{
    uint64_t got[BT_MAX_BITS / 64];
    if (cl_link_peek(cl_lab_subject()->pid, m->addr, got, m->nwords * 8) < 0) {
        CL_FAIL("cannot read the array's words in the subject: %s", strerror(errno));
        return false;
    }
    for (size_t w = 0; w < m->nwords; w++) {
        if (got[w] == m->w[w])
            continue;
        uint64_t diff = got[w] ^ m->w[w];
        size_t bit = w * 64 + (size_t)__builtin_ctzll(diff);
        char what[200];
        snprintf(what, sizeof what, "bit %zu (word %zu%s) of a %zu-bit array after %s", bit, w,
                 bit >= m->nbits ? ", padding" : "", m->nbits, after);
        CL_CHECK_EQ(bt_bit(m, bit), (got[w] >> (bit % 64)) & 1, what,
                    bit >= m->nbits ? "bits at and above nbits are padding: never change them"
                                    : hint);
        return false;
    }
    return true;
}

/* ---- set, clear, toggle, test ---------------------------------------------------------------- */

static const char *const bt_op_names[] = {"set", "clear", "toggle", "test"};
static const char *const bt_op_funcs[] = {"ba_set", "ba_clear", "ba_toggle", "ba_test"};

/* One operation on index i of m's array in slot 0; compares its return value and errno. */
static bool bt_check_op(struct bt_model *m, int op, size_t i)
{
    int64_t v[2];
    if (!bt_ask(bt_op_funcs[op], v, 2, "%s 0 %zu", bt_op_names[op], i))
        return false;
    char what[160];
    if (i >= m->nbits) {
        snprintf(what, sizeof what, "%s(b, %zu) on a %zu-bit array: return value", bt_op_funcs[op],
                 i, m->nbits);
        CL_CHECK_EQ(-1, v[0], what, "an index at or above nbits is out of range: return -1");
        snprintf(what, sizeof what, "errno after %s(b, %zu) on a %zu-bit array (ERANGE = %d)",
                 bt_op_funcs[op], i, m->nbits, ERANGE);
        CL_CHECK_EQ(ERANGE, v[1], what, "set errno to ERANGE, and change nothing");
        return v[0] == -1 && v[1] == ERANGE;
    }
    int64_t want = op == 3 ? bt_bit(m, i) : 0;
    snprintf(what, sizeof what, "%s(b, %zu) on a %zu-bit array: return value", bt_op_funcs[op], i,
             m->nbits);
    CL_CHECK_EQ(want, v[0], what,
                op == 3 ? "1 if bit i (word i / 64, bit i % 64) is set, else 0" : "0 when done");
    uint64_t bit = UINT64_C(1) << (i % 64);
    if (op == 0)
        m->w[i / 64] |= bit;
    else if (op == 1)
        m->w[i / 64] &= ~bit;
    else if (op == 2)
        m->w[i / 64] ^= bit;
    return want == v[0];
}

/* ba_words, ba_new, ba_wrap and ba_free. */
static void bt_check_lifecycle(void)
{
    int64_t v[6];
    /* ba_words, up to SIZE_MAX: the chapter's (nbits + 63) / 64 wraps in the last 63. */
    static const uint64_t nbits[] = {
        0, 1, 63, 64, 65, UINT64_MAX - 64, UINT64_MAX - 63, UINT64_MAX - 62, UINT64_MAX};
    for (size_t k = 0; k < sizeof nbits / sizeof nbits[0]; k++) {
        if (!bt_ask("ba_words", v, 1, "words %" PRIu64, nbits[k]))
            return;
        char what[120];
        snprintf(what, sizeof what, "ba_words(%" PRIu64 ")", nbits[k]);
        CL_CHECK_EQ((int64_t)(nbits[k] / 64 + (nbits[k] % 64 != 0)), v[0], what,
                    nbits[k] > UINT64_MAX - 63
                        ? "(nbits + 63) / 64 overflows this close to SIZE_MAX: nbits / 64, plus "
                          "1 when nbits % 64 is not 0"
                        : "nbits / 64 rounded up");
    }
    if (!bt_ask("ba_new", v, 5, "new 1 130"))
        return;
    CL_CHECK_EQ(0, v[0], "ba_new(b, 130): return value", "0 when calloc succeeded");
    CL_CHECK_EQ(130, v[3], "ba_new(b, 130): b->nbits", "nbits as asked");
    CL_CHECK_EQ(1, v[4], "ba_new(b, 130): b->owned", "the words are the array's own: owned");
    uint64_t got[3] = {1, 1, 1};
    if (v[2] && cl_link_peek(cl_lab_subject()->pid, (uint64_t)v[2], got, sizeof got) == 0)
        CL_CHECK_EQ(0, got[0] | got[1] | got[2], "ba_new(b, 130): OR of its 3 words",
                    "a new array is all clear: calloc ba_words(nbits) words");
    else
        CL_FAIL("ba_new(b, 130): b->words does not point at 3 readable words");
    if (!bt_ask("ba_free", v, 4, "free 1"))
        return;
    CL_CHECK_EQ(0, v[0] != 0 || v[1] != 0 || v[2] != 0, "anything left in b after ba_free",
                "leave b empty: words NULL, nbits 0, owned false");
    CL_CHECK_EQ(0, v[3], "blocks ba_new(b, 130) allocated that ba_free did not free",
                "free the words ba_new allocated (owned) before leaving b empty");
    /* No bits: nothing to allocate, and ba_free must cope (the slot held junk before). */
    if (!bt_ask("ba_new", v, 5, "new 1 0") || !bt_ask("ba_free", v, 3, "free 1"))
        return;
    /* ba_new that cannot allocate: 2^62 bits are 2^59 bytes. */
    if (!bt_ask("ba_new", v, 5, "new 1 %" PRIu64, UINT64_C(1) << 62))
        return;
    CL_CHECK_EQ(-1, v[0], "ba_new(b, 2^62): return value", "calloc fails: return -1");
    CL_CHECK_EQ(ENOMEM, v[1], "errno after ba_new(b, 2^62) (ENOMEM = 12)", "set errno to ENOMEM");
    CL_CHECK_EQ(0, v[2] != 0 || v[3] != 0 || v[4] != 0,
                "anything left in b after the failed ba_new (it held junk before)",
                "on failure leave b empty: words NULL, nbits 0, owned false");
    /* ba_wrap: too few words is refused; enough are taken as they are. */
    if (!bt_ask("ba_wrap", v, 6, "wrap 2 2 129 0"))
        return;
    CL_CHECK_EQ(-1, v[0], "ba_wrap(b, words, 2, 129): return value",
                "129 bits need 3 words: refuse fewer with -1");
    CL_CHECK_EQ(EINVAL, v[1], "errno after ba_wrap(b, words, 2, 129) (EINVAL = 22)",
                "set errno to EINVAL");
    CL_CHECK_EQ(4242, v[3], "b->nbits after the refused ba_wrap (it held 4242)",
                "a refused ba_wrap leaves *b untouched");
    if (!bt_ask("ba_wrap", v, 6, "wrap 2 3 129 0"))
        return;
    CL_CHECK_EQ(0, v[0], "ba_wrap(b, words, 3, 129): return value", "3 words hold 129 bits");
    CL_CHECK_EQ(v[5], v[2], "b->words after ba_wrap (the words given)", "use the caller's words");
    CL_CHECK_EQ(129, v[3], "b->nbits after ba_wrap(b, words, 3, 129)", "nbits as given");
    CL_CHECK_EQ(0, v[4], "b->owned after ba_wrap", "the caller's words are not the array's own");
    struct bt_model m = {.addr = (uint64_t)v[5], .nbits = 129, .nwords = 3};
    for (size_t w = 0; w < 3; w++)
        m.w[w] = bt_pattern_word(77, w, 32);
    bt_check_words(&m, "ba_wrap", "ba_wrap writes nothing: the bits are what the words hold");
    if (!bt_ask("ba_free", v, 4, "free 2")) /* must not free the caller's words */
        return;
    bt_check_words(&m, "ba_free of a wrapped array", "ba_free frees only ba_new's words");
    /* Exactly enough words; no words at all. */
    static const struct {
        int nwords, nbits, null, rc;
        const char *what, *hint;
    } wraps[] = {
        {2, 128, 0, 0, "ba_wrap(b, words, 2, 128): return value", "2 words hold 128 bits"},
        {0, 0, 1, 0, "ba_wrap(b, NULL, 0, 0): return value", "no bits need no words"},
        {1, 0, 1, -1, "ba_wrap(b, NULL, 1, 0): return value", "NULL with words: EINVAL"},
    };
    for (size_t i = 0; i < sizeof wraps / sizeof wraps[0]; i++) {
        if (!bt_ask("ba_wrap", v, 6, "wrap 2 %d %d %d", wraps[i].nwords, wraps[i].nbits,
                    wraps[i].null))
            return;
        CL_CHECK_EQ(wraps[i].rc, v[0], wraps[i].what, wraps[i].hint);
    }
}

static void test_set_test_clear(void)
{
    static struct bt_model m;
    if (!bt_kit(0, &m, 1000, 1, 32))
        return;
    /* Every index of a word's edges, out-of-range ones, then a pseudo-random walk. */
    static const size_t edges[] = {0, 1, 62, 63, 64, 65, 127, 128, 998, 999, 1000, 1001, 4096};
    int bad = 0;
    for (int op = 0; op < 4 && bad < 3; op++)
        for (size_t e = 0; e < sizeof edges / sizeof edges[0] && bad < 3; e++)
            bad += !bt_check_op(&m, (op + 3) % 4, edges[e]) || !bt_check_op(&m, op, edges[e]);
    uint64_t x = 12345;
    for (int step = 0; step < 400 && bad < 3; step++) {
        x = x * UINT64_C(6364136223846793005) + 1442695040888963407u;
        bad += !bt_check_op(&m, (int)(x >> 60) % 4, (size_t)(x >> 33) % 1000);
    }
    if (cl_lab_subject()->failed)
        return;
    bt_check_words(&m, "set, clear and toggle",
                   "bit i is bit i % 64 of word i / 64; change only that bit");
    bt_check_lifecycle();
}

/* ---- count ------------------------------------------------------------------------------------
 */

static const size_t bt_sizes[] = {1, 63, 64, 65, 127, 128, 1000, 4099};

static void test_count(void)
{
    static const unsigned densities[] = {0, 5, 32, 64};
    static struct bt_model m;
    int shown = 0;
    for (size_t s = 0; s < sizeof bt_sizes / sizeof bt_sizes[0]; s++) {
        for (size_t d = 0; d < sizeof densities / sizeof densities[0]; d++) {
            int64_t got;
            if (!bt_kit(0, &m, bt_sizes[s], 100 + s, densities[d]) ||
                !bt_ask("ba_count", &got, 1, "count 0"))
                return;
            size_t want = bt_model_count(&m);
            if ((int64_t)want == got || shown++ >= 4)
                continue;
            char what[160];
            snprintf(what, sizeof what,
                     "ba_count of a %zu-bit array (%zu words, density %u/64, padding not clear)",
                     m.nbits, m.nwords, densities[d]);
            CL_CHECK_EQ(want, got, what,
                        m.nbits % 64 ? "count every word, the last partial one too, through a "
                                       "mask of its flag bits: the padding is not a flag"
                                     : "a popcount of every word");
        }
    }
    if (shown > 4)
        CL_FAIL("%d more counts differ (this line is one check for them all)", shown - 4);
}

/* ---- find next ----------------------------------------------------------------------------- */

/* Every ba_next_set / ba_next_clear from 0 .. nbits + 1 against the model. */
static bool bt_check_scan(const struct bt_model *m, int clear, const char *pattern, int *shown)
{
    int64_t v[2];
    if (!bt_ask(clear ? "ba_next_clear" : "ba_next_set", v, 2, "scan 0 %d", clear))
        return false;
    static int64_t got[BT_MAX_BITS + 2];
    size_t count = m->nbits + 2;
    if ((size_t)v[1] != count ||
        cl_link_peek(cl_lab_subject()->pid, (uint64_t)v[0], got, count * 8) < 0) {
        CL_FAIL("cannot read the scan's results in the subject");
        return false;
    }
    size_t next = m->nbits; /* the answer for from, walking down */
    bool ok = true;
    for (size_t from = count; from-- > 0;) {
        if (from < m->nbits && bt_bit(m, from) != clear)
            next = from;
        size_t want = from < m->nbits ? next : m->nbits;
        if ((int64_t)want == got[from] || (*shown)++ >= 4) {
            ok = ok && (int64_t)want == got[from];
            continue;
        }
        ok = false;
        char what[200];
        snprintf(what, sizeof what, "%s(b, %zu) on a %zu-bit array of %s",
                 clear ? "ba_next_clear" : "ba_next_set", from, m->nbits, pattern);
        CL_CHECK_EQ(want, got[from], what,
                    want == m->nbits
                        ? "none at or after from (or from >= nbits): return nbits"
                        : "mask off the bits below from in the first word, then look word by "
                          "word; every bit 0 to 63 of a word can be the answer (bit 63 too)");
    }
    return ok;
}

static void test_find_next(void)
{
    static const unsigned densities[] = {0, 1, 32, 63, 64};
    static struct bt_model m;
    int shown = 0;
    for (size_t s = 0; s < sizeof bt_sizes / sizeof bt_sizes[0]; s++)
        for (size_t d = 0; d < sizeof densities / sizeof densities[0]; d++) {
            char pattern[64];
            snprintf(pattern, sizeof pattern, "density %u/64", densities[d]);
            if (!bt_kit(0, &m, bt_sizes[s], 200 + d, densities[d]) ||
                !bt_check_scan(&m, 0, pattern, &shown) || !bt_check_scan(&m, 1, pattern, &shown))
                if (cl_lab_subject()->failed)
                    return;
        }
    /* One set bit alone (63, 64, 127 of a 200-bit array), and one clear bit alone. */
    static const size_t lone[] = {0, 63, 64, 127, 199};
    for (size_t i = 0; i < sizeof lone / sizeof lone[0]; i++) {
        for (int clear = 0; clear <= 1; clear++) {
            char pattern[64];
            snprintf(pattern, sizeof pattern, "one %s bit, %zu", clear ? "clear" : "set", lone[i]);
            if (!bt_kit(0, &m, 200, 1, clear ? 64 : 0))
                return;
            uint64_t w = m.w[lone[i] / 64] ^ (UINT64_C(1) << (lone[i] % 64));
            if (!bt_put(0, &m, lone[i] / 64, w) || !bt_check_scan(&m, clear, pattern, &shown))
                if (cl_lab_subject()->failed)
                    return;
        }
    }
    if (shown > 4)
        CL_FAIL("%d more answers differ (this line is one check for them all)", shown - 4);
}

/* ---- iterate ------------------------------------------------------------------------------- */

static void test_iterate(void)
{
    static struct bt_model m;
    static int64_t got[BT_MAX_BITS + 1];
    static const unsigned densities[] = {0, 3, 40, 64};
    for (size_t s = 0; s < sizeof bt_sizes / sizeof bt_sizes[0]; s++)
        for (size_t d = 0; d < sizeof densities / sizeof densities[0]; d++) {
            int64_t v[3];
            if (!bt_kit(0, &m, bt_sizes[s], 300 + s, densities[d]) ||
                !bt_ask("ba_each_set", v, 3, "each 0"))
                return;
            size_t want = bt_model_count(&m);
            char what[160];
            snprintf(what, sizeof what, "calls of fn by ba_each_set on a %zu-bit array", m.nbits);
            if ((int64_t)want != v[1]) {
                CL_CHECK_EQ(want, v[1], what, "one call per set flag; none for the padding");
                return;
            }
            snprintf(what, sizeof what, "ba_each_set's return value on a %zu-bit array", m.nbits);
            if ((int64_t)want != v[0]) {
                CL_CHECK_EQ(want, v[0], what, "return how many calls were made");
                return;
            }
            if (want && cl_link_peek(cl_lab_subject()->pid, (uint64_t)v[2], got, want * 8) < 0) {
                CL_FAIL("cannot read the indexes fn was given");
                return;
            }
            for (size_t i = 0, k = 0; i < m.nbits; i++) {
                if (!bt_bit(&m, i))
                    continue;
                if (got[k] != (int64_t)i) {
                    snprintf(what, sizeof what,
                             "index given to fn at call %zu of ba_each_set (%zu-bit array)", k,
                             m.nbits);
                    CL_CHECK_EQ(i, got[k], what, "every set bit, once, in increasing order");
                    return;
                }
                k++;
            }
        }
}

/* ---- bulk ------------------------------------------------------------------------------------ */

static void test_bulk(void)
{
    static struct bt_model a, b, c;
    static const char *const ops[] = {"and", "or", "xor"};
    static const size_t sizes[] = {65, 1000, 64};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (int op = 0; op < 3; op++) {
            if (!bt_kit(0, &a, sizes[s], 400 + op, 32) || !bt_kit(1, &b, sizes[s], 500 + op, 20))
                return;
            int64_t v[2];
            char fn[16], what[160];
            snprintf(fn, sizeof fn, "ba_%s", ops[op]);
            if (!bt_ask(fn, v, 2, "%s 0 1", ops[op]))
                return;
            snprintf(what, sizeof what, "%s of two %zu-bit arrays: return value", fn, sizes[s]);
            CL_CHECK_EQ(0, v[0], what, "0 when both have the same nbits");
            for (size_t w = 0; w < a.nwords; w++) {
                uint64_t flags = (w + 1 == a.nwords && a.nbits % 64)
                                     ? (UINT64_C(1) << (a.nbits % 64)) - 1
                                     : ~UINT64_C(0);
                uint64_t r = op == 0   ? a.w[w] & b.w[w]
                             : op == 1 ? a.w[w] | b.w[w]
                                       : a.w[w] ^ b.w[w];
                a.w[w] = (r & flags) | (a.w[w] & ~flags);
            }
            snprintf(what, sizeof what, "%s", fn);
            bt_check_words(&a, what, "dst = dst OP src, word by word");
            bt_check_words(&b, what, "src is only read");
        }
        if (!bt_kit(0, &a, sizes[s], 600, 32))
            return;
        if (!bt_ask("ba_not", NULL, 0, "not 0"))
            return;
        for (size_t w = 0; w < a.nwords; w++)
            a.w[w] ^= (w + 1 == a.nwords && a.nbits % 64) ? (UINT64_C(1) << (a.nbits % 64)) - 1
                                                          : ~UINT64_C(0);
        bt_check_words(&a, "ba_not", "flip bits 0 .. nbits-1: XOR each word with its flag mask");
    }
    /* Different sizes: refused, dst unchanged. */
    for (int op = 0; op < 3; op++) {
        if (!bt_kit(0, &a, 1000, 700, 32) || !bt_kit(2, &c, 999, 701, 32))
            return;
        int64_t v[2];
        char fn[16], what[160];
        snprintf(fn, sizeof fn, "ba_%s", ops[op]);
        if (!bt_ask(fn, v, 2, "%s 0 2", ops[op]))
            return;
        snprintf(what, sizeof what, "%s(dst of 1000 bits, src of 999): return value", fn);
        CL_CHECK_EQ(-1, v[0], what, "arrays of different nbits: -1");
        snprintf(what, sizeof what, "errno after %s of different sizes (EINVAL = 22)", fn);
        CL_CHECK_EQ(EINVAL, v[1], what, "set errno to EINVAL");
        bt_check_words(&a, "a refused bulk operation", "leave dst unchanged when refusing");
    }
}

/* ---- atomic ---------------------------------------------------------------------------------- */

static const char *bt_lock_hint(int64_t locked)
{
    return locked == BT_NO_WRITE ? "the function wrote no word"
                                 : "the instruction that wrote the word was not locked: a plain "
                                   "`w |= m` is a read and a write another CPU can come between "
                                   "(use __atomic_fetch_or)";
}

/* Under GDB=1 (make check ... GDB=1: the subject under gdb, to see where it crashed) the checks
 * that fault or trap on purpose (the race page, the trap flag, the watched sieve) are left out:
 * gdb would stop at their first SIGSEGV and show it as the crash. Says so once, on stderr. */
static bool bt_under_gdb(const char *what)
{
    if (!getenv(CL_GDB_ENV))
        return false;
    fprintf(stderr,
            "cowlab: under GDB=1 %s is left out (it makes a SIGSEGV on purpose, which gdb would "
            "show as your crash); make check without GDB=1 runs it\n",
            what);
    return true;
}

static void test_atomic(void)
{
    int64_t v[6];
    /* ba_set_atomic(I) where another process sets J between the read and the write. */
    static const int pairs[][2] = {{17, 40}, {63, 0}, {0, 63}};
    for (size_t p = 0; p < 3 && !bt_under_gdb("the race check of ba_set_atomic"); p++) {
        int i = pairs[p][0], j = pairs[p][1];
        if (!bt_ask("ba_set_atomic", v, 6, "race_set %d %d", i, j))
            return;
        char what[200];
        snprintf(what, sizeof what, "ba_set_atomic(b, %d): return value", i);
        CL_CHECK_EQ(0, v[0], what, "0 when done");
        snprintf(what, sizeof what,
                 "the word after ba_set_atomic(b, %d) while another process set bit %d of it "
                 "between its read and its write (hex %" PRIx64 ")",
                 i, j, (uint64_t)v[3]);
        CL_CHECK_EQ((int64_t)((UINT64_C(1) << i) | (UINT64_C(1) << j)), v[3], what,
                    "one atomic read-modify-write (__atomic_fetch_or): a function that reads the "
                    "word and later writes back what it read loses the other's bit");
        CL_CHECK_EQ(0, v[4], "ba_set_atomic's return value, stepped", "0 when done");
        if (v[5] != BT_LOCK_UNKNOWN)
            CL_CHECK_EQ(BT_LOCKED, v[5],
                        "ba_set_atomic's write of the word, one instruction at a time: locked "
                        "(1), not locked (0), none (2)",
                        bt_lock_hint(v[5]));
    }
    /* ba_test_and_set(I) where another process takes bit I between the read and the write. */
    if (!bt_under_gdb("the race check of ba_test_and_set")) {
        if (!bt_ask("ba_test_and_set", v, 6, "race_tas 5"))
            return;
        CL_CHECK_EQ(1, v[0],
                    "ba_test_and_set(b, 5) when another process set bit 5 between its read and its "
                    "write: return value (1: it lost the race)",
                    "exactly one of two racing processes may see 0: test and set in one atomic "
                    "read-modify-write (__atomic_fetch_or, and test the old value it returns)");
        CL_CHECK_EQ(32, v[3], "the word after the lost ba_test_and_set(b, 5)",
                    "only bit 5 is set, by either");
        CL_CHECK_EQ(0, v[4], "ba_test_and_set of a clear bit, stepped: return value",
                    "0: this call set it");
        if (v[5] != BT_LOCK_UNKNOWN)
            CL_CHECK_EQ(
                BT_LOCKED, v[5],
                "ba_test_and_set's write of the word, one instruction at a time: locked (1), "
                "not locked (0), none (2)",
                bt_lock_hint(v[5]));
    }
    /* Plain use, and the range check. */
    static struct bt_model m;
    if (!bt_kit(0, &m, 200, 1, 0))
        return;
    static const struct {
        const char *cmd, *fn;
        size_t i;
        int64_t rc;
    } calls[] = {{"tas", "ba_test_and_set", 150, 0}, {"tas", "ba_test_and_set", 150, 1},
                 {"seta", "ba_set_atomic", 63, 0},   {"seta", "ba_set_atomic", 199, 0},
                 {"seta", "ba_set_atomic", 200, -1}, {"tas", "ba_test_and_set", 200, -1}};
    for (size_t c = 0; c < sizeof calls / sizeof calls[0]; c++) {
        if (!bt_ask(calls[c].fn, v, 2, "%s 0 %zu", calls[c].cmd, calls[c].i))
            return;
        char what[160];
        snprintf(what, sizeof what, "%s(b, %zu) on a 200-bit array%s: return value", calls[c].fn,
                 calls[c].i, c == 1 ? ", a second time" : "");
        CL_CHECK_EQ(calls[c].rc, v[0], what,
                    calls[c].rc < 0 ? "an index at or above nbits: -1 with ERANGE"
                                    : "ba_test_and_set returns the bit's old value");
        if (calls[c].rc < 0)
            CL_CHECK_EQ(ERANGE, v[1], "errno after an index out of range (ERANGE = 34)",
                        "set errno to ERANGE");
        else
            m.w[calls[c].i / 64] |= UINT64_C(1) << (calls[c].i % 64);
    }
    bt_check_words(&m, "ba_set_atomic and ba_test_and_set", "set bit i % 64 of word i / 64");
}

/* ---- sieve ----------------------------------------------------------------------------------- */

/* ba_sieve_range(lo, hi) on a fresh array of n bits whose fail_at-th allocation call fails
 * (0: none): its return value and errno, the blocks it left, and (when it succeeded) every
 * bit. Where the allocation that was to fail was made, -1 with ENOMEM is right, and so is 0
 * with the range marked (a fallback that needs no memory). The number of allocation calls it
 * made, or -1. */
static int bt_check_range_failing(size_t n, size_t lo, size_t hi, const uint64_t *model,
                                  int fail_at)
{
    int64_t v[6];
    if (!bt_ask("ba_sieve_range", v, 6, "sieve_range %zu %zu %zu %d", n, lo, hi, fail_at))
        return -1;
    bool bad = lo > hi || hi > n, nomem = v[4] && v[0] == -1;
    char what[200], call[120];
    if (fail_at)
        snprintf(call, sizeof call, "ba_sieve_range(c, %zu, %zu) whose allocation call #%d fails",
                 lo, hi, fail_at);
    else
        snprintf(call, sizeof call, "ba_sieve_range(c, %zu, %zu)", lo, hi);
    snprintf(what, sizeof what, "%s on %zu bits: return value", call, n);
    CL_CHECK_EQ(bad || nomem ? -1 : 0, v[0], what,
                bad ? "lo > hi or hi > nbits: -1 with EINVAL" : "0 for a range inside the array");
    if (bad || nomem) {
        snprintf(what, sizeof what, "errno after %s (%s = %d)", call, bad ? "EINVAL" : "ENOMEM",
                 bad ? EINVAL : ENOMEM);
        CL_CHECK_EQ(bad ? EINVAL : ENOMEM, v[1], what,
                    bad ? "set errno to EINVAL, and no bit"
                        : "a failed malloc is -1 with ENOMEM: stop there, free what you hold");
    }
    snprintf(what, sizeof what, "blocks %s allocated and did not free", call);
    CL_CHECK_EQ(0, v[5], what,
                "free every block you allocate, on every path, the failing ones too");
    if (nomem)
        return (int)v[3];
    static struct bt_model m;
    m.addr = (uint64_t)v[2];
    m.nbits = n;
    m.nwords = (n + 63) / 64;
    for (size_t w = 0; w < m.nwords; w++)
        m.w[w] = 0;
    for (size_t i = lo; !bad && i < hi; i++)
        if (model[i / 64] >> (i % 64) & 1)
            m.w[i / 64] |= UINT64_C(1) << (i % 64);
    bt_check_words(&m, call,
                   "mark exactly the non-primes in [lo, hi): 0 and 1 too, no prime, and nothing "
                   "outside the range");
    return (int)v[3];
}

static void bt_check_range(size_t n, size_t lo, size_t hi, const uint64_t *model)
{
    bt_check_range_failing(n, lo, hi, model, 0);
}

/* One range again with each of its allocation calls failing in turn (the first 8). */
static void bt_check_range_nomem(size_t n, size_t lo, size_t hi, const uint64_t *model)
{
    int calls = bt_check_range_failing(n, lo, hi, model, 0);
    for (int k = 1; k <= calls && k <= 8 && !cl_lab_subject()->failed; k++)
        bt_check_range_failing(n, lo, hi, model, k);
}

/* ba_sieve_range(lo, hi) on n bits with every write to the array's words watched (the
 * subject's sieve_watched): before each write the neighbouring worker sets the word's bits
 * outside [lo, hi), which the write must keep, and on x86-64 every instruction that writes a
 * word must be locked. The chapter's section 3: atomic sets only. */
static void bt_check_sieve_watched(size_t n, size_t lo, size_t hi, const uint64_t *model)
{
    int64_t v[6];
    if (!bt_ask("ba_sieve_range", v, 6, "sieve_watched %zu %zu %zu", n, lo, hi))
        return;
    char call[120], what[240];
    snprintf(call, sizeof call,
             "ba_sieve_range(c, %zu, %zu) on %zu bits while the neighbouring workers set their "
             "bits of the words it shares with them",
             lo, hi, n);
    snprintf(what, sizeof what, "%s: return value", call);
    CL_CHECK_EQ(0, v[0], what, "0 for a range inside the array");
    if (v[3] != BT_LOCK_UNKNOWN)
        CL_CHECK_EQ(BT_LOCKED, v[3],
                    "ba_sieve_range's writes to the array's words, each seen as it happens: all "
                    "locked (1), one not locked (0), none (2)",
                    v[3] == BT_NO_WRITE
                        ? "the range has non-primes: mark them in composite's words"
                        : "every write to composite's words must be one atomic read-modify-write "
                          "(__atomic_fetch_or, or ba_set_atomic): a plain `words[k] |= mask` is "
                          "a read and a write another worker's CPU can come between");
    static struct bt_model m;
    m.addr = (uint64_t)v[2];
    m.nbits = n;
    m.nwords = (n + 63) / 64;
    for (size_t w = 0; w < m.nwords; w++) {
        m.w[w] = 0;
        if ((uint64_t)v[5] >> w & 1)
            for (size_t b = 0; b < 64; b++)
                if (w * 64 + b < lo || w * 64 + b >= hi)
                    m.w[w] |= UINT64_C(1) << b;
    }
    for (size_t i = lo; i < hi; i++)
        if (model[i / 64] >> (i % 64) & 1)
            m.w[i / 64] |= UINT64_C(1) << (i % 64);
    bt_check_words(&m, call,
                   "the non-primes of [lo, hi) and every bit the neighbours set: only ever set "
                   "bits, with one atomic OR per write (never read a word, then store it)");
}

static void test_sieve(void)
{
    enum { N = 1000 };
    uint64_t *model = bt_model_sieve(N);
    if (!model) {
        CL_FAIL("the model's sieve: out of memory");
        return;
    }
    static const size_t ranges[][2] = {{0, N},     {0, 0},   {2, 3},    {13, 77},
                                       {64, 128},  {1, 2},   {999, N},  {500, 400},
                                       {0, N + 1}, {40, 50}, {100, 255}};
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        bt_check_range(N, ranges[i][0], ranges[i][1], model);
        if (cl_lab_subject()->failed)
            break;
    }
    if (!cl_lab_subject()->failed && !bt_under_gdb("the watched sieve"))
        bt_check_sieve_watched(256, 70, 250, model);
    bt_check_range_nomem(N, 13, 777, model);
    free(model);
    for (int k = 1; k <= 3; k++)
        CL_RUN_AND_CHECK("sieve", bt_exp_sieve(r, "sieve", BT_SIEVE_N, k));
}

/* ---- flags ----------------------------------------------------------------------------------- */

static void test_flags_shared(void)
{
    for (int rep = 0; rep < BT_NREPS; rep++) {
        struct cl_results r_;
        cl_results_init(&r_);
        if (bt_exp_flags(&r_, (enum bt_rep)rep, BT_FLAGS_N, 2) == 0) {
            CL_CHECK_ROWS(&r_, bt_rep_name((enum bt_rep)rep, 0));
            if (bt_rep_name((enum bt_rep)rep, 1))
                CL_CHECK_ROWS(&r_, bt_rep_name((enum bt_rep)rep, 1));
        }
        cl_results_free(&r_);
    }
}

/* Memory hygiene: the pure tests again under valgrind's memcheck (harness/hygiene.c). */
static void test_hygiene(void)
{
    cl_hygiene_test();
}

static const struct cl_test bt_tests[] = {
#include "cowlab/tests-table.h"
};

static int bt_run_experiments(struct cl_results *r)
{
    int rc = 0;
    for (int rep = 0; rep < BT_NREPS; rep++)
        for (int k = 1; k <= 3; k++)
            rc |= bt_exp_flags(r, (enum bt_rep)rep, BT_FLAGS_N, k);
    for (int k = 1; k <= 3; k++)
        rc |= bt_exp_sieve(r, "sieve", BT_SIEVE_N, k);
    for (int k = 1; k <= 3; k++)
        rc |= bt_exp_sieve(r, "sieve_speed", BT_SPEED_N, k);
    return rc ? -1 : 0;
}

const struct cl_lab cl_this_lab = {
#include "cowlab/tests-lab.h"
    .slug = "04-bit-arrays",
    .tests = bt_tests,
    .ntests = sizeof bt_tests / sizeof bt_tests[0],
    .run_experiments = bt_run_experiments,
    .summary = {{"parent", "Rss", "Rss par"},
                {"parent", "Pss", "Pss par"},
                {"reader1", "Private_Dirty", "PrivD rd1"},
                {"parent", "pi", "pi"}},
};
