/*
 * experiments.c — lab 03's experiments, run by the observer (contracts in experiments.h).
 *
 * Shape of every experiment: the subject's process (the "creator") creates a segment with the
 * student's sha_create and fills it; a team of exec'd workers (subject.c: SA_WORK_*) attaches
 * with the student's sha_attach and reads or writes; the subject holds them at a barrier. Here
 * the model follows which pages each process maps — a read fault maps its fault-around window
 * of pages already in the page cache (cl_model_fault_around, with the probe's fault_around), a
 * write fault maps one page, a write to a MAP_PRIVATE mapping replaces the page by an anonymous
 * copy — and so knows every page's mapcount; then every process's mapping of the segment is
 * measured from here and set beside the model's numbers.
 */
#include "experiments.h"

#include "03-shm-arrays.h"
#include "cowlab/lab.h"
#include "cowlab/model.h"
#include "cowlab/probe.h"
#include "protocol.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long workers may take to reach a barrier: the reference takes milliseconds. */
enum { SA_TIMEOUT_MS = 3000, SA_MAXP = 1 + 8 };

/* One experiment in flight. Process 0 is the subject's own (the creator), p >= 1 worker p-1. */
struct sa_scene {
    const char *name;
    struct cl_results *r;
    struct cl_link *L;
    uint64_t tag;           /* the segment's tag: its name is /cowlab03-SUBJECTPID-TAG */
    int64_t slot;           /* the creator's slot in the subject, -1: none */
    size_t pages;           /* of the segment, header page included */
    bool team_up;           /* workers started and not finished */
    int k;                  /* workers */
    pid_t pid[SA_MAXP];     /* verified */
    uint64_t base[SA_MAXP]; /* where each process maps the segment (0: not mapped) */
    bool alive[SA_MAXP];
    bool *mapped[SA_MAXP]; /* the model: pages each process maps */
    bool *anon[SA_MAXP];   /* pages replaced by a private copy (MAP_PRIVATE writes) */
    bool *cached;          /* pages in the page cache and up to date: written or read once */
};

static uint64_t sa_next_tag;

static int sa_cannot(struct sa_scene *s, const char *what)
{
    return cl_cannot(s->name, what);
}

static int sa_subject_failed(struct sa_scene *s, const char *what)
{
    return cl_cannot_subject(s->name, s->L, what);
}

static void sa_proc_name(const struct sa_scene *s, int p, char *out, size_t n)
{
    (void)s;
    if (p == 0)
        snprintf(out, n, "creator");
    else
        snprintf(out, n, "worker%d", p);
}

/* A fresh scene: a tag of its own, the subject, no segment yet. */
static void sa_begin(struct sa_scene *s, const char *name, struct cl_results *r)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->r = r;
    s->L = cl_lab_subject();
    s->tag = ++sa_next_tag;
    s->slot = -1;
    s->pid[0] = s->L->pid;
    s->alive[0] = true;
}

/* The model's arrays for a segment of s->pages pages. */
static int sa_alloc(struct sa_scene *s)
{
    s->cached = calloc(s->pages, sizeof(bool));
    for (int p = 0; p < SA_MAXP; p++) {
        s->mapped[p] = calloc(s->pages, sizeof(bool));
        s->anon[p] = calloc(s->pages, sizeof(bool));
        if (!s->mapped[p] || !s->anon[p])
            return sa_cannot(s, "allocating the model");
    }
    return s->cached ? 0 : sa_cannot(s, "allocating the model");
}

/* The creator makes the segment (sha_create writes the header: page 0 mapped and cached). */
static int sa_create(struct sa_scene *s, size_t data_pages)
{
    size_t count = data_pages * cl_page_size() / 8;
    int64_t v[9];
    if (cl_link_call(s->L, v, 9, NULL, "create %" PRIu64 " 8 %zu", s->tag, count) != 0)
        return sa_subject_failed(s, "sha_create");
    if (v[0] != SHA_OK) {
        errno = (int)v[1];
        CL_FAIL_OR_SAY("%s: sha_create(8-byte elements, %zu) returned %d (errno %d: %s)", s->name,
                       count, (int)v[0], (int)v[1], strerror((int)v[1]));
        return -1;
    }
    s->slot = v[2];
    s->base[0] = (uint64_t)v[3];
    s->pages = (size_t)v[4] / cl_page_size();
    if (s->pages != data_pages + 1 || (uint64_t)v[5] != s->base[0] + cl_page_size()) {
        CL_FAIL_OR_SAY("%s: sha_create mapped %" PRId64 " bytes with data at +%" PRId64
                       " (expected %zu pages, data at +%zu)",
                       s->name, v[4], v[5] - v[3], data_pages + 1, cl_page_size());
        return -1;
    }
    if (sa_alloc(s) < 0)
        return -1;
    s->mapped[0][0] = s->cached[0] = true;
    return 0;
}

/* The creator writes every element: every page mapped by write faults, one each. */
static int sa_fill(struct sa_scene *s)
{
    if (cl_link_call(s->L, NULL, 0, NULL, "fill %" PRId64, s->slot) != 0)
        return sa_subject_failed(s, "filling the segment through sha_at");
    for (size_t i = 0; i < s->pages; i++)
        s->mapped[0][i] = s->cached[i] = true;
    return 0;
}

/* Process p reads page i of the segment (0: the header page). */
static void sa_model_read(struct sa_scene *s, int p, size_t i)
{
    cl_model_fault_around(s->base[p], s->pages, i, cl_probe()->fault_around, cl_page_size(),
                          s->cached, s->mapped[p]);
    s->cached[i] = true;
}

static int64_t sa_report(struct sa_scene *s, int worker, int slot)
{
    int64_t v[CL_TEAM_REPORTS];
    int n = 0;
    if (cl_link_call(s->L, v, CL_TEAM_REPORTS, &n, "report %d", worker) != 0 || slot >= n)
        return INT64_MIN;
    return v[slot];
}

static int sa_await(struct sa_scene *s)
{
    if (cl_link_call(s->L, NULL, 0, NULL, "await %d", cl_link_deadline_ms(SA_TIMEOUT_MS)) != 0)
        return sa_subject_failed(s, errno == ECHILD ? "a worker died"
                                                    : "waiting for the workers at the barrier");
    return 0;
}

static int sa_release(struct sa_scene *s)
{
    if (cl_link_call(s->L, NULL, 0, NULL, "release") != 0)
        return sa_subject_failed(s, "releasing the workers");
    return sa_await(s);
}

/* Start k workers (exec'd, or forked for the anonymous mapping), verify their pids, wait for
 * their phase 0. A worker that attached reports where: its base is checked to be a mapping of
 * the segment's size in that process. */
static int sa_team(struct sa_scene *s, bool exec, int k, int nphases, int work, uint64_t a1,
                   uint64_t a2, uint64_t a3)
{
    int64_t v[CL_TEAM_MAX];
    int n = 0;
    s->k = k;
    if (cl_link_call(s->L, v, CL_TEAM_MAX, &n, "%s %d %d %d %" PRIu64 " %" PRIu64 " %" PRIu64,
                     exec ? "xteam" : "team", k, nphases, work, a1, a2, a3) != 0)
        return sa_subject_failed(s, "starting the workers");
    s->team_up = true;
    for (int i = 0; i < k; i++) {
        s->pid[i + 1] = i < n ? cl_link_verify_pid(s->L, v[i]) : -1;
        s->alive[i + 1] = true;
        if (s->pid[i + 1] <= 0) {
            errno = ESRCH;
            return sa_cannot(s, "the workers' pids");
        }
    }
    return sa_await(s);
}

/* Worker p's attach: its return value (a row) and its mapping, checked in its /proc. */
static int sa_worker_attached(struct sa_scene *s, int p, const char *phase, int64_t x)
{
    char proc[24];
    sa_proc_name(s, p, proc, sizeof proc);
    int64_t rc = sa_report(s, p - 1, SA_REP_RC);
    cl_results_add(s->r, s->name, x, proc, phase, "attach_rc", SHA_OK, rc, "code",
                   "sha_attach of the creator's name, in an exec'd process, returns SHA_OK");
    if (rc != SHA_OK) {
        CL_FAIL_OR_SAY("%s: sha_attach in worker %d returned %" PRId64 " (errno %" PRId64 ")",
                       s->name, p, rc, sa_report(s, p - 1, SA_REP_ERRNO));
        return -1;
    }
    s->base[p] = (uint64_t)sa_report(s, p - 1, SA_REP_BASE);
    struct cl_mem m;
    if (s->base[p] % cl_page_size() != 0 ||
        cl_mem_region(s->pid[p], CL_ADDR(s->base[p]), s->pages * cl_page_size(), &m) < 0 ||
        m.vmas != 1 || m.kb[CL_SIZE] != s->pages * cl_page_kb()) {
        CL_FAIL_OR_SAY("%s: worker %d has no mapping of the segment's %zu pages at the base "
                       "sha_attach gave (0x%" PRIx64 ")",
                       s->name, p, s->pages, s->base[p]);
        return -1;
    }
    return 0;
}

/* The mapcount of page i in process p: 1 for its own copy, else how many live processes map
 * the shared page. */
static unsigned sa_mapcount(const struct sa_scene *s, int p, size_t i)
{
    if (!s->mapped[p][i])
        return 0;
    if (s->anon[p][i])
        return 1;
    unsigned m = 0;
    for (int q = 0; q <= s->k; q++)
        m += s->alive[q] && s->base[q] && s->mapped[q][i] && !s->anon[q][i];
    return m;
}

/* Measure process p's mapping of the segment: the smaps fields the model knows, pages present
 * and private from pagemap, and with per_page one page_state row per page. */
static int sa_measure(struct sa_scene *s, int p, const char *phase, int64_t x, const char *hint,
                      bool per_page)
{
    char proc[24];
    sa_proc_name(s, p, proc, sizeof proc);
    size_t n = s->pages, ps = cl_page_size();
    unsigned *mc = calloc(n, sizeof *mc);
    struct cl_page *pg = calloc(n, sizeof *pg);
    if (!mc || !pg) {
        free(mc);
        free(pg);
        return sa_cannot(s, "allocating");
    }
    for (size_t i = 0; i < n; i++)
        mc[i] = sa_mapcount(s, p, i);
    struct cl_mem want, got;
    cl_model_shared_region(mc, s->anon[p], n, ps, &want);
    int rc = -1;
    if (cl_mem_region(s->pid[p], CL_ADDR(s->base[p]), n * ps, &got) < 0 ||
        cl_pages(s->pid[p], CL_ADDR(s->base[p]), n, pg) < 0) {
        sa_cannot(s, "measuring the segment (smaps, pagemap)");
        goto out;
    }
    cl_results_add_mem(s->r, s->name, x, proc, phase, &want, &got, hint);
    int64_t present = 0, priv = 0, wrong = 0, want_present = 0, want_priv = 0;
    for (size_t i = 0; i < n; i++) {
        enum cl_page_state e = !mc[i]       ? CL_PAGE_ABSENT
                               : mc[i] == 1 ? CL_PAGE_PRIVATE
                                            : CL_PAGE_SHARED;
        enum cl_page_state m = cl_page_state_of(&pg[i], 0);
        present += pg[i].present;
        priv += m == CL_PAGE_PRIVATE;
        want_present += e != CL_PAGE_ABSENT;
        want_priv += e == CL_PAGE_PRIVATE;
        wrong += e != m;
        if (per_page)
            cl_results_add(s->r, s->name, (int64_t)i, proc, phase, "page_state", e, m, "state",
                           "pagemap: 0 absent, 1 shared, 2 private (mapped by this process only)");
    }
    cl_results_add(s->r, s->name, x, proc, phase, "pages_present", want_present, present, "pages",
                   "pages of the segment this process maps (pagemap bit 63)");
    cl_results_add(s->r, s->name, x, proc, phase, "pages_private", want_priv, priv, "pages",
                   "pages mapped by this process only (pagemap bit 56)");
    cl_results_add(s->r, s->name, x, proc, phase, "pages_wrong", 0, wrong, "pages",
                   "pages whose state differs from the model: right count, wrong pages?");
    rc = 0;
out:
    free(mc);
    free(pg);
    return rc;
}

static int sa_measure_all(struct sa_scene *s, const char *phase, int64_t x, const char *hint,
                          bool per_page)
{
    for (int p = 0; p <= s->k; p++)
        if (s->alive[p] && s->base[p] && sa_measure(s, p, phase, x, hint, per_page) < 0)
            return -1;
    return 0;
}

/* Let the workers run one phase each, k times: worker i reads in phase 1 + i, alone. */
static int sa_release_each(struct sa_scene *s)
{
    for (int i = 0; i < s->k; i++)
        if (sa_release(s) < 0)
            return -1;
    return 0;
}

/* Every worker attached in phase 0 (rows and mappings checked): measure everyone before any
 * read — an attach touches no page of its mapping — then let each read in turn. */
static int sa_attached_then_release(struct sa_scene *s, int64_t x)
{
    for (int p = 1; p <= s->k; p++)
        if (sa_worker_attached(s, p, "after_attach", x) < 0)
            return -1;
    if (sa_measure_all(s, "after_attach", x,
                       "sha_attach maps the segment and touches none of its pages: read the "
                       "header with pread, not through the mapping you return",
                       false) < 0)
        return -1;
    return sa_release_each(s);
}

static int sa_finish(struct sa_scene *s)
{
    s->team_up = false;
    if (cl_link_call(s->L, NULL, 0, NULL, "finish %d", cl_link_deadline_ms(SA_TIMEOUT_MS)) != 0)
        return sa_subject_failed(s, "a worker exited badly or did not exit");
    for (int p = 1; p <= s->k; p++)
        s->alive[p] = false;
    return 0;
}

/* Undo everything, whatever happened: workers, the creator's mapping, the name (the kit's own
 * shm_unlink: /dev/shm must be as found). */
static void sa_end(struct sa_scene *s)
{
    if (s->team_up)
        cl_link_call(s->L, NULL, 0, NULL, "finish 1000");
    if (s->slot >= 0)
        cl_link_call(s->L, NULL, 0, NULL, "detach %" PRId64, s->slot);
    cl_link_call(s->L, NULL, 0, NULL, "purge %" PRIu64, s->tag);
    free(s->cached);
    for (int p = 0; p < SA_MAXP; p++) {
        free(s->mapped[p]);
        free(s->anon[p]);
    }
}

/* The value the creator's fill put in the first element of data page d. */
static int64_t sa_filled(size_t d)
{
    return (int64_t)(d * (cl_page_size() / 8) + 1);
}

/* The sum of the first elements of every data page. */
static int64_t sa_filled_sum(size_t data_pages)
{
    int64_t sum = 0;
    for (size_t d = 0; d < data_pages; d++)
        sum += sa_filled(d);
    return sum;
}

/* Worker p read every data page in order (the header page only through fault-around). */
static void sa_model_read_all(struct sa_scene *s, int p)
{
    for (size_t i = 1; i < s->pages; i++)
        sa_model_read(s, p, i);
}

/* ---- the experiments ----------------------------------------------------------------- */

/* Pss_Shmem of process p's smaps_rollup, reported beside what the segment and the team's report
 * page alone would give (a memfd page the creator and every live exec'd worker map: K + 1
 * mappers, summed in one accumulator and truncated once). Reported, not compared: the rollup
 * counts every shmem-backed mapping of the process, and where the program itself runs from a
 * tmpfs (an initramfs, a tmpfs /tmp holding the grader's build) its own text and libraries
 * are shmem too: 500 kB more on Debian's 6.1 and 6.12 under qemu, 256 kB on arm64. The
 * segment's own region rows are the exact ones. */
static void sa_rollup_pss_shmem(struct sa_scene *s, int p, int64_t x)
{
    if (!(cl_probe()->pss_fields & (1u << CL_PSS_SHMEM)))
        return;
    unsigned *mc = calloc(s->pages + 1, sizeof *mc);
    if (!mc)
        return;
    for (size_t i = 0; i < s->pages; i++)
        mc[i] = sa_mapcount(s, p, i);
    mc[s->pages] = (unsigned)s->k + 1;
    struct cl_mem got;
    char proc[24];
    sa_proc_name(s, p, proc, sizeof proc);
    int64_t want = (int64_t)cl_model_pss_kb(mc, s->pages + 1, cl_page_size());
    (void)want; /* what it would be with no other shmem mapping: the chapter's exercise */
    cl_results_add(s->r, s->name, x, proc, "after_read", "rollup.Pss_Shmem", CL_NO_EXPECT,
                   cl_mem_process(s->pid[p], &got) == 0 ? (int64_t)got.kb[CL_PSS_SHMEM] : -1, "kB",
                   "the segment's pages divided by their K+1 mappers, plus the team's report "
                   "page (one more shared page), truncated once");
    free(mc);
}

int sa_exp_readers(struct cl_results *r, int k)
{
    struct sa_scene s;
    sa_begin(&s, "readers", r);
    int rc = -1;
    if (sa_create(&s, SA_DATA_PAGES) < 0 || sa_fill(&s) < 0 ||
        sa_team(&s, true, k, 1 + k, SA_WORK_READ_ALL, s.tag, 0, 0) < 0 ||
        sa_attached_then_release(&s, k) < 0)
        goto out;
    for (int p = 1; p <= k; p++) {
        sa_model_read_all(&s, p);
        char proc[24];
        sa_proc_name(&s, p, proc, sizeof proc);
        cl_results_add(r, s.name, k, proc, "after_read", "read_sum", sa_filled_sum(SA_DATA_PAGES),
                       sa_report(&s, p - 1, SA_REP_VALUE), "value",
                       "the first element of every data page, as the creator wrote them");
    }
    if (sa_measure_all(&s, "after_read", k,
                       "every page is mapped by the creator and the K readers: Pss = the "
                       "segment / (K+1), truncated once; Rss counts it whole in each",
                       false) < 0)
        goto out;
    int64_t want = 0, got = 0;
    for (size_t i = 0; i < s.r->n; i++) {
        const struct cl_row *row = &s.r->rows[i];
        if (strcmp(row->experiment, "readers") == 0 && row->x == k &&
            strcmp(row->phase, "after_read") == 0 && strcmp(row->metric, "Pss") == 0) {
            want += row->expected;
            got += row->measured;
        }
    }
    cl_results_add(r, s.name, k, "all", "after_read", "Pss_sum", want, got, "kB",
                   "the sum of every process's Pss: the segment once (less the truncation)");
    for (int p = 0; p <= k; p++)
        sa_rollup_pss_shmem(&s, p, k);
    rc = sa_finish(&s);
out:
    sa_end(&s);
    return rc;
}

int sa_exp_creator_alone(struct cl_results *r)
{
    struct sa_scene s;
    sa_begin(&s, "creator_alone", r);
    int rc = -1;
    if (sa_create(&s, SA_DATA_PAGES) < 0)
        goto out;
    if (sa_measure(&s, 0, "after_create", 0,
                   "sha_create writes the header page only: the elements are not touched",
                   false) < 0 ||
        sa_fill(&s) < 0 ||
        sa_measure(&s, 0, "after_fill", 0,
                   "a shmem page mapped by one process is Private_Dirty: 'private' means mapped "
                   "once, not MAP_PRIVATE",
                   false) < 0)
        goto out;
    rc = 0;
out:
    sa_end(&s);
    return rc;
}

int sa_exp_fault_around(struct cl_results *r, int k, size_t first, size_t step)
{
    struct sa_scene s;
    sa_begin(&s, "fault_around", r);
    int rc = -1;
    if (cl_probe()->fault_around == 0) {
        errno = ENOTSUP;
        return sa_cannot(&s, "the probe's fault_around fact (unknown here)");
    }
    if (sa_create(&s, SA_DATA_PAGES) < 0 || sa_fill(&s) < 0 ||
        sa_team(&s, true, k, 1 + k, SA_WORK_READ_ONE, s.tag, first, step) < 0 ||
        sa_attached_then_release(&s, k) < 0)
        goto out;
    for (int p = 1; p <= k; p++) {
        size_t d = first + (size_t)(p - 1) * step;
        sa_model_read(&s, p, 1 + d);
        char proc[24];
        sa_proc_name(&s, p, proc, sizeof proc);
        cl_results_add(r, s.name, k, proc, "after_read", "read_value", sa_filled(d),
                       sa_report(&s, p - 1, SA_REP_VALUE), "value",
                       "the first element of the data page this worker reads");
    }
    if (sa_measure_all(&s, "after_read", k,
                       "one read maps the fault-around window: up to fault_around pages already "
                       "in the page cache, aligned, clipped to the mapping and its page table",
                       true) < 0)
        goto out;
    rc = sa_finish(&s);
out:
    sa_end(&s);
    return rc;
}

int sa_exp_one_writer(struct cl_results *r, int k)
{
    struct sa_scene s;
    sa_begin(&s, "one_writer", r);
    int rc = -1;
    const size_t d = 7;
    const uint64_t value = 0xC0FFEE;
    if (sa_create(&s, SA_DATA_PAGES) < 0 || sa_fill(&s) < 0 ||
        sa_team(&s, true, k, 3 + k, SA_WORK_WRITER, s.tag, (uint64_t)k << 32 | d, value) < 0 ||
        sa_attached_then_release(&s, k) < 0)
        goto out;
    for (int p = 1; p <= k; p++)
        sa_model_read_all(&s, p);
    if (sa_measure_all(&s, "after_read", k, "every page shared by the creator and K workers",
                       false) < 0 ||
        sa_release(&s) < 0)
        goto out;
    /* Worker 1 wrote in place: the page it maps is the page everyone maps. */
    if (sa_measure_all(&s, "after_write", k,
                       "a write through a MAP_SHARED mapping changes the shared page in place: "
                       "no copy, nothing private, no Anonymous",
                       false) < 0 ||
        sa_release(&s) < 0)
        goto out;
    for (int p = 1; p <= k; p++) {
        char proc[24];
        sa_proc_name(&s, p, proc, sizeof proc);
        cl_results_add(r, s.name, k, proc, "after_write", "seen", (int64_t)value,
                       sa_report(&s, p - 1, SA_REP_VALUE), "value",
                       "every process that maps the segment sees worker 1's write");
    }
    int64_t v[2];
    if (cl_link_call(s.L, v, 2, NULL, "get %" PRId64 " %zu", s.slot, d * (cl_page_size() / 8)) !=
        0) {
        sa_subject_failed(&s, "reading the element in the creator (sha_at)");
        goto out;
    }
    cl_results_add(r, s.name, k, "creator", "after_write", "seen", (int64_t)value, v[1], "value",
                   "the creator sees worker 1's write too");
    rc = sa_finish(&s);
out:
    sa_end(&s);
    return rc;
}

int sa_exp_map_private(struct cl_results *r, size_t d)
{
    struct sa_scene s;
    sa_begin(&s, "map_private", r);
    int rc = -1;
    const uint64_t value = 0xBADC0DE;
    if (sa_create(&s, SA_DATA_PAGES) < 0 || sa_fill(&s) < 0 ||
        sa_team(&s, true, 1, 3, SA_WORK_PRIVATE, s.tag, 1ULL << 32 | d, value) < 0 ||
        sa_attached_then_release(&s, (int64_t)d) < 0)
        goto out;
    sa_model_read_all(&s, 1);
    if (sa_measure_all(&s, "after_read", (int64_t)d,
                       "a MAP_PRIVATE mapping reads the segment's own pages: shared, no copy yet",
                       false) < 0 ||
        sa_release(&s) < 0)
        goto out;
    s.anon[1][1 + d] = true;
    if (sa_measure_all(&s, "after_write", (int64_t)d,
                       "a write to a MAP_PRIVATE mapping copies exactly that page (Anonymous, "
                       "Private_Dirty); the creator's page is then mapped once",
                       false) < 0)
        goto out;
    cl_results_add(r, s.name, (int64_t)d, "worker1", "after_write", "seen", (int64_t)value,
                   sa_report(&s, 0, SA_REP_VALUE), "value", "the writer sees its own copy");
    int64_t v[2];
    if (cl_link_call(s.L, v, 2, NULL, "get %" PRId64 " %zu", s.slot, d * (cl_page_size() / 8)) !=
        0) {
        sa_subject_failed(&s, "reading the element in the creator (sha_at)");
        goto out;
    }
    cl_results_add(r, s.name, (int64_t)d, "creator", "after_write", "seen", sa_filled(d), v[1],
                   "value", "the segment is unchanged: the private copy is the writer's alone");
    rc = sa_finish(&s);
out:
    sa_end(&s);
    return rc;
}

/* Anonymous shared memory: process 0 the parent, p >= 1 forked child p. */
int sa_exp_anon_fork(struct cl_results *r, int k)
{
    struct sa_scene s;
    sa_begin(&s, "anon_fork", r);
    s.pages = SA_ANON_PAGES;
    int rc = -1;
    int64_t v[2];
    if (sa_alloc(&s) < 0)
        goto out;
    if (cl_link_call(s.L, v, 2, NULL, "anon %d", SA_ANON_PAGES) != 0) {
        sa_subject_failed(&s, "sha_map_anonymous");
        goto out;
    }
    if (v[0] == 0) {
        errno = (int)v[1];
        sa_cannot(&s, "sha_map_anonymous returned NULL");
        goto out;
    }
    uint64_t addr = (uint64_t)v[0];
    if (cl_link_call(s.L, NULL, 0, NULL, "anon_fill 0x%" PRIx64 " %d", addr, SA_ANON_PAGES) != 0) {
        sa_subject_failed(&s, "writing the anonymous shared memory");
        goto unmap;
    }
    for (size_t i = 0; i < s.pages; i++)
        s.mapped[0][i] = s.cached[i] = true;
    for (int p = 0; p <= k; p++)
        s.base[p] = addr;
    if (sa_team(&s, false, k, 1 + k, SA_WORK_ANON, addr, SA_ANON_PAGES, 0) < 0 ||
        sa_measure_all(&s, "after_fork", k,
                       "fork does not copy the page tables of a shared mapping: a child maps "
                       "nothing until it touches a page",
                       false) < 0 ||
        sa_release_each(&s) < 0)
        goto unmap;
    for (int p = 1; p <= k; p++) {
        for (size_t i = 0; i < s.pages; i++)
            sa_model_read(&s, p, i);
        char proc[24];
        sa_proc_name(&s, p, proc, sizeof proc);
        int64_t want = 0;
        for (size_t i = 0; i < s.pages; i++)
            want += (int64_t)(i % 255 + 1);
        cl_results_add(r, s.name, k, proc, "after_read", "read_sum", want,
                       sa_report(&s, p - 1, SA_REP_VALUE), "value",
                       "the children read what the parent wrote before fork");
    }
    if (sa_measure_all(&s, "after_read", k,
                       "after reading, every page is shared by the parent and K children",
                       false) < 0)
        goto unmap;
    rc = sa_finish(&s);
unmap:
    cl_link_call(s.L, NULL, 0, NULL, "anon_unmap 0x%" PRIx64 " %d", addr, SA_ANON_PAGES);
out:
    sa_end(&s);
    return rc;
}

static int sa_exists(struct sa_scene *s, int64_t *yes)
{
    if (cl_link_call(s->L, yes, 1, NULL, "exists %" PRIu64, s->tag) != 0)
        return sa_subject_failed(s, "looking for the name in /dev/shm");
    return 0;
}

int sa_exp_lifecycle(struct cl_results *r)
{
    struct sa_scene s;
    sa_begin(&s, "lifecycle", r);
    int rc = -1;
    int64_t yes, v[9];
    size_t count = SA_DATA_PAGES * cl_page_size() / 8;
    if (sa_team(&s, true, 1, 1, SA_WORK_CREATE, s.tag, count, 0) < 0)
        goto out;
    cl_results_add(r, s.name, 0, "worker1", "created", "create_rc", SHA_OK,
                   sa_report(&s, 0, SA_REP_RC), "code", "sha_create in an exec'd worker");
    if (sa_finish(&s) < 0 || sa_exists(&s, &yes) < 0)
        goto out;
    cl_results_add(r, s.name, 0, "subject", "creator_exited", "name_exists", 1, yes, "0/1",
                   "a segment outlives its creator: only an unlink removes the name");
    s.pages = SA_DATA_PAGES + 1;
    if (sa_alloc(&s) < 0)
        goto out;
    for (size_t i = 0; i < s.pages; i++)
        s.cached[i] = true; /* the creator wrote every page */
    if (sa_team(&s, true, 1, 2, SA_WORK_READ_ALL, s.tag, 0, 0) < 0 ||
        sa_attached_then_release(&s, 0) < 0)
        goto out;
    sa_model_read_all(&s, 1);
    cl_results_add(r, s.name, 0, "worker1", "creator_exited", "read_sum",
                   sa_filled_sum(SA_DATA_PAGES), sa_report(&s, 0, SA_REP_VALUE), "value",
                   "the data the exited creator wrote");
    if (sa_measure(&s, 1, "creator_exited", 0, "the reader is the only mapper: all private",
                   false) < 0)
        goto out;
    if (cl_link_call(s.L, v, 2, NULL, "unlink %" PRIu64, s.tag) != 0 || sa_exists(&s, &yes) < 0) {
        sa_subject_failed(&s, "sha_unlink");
        goto out;
    }
    cl_results_add(r, s.name, 0, "subject", "unlinked", "unlink_rc", SHA_OK, v[0], "code",
                   "sha_unlink of an existing name");
    cl_results_add(r, s.name, 0, "subject", "unlinked", "name_exists", 0, yes, "0/1",
                   "after sha_unlink the name is gone");
    if (cl_link_call(s.L, v, 9, NULL, "attach %" PRIu64 " 8 %d", s.tag, SHA_RDONLY) != 0) {
        sa_subject_failed(&s, "sha_attach");
        goto out;
    }
    if (v[0] == SHA_OK)
        cl_link_call(s.L, NULL, 0, NULL, "detach %" PRId64, v[2]);
    cl_results_add(r, s.name, 0, "subject", "unlinked", "attach_rc", SHA_ERR_NOENT, v[0], "code",
                   "attaching an unlinked name: SHA_ERR_NOENT");
    if (sa_measure(&s, 1, "unlinked", 0,
                   "a process that maps the segment keeps it after the unlink: the memory is "
                   "freed with the last mapping",
                   false) < 0)
        goto out;
    rc = sa_finish(&s);
out:
    sa_end(&s);
    return rc;
}
