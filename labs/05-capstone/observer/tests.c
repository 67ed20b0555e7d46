/*
 * tests.c — lab 05's graded tests, run by the observer. The table is tests.def. The prediction
 * tests ask the subject for the student's numbers over a grid and compare them with the kit's
 * model (experiments.c); the others run strategies for real and compare with the kernel. No
 * student function runs in this process.
 */
#include "05-capstone.h"
#include "cowlab/lab.h"
#include "experiments.h"
#include "protocol.h"
#include "scene.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Shapes of the prediction grid besides the experiments' (cap_shapes). */
static const struct cap_params cap_grid_extra[] = {
    {0, 4},         /* empty lists: three list objects */
    {1, 4},         /* one array each */
    {3000, 512},    /* the largest pymalloc buffers */
    {40, 516},      /* the smallest system ones */
    {2, 128 << 10}, /* exactly the mmap threshold */
    {700, 48},      /* the items of 700 slots: 5600 bytes, system */
};

static bool cap_ask(const char *what, int64_t *v, int n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool cap_ask(const char *what, int64_t *v, int n, const char *fmt, ...)
{
    char cmd[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    struct cl_link *L = cl_lab_subject();
    int got = 0;
    if (cl_link_call(L, v, n, &got, "%s", cmd) != 0 || got < n) {
        cl_cannot_subject(what, L, what);
        return false;
    }
    return true;
}

/* ---- predict ------------------------------------------------------------------------------ */

static int cap_shown; /* differences spelled out so far in this test */

static void cap_differs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void cap_differs(const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cap_shown++ < 6)
        CL_FAIL("%s", msg);
}

/* What a wrong prediction most likely got wrong. A total a few kB off, with the worker's pages
 * right, is most often the truncation (once per mapping in each process, 3 mappings at most,
 * K + 1 processes), but a page too many or too few can be as close: the hint says both. */
static const char *cap_predict_hint(const struct cap_prediction *want, const int64_t *got,
                                    unsigned k)
{
    int64_t off = got[0] - (int64_t)want->total_pss_kb;
    if ((uint64_t)got[1] != want->worker_private_dirty_kb)
        return "worker_private_dirty_kb is what ONE worker copies under this strategy (the "
               "chapter's section 2, its row): nothing else";
    if (off != 0 && off >= -3 * ((int64_t)k + 1) && off <= 3 * ((int64_t)k + 1))
        return "a few kB off: if you truncate a process's Pss once, truncate each mapping's "
               "instead, then add (the chapter's section 3); if you do, count the pages and "
               "mapcounts again (section 2)";
    return "which pages each process maps, and with which mapcount (the chapter's section 2, "
           "this strategy's row), then each mapping's Pss as the kernel adds it (section 3)";
}

/* One (shape, page size): every strategy and K. false if the subject failed. */
static bool cap_predict_one(const struct cap_params *p, size_t page)
{
    static const unsigned ks[] = {1, 12, 2, 3};
    /* Under valgrind (the hygiene test) K = 1 and 12 take every path of cap_predict. */
    size_t nks = cl_hygiene_running() ? 2 : sizeof ks / sizeof ks[0];
    struct cap_layout l;
    if (cap_layout_of(p, page, &l) < 0) {
        CL_FAIL("the kit's layout of %zu arrays of %zu bytes failed", p->arrays, p->array_bytes);
        return false;
    }
    for (int s = 0; s < CAP_NSTRATEGIES; s++)
        for (size_t i = 0; i < nks; i++) {
            struct cap_prediction want;
            int64_t v[2];
            if (cap_model(&l, (enum cap_strategy)s, ks[i], &want) < 0) {
                CL_FAIL("the model ran out of memory");
                return false;
            }
            if (!cap_ask("cap_predict", v, 2, "predict %d %u %zu %zu %zu", s, ks[i], p->arrays,
                         p->array_bytes, page))
                return false;
            if ((uint64_t)v[0] != want.total_pss_kb ||
                (uint64_t)v[1] != want.worker_private_dirty_kb)
                cap_differs("cap_predict(%s, K=%u) for %zu arrays of %zu bytes on %zu-byte pages "
                            "(layout: heap %zu pages, %zu of them refcount pages, system %zu, "
                            "segment %zu): expected total_pss_kb %" PRIu64
                            " and worker_private_dirty_kb %" PRIu64 ", got %" PRId64 " and %" PRId64
                            " -- hint: %s",
                            cap_strategy_name((enum cap_strategy)s), ks[i], p->arrays,
                            p->array_bytes, page, l.heap_pages, l.refcount_pages, l.system_pages,
                            l.segment_pages, want.total_pss_kb, want.worker_private_dirty_kb, v[0],
                            v[1], cap_predict_hint(&want, v, ks[i]));
        }
    return true;
}

static void test_predict(void)
{
    static const size_t pages[] = {4096, 65536, 16384};
    /* Under valgrind (the hygiene test) the smallest and the largest page take every path. */
    size_t npages = cl_hygiene_running() ? 2 : sizeof pages / sizeof pages[0];
    cap_shown = 0;
    for (size_t g = 0; g < npages; g++) {
        for (int i = 0; i < cap_nshapes; i++)
            if (!cap_predict_one(&cap_shapes[i].p, pages[g]))
                return;
        for (size_t i = 0; i < sizeof cap_grid_extra / sizeof cap_grid_extra[0]; i++)
            if (!cap_predict_one(&cap_grid_extra[i], pages[g]))
                return;
    }
    if (cap_shown > 6)
        CL_FAIL("%d more predictions differ (this line is one check for them all)", cap_shown - 6);
}

/* ---- extrapolate -------------------------------------------------------------------------- */

/* The extrapolation against the model: the lists at the question's shape plus one interpreter
 * per process. Where the student's own cap_predict differs from the model at that shape, the
 * failure says so: cap_predict is the one to fix (and `predict` fails too). */
static void test_extrapolate(void)
{
    static const struct {
        struct cap_params p;
        size_t page;
        unsigned k;
        uint64_t interp_kb;
    } cases[] = {
        {{64, 1 << 20}, 4096, 12, 9000},   {{65536, 256}, 4096, 12, 9000},
        {{4096, 4096}, 16384, 12, 12000},  {{20000, 80}, 4096, 3, 0},
        {{16, 32 << 20}, 65536, 1, 10000}, /* 1.5 GiB of data */
    };
    cap_shown = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int s = 0; s < CAP_NSTRATEGIES; s++) {
            /* Under valgrind (the hygiene test), 20,000 arrays take the paths 65,536 do. */
            if (cl_hygiene_running() && cases[c].p.arrays > 20000)
                continue;
            struct cap_layout l;
            struct cap_prediction model;
            int64_t pr[2], v[1];
            if (cap_layout_of(&cases[c].p, cases[c].page, &l) < 0 ||
                cap_model(&l, (enum cap_strategy)s, cases[c].k, &model) < 0) {
                CL_FAIL("the kit's model failed: %s", strerror(errno));
                return;
            }
            uint64_t want = model.total_pss_kb + ((uint64_t)cases[c].k + 1) * cases[c].interp_kb;
            if (!cap_ask("cap_extrapolate_kb", v, 1, "extrapolate %d %u %zu %zu %zu %" PRIu64, s,
                         cases[c].k, cases[c].p.arrays, cases[c].p.array_bytes, cases[c].page,
                         cases[c].interp_kb) ||
                !cap_ask("cap_predict", pr, 2, "predict %d %u %zu %zu %zu", s, cases[c].k,
                         cases[c].p.arrays, cases[c].p.array_bytes, cases[c].page))
                return;
            if ((uint64_t)v[0] == want)
                continue;
            char because[160] = "";
            if ((uint64_t)pr[0] != model.total_pss_kb)
                snprintf(because, sizeof because,
                         "; your cap_predict gives %" PRId64
                         " kB for these lists, the model %" PRIu64
                         ": fix cap_predict first (test predict)",
                         pr[0], model.total_pss_kb);
            cap_differs("cap_extrapolate_kb(%zu arrays of %zu bytes, %zu-byte pages, %s, K=%u, "
                        "interp_kb=%" PRIu64 "): expected %" PRIu64 " kB (the lists: %" PRIu64
                        " kB, and %u interpreters), got %" PRId64 "%s",
                        cases[c].p.arrays, cases[c].p.array_bytes, cases[c].page,
                        cap_strategy_name((enum cap_strategy)s), cases[c].k, cases[c].interp_kb,
                        want, model.total_pss_kb, cases[c].k + 1, v[0], because);
        }
    if (cap_shown > 6)
        CL_FAIL("%d more extrapolations differ (this line is one check for them all)",
                cap_shown - 6);
}

/* ---- attach -------------------------------------------------------------------------------- */

/* The virtual size (kB) of every mapping of the subject: what a cap_attach adds. */
static int64_t cap_subject_vm_kb(void)
{
    struct cl_mem m;
    return cl_mem_mappings(cl_lab_subject()->pid, &m) == 0 ? (int64_t)m.kb[CL_SIZE] : -1;
}

/* cap_attach of tag (0: a name that does not exist) and bytes; checks that a failure leaves
 * nothing open or mapped. Returns the mapping (0 on failure). */
static uint64_t cap_try_attach(uint64_t tag, size_t bytes, int want_errno, const char *what)
{
    int64_t v[4], vm_before = cap_subject_vm_kb();
    char label[160];
    if (!cap_ask("cap_attach", v, 4, "attach %" PRIu64 " %zu", tag, bytes))
        return 0;
    int64_t vm_after = cap_subject_vm_kb();
    snprintf(label, sizeof label, "open descriptors after cap_attach(%s)", what);
    CL_CHECK_EQ(v[2], v[3], label, "cap_attach must close the descriptor shm_open gave it");
    if (want_errno) {
        if (v[0] != 0) {
            CL_FAIL("cap_attach(%s) returned %p: expected NULL with errno %s", what, CL_ADDR(v[0]),
                    strerrorname_np(want_errno));
            return (uint64_t)v[0];
        }
        if (v[1] != want_errno)
            CL_FAIL("cap_attach(%s) returned NULL with errno %s (%s): expected %s", what,
                    strerrorname_np((int)v[1]) ? strerrorname_np((int)v[1]) : "0",
                    strerror((int)v[1]), strerrorname_np(want_errno));
        snprintf(label, sizeof label, "the subject's mapped kB after cap_attach(%s)", what);
        CL_CHECK_EQ(vm_before, vm_after, label, "a failed cap_attach leaves nothing mapped");
        return 0;
    }
    if (v[0] == 0) {
        CL_FAIL("cap_attach(%s) returned NULL with errno %s (%s): expected the mapping", what,
                strerrorname_np((int)v[1]) ? strerrorname_np((int)v[1]) : "0", strerror((int)v[1]));
        return 0;
    }
    size_t page = cl_page_size();
    snprintf(label, sizeof label, "the subject's mapped kB after cap_attach(%s)", what);
    CL_CHECK_EQ(vm_before + (int64_t)((bytes + page - 1) / page * page / 1024), vm_after, label,
                "cap_attach adds one mapping of the segment's size");
    return (uint64_t)v[0];
}

/* cap_attach of the first `part` bytes of segment tag maps those bytes, not the segment, and
 * cap_detach of them leaves nothing mapped. */
static void cap_attach_part(uint64_t tag, size_t part)
{
    int64_t v[2], vm_before = cap_subject_vm_kb();
    uint64_t m = cap_try_attach(tag, part, 0, "the first half of the segment");
    if (m && cap_ask("cap_detach", v, 2, "detach %" PRIu64 " %zu", m, part))
        CL_CHECK_EQ(vm_before, cap_subject_vm_kb(), "the subject's mapped kB after cap_detach",
                    "cap_attach maps the bytes asked for, and cap_detach unmaps them: nothing is "
                    "left");
}

/* Attach the segment of p's shape, check the mapping, sum it, detach. */
static void cap_attach_sum_detach(uint64_t tag, const struct cap_params *p)
{
    size_t bytes = CAP_LISTS * p->arrays * p->array_bytes;
    int64_t v[2];
    char what[96];
    snprintf(what, sizeof what, "the segment of %zu arrays of %zu bytes a list", p->arrays,
             p->array_bytes);
    uint64_t m = cap_try_attach(tag, bytes, 0, what);
    if (!m)
        return;
    struct cl_mem got;
    if (cl_mem_region(cl_lab_subject()->pid, CL_ADDR(m), bytes, &got) == 0 && got.vmas) {
        CL_CHECK_EQ(0, got.kb[CL_RSS], "Rss of the mapping cap_attach returned",
                    "attaching touches no page: a read or a copy would map them");
        CL_CHECK_EQ((bytes + cl_page_size() - 1) / cl_page_size() * cl_page_size() / 1024,
                    got.kb[CL_SIZE], "Size of that mapping (kB)",
                    "one mapping of exactly the segment's bytes, not a copy in the heap");
        CL_CHECK_EQ(got.vmas, got.shared_vmas,
                    "MAP_SHARED mappings at the address cap_attach returned",
                    "SharedMemory maps the segment MAP_SHARED: a MAP_PRIVATE mapping would give "
                    "a writer private copies");
        CL_CHECK_EQ(0, got.writable_vmas, "writable mappings at the address cap_attach returned",
                    "a worker only reads: cap_attach maps the segment PROT_READ");
    } else {
        CL_FAIL("the address cap_attach returned (%p) is not a mapping of the subject", CL_ADDR(m));
    }
    if (cap_ask("cap_sum", v, 1, "sum %" PRIu64 " %zu %zu", m, p->arrays, p->array_bytes))
        CL_CHECK_EQ(cap_expected_sum(p), v[0], "cap_sum of the segment",
                    "list 0 counts set bits, to its last byte; lists 1 and 2 add their int32 "
                    "values, which can be negative and whose sum does not fit in an int");
    if (cap_ask("cap_detach", v, 2, "detach %" PRIu64 " %zu", m, bytes)) {
        CL_CHECK_EQ(0, v[0], "cap_detach's result", "munmap of the mapping");
        if (cl_mem_region(cl_lab_subject()->pid, CL_ADDR(m), bytes, &got) == 0 &&
            got.kb[CL_SIZE] != 0)
            CL_FAIL("after cap_detach the mapping at %p is still there (%" PRIu64 " kB)",
                    CL_ADDR(m), got.kb[CL_SIZE]);
    }
}

static void test_attach(void)
{
    static const struct cap_params shapes[] = {{512, 256}, {3, 12}}; /* list 0: 36 bytes */
    int64_t seg[3], v[1];
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const struct cap_params *p = &shapes[i];
        size_t bytes = CAP_LISTS * p->arrays * p->array_bytes;
        if (!cap_ask("creating the segment", seg, 3, "segment %zu %zu", p->arrays, p->array_bytes))
            return;
        if (i == 0) {
            cap_try_attach(0, bytes, ENOENT, "a segment that does not exist");
            cap_try_attach(0, 0, EINVAL, "a size of 0, and no such segment");
            cap_try_attach((uint64_t)seg[0], 0, EINVAL, "a size of 0");
            cap_try_attach((uint64_t)seg[0], bytes + 1, EINVAL, "one byte more than the segment");
        }
        cap_attach_sum_detach((uint64_t)seg[0], p);
        if (i == 0)
            cap_attach_part((uint64_t)seg[0], bytes / 2);
        cap_ask("dropping the segment", v, 0, "drop");
    }
}

/* ---- strategies, measured ---------------------------------------------------------------------
 */

/* Run one strategy and check every row it added. */
static void cap_check(enum cap_strategy s, const struct cap_shape *sh, int k, bool predict)
{
    char exp[40];
    snprintf(exp, sizeof exp, "%s.%s", cap_strategy_name(s), sh->name);
    CL_RUN_AND_CHECK(exp, cap_exp_strategy(r, s, sh, k, predict, false, NULL));
}

static void test_shared_workers(void)
{
    for (int i = 0; i < cap_nshapes; i += 2)
        cap_check(CAP_SHARED, &cap_shapes[i], 3, false);
}

static void test_measured(void)
{
    for (int s = 0; s < CAP_NSTRATEGIES; s++)
        for (int i = 0; i < 2; i++)
            cap_check((enum cap_strategy)s, &cap_shapes[i], 2, true);
}

/* Memory hygiene: the pure tests again under valgrind's memcheck (harness/hygiene.c). */
static void test_hygiene(void)
{
    cl_hygiene_test();
}

static const struct cl_test cap_tests[] = {
#include "cowlab/tests-table.h"
};

static int cap_run_experiments(struct cl_results *r)
{
    static const int ks[] = {1, 2, 4, 8, 12};
    int rc = 0;
    for (int s = 0; s < CAP_NSTRATEGIES; s++)
        for (int i = 0; i < cap_nshapes; i++)
            for (size_t k = 0; k < sizeof ks / sizeof ks[0]; k++)
                rc |= cap_exp_strategy(r, (enum cap_strategy)s, &cap_shapes[i], ks[k], true,
                                       ks[k] == 2 && i == 0, NULL);
    return rc ? -1 : 0;
}

const struct cl_lab cl_this_lab = {
#include "cowlab/tests-lab.h"
    .slug = "05-capstone",
    .tests = cap_tests,
    .ntests = sizeof cap_tests / sizeof cap_tests[0],
    .run_experiments = cap_run_experiments,
    .summary = {{"all", "total_pss_kb", "total Pss"},
                {"parent", "Pss", "Pss par"},
                {"worker1", "Private_Dirty", "PrivD w1"},
                {"worker1", "sum", "sum w1"}},
    .command_name = "predict",
    .command_usage = "STRATEGY ARRAYS BYTES K [PAGE]  the model for that shape (name=value)",
    .command = cap_command,
};
