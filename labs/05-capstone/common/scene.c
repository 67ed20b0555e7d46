/*
 * scene.c — lab 05's scene: the parent's allocation sequence (cap_scene_walk), the layout it
 * gives (cap_layout_of, the model's and the students' count of pages), and the lists built
 * for real (cap_scene_build). Contracts in scene.h and include/05-capstone.h.
 */
#include "scene.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const char cap_bits_type[] = "bitarray", cap_ints_type[] = "array('i')", cap_list_type[] = "list";

enum { CAP_NCLASSES = CAP_MAX_SMALL / 16 };
#define CAP_MAX_BYTES ((uint64_t)1 << 40)

bool cap_params_ok(const struct cap_params *p)
{
    return p && p->array_bytes >= 4 && p->array_bytes % 4 == 0 && p->arrays <= CAP_MAX_BYTES &&
           p->array_bytes <= CAP_MAX_BYTES;
}

/* ---- the allocation sequence ----------------------------------------------------------- */

struct cap_walk {
    const struct cap_sink *sink;
    size_t page;
    uint64_t pools;              /* pools carved so far */
    uint64_t pool[CAP_NCLASSES]; /* each class's pool with room, + 1 (0: none) */
    uint64_t used[CAP_NCLASSES]; /* blocks handed out from it */
    uint64_t system;             /* the system region's next free byte */
};

static void cap_wrote(struct cap_walk *w, int region, uint64_t off, uint64_t len)
{
    if (w->sink && w->sink->wrote && len)
        w->sink->wrote(w->sink->ctx, region, off, len);
}

/* pymalloc: a block of req (1..512) bytes' class; a new pool when the class has none with
 * room. Writes the pool header, and the next block's free-list word when there is one. */
static uint64_t cap_heap_alloc(struct cap_walk *w, uint64_t req)
{
    uint64_t size = (req + 15) / 16 * 16, idx = size / 16 - 1;
    uint64_t per_pool = (CAP_POOL_SIZE - CAP_POOL_HEADER) / size;
    if (!w->pool[idx] || w->used[idx] == per_pool) {
        w->pool[idx] = ++w->pools;
        w->used[idx] = 0;
    }
    uint64_t start = (w->pool[idx] - 1) * CAP_POOL_SIZE, b = w->used[idx]++;
    uint64_t off = start + CAP_POOL_HEADER + b * size;
    cap_wrote(w, CAP_HEAP, start, CAP_POOL_HEADER);
    if (b + 1 < per_pool)
        cap_wrote(w, CAP_HEAP, off + size, sizeof(void *));
    return off;
}

/* The system allocator, as glibc's malloc places a fresh heap's chunks: a chunk of
 * max(32, (req + 8 + 15) & ~15) bytes whose size word (8 bytes at chunk + 8) is written and
 * whose data starts at chunk + 16 (its last 8 bytes may overlap the next chunk's first word,
 * unused while this one is in use); from the mmap threshold on, a chunk of whole pages of its
 * own, the data at its start + 16. Returns the data's offset. */
static uint64_t cap_system_alloc(struct cap_walk *w, uint64_t req)
{
    uint64_t start = w->system, size = (req + 8 + 15) & ~(uint64_t)15;
    if (size < 32)
        size = 32;
    if (req >= CAP_MMAP_THRESHOLD) {
        start = (start + w->page - 1) / w->page * w->page;
        size = (req + CAP_CHUNK_HEADER + w->page - 1) / w->page * w->page;
    }
    w->system = start + size;
    cap_wrote(w, CAP_SYSTEM, start + 8, 8);
    return start + CAP_CHUNK_HEADER;
}

/* One allocation: placed, its bytes written, announced. */
static void cap_place(struct cap_walk *w, enum cap_kind kind, int list, size_t index, uint64_t size,
                      uint64_t block, int ref)
{
    struct cap_alloc a = {kind, list, index, CAP_HEAP, 0, size, CAP_NO_REF};
    if (size <= CAP_MAX_SMALL) {
        a.offset = cap_heap_alloc(w, block ? block : size);
    } else {
        a.region = CAP_SYSTEM;
        a.offset = cap_system_alloc(w, size);
    }
    if (ref >= 0)
        a.ref_off = a.offset + (uint64_t)ref;
    cap_wrote(w, a.region, a.offset, size);
    if (w->sink && w->sink->alloc)
        w->sink->alloc(w->sink->ctx, &a);
}

static int cap_walk_run(const struct cap_params *p, size_t page, const struct cap_sink *sink,
                        uint64_t *heap_bytes, uint64_t *system_bytes)
{
    if (!cap_params_ok(p) || page < 4096 || (page & (page - 1))) {
        errno = EINVAL;
        return -1;
    }
    if (p->arrays && p->array_bytes > CAP_MAX_BYTES / CAP_LISTS / p->arrays) {
        errno = EOVERFLOW;
        return -1;
    }
    struct cap_walk w = {.sink = sink, .page = page};
    for (int l = 0; l < CAP_LISTS; l++) {
        cap_place(&w, CAP_LIST, l, 0, CAP_LIST_BLOCK - 8, CAP_LIST_BLOCK, CAP_REF_OFFSET_GC);
        if (p->arrays)
            cap_place(&w, CAP_ITEMS, l, 0, (uint64_t)p->arrays * 8, 0, -1);
        for (size_t i = 0; i < p->arrays; i++) {
            /* bitarray: untracked, its refcount first; array.array: behind a GC head */
            cap_place(&w, CAP_HEADER, l, i, CAP_HEADER_BLOCK, CAP_HEADER_BLOCK,
                      l == 0 ? 0 : CAP_REF_OFFSET_GC);
            cap_place(&w, CAP_BUFFER, l, i, p->array_bytes, 0, -1);
        }
    }
    if (heap_bytes)
        *heap_bytes = w.pools * CAP_POOL_SIZE;
    if (system_bytes)
        *system_bytes = w.system;
    return 0;
}

int cap_scene_walk(const struct cap_params *p, const struct cap_sink *sink, uint64_t *heap_bytes,
                   uint64_t *system_bytes)
{
    return cap_walk_run(p, (size_t)sysconf(_SC_PAGESIZE), sink, heap_bytes, system_bytes);
}

/* ---- the layout: pages counted, nothing built ------------------------------------------- */

struct cap_marks {
    size_t page;
    uint64_t *bits[3]; /* heap written, system written, heap refcounts */
};

static void cap_mark(uint64_t *bits, size_t page, uint64_t off, uint64_t len)
{
    for (uint64_t pg = off / page, last = (off + len - 1) / page; pg <= last; pg++)
        bits[pg / 64] |= (uint64_t)1 << (pg % 64);
}

static void cap_marks_wrote(void *ctx, int region, uint64_t off, uint64_t len)
{
    struct cap_marks *m = ctx;
    cap_mark(m->bits[region], m->page, off, len);
}

static void cap_marks_alloc(void *ctx, const struct cap_alloc *a)
{
    struct cap_marks *m = ctx;
    if (a->ref_off != CAP_NO_REF)
        cap_mark(m->bits[2], m->page, a->ref_off, sizeof(int64_t));
}

static size_t cap_count(const uint64_t *bits, uint64_t words)
{
    size_t n = 0;
    for (uint64_t i = 0; i < words; i++)
        n += (size_t)__builtin_popcountll(bits[i]);
    return n;
}

/* Run the walk with marks: the three bitmaps (caller frees m->bits[*]) and the regions' bytes. */
static int cap_marks_run(const struct cap_params *p, size_t page_size, struct cap_marks *m,
                         uint64_t words[3])
{
    uint64_t heap, system;
    memset(m, 0, sizeof *m);
    if (cap_walk_run(p, page_size, NULL, &heap, &system) < 0)
        return -1;
    words[0] = words[2] = heap / page_size / 64 + 1;
    words[1] = system / page_size / 64 + 1;
    m->page = page_size;
    for (int i = 0; i < 3; i++)
        if (!(m->bits[i] = calloc(words[i], sizeof(uint64_t)))) {
            errno = ENOMEM;
            return -1;
        }
    struct cap_sink sink = {m, cap_marks_alloc, cap_marks_wrote};
    return cap_walk_run(p, page_size, &sink, NULL, NULL);
}

/* The last layouts asked for. A grid asks for one (shape, page) once per strategy and worker
 * count, and the walk behind a layout is O(arrays): under valgrind (the hygiene test) the walks
 * were most of lab 05's time. A layout depends on nothing but its (shape, page). */
enum { CAP_LAYOUT_MEMO = 4 };
static struct {
    bool used;
    struct cap_params p;
    size_t page_size;
    struct cap_layout l;
} cap_memo[CAP_LAYOUT_MEMO];
static unsigned cap_memo_next;

int cap_layout_of(const struct cap_params *p, size_t page_size, struct cap_layout *out)
{
    struct cap_marks m;
    uint64_t words[3];
    int rc = -1;
    if (!out) {
        errno = EINVAL;
        return -1;
    }
    for (unsigned i = 0; i < CAP_LAYOUT_MEMO; i++)
        if (cap_memo[i].used && cap_memo[i].p.arrays == p->arrays &&
            cap_memo[i].p.array_bytes == p->array_bytes && cap_memo[i].page_size == page_size) {
            *out = cap_memo[i].l;
            return 0;
        }
    if (cap_marks_run(p, page_size, &m, words) == 0) {
        memset(out, 0, sizeof *out);
        out->page_size = page_size;
        out->data_bytes = (uint64_t)CAP_LISTS * p->arrays * p->array_bytes;
        out->heap_pages = cap_count(m.bits[0], words[0]);
        out->system_pages = cap_count(m.bits[1], words[1]);
        out->refcount_pages = cap_count(m.bits[2], words[2]);
        out->segment_pages = (size_t)((out->data_bytes + page_size - 1) / page_size);
        rc = 0;
        unsigned slot = cap_memo_next++ % CAP_LAYOUT_MEMO;
        cap_memo[slot].used = true;
        cap_memo[slot].p = *p;
        cap_memo[slot].page_size = page_size;
        cap_memo[slot].l = *out;
    }
    for (int i = 0; i < 3; i++)
        free(m.bits[i]);
    return rc;
}

uint8_t *cap_heap_map(const struct cap_params *p, size_t page_size, size_t *npages)
{
    struct cap_marks m;
    uint64_t words[3];
    uint8_t *map = NULL;
    if (cap_marks_run(p, page_size, &m, words) == 0 && (map = calloc(words[0] * 64, 1))) {
        for (uint64_t pg = 0; pg < words[0] * 64; pg++)
            map[pg] = (m.bits[2][pg / 64] >> (pg % 64) & 1)   ? CAP_PAGE_REFCOUNT
                      : (m.bits[0][pg / 64] >> (pg % 64) & 1) ? CAP_PAGE_WRITTEN
                                                              : CAP_PAGE_UNTOUCHED;
        *npages = (size_t)(words[0] * 64);
        while (*npages && map[*npages - 1] == CAP_PAGE_UNTOUCHED)
            (*npages)--;
    }
    for (int i = 0; i < 3; i++)
        free(m.bits[i]);
    return map;
}

/* ---- values ----------------------------------------------------------------------------- */

uint8_t cap_byte(int list, size_t index, size_t at)
{
    return (uint8_t)(index * 131u + at * 7u + (unsigned)list * 29u + 1u);
}

/* Spread over the whole int32 range, negative about half the time: a sum of a few thousand of
 * them leaves int32's range, so a cap_sum that adds into an int gives itself away. */
int32_t cap_int(int list, size_t index, size_t at)
{
    uint32_t x = (uint32_t)(index * 2654435761u + at / 4 * 40503u + (unsigned)list);
    x ^= x >> 15;
    x *= 0x2c1b3c6du;
    x ^= x >> 12;
    return x < 0x80000000u ? (int32_t)x : -(int32_t)~x - 1;
}

size_t cap_read_at(const struct cap_params *p, size_t reads, size_t j)
{
    return (size_t)((uint64_t)p->array_bytes / 4 * j / reads) * 4;
}
