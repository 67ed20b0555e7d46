/*
 * build.c — lab 05's lists built for real, at the offsets cap_scene_walk gives (scene.h):
 * the subject's parent builds them, and so does each pickle worker in its own address space.
 */
#include "scene.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The tracked containers' GC heads (first 16 bytes of their block), chained in allocation
 * order behind the scene's sentinel, as CPython's young generation. */
struct cap_gchead {
    uintptr_t gc_next, gc_prev;
};

struct cap_builder {
    struct cap_scene *s;
    struct cap_gchead *young, *last;
};

static void cap_build_wrote(void *ctx, int region, uint64_t off, uint64_t len)
{
    struct cap_builder *b = ctx;
    memset(b->s->base[region] + off, 0, (size_t)len); /* a write: the page becomes resident */
}

static void cap_build_track(struct cap_builder *b, unsigned char *block)
{
    struct cap_gchead *g = (struct cap_gchead *)block;
    g->gc_prev = (uintptr_t)b->last;
    g->gc_next = (uintptr_t)b->young;
    b->last->gc_next = (uintptr_t)g;
    b->young->gc_prev = (uintptr_t)g;
    b->last = g;
}

void cap_fill_array(const struct cap_params *p, int l, size_t i, unsigned char *data)
{
    if (l == 0) {
        for (size_t at = 0; at < p->array_bytes; at++)
            data[at] = cap_byte(0, i, at);
        return;
    }
    for (size_t at = 0; at < p->array_bytes; at += 4) {
        int32_t v = cap_int(l, i, at);
        memcpy(data + at, &v, sizeof v);
    }
}

static void cap_build_alloc(void *ctx, const struct cap_alloc *a)
{
    struct cap_builder *b = ctx;
    struct cap_scene *s = b->s;
    unsigned char *at = s->base[a->region] + a->offset;
    switch (a->kind) {
    case CAP_LIST: {
        struct cap_object *o = (struct cap_object *)(at + CAP_REF_OFFSET_GC);
        *o = (struct cap_object){1, cap_list_type, (int64_t)s->p.arrays, NULL};
        s->lists[a->list] = o;
        cap_build_track(b, at);
        break;
    }
    case CAP_ITEMS:
        s->items[a->list] = (struct cap_object **)at;
        s->lists[a->list]->data = at;
        break;
    case CAP_HEADER: {
        struct cap_object *o = (struct cap_object *)(s->base[CAP_HEAP] + a->ref_off);
        bool bits = a->list == 0;
        *o = (struct cap_object){1, bits ? cap_bits_type : cap_ints_type,
                                 (int64_t)(bits ? s->p.array_bytes * 8 : s->p.array_bytes / 4),
                                 NULL};
        s->items[a->list][a->index] = o;
        if (!bits)
            cap_build_track(b, at);
        break;
    }
    case CAP_BUFFER:
        s->items[a->list][a->index]->data = at;
        cap_fill_array(&s->p, a->list, a->index, at);
        break;
    }
}

/* A private anonymous region of len bytes (whole pages) between two PROT_NONE guard pages:
 * its own VMA whatever the kernel places beside it. */
static unsigned char *cap_build_map(uint64_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *raw = mmap(NULL, (size_t)len + 2 * page, PROT_NONE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    if (mprotect(raw + page, (size_t)len, PROT_READ | PROT_WRITE) < 0) {
        munmap(raw, (size_t)len + 2 * page);
        return NULL;
    }
    madvise(raw + page, (size_t)len, MADV_NOHUGEPAGE);
    return raw + page;
}

int cap_scene_build(struct cap_scene *s, const struct cap_params *p)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uint64_t bytes[CAP_NREGIONS];
    memset(s, 0, sizeof *s);
    s->p = *p;
    if (cap_scene_walk(p, NULL, &bytes[CAP_HEAP], &bytes[CAP_SYSTEM]) < 0)
        return -1;
    for (int r = 0; r < CAP_NREGIONS; r++) {
        s->bytes[r] = (bytes[r] + page - 1) / page * page;
        if (s->bytes[r] && !(s->base[r] = cap_build_map(s->bytes[r]))) {
            cap_scene_free(s);
            errno = ENOMEM;
            return -1;
        }
    }
    if (!(s->young = calloc(2, sizeof(int64_t)))) {
        cap_scene_free(s);
        return -1;
    }
    struct cap_builder b = {s, (struct cap_gchead *)s->young, (struct cap_gchead *)s->young};
    b.young->gc_next = b.young->gc_prev = (uintptr_t)b.young;
    struct cap_sink sink = {&b, cap_build_alloc, cap_build_wrote};
    return cap_scene_walk(p, &sink, NULL, NULL);
}

void cap_scene_free(struct cap_scene *s)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    for (int r = 0; r < CAP_NREGIONS; r++)
        if (s->base[r])
            munmap(s->base[r] - page, (size_t)s->bytes[r] + 2 * page);
    free(s->young);
    memset(s, 0, sizeof *s);
}

void cap_scene_freeze(struct cap_scene *s)
{
    struct cap_gchead *young = (struct cap_gchead *)s->young;
    if (young->gc_next == (uintptr_t)young)
        return;
    /* The permanent generation's sentinel lives outside the lists, as CPython's does: the
     * chain's two ends point at it, and the young sentinel is empty again. */
    static struct cap_gchead permanent = {0, 0};
    struct cap_gchead *first = (struct cap_gchead *)young->gc_next;
    struct cap_gchead *last = (struct cap_gchead *)young->gc_prev;
    first->gc_prev = (uintptr_t)&permanent;
    last->gc_next = (uintptr_t)&permanent;
    permanent.gc_next = (uintptr_t)first;
    permanent.gc_prev = (uintptr_t)last;
    young->gc_next = young->gc_prev = (uintptr_t)young;
}

static void cap_immortal(struct cap_object *o)
{
    o->ob_refcnt = 0xFFFFFFFF;
}

void cap_scene_immortalize(struct cap_scene *s)
{
    for (int l = 0; l < CAP_LISTS; l++) {
        cap_immortal(s->lists[l]);
        for (size_t i = 0; i < s->p.arrays; i++)
            cap_immortal(s->items[l][i]);
    }
}

/* Py_INCREF / Py_DECREF, 3.12: an immortal count is never written. */
static void cap_incref(struct cap_object *o)
{
    if ((uint32_t)o->ob_refcnt != 0xFFFFFFFF)
        o->ob_refcnt++;
}

static void cap_decref(struct cap_object *o)
{
    if ((int32_t)o->ob_refcnt >= 0)
        o->ob_refcnt--;
}

int64_t cap_scene_read(struct cap_scene *s, size_t reads)
{
    int64_t sum = 0;
    for (int l = 0; l < CAP_LISTS; l++) {
        cap_incref(s->lists[l]);
        for (size_t i = 0; i < s->p.arrays; i++) {
            struct cap_object *a = s->items[l][i];
            cap_incref(a);
            for (size_t j = 0; j < reads; j++) {
                size_t at = cap_read_at(&s->p, reads, j);
                int32_t v;
                memcpy(&v, a->data + at, sizeof v);
                sum += l == 0 ? a->data[at] : v;
            }
            cap_decref(a);
        }
        cap_decref(s->lists[l]);
    }
    return sum;
}
