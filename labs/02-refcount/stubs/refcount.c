/*
 * Lab 02 — what CPython's reference counting and cycle collector write.
 *
 * Implement the functions below; their contracts are in include/02-refcount.h and the
 * background in handbook/02-refcount.md. Check your work with:  make check LAB=02
 */
#include "02-refcount.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

bool rc_is_immortal(const struct rc_world *w, const struct rc_object *o)
{
    /* TODO: 3.12 and 3.14: the low 32 bits, read as an int32, are negative. */
    (void)w;
    (void)o;
    return false;
}

void rc_make_immortal(struct rc_world *w, struct rc_object *o)
{
    /* TODO */
    (void)w;
    (void)o;
}

void rc_incref(struct rc_world *w, struct rc_object *o)
{
    /* TODO: switch on rc_world_semantics(w). */
    (void)w;
    (void)o;
}

void rc_decref(struct rc_world *w, struct rc_object *o)
{
    /* TODO */
    (void)w;
    (void)o;
}

uint32_t *rc_outline_table_new(size_t entries)
{
    /* TODO: mmap room for `entries` uint32 counts. */
    (void)entries;
    errno = ENOSYS;
    return NULL;
}

int64_t rc_list_sum(struct rc_world *w, struct rc_list *l)
{
    /* TODO: rc_listiter_new, then incref / use / decref each item, then rc_listiter_free. */
    (void)w;
    (void)l;
    return -1;
}

size_t rc_list_len(const struct rc_list *l)
{
    /* TODO */
    (void)l;
    return SIZE_MAX;
}

bool rc_list_contains(struct rc_world *w, struct rc_list *l, int64_t value)
{
    /* TODO */
    (void)w;
    (void)l;
    (void)value;
    return false;
}

void rc_gc_collect(struct rc_world *w)
{
    /* TODO: walk rc_world_young(w) and store each container's ob_refcnt << 2 in its gc_prev. */
    (void)w;
}

void rc_gc_freeze(struct rc_world *w)
{
    /* TODO: splice the young generation onto the permanent one. */
    (void)w;
}

int64_t rc_array_sum(struct rc_world *w, struct rc_array *a)
{
    /* TODO */
    (void)w;
    (void)a;
    return -1;
}
