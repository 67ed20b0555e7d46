/*
 * Lab 02 reference: what CPython's reference counting and collector write
 * (contracts in include/02-refcount.h).
 */
#include "02-refcount.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

enum { RC_IMMORTAL_314 = 3u << 30 };

/* The low 32 bits of the count (x86-64 is little-endian: the first four bytes). */
static uint32_t low32(const struct rc_object *o)
{
    return (uint32_t)o->ob_refcnt;
}

/* Store the low 32 bits only, as 3.12+ does through ob_refcnt_split. */
static void set_low32(struct rc_object *o, uint32_t v)
{
    memcpy(&o->ob_refcnt, &v, sizeof v);
}

bool rc_is_immortal(const struct rc_world *w, const struct rc_object *o)
{
    enum rc_semantics s = rc_world_semantics(w);
    return (s == RC_PY312 || s == RC_PY314) && (int32_t)low32(o) < 0;
}

void rc_make_immortal(struct rc_world *w, struct rc_object *o)
{
    switch (rc_world_semantics(w)) {
    case RC_PY312: o->ob_refcnt = 0xFFFFFFFF; break;
    case RC_PY314: o->ob_refcnt = RC_IMMORTAL_314; break;
    default: break;
    }
}

void rc_incref(struct rc_world *w, struct rc_object *o)
{
    switch (rc_world_semantics(w)) {
    case RC_PY311: o->ob_refcnt++; break;
    case RC_PY312: {
        uint32_t next = low32(o) + 1;
        if (next == 0)
            return; /* immortal: adding one would wrap the low half */
        set_low32(o, next);
        break;
    }
    case RC_PY314:
        if (low32(o) >= RC_IMMORTAL_314)
            return;
        set_low32(o, low32(o) + 1);
        break;
    case RC_OUTLINE: rc_world_table(w)[o->ob_refcnt]++; break;
    }
}

void rc_decref(struct rc_world *w, struct rc_object *o)
{
    switch (rc_world_semantics(w)) {
    case RC_PY311: o->ob_refcnt--; break;
    case RC_PY312:
    case RC_PY314:
        if ((int32_t)low32(o) < 0)
            return; /* immortal */
        o->ob_refcnt--;
        break;
    case RC_OUTLINE: rc_world_table(w)[o->ob_refcnt]--; break;
    }
}

uint32_t *rc_outline_table_new(size_t entries)
{
    size_t len = entries * sizeof(uint32_t);
    void *t = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (t == MAP_FAILED)
        return NULL;
    madvise(t, len, MADV_NOHUGEPAGE);
    return t;
}

int64_t rc_list_sum(struct rc_world *w, struct rc_list *l)
{
    struct rc_listiter *it = rc_listiter_new(w, l);
    int64_t sum = 0;
    if (!it)
        return 0;
    for (it->it_index = 0; it->it_index < l->ob_size; it->it_index++) {
        struct rc_object *o = l->ob_item[it->it_index];
        rc_incref(w, o); /* listiter_next returns a new reference */
        sum += rc_number_value(o);
        rc_decref(w, o); /* ... which the loop drops */
    }
    rc_listiter_free(w, it);
    return sum;
}

size_t rc_list_len(const struct rc_list *l)
{
    return (size_t)l->ob_size;
}

bool rc_list_contains(struct rc_world *w, struct rc_list *l, int64_t value)
{
    for (int64_t i = 0; i < l->ob_size; i++) {
        struct rc_object *o = l->ob_item[i];
        rc_incref(w, o);
        bool eq = rc_number_value(o) == value;
        rc_decref(w, o);
        if (eq)
            return true;
    }
    return false;
}

void rc_gc_collect(struct rc_world *w)
{
    struct rc_gchead *young = rc_world_young(w);
    for (struct rc_gchead *g = (struct rc_gchead *)young->gc_next; g != young;
         g = (struct rc_gchead *)g->gc_next) {
        /* update_refs stores the refcount in gc_prev (as gc_refs, above two flag bits) */
        g->gc_prev = (uintptr_t)((struct rc_object *)(g + 1))->ob_refcnt << 2;
    }
}

void rc_gc_freeze(struct rc_world *w)
{
    struct rc_gchead *young = rc_world_young(w), *perm = rc_world_permanent(w);
    if ((struct rc_gchead *)young->gc_next == young)
        return;
    struct rc_gchead *first = (struct rc_gchead *)young->gc_next;
    struct rc_gchead *last = (struct rc_gchead *)young->gc_prev;
    struct rc_gchead *perm_last = (struct rc_gchead *)perm->gc_prev;
    perm_last->gc_next = (uintptr_t)first;
    first->gc_prev = (uintptr_t)perm_last;
    last->gc_next = (uintptr_t)perm;
    perm->gc_prev = (uintptr_t)last;
    young->gc_next = young->gc_prev = (uintptr_t)young;
}

int64_t rc_array_sum(struct rc_world *w, struct rc_array *a)
{
    int64_t sum = 0;
    rc_incref(w, &a->ob_base);
    for (int64_t i = 0; i < a->length; i++)
        sum += a->data[i];
    rc_decref(w, &a->ob_base);
    return sum;
}
