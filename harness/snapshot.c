/*
 * snapshot.c — copies of what the harness read from /proc, for a flake's post-mortem.
 * Contracts in cowlab/snapshot.h.
 */
#include "cowlab/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static unsigned snapshot_seq; /* reads kept by this process */
static char snapshot_pagemap_path[700];

static const char *snapshot_dir(void)
{
    const char *dir = getenv(CL_SNAPSHOTS_ENV);
    return dir && *dir ? dir : NULL;
}

static int snapshot_write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

int cl_snapshot_proc(int fd, pid_t pid, const char *name)
{
    const char *dir = snapshot_dir();
    if (!dir)
        return fd;
    char path[700];
    snprintf(path, sizeof path, "%s/%06u-%ld-%s-by%ld", dir, ++snapshot_seq, (long)pid, name,
             (long)getpid());
    int copy = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (copy < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    char buf[1 << 14];
    ssize_t n;
    int e = 0;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || snapshot_write_all(copy, buf, (size_t)n) < 0) {
            e = errno ? errno : EIO;
            break;
        }
    }
    close(fd);
    if (e || lseek(copy, 0, SEEK_SET) < 0) {
        e = e ? e : errno;
        close(copy);
        errno = e;
        return -1;
    }
    return copy;
}

void cl_snapshot_pagemap(pid_t pid, const void *addr, const void *entries, size_t n,
                         int first_chunk)
{
    const char *dir = snapshot_dir();
    if (!dir)
        return;
    if (first_chunk)
        snprintf(snapshot_pagemap_path, sizeof snapshot_pagemap_path,
                 "%s/%06u-%ld-pagemap-%lx-by%ld", dir, ++snapshot_seq, (long)pid,
                 (unsigned long)(uintptr_t)addr, (long)getpid());
    int fd = open(snapshot_pagemap_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    snapshot_write_all(fd, entries, n * 8);
    close(fd);
}
