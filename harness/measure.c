/*
 * measure.c — smaps / smaps_rollup parsing, per process and per region.
 *
 * Allocation-free: the stream is read through a fixed buffer on the stack, so a process can
 * measure itself. See cowlab/mem.h for the contracts.
 */
#include "cowlab/mem.h"
#include "cowlab/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const cl_mem_field_names[CL_NFIELDS] = {
    [CL_SIZE] = "Size",
    [CL_RSS] = "Rss",
    [CL_PSS] = "Pss",
    [CL_PSS_DIRTY] = "Pss_Dirty",
    [CL_PSS_ANON] = "Pss_Anon",
    [CL_PSS_FILE] = "Pss_File",
    [CL_PSS_SHMEM] = "Pss_Shmem",
    [CL_SHARED_CLEAN] = "Shared_Clean",
    [CL_SHARED_DIRTY] = "Shared_Dirty",
    [CL_PRIVATE_CLEAN] = "Private_Clean",
    [CL_PRIVATE_DIRTY] = "Private_Dirty",
    [CL_ANONYMOUS] = "Anonymous",
    [CL_ANON_HUGE] = "AnonHugePages",
    [CL_SWAP] = "Swap",
    [CL_SWAP_PSS] = "SwapPss",
};

int cl_mem_field_index(const char *name)
{
    for (int i = 0; i < CL_NFIELDS; i++)
        if (strcmp(name, cl_mem_field_names[i]) == 0)
            return i;
    return -1;
}

/* A line reader over an fd with a fixed buffer. A line longer than the buffer is returned
 * cut to the buffer's size and the rest of it is skipped: smaps lines are short, only a
 * mapped file's path can be long, and the header's addresses come first. */
struct mem_reader {
    int fd;
    size_t len, pos;
    bool eof, skipping;
    char buf[8192];
};

/* Fill the buffer behind what is kept. 0, or -1 with *err set. */
static int mem_refill(struct mem_reader *r, int *err)
{
    ssize_t n;
    do
        n = read(r->fd, r->buf + r->len, sizeof r->buf - 1 - r->len);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        *err = errno;
        return -1;
    }
    if (n == 0)
        r->eof = true;
    r->len += (size_t)n;
    return 0;
}

/* Return the next line (NUL-terminated, without '\n') or NULL at end of stream / on error
 * (*err set to errno). */
static char *mem_next_line(struct mem_reader *r, int *err)
{
    for (;;) {
        char *start = r->buf + r->pos;
        char *nl = memchr(start, '\n', r->len - r->pos);
        if (nl) {
            *nl = '\0';
            r->pos = (size_t)(nl - r->buf) + 1;
            if (r->skipping) { /* the tail of a cut line ends here */
                r->skipping = false;
                continue;
            }
            return start;
        }
        if (r->eof) {
            if (r->pos < r->len && !r->skipping) { /* a last line with no newline */
                r->buf[r->len] = '\0';
                r->pos = r->len;
                return start;
            }
            return NULL;
        }
        size_t keep = r->len - r->pos;
        if (keep == sizeof r->buf - 1) {
            /* A full buffer and no newline: hand out the head, skip the tail. */
            r->buf[r->len] = '\0';
            r->pos = r->len = 0;
            bool was_skipping = r->skipping;
            r->skipping = true;
            if (!was_skipping)
                return r->buf;
            continue;
        }
        memmove(r->buf, start, keep);
        r->len = keep;
        r->pos = 0;
        if (mem_refill(r, err) < 0)
            return NULL;
    }
}

/* A VMA header line: "start-end perms offset dev inode [path]". Returns 1 and the range if
 * it is one, 0 if it is a field line, -1 if it looks like a header but is malformed. */
static int mem_parse_header(const char *line, uintptr_t *lo, uintptr_t *hi)
{
    const char *colon = strchr(line, ':');
    const char *space = strchr(line, ' ');
    /* Field lines are "Name:   value kB" — a colon before the first space. The rollup's
     * header line is "start-end ---p ... [rollup]": a dash inside the first word. */
    if (colon && (!space || colon < space))
        return 0;
    char *end;
    unsigned long long a = strtoull(line, &end, 16);
    if (*end != '-')
        return -1;
    unsigned long long b = strtoull(end + 1, &end, 16);
    if (*end != ' ' || b < a)
        return -1;
    *lo = (uintptr_t)a;
    *hi = (uintptr_t)b;
    return 1;
}

/* A field line "Name:   123 kB": the field's index and value, or -1 if the name is unknown
 * (the line is left as it was). */
static int mem_field(const char *line, unsigned long long *value)
{
    const char *colon = strchr(line, ':');
    char name[64];
    size_t len = colon ? (size_t)(colon - line) : 0;
    if (!colon || len >= sizeof name)
        return -1;
    memcpy(name, line, len);
    name[len] = '\0';
    int f = cl_mem_field_index(name);
    char *end;
    if (f < 0)
        return -1;
    *value = strtoull(colon + 1, &end, 10);
    return end == colon + 1 ? -1 : f;
}

/* True if an smaps line is "VmFlags: ..." and has the two-letter flag `flag` ("ms": made
 * MAP_SHARED, VM_MAYSHARE — "sh" is cleared for a read-only shared mapping of a file opened
 * read-only; "wr": writable; "nh": VM_NOHUGEPAGE, set by madvise(MADV_NOHUGEPAGE)). */
static bool mem_vmflag(const char *line, const char *flag)
{
    if (strncmp(line, "VmFlags:", 8) != 0)
        return false;
    for (const char *p = line + 8; (p = strstr(p, flag)); p += 2)
        if (p[-1] == ' ' && (p[2] == ' ' || p[2] == '\0' || p[2] == '\n'))
            return true;
    return false;
}

/* True if a VMA header line names nothing after its inode: a nameless anonymous mapping
 * (not a file, not [heap], [stack] or [vdso]). */
static bool mem_header_nameless(const char *line)
{
    const char *p = line;
    for (int field = 0; field < 5; field++) { /* range perms offset dev inode */
        while (*p == ' ')
            p++;
        while (*p && *p != ' ')
            p++;
    }
    while (*p == ' ' || *p == '\t')
        p++;
    return *p == '\0';
}

/* Parse a stream, summing into out[i] the blocks that overlap range i (every block if that
 * range is empty: lo >= hi) and, with nameless_only, only those without a name. */
static int mem_parse(int fd, const uintptr_t (*range)[2], int n, bool nameless_only,
                     struct cl_mem *out)
{
    struct mem_reader r = {.fd = fd};
    bool in_block[CL_MEM_MAX_RANGES] = {false};
    int err = 0;
    char *line;

    memset(out, 0, (size_t)n * sizeof *out);
    while ((line = mem_next_line(&r, &err))) {
        uintptr_t a, b;
        unsigned long long v = 0;
        int h = mem_parse_header(line, &a, &b), f = h == 1 ? -1 : mem_field(line, &v);
        if (h < 0) {
            memset(out, 0, (size_t)n * sizeof *out);
            errno = EIO;
            return -1;
        }
        for (int i = 0; i < n; i++) {
            if (h == 1) {
                bool filter = range[i][0] < range[i][1];
                out[i].blocks++;
                in_block[i] = (!filter || (a < range[i][1] && b > range[i][0])) &&
                              (!nameless_only || mem_header_nameless(line));
                if (in_block[i])
                    out[i].vmas++;
            } else if (in_block[i] && f >= 0) {
                out[i].kb[f] += v;
                out[i].have |= 1u << f;
            } else if (in_block[i] && strncmp(line, "VmFlags:", 8) == 0) {
                out[i].shared_vmas += mem_vmflag(line, "ms");
                out[i].writable_vmas += mem_vmflag(line, "wr");
                out[i].nohuge_vmas += mem_vmflag(line, "nh");
            }
        }
    }
    if (err) {
        memset(out, 0, (size_t)n * sizeof *out);
        errno = err;
        return -1;
    }
    return 0;
}

int cl_mem_parse_fd(int fd, uintptr_t lo, uintptr_t hi, struct cl_mem *out)
{
    const uintptr_t range[1][2] = {{lo, hi}};
    return mem_parse(fd, range, 1, false, out);
}

int cl_mem_parse_nameless_fd(int fd, struct cl_mem *out)
{
    const uintptr_t range[1][2] = {{0, 0}};
    return mem_parse(fd, range, 1, true, out);
}

/* Open /proc/<pid>/<name> (pid 0 = self). A vanished process reads as ESRCH. */
static int mem_open_proc(pid_t pid, const char *name)
{
    char path[64];
    if (pid == 0)
        snprintf(path, sizeof path, "/proc/self/%s", name);
    else
        snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && pid != 0 && kill(pid, 0) < 0 && errno == ESRCH)
        errno = ESRCH;
    return fd;
}

/* Parse a whole /proc file once into out[0..n) (ranges as mem_parse); a process that dies
 * while being read gives ESRCH, not zeros. */
static int mem_parse_proc_ranges(pid_t pid, const char *name, const uintptr_t (*range)[2], int n,
                                 bool nameless_only, struct cl_mem *out)
{
    int fd = mem_open_proc(pid, name);
    if (fd >= 0)
        fd = cl_snapshot_proc(fd, pid, name); /* itself, unless COWLAB_SNAPSHOTS is set */
    if (fd < 0) {
        int e = errno;
        memset(out, 0, (size_t)n * sizeof *out);
        errno = e;
        return -1;
    }
    int rc = mem_parse(fd, range, n, nameless_only, out);
    int e = errno;
    close(fd);
    if (rc == 0 && out[0].blocks == 0) {
        /* An empty smaps: the process is a zombie or has exited. */
        memset(out, 0, (size_t)n * sizeof *out);
        errno = ESRCH;
        return -1;
    }
    errno = e;
    return rc;
}

static int mem_parse_proc(pid_t pid, const char *name, uintptr_t lo, uintptr_t hi,
                          bool nameless_only, struct cl_mem *out)
{
    const uintptr_t range[1][2] = {{lo, hi}};
    return mem_parse_proc_ranges(pid, name, range, 1, nameless_only, out);
}

int cl_mem_process(pid_t pid, struct cl_mem *out)
{
    int rc = mem_parse_proc(pid, "smaps_rollup", 0, 0, false, out);
    if (rc < 0 && errno == ENOENT)
        rc = mem_parse_proc(pid, "smaps", 0, 0, false, out);
    if (rc == 0)
        out->have &= ~(1u << CL_SIZE); /* the rollup has no meaningful Size */
    return rc;
}

int cl_mem_region(pid_t pid, const void *addr, size_t len, struct cl_mem *out)
{
    if (len == 0) {
        memset(out, 0, sizeof *out);
        errno = EINVAL;
        return -1;
    }
    uintptr_t lo = (uintptr_t)addr;
    return mem_parse_proc(pid, "smaps", lo, lo + len, false, out);
}

int cl_mem_region_alone(pid_t pid, const void *addr, size_t len, struct cl_mem *out)
{
    if (cl_mem_region(pid, addr, len, out) < 0)
        return -1;
    size_t ps = cl_page_size();
    if (out->kb[CL_SIZE] * 1024 != (len + ps - 1) / ps * ps) {
        errno = EEXIST;
        return -1;
    }
    return 0;
}

int cl_mem_regions(pid_t pid, const struct cl_range *r, int n, struct cl_mem *out)
{
    uintptr_t range[CL_MEM_MAX_RANGES][2];
    if (n < 1 || n > CL_MEM_MAX_RANGES) {
        errno = EINVAL;
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (r[i].len == 0) {
            memset(out, 0, (size_t)n * sizeof *out);
            errno = EINVAL;
            return -1;
        }
        range[i][0] = (uintptr_t)r[i].addr;
        range[i][1] = (uintptr_t)r[i].addr + r[i].len;
    }
    return mem_parse_proc_ranges(pid, "smaps", (const uintptr_t(*)[2])range, n, false, out);
}

int cl_mem_mappings(pid_t pid, struct cl_mem *out)
{
    return mem_parse_proc(pid, "smaps", 0, 0, false, out);
}

int cl_mem_nameless(pid_t pid, struct cl_mem *out)
{
    return mem_parse_proc(pid, "smaps", 0, 0, true, out);
}

int cl_proc_stat(pid_t pid, struct cl_proc_stat *out)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len <= 0)
        return -1;
    buf[len] = '\0';
    const char *rp = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    long ppid, pgrp;
    long long minflt;
    /* after the name: state ppid pgrp session tty_nr tpgid flags minflt */
    if (!rp ||
        sscanf(rp + 1, " %c %ld %ld %*d %*d %*d %*u %lld", &out->state, &ppid, &pgrp, &minflt) != 4)
        return -1;
    out->ppid = (pid_t)ppid;
    out->pgrp = (pid_t)pgrp;
    out->minflt = minflt;
    return 0;
}

int64_t cl_minor_faults(pid_t pid)
{
    struct cl_proc_stat st;
    return cl_proc_stat(pid, &st) == 0 ? st.minflt : -1;
}
