/*
 * alloc.h — lab 04's allocator interposition (alloc.c): what the subject's commands ask of it
 * around a student call.
 */
#ifndef LAB04_ALLOC_H
#define LAB04_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* What happened in a watch: allocation calls (malloc, calloc, realloc) made, and whether the
 * one that was to fail was made (and failed). */
struct bt_alloc_watch {
    int attempts;
    bool failed;
};

/* Watch the allocations from here to bt_alloc_unwatch (a student call): each block gets a
 * poisoned tail and is counted live until freed; the fail_at-th allocation call fails with
 * ENOMEM (0: none fails). */
void bt_alloc_watch(int fail_at);

/* Stop watching; what the watch saw. */
struct bt_alloc_watch bt_alloc_unwatch(void);

/* Blocks allocated while watched and not freed since, in this process; -1 if more were live
 * at once than the kit can follow. */
long bt_alloc_live(void);

#endif
