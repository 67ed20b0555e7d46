/*
 * scene.h — the kit's side of lab 05's scene: where CPython's allocators put the three lists,
 * and building them for real. Compiled into both the subject (which builds the lists) and the
 * observer (whose model counts the same pages without building anything). Students see
 * include/05-capstone.h only.
 *
 * The parent allocates, for each list L in turn, as `lst = [None] * n` and then one array per
 * slot would:
 *   the list object  pymalloc, 64-byte block (16-byte GC head + 40-byte object)
 *   its item array   n * 8 bytes: pymalloc when <= 512 bytes, else the system allocator
 *   then per array   its header (an 80-byte pymalloc block: array.array is 64 bytes + a GC head,
 *                    bitarray 80 bytes untracked — measured on CPython 3.11 with bitarray 2.7),
 *                    then its data buffer (array_bytes: pymalloc when <= 512, else system).
 * pymalloc (CPython 3.10+): 16 KiB pools in 1 MiB arenas, a 48-byte pool header, one size class
 * (a multiple of 16 bytes) per pool; a new pool is carved after the last one when its class has
 * none with room; initialising a pool or handing out a block writes the next free block's
 * free-list word (lab 02's world does the same). The system allocator here is glibc's malloc
 * on a fresh heap: chunks of max(32, (request + 8 + 15) & ~15) bytes back to back, the data 16
 * bytes into its chunk, the chunk's size word written; from 128 KiB on (glibc's initial mmap
 * threshold) a chunk of whole pages of its own, the next allocation on the page after it.
 */
#ifndef LAB05_SCENE_H
#define LAB05_SCENE_H

#include "05-capstone.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    CAP_POOL_SIZE = 16 << 10,
    CAP_POOL_HEADER = 48,
    CAP_MAX_SMALL = 512,
    CAP_LIST_BLOCK = 64,
    CAP_HEADER_BLOCK = 80,
    CAP_CHUNK_HEADER = 16,
    CAP_MMAP_THRESHOLD = 128 << 10,
    CAP_REF_OFFSET_GC = 16, /* a tracked object's refcount follows its GC head */
};

enum cap_region { CAP_HEAP, CAP_SYSTEM, CAP_NREGIONS };
enum cap_kind { CAP_LIST, CAP_ITEMS, CAP_HEADER, CAP_BUFFER };

/* One allocation of the parent's sequence: what, where (region and byte offset of the block or
 * the data, chunk header excluded), how many bytes, and the offset of its reference count
 * (CAP_NO_REF: it has none). */
struct cap_alloc {
    enum cap_kind kind;
    int list;         /* 0 .. CAP_LISTS-1 */
    size_t index;     /* the array's index in its list (CAP_HEADER, CAP_BUFFER) */
    int region;       /* CAP_HEAP or CAP_SYSTEM */
    uint64_t offset;  /* of the block (heap) or of the data (system) */
    uint64_t size;    /* bytes requested */
    uint64_t ref_off; /* offset of the reference count, or CAP_NO_REF */
};
#define CAP_NO_REF UINT64_MAX

/* What every write of the allocators themselves touches besides the objects: a pool header
 * (48 bytes at the pool's start), a free-list word (8 bytes), a chunk's size word (8 bytes, 8
 * before the data). */
struct cap_sink {
    void *ctx;
    void (*alloc)(void *ctx, const struct cap_alloc *a);
    void (*wrote)(void *ctx, int region, uint64_t offset, uint64_t len);
};

/* Run the parent's allocation sequence for p, calling sink->alloc for every allocation (in
 * order) and sink->wrote for every byte range the allocators write (pool headers, free-list
 * words, chunk headers, and each allocation's own bytes). *heap_bytes and *system_bytes: the
 * extent each region needs. 0, or -1 with errno (EINVAL, EOVERFLOW). */
int cap_scene_walk(const struct cap_params *p, const struct cap_sink *sink, uint64_t *heap_bytes,
                   uint64_t *system_bytes);

/* The heap's pages, one byte each, as cap_layout_of counts them: what the model's page map
 * shows. *npages: up to the last page the parent wrote. NULL (errno set) on failure. */
enum { CAP_PAGE_UNTOUCHED = 0, CAP_PAGE_WRITTEN = 1, CAP_PAGE_REFCOUNT = 2 };
uint8_t *cap_heap_map(const struct cap_params *p, size_t page_size, size_t *npages);

/* Parameters the kit accepts (what cap_layout_of checks). */
bool cap_params_ok(const struct cap_params *p);

/* The value at data byte offset `at` of array `index` of list `list` (the same everywhere:
 * the parent's buffers, a rebuilt copy, the shared segment). Bit arrays hold the byte; int
 * arrays hold the int32 that starts there (at a multiple of 4). */
uint8_t cap_byte(int list, size_t index, size_t at);
int32_t cap_int(int list, size_t index, size_t at);

/* Write the values of array `index` of list `list` (p->array_bytes bytes) at data: a bit
 * array's bytes, or an int array's int32 values (cap_byte, cap_int). */
void cap_fill_array(const struct cap_params *p, int list, size_t index, unsigned char *data);

/* The byte offset of the j-th of `reads` values a worker reads in each array: spread evenly,
 * 4-aligned (cap_scene_read). */
size_t cap_read_at(const struct cap_params *p, size_t reads, size_t j);

/* ---- the lists, built for real (the subject's parent and its pickle workers) ------------ */

struct cap_object {      /* an array header's first words, as CPython's */
    int64_t ob_refcnt;   /* CPython 3.12's immortal value 0xFFFFFFFF: never written again */
    const void *ob_type; /* &cap_bits_type or &cap_ints_type */
    int64_t ob_size;     /* values */
    unsigned char *data; /* the buffer */
};
extern const char cap_bits_type[], cap_ints_type[], cap_list_type[];

struct cap_scene {
    struct cap_params p;
    unsigned char *base[CAP_NREGIONS];
    uint64_t bytes[CAP_NREGIONS];        /* each region's mapped length (whole pages) */
    struct cap_object *lists[CAP_LISTS]; /* each list object (its ob_size = arrays) */
    struct cap_object **items[CAP_LISTS];
    int64_t *young; /* the tracked containers' GC heads, linked: see cap_scene_freeze */
};

/* Map the two regions (private anonymous, MADV_NOHUGEPAGE, each between guard pages so that
 * neither merges with a neighbour) and build p's lists in them. 0, or -1 with errno set and
 * nothing left mapped. */
int cap_scene_build(struct cap_scene *s, const struct cap_params *p);
void cap_scene_free(struct cap_scene *s);

/* gc.freeze(): every tracked container (the lists, the int arrays' headers) leaves the young
 * generation for the permanent one: rewrites the GC heads at the two ends of the chain. */
void cap_scene_freeze(struct cap_scene *s);

/* CPython 3.12: make every object of the lists immortal (ob_refcnt = 0xFFFFFFFF). */
void cap_scene_immortalize(struct cap_scene *s);

/* A worker's pass over the lists as the interpreter runs `for lst in lists: for a in lst:
 * read reads values of a`: a reference to each list while it is read, and to each array
 * (incref before, decref after, skipped for an immortal object as 3.12 skips it); the values
 * read are summed. Returns the sum. */
int64_t cap_scene_read(struct cap_scene *s, size_t reads);

#endif
