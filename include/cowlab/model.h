/*
 * cowlab/model.h — the exact expected value of every metric, computed the way the kernel
 * computes it (fs/proc/task_mmu.c: smaps_account), not approximated.
 *
 * Two layers:
 *   - cl_model_region(): smaps numbers of one region from each page's mapcount;
 *   - struct cl_cow: a page-by-page simulation of fork, write (copy-on-write) and exit, which
 *     tells every page's mapcount in every process, and so feeds cl_model_region().
 */
#ifndef COWLAB_MODEL_H
#define COWLAB_MODEL_H

#include "cowlab/mem.h"

/*
 * PSS in kB of pages whose mapcounts are given, exactly as /proc prints it for one mapping
 * (smaps) or one process (smaps_rollup): each resident page adds (page_size << 12) / m to a
 * 64-bit accumulator, which is printed as acc >> 12 >> 10. Pages with mapcount 0 are not
 * resident (or are the shared zero page) and add nothing.
 */
uint64_t cl_model_pss_kb(const unsigned *mapcount, size_t npages, size_t page_size);

/* The same for `npages` pages all of mapcount m (m = 0: nothing resident). */
uint64_t cl_model_pss_uniform_kb(size_t npages, unsigned m, size_t page_size);

/*
 * Fill out with the smaps numbers of a private anonymous region whose pages have the given
 * mapcounts (0 = not resident): Size, Rss, Pss, Shared_/Private_Clean/Dirty, Anonymous, and
 * zero for the swap and huge fields. clean[i] marks a resident page that is clean (a
 * read-faulted fresh page on a kernel without the zero page, where the probe found such
 * pages clean); clean may be NULL: every resident page is dirty. out->have marks exactly the
 * fields set.
 */
void cl_model_anon_region(const unsigned *mapcount, const bool *clean, size_t npages,
                          size_t page_size, struct cl_mem *out);

/* The smaps numbers of a shared mapping (shmem, a shm_open segment, or a MAP_PRIVATE mapping of
 * one) whose pages have the given mapcounts (0 = not mapped): as cl_model_anon_region, every
 * resident page dirty (a written shmem page stays dirty in the page cache, whoever maps it), but
 * Anonymous counts only the pages anon[i] marks (copies a MAP_PRIVATE write made; anon may be
 * NULL: none). */
void cl_model_shared_region(const unsigned *mapcount, const bool *anon, size_t npages,
                            size_t page_size, struct cl_mem *out);

/*
 * Fault-around (mm/memory.c, do_fault_around): a read fault at page `page` of a file or shmem
 * mapping of vma_pages pages starting at address vma_start maps, besides that page, every page
 * already in the page cache (cached[j]) inside a window of fa_pages pages: the window starts at
 * the faulting address rounded down to fa_pages pages, moved up to the mapping's start if that
 * is later, and ends fa_pages pages after its start, at the end of the page table (page_size / 8
 * entries) or at the mapping's end, whichever comes first. Pages already mapped stay so. If
 * mapped[page] is already set there is no fault and nothing changes. fa_pages 0 or 1: no
 * fault-around, only the page itself.
 */
void cl_model_fault_around(uintptr_t vma_start, size_t vma_pages, size_t page, size_t fa_pages,
                           size_t page_size, const bool *cached, bool *mapped);

/* The state a page shows in one process: what the page-map plot colours.
 * CL_PAGE_ZERO: a read of a never-written page maps the shared zero page. smaps counts it
 * nowhere; pagemap shows it present and not exclusive, so without PFNs (non-root) it looks
 * exactly like CL_PAGE_SHARED: see cl_page_state_visible(). A kernel without the zero page
 * (cl_probe()->zero_page == CL_NO) never shows this state: the read maps a fresh page. */
enum cl_page_state {
    CL_PAGE_ABSENT = 0,
    CL_PAGE_SHARED = 1,
    CL_PAGE_PRIVATE = 2,
    CL_PAGE_ZERO = 3
};

/* The state pagemap shows for pg; zero_pfn is the zero page's PFN (0 when PFNs are hidden,
 * then a zero-page mapping reads as CL_PAGE_SHARED). */
enum cl_page_state cl_page_state_of(const struct cl_page *pg, uint64_t zero_pfn);

/* What a model state looks like to someone who cannot see PFNs. */
enum cl_page_state cl_page_state_visible(enum cl_page_state s, bool pfns_known);

/* The PFN of the shared zero page as this process sees it, or 0 if PFNs are hidden
 * (no CAP_SYS_ADMIN), the kernel has no zero page (a read fault maps a fresh, exclusive
 * page), or it cannot be found. */
uint64_t cl_zero_pfn(void);

/*
 * A copy-on-write simulation of one private anonymous region of npages pages, seen by up to
 * nproc processes (slot 0 is the first process; the others start absent).
 * Frames are physical pages; each process slot maps, for each page, one frame or none.
 */
struct cl_cow;

/* What a read fault on a never-written page of a private anonymous mapping does: the three
 * behaviours kernels have been seen to have (the probe tells which one this kernel has). */
enum cl_read_fault {
    CL_READ_ZERO_PAGE,   /* maps the shared zero page: nothing is charged */
    CL_READ_FRESH_DIRTY, /* allocates a zeroed page of the reader's own, marked dirty */
    CL_READ_FRESH_CLEAN, /* the same, clean */
};

/* The read-fault behaviour the probe established (see cowlab/probe.h); CL_READ_ZERO_PAGE
 * if the probe could not tell (then cl_probe_require() has already refused to run). */
enum cl_read_fault cl_read_fault_of_machine(void);

/* NULL on allocation failure (errno ENOMEM). Slot 0 is alive with every page absent; reads
 * of absent pages behave as rf says. */
struct cl_cow *cl_cow_new(size_t npages, unsigned nproc, enum cl_read_fault rf);
void cl_cow_free(struct cl_cow *c);

/* Process p writes page i: a fresh frame if absent or zero-mapped, in place if it maps the
 * frame alone (the kernel reuses it), otherwise a private copy. 0, or -1 (ENOMEM). */
int cl_cow_write(struct cl_cow *c, unsigned p, size_t i);
/* Process p reads page i: an absent page maps the zero page, or a fresh frame of p's own
 * (mapcount 1), as the simulation's read-fault behaviour says; anything else is unchanged. */
void cl_cow_read(struct cl_cow *c, unsigned p, size_t i);
/* Process p forks process slot child (which must be dead): the child maps every frame p maps. */
void cl_cow_fork(struct cl_cow *c, unsigned p, unsigned child);
/* Process p exits: its frames lose one mapping. */
void cl_cow_exit(struct cl_cow *c, unsigned p);

/* Mapcount of the frame process p maps at page i (0 if absent or the zero page). */
unsigned cl_cow_mapcount(const struct cl_cow *c, unsigned p, size_t i);
enum cl_page_state cl_cow_state(const struct cl_cow *c, unsigned p, size_t i);
/* True if process p still maps the frame it mapped when the simulation recorded its
 * "original" (see cl_cow_mark_original): the first writer gets the copy, the other keeps it. */
bool cl_cow_has_original(const struct cl_cow *c, unsigned p, size_t i);
/* Remember the frames process p maps now as the originals. */
void cl_cow_mark_original(struct cl_cow *c, unsigned p);

/* smaps numbers of the region in process p (dirty unless read-faulted clean). */
void cl_cow_region(const struct cl_cow *c, unsigned p, size_t page_size, struct cl_mem *out);

#endif
