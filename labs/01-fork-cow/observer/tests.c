/*
 * tests.c — lab 01's graded tests, run by the observer. The table is tests.def; each test
 * runs experiments (see experiments.h) and checks every row exactly, or asks the subject for
 * the student's predictions over a grid of inputs and compares them with the harness's model.
 * No student function runs in this process: the subject runs them (subject.c).
 */
#include "01-fork-cow.h"
#include "cowlab/lab.h"
#include "cowlab/mem.h"
#include "cowlab/model.h"
#include "experiments.h"
#include "protocol.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* One command whose answer is n values; on failure the test says why (once) and returns
 * false. */
static bool fc_ask(struct cl_link *L, const char *what, int64_t *v, int n, int *got,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static bool fc_ask(struct cl_link *L, const char *what, int64_t *v, int n, int *got,
                   const char *fmt, ...)
{
    char cmd[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int count = 0;
    if (cl_link_call(L, v, n, &count, "%s", cmd) != 0) {
        cl_cannot_subject(what, L, what);
        return false;
    }
    if (got)
        *got = count;
    return true;
}

/* cow_map when the call `call` (FC_FAIL_MMAP, FC_FAIL_MADVISE) fails inside it: NULL, that
 * call's errno, and nothing left mapped where mmap put the buffer (the subject says where). */
static void fc_check_map_failure(struct cl_link *L, size_t n, int call)
{
    bool by_mmap = call == FC_FAIL_MMAP;
    const char *name = by_mmap ? "mmap" : "madvise", *err = by_mmap ? "ENOMEM" : "EAGAIN";
    int64_t v[5];
    if (!fc_ask(L, "cow_map", v, 5, NULL, "map_failing %zu %d", n, call))
        return;
    char what[128];
    if (!by_mmap && v[4] == 0) { /* no call to fail: say that, not what its failure needs */
        CL_CHECK_EQ(1, v[4] > 0, "cow_map calls madvise (1: yes)",
                    "after mmap, madvise(buf, npages * page size, MADV_NOHUGEPAGE), and when it "
                    "fails, munmap the buffer and return NULL with madvise's errno");
        return;
    }
    snprintf(what, sizeof what, "cow_map's return value when %s fails (0: NULL)", name);
    if (v[0] != 0) { /* it did not fail: its errno and cleanup are not what is wrong */
        CL_CHECK_EQ(0, v[0], what,
                    v[0] == -1 ? "cow_map returned MAP_FAILED, (void *)-1, which is not NULL: "
                                 "compare mmap's result with MAP_FAILED, and on any failure "
                                 "return NULL"
                    : by_mmap  ? "return NULL when mmap returns MAP_FAILED"
                               : "madvise failed and cow_map returned the buffer anyway: check "
                                 "madvise's result, munmap the buffer, return NULL with its errno");
        return;
    }
    snprintf(what, sizeof what, "errno after cow_map, when %s failed with %s (%d)", name, err,
             by_mmap ? ENOMEM : EAGAIN);
    CL_CHECK_EQ(by_mmap ? ENOMEM : EAGAIN, v[1], what,
                by_mmap ? "compare mmap's result with MAP_FAILED and return NULL at once: calls "
                          "made after it (madvise, munmap of MAP_FAILED) replace its errno"
                        : "save errno before munmap and put it back: the caller must see why "
                          "madvise failed");
    struct cl_mem m;
    if (v[2] != 0 && cl_mem_region(L->pid, CL_ADDR(v[2]), (size_t)v[3], &m) == 0)
        CL_CHECK_EQ(0, m.vmas, "VMAs left where mmap put the buffer, after cow_map failed",
                    "munmap the buffer before returning NULL: nothing may stay mapped");
}

static void test_map_private(void)
{
    struct cl_link *L = cl_lab_subject();
    size_t n = 64, ps = cl_page_size();
    int64_t v[2], rc[2];
    if (!fc_ask(L, "cow_map", v, 2, NULL, "map %zu", n))
        return;
    if (v[0] == 0) {
        CL_FAIL("cow_map(%zu) returned NULL (errno %d: %s)", n, (int)v[1], strerror((int)v[1]));
        return;
    }
    uint64_t buf = (uint64_t)v[0];
    CL_CHECK_EQ(0, buf % ps, "cow_map's address modulo the page size",
                "mmap returns page-aligned memory: do not offset it");
    struct cl_mem m;
    if (cl_mem_region(L->pid, CL_ADDR(buf), n * ps, &m) < 0) {
        CL_FAIL("no mapping at the address cow_map returned (%s)", strerror(errno));
        return;
    }
    CL_CHECK_EQ(n * ps / 1024, m.kb[CL_SIZE], "Size of the buffer's VMA (kB)",
                "map npages * page size bytes, no more, no less");
    /* The subject keeps a PROT_NONE guard page right after every private anonymous mapping
     * (its own VMA): a buffer a page short would still add up to npages pages with it. */
    CL_CHECK_EQ(1, m.vmas, "VMAs over the npages pages from cow_map's address",
                "one mmap of npages * page size bytes covers them all: a second VMA there means "
                "the buffer is shorter than npages pages");
    CL_CHECK_EQ(m.vmas, m.nohuge_vmas,
                "VMAs of the buffer the kernel marks nh, for MADV_NOHUGEPAGE (smaps' VmFlags)",
                "call madvise(buf, npages * page size, MADV_NOHUGEPAGE) after mmap: without it "
                "a THP kernel may back the buffer with 2 MiB pages, and a fork's first write "
                "then copies 2 MiB");
    CL_CHECK_EQ(0, m.kb[CL_RSS], "Rss of the freshly mapped buffer (kB)",
                "cow_map must not touch the pages: memory is allocated on first write");
    /* One page written: a private anonymous page is Anonymous; a MAP_SHARED one is shmem. */
    if (!fc_ask(L, "writing one byte of the buffer", NULL, 0, NULL, "poke 0x%" PRIx64, buf))
        return;
    if (cl_mem_region(L->pid, CL_ADDR(buf), n * ps, &m) == 0) {
        CL_CHECK_EQ(ps / 1024, m.kb[CL_ANONYMOUS], "Anonymous kB after writing one page",
                    "use MAP_PRIVATE | MAP_ANONYMOUS: a MAP_SHARED page is shmem, not Anonymous");
        CL_CHECK_EQ(0, m.kb[CL_ANON_HUGE], "AnonHugePages (kB)",
                    "madvise(MADV_NOHUGEPAGE) keeps the buffer on base pages");
    }
    if (!fc_ask(L, "cow_unmap", rc, 2, NULL, "unmap 0x%" PRIx64 " %zu", buf, n))
        return;
    if (rc[0] != 0)
        CL_FAIL("cow_unmap returned %lld (errno %d: %s)", (long long)rc[0], (int)rc[1],
                strerror((int)rc[1]));
    else if (cl_mem_region(L->pid, CL_ADDR(buf), n * ps, &m) == 0)
        CL_CHECK_EQ(0, m.vmas, "VMAs left at the buffer's address after cow_unmap",
                    "munmap the whole length: npages * page size");
    fc_check_map_failure(L, n, FC_FAIL_MMAP);
    fc_check_map_failure(L, n, FC_FAIL_MADVISE);
}

static void test_spawn(void)
{
    enum { K = 5 };
    struct cl_link *L = cl_lab_subject();
    int64_t v[2 + K], st[K];
    int got = 0;
    if (!fc_ask(L, "cow_spawn", v, 2 + K, &got, "spawn_probe %d", K))
        return;
    CL_CHECK_EQ(0, v[0], "cow_spawn's return value", "return 0 when every fork succeeded");
    int children = 0;
    for (int i = 0; i < K && 2 + i < got; i++)
        children += cl_link_verify_pid(L, v[2 + i]) > 0;
    CL_CHECK_EQ(K, children, "pids[0..k) that are children of the process that called cow_spawn",
                "fill pids[0..k) in the parent with fork()'s return values; do not wait for them "
                "in cow_spawn");
    if (!fc_ask(L, "reaping the children", st, K, NULL, "reap_probe"))
        return;
    struct {
        int ran[FC_PROBE_MAX];
        pid_t pid[FC_PROBE_MAX];
    } page;
    if (cl_link_peek(L->pid, (uint64_t)v[1], &page, sizeof page) < 0) {
        CL_FAIL("cannot read the spawn test's page in the subject: %s", strerror(errno));
        return;
    }
    int reaped = 0, ok_exits = 0, ran = 0, same = 0;
    for (int i = 0; i < K; i++) {
        reaped += st[i] != -1;
        ok_exits += st[i] != -1 && WIFEXITED(st[i]) && WEXITSTATUS(st[i]) == 0;
        ran += page.ran[i] == 1;
        same += page.pid[i] == v[2 + i];
    }
    CL_CHECK_EQ(K, reaped, "children reapable through pids[]",
                "fill pids[0..k) in the parent; do not wait for them in cow_spawn");
    CL_CHECK_EQ(K, ok_exits, "children that exited with status 0",
                "after child() returns, call _exit(0): a child that returns from cow_spawn "
                "runs the parent's code (status 99 here)");
    CL_CHECK_EQ(K, ran, "child indices 0..k-1 that ran exactly once",
                "child i must call child(i, arg) once");
    CL_CHECK_EQ(K, same, "pids[i] that are the pid of the child that ran child(i, ...)",
                "store fork()'s return value in pids[i] for child i");
    /* A fork that fails: the third of four. */
    int64_t f[5];
    if (!fc_ask(L, "cow_spawn", f, 5, NULL, "spawn_failing 4 2"))
        return;
    CL_CHECK_EQ(-1, f[0], "cow_spawn's return value when the third of 4 forks fails",
                "return -1 when a fork fails");
    CL_CHECK_EQ(EAGAIN, f[1], "errno after cow_spawn failed (fork failed with EAGAIN)",
                "leave fork's errno for the caller: save it before kill and waitpid");
    CL_CHECK_EQ(0, cl_link_children(L),
                "children left (running or unreaped) after the failed cow_spawn",
                "kill (SIGKILL) and waitpid the children already forked before returning -1");
    /* The slot before pids[0] and the slots the failed spawn did not fill held the pid of a
     * sleeping process that is not one of its children (a decoy, see subject.c). */
    CL_CHECK_EQ(f[2], f[3], "pids[-1] after the failed cow_spawn (the pid it held before)",
                "write only pids[0..k): the slot before pids[0] is the caller's");
    int decoy_st = (int)f[4];
    CL_CHECK_EQ(1, decoy_st != -1 && WIFSIGNALED(decoy_st) && WTERMSIG(decoy_st) == SIGTERM,
                "the process whose pid sat in pids[-1] and pids[2..4) left alone by the failed "
                "cow_spawn (1: yes)",
                decoy_st == -1
                    ? "cow_spawn reaped it: waitpid only pids[0..i), the children it forked"
                    : "cow_spawn killed it: kill only pids[0..i), the children it forked");
}

/* cow_read over 8 pages whose bytes are all 1 in page 0, 2 in page 1, ..., with a ninth such
 * page after them: the sum of one byte of each of the 8, none skipped, none past the end. */
static void fc_check_read_sum(struct cl_link *L)
{
    enum { N = 8 };
    int64_t got;
    if (!fc_ask(L, "cow_read", &got, 1, NULL, "read_pattern %d", N))
        return;
    CL_CHECK_EQ(N * (N + 1) / 2, got,
                "cow_read's return value for 8 pages whose bytes are 1 (page 0) to 8 (page 7)",
                "read one byte of each page 0 .. npages - 1 and return the sum of the bytes read");
}

static void test_zero_page(void)
{
    fc_check_read_sum(cl_lab_subject());
    CL_RUN_AND_CHECK("zero_page", fc_exp_zero_page(r, FC_NPAGES, 2));
}

static void test_shared_after_fork(void)
{
    static const int ks[] = {1, 2, 3, 4};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        CL_RUN_AND_CHECK("shared", fc_exp_shared(r, "shared", FC_NPAGES, ks[i]));
}

static void test_child_writes(void)
{
    static const size_t strides[] = {1, 3, 4, 64, FC_NPAGES, 0};
    for (size_t i = 0; i < sizeof strides / sizeof strides[0]; i++)
        CL_RUN_AND_CHECK("child_writes", fc_exp_child_writes(r, FC_NPAGES, strides[i]));
}

static void test_first_writer(void)
{
    CL_RUN_AND_CHECK("parent_writes", fc_exp_parent_writes(r, FC_NPAGES, 3));
}

static void test_sibling_exit(void)
{
    CL_RUN_AND_CHECK("sibling_exit", fc_exp_sibling_exit(r, FC_NPAGES, 3));
}

static void test_page_map(void)
{
    CL_RUN_AND_CHECK("page_map", fc_exp_page_map(r, FC_MAP_NPAGES));
}

/* Page counts whose PSS, shared 3, 5, 6 or 7 ways, shows the kernel's truncation; 4098 pages
 * shared 3 ways is the one the truncation experiment measures (5463 kB, not 16392 / 3). */
static const size_t fc_sizes[] = {1, 2, 3, 7, 100, 1000, 4096, 4097, 4098, 262144, 1000003};

static void test_predict_pss(void)
{
    struct cl_link *L = cl_lab_subject();
    size_t ps = cl_page_size();
    int shown = 0;
    for (size_t i = 0; i < sizeof fc_sizes / sizeof fc_sizes[0]; i++) {
        for (unsigned m = 0; m <= 13; m++) {
            uint64_t want = m ? cl_model_pss_uniform_kb(fc_sizes[i], m, ps) : 0;
            int64_t got;
            if (!fc_ask(L, "cow_predict_shared_pss_kb", &got, 1, NULL, "p_shared %zu %u %zu",
                        fc_sizes[i], m, ps))
                return;
            if ((int64_t)want != got && shown++ < 6) {
                char what[96];
                snprintf(what, sizeof what, "cow_predict_shared_pss_kb(npages=%zu, nprocs=%u)",
                         fc_sizes[i], m);
                CL_CHECK_EQ(want, got, what,
                            m ? "the kernel divides per page ((page_size << 12) / nprocs), sums, "
                                "then shifts right by 12 + 10: truncation happens once, at the end"
                              : "no process, no PSS");
            }
        }
    }
    if (shown > 6)
        CL_FAIL("%d more predictions differ (this line is one check for them all)", shown - 6);
}

/* One writer, the model's way: w pages mapped once, npages - w mapped twice. */
static void fc_model_one_writer(size_t n, size_t stride, size_t ps, struct cl_mem *out)
{
    unsigned *mc = malloc((n ? n : 1) * sizeof *mc);
    if (!mc) {
        memset(out, 0, sizeof *out);
        return;
    }
    for (size_t p = 0; p < n; p++)
        mc[p] = 2;
    for (size_t p = 0; stride && p < n; p += stride) /* pages 0, stride, 2 * stride, ... */
        mc[p] = 1;
    cl_model_anon_region(mc, NULL, n, ps, out);
    free(mc);
}

/* Compare every prediction for one (npages, stride); with report, spell out what differs.
 * Returns true if all agree. */
static bool fc_check_one_writer(struct cl_link *L, size_t n, size_t st, size_t ps, bool report)
{
    size_t kb = ps / 1024;
    uint64_t w = st ? (n + st - 1) / st : 0;
    struct cl_mem m;
    fc_model_one_writer(n, st, ps, &m);
    int64_t f[8] = {-1, -1, -1, -1, -1, -1, -1, -1}, written = -1, faults = -1;
    if (cl_link_call(L, f, 8, NULL, "p_one_writer %zu %zu %zu", n, st, ps) != 0 ||
        cl_link_call(L, &written, 1, NULL, "p_written %zu %zu", n, st) != 0 ||
        cl_link_call(L, &faults, 1, NULL, "p_minflt %zu %zu", n, st) != 0) {
        cl_cannot_subject("predictions", L, "a prediction");
        return false;
    }
    struct cow_expect wr = {(uint64_t)f[0], (uint64_t)f[1], (uint64_t)f[2], (uint64_t)f[3]};
    struct cow_expect ot = {(uint64_t)f[4], (uint64_t)f[5], (uint64_t)f[6], (uint64_t)f[7]};
    const struct {
        const char *what;
        uint64_t want, got;
        const char *hint;
    } c[] = {
        {"cow_predict_pages_written", w, (uint64_t)written,
         "pages 0, stride, 2*stride, ... below npages: round up; stride 0 writes nothing"},
        {"cow_predict_minor_faults", w, (uint64_t)faults,
         "one copy-on-write fault per page written"},
        {"cow_predict_one_writer: writer->rss_kb", n * kb, wr.rss_kb, "every page stays resident"},
        {"cow_predict_one_writer: writer->pss_kb", m.kb[CL_PSS], wr.pss_kb,
         "written pages count whole, the rest half; the kernel truncates once, at the end"},
        {"cow_predict_one_writer: writer->private_dirty_kb", m.kb[CL_PRIVATE_DIRTY],
         wr.private_dirty_kb, "the writer's copies are mapped once"},
        {"cow_predict_one_writer: writer->shared_dirty_kb", m.kb[CL_SHARED_DIRTY],
         wr.shared_dirty_kb, "pages nobody wrote stay shared by both"},
        {"cow_predict_one_writer: other->rss_kb", n * kb, ot.rss_kb, "every page stays resident"},
        {"cow_predict_one_writer: other->pss_kb", m.kb[CL_PSS], ot.pss_kb,
         "the other's originals are mapped once now: they count whole"},
        {"cow_predict_one_writer: other->private_dirty_kb", m.kb[CL_PRIVATE_DIRTY],
         ot.private_dirty_kb, "after the copy, the original page has mapcount 1: private"},
        {"cow_predict_one_writer: other->shared_dirty_kb", m.kb[CL_SHARED_DIRTY],
         ot.shared_dirty_kb, "pages nobody wrote stay shared by both"},
    };
    bool ok = true, written_wrong = c[0].want != c[0].got;
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        if (c[i].want == c[i].got)
            continue;
        ok = false;
        if (!report)
            continue;
        char what[160], hint[300];
        snprintf(what, sizeof what, "npages=%zu stride=%zu: %s", n, st, c[i].what);
        /* The other predictions usually count the written pages the same way: say where to
         * start rather than send the student after each of them. */
        snprintf(hint, sizeof hint, "%s%s", c[i].hint,
                 i > 0 && written_wrong
                     ? " (cow_predict_pages_written is wrong for this case too: fix it first, "
                       "this may follow from it)"
                     : "");
        CL_CHECK_EQ(c[i].want, c[i].got, what, hint);
    }
    return ok;
}

/* Rss (kB) of npages pages read once by a process, per the model with or without the zero
 * page. */
static uint64_t fc_model_untouched_rss_kb(size_t npages, size_t ps, int zero_page)
{
    struct cl_cow *c = cl_cow_new(npages, 1, zero_page ? CL_READ_ZERO_PAGE : CL_READ_FRESH_DIRTY);
    if (!c)
        return UINT64_MAX;
    for (size_t i = 0; i < npages; i++)
        cl_cow_read(c, 0, i);
    struct cl_mem m;
    cl_cow_region(c, 0, ps, &m);
    cl_cow_free(c);
    return m.kb[CL_RSS];
}

static void test_predict_writes(void)
{
    struct cl_link *L = cl_lab_subject();
    size_t ps = cl_page_size();
    static const size_t strides[] = {0, 1, 2, 3, 4, 5, 64, 4095, 4096, 4097};
    /* Both kernels' behaviours, whatever this machine does: the model's Rss of a region
     * read once (cl_cow_read) with and without the zero page. */
    /* Under valgrind (the hygiene test) the sizes up to 4098 pages take every path of the
     * predictions; the two largest only make the kit's per-page model (natively) slower. */
    size_t nsizes = sizeof fc_sizes / sizeof fc_sizes[0] - (cl_hygiene_running() ? 2 : 0);
    bool untouched_ok = true;
    for (int zp = 1; zp >= 0 && untouched_ok; zp--) {
        for (size_t i = 0; i < nsizes && untouched_ok; i++) {
            uint64_t want = fc_model_untouched_rss_kb(fc_sizes[i], ps, zp);
            int64_t got;
            if (cl_link_call(L, &got, 1, NULL, "p_untouched %zu %zu %d", fc_sizes[i], ps, zp) !=
                0) {
                cl_cannot_subject("predictions", L, "cow_predict_untouched_rss_kb");
                return;
            }
            if ((int64_t)want == got)
                continue;
            char what[96];
            snprintf(what, sizeof what, "cow_predict_untouched_rss_kb(npages=%zu, zero_page=%d)",
                     fc_sizes[i], zp);
            CL_CHECK_EQ(want, got, what,
                        zp ? "a read of a never-written page maps the shared zero page: Rss stays 0"
                           : "without the zero page each page read gets a page of its own");
            untouched_ok = false;
        }
    }
    int bad = 0;
    for (size_t i = 0; i < nsizes; i++)
        for (size_t j = 0; j < sizeof strides / sizeof strides[0]; j++)
            bad += !fc_check_one_writer(L, fc_sizes[i], strides[j], ps, bad < 2);
    if (L->failed)
        return;
    if (bad > 2)
        CL_FAIL("%d more (npages, stride) cases differ (this line is one check for them all; "
                "the checks above are the first two cases')",
                bad - 2);
}

/* Memory hygiene: the pure tests again under valgrind's memcheck (harness/hygiene.c). */
static void test_hygiene(void)
{
    cl_hygiene_test();
}

static const struct cl_test fc_tests[] = {
#include "cowlab/tests-table.h"
};

static int fc_run_experiments(struct cl_results *r)
{
    int rc = 0;
    rc |= fc_exp_zero_page(r, FC_NPAGES, 2);
    for (int k = 1; k <= 7; k++)
        rc |= fc_exp_shared(r, "shared", FC_NPAGES, k);
    rc |= fc_exp_shared(r, "truncation", FC_TRUNC_NPAGES, 2); /* 5463 kB, not 5464 */
    static const size_t strides[] = {FC_NPAGES, 512, 128, 64, 32, 16, 8, 4, 3, 2, 1};
    for (size_t i = 0; i < sizeof strides / sizeof strides[0]; i++)
        rc |= fc_exp_child_writes(r, FC_NPAGES, strides[i]);
    rc |= fc_exp_parent_writes(r, FC_NPAGES, 3);
    rc |= fc_exp_sibling_exit(r, FC_NPAGES, 3);
    rc |= fc_exp_page_map(r, FC_MAP_NPAGES);
    for (size_t mib = 64; mib <= 1024; mib *= 2)
        rc |= fc_exp_fork_time(r, mib);
    return rc ? -1 : 0;
}

const struct cl_lab cl_this_lab = {
#include "cowlab/tests-lab.h"
    .slug = "01-fork-cow",
    .tests = fc_tests,
    .ntests = sizeof fc_tests / sizeof fc_tests[0],
    .run_experiments = fc_run_experiments,
    .summary = {{"parent", "Pss", "Pss par"},
                {"child1", "Pss", "Pss ch1"},
                {"child1", "Private_Dirty", "PrivD ch1"},
                {"parent", "fork_us", "fork us"}},
};
