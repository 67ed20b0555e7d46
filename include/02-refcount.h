/*
 * 02-refcount.h — Lab 02, simulated reference-count writes: why reading Python objects copies
 * pages, and what the remedies cost.
 *
 * The kit provides a small CPython-faithful world (64-bit layout): 16-byte object headers,
 * boxed ints (a 28-byte request), lists whose item array is a separate allocation, 16-byte GC
 * headers in front of containers, and a pymalloc-like allocator (arenas, pools, size classes).
 * You implement what CPython's reference counting and cycle collector WRITE (refcount.c), and
 * predict how many pages those writes dirty (predict.c). Read handbook/02-refcount.md first.
 */
#ifndef LAB02_REFCOUNT_H
#define LAB02_REFCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the world (provided: labs/02-refcount/common/world.c) ------------------------- */

/* pymalloc's geometry. CPython 3.10+: 1 MiB arenas, 16 KiB pools; 3.8-3.9: 256 KiB, 4 KiB. */
struct rc_geometry {
    size_t arena_size;
    size_t pool_size;
    size_t pool_header; /* 48 bytes on 64-bit */
    size_t align;       /* size classes are multiples of 16 bytes */
    size_t max_small;   /* requests above 512 bytes go to the system allocator */
};
extern const struct rc_geometry rc_geometry_310, rc_geometry_38;

/* How reference counts are written. */
enum rc_semantics {
    RC_PY311,  /* ob_refcnt += 1 / -= 1, always */
    RC_PY312,  /* immortal: low 32 bits 0xFFFFFFFF; incref skipped when +1 would wrap them */
    RC_PY314,  /* immortal from 3u << 30; incref skipped when the low 32 bits are >= 3u << 30 */
    RC_OUTLINE /* counts live in a uint32 table beside the objects; ob_refcnt holds the index */
};

struct rc_type {
    const char *name;
    size_t basicsize; /* bytes requested from the allocator, GC head not included */
    bool gc;          /* a container: has a GC head in front of the object */
};
extern const struct rc_type rc_int_type, rc_float_type, rc_list_type, rc_listiter_type,
    rc_array_type;

struct rc_object {
    int64_t ob_refcnt; /* RC_OUTLINE: the object's index in the refcount table */
    const struct rc_type *ob_type;
};

/* In front of every container (16 bytes), as CPython's PyGC_Head. */
struct rc_gchead {
    uintptr_t gc_next;
    uintptr_t gc_prev;
};

/* A boxed int below 2^30: header, ob_size, one 30-bit digit: a 28-byte request. */
struct rc_int {
    struct rc_object ob_base;
    int64_t ob_size;
    uint32_t ob_digit[1];
};

/* A boxed float: header and a double, a 24-byte request (a 32-byte block, like an int). */
struct rc_float {
    struct rc_object ob_base;
    double ob_fval;
};

struct rc_list {
    struct rc_object ob_base;
    int64_t ob_size;
    struct rc_object **ob_item; /* a separate allocation, 8 bytes a slot */
    int64_t allocated;
};

/* What `for x in lst` creates: it holds a reference to the list. */
struct rc_listiter {
    struct rc_object ob_base;
    int64_t it_index;
    struct rc_list *it_seq;
};

/* An unboxed array (NumPy-like): one header, int64 values in a separate buffer. */
struct rc_array {
    struct rc_object ob_base;
    int64_t length;
    int64_t *data;
};

struct rc_world; /* opaque: the allocator, the generations, the refcount table */

/* The semantics and the refcount table of a world. */
enum rc_semantics rc_world_semantics(const struct rc_world *w);
uint32_t *rc_world_table(struct rc_world *w);
/* An int's value (the world's ints are -2^30 < v < 2^30). */
int64_t rc_int_value(const struct rc_int *o);
/* The value of an int, or of a float rounded toward zero; reads, never writes. */
int64_t rc_number_value(const struct rc_object *o);
/* A new list iterator over l (a 48-byte GC block; increfs l with rc_incref), or NULL when
 * the world has no room for it (l untouched); and its end (decrefs l, frees the block). */
struct rc_listiter *rc_listiter_new(struct rc_world *w, struct rc_list *l);
void rc_listiter_free(struct rc_world *w, struct rc_listiter *it);
/* The tracked containers: the young generation, and the permanent one gc.freeze() fills.
 * Each is a circular list of GC heads linked through gc_next/gc_prev; the head itself is a
 * sentinel that is not a container. */
struct rc_gchead *rc_world_young(struct rc_world *w);
struct rc_gchead *rc_world_permanent(struct rc_world *w);

/* ---- refcount.c: what you implement ------------------------------------------------- */

/* Py_INCREF / Py_DECREF with the world's semantics. Write the count only when CPython would:
 * RC_PY311 always; RC_PY312 not when the low 32 bits are 0xFFFFFFFF (incref) or negative as an
 * int32 (decref); RC_PY314 not when the low 32 bits, as a uint32_t, are >= 3u << 30 (incref) or
 * negative as an int32 (decref); RC_OUTLINE in rc_world_table(w)[o->ob_refcnt], never in the
 * object. No object in these experiments reaches zero: decref never frees. What is written: an
 * incref under RC_PY312 and RC_PY314 stores the low 32 bits only (the next value of the low half:
 * CPython's ob_refcnt_split, Include/object.h), leaving the high half as it was; a decref under
 * RC_PY311, RC_PY312 and RC_PY314 decrements the whole 64-bit ob_refcnt (CPython's
 * --op->ob_refcnt); RC_PY311 increments the whole word. Under RC_OUTLINE ob_refcnt is the index of
 * the object's entry and is never written: incref adds 1 to the uint32 entry, decref subtracts 1
 * from it. */
void rc_incref(struct rc_world *w, struct rc_object *o);
void rc_decref(struct rc_world *w, struct rc_object *o);

/* True if o is immortal under the world's semantics: under RC_PY312 and RC_PY314, when the low
 * 32 bits of ob_refcnt, read as an int32, are negative (the decref test: 0xFFFFFFFF and
 * 3u << 30 both are); never for RC_PY311 and RC_OUTLINE. */
bool rc_is_immortal(const struct rc_world *w, const struct rc_object *o);

/* Make o immortal: RC_PY312 sets the whole 64-bit ob_refcnt to 0xFFFFFFFF, RC_PY314 to
 * 3u << 30 (the high half 0 either way); the other semantics leave it unchanged. */
void rc_make_immortal(struct rc_world *w, struct rc_object *o);

/* Map the out-of-line refcount table: room for `entries` uint32 counts (1 <= entries <=
 * SIZE_MAX / 4; the world calls it once, for RC_OUTLINE). One private anonymous mapping (mmap) of
 * entries * 4 bytes — mmap itself rounds the length up to whole pages, and gives zeroed memory —
 * followed by madvise(MADV_NOHUGEPAGE) on it, so that the table is made of base pages: with
 * transparent huge pages a child's first refcount write would copy 2 MiB instead of one page,
 * and the experiments count pages. Returns the table; or, when mmap fails, NULL with errno as
 * mmap set it (MAP_FAILED is not NULL; a table too large for memory is mmap's ENOMEM). What
 * to do when madvise fails is yours to choose: this lab's tests never make it fail (labs 01
 * and 03 do, and there it is a failure). */
uint32_t *rc_outline_table_new(size_t entries);

/* sum(lst) as CPython runs it: a list iterator (rc_listiter_new), then for each item in order
 * a new reference (incref), the item's value added, and that reference dropped (decref) before
 * the next item's incref; rc_listiter_free at the end. Read the items through the iterator
 * (it->it_index, as listiter_next does) or straight from l->ob_item: both write the same
 * pages, and the tests accept either.
 * Returns the sum of the items' values (rc_number_value). When rc_listiter_new returns NULL
 * (the world is full: CPython would raise MemoryError), returns 0 and writes no refcount. */
int64_t rc_list_sum(struct rc_world *w, struct rc_list *l);

/* len(lst): touches no item. */
size_t rc_list_len(const struct rc_list *l);

/* `value in lst`, as list_contains (Objects/listobject.c): incref each item before comparing
 * it, decref after; stop at the first match. An item equals value when rc_number_value(item)
 * == value. */
bool rc_list_contains(struct rc_world *w, struct rc_list *l, int64_t value);

/* One collection of the young generation, as far as its writes go: its first step, CPython's
 * update_refs (Modules/gcmodule.c, 3.8-3.12; Python/gc.c from 3.13), which stores each
 * tracked container's refcount into its GC head before counting references.
 * The generation: h = rc_world_young(w) is a sentinel head (no object behind it); the first
 * container's head is (struct rc_gchead *)h->gc_next, each head's gc_next holds the next
 * head's address, and the last one's holds h again (an empty generation: h->gc_next == h).
 * A container's object starts right after its 16-byte head: (struct rc_object *)(head + 1).
 * For every container, set its head's gc_prev to (uintptr_t)o->ob_refcnt << 2 (gc_refs,
 * above the two flag bits that stay 0 here) — ob_refcnt as the object holds it, under every
 * semantics (under RC_OUTLINE that is the table index: what the lab measures is where the
 * collection writes) — and leave it there; write nothing else (no refcount, no gc_next).
 * Afterwards the containers' gc_prev hold counts, not links (CPython's later steps restore
 * them; the lab stops here, and the observer reads, in each child, what you stored). */
void rc_gc_collect(struct rc_world *w);

/* gc.freeze(): move every container of the young generation to the permanent one, so that
 * later collections visit (and write) none of them, as CPython's gc_freeze_impl does with
 * gc_list_merge(young, permanent) (Modules/gcmodule.c). Both generations are circular lists
 * of heads through gc_next (forward) and gc_prev (backward) around their sentinel (see
 * rc_gc_collect; after a collection the containers' gc_prev hold counts, not links, so find
 * each list's last head through its sentinel's gc_prev, which is always a link). Append the
 * young list, in its order, after the permanent list's last head:
 *   permanent's last ->gc_next = young's first,  young's first ->gc_prev = permanent's last,
 *   young's last ->gc_next = permanent sentinel, permanent sentinel ->gc_prev = young's last;
 * then leave the young generation empty: its sentinel's gc_next and gc_prev both hold the
 * sentinel's own address. An empty young generation: change nothing. No refcount is written.
 * The observer walks both generations both ways afterwards. */
void rc_gc_freeze(struct rc_world *w);

/* numpy's sum over an unboxed array: one reference to the array, held while the values are
 * read; no per-element object. */
int64_t rc_array_sum(struct rc_world *w, struct rc_array *a);

/* ---- predict.c: what you predict ------------------------------------------------------ */

/* Blocks of block_size bytes in one pool (the pool header comes first): block_size is a size
 * class already (a multiple of g->align, at most g->max_small), never a request to round. */
size_t rc_predict_blocks_per_pool(size_t block_size, const struct rc_geometry *g);

/* Pages holding the ob_refcnt of n distinct ints, allocated one after another from fresh
 * pools of the 32-byte class: pool 0 starts at the heap's first byte, which starts a page, and
 * pools follow one another without gaps. page_size is any machine's (4, 16, 64 KiB): a pool
 * may span several pages, or share one page with its neighbours (4 KiB pools, 16 KiB pages).
 * n = 0: 0 pages. */
size_t rc_predict_int_pages(size_t n, const struct rc_geometry *g, size_t page_size);

/* Pages a child dirties by running sum() over a list of n (>= 1) distinct ints built by the parent,
 * for semantics s (the ints made immortal for RC_PY312/RC_PY314): the pages of the refcounts
 * it writes, in the heap and (RC_OUTLINE) in the table — counting, under every semantics, the
 * list object's heap page (tracking the iterator writes the list's GC head; the iterator's
 * reference to the list is a refcount write too, in the table for RC_OUTLINE) and the page of
 * the iterator's block (a pool of the 48-byte class the parent already has). The parent allocated
 * the ints first, then the list object (the first block of the pool after the ints' last), then
 * the iterator (the first block of the next pool); where pools are smaller than pages, these
 * pages can coincide —
 * count each page once. For RC_OUTLINE the table (a mapping of its own, so it starts on a
 * page_size boundary, like the heap) holds the ints' uint32 counts at indexes 0..n-1, the list's
 * at n, the iterator's at n+1, and sum() writes all of them (the iterator's own count is set when
 * it is made). */
size_t rc_predict_sum_pages(size_t n, enum rc_semantics s, const struct rc_geometry *g,
                            size_t page_size);

/* Pss (kB) of a region of `resident` written pages, in the parent and in each of k children,
 * after each child has written the same `dirtied` pages of it (0 <= dirtied <= resident;
 * page_size in bytes, a power of two >= 4096): each child's copies and the parent's
 * originals are mapped once, the other resident - dirtied pages by all k + 1 processes, so
 * the value is the same in every one of them. The kernel's arithmetic (fs/proc/task_mmu.c,
 * smaps_account: (page_size << 12) / mapcount per page, summed, then >> 12 >> 10; handbook
 * 01-fork-cow.md, section 2). k = 0 (no child): every page is the parent's alone, so the
 * result is resident * page_size / 1024. */
uint64_t rc_predict_pss_kb(size_t resident, size_t dirtied, unsigned k, size_t page_size);

#endif
