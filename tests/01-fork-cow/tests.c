/*
 * tests.c — lab 01's graded tests. The table is tests.def; each test runs experiments (see
 * experiments.h) and checks every row exactly, or compares the student's predictions with
 * the harness's model over a grid of inputs.
 */
#include "01-fork-cow.h"
#include "cowlab/lab.h"
#include "cowlab/model.h"
#include "experiments.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run one experiment into a fresh table and check all of its rows. */
#define FC_RUN_AND_CHECK(experiment_name, call)                                                    \
    do {                                                                                           \
        struct cl_results r_;                                                                      \
        cl_results_init(&r_);                                                                      \
        struct cl_results *r = &r_;                                                                \
        if ((call) == 0)                                                                           \
            CL_CHECK_ROWS(r, experiment_name);                                                     \
        cl_results_free(&r_);                                                                      \
    } while (0)

static void test_map_private(void)
{
    size_t n = 64, ps = cl_page_size();
    errno = 0;
    unsigned char *buf = cow_map(n);
    if (!buf) {
        CL_FAIL("cow_map(%zu) returned NULL (errno %d: %s)", n, errno, strerror(errno));
        return;
    }
    CL_CHECK_EQ(0, (uintptr_t)buf % ps, "cow_map's address modulo the page size",
                "mmap returns page-aligned memory: do not offset it");
    struct cl_mem m;
    if (cl_mem_region(0, buf, n * ps, &m) < 0) {
        CL_FAIL("cannot read smaps for the buffer: %s", strerror(errno));
    } else {
        CL_CHECK_EQ(n * ps / 1024, m.kb[CL_SIZE], "Size of the buffer's VMA (kB)",
                    "map npages * page size bytes, no more, no less");
        CL_CHECK_EQ(0, m.kb[CL_RSS], "Rss of the freshly mapped buffer (kB)",
                    "cow_map must not touch the pages: memory is allocated on first write");
    }
    buf[0] = 1;
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    /* A private mapping's written page is visible in a child without touching it: a shared
     * one (MAP_SHARED) is not mapped into the child until it faults. Check in this process:
     * the page must be anonymous and not shmem. */
    if (pid > 0)
        waitpid(pid, NULL, 0);
    if (cl_mem_region(0, buf, n * ps, &m) == 0) {
        CL_CHECK_EQ(ps / 1024, m.kb[CL_ANONYMOUS], "Anonymous kB after writing one page",
                    "use MAP_PRIVATE | MAP_ANONYMOUS: a MAP_SHARED page is shmem, not Anonymous");
        CL_CHECK_EQ(0, m.kb[CL_ANON_HUGE], "AnonHugePages (kB)",
                    "madvise(MADV_NOHUGEPAGE) keeps the buffer on base pages");
    }
    if (cow_unmap(buf, n) != 0)
        CL_FAIL("cow_unmap returned non-zero: %s", strerror(errno));
    else if (cl_mem_region(0, buf, n * ps, &m) == 0)
        CL_CHECK_EQ(0, m.vmas, "VMAs left at the buffer's address after cow_unmap",
                    "munmap the whole length: npages * page size");
}

/* The child function for the spawn test: report through a shared page. */
struct fc_spawn_probe {
    volatile int ran[8];
    volatile pid_t pid[8];
};

static void fc_spawn_child(int i, void *arg)
{
    struct fc_spawn_probe *p = arg;
    if (i >= 0 && i < 8) {
        p->ran[i]++;
        p->pid[i] = getpid();
    }
    /* return: cow_spawn must _exit for us */
}

static void test_spawn(void)
{
    enum { K = 5 };
    struct fc_spawn_probe *p =
        mmap(NULL, sizeof *p, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        CL_FAIL("mmap: %s", strerror(errno));
        return;
    }
    memset((void *)p, 0, sizeof *p);
    pid_t me = getpid(), pids[K] = {0};
    int rc = cow_spawn(K, fc_spawn_child, p, pids);
    if (getpid() != me)
        _exit(99); /* a child came back out of cow_spawn: the parent will see status 99 */
    CL_CHECK_EQ(0, rc, "cow_spawn's return value", "return 0 when every fork succeeded");
    int ok_exits = 0, reaped = 0;
    for (int i = 0; i < K; i++) {
        int st;
        if (pids[i] <= 0 || waitpid(pids[i], &st, 0) != pids[i])
            continue;
        reaped++;
        ok_exits += WIFEXITED(st) && WEXITSTATUS(st) == 0;
        CL_CHECK_EQ(pids[i], p->pid[i], "pid stored in pids[i] vs pid of the child that ran i",
                    "store fork()'s return value in pids[i] for child i");
    }
    CL_CHECK_EQ(K, reaped, "children reapable through pids[]",
                "fill pids[0..k) in the parent; do not wait for them in cow_spawn");
    CL_CHECK_EQ(K, ok_exits, "children that exited with status 0",
                "after child() returns, call _exit(0): a child that returns from cow_spawn "
                "runs the parent's code (status 99 here)");
    int ran = 0;
    for (int i = 0; i < K; i++)
        ran += p->ran[i] == 1;
    CL_CHECK_EQ(K, ran, "child indices 0..k-1 that ran exactly once",
                "child i must call child(i, arg) once");
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    munmap((void *)p, sizeof *p);
}

static void test_zero_page(void)
{
    FC_RUN_AND_CHECK("zero_page", fc_exp_zero_page(r, FC_NPAGES, 2));
}

static void test_shared_after_fork(void)
{
    static const int ks[] = {1, 2, 3, 4};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        FC_RUN_AND_CHECK("shared", fc_exp_shared(r, "shared", FC_NPAGES, ks[i]));
}

static void test_child_writes(void)
{
    static const size_t strides[] = {1, 3, 4, 64, FC_NPAGES};
    for (size_t i = 0; i < sizeof strides / sizeof strides[0]; i++)
        FC_RUN_AND_CHECK("child_writes", fc_exp_child_writes(r, FC_NPAGES, strides[i]));
}

static void test_first_writer(void)
{
    FC_RUN_AND_CHECK("parent_writes", fc_exp_parent_writes(r, FC_NPAGES, 3));
}

static void test_sibling_exit(void)
{
    FC_RUN_AND_CHECK("sibling_exit", fc_exp_sibling_exit(r, FC_NPAGES, 3));
}

static void test_page_map(void)
{
    FC_RUN_AND_CHECK("page_map", fc_exp_page_map(r, FC_MAP_NPAGES));
}

/* Page counts whose PSS, shared 3, 5, 6 or 7 ways, shows the kernel's truncation. */
static const size_t fc_sizes[] = {1, 2, 3, 7, 100, 1000, 4096, 4097, 262144, 1000003};

static void test_predict_pss(void)
{
    size_t ps = cl_page_size();
    int shown = 0;
    for (size_t i = 0; i < sizeof fc_sizes / sizeof fc_sizes[0]; i++) {
        for (unsigned m = 1; m <= 13; m++) {
            uint64_t want = cl_model_pss_uniform_kb(fc_sizes[i], m, ps);
            uint64_t got = cow_predict_shared_pss_kb(fc_sizes[i], m, ps);
            if (want != got && shown++ < 6) {
                char what[96];
                snprintf(what, sizeof what, "cow_predict_shared_pss_kb(npages=%zu, nprocs=%u)",
                         fc_sizes[i], m);
                CL_CHECK_EQ(want, got, what,
                            "the kernel divides per page ((page_size << 12) / nprocs), sums, "
                            "then shifts right by 12 + 10: truncation happens once, at the end");
            }
        }
    }
    /* The measured side: the predictions beside what the kernel prints for 4098 pages
     * shared 3 ways: 16392 kB / 3 is exactly 5464, yet the kernel prints 5463, because
     * each page adds (4096 << 12) / 3, rounded down, before the sum is shifted. */
    struct cl_results r;
    cl_results_init(&r);
    if (fc_exp_shared(&r, "truncation", FC_TRUNC_NPAGES, 2) == 0) {
        for (size_t i = 0; i < r.n; i++)
            if (strcmp(r.rows[i].metric, "Pss") == 0)
                CL_CHECK_EQ(r.rows[i].measured, cow_predict_shared_pss_kb(FC_TRUNC_NPAGES, 3, ps),
                            "Pss measured for 4098 pages shared by 3 processes vs "
                            "cow_predict_shared_pss_kb(4098, 3)",
                            "predict what the kernel prints, not the exact quotient");
    }
    cl_results_free(&r);
    if (shown > 6)
        CL_FAIL("%d more predictions differ", shown - 6);
    CL_CHECK_EQ(0, cow_predict_shared_pss_kb(100, 0, ps), "cow_predict_shared_pss_kb(100, 0)",
                "no process, no PSS");
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
        mc[p] = (stride && p % stride == 0) ? 1 : 2;
    cl_model_anon_region(mc, NULL, n, ps, out);
    free(mc);
}

/* Compare every prediction for one (npages, stride); with report, spell out what differs.
 * Returns true if all agree. */
static bool fc_check_one_writer(size_t n, size_t st, size_t ps, bool report)
{
    size_t kb = ps / 1024;
    uint64_t w = st ? (n + st - 1) / st : 0;
    struct cl_mem m;
    fc_model_one_writer(n, st, ps, &m);
    struct cow_expect wr, ot;
    memset(&wr, 0xff, sizeof wr);
    memset(&ot, 0xff, sizeof ot);
    cow_predict_one_writer(n, st, ps, &wr, &ot);
    const struct {
        const char *what;
        uint64_t want, got;
        const char *hint;
    } c[] = {
        {"cow_predict_pages_written", w, cow_predict_pages_written(n, st),
         "pages 0, stride, 2*stride, ... below npages: round up; stride 0 writes nothing"},
        {"cow_predict_minor_faults", w, cow_predict_minor_faults(n, st),
         "one copy-on-write fault per page written"},
        {"writer->rss_kb", n * kb, wr.rss_kb, "every page stays resident"},
        {"writer->pss_kb", m.kb[CL_PSS], wr.pss_kb,
         "written pages count whole, the rest half; the kernel truncates once, at the end"},
        {"writer->private_dirty_kb", m.kb[CL_PRIVATE_DIRTY], wr.private_dirty_kb,
         "the writer's copies are mapped once"},
        {"writer->shared_dirty_kb", m.kb[CL_SHARED_DIRTY], wr.shared_dirty_kb,
         "pages nobody wrote stay shared by both"},
        {"other->rss_kb", n * kb, ot.rss_kb, "every page stays resident"},
        {"other->pss_kb", m.kb[CL_PSS], ot.pss_kb,
         "the other's originals are mapped once now: they count whole"},
        {"other->private_dirty_kb", m.kb[CL_PRIVATE_DIRTY], ot.private_dirty_kb,
         "after the copy, the original page has mapcount 1: private"},
        {"other->shared_dirty_kb", m.kb[CL_SHARED_DIRTY], ot.shared_dirty_kb,
         "pages nobody wrote stay shared by both"},
    };
    bool ok = true;
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        if (c[i].want == c[i].got)
            continue;
        ok = false;
        if (!report)
            continue;
        char what[128];
        snprintf(what, sizeof what, "npages=%zu stride=%zu: %s", n, st, c[i].what);
        CL_CHECK_EQ(c[i].want, c[i].got, what, c[i].hint);
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
    size_t ps = cl_page_size();
    static const size_t strides[] = {0, 1, 2, 3, 4, 5, 64, 4095, 4096, 4097};
    /* Both kernels' behaviours, whatever this machine does: the model's Rss of a region
     * read once (cl_cow_read) with and without the zero page. */
    bool untouched_ok = true;
    for (int zp = 1; zp >= 0 && untouched_ok; zp--) {
        for (size_t i = 0; i < sizeof fc_sizes / sizeof fc_sizes[0] && untouched_ok; i++) {
            uint64_t want = fc_model_untouched_rss_kb(fc_sizes[i], ps, zp);
            uint64_t got = cow_predict_untouched_rss_kb(fc_sizes[i], ps, zp);
            if (want == got)
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
    for (size_t i = 0; i < sizeof fc_sizes / sizeof fc_sizes[0]; i++)
        for (size_t j = 0; j < sizeof strides / sizeof strides[0]; j++)
            bad += !fc_check_one_writer(fc_sizes[i], strides[j], ps, bad < 2);
    if (bad > 2)
        CL_FAIL("%d more (npages, stride) cases differ", bad - 2);
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
    .slug = "01-fork-cow",
    .tests = fc_tests,
    .ntests = sizeof fc_tests / sizeof fc_tests[0],
    .run_experiments = fc_run_experiments,
    .summary = {{"parent", "Pss", "Pss par"},
                {"child1", "Pss", "Pss ch1"},
                {"child1", "Private_Dirty", "PrivD ch1"},
                {"parent", "fork_us", "fork us"}},
};
