/*
 * experiments.h — lab 02's experiments: build a world in the parent, fork K children that
 * each run one operation (the student's code), hold them at a barrier, measure every region
 * of every process, and set the model's numbers beside them.
 */
#ifndef LAB02_EXPERIMENTS_H
#define LAB02_EXPERIMENTS_H

#include "02-refcount.h"
#include "cowlab/results.h"
#include "world.h"

/* Run one scenario into r. Rows: per process and region the smaps fields the model knows
 * ("heap.Pss", ...), and per child "pages_dirtied" (pagemap: pages of the child's own in the
 * world's regions), "op_result" and, for a collection, "gc_refs_stored" (containers whose
 * gc_prev holds the model's ob_refcnt << 2, read from the child's memory). Returns 0, or -1
 * if it could not run (said with CL_FAIL in a test, on stderr otherwise). *model_pages, if
 * not NULL, gets the model's count of pages one child dirties. */
int rc_run(struct cl_results *r, const struct rc_scenario *sc, size_t *model_pages);

/* The model's count of pages a child dirties, and of the heap's resident pages, for a
 * scenario, and (int_pages not NULL) of the heap pages holding the ob_refcnt of the list's
 * items (the ints the parent built): one world built in this process, nothing forked or
 * measured. -1 if the world cannot be built. */
int rc_model_only(const struct rc_scenario *sc, size_t *dirtied, size_t *resident_heap,
                  size_t *int_pages);

/* rc_model_only's numbers for one page size (int_pages 0 unless asked for). */
struct rc_model_count {
    size_t dirtied, resident_heap, int_pages;
};

/* rc_model_only for each of count page sizes at once, into out[0..count): one world, built in
 * pages of sizes[0] (0: this machine's; sc->page_size is not used), the larger pages counted
 * from its pages (a page is written if any of the smaller pages in it is). The other sizes
 * must be multiples of the first: -1 (EINVAL, said) if one is not, or if the world cannot be
 * built. int_pages: count the int pages too. */
int rc_model_pages(const struct rc_scenario *sc, const size_t *sizes, size_t count, bool int_pages,
                   struct rc_model_count *out);

/* The model's heap after a scenario's operation: its Pss (kB) in process p (0: the parent,
 * 1..k: the children), its resident pages (the parent wrote them) and the pages of it each
 * child wrote; as rc_model_only. */
int rc_model_heap_pss(const struct rc_scenario *sc, unsigned p, uint64_t *kb, size_t *resident,
                      size_t *dirtied);

#endif
