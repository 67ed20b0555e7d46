/*
 * Lab 01 — fork and copy-on-write: the experiment side.
 *
 * Implement the functions below; their contracts are in include/01-fork-cow.h and the
 * background in handbook/01-fork-cow.md. Check your work with:  make check LAB=01
 */
#include "01-fork-cow.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

void *cow_map(size_t npages)
{
    /* TODO: mmap a private anonymous read-write buffer of npages pages (the page size is
     * sysconf(_SC_PAGESIZE)), then madvise(MADV_NOHUGEPAGE) it. */
    (void)npages;
    errno = ENOSYS;
    return NULL;
}

int cow_unmap(void *buf, size_t npages)
{
    /* TODO */
    (void)buf;
    (void)npages;
    errno = ENOSYS;
    return -1;
}

void cow_fill(void *buf, size_t npages)
{
    /* TODO: write one non-zero byte into every page. */
    (void)buf;
    (void)npages;
}

uint64_t cow_read(const void *buf, size_t npages)
{
    /* TODO: read one byte of every page, return their sum. */
    (void)buf;
    (void)npages;
    return UINT64_MAX;
}

size_t cow_write_every(void *buf, size_t npages, size_t stride)
{
    /* TODO: write pages 0, stride, 2*stride, ...; return how many. */
    (void)buf;
    (void)npages;
    (void)stride;
    return 0;
}

int cow_spawn(int k, void (*child)(int i, void *arg), void *arg, pid_t *pids)
{
    /* TODO: fork k children; child i runs child(i, arg) then _exit(0). */
    (void)k;
    (void)child;
    (void)arg;
    (void)pids;
    errno = ENOSYS;
    return -1;
}
