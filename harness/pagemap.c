/*
 * pagemap.c — one page at a time, from /proc/PID/pagemap and /proc/kpagecount;
 * plus the page size and the kernel release (the other machine facts are cowlab/probe.h's).
 */
#include "cowlab/mem.h"
#include "cowlab/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

size_t cl_page_size(void)
{
    static size_t size;
    if (!size)
        size = (size_t)sysconf(_SC_PAGESIZE);
    return size;
}

size_t cl_page_kb(void)
{
    return cl_page_size() / 1024;
}

struct cl_page cl_page_decode(uint64_t e)
{
    struct cl_page p = {
        .present = (e >> 63) & 1,
        .swapped = (e >> 62) & 1,
        .file_or_shared = (e >> 61) & 1,
        .exclusive = (e >> 56) & 1,
        .soft_dirty = (e >> 55) & 1,
        .pfn = e & ((UINT64_C(1) << 55) - 1),
    };
    if (!p.present) /* for swapped pages bits 0-54 hold the swap entry, not a PFN */
        p.pfn = 0;
    return p;
}

/* Open pid's pagemap (0 = self). fd, or -1 with errno (ESRCH: the process has gone). */
static int pagemap_open(pid_t pid)
{
    char path[64];
    if (pid == 0)
        snprintf(path, sizeof path, "/proc/self/pagemap");
    else
        snprintf(path, sizeof path, "/proc/%ld/pagemap", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        errno = ESRCH;
    return fd;
}

/* Read n entries at *off into out, advancing *off. 0, or -1 with errno. */
static int pagemap_read(int fd, off_t *off, uint64_t *out, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t got = pread(fd, out + done, (n - done) * sizeof(uint64_t), *off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 || got % (ssize_t)sizeof(uint64_t)) {
            errno = got == 0 ? ESRCH : (got < 0 ? errno : EIO);
            return -1;
        }
        done += (size_t)got / sizeof(uint64_t);
        *off += got;
    }
    return 0;
}

static off_t pagemap_offset(const void *addr)
{
    return (off_t)((uintptr_t)addr / cl_page_size() * sizeof(uint64_t));
}

int cl_pagemap_raw(pid_t pid, const void *addr, size_t npages, uint64_t *out)
{
    memset(out, 0, npages * sizeof *out);
    int fd = pagemap_open(pid);
    if (fd < 0)
        return -1;
    off_t off = pagemap_offset(addr);
    int rc = pagemap_read(fd, &off, out, npages);
    int e = errno;
    close(fd);
    if (rc < 0) {
        memset(out, 0, npages * sizeof *out);
        errno = e;
    }
    return rc;
}

int cl_pages(pid_t pid, const void *addr, size_t npages, struct cl_page *out)
{
    memset(out, 0, npages * sizeof *out);
    int fd = pagemap_open(pid);
    if (fd < 0)
        return -1;
    uint64_t chunk[512];
    off_t off = pagemap_offset(addr);
    for (size_t done = 0; done < npages;) {
        size_t want = npages - done;
        if (want > sizeof chunk / sizeof chunk[0])
            want = sizeof chunk / sizeof chunk[0];
        if (pagemap_read(fd, &off, chunk, want) < 0) {
            int e = errno;
            close(fd);
            memset(out, 0, npages * sizeof *out);
            errno = e;
            return -1;
        }
        cl_snapshot_pagemap(pid, addr, chunk, want, done == 0);
        for (size_t i = 0; i < want; i++)
            out[done + i] = cl_page_decode(chunk[i]);
        done += want;
    }
    close(fd);
    return 0;
}

int64_t cl_kpagecount(uint64_t pfn)
{
    int fd = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    uint64_t count;
    ssize_t n = pread(fd, &count, sizeof count, (off_t)(pfn * sizeof count));
    close(fd);
    return n == (ssize_t)sizeof count ? (int64_t)count : -1;
}

const char *cl_kernel_release(char *buf, size_t n)
{
    struct utsname u;
    snprintf(buf, n, "%s", uname(&u) == 0 ? u.release : "unknown");
    return buf;
}
