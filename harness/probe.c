/*
 * probe.c — establish what this kernel does by small experiments (contracts in
 * cowlab/probe.h). Each probe_* function establishes one fact, writes how into p->how, and
 * leaves nothing mapped or open behind.
 *
 * Every experiment region is mapped between two PROT_NONE guard pages, so the kernel cannot
 * merge it with a neighbouring mapping and its smaps block is its own (checked: Size).
 */
#include "cowlab/probe.h"

#include "cowlab/mem.h"
#include "cowlab/sandbox.h"
#include "cowlab/team.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE_TMPFS_MAGIC     0x01021994
#define PROBE_MFD_NOEXEC_SEAL 0x0008U /* MFD_NOEXEC_SEAL, which older headers lack */
enum { PROBE_ZERO_PAGES = 16, PROBE_AROUND_PAGES = 256 };

static void probe_how(struct cl_probe *p, enum cl_fact f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void probe_how(struct cl_probe *p, enum cl_fact f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->how[f], sizeof p->how[f], fmt, ap);
    va_end(ap);
}

/* A region of npages between two guard pages, or NULL (errno set). prot for the middle. */
static unsigned char *probe_map_guarded(size_t npages, size_t ps, int prot, int flags, int fd)
{
    unsigned char *all = mmap(NULL, (npages + 2) * ps, PROT_NONE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (all == MAP_FAILED)
        return NULL;
    unsigned char *mid = mmap(all + ps, npages * ps, prot, flags | MAP_FIXED, fd, 0);
    if (mid == MAP_FAILED) {
        int e = errno;
        munmap(all, (npages + 2) * ps);
        errno = e;
        return NULL;
    }
    return mid;
}

static void probe_unmap_guarded(unsigned char *mid, size_t npages, size_t ps)
{
    munmap(mid - ps, (npages + 2) * ps);
}

/* The first word of a small text file into buf, or "" (returns -1). "[x]" picks the
 * bracketed word of a sysfs choice list ("always [madvise] never"). */
static int probe_read_word(const char *path, char *buf, size_t n)
{
    buf[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char text[256];
    ssize_t got = read(fd, text, sizeof text - 1);
    close(fd);
    if (got <= 0)
        return -1;
    text[got] = '\0';
    char *start = strchr(text, '[');
    start = start ? start + 1 : text;
    size_t len = strcspn(start, "] \t\n");
    snprintf(buf, n, "%.*s", (int)len, start);
    return 0;
}

static void probe_page_size(struct cl_probe *p)
{
    long ps = sysconf(_SC_PAGESIZE);
    p->page_size = ps > 0 ? (size_t)ps : 0;
    probe_how(p, CL_FACT_PAGE_SIZE, "sysconf(_SC_PAGESIZE)");
}

static void probe_proc_files(struct cl_probe *p)
{
    static const struct {
        const char *path;
        enum cl_fact fact;
    } files[] = {
        {"/proc/self/smaps", CL_FACT_SMAPS},
        {"/proc/self/smaps_rollup", CL_FACT_ROLLUP},
        {"/proc/self/pagemap", CL_FACT_PAGEMAP},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        int fd = open(files[i].path, O_RDONLY | O_CLOEXEC);
        enum cl_tri v = fd >= 0 ? CL_YES : errno == ENOENT ? CL_NO : CL_UNKNOWN;
        if (fd >= 0)
            close(fd);
        if (v == CL_UNKNOWN)
            probe_how(p, files[i].fact, "cannot open %s: %s", files[i].path, strerror(errno));
        else
            probe_how(p, files[i].fact, "open(%s)%s", files[i].path,
                      v == CL_YES ? "" : ": no such file");
        if (files[i].fact == CL_FACT_SMAPS)
            p->smaps = v;
        else if (files[i].fact == CL_FACT_ROLLUP)
            p->rollup = v;
        else
            p->pagemap = v;
    }
    /* Without /proc at all, "no such file" means "cannot tell", not "the kernel lacks it". */
    if (access("/proc/self", F_OK) != 0) {
        p->smaps = p->pagemap = p->rollup = CL_UNKNOWN;
        for (enum cl_fact f = CL_FACT_SMAPS; f <= CL_FACT_PAGEMAP; f++)
            probe_how(p, f, "/proc is not mounted");
    }
}

static void probe_pss_fields(struct cl_probe *p)
{
    static const enum cl_field pss[] = {CL_PSS_DIRTY, CL_PSS_ANON, CL_PSS_FILE, CL_PSS_SHMEM};
    if (p->rollup != CL_YES) {
        probe_how(p, CL_FACT_PSS_FIELDS, "no smaps_rollup: per-process Pss_* fields unknown");
        return;
    }
    struct cl_mem m;
    if (cl_mem_process(0, &m) < 0) {
        probe_how(p, CL_FACT_PSS_FIELDS, "cannot parse smaps_rollup: %s", strerror(errno));
        return;
    }
    for (size_t i = 0; i < sizeof pss / sizeof pss[0]; i++)
        if (m.have & (1u << pss[i]))
            p->pss_fields |= 1u << pss[i];
    probe_how(p, CL_FACT_PSS_FIELDS, "fields printed in /proc/self/smaps_rollup");
}

/* Read never-written private pages and see what smaps charges for them. */
static void probe_zero_page(struct cl_probe *p)
{
    size_t ps = p->page_size, n = PROBE_ZERO_PAGES, kb = ps / 1024;
    if (p->smaps != CL_YES) {
        probe_how(p, CL_FACT_ZERO_PAGE, "needs /proc/self/smaps");
        return;
    }
    unsigned char *b =
        probe_map_guarded(n, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
    if (!b) {
        probe_how(p, CL_FACT_ZERO_PAGE, "mmap: %s", strerror(errno));
        return;
    }
    if (madvise(b, n * ps, MADV_NOHUGEPAGE) < 0 && errno != EINVAL) {
        probe_how(p, CL_FACT_ZERO_PAGE, "madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
        probe_unmap_guarded(b, n, ps);
        return;
    }
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += ((volatile unsigned char *)b)[i * ps];
    struct cl_mem m;
    if (cl_mem_region(0, b, n * ps, &m) < 0) {
        probe_how(p, CL_FACT_ZERO_PAGE, "smaps of the probe region: %s", strerror(errno));
    } else if (sum != 0) {
        probe_how(p, CL_FACT_ZERO_PAGE, "never-written memory did not read as zeros");
    } else if (m.kb[CL_SIZE] != n * kb) {
        probe_how(p, CL_FACT_ZERO_PAGE, "the probe region was not its own VMA (Size %llu kB)",
                  (unsigned long long)m.kb[CL_SIZE]);
    } else if (m.kb[CL_RSS] == 0) {
        p->zero_page = CL_YES;
        probe_how(p, CL_FACT_ZERO_PAGE, "read %zu never-written pages: Rss 0 kB", n);
    } else if (m.kb[CL_RSS] == n * kb) {
        p->zero_page = CL_NO;
        p->read_fault_dirty = m.kb[CL_PRIVATE_DIRTY] == n * kb   ? CL_YES
                              : m.kb[CL_PRIVATE_CLEAN] == n * kb ? CL_NO
                                                                 : CL_UNKNOWN;
        probe_how(p, CL_FACT_ZERO_PAGE,
                  "read %zu never-written pages: Rss %llu kB, Private_Dirty %llu kB", n,
                  (unsigned long long)m.kb[CL_RSS], (unsigned long long)m.kb[CL_PRIVATE_DIRTY]);
        if (p->read_fault_dirty == CL_UNKNOWN)
            p->zero_page = CL_UNKNOWN;
    } else {
        probe_how(p, CL_FACT_ZERO_PAGE,
                  "read %zu never-written pages: Rss %llu kB, neither 0 "
                  "nor all of them",
                  n, (unsigned long long)m.kb[CL_RSS]);
    }
    probe_unmap_guarded(b, n, ps);
}

/* THP mode, and whether MADV_NOHUGEPAGE keeps a PMD-aligned range on base pages: one write
 * is enough, since the first write fault in a range THP may use maps a whole huge page. */
static void probe_thp(struct cl_probe *p)
{
    const char *dir = "/sys/kernel/mm/transparent_hugepage";
    char path[128], word[32];
    snprintf(path, sizeof path, "%s/enabled", dir);
    if (probe_read_word(path, p->thp, sizeof p->thp) < 0) {
        snprintf(p->thp, sizeof p->thp, "none");
        probe_how(p, CL_FACT_THP, "no %s: a kernel without THP (or no sysfs)", path);
        p->nohugepage = CL_YES;
        probe_how(p, CL_FACT_NOHUGEPAGE, "nothing to turn off without THP");
        return;
    }
    probe_how(p, CL_FACT_THP, "%s", path);
    if (strcmp(p->thp, "never") == 0) {
        p->nohugepage = CL_YES;
        probe_how(p, CL_FACT_NOHUGEPAGE, "THP mode never: no region gets huge pages");
        return;
    }
    snprintf(path, sizeof path, "%s/hpage_pmd_size", dir);
    if (probe_read_word(path, word, sizeof word) == 0)
        p->pmd_size = (size_t)strtoull(word, NULL, 10);
    size_t ps = p->page_size, n = p->pmd_size / (ps ? ps : 1);
    if (n < 2 || (p->pmd_size & (p->pmd_size - 1)) || p->smaps != CL_YES) {
        probe_how(p, CL_FACT_NOHUGEPAGE, "cannot test: %s",
                  p->smaps != CL_YES ? "needs smaps" : "no usable hpage_pmd_size");
        return;
    }
    /* 2 PMDs of room, so that one whole PMD-aligned range lies inside; nothing reserved. */
    unsigned char *b = probe_map_guarded(2 * n, ps, PROT_READ | PROT_WRITE,
                                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1);
    if (!b) {
        probe_how(p, CL_FACT_NOHUGEPAGE, "mmap: %s", strerror(errno));
        return;
    }
    struct cl_mem m;
    uintptr_t a = ((uintptr_t)b + p->pmd_size - 1) & ~(uintptr_t)(p->pmd_size - 1);
    if (madvise(b, 2 * n * ps, MADV_NOHUGEPAGE) < 0) {
        probe_how(p, CL_FACT_NOHUGEPAGE, "madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
    } else if (*(volatile unsigned char *)a = 1, cl_mem_region(0, b, 2 * n * ps, &m) < 0) {
        probe_how(p, CL_FACT_NOHUGEPAGE, "smaps: %s", strerror(errno));
    } else {
        p->nohugepage = m.kb[CL_ANON_HUGE] == 0 && m.kb[CL_RSS] == ps / 1024 ? CL_YES : CL_NO;
        probe_how(p, CL_FACT_NOHUGEPAGE,
                  "one write to a PMD-aligned %zu kB range under MADV_NOHUGEPAGE: Rss %llu kB, "
                  "AnonHugePages %llu kB",
                  p->pmd_size / 1024, (unsigned long long)m.kb[CL_RSS],
                  (unsigned long long)m.kb[CL_ANON_HUGE]);
    }
    probe_unmap_guarded(b, 2 * n, ps);
}

static int probe_idle(void *arg, int worker, int phase, int64_t *report)
{
    (void)arg, (void)worker, (void)phase, (void)report;
    return 0;
}

/* Bit 56 of page b (mapped once) while a forked worker (cl_team, held at its barrier) maps it
 * too: it must be clear. 1 clear, 0 still set, -1 could not tell. */
static int probe_bit56_clear_when_shared(unsigned char *b)
{
    struct cl_team t;
    if (cl_team_start(&t, 1, 1, probe_idle, NULL, NULL) < 0)
        return -1;
    struct cl_page pg;
    int rc = cl_team_await(&t, 5000) < 0 || cl_pages(0, b, 1, &pg) < 0 ? -1 : !pg.exclusive;
    if (cl_team_finish(&t, 5000) < 0)
        rc = -1;
    return rc;
}

/* pagemap of one written private page, mapped once and then shared with a child: bit 56
 * set and clear as the page map needs; and the PFN. */
static void probe_pagemap_bits(struct cl_probe *p)
{
    size_t ps = p->page_size;
    if (p->pagemap != CL_YES) {
        probe_how(p, CL_FACT_EXCLUSIVE, "needs /proc/self/pagemap");
        probe_how(p, CL_FACT_PFN, "needs /proc/self/pagemap");
        return;
    }
    unsigned char *b =
        probe_map_guarded(1, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
    struct cl_page pg;
    if (b)
        *(volatile unsigned char *)b = 1;
    if (!b || cl_pages(0, b, 1, &pg) < 0) {
        probe_how(p, CL_FACT_EXCLUSIVE, "pagemap of a probe page: %s", strerror(errno));
        probe_how(p, CL_FACT_PFN, "pagemap of a probe page: %s", strerror(errno));
    } else if (!pg.present) {
        probe_how(p, CL_FACT_EXCLUSIVE, "a written page shows as not present");
        probe_how(p, CL_FACT_PFN, "a written page shows as not present");
    } else {
        int shared_clear = pg.exclusive ? probe_bit56_clear_when_shared(b) : 0;
        p->exclusive = !pg.exclusive || shared_clear == 0 ? CL_NO
                       : shared_clear < 0                 ? CL_UNKNOWN
                                                          : CL_YES;
        p->pfn = pg.pfn ? CL_YES : CL_NO;
        probe_how(p, CL_FACT_EXCLUSIVE, "a written page: bit 56 %s; shared with a child: %s",
                  pg.exclusive ? "set" : "clear",
                  !pg.exclusive      ? "not tried"
                  : shared_clear < 0 ? "could not fork"
                  : shared_clear     ? "clear"
                                     : "still set");
        probe_how(p, CL_FACT_PFN, "a written private page: PFN %s",
                  pg.pfn ? "shown" : "0 (needs CAP_SYS_ADMIN)");
    }
    if (b)
        probe_unmap_guarded(b, 1, ps);
}

/* Pages mapped by a read of one page of a cached shmem (memfd) mapping. */
static void probe_fault_around(struct cl_probe *p)
{
    size_t ps = p->page_size, n = PROBE_AROUND_PAGES;
    probe_read_word("/sys/kernel/mm/transparent_hugepage/shmem_enabled", p->shmem_thp,
                    sizeof p->shmem_thp);
    if (!p->shmem_thp[0])
        snprintf(p->shmem_thp, sizeof p->shmem_thp, "none");
    probe_how(p, CL_FACT_SHMEM_THP, "/sys/kernel/mm/transparent_hugepage/shmem_enabled");
    if (p->pagemap != CL_YES) {
        probe_how(p, CL_FACT_FAULT_AROUND, "needs /proc/self/pagemap");
        return;
    }
    /* MFD_NOEXEC_SEAL (6.3+) keeps newer kernels from warning; older ones reject it. */
    int fd = memfd_create("cowlab-probe", MFD_CLOEXEC | PROBE_MFD_NOEXEC_SEAL);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create("cowlab-probe", MFD_CLOEXEC);
    unsigned char *page = calloc(1, ps);
    struct cl_page *pg = calloc(n, sizeof *pg);
    unsigned char *b = NULL;
    if (fd < 0 || !page || !pg || ftruncate(fd, (off_t)(n * ps)) < 0) {
        probe_how(p, CL_FACT_FAULT_AROUND, "memfd: %s", strerror(errno));
        goto out;
    }
    for (size_t i = 0; i < n; i++) { /* every page in the page cache, none mapped */
        page[0] = 1;
        if (pwrite(fd, page, ps, (off_t)(i * ps)) != (ssize_t)ps) {
            probe_how(p, CL_FACT_FAULT_AROUND, "filling the memfd: %s", strerror(errno));
            goto out;
        }
    }
    b = probe_map_guarded(n, ps, PROT_READ, MAP_SHARED, fd);
    if (!b) {
        probe_how(p, CL_FACT_FAULT_AROUND, "mmap of the memfd: %s", strerror(errno));
        goto out;
    }
    (void)((volatile unsigned char *)b)[n / 2 * ps];
    if (cl_pages(0, b, n, pg) < 0) {
        probe_how(p, CL_FACT_FAULT_AROUND, "pagemap: %s", strerror(errno));
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        p->fault_around += pg[i].present;
    probe_how(p, CL_FACT_FAULT_AROUND,
              "read 1 page of a %zu-page cached memfd mapping: "
              "%zu pages present",
              n, p->fault_around);
out:
    if (b)
        probe_unmap_guarded(b, n, ps);
    if (fd >= 0)
        close(fd);
    free(page);
    free(pg);
}

static void probe_dev_shm(struct cl_probe *p)
{
    struct statfs fs;
    struct statvfs vfs;
    if (statfs("/dev/shm", &fs) < 0 || statvfs("/dev/shm", &vfs) < 0) {
        p->dev_shm = CL_NO;
        probe_how(p, CL_FACT_DEV_SHM, "statfs(/dev/shm): %s", strerror(errno));
        return;
    }
    p->shm_size_kb = (uint64_t)vfs.f_blocks * vfs.f_frsize / 1024;
    p->shm_free_kb = (uint64_t)vfs.f_bavail * vfs.f_frsize / 1024;
    p->dev_shm = (unsigned long)fs.f_type == PROBE_TMPFS_MAGIC && access("/dev/shm", W_OK) == 0
                     ? CL_YES
                     : CL_NO;
    probe_how(p, CL_FACT_DEV_SHM, "statfs(/dev/shm)%s",
              (unsigned long)fs.f_type != PROBE_TMPFS_MAGIC ? ": not a tmpfs"
              : p->dev_shm == CL_NO                         ? ": not writable"
                                                            : "");
}

static void probe_scratch(struct cl_probe *p)
{
    const char *dir = cl_scratch_dir();
    snprintf(p->scratch, sizeof p->scratch, "%s", dir);
    struct statvfs vfs;
    if (statvfs(dir, &vfs) < 0) {
        probe_how(p, CL_FACT_SCRATCH_EXEC, "statvfs(%s): %s", dir, strerror(errno));
        return;
    }
    p->scratch_exec = vfs.f_flag & ST_NOEXEC ? CL_NO : CL_YES;
    probe_how(p, CL_FACT_SCRATCH_EXEC, "statvfs(%s): %s", dir,
              p->scratch_exec == CL_YES ? "exec allowed"
              : getenv("COWLAB_TMPDIR")
                  ? "mounted noexec: point COWLAB_TMPDIR elsewhere"
                  : "mounted noexec: set COWLAB_TMPDIR to a folder that allows exec");
}

/* Whether we, as root, can read the /proc files of a process running under another uid: a
 * child takes a fresh uid (claimed as the sandbox claims one), makes itself dumpable as an
 * exec'd subject is, and waits; we read its smaps_rollup and one pagemap entry. Without root
 * there is nothing to cross: the grader's subjects run as we do. */
static void probe_other_uid(struct cl_probe *p)
{
    if (geteuid() != 0) {
        p->other_uid = CL_YES;
        probe_how(p, CL_FACT_OTHER_UID, "not root: subjects run under our own uid");
        return;
    }
    struct cl_uid_claim claim = {.fd = -1};
    int go[2] = {-1, -1}, ready[2] = {-1, -1};
    if (cl_uid_claim(0x5f000000u + ((uid_t)getpid() & 0xfffffu) * 7u, &claim) < 0 ||
        pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0) {
        probe_how(p, CL_FACT_OTHER_UID, "no fresh uid to try: %s", strerror(errno));
        cl_uid_release(&claim);
        for (int i = 0; i < 2; i++) {
            if (go[i] >= 0)
                close(go[i]);
            if (ready[i] >= 0)
                close(ready[i]);
        }
        return;
    }
    pid_t pid = fork();
    if (pid == 0) { /* under the fresh uid, dumpable as an exec'd subject; says so, then waits */
        char c = 'u';
        close(go[1]);
        close(ready[0]);
        if (setgroups(0, NULL) < 0 || setresgid(claim.uid, claim.uid, claim.uid) < 0 ||
            setresuid(claim.uid, claim.uid, claim.uid) < 0)
            _exit(1);
        prctl(PR_SET_DUMPABLE, 1);
        if (write(ready[1], &c, 1) != 1)
            _exit(1);
        _exit(read(go[0], &c, 1) < 0 ? 1 : 0); /* until we close our end */
    }
    close(go[0]);
    close(ready[1]);
    char path[64], buf[256], c;
    int e = 0;
    bool ok = false;
    struct pollfd pf = {.fd = ready[0], .events = POLLIN};
    if (pid > 0 && poll(&pf, 1, 2000) == 1 && read(ready[0], &c, 1) == 1) {
        snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t got = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
        e = got < 0 ? errno : 0;
        if (fd >= 0)
            close(fd);
        snprintf(path, sizeof path, "/proc/%d/pagemap", (int)pid);
        fd = got > 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        uint64_t entry;
        ok = fd >= 0 && pread(fd, &entry, sizeof entry, 0) == (ssize_t)sizeof entry;
        e = ok ? 0 : e ? e : errno;
        if (fd >= 0)
            close(fd);
    }
    close(ready[0]);
    close(go[1]);
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    cl_uid_release(&claim);
    p->other_uid = pid < 0 ? CL_UNKNOWN : ok ? CL_YES : CL_NO;
    if (pid < 0)
        probe_how(p, CL_FACT_OTHER_UID, "fork: %s", strerror(errno));
    else
        probe_how(p, CL_FACT_OTHER_UID, "smaps_rollup and pagemap of a child under uid %u: %s",
                  (unsigned)claim.uid,
                  ok  ? "readable"
                  : e ? strerror(e)
                      : "it never changed uid");
}

/* The smallest memory limit of this process's cgroup and its ancestors (v2), or of its v1
 * memory cgroup. Limits of "max" or near 2^63 (v1's "none") count as no limit. */
static void probe_mem_limit(struct cl_probe *p)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f) {
        probe_how(p, CL_FACT_MEM_LIMIT, "cannot read /proc/self/cgroup: %s", strerror(errno));
        return;
    }
    char line[512], path[PATH_MAX], file[PATH_MAX + 64], word[64];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        bool v2 = strcmp(c1 + 1, "") == 0, v1 = strstr(c1 + 1, "memory") != NULL;
        if (!v1 && !v2)
            continue;
        snprintf(path, sizeof path, "%s", c2 + 1);
        for (;;) { /* walk up to the root, keeping the smallest limit */
            snprintf(file, sizeof file, "/sys/fs/cgroup%s%s/%s", v1 ? "/memory" : "", path,
                     v1 ? "memory.limit_in_bytes" : "memory.max");
            if (probe_read_word(file, word, sizeof word) == 0) {
                found = true;
                unsigned long long bytes = strtoull(word, NULL, 10);
                if (strcmp(word, "max") != 0 && bytes < (1ull << 62) &&
                    (!p->mem_limit_kb || bytes / 1024 < p->mem_limit_kb))
                    p->mem_limit_kb = bytes / 1024;
            }
            char *slash = strrchr(path, '/');
            if (!slash || strcmp(path, "/") == 0)
                break;
            slash[slash == path] = '\0'; /* "/a/b" -> "/a", "/a" -> "/" */
        }
    }
    fclose(f);
    p->mem_limit_known = found ? CL_YES : CL_UNKNOWN;
    probe_how(p, CL_FACT_MEM_LIMIT, "%s",
              found ? "memory.max (v2) or memory.limit_in_bytes (v1), this cgroup and up"
                    : "no memory controller file found under /sys/fs/cgroup");
}

/* $COWLAB_PROBE_FORGET: facts to report UNKNOWN, as on a machine that lacks them. */
static void probe_forget(struct cl_probe *p)
{
    const char *list = getenv("COWLAB_PROBE_FORGET");
    char names[256];
    snprintf(names, sizeof names, "%s", list ? list : "");
    for (char *save, *w = strtok_r(names, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
        enum cl_tri *t[CL_NFACTS] = {
            [CL_FACT_ZERO_PAGE] = &p->zero_page,
            [CL_FACT_NOHUGEPAGE] = &p->nohugepage,
            [CL_FACT_SMAPS] = &p->smaps,
            [CL_FACT_ROLLUP] = &p->rollup,
            [CL_FACT_PAGEMAP] = &p->pagemap,
            [CL_FACT_EXCLUSIVE] = &p->exclusive,
            [CL_FACT_PFN] = &p->pfn,
            [CL_FACT_SCRATCH_EXEC] = &p->scratch_exec,
            [CL_FACT_OTHER_UID] = &p->other_uid,
        };
        int f = cl_fact_index(w);
        if (f < 0 || !t[f])
            continue;
        *t[f] = CL_UNKNOWN;
        probe_how(p, (enum cl_fact)f, "forgotten on purpose ($COWLAB_PROBE_FORGET)");
    }
}

int cl_probe_run(struct cl_probe *p)
{
    memset(p, 0, sizeof *p);
    p->zero_page = p->read_fault_dirty = p->nohugepage = CL_UNKNOWN;
    p->smaps = p->rollup = p->pagemap = p->exclusive = p->pfn = CL_UNKNOWN;
    p->dev_shm = p->scratch_exec = p->mem_limit_known = p->other_uid = CL_UNKNOWN;
    cl_kernel_release(p->kernel, sizeof p->kernel);
    probe_how(p, CL_FACT_KERNEL, "uname(2)");
    int saved = errno;
    probe_page_size(p);
    probe_proc_files(p);
    probe_pss_fields(p);
    probe_zero_page(p);
    probe_thp(p);
    probe_pagemap_bits(p);
    probe_fault_around(p);
    probe_dev_shm(p);
    probe_scratch(p);
    probe_other_uid(p);
    probe_mem_limit(p);
    probe_forget(p);
    errno = saved;
    return cl_probe_require(p, NULL);
}

/* A saved probe: this mark, the struct's size, then the struct as this build lays it out. */
static const char probe_mark[8] = "clprob1"; /* the 1: this file's layout */

int cl_probe_save(const struct cl_probe *p, const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    uint64_t size = sizeof *p;
    struct iovec v[3] = {
        {(void *)probe_mark, sizeof probe_mark}, {&size, sizeof size}, {(void *)p, sizeof *p}};
    ssize_t want = (ssize_t)(sizeof probe_mark + sizeof size + sizeof *p);
    ssize_t n = writev(fd, v, 3);
    int e = errno;
    if (close(fd) < 0 && n == want) {
        e = errno;
        n = -1;
    }
    if (n != want) {
        unlink(path);
        errno = n < 0 ? e : EIO;
        return -1;
    }
    return 0;
}

int cl_probe_load(struct cl_probe *p, const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char mark[sizeof probe_mark];
    uint64_t size = 0;
    struct cl_probe got;
    struct iovec v[3] = {{mark, sizeof mark}, {&size, sizeof size}, {&got, sizeof got}};
    ssize_t n = readv(fd, v, 3);
    char extra;
    bool whole = n == (ssize_t)(sizeof mark + sizeof size + sizeof got) && read(fd, &extra, 1) == 0;
    close(fd);
    char kernel[sizeof got.kernel];
    cl_kernel_release(kernel, sizeof kernel);
    if (!whole || memcmp(mark, probe_mark, sizeof mark) != 0 || size != sizeof got ||
        got.kernel[sizeof got.kernel - 1] != '\0' || strcmp(got.kernel, kernel) != 0) {
        errno = EINVAL;
        return -1;
    }
    *p = got;
    return 0;
}

/* This process's probe (cl_probe), once established or adopted. */
static struct cl_probe probe_cached;
static bool probe_done;

int cl_probe_adopt(const char *path)
{
    if (probe_done || cl_probe_load(&probe_cached, path) < 0)
        return -1;
    probe_done = true;
    return 0;
}

const struct cl_probe *cl_probe(void)
{
    if (!probe_done) {
        cl_probe_run(&probe_cached);
        probe_done = true;
    }
    return &probe_cached;
}
