/*
 * model.c — exact expected smaps numbers, and the copy-on-write page simulation.
 * Contracts in cowlab/model.h.
 */
#include "cowlab/model.h"

#include "cowlab/probe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { PSS_SHIFT = 12 }; /* as in fs/proc/task_mmu.c */

static uint64_t model_pss_share(size_t page_size, unsigned m)
{
    uint64_t whole = (uint64_t)page_size << PSS_SHIFT;
    return m >= 2 ? whole / m : whole;
}

static uint64_t model_pss_print_kb(uint64_t acc)
{
    return acc >> PSS_SHIFT >> 10;
}

uint64_t cl_model_pss_kb(const unsigned *mapcount, size_t npages, size_t page_size)
{
    /* The share of a page mapped m times, for the small m that are most pages' (a division
     * per page is most of this loop's time over a million pages). */
    enum { SHARES = 16 };
    uint64_t share[SHARES], acc = 0;
    for (unsigned m = 0; m < SHARES; m++)
        share[m] = m ? model_pss_share(page_size, m) : 0;
    for (size_t i = 0; i < npages; i++) {
        unsigned m = mapcount[i];
        acc += m < SHARES ? share[m] : model_pss_share(page_size, m);
    }
    return model_pss_print_kb(acc);
}

uint64_t cl_model_pss_uniform_kb(size_t npages, unsigned m, size_t page_size)
{
    if (m == 0)
        return 0;
    return model_pss_print_kb((uint64_t)npages * model_pss_share(page_size, m));
}

void cl_model_anon_region(const unsigned *mapcount, const bool *clean, size_t npages,
                          size_t page_size, struct cl_mem *out)
{
    uint64_t kb = page_size / 1024, resident = 0;
    uint64_t pages[2][2] = {{0, 0}, {0, 0}}; /* [shared][clean] */
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < npages; i++) {
        if (!mapcount[i])
            continue;
        resident++;
        pages[mapcount[i] >= 2][clean && clean[i]]++;
    }
    out->kb[CL_SIZE] = npages * kb;
    out->kb[CL_RSS] = resident * kb;
    out->kb[CL_PSS] = cl_model_pss_kb(mapcount, npages, page_size);
    out->kb[CL_SHARED_DIRTY] = pages[1][0] * kb;
    out->kb[CL_SHARED_CLEAN] = pages[1][1] * kb;
    out->kb[CL_PRIVATE_DIRTY] = pages[0][0] * kb;
    out->kb[CL_PRIVATE_CLEAN] = pages[0][1] * kb;
    out->kb[CL_ANONYMOUS] = resident * kb;
    static const enum cl_field modelled[] = {
        CL_SIZE,          CL_RSS,           CL_PSS,       CL_SHARED_CLEAN, CL_SHARED_DIRTY,
        CL_PRIVATE_CLEAN, CL_PRIVATE_DIRTY, CL_ANONYMOUS, CL_ANON_HUGE,    CL_SWAP,
    };
    for (size_t f = 0; f < sizeof modelled / sizeof modelled[0]; f++)
        out->have |= 1u << modelled[f];
    out->vmas = 1;
}

enum cl_page_state cl_page_state_of(const struct cl_page *pg, uint64_t zero_pfn)
{
    if (!pg->present)
        return CL_PAGE_ABSENT;
    if (pg->exclusive)
        return CL_PAGE_PRIVATE;
    if (zero_pfn && pg->pfn == zero_pfn)
        return CL_PAGE_ZERO;
    return CL_PAGE_SHARED;
}

enum cl_page_state cl_page_state_visible(enum cl_page_state s, bool pfns_known)
{
    return s == CL_PAGE_ZERO && !pfns_known ? CL_PAGE_SHARED : s;
}

enum cl_read_fault cl_read_fault_of_machine(void)
{
    const struct cl_probe *p = cl_probe();
    if (p->zero_page != CL_NO)
        return CL_READ_ZERO_PAGE;
    return p->read_fault_dirty == CL_NO ? CL_READ_FRESH_CLEAN : CL_READ_FRESH_DIRTY;
}

uint64_t cl_zero_pfn(void)
{
    static uint64_t pfn = UINT64_MAX;
    if (pfn != UINT64_MAX)
        return pfn;
    pfn = 0;
    if (cl_probe()->zero_page != CL_YES)
        return 0;
    size_t ps = cl_page_size();
    volatile unsigned char *p =
        mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    (void)p[0]; /* a read fault maps the zero page */
    struct cl_page pg;
    if (cl_pages(0, (const void *)p, 1, &pg) == 0 && pg.present && !pg.exclusive)
        pfn = pg.pfn;
    munmap((void *)p, ps);
    return pfn;
}

/* Frames are numbered from 1; frame 0 means "absent", COW_ZERO the shared zero page. map[p * npages
 * + i] is the frame that process p maps at page i; refs[frame] is that frame's mapcount and
 * clean[frame] whether it was never written (a read-faulted fresh page, clean on kernels
 * whose probe says so). */
#define COW_ZERO UINT32_MAX
struct cl_cow {
    size_t npages;
    unsigned nproc;
    enum cl_read_fault rf;
    bool *alive;
    uint32_t *map;
    uint32_t *original;
    uint32_t *refs;
    bool *clean;
    uint32_t nframes, cap;
};

struct cl_cow *cl_cow_new(size_t npages, unsigned nproc, enum cl_read_fault rf)
{
    struct cl_cow *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->npages = npages;
    c->nproc = nproc;
    c->rf = rf;
    c->cap = (uint32_t)(npages * 2 + 1);
    c->alive = calloc(nproc, sizeof *c->alive);
    c->map = calloc(npages * nproc, sizeof *c->map);
    c->original = calloc(npages, sizeof *c->original);
    c->refs = calloc(c->cap, sizeof *c->refs);
    c->clean = calloc(c->cap, sizeof *c->clean);
    if (!c->alive || !c->map || !c->original || !c->refs || !c->clean) {
        cl_cow_free(c);
        errno = ENOMEM;
        return NULL;
    }
    c->alive[0] = true;
    return c;
}

void cl_cow_free(struct cl_cow *c)
{
    if (!c)
        return;
    free(c->alive);
    free(c->map);
    free(c->original);
    free(c->refs);
    free(c->clean);
    free(c);
}

/* A new dirty frame with mapcount 1, or 0 if the frame table cannot grow. */
static uint32_t cow_new_frame(struct cl_cow *c)
{
    if (c->nframes + 1 >= c->cap) {
        uint32_t cap = c->cap * 2;
        uint32_t *refs = realloc(c->refs, cap * sizeof *refs);
        if (!refs)
            return 0;
        c->refs = refs;
        bool *clean = realloc(c->clean, cap * sizeof *clean);
        if (!clean)
            return 0;
        c->clean = clean;
        memset(refs + c->cap, 0, (cap - c->cap) * sizeof *refs);
        memset(clean + c->cap, 0, (cap - c->cap) * sizeof *clean);
        c->cap = cap;
    }
    uint32_t f = ++c->nframes;
    c->refs[f] = 1;
    c->clean[f] = false;
    return f;
}

int cl_cow_write(struct cl_cow *c, unsigned p, size_t i)
{
    uint32_t *slot = &c->map[p * c->npages + i];
    if (*slot && *slot != COW_ZERO && c->refs[*slot] == 1) {
        c->clean[*slot] = false; /* mapped alone: the kernel writes in place */
        return 0;
    }
    uint32_t f = cow_new_frame(c);
    if (!f) {
        errno = ENOMEM;
        return -1;
    }
    if (*slot && *slot != COW_ZERO)
        c->refs[*slot]--;
    *slot = f;
    return 0;
}

void cl_cow_read(struct cl_cow *c, unsigned p, size_t i)
{
    uint32_t *slot = &c->map[p * c->npages + i];
    if (*slot)
        return;
    if (c->rf == CL_READ_ZERO_PAGE) {
        *slot = COW_ZERO;
        return;
    }
    uint32_t f = cow_new_frame(c);
    if (!f) { /* cannot grow: leave the page absent (the row will differ, loudly) */
        errno = ENOMEM;
        return;
    }
    c->clean[f] = c->rf == CL_READ_FRESH_CLEAN;
    *slot = f;
}

void cl_cow_fork(struct cl_cow *c, unsigned p, unsigned child)
{
    const uint32_t *from = &c->map[p * c->npages];
    uint32_t *to = &c->map[child * c->npages];
    for (size_t i = 0; i < c->npages; i++) {
        to[i] = from[i];
        if (to[i] && to[i] != COW_ZERO)
            c->refs[to[i]]++;
    }
    c->alive[child] = true;
}

void cl_cow_exit(struct cl_cow *c, unsigned p)
{
    uint32_t *row = &c->map[p * c->npages];
    for (size_t i = 0; i < c->npages; i++) {
        if (row[i] && row[i] != COW_ZERO)
            c->refs[row[i]]--;
        row[i] = 0;
    }
    c->alive[p] = false;
}

unsigned cl_cow_mapcount(const struct cl_cow *c, unsigned p, size_t i)
{
    uint32_t f = c->map[p * c->npages + i];
    return f && f != COW_ZERO ? c->refs[f] : 0;
}

enum cl_page_state cl_cow_state(const struct cl_cow *c, unsigned p, size_t i)
{
    if (c->map[p * c->npages + i] == COW_ZERO)
        return CL_PAGE_ZERO;
    unsigned m = cl_cow_mapcount(c, p, i);
    return m == 0 ? CL_PAGE_ABSENT : m == 1 ? CL_PAGE_PRIVATE : CL_PAGE_SHARED;
}

void cl_cow_mark_original(struct cl_cow *c, unsigned p)
{
    memcpy(c->original, &c->map[p * c->npages], c->npages * sizeof *c->original);
}

bool cl_cow_has_original(const struct cl_cow *c, unsigned p, size_t i)
{
    uint32_t f = c->map[p * c->npages + i];
    return f && f != COW_ZERO && f == c->original[i];
}

void cl_cow_region(const struct cl_cow *c, unsigned p, size_t page_size, struct cl_mem *out)
{
    size_t n = c->npages ? c->npages : 1;
    unsigned *m = malloc(n * sizeof *m);
    bool *clean = malloc(n * sizeof *clean);
    memset(out, 0, sizeof *out);
    if (m && clean) {
        for (size_t i = 0; i < c->npages; i++) {
            uint32_t f = c->map[p * c->npages + i];
            m[i] = cl_cow_mapcount(c, p, i);
            clean[i] = f && f != COW_ZERO && c->clean[f];
        }
        cl_model_anon_region(m, clean, c->npages, page_size, out);
    }
    free(m);
    free(clean);
}

/* ---- shared mappings: shmem regions and fault-around ---------------------------------- */

void cl_model_shared_region(const unsigned *mapcount, const bool *anon, size_t npages,
                            size_t page_size, struct cl_mem *out)
{
    cl_model_anon_region(mapcount, NULL, npages, page_size, out);
    uint64_t anon_pages = 0;
    for (size_t i = 0; anon && i < npages; i++)
        anon_pages += mapcount[i] && anon[i];
    out->kb[CL_ANONYMOUS] = anon_pages * (page_size / 1024);
}

void cl_model_fault_around(uintptr_t vma_start, size_t vma_pages, size_t page, size_t fa_pages,
                           size_t page_size, const bool *cached, bool *mapped)
{
    if (page >= vma_pages || mapped[page])
        return;
    mapped[page] = true;
    if (fa_pages < 2)
        return;
    size_t ptrs = page_size / 8; /* entries of one page table */
    size_t pte_off = (size_t)(vma_start / page_size + page) % ptrs;
    size_t from = pte_off / fa_pages * fa_pages; /* in the page table, as the kernel counts */
    size_t vma_first = pte_off - (pte_off < page ? pte_off : page);
    if (from < vma_first)
        from = vma_first;
    size_t to = from + fa_pages;
    if (to > ptrs)
        to = ptrs;
    if (to > pte_off + (vma_pages - page))
        to = pte_off + (vma_pages - page);
    for (size_t t = from; t < to; t++) {
        size_t j = page - pte_off + t; /* back to a page of the mapping */
        if (cached[j])
            mapped[j] = true;
    }
}
