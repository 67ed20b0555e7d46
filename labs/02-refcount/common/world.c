/*
 * world.c — lab 02's CPython-faithful world (contracts in include/02-refcount.h and world.h).
 *
 * The allocator follows CPython's obmalloc for a fresh heap: arenas carved into pools,
 * pools into blocks of one 16-byte size class. Initialising a pool writes its 48-byte header,
 * hands out the first block, and — as init_pool does — writes NULL into the NEXT block
 * (the free list's end), so the page one block ahead is touched too. Every byte the world
 * writes is marked in its region's `written` pages: the model starts from there.
 */
#include "world.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const struct rc_geometry rc_geometry_310 = {1 << 20, 16 << 10, 48, 16, 512};
const struct rc_geometry rc_geometry_38 = {256 << 10, 4 << 10, 48, 16, 512};

const struct rc_type rc_int_type = {"int", offsetof(struct rc_int, ob_digit) + 4, false};
const struct rc_type rc_float_type = {"float", sizeof(struct rc_float), false};
const struct rc_type rc_list_type = {"list", sizeof(struct rc_list), true};
const struct rc_type rc_listiter_type = {"list_iterator", sizeof(struct rc_listiter), true};
const struct rc_type rc_array_type = {"ndarray", sizeof(struct rc_array), false};

/* A pool's header, at the pool's start (48 bytes, as CPython's struct pool_header). */
struct rc_pool {
    uint32_t count; /* blocks in use */
    uint32_t szidx;
    unsigned char *freeblock;
    struct rc_pool *nextpool, *prevpool;
    uint32_t arenaindex, nextoffset, maxnextoffset, pad;
};

enum { RC_NCLASSES = 32 };

struct rc_world {
    struct rc_hooks hooks;
    struct rc_geometry g;
    enum rc_semantics sem;
    size_t page;
    struct rc_region regions[RC_NREGIONS];
    size_t pools_total, pools_used;
    struct rc_pool *usable[RC_NCLASSES]; /* the pool each size class carves from */
    struct rc_gchead young, permanent;
    uint32_t *table;
    size_t table_entries, table_used;
    int64_t free_index; /* one recycled table index (-1: none) */
    size_t items_used;
    size_t data_used;
};

enum rc_semantics rc_world_semantics(const struct rc_world *w)
{
    return w->sem;
}

uint32_t *rc_world_table(struct rc_world *w)
{
    return w->table;
}

struct rc_gchead *rc_world_young(struct rc_world *w)
{
    return &w->young;
}

struct rc_gchead *rc_world_permanent(struct rc_world *w)
{
    return &w->permanent;
}

const struct rc_region *rc_world_region(const struct rc_world *w, int which)
{
    return &w->regions[which];
}

int64_t rc_world_next_index(const struct rc_world *w)
{
    return w->free_index >= 0 ? w->free_index : (int64_t)w->table_used;
}

size_t rc_world_pools_used(const struct rc_world *w)
{
    return w->pools_used;
}

size_t rc_block_size(const struct rc_geometry *g, size_t request)
{
    return (request + g->align - 1) / g->align * g->align;
}

size_t rc_region_page(const struct rc_region *r, const void *addr)
{
    const unsigned char *a = addr;
    if (!r->base || a < r->base || a >= r->base + r->npages * r->page)
        return SIZE_MAX;
    return (size_t)(a - r->base) >> __builtin_ctzl(r->page); /* page: a power of two */
}

/* Mark [addr, addr+len) as written by this process. */
static void world_wrote(struct rc_world *w, int which, const void *addr, size_t len)
{
    struct rc_region *r = &w->regions[which];
    size_t first = rc_region_page(r, addr), last = rc_region_page(r, (const char *)addr + len - 1);
    for (size_t p = first; p != SIZE_MAX && last != SIZE_MAX && p <= last; p++)
        r->written[p] = 1;
}

/* A guarded region's mapping, in the machine's pages: the region's npages world pages rounded
 * up to whole machine pages (*len), and one guard each side of at least a machine page
 * (*guard). A world of pretended pages smaller than the machine's still maps whole pages. */
static void world_extent(const struct rc_world *w, size_t npages, size_t *len, size_t *guard)
{
    size_t real = (size_t)sysconf(_SC_PAGESIZE);
    *guard = w->page > real ? w->page : real;
    *len = (npages * w->page + real - 1) / real * real;
}

/* Map a region of npages private anonymous base pages (MADV_NOHUGEPAGE), aligned to `align`,
 * between two PROT_NONE guard pages. The guards keep the region its own VMA: without them
 * the kernel may merge it with a neighbouring mapping of the same flags (another region of
 * this world, placed next to it by chance), and that VMA's smaps block would count both.
 * rc_world_free unmaps the guards with the region. */
static int world_map(struct rc_world *w, int which, const char *name, size_t bytes, size_t align)
{
    struct rc_region *r = &w->regions[which];
    size_t page = w->page, npages = (bytes + page - 1) / page, len, guard;
    world_extent(w, npages, &len, &guard);
    if (align < guard)
        align = guard;
    size_t span = len + align + 2 * guard;
    unsigned char *raw =
        mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED)
        return -1;
    uintptr_t start = ((uintptr_t)raw + guard + align - 1) / align * align;
    if (mmap((void *)start, len, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED) {
        munmap(raw, span);
        return -1;
    }
    /* Give back what lies beyond one guard page on each side. */
    uintptr_t keep_lo = start - guard, keep_hi = start + len + guard;
    if (keep_lo > (uintptr_t)raw)
        munmap(raw, keep_lo - (uintptr_t)raw);
    if ((uintptr_t)raw + span > keep_hi)
        munmap((void *)keep_hi, (uintptr_t)raw + span - keep_hi);
    madvise((void *)start, len, MADV_NOHUGEPAGE);
    r->name = name;
    r->base = (unsigned char *)start;
    r->npages = npages;
    r->page = page;
    r->guarded = true;
    r->written = calloc(npages, 1);
    return r->written ? 0 : -1;
}

/* Start a fresh pool for size class idx (CPython's init_pool): header, first block, and the
 * next block's free-list word. */
static unsigned char *world_pool_init(struct rc_world *w, unsigned idx)
{
    if (w->pools_used == w->pools_total)
        return NULL;
    size_t size = (idx + 1) * w->g.align;
    unsigned char *base = w->regions[RC_HEAP].base + w->pools_used++ * w->g.pool_size;
    struct rc_pool *p = (struct rc_pool *)base;
    memset(p, 0, sizeof *p);
    p->count = 1;
    p->szidx = idx;
    p->arenaindex = (uint32_t)((size_t)(base - w->regions[RC_HEAP].base) / w->g.arena_size);
    p->nextoffset = (uint32_t)(w->g.pool_header + 2 * size);
    p->maxnextoffset = (uint32_t)(w->g.pool_size - size);
    p->freeblock = base + w->g.pool_header + size;
    *(unsigned char **)p->freeblock = NULL;
    world_wrote(w, RC_HEAP, base, w->g.pool_header);
    world_wrote(w, RC_HEAP, p->freeblock, sizeof(void *));
    w->usable[idx] = p;
    return base + w->g.pool_header;
}

/* pymalloc_alloc for a request of n <= 512 bytes. */
static void *world_alloc(struct rc_world *w, size_t n)
{
    unsigned idx = (unsigned)((n + w->g.align - 1) / w->g.align - 1); /* its blocks' class */
    struct rc_pool *p = w->usable[idx];
    if (!p)
        return world_pool_init(w, idx);
    unsigned char *bp = p->freeblock;
    p->count++;
    p->freeblock = *(unsigned char **)bp;
    if (!p->freeblock) {
        size_t size = (idx + 1) * w->g.align;
        if (p->nextoffset <= p->maxnextoffset) {
            p->freeblock = (unsigned char *)p + p->nextoffset;
            p->nextoffset += (uint32_t)size;
            *(unsigned char **)p->freeblock = NULL;
            world_wrote(w, RC_HEAP, p->freeblock, sizeof(void *));
        } else {
            w->usable[idx] = NULL; /* full: the next request starts a new pool */
        }
    }
    world_wrote(w, RC_HEAP, p, w->g.pool_header);
    return bp;
}

/* pymalloc_free: the block heads the pool's free list again. */
static void world_free_block(struct rc_world *w, void *block)
{
    size_t off = (size_t)((unsigned char *)block - w->regions[RC_HEAP].base);
    struct rc_pool *p =
        (struct rc_pool *)(w->regions[RC_HEAP].base + off / w->g.pool_size * w->g.pool_size);
    *(unsigned char **)block = p->freeblock;
    p->freeblock = block;
    p->count--;
    w->usable[p->szidx] = p;
    world_wrote(w, RC_HEAP, block, sizeof(void *));
}

/* The next refcount-table index (a freed one first). */
static int64_t world_index(struct rc_world *w)
{
    if (w->free_index >= 0) {
        int64_t i = w->free_index;
        w->free_index = -1;
        return i;
    }
    return w->table_used < w->table_entries ? (int64_t)w->table_used++ : -1;
}

/* Allocate an object (and its GC head for containers), set its header, mark the writes. */
static struct rc_object *world_object(struct rc_world *w, const struct rc_type *t)
{
    size_t pre = t->gc ? sizeof(struct rc_gchead) : 0;
    unsigned char *block = world_alloc(w, pre + t->basicsize);
    if (!block)
        return NULL;
    memset(block, 0, pre + t->basicsize);
    world_wrote(w, RC_HEAP, block, pre + t->basicsize);
    struct rc_object *o = (struct rc_object *)(block + pre);
    o->ob_type = t;
    o->ob_refcnt = 1;
    if (w->sem == RC_OUTLINE) {
        int64_t i = world_index(w);
        if (i < 0)
            return NULL;
        o->ob_refcnt = i;
        w->table[i] = 1;
        world_wrote(w, RC_TABLE, &w->table[i], sizeof w->table[i]);
    }
    if (t->gc) { /* track it: append to the young generation */
        struct rc_gchead *g = (struct rc_gchead *)block, *head = &w->young;
        struct rc_gchead *last = (struct rc_gchead *)head->gc_prev;
        g->gc_next = (uintptr_t)head;
        g->gc_prev = (uintptr_t)last;
        last->gc_next = (uintptr_t)g;
        head->gc_prev = (uintptr_t)g;
        if ((unsigned char *)last != (unsigned char *)head)
            world_wrote(w, RC_HEAP, last, sizeof *last);
    }
    return o;
}

struct rc_world *rc_world_new(const struct rc_geometry *g, enum rc_semantics s, size_t max_objects,
                              size_t max_items, size_t page_size, const struct rc_hooks *hooks)
{
    if (page_size & (page_size - 1)) { /* rc_region_page counts in powers of two */
        errno = EINVAL;
        return NULL;
    }
    struct rc_world *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->hooks = *hooks;
    w->g = *g;
    w->sem = s;
    w->page = page_size ? page_size : (size_t)sysconf(_SC_PAGESIZE);
    w->free_index = -1;
    w->young.gc_next = w->young.gc_prev = (uintptr_t)&w->young;
    w->permanent.gc_next = w->permanent.gc_prev = (uintptr_t)&w->permanent;
    /* Room for the objects in 32-byte blocks plus a few pools of other classes. */
    size_t per_pool = (g->pool_size - g->pool_header) / 64;
    w->pools_total = (max_objects + per_pool - 1) / per_pool + 8;
    size_t arenas = (w->pools_total * g->pool_size + g->arena_size - 1) / g->arena_size;
    w->pools_total = arenas * g->arena_size / g->pool_size;
    if (world_map(w, RC_HEAP, "heap", arenas * g->arena_size, g->pool_size) < 0 ||
        world_map(w, RC_SMALL, "small_ints", RC_NSMALL * rc_block_size(g, rc_int_type.basicsize),
                  w->page) < 0 ||
        (max_items && world_map(w, RC_ITEMS, "items", max_items * sizeof(void *), w->page) < 0) ||
        (max_items && world_map(w, RC_DATA, "array_data", max_items * 8, w->page) < 0))
        goto fail;
    if (s == RC_OUTLINE) {
        w->table_entries = max_objects + 8;
        w->table = w->hooks.outline_table_new(w->table_entries);
        if (!w->table)
            goto fail;
        struct rc_region *r = &w->regions[RC_TABLE];
        r->name = "table";
        r->base = (unsigned char *)w->table;
        r->npages = (w->table_entries * sizeof(uint32_t) + w->page - 1) / w->page;
        r->page = w->page;
        if (!(r->written = calloc(r->npages, 1)))
            goto fail;
    }
    /* The small-int cache: static objects in CPython, a mapping of its own here. */
    struct rc_region *sm = &w->regions[RC_SMALL];
    size_t stride = rc_block_size(g, rc_int_type.basicsize);
    for (int i = 0; i < RC_NSMALL; i++) {
        struct rc_int *o = (struct rc_int *)(sm->base + (size_t)i * stride);
        int64_t v = RC_SMALL_MIN + i;
        o->ob_base.ob_type = &rc_int_type;
        o->ob_base.ob_refcnt = 1;
        o->ob_size = v < 0 ? -1 : v > 0;
        o->ob_digit[0] = (uint32_t)(v < 0 ? -v : v);
        world_wrote(w, RC_SMALL, o, rc_int_type.basicsize);
        if (s == RC_OUTLINE) { /* the cache keeps inline counts: it is not the experiment */
            continue;
        }
        w->hooks.make_immortal(w, &o->ob_base);
    }
    return w;
fail:
    rc_world_free(w);
    return NULL;
}

void rc_world_free(struct rc_world *w)
{
    if (!w)
        return;
    for (int i = 0; i < RC_NREGIONS; i++) {
        struct rc_region *r = &w->regions[i];
        size_t len, guard;
        world_extent(w, r->npages, &len, &guard);
        if (r->base && r->guarded)
            munmap(r->base - guard, len + 2 * guard);
        else if (r->base) /* the student's table: rc_outline_table_new's mapping (munmap
                              rounds up to the machine's pages, whatever the world counts in) */
            munmap(r->base, w->table_entries * sizeof(uint32_t));
        free(r->written);
    }
    free(w);
}

int64_t rc_int_value(const struct rc_int *o)
{
    return o->ob_size < 0 ? -(int64_t)o->ob_digit[0] : o->ob_size ? o->ob_digit[0] : 0;
}

struct rc_int *rc_int_new(struct rc_world *w, int64_t value)
{
    struct rc_int *o = (struct rc_int *)world_object(w, &rc_int_type);
    if (!o)
        return NULL;
    o->ob_size = value < 0 ? -1 : value > 0;
    o->ob_digit[0] = (uint32_t)(value < 0 ? -value : value);
    return o;
}

int64_t rc_number_value(const struct rc_object *o)
{
    if (o->ob_type == &rc_float_type)
        return (int64_t)((const struct rc_float *)o)->ob_fval;
    return rc_int_value((const struct rc_int *)o);
}

struct rc_float *rc_float_new(struct rc_world *w, double value)
{
    struct rc_float *o = (struct rc_float *)world_object(w, &rc_float_type);
    if (o)
        o->ob_fval = value;
    return o;
}

struct rc_int *rc_small_int(struct rc_world *w, int64_t v)
{
    if (v < RC_SMALL_MIN || v > RC_SMALL_MAX)
        return NULL;
    size_t stride = rc_block_size(&w->g, rc_int_type.basicsize);
    struct rc_int *o =
        (struct rc_int *)(w->regions[RC_SMALL].base + (size_t)(v - RC_SMALL_MIN) * stride);
    w->hooks.incref(w, &o->ob_base);
    world_wrote(w, RC_SMALL, o, sizeof(int64_t));
    return o;
}

struct rc_list *rc_list_new(struct rc_world *w, size_t n)
{
    struct rc_region *items = &w->regions[RC_ITEMS];
    if (!items->base || w->items_used || n * sizeof(void *) > items->npages * w->page)
        return NULL;
    struct rc_list *l = (struct rc_list *)world_object(w, &rc_list_type);
    if (!l)
        return NULL;
    l->ob_item = (struct rc_object **)items->base;
    l->allocated = (int64_t)n;
    w->items_used = n;
    return l;
}

struct rc_list *rc_list_new_empty(struct rc_world *w)
{
    return (struct rc_list *)world_object(w, &rc_list_type);
}

void rc_list_append(struct rc_world *w, struct rc_list *l, struct rc_object *o)
{
    if (l->ob_size >= l->allocated)
        return;
    l->ob_item[l->ob_size] = o;
    world_wrote(w, RC_ITEMS, &l->ob_item[l->ob_size], sizeof o);
    l->ob_size++;
}

struct rc_array *rc_array_new(struct rc_world *w, size_t n)
{
    struct rc_region *d = &w->regions[RC_DATA];
    if (!d->base || n * 8 > d->npages * w->page)
        return NULL;
    struct rc_array *a = (struct rc_array *)world_object(w, &rc_array_type);
    if (!a)
        return NULL;
    a->data = (int64_t *)d->base;
    a->length = (int64_t)n;
    for (size_t i = 0; i < n; i++)
        a->data[i] = (int64_t)i + 1;
    world_wrote(w, RC_DATA, a->data, n * 8);
    return a;
}

struct rc_listiter *rc_listiter_new(struct rc_world *w, struct rc_list *l)
{
    struct rc_listiter *it = (struct rc_listiter *)world_object(w, &rc_listiter_type);
    if (!it)
        return NULL;
    it->it_seq = l;
    w->hooks.incref(w, &l->ob_base);
    return it;
}

void rc_listiter_free(struct rc_world *w, struct rc_listiter *it)
{
    w->hooks.decref(w, &it->it_seq->ob_base);
    unsigned char *block = (unsigned char *)it - sizeof(struct rc_gchead);
    struct rc_gchead *g = (struct rc_gchead *)block; /* untrack */
    ((struct rc_gchead *)g->gc_prev)->gc_next = g->gc_next;
    ((struct rc_gchead *)g->gc_next)->gc_prev = g->gc_prev;
    world_wrote(w, RC_HEAP, (void *)g->gc_prev, sizeof *g);
    if (w->sem == RC_OUTLINE)
        w->free_index = it->ob_base.ob_refcnt;
    world_free_block(w, block);
}

void *rc_world_warm_iterator(struct rc_world *w, struct rc_list *l)
{
    struct rc_listiter *it = rc_listiter_new(w, l);
    if (!it)
        return NULL;
    void *block = (unsigned char *)it - sizeof(struct rc_gchead);
    rc_listiter_free(w, it);
    return block;
}

/* ---- the model's world: the kit's own table, and writes nobody measures ---------------- */

static uint32_t *world_model_table(size_t entries)
{
    void *t = mmap(NULL, entries * sizeof(uint32_t), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return t == MAP_FAILED ? NULL : t;
}

static void world_model_nothing(struct rc_world *w, struct rc_object *o)
{
    (void)w, (void)o;
}

/* The model's freeze moves nothing: what a collection writes is the model's business
 * (experiments.c), and a frozen scenario says so itself. */
static void world_model_nothing_gc(struct rc_world *w)
{
    (void)w;
}

const struct rc_hooks rc_model_hooks = {
    .outline_table_new = world_model_table,
    .make_immortal = world_model_nothing,
    .incref = world_model_nothing,
    .decref = world_model_nothing,
    .gc_freeze = world_model_nothing_gc,
};

/* ---- a scenario's payload ------------------------------------------------------------ */

bool rc_items_immortal(const struct rc_scenario *sc)
{
    bool immortal_sem = sc->sem == RC_PY312 || sc->sem == RC_PY314;
    return immortal_sem && (sc->immortal_items || sc->payload == PAY_SMALL);
}

int rc_build(const struct rc_scenario *sc, const struct rc_hooks *h, struct rc_built *b)
{
    size_t n = sc->n;
    memset(b, 0, sizeof *b);
    b->w = rc_world_new(sc->geometry, sc->sem, n + 64, n, sc->page_size, h);
    if (!b->w)
        return -1;
    if (sc->payload == PAY_ARRAY) {
        if (!(b->array = rc_array_new(b->w, n)))
            return -1;
        b->want_result = (int64_t)n * ((int64_t)n + 1) / 2;
    } else {
        struct rc_object **tmp = malloc((n ? n : 1) * sizeof *tmp);
        if (!tmp)
            return -1;
        for (size_t i = 0; i < n; i++) {
            int64_t v = sc->payload == PAY_SMALL ? (int64_t)(i % RC_NSMALL) + RC_SMALL_MIN
                                                 : (int64_t)i + 1000;
            if (sc->payload == PAY_CONTAINERS)
                tmp[i] = &rc_list_new_empty(b->w)->ob_base;
            else if (sc->payload == PAY_SMALL)
                tmp[i] = &rc_small_int(b->w, v)->ob_base;
            else if (sc->payload == PAY_FLOATS)
                tmp[i] = &rc_float_new(b->w, (double)v + 0.5)->ob_base;
            else
                tmp[i] = &rc_int_new(b->w, v)->ob_base;
            b->want_result += sc->payload == PAY_CONTAINERS ? 0 : v;
        }
        b->list = rc_list_new(b->w, n);
        if (!b->list) {
            free(tmp);
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            rc_list_append(b->w, b->list, tmp[i]);
        free(tmp);
        if (rc_items_immortal(sc))
            for (size_t i = 0; i < n; i++)
                h->make_immortal(b->w, b->list->ob_item[i]);
        if (sc->freeze)
            h->gc_freeze(b->w);
        b->warm_block = rc_world_warm_iterator(b->w, b->list);
    }
    if (sc->op == OP_LEN)
        b->want_result = (int64_t)n;
    if (sc->op == OP_CONTAINS)
        b->want_result = 1;
    if (sc->op == OP_GC)
        b->want_result = 0;
    return 0;
}
