/*
 * cowlab/leftover.h — what a sandboxed command left behind that outlives its processes, found
 * by owner, removed, and named for the verdict: System V shared memory, semaphore sets and
 * message queues, POSIX message queues, and entries in /tmp and /var/tmp (or in the folders
 * that stood for them in the subject's private view).
 */
#ifndef COWLAB_LEFTOVER_H
#define COWLAB_LEFTOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct cl_leftovers {
    int n;          /* how many things were left */
    char what[400]; /* "SysV shm 32770, /tmp/notes, ..." (the first ones; then "...") */
};

/* Add one thing to l, printf-style. */
void cl_leftovers_add(struct cl_leftovers *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Remove and name what uid owns: System V objects (as listed in /proc/sysvipc); POSIX message
 * queues (when root: the queue file system, through a mount of it attached nowhere, or where
 * the kernel refuses one, mounted in a private mount namespace of a helper process); and the
 * entries of /tmp and /var/tmp. Only for a fresh uid, which owned nothing
 * before the command ran: without root the command ran as the caller, whose own objects are
 * not told apart, and nothing is swept. */
void cl_leftovers_sweep(uid_t uid, struct cl_leftovers *l);

/* Name every entry of folder dir as shown_as/NAME and remove it (with what is below it). */
void cl_leftovers_folder(const char *dir, const char *shown_as, struct cl_leftovers *l);

#endif
