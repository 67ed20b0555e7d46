/*
 * subject.c — lab 04's commands in the subject (protocol: cowlab/subject.h). Each runs one
 * student function, or builds what the observer then measures, and answers with what
 * happened. Nothing here knows what is right: the observer reads the arrays' words itself
 * (process_vm_readv) and compares them with what it computed.
 *
 * Bit arrays live in BT_SLOTS slots:
 *   kit S N SEED D      the kit's array of N bits in slot S: (N + 63) / 64 words of its own,
 *                       holding bt_pattern_word(SEED, w, D), padding included   R words
 *   put S W VALUE       word W of the kit's array in slot S = VALUE (the kit's write)   R
 *   words N             ba_words(N)                   R words
 *   new S N             ba_new, slot S first set to {0x5a5a5a5a, 4242, true}
 *                                                     R rc errno words nbits owned
 *   wrap S NW N NUL     ba_wrap over NW words of the kit's (pattern 77, density 32), or over
 *                       NULL when NUL is 1; slot S first set to {0x5a5a5a5a, 4242, true}
 *                                                     R rc errno words nbits owned mem
 *   free S              ba_free                       R words nbits owned (after) live
 *                       (live: blocks ba_new, ba_free and ba_sieve_range allocated, not freed)
 *   set|clear|toggle|test|seta|tas S I   ba_set, ba_clear, ba_toggle, ba_test, ba_set_atomic,
 *                       ba_test_and_set                R rc errno
 *   count S             ba_count                      R n
 *   next_set|next_clear S FROM                        R index
 *   scan S KIND         ba_next_set (KIND 0) or ba_next_clear (1) from every FROM in
 *                       0 .. nbits + 1, into a buffer of the kit's   R address count
 *   each S              ba_each_set; the kit's callback records up to nbits + 1 indexes
 *                                                     R return-value calls address
 *   and|or|xor D S      ba_and, ba_or, ba_xor         R rc errno
 *   not S               ba_not                        R
 *   race_set I J        ba_set_atomic(I) on a read-only page: its first write faults, and
 *                       before it is retried "another process" sets bit J of the same word;
 *                       then ba_set_atomic(I) once more on a fresh word, one instruction at a
 *                       time (x86-64), to see whether the instruction that wrote was locked
 *                       R rc errno faults word rc2 locked (BT_LOCKED, ...)
 *   race_tas I          ba_test_and_set(I) the same way, where "another process" sets bit I
 *                       itself between the read and the write   R rc errno faults word rc2 locked
 *   sieve_map N         a shared mapping (MAP_SHARED | MAP_ANONYMOUS) of (N + 63) / 64 words,
 *                       zero, for team workers (BT_WORK_SIEVE)      R address
 *   sieve_range N LO HI K   ba_sieve_range(LO, HI) on a private zeroed array of N bits (ending
 *                       at a guard page), its K-th allocation call failing (0: none)
 *                       R rc errno address attempts failed (1: the K-th was made) left (blocks
 *                       it allocated and did not free)
 *   sieve_watched N LO HI   ba_sieve_range(LO, HI) on a zeroed array of N bits (1 to 4096)
 *                       whose page faults at every write: at each, "the neighbouring worker"
 *                       sets the faulting word's bits outside [LO, HI) before the write
 *                       runs, and (x86-64) the instruction is classified, locked or not
 *                       R rc errno address locked (BT_LOCKED, ...) faults touched (bit w:
 *                       the neighbour set word w's outside bits)
 *   flags REP N         N flags (bt_flag) as representation REP: R base npages, and for the
 *                       lists the singletons' region: base npages
 * Team workers: BT_WORK_SIEVE, BT_WORK_READ (protocol.h).
 * ba_new, ba_free and ba_sieve_range run watched by the kit's allocator (alloc.c): blocks
 * counted until freed, a poisoned tail past each, an allocation failing on command.
 */
#include "04-bit-arrays.h"
#include "alloc.h"
#include "cowlab/subject.h"
#include "protocol.h"
#include "world.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static struct ba bt_slot[BT_SLOTS];
static void *bt_kit_mem[BT_SLOTS]; /* the kit's words under a slot, and their length */
static size_t bt_kit_len[BT_SLOTS];
static uint64_t *bt_kit_words[BT_SLOTS]; /* the array's first word in that mapping */
static int64_t *bt_buf;                  /* scan and each results */
static size_t bt_buf_len;

static size_t bt_page(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t bt_round_pages(size_t bytes)
{
    size_t ps = bt_page();
    return (bytes + ps - 1) / ps * ps;
}

static size_t bt_nwords(size_t nbits)
{
    return (nbits + 63) / 64;
}

/* Map len bytes (rounded up to pages, at least one) of private anonymous memory. */
static void *bt_map(size_t len, size_t *mapped)
{
    *mapped = bt_round_pages(len ? len : 1);
    void *p = mmap(NULL, *mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* nwords words that end where a PROT_NONE guard page starts: a read or a write one word past
 * the end crashes, named, instead of passing unseen. The mapping (words rounded up to pages,
 * and the guard) starts at *base, *mapped bytes long. NULL if it cannot be made. */
static uint64_t *bt_map_guarded(size_t nwords, void **base, size_t *mapped)
{
    size_t data = bt_round_pages(nwords ? nwords * 8 : 1);
    *mapped = data + bt_page();
    unsigned char *p =
        mmap(NULL, *mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    mprotect(p + data, bt_page(), PROT_NONE);
    *base = p;
    return (uint64_t *)(p + data - nwords * 8);
}

static void bt_unmap_kit(int s)
{
    if (bt_kit_mem[s])
        munmap(bt_kit_mem[s], bt_kit_len[s]);
    bt_kit_mem[s] = NULL;
    bt_kit_words[s] = NULL;
    bt_kit_len[s] = 0;
}

/* The slot named by a command, or NULL (EINVAL). */
static struct ba *bt_arg_slot(uint64_t s, const char **why)
{
    if (s >= BT_SLOTS) {
        *why = "slot 0 to 3";
        errno = EINVAL;
        return NULL;
    }
    return &bt_slot[s];
}

static int bt_cmd_kit(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct ba *b = bt_arg_slot(a[0], why);
    if (!b)
        return -1;
    if (a[1] > BT_MAX_BITS) {
        *why = "kit: at most 65536 bits";
        errno = EINVAL;
        return -1;
    }
    int s = (int)a[0];
    bt_unmap_kit(s);
    size_t nw = bt_nwords((size_t)a[1]);
    uint64_t *w = bt_map_guarded(nw, &bt_kit_mem[s], &bt_kit_len[s]);
    if (!w) {
        *why = "mmap of the kit's array";
        return -1;
    }
    bt_kit_words[s] = w;
    for (size_t i = 0; i < nw; i++)
        w[i] = bt_pattern_word(a[2], i, (unsigned)a[3]);
    b->words = w;
    b->nbits = (size_t)a[1];
    b->owned = false;
    v[0] = (int64_t)(uintptr_t)w;
    *n = 1;
    return 0;
}

static int bt_cmd_put(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)v;
    struct ba *b = bt_arg_slot(a[0], why);
    if (!b)
        return -1;
    if (!bt_kit_words[a[0]] || a[1] >= bt_nwords(b->nbits)) {
        *why = "put: a word of the kit's array";
        errno = EINVAL;
        return -1;
    }
    bt_kit_words[a[0]][a[1]] = a[2];
    *n = 0;
    return 0;
}

static void bt_describe(const struct ba *b, int64_t *v)
{
    v[0] = (int64_t)(uintptr_t)b->words;
    v[1] = (int64_t)b->nbits;
    v[2] = b->owned;
}

static int bt_cmd_words(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("ba_words");
    v[0] = (int64_t)ba_words((size_t)a[0]);
    *n = 1;
    return 0;
}

static int bt_cmd_new(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct ba *b = bt_arg_slot(a[0], why);
    if (!b)
        return -1;
    bt_unmap_kit((int)a[0]);
    *b = (struct ba){(uint64_t *)(uintptr_t)0x5a5a5a5a, 4242, true};
    cl_subject_calls("ba_new");
    bt_alloc_watch(0);
    errno = 0;
    v[0] = ba_new(b, (size_t)a[1]);
    v[1] = errno;
    bt_alloc_unwatch();
    bt_describe(b, v + 2);
    *n = 5;
    return 0;
}

static int bt_cmd_wrap(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct ba *b = bt_arg_slot(a[0], why);
    if (!b)
        return -1;
    if (a[1] > BT_MAX_BITS) {
        *why = "wrap: at most 65536 words";
        errno = EINVAL;
        return -1;
    }
    int s = (int)a[0];
    bt_unmap_kit(s);
    uint64_t *w = bt_map_guarded((size_t)a[1], &bt_kit_mem[s], &bt_kit_len[s]);
    if (!w) {
        *why = "mmap of the words to wrap";
        return -1;
    }
    bt_kit_words[s] = w;
    for (size_t i = 0; i < (size_t)a[1]; i++)
        w[i] = bt_pattern_word(77, i, 32);
    *b = (struct ba){(uint64_t *)(uintptr_t)0x5a5a5a5a, 4242, true};
    cl_subject_calls("ba_wrap");
    errno = 0;
    v[0] = ba_wrap(b, a[3] ? NULL : w, (size_t)a[1], (size_t)a[2]);
    v[1] = errno;
    bt_describe(b, v + 2);
    v[5] = (int64_t)(uintptr_t)w;
    *n = 6;
    return 0;
}

static int bt_cmd_free(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct ba *b = bt_arg_slot(a[0], why);
    if (!b)
        return -1;
    cl_subject_calls("ba_free");
    bt_alloc_watch(0);
    ba_free(b);
    bt_alloc_unwatch();
    bt_describe(b, v);
    v[3] = bt_alloc_live();
    *n = 4;
    return 0;
}

/* set, clear, toggle, test, seta, tas: one function of (array, index). */
static int bt_one(const uint64_t *a, int64_t *v, int *n, const char **why, const char *name,
                  int (*fn)(struct ba *, size_t))
{
    struct ba *b = bt_arg_slot(a[0], why);
    if (!b)
        return -1;
    cl_subject_calls(name);
    errno = 0;
    v[0] = fn(b, (size_t)a[1]);
    v[1] = errno;
    *n = 2;
    return 0;
}

static int bt_test_fn(struct ba *b, size_t i)
{
    return ba_test(b, i);
}

#define BT_ONE(cmd, fn)                                                                            \
    static int cmd(const uint64_t *a, int64_t *v, int *n, const char **why)                        \
    {                                                                                              \
        return bt_one(a, v, n, why, #fn, fn);                                                      \
    }
BT_ONE(bt_cmd_set, ba_set)
BT_ONE(bt_cmd_clear, ba_clear)
BT_ONE(bt_cmd_toggle, ba_toggle)
BT_ONE(bt_cmd_seta, ba_set_atomic)
BT_ONE(bt_cmd_tas, ba_test_and_set)

static int bt_cmd_test(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    return bt_one(a, v, n, why, "ba_test", bt_test_fn);
}

static int bt_cmd_count(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct ba *b = bt_arg_slot(a[0], why);
    if (!b)
        return -1;
    cl_subject_calls("ba_count");
    v[0] = (int64_t)ba_count(b);
    *n = 1;
    return 0;
}

static int bt_next(const uint64_t *a, int64_t *v, int *n, const char **why, int clear)
{
    struct ba *b = bt_arg_slot(a[0], why);
    if (!b)
        return -1;
    cl_subject_calls(clear ? "ba_next_clear" : "ba_next_set");
    v[0] = (int64_t)(clear ? ba_next_clear(b, (size_t)a[1]) : ba_next_set(b, (size_t)a[1]));
    *n = 1;
    return 0;
}

static int bt_cmd_next_set(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    return bt_next(a, v, n, why, 0);
}

static int bt_cmd_next_clear(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    return bt_next(a, v, n, why, 1);
}

/* A results buffer of at least n entries (the kit's, kept between commands). */
static int64_t *bt_buffer(size_t n)
{
    if (bt_buf_len >= n)
        return bt_buf;
    free(bt_buf);
    bt_buf = calloc(n, sizeof *bt_buf);
    bt_buf_len = bt_buf ? n : 0;
    return bt_buf;
}

static int bt_cmd_scan(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct ba *b = bt_arg_slot(a[0], why);
    if (!b)
        return -1;
    size_t nb = b->nbits, count = nb + 2;
    if (nb > BT_MAX_BITS || !bt_buffer(count)) {
        *why = "scan: at most 65536 bits";
        errno = EINVAL;
        return -1;
    }
    cl_subject_calls(a[1] ? "ba_next_clear" : "ba_next_set");
    for (size_t from = 0; from < count; from++)
        bt_buf[from] = (int64_t)(a[1] ? ba_next_clear(b, from) : ba_next_set(b, from));
    v[0] = (int64_t)(uintptr_t)bt_buf;
    v[1] = (int64_t)count;
    *n = 2;
    return 0;
}

static size_t bt_each_calls;

static void bt_each_record(size_t i, void *arg)
{
    (void)arg;
    if (bt_each_calls < bt_buf_len)
        bt_buf[bt_each_calls] = (int64_t)i;
    bt_each_calls++;
}

static int bt_cmd_each(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct ba *b = bt_arg_slot(a[0], why);
    if (!b)
        return -1;
    if (b->nbits > BT_MAX_BITS || !bt_buffer(b->nbits + 1)) {
        *why = "each: at most 65536 bits";
        errno = EINVAL;
        return -1;
    }
    bt_each_calls = 0;
    cl_subject_calls("ba_each_set");
    v[0] = (int64_t)ba_each_set(b, bt_each_record, NULL);
    v[1] = (int64_t)bt_each_calls;
    v[2] = (int64_t)(uintptr_t)bt_buf;
    *n = 3;
    return 0;
}

static int bt_bulk(const uint64_t *a, int64_t *v, int *n, const char **why, const char *name,
                   int (*fn)(struct ba *, const struct ba *))
{
    struct ba *d = bt_arg_slot(a[0], why), *s = bt_arg_slot(a[1], why);
    if (!d || !s)
        return -1;
    cl_subject_calls(name);
    errno = 0;
    v[0] = fn(d, s);
    v[1] = errno;
    *n = 2;
    return 0;
}

#define BT_BULK(cmd, fn)                                                                           \
    static int cmd(const uint64_t *a, int64_t *v, int *n, const char **why)                        \
    {                                                                                              \
        return bt_bulk(a, v, n, why, #fn, fn);                                                     \
    }
BT_BULK(bt_cmd_and, ba_and)
BT_BULK(bt_cmd_or, ba_or)
BT_BULK(bt_cmd_xor, ba_xor)

static int bt_cmd_not(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)v;
    struct ba *b = bt_arg_slot(a[0], why);
    if (!b)
        return -1;
    cl_subject_calls("ba_not");
    ba_not(b);
    *n = 0;
    return 0;
}

/* ---- races made by construction ------------------------------------------------------------ */

/* The race page: read-only while the student's function runs, so that its first write
 * faults; the fault handler then plays the other process (sets bt_race_other in the word,
 * with the page writable again) and returns, and the faulting instruction runs again. A
 * function that read the word before that write and writes back what it read loses the other
 * process's bit; one atomic read-modify-write instruction (or a compare-and-swap loop) reads
 * the word again and loses nothing. */
static unsigned char *bt_race_page;
static size_t bt_race_len;
static volatile uint64_t *bt_race_word;
static uint64_t bt_race_other;
static volatile sig_atomic_t bt_race_faults;

static void bt_on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    unsigned char *at = si->si_addr;
    if (bt_race_page && at >= bt_race_page && at < bt_race_page + bt_race_len &&
        bt_race_faults == 0) {
        bt_race_faults = 1;
        mprotect(bt_race_page, bt_race_len, PROT_READ | PROT_WRITE);
        *bt_race_word |= bt_race_other;
        return;
    }
    signal(sig, SIG_DFL); /* not ours: the instruction runs again and the process dies */
}

#if defined(__x86_64__)
/* One instruction at a time (the trap flag, EFLAGS bit 8): after each, SIGTRAP. When the
 * watched word changed, the instruction before (bt_step_prev) wrote it: its bytes tell whether
 * it was locked (a LOCK prefix, or XCHG with memory, which is locked by itself). */
static volatile uint64_t *bt_watch;
static uint64_t bt_watch_last;
static uintptr_t bt_step_prev;
static volatile sig_atomic_t bt_stepping;
static long bt_steps, bt_writes_locked, bt_writes_unlocked;

enum { BT_MAX_STEPS = 200000, BT_EFLAGS_TF = 0x100 };

static int bt_is_locked(const unsigned char *ip)
{
    for (int k = 0; k < 15; k++, ip++) {
        unsigned char c = *ip;
        if (c == 0xf0)
            return 1;
        if (c == 0xf2 || c == 0xf3 || c == 0x2e || c == 0x36 || c == 0x3e || c == 0x26 ||
            c == 0x64 || c == 0x65 || c == 0x66 || c == 0x67 || (c >= 0x40 && c <= 0x4f))
            continue;
        return c == 0x86 || c == 0x87; /* xchg r/m, r */
    }
    return 0;
}

static void bt_on_trap(int sig, siginfo_t *si, void *ucv)
{
    (void)sig, (void)si;
    ucontext_t *uc = ucv;
    if (!bt_stepping || ++bt_steps > BT_MAX_STEPS) {
        uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)BT_EFLAGS_TF;
        return;
    }
    uint64_t now = *bt_watch;
    if (now != bt_watch_last && bt_step_prev) {
        if (bt_is_locked((const unsigned char *)bt_step_prev))
            bt_writes_locked++;
        else
            bt_writes_unlocked++;
    }
    bt_watch_last = now;
    bt_step_prev = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
}

__attribute__((noinline)) static void bt_trap_flag_on(void)
{
    __asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq" ::: "memory", "cc");
}

__attribute__((noinline)) static void bt_trap_flag_off(void)
{
    __asm__ volatile("pushfq\n\tandq $~0x100, (%%rsp)\n\tpopfq" ::: "memory", "cc");
}

/* Run fn(b, i) one instruction at a time, watching word w. Returns fn's value; *locked
 * becomes BT_LOCKED, BT_UNLOCKED or BT_NO_WRITE. */
static int bt_stepped(int (*fn)(struct ba *, size_t), struct ba *b, size_t i, volatile uint64_t *w,
                      int64_t *locked)
{
    struct sigaction sa = {0}, old;
    sa.sa_sigaction = bt_on_trap;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &sa, &old);
    bt_watch = w;
    bt_watch_last = *w;
    bt_step_prev = 0;
    bt_steps = bt_writes_locked = bt_writes_unlocked = 0;
    bt_stepping = 1;
    bt_trap_flag_on();
    int rc = fn(b, i);
    bt_trap_flag_off();
    bt_stepping = 0;
    sigaction(SIGTRAP, &old, NULL);
    *locked = bt_writes_unlocked ? BT_UNLOCKED : bt_writes_locked ? BT_LOCKED : BT_NO_WRITE;
    return rc;
}
#else
static int bt_stepped(int (*fn)(struct ba *, size_t), struct ba *b, size_t i, volatile uint64_t *w,
                      int64_t *locked)
{
    (void)w;
    *locked = BT_LOCK_UNKNOWN;
    return fn(b, i);
}
#endif

/* The race: fn(I) on word 0 of a read-only page, "the other" setting `other` at its first
 * write fault; then fn(I) stepped on word 8 of the page (writable). */
static int bt_race(const uint64_t *a, int64_t *v, int *n, const char **why, const char *name,
                   int (*fn)(struct ba *, size_t), uint64_t other)
{
    if (a[0] >= 64) {
        *why = "race: a bit of the first word, 0 to 63";
        errno = EINVAL;
        return -1;
    }
    size_t len;
    unsigned char *page = bt_map(bt_page(), &len);
    if (!page) {
        *why = "mmap of the race page";
        return -1;
    }
    struct ba b = {(uint64_t *)page, 64 * 16, false};
    struct sigaction sa = {0}, old;
    sa.sa_sigaction = bt_on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, &old);
    bt_race_page = page;
    bt_race_len = len;
    bt_race_word = (volatile uint64_t *)page;
    bt_race_other = other;
    bt_race_faults = 0;
    mprotect(page, len, PROT_READ);
    cl_subject_calls(name);
    errno = 0;
    v[0] = fn(&b, (size_t)a[0]);
    v[1] = errno;
    bt_race_page = NULL;
    sigaction(SIGSEGV, &old, NULL);
    v[2] = bt_race_faults;
    v[3] = (int64_t)*bt_race_word;
    mprotect(page, len, PROT_READ | PROT_WRITE);
    v[4] = bt_stepped(fn, &b, 8 * 64 + (size_t)a[0], (volatile uint64_t *)page + 8, &v[5]);
    munmap(page, len);
    *n = 6;
    return 0;
}

static int bt_cmd_race_set(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    if (a[1] >= 64) {
        *why = "race_set: the other bit is 0 to 63";
        errno = EINVAL;
        return -1;
    }
    return bt_race(a, v, n, why, "ba_set_atomic", ba_set_atomic, UINT64_C(1) << a[1]);
}

static int bt_cmd_race_tas(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    return bt_race(a, v, n, why, "ba_test_and_set", ba_test_and_set,
                   a[0] < 64 ? UINT64_C(1) << a[0] : 0);
}

/* ---- the sieve ------------------------------------------------------------------------------ */

static struct ba bt_sieve; /* over a shared mapping: the team workers' */
static size_t bt_sieve_len;

static int bt_cmd_sieve_map(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    if (bt_sieve.words)
        munmap(bt_sieve.words, bt_sieve_len);
    bt_sieve_len = bt_round_pages(bt_nwords((size_t)a[0]) * 8 + 8);
    void *p = mmap(NULL, bt_sieve_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        bt_sieve.words = NULL;
        *why = "mmap of the shared sieve";
        return -1;
    }
    bt_sieve = (struct ba){p, (size_t)a[0], false};
    v[0] = (int64_t)(uintptr_t)p;
    *n = 1;
    return 0;
}

static int bt_cmd_sieve_range(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct ba *b = &bt_slot[0];
    if (a[0] > 64 * (uint64_t)BT_MAX_BITS) {
        *why = "sieve_range: at most 4194304 bits";
        errno = EINVAL;
        return -1;
    }
    bt_unmap_kit(0);
    uint64_t *w = bt_map_guarded(bt_nwords((size_t)a[0]), &bt_kit_mem[0], &bt_kit_len[0]);
    if (!w) {
        *why = "mmap of the sieve";
        return -1;
    }
    bt_kit_words[0] = w;
    *b = (struct ba){w, (size_t)a[0], false};
    long live = bt_alloc_live();
    cl_subject_calls("ba_sieve_range");
    bt_alloc_watch(a[3] > INT32_MAX ? INT32_MAX : (int)a[3]);
    errno = 0;
    v[0] = ba_sieve_range(b, (size_t)a[1], (size_t)a[2]);
    v[1] = errno;
    struct bt_alloc_watch seen = bt_alloc_unwatch();
    v[2] = (int64_t)(uintptr_t)w;
    v[3] = seen.attempts;
    v[4] = seen.failed;
    v[5] = live < 0 || bt_alloc_live() < 0 ? -1 : bt_alloc_live() - live;
    *n = 6;
    return 0;
}

/* ---- the sieve watched: every write to the array's words, seen ---------------------------- */

/* The array's page is read-only while ba_sieve_range runs, so that every write to its words
 * faults. At each fault "the neighbouring worker" first sets the bits of the faulting word
 * that lie outside [lo, hi) (the bits a neighbour's slice owns), then the write runs: one
 * atomic read-modify-write keeps them, a word read before the fault and stored after loses
 * them. On x86-64 the faulting instruction is also classified (locked or not, bt_is_locked)
 * and run alone under the trap flag, after which the page is read-only again: every write is
 * seen. Elsewhere the page stays writable after the first write: only that one is seen. */
static struct {
    unsigned char *page;
    size_t len;
    volatile uint64_t *words;
    size_t nwords, lo, hi;
    uint64_t touched; /* bit w: the neighbour set word w's outside bits */
    long faults, locked, unlocked;
    volatile sig_atomic_t on;
} bt_sw;

static uint64_t bt_outside_bits(size_t w, size_t lo, size_t hi)
{
    uint64_t out = 0;
    for (size_t b = 0; b < 64; b++) {
        size_t i = w * 64 + b;
        if (i < lo || i >= hi)
            out |= UINT64_C(1) << b;
    }
    return out;
}

static void bt_sw_on_segv(int sig, siginfo_t *si, void *ucv)
{
    unsigned char *at = si->si_addr;
    if (!bt_sw.on || at < bt_sw.page || at >= bt_sw.page + bt_sw.len) {
        signal(sig, SIG_DFL); /* not ours: the instruction runs again and the process dies */
        return;
    }
    bt_sw.faults++;
    mprotect(bt_sw.page, bt_sw.len, PROT_READ | PROT_WRITE);
    uintptr_t w0 = (uintptr_t)bt_sw.words;
    if ((uintptr_t)at >= w0 && (uintptr_t)at < w0 + bt_sw.nwords * 8) {
        size_t w = ((uintptr_t)at - w0) / 8;
        bt_sw.words[w] |= bt_outside_bits(w, bt_sw.lo, bt_sw.hi);
        bt_sw.touched |= UINT64_C(1) << w;
    }
#if defined(__x86_64__)
    ucontext_t *uc = ucv;
    if (bt_is_locked((const unsigned char *)uc->uc_mcontext.gregs[REG_RIP]))
        bt_sw.locked++;
    else
        bt_sw.unlocked++;
    uc->uc_mcontext.gregs[REG_EFL] |= (greg_t)BT_EFLAGS_TF; /* one instruction, then trap */
#else
    (void)ucv;
    bt_sw.on = 0; /* no single step here: the first write is the one seen */
#endif
}

#if defined(__x86_64__)
static void bt_sw_on_trap(int sig, siginfo_t *si, void *ucv)
{
    (void)sig, (void)si;
    ucontext_t *uc = ucv;
    uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)BT_EFLAGS_TF;
    if (bt_sw.on)
        mprotect(bt_sw.page, bt_sw.len, PROT_READ);
}
#endif

static int bt_cmd_sieve_watched(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct ba *b = &bt_slot[0];
    if (a[0] == 0 || a[0] > 64 * 64 || a[1] > a[2] || a[2] > a[0]) {
        *why = "sieve_watched: 1 to 4096 bits, LO <= HI <= N";
        errno = EINVAL;
        return -1;
    }
    bt_unmap_kit(0);
    size_t nw = bt_nwords((size_t)a[0]);
    uint64_t *w = bt_map_guarded(nw, &bt_kit_mem[0], &bt_kit_len[0]);
    if (!w) {
        *why = "mmap of the sieve";
        return -1;
    }
    bt_kit_words[0] = w;
    *b = (struct ba){w, (size_t)a[0], false};
    bt_sw.page = (unsigned char *)bt_kit_mem[0];
    bt_sw.len = bt_kit_len[0] - bt_page(); /* the words' pages, not the guard */
    bt_sw.words = w;
    bt_sw.nwords = nw;
    bt_sw.lo = (size_t)a[1];
    bt_sw.hi = (size_t)a[2];
    bt_sw.touched = 0;
    bt_sw.faults = bt_sw.locked = bt_sw.unlocked = 0;
    struct sigaction sa = {0}, old_segv;
    sa.sa_sigaction = bt_sw_on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, &old_segv);
#if defined(__x86_64__)
    struct sigaction old_trap;
    sa.sa_sigaction = bt_sw_on_trap;
    sigaction(SIGTRAP, &sa, &old_trap);
#endif
    mprotect(bt_sw.page, bt_sw.len, PROT_READ);
    bt_sw.on = 1;
    cl_subject_calls("ba_sieve_range");
    errno = 0;
    v[0] = ba_sieve_range(b, bt_sw.lo, bt_sw.hi);
    v[1] = errno;
    bt_sw.on = 0;
    mprotect(bt_sw.page, bt_sw.len, PROT_READ | PROT_WRITE);
    sigaction(SIGSEGV, &old_segv, NULL);
#if defined(__x86_64__)
    sigaction(SIGTRAP, &old_trap, NULL);
    v[3] = bt_sw.unlocked ? BT_UNLOCKED : bt_sw.locked ? BT_LOCKED : BT_NO_WRITE;
#else
    v[3] = BT_LOCK_UNKNOWN;
#endif
    v[2] = (int64_t)(uintptr_t)w;
    v[4] = bt_sw.faults;
    v[5] = (int64_t)bt_sw.touched;
    *n = 6;
    return 0;
}

/* ---- flags: N flags in four representations ------------------------------------------------ */

/* 3.11's and 3.12's refcount writes for the simulated list (the kit's: lab 02's student
 * functions are not part of this lab). 3.12: True and False are immortal, their low 32 bits
 * 0xFFFFFFFF: incref and decref leave them alone. */
static void bt_incref(struct rc_world *w, struct rc_object *o)
{
    if (rc_world_semantics(w) == RC_PY312 && (uint32_t)o->ob_refcnt == UINT32_MAX)
        return;
    o->ob_refcnt++;
}

static void bt_decref(struct rc_world *w, struct rc_object *o)
{
    if (rc_world_semantics(w) == RC_PY312 && (int32_t)o->ob_refcnt < 0)
        return;
    o->ob_refcnt--;
}

static void bt_immortal(struct rc_world *w, struct rc_object *o)
{
    if (rc_world_semantics(w) == RC_PY312)
        o->ob_refcnt = UINT32_MAX;
}

static void bt_no_freeze(struct rc_world *w)
{
    (void)w;
}

static const struct rc_hooks bt_hooks = {
    .outline_table_new = NULL, /* no out-of-line counts here */
    .make_immortal = bt_immortal,
    .incref = bt_incref,
    .decref = bt_decref,
    .gc_freeze = bt_no_freeze,
};

static struct {
    enum bt_rep rep;
    size_t n;
    unsigned char *base; /* a guarded mapping (bits, bytes, int32) */
    size_t len, guard;
    struct ba bits;
    struct rc_world *w; /* the lists */
    struct rc_list *list;
} bt_flags;

static void bt_flags_free(void)
{
    if (bt_flags.base)
        munmap(bt_flags.base - bt_flags.guard, bt_flags.len + 2 * bt_flags.guard);
    rc_world_free(bt_flags.w);
    memset(&bt_flags, 0, sizeof bt_flags);
}

/* len bytes of private anonymous base pages between two PROT_NONE guard pages: a VMA of
 * their own, whatever the kernel maps beside them. */
static unsigned char *bt_guarded(size_t len)
{
    size_t ps = bt_page();
    len = bt_round_pages(len);
    unsigned char *raw = mmap(NULL, len + 2 * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    if (mprotect(raw + ps, len, PROT_READ | PROT_WRITE) < 0) {
        munmap(raw, len + 2 * ps);
        return NULL;
    }
    madvise(raw + ps, len, MADV_NOHUGEPAGE);
    bt_flags.len = len;
    bt_flags.guard = ps;
    return raw + ps;
}

static int bt_build_plain(enum bt_rep rep, size_t n)
{
    size_t bytes = rep == BT_BITS ? bt_nwords(n) * 8 : rep == BT_BYTES ? n : 4 * n;
    unsigned char *p = bt_guarded(bytes);
    if (!p)
        return -1;
    bt_flags.base = p;
    if (rep == BT_BITS) {
        bt_flags.bits = (struct ba){(uint64_t *)p, n, false};
        cl_subject_calls("ba_set");
        for (size_t i = 0; i < n; i++)
            if (bt_flag(i))
                ba_set(&bt_flags.bits, i);
    } else if (rep == BT_BYTES) {
        for (size_t i = 0; i < n; i++)
            p[i] = (unsigned char)bt_flag(i);
    } else {
        int32_t *q = (int32_t *)p;
        for (size_t i = 0; i < n; i++)
            q[i] = bt_flag(i);
    }
    return 0;
}

static int bt_build_list(enum bt_rep rep, size_t n)
{
    enum rc_semantics s = rep == BT_LIST311 ? RC_PY311 : RC_PY312;
    bt_flags.w = rc_world_new(&rc_geometry_310, s, 64, n, 0, &bt_hooks);
    if (!bt_flags.w || !(bt_flags.list = rc_list_new(bt_flags.w, n)))
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct rc_int *o = rc_small_int(bt_flags.w, bt_flag(i)); /* True is 1, False 0 */
        if (!o)
            return -1;
        rc_list_append(bt_flags.w, bt_flags.list, &o->ob_base);
    }
    return 0;
}

static int bt_cmd_flags(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    bt_flags_free();
    if (a[0] >= BT_NREPS || a[1] == 0 || a[1] > (UINT64_C(1) << 24)) {
        *why = "flags: a representation 0 to 4, 1 to 2^24 flags";
        errno = EINVAL;
        return -1;
    }
    bt_flags.rep = (enum bt_rep)a[0];
    bt_flags.n = (size_t)a[1];
    int rc = a[0] <= BT_INT32 ? bt_build_plain(bt_flags.rep, bt_flags.n)
                              : bt_build_list(bt_flags.rep, bt_flags.n);
    if (rc < 0) {
        bt_flags_free();
        *why = "building the flags";
        return -1;
    }
    if (bt_flags.w) {
        const struct rc_region *items = rc_world_region(bt_flags.w, RC_ITEMS);
        const struct rc_region *small = rc_world_region(bt_flags.w, RC_SMALL);
        v[0] = (int64_t)(uintptr_t)items->base;
        v[1] = (int64_t)items->npages;
        v[2] = (int64_t)(uintptr_t)small->base;
        v[3] = (int64_t)small->npages;
        *n = 4;
    } else {
        v[0] = (int64_t)(uintptr_t)bt_flags.base;
        v[1] = (int64_t)(bt_flags.len / bt_page());
        *n = 2;
    }
    return 0;
}

/* Read every flag of the built representation; the number set. */
static int64_t bt_read_flags(void)
{
    int64_t set = 0;
    switch (bt_flags.rep) {
    case BT_BITS: cl_subject_calls("ba_count"); return (int64_t)ba_count(&bt_flags.bits);
    case BT_BYTES:
        for (size_t i = 0; i < bt_flags.n; i++)
            set += ((volatile unsigned char *)bt_flags.base)[i];
        return set;
    case BT_INT32:
        for (size_t i = 0; i < bt_flags.n; i++)
            set += ((volatile int32_t *)bt_flags.base)[i];
        return set;
    default: /* `for x in lst`, item by item: a new reference to each, dropped after use */
        for (size_t i = 0; i < bt_flags.n; i++) {
            struct rc_object *o = bt_flags.list->ob_item[i];
            bt_incref(bt_flags.w, o);
            set += rc_int_value((struct rc_int *)o);
            bt_decref(bt_flags.w, o);
        }
        return set;
    }
}

/* ---- team workers ---------------------------------------------------------------------------- */

static int bt_worker(void *arg, int worker, int phase, int64_t *report)
{
    const uint64_t *a = arg;
    (void)phase;
    switch (a[0]) {
    case BT_WORK_SIEVE: {
        size_t nb = (size_t)a[2];
        int k = (int)a[3];
        cl_subject_calls("ba_sieve_range");
        bt_alloc_watch(0);
        errno = 0;
        report[0] = ba_sieve_range(&bt_sieve, bt_slice(nb, k, worker), bt_slice(nb, k, worker + 1));
        report[1] = errno;
        bt_alloc_unwatch();
        return 0;
    }
    case BT_WORK_READ: report[0] = bt_read_flags(); return 0;
    default: return 1;
    }
}

static const struct cl_subject_op bt_ops[] = {
    {"kit", 4, bt_cmd_kit},
    {"put", 3, bt_cmd_put},
    {"new", 2, bt_cmd_new},
    {"wrap", 4, bt_cmd_wrap},
    {"free", 1, bt_cmd_free},
    {"set", 2, bt_cmd_set},
    {"clear", 2, bt_cmd_clear},
    {"toggle", 2, bt_cmd_toggle},
    {"test", 2, bt_cmd_test},
    {"seta", 2, bt_cmd_seta},
    {"tas", 2, bt_cmd_tas},
    {"count", 1, bt_cmd_count},
    {"next_set", 2, bt_cmd_next_set},
    {"next_clear", 2, bt_cmd_next_clear},
    {"scan", 2, bt_cmd_scan},
    {"each", 1, bt_cmd_each},
    {"and", 2, bt_cmd_and},
    {"or", 2, bt_cmd_or},
    {"xor", 2, bt_cmd_xor},
    {"not", 1, bt_cmd_not},
    {"race_set", 2, bt_cmd_race_set},
    {"race_tas", 1, bt_cmd_race_tas},
    {"words", 1, bt_cmd_words},
    {"sieve_map", 1, bt_cmd_sieve_map},
    {"sieve_range", 4, bt_cmd_sieve_range},
    {"sieve_watched", 3, bt_cmd_sieve_watched},
    {"flags", 2, bt_cmd_flags},
};

const struct cl_subject_lab cl_subject_lab = {
    .slug = "04-bit-arrays",
    .ops = bt_ops,
    .nops = sizeof bt_ops / sizeof bt_ops[0],
    .spawn = NULL, /* the team forks its workers itself */
    .spawn_name = "fork",
    .worker = bt_worker,
};
