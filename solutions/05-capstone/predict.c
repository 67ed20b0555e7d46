/*
 * Lab 05 — the capstone: what each strategy costs (reference solution).
 * Contracts in include/05-capstone.h; the reasoning in handbook/05-capstone.md.
 */
#include "05-capstone.h"

/* One process's Pss (kB) of one mapping holding `own` pages it maps alone and `shared` pages
 * mapped by m processes: the kernel adds (page_size << 12) / mapcount for each page, then
 * prints the sum >> 12 >> 10, once per mapping. */
static uint64_t cap_region_pss_kb(size_t own, size_t shared, unsigned m, size_t page_size)
{
    uint64_t full = (uint64_t)page_size << 12;
    uint64_t acc = own * full + (m ? shared * (full / m) : 0);
    return acc >> 12 >> 10;
}

void cap_predict(const struct cap_layout *l, enum cap_strategy s, unsigned k,
                 struct cap_prediction *out)
{
    uint64_t page_kb = l->page_size / 1024, procs = (uint64_t)k + 1;
    size_t heap = l->heap_pages, refs = l->refcount_pages, sys = l->system_pages;
    switch (s) {
    case CAP_FORK:
    case CAP_FORK_FREEZE: /* every worker copies every page a reference writes; so the
                             parent's originals end up its own too */
        out->total_pss_kb = procs * (cap_region_pss_kb(refs, heap - refs, k + 1, l->page_size) +
                                     cap_region_pss_kb(0, sys, k + 1, l->page_size));
        out->worker_private_dirty_kb = refs * page_kb;
        break;
    case CAP_IMMORTAL:
        out->total_pss_kb = procs * (cap_region_pss_kb(0, heap, k + 1, l->page_size) +
                                     cap_region_pss_kb(0, sys, k + 1, l->page_size));
        out->worker_private_dirty_kb = 0;
        break;
    case CAP_PICKLE: /* a full copy in every process */
        out->total_pss_kb = procs * (heap + sys) * page_kb;
        out->worker_private_dirty_kb = (heap + sys) * page_kb;
        break;
    case CAP_SHARED:
    default:
        out->total_pss_kb = procs * cap_region_pss_kb(0, l->segment_pages, k + 1, l->page_size);
        out->worker_private_dirty_kb = 0;
        break;
    }
}

uint64_t cap_extrapolate_kb(const struct cap_params *p, size_t page_size, enum cap_strategy s,
                            unsigned k, uint64_t interp_kb)
{
    struct cap_layout l;
    struct cap_prediction pr;
    if (cap_layout_of(p, page_size, &l) < 0)
        return 0;
    cap_predict(&l, s, k, &pr);
    return pr.total_pss_kb + ((uint64_t)k + 1) * interp_kb;
}
