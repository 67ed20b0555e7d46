/*
 * experiments.c — lab 01's experiments, run by the observer (contracts in experiments.h).
 *
 * Shape of every experiment: the subject's process (the "parent") maps the buffer with the
 * student's cow_map, prepares it, and starts a team of workers through the student's
 * cow_spawn, all on the observer's command (subject.c lists the commands); the subject holds
 * the workers at a barrier; here a copy-on-write simulation (harness/model) replays the same
 * writes page by page; then every process's region is measured from here and set beside the
 * simulation's numbers. Nothing here reads /proc: cowlab/mem.h does.
 */
#include "experiments.h"

#include "01-fork-cow.h"
#include "cowlab/lab.h"
#include "cowlab/model.h"
#include "cowlab/team.h"
#include "protocol.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long workers may take to reach a barrier: the reference takes milliseconds. */
enum { FC_TIMEOUT_MS = 3000 };

/* One experiment in flight. */
struct fc_scene {
    const char *name;
    struct cl_results *r;
    struct cl_link *L;
    uint64_t buf; /* the buffer's address in the subject */
    size_t npages;
    struct cl_cow *sim;          /* slot 0 = parent, slot i+1 = worker i */
    pid_t pids[CL_TEAM_MAX + 1]; /* [0] the subject's process, [i+1] worker i (verified) */
    bool alive[CL_TEAM_MAX + 1];
    bool team_up;
    int k;
    int work; /* what the workers do (protocol.h), with nphases phases */
    int nphases;
    size_t stride;
};

static const char *const fc_states[] = {"absent", "shared", "private", "zero"};

const char *fc_state_name(int state)
{
    return state >= 0 && state < 4 ? fc_states[state] : "?";
}

static int fc_cannot(struct fc_scene *s, const char *what)
{
    return cl_cannot(s->name, what);
}

/* The subject failed a command (or failed for good): say so, once. */
static int fc_subject_failed(struct fc_scene *s, const char *what)
{
    return cl_cannot_subject(s->name, s->L, what);
}

static int fc_begin(struct fc_scene *s, const char *name, struct cl_results *r, size_t npages,
                    int k)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->r = r;
    s->npages = npages;
    s->k = k;
    s->nphases = 1;
    s->L = cl_lab_subject();
    s->sim = cl_cow_new(npages, (unsigned)k + 1, cl_read_fault_of_machine());
    if (!s->sim)
        return fc_cannot(s, "the model");
    s->pids[0] = s->L->pid;
    s->alive[0] = true;
    int64_t v[2];
    if (cl_link_call(s->L, v, 2, NULL, "map %zu", npages) != 0) {
        fc_subject_failed(s, "cow_map");
        goto fail;
    }
    if (v[0] == 0) {
        errno = (int)v[1];
        CL_FAIL_OR_SAY("%s: cow_map(%zu) returned NULL (errno %d: %s)", name, npages, (int)v[1],
                       strerror((int)v[1]));
        goto fail;
    }
    s->buf = (uint64_t)v[0];
    return 0;
fail:
    cl_cow_free(s->sim);
    s->sim = NULL;
    return -1;
}

static void fc_end(struct fc_scene *s)
{
    if (s->team_up)
        cl_link_call(s->L, NULL, 0, NULL, "finish 1000");
    if (s->buf)
        cl_link_call(s->L, NULL, 0, NULL, "unmap 0x%" PRIx64 " %zu", s->buf, s->npages);
    cl_cow_free(s->sim);
    s->buf = 0;
    s->sim = NULL;
}

/* The parent writes every page of the buffer; the model replays it. */
static int fc_fill_all(struct fc_scene *s)
{
    if (cl_link_call(s->L, NULL, 0, NULL, "fill 0x%" PRIx64 " %zu", s->buf, s->npages) != 0)
        return fc_subject_failed(s, "cow_fill");
    for (size_t i = 0; i < s->npages; i++)
        cl_cow_write(s->sim, 0, i);
    return 0;
}

/* Wait until every live worker is at the barrier. */
static int fc_await(struct fc_scene *s)
{
    if (cl_link_call(s->L, NULL, 0, NULL, "await %d", cl_link_deadline_ms(FC_TIMEOUT_MS)) != 0)
        return fc_subject_failed(s, errno == ECHILD ? "a child died"
                                                    : "waiting for the children "
                                                      "at the barrier");
    return 0;
}

/* Fork the workers (through the student's cow_spawn), let them run phase 0, hold them. The
 * pids they report must be the subject's children. */
static int fc_fork(struct fc_scene *s)
{
    for (int i = 0; i < s->k; i++)
        cl_cow_fork(s->sim, 0, (unsigned)i + 1);
    int64_t v[CL_TEAM_MAX];
    int n = 0;
    if (cl_link_call(s->L, v, CL_TEAM_MAX, &n, "team %d %d %d 0x%" PRIx64 " %zu %zu", s->k,
                     s->nphases, s->work, s->buf, s->npages, s->stride) != 0)
        return fc_subject_failed(
            s, errno == ESRCH ? "cow_spawn (pids[] must hold the k children's pids)" : "cow_spawn");
    s->team_up = true;
    for (int i = 0; i < s->k; i++) {
        s->pids[i + 1] = i < n ? cl_link_verify_pid(s->L, v[i]) : -1;
        s->alive[i + 1] = true;
        if (s->pids[i + 1] <= 0) {
            errno = ESRCH;
            return fc_cannot(s, "cow_spawn (pids[] must hold the k children's pids)");
        }
    }
    return fc_await(s);
}

static int64_t fc_report(struct fc_scene *s, int worker, int slot)
{
    int64_t v[CL_TEAM_REPORTS];
    int n = 0;
    if (cl_link_call(s->L, v, CL_TEAM_REPORTS, &n, "report %d", worker) != 0 || slot >= n)
        return INT64_MIN;
    return v[slot];
}

static pid_t fc_pid(const struct fc_scene *s, unsigned p)
{
    return s->pids[p];
}

static void fc_proc_name(unsigned p, char *out, size_t n)
{
    if (p == 0)
        snprintf(out, n, "parent");
    else
        snprintf(out, n, "child%u", p);
}

/* Measure process p's region and pages and add rows: the smaps fields the model knows, and
 * three page counts from pagemap (private, shared-looking, differing from the model). With
 * per_page, also one page_state row per page. */
static int fc_measure(struct fc_scene *s, unsigned p, const char *phase, int64_t x,
                      const char *hint, bool per_page)
{
    char proc[16];
    fc_proc_name(p, proc, sizeof proc);
    struct cl_mem want, got;
    cl_cow_region(s->sim, p, cl_page_size(), &want);
    if (cl_measure_alone(s->name, "the buffer", fc_pid(s, p), CL_ADDR(s->buf),
                         s->npages * cl_page_size(), &got) < 0)
        return -1;
    if (cl_results_add_mem(s->r, s->name, x, proc, phase, &want, &got, hint) < 0)
        return fc_cannot(s, "recording");

    struct cl_page *pages = calloc(s->npages, sizeof *pages);
    if (!pages)
        return fc_cannot(s, "allocating the page table copy");
    if (cl_pages(fc_pid(s, p), CL_ADDR(s->buf), s->npages, pages) < 0) {
        free(pages);
        return fc_cannot(s, "measuring the buffer (pagemap)");
    }
    uint64_t zero = cl_zero_pfn();
    int64_t priv = 0, shared = 0, wrong = 0, want_priv = 0, want_shared = 0;
    for (size_t i = 0; i < s->npages; i++) {
        enum cl_page_state m = cl_page_state_of(&pages[i], zero);
        enum cl_page_state e = cl_page_state_visible(cl_cow_state(s->sim, p, i), zero != 0);
        priv += m == CL_PAGE_PRIVATE;
        shared += m == CL_PAGE_SHARED;
        want_priv += e == CL_PAGE_PRIVATE;
        want_shared += e == CL_PAGE_SHARED;
        wrong += m != e;
        if (per_page)
            cl_results_add(s->r, s->name, (int64_t)i, proc, phase, "page_state", e, m, "state",
                           "pagemap: 0 absent, 1 shared, 2 private (bit 56), 3 zero page");
    }
    free(pages);
    cl_results_add(s->r, s->name, x, proc, phase, "pages_private", want_priv, priv, "pages",
                   "pages with pagemap bit 56 (exclusively mapped)");
    cl_results_add(s->r, s->name, x, proc, phase, "pages_shared", want_shared, shared, "pages",
                   "present pages without bit 56");
    cl_results_add(s->r, s->name, x, proc, phase, "pages_wrong", 0, wrong, "pages",
                   "pages whose state differs from the model: right count, wrong pages?");
    return 0;
}

static int fc_measure_all(struct fc_scene *s, const char *phase, int64_t x, const char *hint)
{
    for (unsigned p = 0; p <= (unsigned)s->k; p++)
        if (s->alive[p] && fc_measure(s, p, phase, x, hint, false) < 0)
            return -1;
    return 0;
}

static int fc_finish(struct fc_scene *s)
{
    s->team_up = false;
    if (cl_link_call(s->L, NULL, 0, NULL, "finish %d", cl_link_deadline_ms(FC_TIMEOUT_MS)) != 0)
        return fc_subject_failed(s, "a child exited badly or did not exit");
    return 0;
}

/* ---- the experiments ----------------------------------------------------------------- */

int fc_exp_zero_page(struct cl_results *r, size_t npages, int k)
{
    struct fc_scene s;
    if (fc_begin(&s, "zero_page", r, npages, k) < 0)
        return -1;
    s.work = FC_WORK_READ;
    int rc = -1;
    int64_t sum;
    if (cl_link_call(s.L, &sum, 1, NULL, "read 0x%" PRIx64 " %zu", s.buf, npages) != 0) {
        fc_subject_failed(&s, "cow_read");
        goto out;
    }
    for (size_t i = 0; i < npages; i++)
        cl_cow_read(s.sim, 0, i);
    if (fc_fork(&s) < 0)
        goto out;
    cl_results_add(r, s.name, k, "parent", "after_read", "read_sum", 0, sum, "bytes",
                   "a never-written page reads as zeros");
    for (int i = 0; i < k; i++) {
        char proc[16];
        fc_proc_name((unsigned)i + 1, proc, sizeof proc);
        cl_results_add(r, s.name, k, proc, "after_read", "read_sum", 0, fc_report(&s, i, 0),
                       "bytes", "a never-written page reads as zeros");
    }
    /* The hint follows what this kernel does on a read fault (cowlab doctor: zero_page). */
    const char *hint =
        cl_read_fault_of_machine() == CL_READ_ZERO_PAGE
            ? "this kernel maps the shared zero page on a read: Rss stays 0. Did cow_read or "
              "cow_map write?"
            : "this kernel has no zero page: a read gives the parent a page of its own, which "
              "the children then share; a child's read changes nothing. Did cow_read write?";
    if (fc_measure_all(&s, "after_read", k, hint) < 0)
        goto out;
    rc = fc_finish(&s);
out:
    fc_end(&s);
    return rc;
}

int fc_exp_shared(struct cl_results *r, const char *name, size_t npages, int k)
{
    struct fc_scene s;
    if (fc_begin(&s, name, r, npages, k) < 0)
        return -1;
    int rc = -1;
    s.work = FC_WORK_IDLE;
    if (fc_fill_all(&s) < 0 || fc_fork(&s) < 0)
        goto out;
    if (fc_measure_all(&s, "after_fork", k,
                       "after fork every written page is mapped by K+1 processes: "
                       "Pss = sum of (page << 12) / (K+1), truncated once") < 0)
        goto out;
    rc = fc_finish(&s);
out:
    fc_end(&s);
    return rc;
}

/* The pages cow_write_every(stride) must write, replayed in the model by process p. */
static int64_t fc_sim_write_every(struct fc_scene *s, unsigned p, size_t npages, size_t stride)
{
    int64_t n = 0;
    for (size_t i = 0; stride && i < npages; i += stride, n++)
        cl_cow_write(s->sim, p, i);
    return n;
}

/* Count only the faults of the writes themselves, from /proc/PID/stat at the two barriers
 * around them. In phase 0 the worker ran the same code on a page of its own: the stack it
 * uses is its own by then (writing a page still shared with the parent is a copy-on-write
 * fault), and the code of cow_write_every and libc is mapped in it (fork does not copy the
 * page tables of file mappings). So phase 1 faults once per page of the buffer it writes. */
int fc_exp_child_writes(struct cl_results *r, size_t npages, size_t stride)
{
    struct fc_scene s;
    if (fc_begin(&s, "child_writes", r, npages, 1) < 0)
        return -1;
    int rc = -1;
    s.work = FC_WORK_WRITE;
    s.nphases = 2;
    s.stride = stride;
    if (fc_fill_all(&s) < 0 || fc_fork(&s) < 0)
        goto out;
    int64_t before = cl_minor_faults(s.pids[1]);
    if (cl_link_call(s.L, NULL, 0, NULL, "release") != 0) {
        fc_subject_failed(&s, "letting the child write");
        goto out;
    }
    if (fc_await(&s) < 0)
        goto out;
    int64_t after = cl_minor_faults(s.pids[1]);
    int64_t w = fc_sim_write_every(&s, 1, npages, stride);
    cl_results_add(r, s.name, w, "child1", "after_write", "pages_written", w, fc_report(&s, 0, 0),
                   "pages", "what cow_write_every returned");
    cl_results_add(r, s.name, w, "child1", "after_write", "minflt", w,
                   before < 0 || after < 0 ? -1 : after - before, "faults",
                   "one minor fault per page written: each first write to a shared page "
                   "is one copy-on-write fault");
    if (fc_measure_all(&s, "after_write", w,
                       "the writer owns exactly the pages it wrote; the other process's "
                       "originals are mapped once now, so they are private too") < 0)
        goto out;
    rc = fc_finish(&s);
out:
    fc_end(&s);
    return rc;
}

int fc_exp_parent_writes(struct cl_results *r, size_t npages, size_t stride)
{
    struct fc_scene s;
    if (fc_begin(&s, "parent_writes", r, npages, 1) < 0)
        return -1;
    int rc = -1;
    s.work = FC_WORK_IDLE;
    struct cl_page *before = calloc(npages, sizeof *before);
    struct cl_page *now = calloc(npages, sizeof *now);
    if (fc_fill_all(&s) < 0)
        goto out_free;
    cl_cow_mark_original(s.sim, 0);
    if (!before || !now || cl_pages(s.pids[0], CL_ADDR(s.buf), npages, before) < 0) {
        fc_cannot(&s, "reading the parent's pagemap");
        goto out_free;
    }
    if (fc_fork(&s) < 0)
        goto out_free;
    int64_t n;
    if (cl_link_call(s.L, &n, 1, NULL, "write_every 0x%" PRIx64 " %zu %zu", s.buf, npages,
                     stride) != 0) {
        fc_subject_failed(&s, "cow_write_every");
        goto out_free;
    }
    int64_t w = fc_sim_write_every(&s, 0, npages, stride);
    cl_results_add(r, s.name, w, "parent", "after_write", "pages_written", w, n, "pages",
                   "what cow_write_every returned");
    if (fc_measure_all(&s, "after_write", w,
                       "the first writer gets the copy: the parent's written pages are new "
                       "frames, the child keeps the originals, now mapped once") < 0)
        goto out_free;
    /* With PFNs visible (root), show who kept the original frames. */
    if (before[0].pfn) {
        for (unsigned p = 0; p <= 1; p++) {
            if (cl_pages(fc_pid(&s, p), CL_ADDR(s.buf), npages, now) < 0) {
                fc_cannot(&s, "reading pagemap");
                goto out_free;
            }
            int64_t kept = 0, want = 0;
            for (size_t i = 0; i < npages; i++) {
                kept += now[i].pfn == before[i].pfn;
                want += cl_cow_has_original(s.sim, p, i);
            }
            cl_results_add(r, s.name, w, p ? "child1" : "parent", "after_write", "pages_original",
                           want, kept, "pages", "frames (PFNs) unchanged since before fork");
        }
    }
    rc = fc_finish(&s);
out_free:
    free(before);
    free(now);
    fc_end(&s);
    return rc;
}

int fc_exp_sibling_exit(struct cl_results *r, size_t npages, int k)
{
    struct fc_scene s;
    if (fc_begin(&s, "sibling_exit", r, npages, k) < 0)
        return -1;
    int rc = -1;
    s.work = FC_WORK_IDLE;
    if (fc_fill_all(&s) < 0 || fc_fork(&s) < 0)
        goto out;
    if (fc_measure_all(&s, "all_alive", k, "K+1 processes share every page") < 0)
        goto out;
    if (cl_link_call(s.L, NULL, 0, NULL, "kill %d", k - 1) != 0) {
        fc_subject_failed(&s, "stopping the last child");
        goto out;
    }
    s.alive[k] = false;
    cl_cow_exit(s.sim, (unsigned)k);
    if (fc_measure_all(&s, "after_exit", k,
                       "a sibling's exit leaves K processes mapping each page: each survivor's "
                       "share of every page grows") < 0)
        goto out;
    rc = fc_finish(&s);
out:
    fc_end(&s);
    return rc;
}

/* Page-map scene: the parent wrote the first 3/4; child1 writes every 4th page, child2 the
 * second quarter, child3 only reads; then the parent writes every 16th page of its part. */
int fc_exp_page_map(struct cl_results *r, size_t npages)
{
    struct fc_scene s;
    if (fc_begin(&s, "page_map", r, npages, 3) < 0)
        return -1;
    int rc = -1;
    size_t q = npages / 4;
    s.work = FC_WORK_MAP;
    if (cl_link_call(s.L, NULL, 0, NULL, "fill 0x%" PRIx64 " %zu", s.buf, 3 * q) != 0) {
        fc_subject_failed(&s, "cow_fill");
        goto out;
    }
    for (size_t i = 0; i < 3 * q; i++)
        cl_cow_write(s.sim, 0, i);
    if (fc_fork(&s) < 0)
        goto out;
    fc_sim_write_every(&s, 1, npages, 4);
    for (size_t i = q; i < 2 * q; i++)
        cl_cow_write(s.sim, 2, i);
    for (size_t i = 0; i < npages; i++)
        cl_cow_read(s.sim, 3, i);
    if (cl_link_call(s.L, NULL, 0, NULL, "write_every 0x%" PRIx64 " %zu 16", s.buf, 3 * q) != 0) {
        fc_subject_failed(&s, "cow_write_every");
        goto out;
    }
    fc_sim_write_every(&s, 0, 3 * q, 16);
    for (unsigned p = 0; p <= 3; p++)
        if (fc_measure(&s, p, "final", (int64_t)npages,
                       "each writer owns what it wrote; the others share what is left", true) < 0)
            goto out;
    rc = fc_finish(&s);
out:
    fc_end(&s);
    return rc;
}

static long fc_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

int fc_exp_fork_time(struct cl_results *r, size_t mib)
{
    struct fc_scene s;
    size_t npages = mib * 1024 * 1024 / cl_page_size();
    if (fc_begin(&s, "fork_time", r, npages, 1) < 0)
        return -1;
    int rc = -1;
    s.work = FC_WORK_IDLE;
    if (fc_fill_all(&s) < 0)
        goto out;
    /* Time the start of the team (pipes, the student's cow_spawn, which forks and so copies
     * the page tables of the filled buffer, and one round trip to the subject). */
    cl_cow_fork(s.sim, 0, 1);
    long t0 = fc_now_us();
    int64_t pid;
    if (cl_link_call(s.L, &pid, 1, NULL, "team 1 1 %d 0x%" PRIx64 " %zu 0", s.work, s.buf,
                     npages) != 0) {
        fc_subject_failed(&s, "cow_spawn");
        goto out;
    }
    long t1 = fc_now_us();
    s.team_up = true;
    if (fc_await(&s) < 0)
        goto out;
    cl_results_add(r, s.name, (int64_t)mib, "parent", "fork", "fork_us", CL_NO_EXPECT, t1 - t0,
                   "us", "reported, not modelled: page tables are copied at fork");
    rc = fc_finish(&s);
out:
    fc_end(&s);
    return rc;
}
