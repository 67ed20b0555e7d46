/*
 * world.h — the kit's side of lab 02's world: constructing objects, and knowing where they
 * are (for the experiments and the model). Students see include/02-refcount.h only.
 */
#ifndef LAB02_WORLD_H
#define LAB02_WORLD_H

#include "02-refcount.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { RC_SMALL_MIN = -5, RC_SMALL_MAX = 256, RC_NSMALL = RC_SMALL_MAX - RC_SMALL_MIN + 1 };

/* A mapping the world owns, to be measured as one region. */
struct rc_region {
    const char *name; /* "heap", "small_ints", "items", "table", "array_data" */
    unsigned char *base;
    size_t npages;
    size_t page;      /* bytes a page: the machine's, or the world's pretended size */
    uint8_t *written; /* per page: written by the parent (the model's starting point) */
    bool guarded;     /* mapped by the world between two guard pages (world.c) */
};

enum { RC_HEAP, RC_SMALL, RC_ITEMS, RC_TABLE, RC_DATA, RC_NREGIONS };

/* What the world calls that students write: in the subject, the student's functions; in the
 * observer's model, rc_model_hooks (the kit's own table; refcount writes and a freeze that the
 * model accounts for itself). The world never names a student function: the observer, which
 * builds worlds too, links none. */
struct rc_hooks {
    uint32_t *(*outline_table_new)(size_t entries);
    void (*make_immortal)(struct rc_world *w, struct rc_object *o);
    void (*incref)(struct rc_world *w, struct rc_object *o);
    void (*decref)(struct rc_world *w, struct rc_object *o);
    void (*gc_freeze)(struct rc_world *w);
};
extern const struct rc_hooks rc_model_hooks;

/* A world sized for max_objects pool objects and one item array of max_items slots. NULL
 * with errno set on failure. RC_OUTLINE worlds get a refcount table from
 * hooks->outline_table_new; RC_PY312/RC_PY314 make the small-int cache immortal
 * (hooks->make_immortal).
 * page_size 0: the machine's pages. Any other power of two: the world counts its pages
 * (written[], rc_region_page) in pages of that size, as if the machine had them — for the
 * model alone (a world of pretended pages must never be measured); anything else is EINVAL.
 * Every region's page 0 starts at its base either way. */
struct rc_world *rc_world_new(const struct rc_geometry *g, enum rc_semantics s, size_t max_objects,
                              size_t max_items, size_t page_size, const struct rc_hooks *hooks);
void rc_world_free(struct rc_world *w);

/* The world's regions (base NULL: not mapped in this world). */
const struct rc_region *rc_world_region(const struct rc_world *w, int which);

/* Constructors; each returns NULL if the world is full. New objects have one reference. */
struct rc_int *rc_int_new(struct rc_world *w, int64_t value);
struct rc_float *rc_float_new(struct rc_world *w, double value);
/* The cached small int v (-5..256): a new reference to it. */
struct rc_int *rc_small_int(struct rc_world *w, int64_t v);
/* A list with room for n items, ob_item in the world's item region (one per world). */
struct rc_list *rc_list_new(struct rc_world *w, size_t n);
/* An empty list ([]): a container with no item array. */
struct rc_list *rc_list_new_empty(struct rc_world *w);
/* Append o, stealing the caller's reference. */
void rc_list_append(struct rc_world *w, struct rc_list *l, struct rc_object *o);
/* An unboxed array of n values v[i] = i + 1 (no zero: a sum that skips the first value shows),
 * data in the world's data region. */
struct rc_array *rc_array_new(struct rc_world *w, size_t n);
/* Create and free one list iterator in the parent, so that the 48-byte pool exists before
 * fork (as it does in any real interpreter). Returns the block it used: the child's iterator
 * will get the same one. */
void *rc_world_warm_iterator(struct rc_world *w, struct rc_list *l);

/* The refcount-table index the next new object will get (RC_OUTLINE). */
int64_t rc_world_next_index(const struct rc_world *w);

/* What the allocator did: pools in use, and the size class's block size for a request. */
size_t rc_world_pools_used(const struct rc_world *w);
size_t rc_block_size(const struct rc_geometry *g, size_t request);

/* The page index of addr in region r, or SIZE_MAX if outside it. */
size_t rc_region_page(const struct rc_region *r, const void *addr);

/* ---- scenarios: what the parent builds, and what each child then does ------------------- */

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
    size_t page_size; /* model only (rc_model_only): count in pages of this
                         size, as a machine with them would (0: this machine's); rc_run
                         refuses anything but 0 */
};

/* A scenario's payload, built in a world. */
struct rc_built {
    struct rc_world *w;
    struct rc_list *list;
    struct rc_array *array;
    void *warm_block;    /* the block the child's iterator will get */
    int64_t want_result; /* what the child's operation must return */
};

/* The items are immortal when the scenario made them so, and always when they are the small
 * int cache under 3.12+ (CPython's small ints are immortal there). */
bool rc_items_immortal(const struct rc_scenario *sc);

/* Build sc's world and payload (the parent's part, before fork) through hooks: the same
 * objects at the same offsets in every process that builds it. 0, or -1 with errno set (b->w,
 * if not NULL, is the caller's to free). */
int rc_build(const struct rc_scenario *sc, const struct rc_hooks *h, struct rc_built *b);

#endif
