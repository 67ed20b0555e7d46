/*
 * experiments.c — lab 04's experiments, run by the observer (contracts in experiments.h).
 *
 * The subject builds the flags (or maps the shared sieve) and forks its readers (workers) on
 * command; it holds them at a barrier; here a copy-on-write simulation (harness/model) replays
 * the same writes page by page, every process's region is measured from here and set beside
 * the simulation's numbers. The list of bools is lab 02's world (common/world.c is a link to
 * it): the observer builds the same world for the model, to know its pages.
 */
#include "experiments.h"

#include "cowlab/lab.h"
#include "cowlab/model.h"
#include "cowlab/team.h"
#include "world.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { BT_TIMEOUT_MS = 3000 };

const char *bt_rep_name(enum bt_rep rep, int region)
{
    static const char *const names[BT_NREPS][2] = {
        {"bits", NULL},
        {"bytes", NULL},
        {"int32", NULL},
        {"list311.items", "list311.singletons"},
        {"list312.items", "list312.singletons"},
    };
    return rep < BT_NREPS ? names[rep][region != 0] : NULL;
}

uint64_t *bt_model_sieve(size_t n)
{
    size_t nw = (n + 63) / 64;
    uint64_t *w = calloc(nw ? nw : 1, sizeof *w);
    if (!w)
        return NULL;
    for (size_t i = 0; i < n && i < 2; i++)
        w[0] |= UINT64_C(1) << i;
    for (size_t p = 2; p * p < n; p++) {
        if (w[p / 64] >> (p % 64) & 1)
            continue;
        for (size_t m = p * p; m < n; m += p)
            w[m / 64] |= UINT64_C(1) << (m % 64);
    }
    return w;
}

/* One region of the flags: where it is in the subject, and its model. */
struct bt_region {
    uint64_t base;
    size_t npages;
    struct cl_cow *sim;
};

/* Pages of the representation's (first) region, and for the lists the page of True and
 * False in the singletons' region (the model's world, built the same way as the subject's). */
static size_t bt_plain_pages(enum bt_rep rep, size_t n)
{
    size_t ps = cl_page_size();
    size_t bytes = rep == BT_BITS ? (n + 63) / 64 * 8 : rep == BT_BYTES ? n : 4 * n;
    return (bytes + ps - 1) / ps;
}

static int bt_measure(struct cl_results *r, const char *exp, int k, const pid_t *pids,
                      const struct bt_region *g, const char *hint)
{
    for (int p = 0; p <= k; p++) {
        char proc[24];
        if (p == 0)
            snprintf(proc, sizeof proc, "parent");
        else
            snprintf(proc, sizeof proc, "reader%d", p);
        struct cl_mem want, got;
        cl_cow_region(g->sim, (unsigned)p, cl_page_size(), &want);
        if (cl_measure_alone(exp, "the flags", pids[p], CL_ADDR(g->base),
                             g->npages * cl_page_size(), &got) < 0)
            return -1;
        if (cl_results_add_mem(r, exp, k, proc, "after_read", &want, &got, hint) < 0)
            return cl_cannot(exp, "recording");
    }
    return 0;
}

int bt_exp_flags(struct cl_results *r, enum bt_rep rep, size_t n, int k)
{
    const char *exp = bt_rep_name(rep, 0);
    struct cl_link *L = cl_lab_subject();
    bool list = rep == BT_LIST311 || rep == BT_LIST312;
    struct rc_world *mw = NULL;
    struct bt_region g[2] = {{0}};
    size_t truefalse_page = 0;
    int rc = -1, nreg = list ? 2 : 1;
    bool team = false;
    int64_t v[CL_TEAM_MAX];
    int got = 0;
    if (list) { /* the model's world: the same pages as the subject's */
        mw = rc_world_new(&rc_geometry_310, rep == BT_LIST311 ? RC_PY311 : RC_PY312, 64, n, 0,
                          &rc_model_hooks);
        const struct rc_region *items = mw ? rc_world_region(mw, RC_ITEMS) : NULL;
        const struct rc_region *small = mw ? rc_world_region(mw, RC_SMALL) : NULL;
        struct rc_int *f = mw ? rc_small_int(mw, 0) : NULL, *t = mw ? rc_small_int(mw, 1) : NULL;
        if (!f || !t || rc_region_page(small, f) != rc_region_page(small, t)) {
            cl_cannot(exp, "the model's world (True and False on one page)");
            goto out;
        }
        truefalse_page = rc_region_page(small, t);
        g[0].npages = items->npages;
        g[1].npages = small->npages;
    } else {
        g[0].npages = bt_plain_pages(rep, n);
    }
    if (cl_link_call(L, v, 4, &got, "flags %d %zu", (int)rep, n) != 0 || got < 2 * nreg) {
        cl_cannot_subject(exp, L, "building the flags");
        goto out;
    }
    for (int i = 0; i < nreg; i++) {
        g[i].base = (uint64_t)v[2 * i];
        if ((size_t)v[2 * i + 1] != g[i].npages) {
            errno = EINVAL;
            cl_cannot(exp, "the subject's flags have another size than the model's");
            goto out;
        }
        g[i].sim = cl_cow_new(g[i].npages, (unsigned)k + 1, cl_read_fault_of_machine());
        if (!g[i].sim) {
            cl_cannot(exp, "the model");
            goto out;
        }
        for (size_t p = 0; p < g[i].npages; p++) /* the parent wrote every page */
            cl_cow_write(g[i].sim, 0, p);
        for (int c = 1; c <= k; c++)
            cl_cow_fork(g[i].sim, 0, (unsigned)c);
    }
    /* 3.11: every reader's incref writes True's and False's refcounts: their page is copied. */
    for (int c = 1; rep == BT_LIST311 && c <= k; c++)
        cl_cow_write(g[1].sim, (unsigned)c, truefalse_page);
    if (cl_link_call(L, v, CL_TEAM_MAX, &got, "team %d 1 %d %d 0 0", k, BT_WORK_READ, (int)rep) !=
        0) {
        cl_cannot_subject(exp, L, "forking the readers");
        goto out;
    }
    team = true;
    pid_t pids[CL_TEAM_MAX + 1] = {L->pid};
    for (int i = 0; i < k; i++)
        if ((pids[i + 1] = i < got ? cl_link_verify_pid(L, v[i]) : -1) <= 0) {
            errno = ESRCH;
            cl_cannot(exp, "the readers' pids");
            goto out;
        }
    if (cl_link_call(L, NULL, 0, NULL, "await %d", cl_link_deadline_ms(BT_TIMEOUT_MS)) != 0) {
        cl_cannot_subject(exp, L, "the readers");
        goto out;
    }
    int64_t want_set = (int64_t)((n + 2) / 3);
    for (int i = 0; i < k; i++) {
        int64_t rep_v[CL_TEAM_REPORTS];
        char proc[24];
        snprintf(proc, sizeof proc, "reader%d", i + 1);
        if (cl_link_call(L, rep_v, CL_TEAM_REPORTS, NULL, "report %d", i) != 0) {
            cl_cannot_subject(exp, L, "a reader's count");
            goto out;
        }
        cl_results_add(r, exp, k, proc, "after_read", "flags_set", want_set, rep_v[0], "flags",
                       rep == BT_BITS ? "ba_count of the flags: every third bit is set"
                                      : "every third flag is set");
    }
    const char *hint[BT_NREPS] = {
        "the flags were written before fork and only read after it: every page stays shared",
        "the flags were written before fork and only read after it: every page stays shared",
        "the flags were written before fork and only read after it: every page stays shared",
        "reading the list writes no item slot: the item array stays shared",
        "reading the list writes no item slot: the item array stays shared",
    };
    if (bt_measure(r, exp, k, pids, &g[0], hint[rep]) < 0)
        goto out;
    if (list && bt_measure(r, bt_rep_name(rep, 1), k, pids, &g[1],
                           rep == BT_LIST311
                               ? "3.11: each reader's incref and decref of True and False writes "
                                 "their page: each reader copies it (one page)"
                               : "3.12: True and False are immortal: no reader writes them") < 0)
        goto out;
    cl_results_add(r, exp, k, "parent", "after_read", "n_flags", CL_NO_EXPECT, (int64_t)n, "flags",
                   "the number of flags");
    team = false;
    if (cl_link_call(L, NULL, 0, NULL, "finish %d", cl_link_deadline_ms(BT_TIMEOUT_MS)) != 0) {
        cl_cannot_subject(exp, L, "a reader exited badly");
        goto out;
    }
    rc = 0;
out:
    if (team)
        cl_link_call(L, NULL, 0, NULL, "finish 1000");
    for (int i = 0; i < 2; i++)
        cl_cow_free(g[i].sim);
    rc_world_free(mw);
    return rc;
}

static long bt_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

int bt_exp_sieve(struct cl_results *r, const char *exp, size_t n, int k)
{
    struct cl_link *L = cl_lab_subject();
    size_t nb = n + 1, nw = (nb + 63) / 64, ps = cl_page_size();
    size_t mapped = (nw * 8 + 8 + ps - 1) / ps * ps / 8; /* words the subject maps */
    uint64_t *want = bt_model_sieve(nb), *got = malloc(mapped * sizeof *got);
    int rc = -1;
    bool team = false;
    int64_t addr, v[CL_TEAM_MAX];
    int count = 0;
    if (!want || !got) {
        cl_cannot(exp, "the model's sieve");
        goto out;
    }
    if (cl_link_call(L, &addr, 1, NULL, "sieve_map %zu", nb) != 0) {
        cl_cannot_subject(exp, L, "mapping the shared array");
        goto out;
    }
    long t0 = bt_now_us();
    if (cl_link_call(L, v, CL_TEAM_MAX, &count, "team %d 1 %d %" PRId64 " %zu %d", k, BT_WORK_SIEVE,
                     addr, nb, k) != 0) {
        cl_cannot_subject(exp, L, "forking the sieve's workers");
        goto out;
    }
    team = true;
    if (cl_link_call(L, NULL, 0, NULL, "await %d", cl_link_deadline_ms(BT_TIMEOUT_MS)) != 0) {
        cl_cannot_subject(exp, L, "ba_sieve_range in the workers");
        goto out;
    }
    long t1 = bt_now_us();
    for (int i = 0; i < k; i++) {
        int64_t rv[CL_TEAM_REPORTS];
        char proc[24];
        snprintf(proc, sizeof proc, "worker%d", i + 1);
        if (cl_link_call(L, rv, CL_TEAM_REPORTS, NULL, "report %d", i) != 0) {
            cl_cannot_subject(exp, L, "a worker's return value");
            goto out;
        }
        cl_results_add(r, exp, k, proc, "after_sieve", "return", 0, rv[0], "rc",
                       "ba_sieve_range returns 0 for a range inside the array");
    }
    if (cl_link_peek(L->pid, (uint64_t)addr, got, mapped * sizeof *got) < 0) {
        cl_cannot(exp, "reading the shared array");
        goto out;
    }
    int64_t wrong = 0, pi = (int64_t)nb;
    for (size_t w = 0; w < nw; w++) {
        uint64_t m = (w + 1 == nw && nb % 64) ? (UINT64_C(1) << (nb % 64)) - 1 : ~UINT64_C(0);
        wrong += (got[w] & m) != want[w] || (got[w] & ~m) != 0;
        pi -= __builtin_popcountll(got[w] & m);
    }
    for (size_t w = nw; w < mapped; w++) /* past the array, in the same pages */
        wrong += got[w] != 0;
    int64_t want_pi = (int64_t)nb;
    for (size_t w = 0; w < nw; w++)
        want_pi -= __builtin_popcountll(want[w]);
    cl_results_add(r, exp, k, "parent", "after_sieve", "words_wrong", 0, wrong, "words",
                   "words of the shared array that differ from the model's sieve: a bit lost "
                   "where two workers' slices meet, a composite missed, a prime marked, or a bit "
                   "set past the end");
    cl_results_add(r, exp, k, "parent", "after_sieve", "pi", want_pi, pi, "primes",
                   "pi(10^6) = 78498, pi(3 * 10^7) = 1857859: the numbers whose bit stays clear");
    cl_results_add(r, exp, k, "parent", "after_sieve", "sieve_us", CL_NO_EXPECT, t1 - t0, "us",
                   "reported, not modelled: forking the workers and marking");
    team = false;
    if (cl_link_call(L, NULL, 0, NULL, "finish %d", cl_link_deadline_ms(BT_TIMEOUT_MS)) != 0) {
        cl_cannot_subject(exp, L, "a worker exited badly");
        goto out;
    }
    rc = 0;
out:
    if (team)
        cl_link_call(L, NULL, 0, NULL, "finish 1000");
    free(want);
    free(got);
    return rc;
}
