/*
 * experiments.h — lab 02's experiments: build a world in the parent, fork K children that
 * each run one operation (the student's code), hold them at a barrier, measure every region
 * of every process, and set the model's numbers beside them.
 */
#ifndef LAB02_EXPERIMENTS_H
#define LAB02_EXPERIMENTS_H

#include "02-refcount.h"
#include "cowlab/results.h"

enum rc_op { OP_SUM, OP_LEN, OP_CONTAINS, OP_GC, OP_ARRAY_SUM };
enum rc_payload {
    PAY_DISTINCT,   /* [i + 1000 for i in range(n)] */
    PAY_FLOATS,     /* [i + 0.5 for i in range(n)] */
    PAY_SMALL,      /* [i % 262 - 5 for i in range(n)]: the small-int cache */
    PAY_CONTAINERS, /* [[] for _ in range(n)] */
    PAY_ARRAY       /* one unboxed array of n int64 */
};

struct rc_scenario {
    const char *name; /* the experiment's name in the results ("boxed", "immortal_312", ...) */
    enum rc_semantics sem;
    const struct rc_geometry *geometry;
    enum rc_payload payload;
    enum rc_op op;
    bool immortal_items; /* make the list's items immortal before fork (RC_PY312/RC_PY314) */
    bool freeze;         /* rc_gc_freeze() before fork */
    size_t n;
    int k;            /* children */
    int64_t contains; /* OP_CONTAINS: the value looked for */
    bool per_page;    /* also one page_state row per heap page, parent and child1 */
    size_t page_size; /* model only (rc_model_only, rc_model_int_pages): count in pages of this
                         size, as a machine with them would (0: this machine's); rc_run
                         refuses anything but 0 */
};

/* Run one scenario into r. Rows: per process and region the smaps fields the model knows
 * ("heap.Pss", ...), and per child "pages_dirtied" (pagemap: pages of the child's own in the
 * world's regions) and "op_result". Returns 0, or -1 if it could not run (said with
 * CL_FAIL in a test, on stderr otherwise). *model_pages, if not NULL, gets the model's count
 * of pages one child dirties. */
int rc_run(struct cl_results *r, const struct rc_scenario *sc, size_t *model_pages);

/* The model's count of pages a child dirties, and of the heap's resident pages, for a
 * scenario: built in this process, nothing forked or measured. -1 if the world cannot be
 * built. */
int rc_model_only(const struct rc_scenario *sc, size_t *dirtied, size_t *resident_heap);
/* The model's count of heap pages holding the ob_refcnt of the list's items (the ints the
 * parent built), for a scenario; as rc_model_only. */
int rc_model_int_pages(const struct rc_scenario *sc, size_t *pages);

#endif
