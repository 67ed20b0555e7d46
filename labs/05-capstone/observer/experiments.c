/*
 * experiments.c — lab 05's model and experiments (experiments.h). The model gives every page of
 * every region a mapcount in every process and adds them up with the kernel's arithmetic
 * (cl_model_anon_region, cl_model_shared_region); the experiments run the strategies in the
 * subject and put each process's smaps numbers beside it.
 */
#include "experiments.h"

#include "cowlab/lab.h"
#include "cowlab/model.h"
#include "cowlab/probe.h"
#include "protocol.h"
#include "scene.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CAP_TIMEOUT_MS = 20000 };

const struct cap_shape cap_shapes[] = {
    {"small", {2048, 256}},  /* many small arrays: buffers in pools of their own */
    {"big", {4, 256 << 10}}, /* few big ones: each buffer a chunk of whole pages */
    {"mid", {96, 4096}},     /* buffers behind chunk headers, straddling pages */
    {"tiny", {1024, 80}},    /* buffers in the headers' own size class: the same pools */
};
const int cap_nshapes = sizeof cap_shapes / sizeof cap_shapes[0];

const char *cap_strategy_name(enum cap_strategy s)
{
    static const char *const names[CAP_NSTRATEGIES] = {"fork", "fork_freeze", "immortal", "pickle",
                                                       "shared"};
    return s < CAP_NSTRATEGIES ? names[s] : "?";
}

/* ---- the values the workers must find -------------------------------------------------- */

int64_t cap_expected_sum(const struct cap_params *p)
{
    int64_t sum = 0;
    for (size_t i = 0; i < p->arrays; i++)
        for (size_t at = 0; at < p->array_bytes; at++)
            sum += __builtin_popcount(cap_byte(0, i, at));
    for (int l = 1; l < CAP_LISTS; l++)
        for (size_t i = 0; i < p->arrays; i++)
            for (size_t at = 0; at < p->array_bytes; at += 4)
                sum += cap_int(l, i, at);
    return sum;
}

int64_t cap_expected_read(const struct cap_params *p, size_t reads)
{
    int64_t sum = 0;
    for (int l = 0; l < CAP_LISTS; l++)
        for (size_t i = 0; i < p->arrays; i++)
            for (size_t j = 0; j < reads; j++) {
                size_t at = cap_read_at(p, reads, j);
                sum += l == 0 ? cap_byte(0, i, at) : cap_int(l, i, at);
            }
    return sum;
}

/* ---- the model ------------------------------------------------------------------------- */

/* The mapcounts of one process's view of a region of `mapped` pages: `own` pages it maps
 * alone, `shared` pages mapped by m processes, the rest not resident. */
static unsigned *cap_counts(size_t mapped, size_t own, size_t shared, unsigned m)
{
    unsigned *c = calloc(mapped ? mapped : 1, sizeof *c);
    for (size_t i = 0; c && i < own + shared && i < mapped; i++)
        c[i] = i < own ? 1 : m;
    return c;
}

/* One process's smaps numbers for a region: anonymous (shm 0) or the segment (shm 1). */
static int cap_model_region(size_t mapped, size_t own, size_t shared, unsigned m, size_t page,
                            bool shm, struct cl_mem *out)
{
    unsigned *c = cap_counts(mapped, own, shared, m);
    if (!c)
        return -1;
    if (shm)
        cl_model_shared_region(c, NULL, mapped, page, out);
    else
        cl_model_anon_region(c, NULL, mapped, page, out);
    free(c);
    return 0;
}

/* What one worker (and, alike, the parent) holds of each region under s: own and shared
 * pages of the heap ([0]) and system ([1]) regions, or of the segment ([0]). */
static void cap_model_split(const struct cap_layout *l, enum cap_strategy s, size_t own[2],
                            size_t shared[2])
{
    size_t refs = l->refcount_pages;
    own[0] = own[1] = shared[0] = shared[1] = 0;
    switch (s) {
    case CAP_FORK:
    case CAP_FORK_FREEZE: /* every worker writes every refcount page: all copies are own */
        own[0] = refs;
        shared[0] = l->heap_pages - refs;
        shared[1] = l->system_pages;
        break;
    case CAP_IMMORTAL:
        shared[0] = l->heap_pages;
        shared[1] = l->system_pages;
        break;
    case CAP_PICKLE:
        own[0] = l->heap_pages;
        own[1] = l->system_pages;
        break;
    case CAP_SHARED:
    default: shared[0] = l->segment_pages; break;
    }
}

int cap_model(const struct cap_layout *l, enum cap_strategy s, unsigned k,
              struct cap_prediction *out)
{
    size_t own[2], shared[2];
    cap_model_split(l, s, own, shared);
    out->total_pss_kb = out->worker_private_dirty_kb = 0;
    for (int r = 0; r < (s == CAP_SHARED ? 1 : 2); r++) {
        struct cl_mem m;
        if (cap_model_region(own[r] + shared[r], own[r], shared[r], k + 1, l->page_size,
                             s == CAP_SHARED, &m) < 0)
            return -1;
        out->total_pss_kb += ((uint64_t)k + 1) * m.kb[CL_PSS];
        out->worker_private_dirty_kb += m.kb[CL_PRIVATE_DIRTY];
    }
    return 0;
}

uint64_t cap_model_extrapolate_kb(const struct cap_params *p, size_t page_size, enum cap_strategy s,
                                  unsigned k, uint64_t interp_kb)
{
    struct cap_layout l;
    struct cap_prediction pr;
    if (cap_layout_of(p, page_size, &l) < 0 || cap_model(&l, s, k, &pr) < 0)
        return 0;
    return pr.total_pss_kb + ((uint64_t)k + 1) * interp_kb;
}

/* ---- the experiment ------------------------------------------------------------------------ */

struct cap_run {
    const char *exp;
    struct cl_link *L;
    enum cap_strategy s;
    struct cap_params p;
    int k;
    bool team;
    pid_t pid[CL_TEAM_MAX + 1];        /* [0] the parent */
    uint64_t base[CL_TEAM_MAX + 1][2]; /* each process's regions */
    uint64_t bytes[2];                 /* their mapped lengths */
    uint64_t tag;                      /* the segment's */
};

static int cap_parent_setup(struct cap_run *x, uint64_t heap_bytes, uint64_t system_bytes)
{
    int64_t v[4];
    int n = 0;
    if (x->s == CAP_SHARED) {
        if (cl_link_call(x->L, v, 3, &n, "segment %zu %zu", x->p.arrays, x->p.array_bytes) != 0 ||
            n < 3)
            return cl_cannot_subject(x->exp, x->L, "creating the segment");
        x->tag = (uint64_t)v[0];
        x->base[0][0] = (uint64_t)v[1];
        x->bytes[0] = (uint64_t)v[2];
        return 0;
    }
    int how = x->s == CAP_FORK_FREEZE ? CAP_HOW_FREEZE
              : x->s == CAP_IMMORTAL  ? CAP_HOW_IMMORTAL
                                      : CAP_HOW_PLAIN;
    if (cl_link_call(x->L, v, 4, &n, "scene %zu %zu %d", x->p.arrays, x->p.array_bytes, how) != 0 ||
        n < 4)
        return cl_cannot_subject(x->exp, x->L, "building the parent's lists");
    size_t page = cl_page_size();
    x->base[0][0] = (uint64_t)v[0];
    x->base[0][1] = (uint64_t)v[2];
    x->bytes[0] = (uint64_t)v[1];
    x->bytes[1] = (uint64_t)v[3];
    if (x->bytes[0] != (heap_bytes + page - 1) / page * page ||
        x->bytes[1] != (system_bytes + page - 1) / page * page) {
        errno = EINVAL;
        return cl_cannot(x->exp, "the subject's lists have another size than the model's");
    }
    return 0;
}

static int cap_start_workers(struct cap_run *x)
{
    int64_t v[CL_TEAM_MAX];
    int n = 0, rc;
    if (x->s == CAP_SHARED)
        rc = cl_link_call(x->L, v, CL_TEAM_MAX, &n, "team %d 2 %d %" PRIu64 " %zu %zu", x->k,
                          CAP_WORK_SHARED, x->tag, x->p.arrays, x->p.array_bytes);
    else if (x->s == CAP_PICKLE)
        rc = cl_link_call(x->L, v, CL_TEAM_MAX, &n, "xteam %d 1 %d %zu %zu %d", x->k,
                          CAP_WORK_PICKLE, x->p.arrays, x->p.array_bytes, CAP_READS);
    else
        rc = cl_link_call(x->L, v, CL_TEAM_MAX, &n, "team %d 1 %d %d 0 0", x->k, CAP_WORK_READ,
                          CAP_READS);
    if (rc != 0)
        return cl_cannot_subject(x->exp, x->L, "starting the workers");
    x->team = true;
    x->pid[0] = x->L->pid;
    for (int i = 0; i < x->k; i++)
        if ((x->pid[i + 1] = i < n ? cl_link_verify_pid(x->L, v[i]) : -1) <= 0) {
            errno = ESRCH;
            return cl_cannot(x->exp, "the workers' pids");
        }
    if (cl_link_call(x->L, NULL, 0, NULL, "await %d", cl_link_deadline_ms(CAP_TIMEOUT_MS)) != 0)
        return cl_cannot_subject(x->exp, x->L, "the workers");
    return 0;
}

/* Worker i's report slots (v: CL_TEAM_REPORTS of them) and its name in the results. 0, or -1
 * said. */
static int cap_worker_report(struct cap_run *x, int i, int64_t *v, char *proc, size_t n)
{
    snprintf(proc, n, "worker%d", i + 1);
    if (cl_link_call(x->L, v, CL_TEAM_REPORTS, NULL, "report %d", i) != 0)
        return cl_cannot_subject(x->exp, x->L, "a worker's report");
    return 0;
}

/* Each worker's report: what it read, where its regions are. */
static int cap_reports(struct cl_results *r, struct cap_run *x)
{
    int64_t want =
        x->s == CAP_SHARED ? cap_expected_sum(&x->p) : cap_expected_read(&x->p, CAP_READS);
    for (int i = 0; i < x->k; i++) {
        int64_t v[CL_TEAM_REPORTS];
        char proc[24];
        if (cap_worker_report(x, i, v, proc, sizeof proc) < 0)
            return -1;
        if (v[CAP_REP_ERRNO] != 0) {
            errno = (int)v[CAP_REP_ERRNO];
            return cl_cannot(x->exp, x->s == CAP_SHARED ? "cap_attach in a worker"
                                                        : "a worker rebuilding the lists");
        }
        cl_results_add(r, x->exp, x->k, proc, "workers_alive", "sum", want, v[CAP_REP_SUM], "value",
                       x->s == CAP_SHARED
                           ? "cap_sum: the set bits of list 0 and every int32 of lists 1 and 2"
                           : "what the worker read (the kit's reader)");
        x->base[i + 1][0] = x->s == CAP_FORK || x->s == CAP_FORK_FREEZE || x->s == CAP_IMMORTAL
                                ? x->base[0][0]
                                : (uint64_t)v[CAP_REP_BASE];
        x->base[i + 1][1] = x->s == CAP_PICKLE ? (uint64_t)v[CAP_REP_SYSTEM] : x->base[0][1];
    }
    return 0;
}

static const char *cap_hint(enum cap_strategy s, int region)
{
    switch (s) {
    case CAP_FORK:
    case CAP_FORK_FREEZE:
        return region == 0 ? "every worker's references write the refcounts of the lists and of "
                             "every array header: those pages are copied, the rest of the heap "
                             "stays shared by all"
                           : "nobody writes the big buffers and item arrays: shared by all";
    case CAP_IMMORTAL:
        return "immortal objects: a reference writes nothing, every page stays shared";
    case CAP_PICKLE:
        return "each worker rebuilt the lists from the pickle in an address space of its own: "
               "every page is its own";
    default: return "every process maps every page of the segment: each holds 1/(K+1) of it";
    }
}

/* Each process's regions, measured beside the model; the totals. */
static int cap_measure(struct cl_results *r, struct cap_run *x, const struct cap_layout *l,
                       struct cap_prediction *want, struct cap_prediction *got)
{
    static const char *const region_name[2] = {"heap", "system"};
    size_t own[2], shared[2], page = cl_page_size();
    cap_model_split(l, x->s, own, shared);
    int nregions = x->s == CAP_SHARED ? 1 : 2;
    memset(want, 0, sizeof *want);
    memset(got, 0, sizeof *got);
    for (int p = 0; p <= x->k; p++) {
        char proc[24];
        snprintf(proc, sizeof proc, p ? "worker%d" : "parent", p);
        struct cl_range ranges[2];
        struct cl_mem m[2];
        for (int g = 0; g < nregions; g++)
            ranges[g] = (struct cl_range){CL_ADDR(x->base[p][g]), x->bytes[g]};
        if (cl_mem_regions(x->pid[p], ranges, nregions, m) < 0) /* one smaps reading */
            return cl_cannot(x->exp, "measuring the regions (smaps)");
        /* Each region is its own VMA (build.c's guard pages; the segment, a file of its own):
         * merged with a neighbour, it would be truncated with it, once instead of twice. */
        for (int g = 0; g < nregions; g++)
            if (cl_check_alone(x->exp,
                               x->s == CAP_SHARED ? "the segment"
                               : g == 0           ? "the heap"
                                                  : "the system region",
                               ranges[g].addr, ranges[g].len, &m[g]) < 0)
                return -1;
        for (int g = 0; g < nregions; g++) {
            struct cl_mem w;
            char phase[24];
            snprintf(phase, sizeof phase, "alive.%s",
                     x->s == CAP_SHARED ? "segment" : region_name[g]);
            /* the kernel maps whole pages: the segment's last page may be partly data */
            if (cap_model_region((x->bytes[g] + page - 1) / page, own[g], shared[g],
                                 (unsigned)x->k + 1, page, x->s == CAP_SHARED, &w) < 0)
                return cl_cannot(x->exp, "the model");
            if (cl_results_add_mem(r, x->exp, x->k, proc, phase, &w, &m[g], cap_hint(x->s, g)) < 0)
                return cl_cannot(x->exp, "recording");
            want->total_pss_kb += w.kb[CL_PSS];
            got->total_pss_kb += m[g].kb[CL_PSS];
            if (p == 1) {
                want->worker_private_dirty_kb += w.kb[CL_PRIVATE_DIRTY];
                got->worker_private_dirty_kb += m[g].kb[CL_PRIVATE_DIRTY];
            }
        }
    }
    cl_results_add(r, x->exp, x->k, "all", "workers_alive", "total_pss_kb",
                   (int64_t)want->total_pss_kb, (int64_t)got->total_pss_kb, "kB",
                   "the Pss of the lists' regions summed over the parent and every worker");
    return 0;
}

/* The model's state of a heap page in process p under x's strategy. */
static enum cl_page_state cap_page_model(const struct cap_run *x, uint8_t kind)
{
    if (kind == CAP_PAGE_UNTOUCHED)
        return CL_PAGE_ABSENT;
    if (x->s == CAP_PICKLE || (kind == CAP_PAGE_REFCOUNT && x->s != CAP_IMMORTAL))
        return CL_PAGE_PRIVATE; /* its own copy, or the original every worker copied */
    return CL_PAGE_SHARED;
}

/* page_state rows of the heap in the parent and worker1: the model's beside pagemap's (the
 * figure 05-capstone-page-map). Nothing where pagemap cannot tell private from shared. */
static int cap_page_rows(struct cl_results *r, struct cap_run *x)
{
    size_t n = 0;
    if (x->s == CAP_SHARED || cl_probe()->exclusive != CL_YES)
        return 0;
    uint8_t *map = cap_heap_map(&x->p, cl_page_size(), &n);
    struct cl_page *pages = calloc(n ? n : 1, sizeof *pages);
    int rc = map && pages ? 0 : cl_cannot(x->exp, "the model's page map");
    for (int p = 0; rc == 0 && p <= 1 && p <= x->k; p++) {
        char proc[24];
        snprintf(proc, sizeof proc, p ? "worker%d" : "parent", p);
        if (cl_pages(x->pid[p], CL_ADDR(x->base[p][0]), n, pages) < 0) {
            rc = cl_cannot(x->exp, "reading the heap's pagemap");
            break;
        }
        for (size_t pg = 0; pg < n; pg++)
            cl_results_add(r, x->exp, (int64_t)pg, proc, "alive.heap.pages", "page_state",
                           cap_page_model(x, map[pg]), cl_page_state_of(&pages[pg], 0), "state",
                           "pagemap: 0 absent, 1 shared, 2 private (bit 56): a refcount page is "
                           "copied by every fork worker, the rest stays shared");
    }
    free(map);
    free(pages);
    return rc;
}

/* Shared workers detach in phase 1; then every worker is reaped. */
static int cap_finish(struct cap_run *x, struct cl_results *r)
{
    if (x->s == CAP_SHARED) {
        if (cl_link_call(x->L, NULL, 0, NULL, "release") != 0 ||
            cl_link_call(x->L, NULL, 0, NULL, "await %d", cl_link_deadline_ms(CAP_TIMEOUT_MS)) != 0)
            return cl_cannot_subject(x->exp, x->L, "the workers' cap_detach");
        for (int i = 0; i < x->k; i++) {
            int64_t v[CL_TEAM_REPORTS];
            char proc[24];
            if (cap_worker_report(x, i, v, proc, sizeof proc) < 0)
                return -1;
            cl_results_add(r, x->exp, x->k, proc, "detached", "detach_rc", 0, v[CAP_REP_DETACH],
                           "rc", "cap_detach of the worker's mapping returns 0");
        }
    }
    x->team = false;
    if (cl_link_call(x->L, NULL, 0, NULL, "finish %d", cl_link_deadline_ms(CAP_TIMEOUT_MS)) != 0)
        return cl_cannot_subject(x->exp, x->L, "a worker exited badly");
    return 0;
}

static int cap_predicted(struct cl_results *r, struct cap_run *x,
                         const struct cap_prediction *kernel)
{
    int64_t v[2];
    int n = 0;
    if (cl_link_call(x->L, v, 2, &n, "predict %d %d %zu %zu %zu", (int)x->s, x->k, x->p.arrays,
                     x->p.array_bytes, cl_page_size()) != 0 ||
        n < 2)
        return cl_cannot_subject(x->exp, x->L, "cap_predict");
    cl_results_add(r, x->exp, x->k, "all", "predicted", "total_pss_kb",
                   (int64_t)kernel->total_pss_kb, v[0], "kB",
                   "your cap_predict's total_pss_kb (measured column) against the total Pss the "
                   "kernel reported for this run (expected: the sum of the alive.* rows)");
    cl_results_add(r, x->exp, x->k, "worker1", "predicted", "Private_Dirty",
                   (int64_t)kernel->worker_private_dirty_kb, v[1], "kB",
                   "your cap_predict's worker_private_dirty_kb (measured column) against worker1's "
                   "Private_Dirty as the kernel reported it (expected)");
    return 0;
}

int cap_exp_strategy(struct cl_results *r, enum cap_strategy s, const struct cap_shape *sh, int k,
                     bool predict, bool pages, struct cap_prediction *measured)
{
    char exp[40];
    snprintf(exp, sizeof exp, "%s.%s", cap_strategy_name(s), sh->name);
    struct cap_run x = {.exp = exp, .L = cl_lab_subject(), .s = s, .p = sh->p, .k = k};
    struct cap_layout l;
    struct cap_prediction want, got;
    uint64_t heap_bytes, system_bytes;
    int rc = -1;
    if (k < 1 || k > CL_TEAM_MAX || cap_layout_of(&sh->p, cl_page_size(), &l) < 0 ||
        cap_scene_walk(&sh->p, NULL, &heap_bytes, &system_bytes) < 0) {
        errno = EINVAL;
        return cl_cannot(exp, "the shape");
    }
    if (cap_parent_setup(&x, heap_bytes, system_bytes) < 0 || cap_start_workers(&x) < 0 ||
        cap_reports(r, &x) < 0 || cap_measure(r, &x, &l, &want, &got) < 0 ||
        (pages && cap_page_rows(r, &x) < 0) || cap_finish(&x, r) < 0)
        goto out;
    if (measured)
        *measured = got;
    if (predict && cap_predicted(r, &x, &got) < 0)
        goto out;
    rc = 0;
out:
    if (x.team) { /* stopped on purpose, whatever phase they are in: not their failure */
        for (int i = 0; i < x.k; i++)
            cl_link_call(x.L, NULL, 0, NULL, "kill %d", i);
        cl_link_call(x.L, NULL, 0, NULL, "finish 1000");
    }
    cl_link_call(x.L, NULL, 0, NULL, "drop");
    return rc;
}
