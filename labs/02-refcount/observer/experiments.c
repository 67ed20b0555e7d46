/*
 * experiments.c — lab 02's experiments and model (contracts in experiments.h).
 *
 * The model marks, byte-exactly, what the CPython operation writes in the child:
 *   sum:       each item's ob_refcnt (RC_OUTLINE: its table entry) unless immortal; the
 *              list's ob_refcnt (the iterator's reference); the iterator's block and its
 *              pool header (a 48-byte pool the parent already has); the GC head of the last
 *              young container (tracking the iterator links it in after that one);
 *   len:       nothing;   contains: the items up to the match;
 *   gc:        gc_prev of every young container, which then holds its ob_refcnt << 2 (a
 *              row of its own: the count of containers holding it, read from each child);
 *   array sum: the array's ob_refcnt.
 * Then it replays "the parent wrote these pages, forked, the child wrote those" through the
 * harness's copy-on-write simulation, region by region, for the expected smaps numbers.
 */
#include "experiments.h"

#include "cowlab/lab.h"
#include "cowlab/model.h"
#include "cowlab/mem.h"
#include "cowlab/team.h"
#include "world.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long children may take to reach the barrier: the reference takes milliseconds. */
enum { RC_TIMEOUT_MS = 4000, RC_ITER_BYTES = 48 };

/* One scenario: the model's own world (built here, never run), and where the subject's copy
 * of each region is. */
struct rc_ctx {
    const struct rc_scenario *sc;
    struct rc_world *w;
    struct rc_list *list;
    struct rc_array *array;
    void *warm_block; /* the block the child's iterator will get */
    uint8_t *marks[RC_NREGIONS];
    int64_t want_result;
    uint64_t base[RC_NREGIONS]; /* the regions in the subject */
    struct cl_link *L;
};

static int rc_cannot(const struct rc_scenario *sc, const char *what)
{
    return cl_cannot(sc->name, what);
}

/* Mark the pages of [addr, addr+len) in the region that holds them (nothing if none holds the
 * whole range). The regions do not overlap: the one holding addr is the only candidate. */
static void rc_mark(struct rc_ctx *c, const void *addr, size_t len)
{
    for (int i = 0; i < RC_NREGIONS; i++) {
        const struct rc_region *r = rc_world_region(c->w, i);
        size_t a = rc_region_page(r, addr);
        if (a == SIZE_MAX)
            continue;
        size_t b = rc_region_page(r, (const char *)addr + len - 1);
        for (size_t p = a; b != SIZE_MAX && p <= b; p++)
            c->marks[i][p] = 1;
        return;
    }
}

/* The GC head in front of a container. */
static struct rc_gchead *rc_gc_head_of(struct rc_object *o)
{
    return (struct rc_gchead *)o - 1;
}

/* The refcount write of o: in the object, or in the table. */
static void rc_mark_ref(struct rc_ctx *c, const struct rc_object *o)
{
    if (c->sc->sem == RC_OUTLINE)
        rc_mark(c, &rc_world_table(c->w)[o->ob_refcnt], sizeof(uint32_t));
    else
        rc_mark(c, &o->ob_refcnt, sizeof o->ob_refcnt);
}

/* Build the payload in the model's world. */
static int rc_build_model(struct rc_ctx *c)
{
    struct rc_built b;
    int rc = rc_build(c->sc, &rc_model_hooks, &b);
    c->w = b.w;
    c->list = b.list;
    c->array = b.array;
    c->warm_block = b.warm_block;
    c->want_result = b.want_result;
    return rc < 0 ? rc_cannot(c->sc, "building the model's world") : 0;
}

/* The model: mark what one child's operation writes. */
static void rc_model(struct rc_ctx *c)
{
    const struct rc_scenario *sc = c->sc;
    struct rc_list *l = c->list;
    switch (sc->op) {
    case OP_LEN: break;
    case OP_CONTAINS:
        for (int64_t i = 0; i < l->ob_size; i++) {
            if (!rc_items_immortal(c->sc))
                rc_mark_ref(c, l->ob_item[i]);
            if (rc_number_value(l->ob_item[i]) == sc->contains)
                break;
        }
        break;
    case OP_GC:
        /* The young generation as a correct world has it (never the student's lists): every
         * container the kit built, unless frozen. */
        if (!sc->freeze) {
            for (int64_t i = 0; sc->payload == PAY_CONTAINERS && i < l->ob_size; i++)
                rc_mark(c, &rc_gc_head_of(l->ob_item[i])->gc_prev, sizeof(uintptr_t));
            rc_mark(c, &rc_gc_head_of(&l->ob_base)->gc_prev, sizeof(uintptr_t));
        }
        break;
    case OP_ARRAY_SUM: rc_mark_ref(c, &c->array->ob_base); break;
    case OP_SUM: {
        for (int64_t i = 0; i < l->ob_size; i++)
            if (!rc_items_immortal(c->sc))
                rc_mark_ref(c, l->ob_item[i]);
        rc_mark_ref(c, &l->ob_base);
        /* the iterator: its block (memset), its pool's header, its own count */
        unsigned char *block = c->warm_block;
        size_t pool = sc->geometry->pool_size;
        const struct rc_region *heap = rc_world_region(c->w, RC_HEAP);
        unsigned char *pool_start = heap->base + (size_t)(block - heap->base) / pool * pool;
        rc_mark(c, block, RC_ITER_BYTES);
        rc_mark(c, pool_start, sc->geometry->pool_header);
        if (sc->sem == RC_OUTLINE)
            rc_mark(c, &rc_world_table(c->w)[rc_world_next_index(c->w)], sizeof(uint32_t));
        /* tracking the iterator writes the GC head of the young generation's last member: the
         * list, built last (none after a freeze) */
        if (!sc->freeze)
            rc_mark(c, rc_gc_head_of(&l->ob_base), sizeof(struct rc_gchead));
        break;
    }
    }
}

/* The pages set in flags[0..npages), counted in pages `ratio` times as large: a large page
 * counts once if any of its small ones is set. Page 0 starts at the region's base in either
 * size, so small page p lies in large page p / ratio. ratio 1: the set pages. */
static size_t rc_count_coarse(const uint8_t *flags, size_t npages, size_t ratio)
{
    size_t n = 0;
    for (size_t first = 0; first < npages; first += ratio) {
        size_t end = npages - first < ratio ? npages : first + ratio;
        for (size_t p = first; p < end; p++)
            if (flags[p]) {
                n++;
                break;
            }
    }
    return n;
}

/* The pages the child's operation writes, in every region, counted in pages `ratio` times
 * the world's (1: the world's own). */
static size_t rc_count_marks(const struct rc_ctx *c, size_t ratio)
{
    size_t n = 0;
    for (int i = 0; i < RC_NREGIONS; i++) {
        const struct rc_region *r = rc_world_region(c->w, i);
        if (r->base)
            n += rc_count_coarse(c->marks[i], r->npages, ratio);
    }
    return n;
}

static bool rc_region_used(const struct rc_ctx *c, int i)
{
    const struct rc_region *r = rc_world_region(c->w, i);
    for (size_t p = 0; r->base && p < r->npages; p++)
        if (r->written[p] || c->marks[i][p])
            return true;
    return false;
}

/* Expected smaps numbers of region i in process p (0 = parent): the parent wrote r->written,
 * forked k children, and each child wrote c->marks[i]. */
static int rc_expect(const struct rc_ctx *c, int i, unsigned p, struct cl_mem *out)
{
    const struct rc_region *r = rc_world_region(c->w, i);
    struct cl_cow *sim = cl_cow_new(r->npages, (unsigned)c->sc->k + 1, cl_read_fault_of_machine());
    if (!sim)
        return -1;
    for (size_t pg = 0; pg < r->npages; pg++)
        if (r->written[pg])
            cl_cow_write(sim, 0, pg);
    for (unsigned ch = 1; ch <= (unsigned)c->sc->k; ch++) {
        cl_cow_fork(sim, 0, ch);
        for (size_t pg = 0; pg < r->npages; pg++)
            if (c->marks[i][pg])
                cl_cow_write(sim, ch, pg);
    }
    cl_cow_region(sim, p, cl_page_size(), out);
    cl_cow_free(sim);
    return 0;
}

/* page_state rows for the heap in process p: the model's state beside pagemap's. */
static int rc_page_rows(struct cl_results *r, struct rc_ctx *c, pid_t pid, unsigned p,
                        const char *proc)
{
    const struct rc_region *reg = rc_world_region(c->w, RC_HEAP);
    size_t used = 0; /* up to the last page anyone wrote */
    for (size_t pg = 0; pg < reg->npages; pg++)
        if (reg->written[pg] || c->marks[RC_HEAP][pg])
            used = pg + 1;
    struct cl_cow *sim = cl_cow_new(used, (unsigned)c->sc->k + 1, cl_read_fault_of_machine());
    struct cl_page *pages = calloc(used ? used : 1, sizeof *pages);
    if (!sim || !pages || cl_pages(pid, CL_ADDR(c->base[RC_HEAP]), used, pages) < 0) {
        cl_cow_free(sim);
        free(pages);
        return rc_cannot(c->sc, "reading the heap's pagemap");
    }
    for (size_t pg = 0; pg < used; pg++)
        if (reg->written[pg])
            cl_cow_write(sim, 0, pg);
    for (unsigned ch = 1; ch <= (unsigned)c->sc->k; ch++) {
        cl_cow_fork(sim, 0, ch);
        for (size_t pg = 0; pg < used; pg++)
            if (c->marks[RC_HEAP][pg])
                cl_cow_write(sim, ch, pg);
    }
    bool pfns = cl_zero_pfn() != 0;
    for (size_t pg = 0; pg < used; pg++)
        cl_results_add(r, c->sc->name, (int64_t)pg, proc, "after_op", "page_state",
                       cl_page_state_visible(cl_cow_state(sim, p, pg), pfns),
                       cl_page_state_of(&pages[pg], cl_zero_pfn()), "state",
                       "pagemap: 0 absent, 1 shared, 2 private (bit 56)");
    cl_cow_free(sim);
    free(pages);
    return 0;
}

/* What a wrong number in a region usually means. */
static const char *rc_hint(const struct rc_scenario *sc, const char *region)
{
    if (strcmp(region, "items") == 0)
        return "the item array is only read: it must stay shared by every process";
    if (strcmp(region, "table") == 0)
        return "out-of-line counts: every incref/decref writes table[o->ob_refcnt], never o";
    if (strcmp(region, "small_ints") == 0)
        return "the small-int cache: 3.11 writes their counts, 3.12+ (immortal) must not";
    if (sc->op == OP_GC)
        return "a collection writes gc_prev of each young container; after a freeze, none";
    if (sc->immortal_items)
        return "the items are immortal (rc_make_immortal): rc_incref and rc_decref must not "
               "write them, by the low 32 bits read as the header says (see refcount_semantics's "
               "rows for which half your check reads)";
    return "each page the child's operation writes becomes private in the child and in the "
           "parent (lab 01): compare with `make plots LAB=02` and the chapter's list of writes";
}

static const enum cl_field rc_fields[] = {CL_RSS, CL_PSS, CL_SHARED_DIRTY, CL_PRIVATE_DIRTY};

/* A window on one process's copy of the heap, read with process_vm_readv as it is needed. */
struct rc_peek {
    pid_t pid;
    uint64_t base; /* the heap in that process */
    size_t size;   /* its bytes */
    unsigned char *buf;
    size_t off, len; /* the heap's bytes [off, off + len) are in buf */
};

enum { RC_PEEK_BYTES = 1 << 20 };

/* The word at the model's address a, in the process's copy of the heap (the subject's world
 * has the model's objects at the model's offsets). -1 if it cannot be read. */
static int rc_peek_word(struct rc_peek *pk, const struct rc_region *heap, const void *a,
                        uintptr_t *out)
{
    size_t off = (size_t)((const unsigned char *)a - heap->base);
    if (off > pk->size - sizeof *out)
        return -1;
    if (off < pk->off || off + sizeof *out > pk->off + pk->len) {
        pk->off = off;
        pk->len = pk->size - off < RC_PEEK_BYTES ? pk->size - off : RC_PEEK_BYTES;
        if (cl_link_peek(pk->pid, pk->base + off, pk->buf, pk->len) < 0) {
            pk->len = 0;
            return -1;
        }
    }
    memcpy(out, pk->buf + (off - pk->off), sizeof *out);
    return 0;
}

/* OP_GC, in a child: a row with the number of the kit's containers (the list's items and the
 * list) that the model's collection visits — every one, none after a freeze — beside the
 * number whose gc_prev holds, in that child's memory, what update_refs stores there: the
 * model's ob_refcnt of the container << 2. */
static int rc_gc_refs_row(struct cl_results *r, const struct rc_ctx *c, pid_t pid, const char *proc)
{
    const struct rc_scenario *sc = c->sc;
    const struct rc_region *heap = rc_world_region(c->w, RC_HEAP);
    struct rc_list *l = c->list;
    size_t items = sc->payload == PAY_CONTAINERS ? (size_t)l->ob_size : 0;
    struct rc_peek pk = {.pid = pid,
                         .base = c->base[RC_HEAP],
                         .size = heap->npages * heap->page,
                         .buf = malloc(RC_PEEK_BYTES)};
    if (!pk.buf)
        return rc_cannot(sc, "malloc");
    int64_t stored = 0;
    int rc = 0;
    for (size_t i = 0; i <= items; i++) {
        struct rc_object *o = i < items ? l->ob_item[i] : &l->ob_base;
        uintptr_t got;
        if (rc_peek_word(&pk, heap, &rc_gc_head_of(o)->gc_prev, &got) < 0) {
            rc = rc_cannot(sc, "reading the containers' GC heads");
            break;
        }
        stored += got == (uintptr_t)o->ob_refcnt << 2;
    }
    free(pk.buf);
    if (rc < 0)
        return rc;
    cl_results_add(r, sc->name, (int64_t)sc->n, proc, "after_op", "gc_refs_stored",
                   sc->freeze ? 0 : (int64_t)items + 1, stored, "objects",
                   "gc_prev of each young container must hold its ob_refcnt << 2 after "
                   "rc_gc_collect (update_refs' gc_refs), and no frozen one");
    return 0;
}

/* Rows for one process: each used region's fields, and (children) pages of its own. */
static int rc_measure(struct cl_results *r, struct rc_ctx *c, const pid_t *pids, unsigned p)
{
    char proc[16], metric[40];
    if (p == 0)
        snprintf(proc, sizeof proc, "parent");
    else
        snprintf(proc, sizeof proc, "child%u", p);
    pid_t pid = pids[p];
    int64_t own = 0;
    for (int i = 0; i < RC_NREGIONS; i++) {
        if (!rc_region_used(c, i))
            continue;
        const struct rc_region *reg = rc_world_region(c->w, i);
        struct cl_mem want, got;
        if (rc_expect(c, i, p, &want) < 0)
            return rc_cannot(c->sc, "modelling a region");
        /* The world maps every region between guard pages, so its smaps block is its own;
         * should the kernel still have merged it with a neighbour, cl_measure_alone says so
         * instead of reporting the neighbour's pages as the region's. */
        const void *at = CL_ADDR(c->base[i]);
        size_t len = reg->npages * cl_page_size();
        if (!reg->guarded && cl_mem_region(pid, at, len, &got) < 0)
            return rc_cannot(c->sc, "measuring a region");
        if (reg->guarded && cl_measure_alone(c->sc->name, reg->name, pid, at, len, &got) < 0)
            return -1;
        for (size_t f = 0; f < sizeof rc_fields / sizeof rc_fields[0]; f++) {
            snprintf(metric, sizeof metric, "%s.%s", reg->name, cl_mem_field_names[rc_fields[f]]);
            cl_results_add(r, c->sc->name, (int64_t)c->sc->n, proc, "after_op", metric,
                           (int64_t)want.kb[rc_fields[f]], (int64_t)got.kb[rc_fields[f]], "kB",
                           rc_hint(c->sc, reg->name));
        }
        if (p == 0)
            continue;
        struct cl_page *pages = calloc(reg->npages, sizeof *pages);
        if (!pages || cl_pages(pid, CL_ADDR(c->base[i]), reg->npages, pages) < 0) {
            free(pages);
            return rc_cannot(c->sc, "reading pagemap");
        }
        for (size_t pg = 0; pg < reg->npages; pg++)
            own += pages[pg].present && pages[pg].exclusive;
        free(pages);
    }
    if (c->sc->per_page && p <= 1 && rc_page_rows(r, c, pid, p, proc) < 0)
        return -1;
    if (c->sc->op == OP_GC && p > 0 && rc_gc_refs_row(r, c, pid, proc) < 0)
        return -1;
    if (p > 0)
        cl_results_add(r, c->sc->name, (int64_t)c->sc->n, proc, "after_op", "pages_dirtied",
                       (int64_t)rc_count_marks(c, 1), own, "pages",
                       "pages of the world this child owns: every page its operation wrote");
    return 0;
}

static void rc_ctx_free(struct rc_ctx *c)
{
    for (int i = 0; i < RC_NREGIONS; i++)
        free(c->marks[i]);
    rc_world_free(c->w);
}

static int rc_prepare(struct rc_ctx *c, const struct rc_scenario *sc)
{
    memset(c, 0, sizeof *c);
    c->sc = sc;
    errno = 0;
    if (rc_build_model(c) < 0)
        return -1;
    for (int i = 0; i < RC_NREGIONS; i++) {
        const struct rc_region *reg = rc_world_region(c->w, i);
        if (!(c->marks[i] = calloc(reg->npages ? reg->npages : 1, 1)))
            return rc_cannot(sc, "malloc");
    }
    rc_model(c);
    return 0;
}

/* The heap pages (the world's) holding the ob_refcnt of the list's items, in a prepared world,
 * as one flag a page: a new array the caller frees, or NULL (said) when there is no memory. */
static uint8_t *rc_int_page_flags(const struct rc_scenario *sc, const struct rc_ctx *c)
{
    const struct rc_region *heap = rc_world_region(c->w, RC_HEAP);
    uint8_t *seen = calloc(heap->npages, 1);
    if (!seen) {
        rc_cannot(sc, "malloc");
        return NULL;
    }
    for (int64_t i = 0; i < c->list->ob_size; i++) {
        size_t p = rc_region_page(heap, &c->list->ob_item[i]->ob_refcnt);
        if (p != SIZE_MAX)
            seen[p] = 1;
    }
    return seen;
}

/* Fill out[j] for page size sizes[j] from a world prepared in pages of `page` bytes, each
 * size a multiple of it; the int pages too if int_seen (rc_int_page_flags) is not NULL. */
static void rc_model_counts(const struct rc_ctx *c, size_t page, const uint8_t *int_seen,
                            const size_t *sizes, size_t count, struct rc_model_count *out)
{
    const struct rc_region *heap = rc_world_region(c->w, RC_HEAP);
    for (size_t j = 0; j < count; j++) {
        size_t ratio = sizes[j] ? sizes[j] / page : 1;
        out[j].dirtied = rc_count_marks(c, ratio);
        out[j].resident_heap = rc_count_coarse(heap->written, heap->npages, ratio);
        out[j].int_pages = int_seen ? rc_count_coarse(int_seen, heap->npages, ratio) : 0;
    }
}

int rc_model_pages(const struct rc_scenario *sc, const size_t *sizes, size_t count, bool int_pages,
                   struct rc_model_count *out)
{
    struct rc_scenario fine = *sc;
    fine.page_size = sizes[0];
    size_t page = sizes[0] ? sizes[0] : cl_page_size();
    for (size_t j = 1; j < count; j++)
        if (sizes[j] < page || sizes[j] % page != 0) {
            errno = EINVAL;
            return rc_cannot(sc, "counting in pages that are not multiples of the first");
        }
    struct rc_ctx c;
    int rc = rc_prepare(&c, &fine);
    uint8_t *int_seen = NULL;
    if (rc == 0 && int_pages && !(int_seen = rc_int_page_flags(sc, &c)))
        rc = -1;
    if (rc == 0)
        rc_model_counts(&c, page, int_seen, sizes, count, out);
    free(int_seen);
    rc_ctx_free(&c);
    return rc;
}

int rc_model_only(const struct rc_scenario *sc, size_t *dirtied, size_t *resident_heap,
                  size_t *int_pages)
{
    struct rc_model_count n;
    if (rc_model_pages(sc, &sc->page_size, 1, int_pages != NULL, &n) < 0)
        return -1;
    *dirtied = n.dirtied;
    *resident_heap = n.resident_heap;
    if (int_pages)
        *int_pages = n.int_pages;
    return 0;
}

int rc_model_heap_pss(const struct rc_scenario *sc, unsigned p, uint64_t *kb, size_t *resident,
                      size_t *dirtied)
{
    struct rc_ctx c;
    struct cl_mem m;
    int rc = rc_prepare(&c, sc);
    if (rc == 0 && rc_expect(&c, RC_HEAP, p, &m) < 0)
        rc = rc_cannot(sc, "the model");
    if (rc == 0) {
        const struct rc_region *heap = rc_world_region(c.w, RC_HEAP);
        *kb = m.kb[CL_PSS];
        *resident = *dirtied = 0;
        for (size_t pg = 0; pg < heap->npages; pg++) {
            *resident += heap->written[pg];
            *dirtied += c.marks[RC_HEAP][pg];
        }
    }
    rc_ctx_free(&c);
    return rc;
}

/* The subject builds the same scenario; its regions must have the model's sizes. */
static int rc_build_subject(struct rc_ctx *c)
{
    const struct rc_scenario *sc = c->sc;
    int64_t v[2 * RC_NREGIONS];
    int n = 0;
    if (cl_link_call(c->L, v, 2 * RC_NREGIONS, &n, "build %d %d %d %zu %d %d", (int)sc->sem,
                     sc->geometry == &rc_geometry_38, (int)sc->payload, sc->n, sc->immortal_items,
                     sc->freeze) != 0)
        return cl_cannot_subject(sc->name, c->L, "building the world");
    for (int i = 0; i < RC_NREGIONS; i++) {
        const struct rc_region *reg = rc_world_region(c->w, i);
        c->base[i] = n == 2 * RC_NREGIONS ? (uint64_t)v[2 * i] : 0;
        if (n != 2 * RC_NREGIONS || (reg->base != NULL) != (c->base[i] != 0) ||
            (reg->base && (size_t)v[2 * i + 1] != reg->npages)) {
            errno = EPROTO;
            return rc_cannot(sc, "building the same world in the subject");
        }
    }
    return 0;
}

int rc_run(struct cl_results *r, const struct rc_scenario *sc, size_t *model_pages)
{
    struct rc_ctx c;
    int rc = -1;
    bool built = false, team_up = false;
    pid_t pids[CL_TEAM_MAX + 1];
    if (sc->page_size != 0) { /* a world of pretended pages cannot be measured */
        errno = EINVAL;
        return rc_cannot(sc, "measuring a world of pretended pages");
    }
    if (rc_prepare(&c, sc) < 0)
        goto out;
    c.L = cl_lab_subject();
    if (model_pages)
        *model_pages = rc_count_marks(&c, 1);
    if (rc_build_subject(&c) < 0)
        goto out;
    built = true;
    int64_t v[CL_TEAM_MAX];
    int n = 0;
    if (cl_link_call(c.L, v, CL_TEAM_MAX, &n, "team %d 1 %d %lld 0 0", sc->k, (int)sc->op,
                     (long long)sc->contains) != 0) {
        cl_cannot_subject(sc->name, c.L, "forking the children");
        goto out;
    }
    team_up = true;
    pids[0] = c.L->pid;
    for (int i = 0; i < sc->k; i++)
        if ((pids[i + 1] = i < n ? cl_link_verify_pid(c.L, v[i]) : -1) < 0) {
            rc_cannot(sc, "forking the children (a pid that is not the subject's child)");
            goto out;
        }
    if (cl_link_call(c.L, NULL, 0, NULL, "await %d", cl_link_deadline_ms(RC_TIMEOUT_MS)) != 0) {
        cl_cannot_subject(sc->name, c.L, "waiting for the children");
        goto out;
    }
    for (int i = 0; i < sc->k; i++) {
        char proc[16];
        int64_t rep[CL_TEAM_REPORTS];
        snprintf(proc, sizeof proc, "child%d", i + 1);
        if (cl_link_call(c.L, rep, CL_TEAM_REPORTS, NULL, "report %d", i) != 0) {
            cl_cannot_subject(sc->name, c.L, "reading a child's result");
            goto out;
        }
        cl_results_add(r, sc->name, (int64_t)sc->n, proc, "after_op", "op_result", c.want_result,
                       rep[0], "value", "what the operation returned (sum, len, contains)");
    }
    for (unsigned p = 0; p <= (unsigned)sc->k; p++)
        if (rc_measure(r, &c, pids, p) < 0)
            goto out;
    team_up = false;
    if (cl_link_call(c.L, NULL, 0, NULL, "finish %d", cl_link_deadline_ms(RC_TIMEOUT_MS)) != 0) {
        cl_cannot_subject(sc->name, c.L, "a child exited badly");
        goto out;
    }
    rc = 0;
out:
    if (team_up)
        cl_link_call(c.L, NULL, 0, NULL, "finish 1000");
    if (built)
        cl_link_call(c.L, NULL, 0, NULL, "unbuild");
    rc_ctx_free(&c);
    return rc;
}
