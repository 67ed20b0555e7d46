/*
 * subject.c — lab 01's commands in the subject (protocol: cowlab/subject.h). Each runs one
 * student function, or a step the observer needs in this address space (a byte written, the
 * spawn test's children), and answers with what happened. Nothing here knows what is right.
 *
 *   map N                 cow_map(N)                        R addr errno
 *   unmap ADDR N          cow_unmap                          R rc errno
 *   fill ADDR N           cow_fill                           R
 *   read ADDR N           cow_read                           R sum
 *   write_every ADDR N S  cow_write_every                    R pages
 *   poke ADDR             one byte written (the kit's)       R
 *   spawn_probe K         cow_spawn with a child that records itself in a shared page
 *                                                            R rc page-address pid0..pidK-1
 *   reap_probe            wait for the spawn_probe children  R status0..statusK-1 (-1: not ours)
 *   spawn_failing K F     cow_spawn of K children that sleep, where only the first F forks
 *                         succeed (fork fails with EAGAIN after), given pids = &slots[1]
 *                         where every slot holds a decoy's pid (see fc_decoy_start)
 *                                          R rc errno decoy slots[0] decoy's-wait-status
 *   map_failing N CALL    cow_map(N) where CALL (FC_FAIL_MMAP, FC_FAIL_MADVISE) fails
 *                                          R addr errno mapped-addr mapped-len madvise-calls
 *   read_pattern N        cow_read of N pages whose bytes are all i + 1 in page i (mod 255),
 *                         followed by one more such page               R sum
 *   p_untouched N PS ZP, p_written N S, p_shared N M PS, p_one_writer N S PS (R the writer's
 *   4 fields, then the other's), p_minflt N S: the predictions of predict.c
 * Team workers (A0 = what to do, A1 = buffer, A2 = pages, A3 = stride):
 *   FC_WORK_IDLE     nothing: the worker only holds its mappings
 *   FC_WORK_READ     phase 0: cow_read of the buffer            report[0] = sum
 *   FC_WORK_WRITE    phase 0: cow_write_every on a page of its own (so that phase 1 takes no
 *                    fault but its copies); phase 1: cow_write_every(buffer, stride)
 *                                                              report[0] = pages written
 *   FC_WORK_MAP      the page-map scene: worker 0 writes every 4th page, worker 1 the second
 *                    quarter, the others read                   report[0] = the return value
 */
#include "01-fork-cow.h"
#include "cowlab/subject.h"
#include "protocol.h"

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define FC_PTR(a) ((void *)(uintptr_t)(a))

static int fc_map(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("cow_map");
    errno = 0;
    void *p = cow_map((size_t)a[0]);
    v[0] = (int64_t)(uintptr_t)p;
    v[1] = p ? 0 : errno;
    *n = 2;
    return 0;
}

static int fc_unmap(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("cow_unmap");
    errno = 0;
    v[0] = cow_unmap(FC_PTR(a[0]), (size_t)a[1]);
    v[1] = errno;
    *n = 2;
    return 0;
}

static int fc_fill(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)v, (void)why;
    cl_subject_calls("cow_fill");
    cow_fill(FC_PTR(a[0]), (size_t)a[1]);
    *n = 0;
    return 0;
}

static int fc_read(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("cow_read");
    v[0] = (int64_t)cow_read(FC_PTR(a[0]), (size_t)a[1]);
    *n = 1;
    return 0;
}

static int fc_write_every(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("cow_write_every");
    v[0] = (int64_t)cow_write_every(FC_PTR(a[0]), (size_t)a[1], (size_t)a[2]);
    *n = 1;
    return 0;
}

static int fc_poke(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)v, (void)why;
    *(volatile unsigned char *)FC_PTR(a[0]) = 1;
    *n = 0;
    return 0;
}

/* The byte every byte of page i holds in read_pattern's buffer: never 0. */
static unsigned char fc_pattern_byte(size_t i)
{
    return (unsigned char)(i % 255 + 1);
}

static int fc_read_pattern(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE), npages = (size_t)a[0];
    if (npages < 1 || npages > 64) {
        *why = "read_pattern: 1 to 64 pages";
        errno = EINVAL;
        return -1;
    }
    size_t len = (npages + 1) * ps; /* one more page: a read past the end adds its byte */
    unsigned char *buf =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        *why = "mmap of the pattern buffer";
        return -1;
    }
    for (size_t i = 0; i <= npages; i++)
        memset(buf + i * ps, fc_pattern_byte(i), ps);
    cl_subject_calls("cow_read");
    v[0] = (int64_t)cow_read(buf, npages);
    munmap(buf, len);
    *n = 1;
    return 0;
}

/* ---- cow_map's failure paths: mmap and madvise that fail on command --------------------- */

/* mmap(), munmap() and madvise() for the student's code in this subject: the system calls
 * themselves, except that
 * - while fc_fail_call names one of them, that one fails (mmap with ENOMEM, madvise with
 *   EAGAIN). fc_mapped and fc_mapped_len keep the last mapping mmap made, so that the observer
 *   can see whether it is still there after cow_map failed;
 * - a private anonymous mapping placed by the kernel (addr NULL) lands between two PROT_NONE
 *   guard pages, which munmap of the whole mapping gives back too. The kernel merges a new
 *   mapping with a neighbour of the same flags into one VMA, and smaps then reports both as
 *   one block: the buffer's numbers would include the neighbour's pages, or not, depending on
 *   where the kernel happened to put each (a different protection never merges). Nothing else
 *   changes for the caller: the same address range, flags and contents. */
static int fc_fail_call; /* 0, FC_FAIL_MMAP or FC_FAIL_MADVISE */
static void *fc_mapped;
static size_t fc_mapped_len;

enum { FC_GUARDED_MAX = 64 };
static struct {
    uintptr_t start; /* the mapping handed out; its guards sit one page either side */
    size_t len;      /* in whole pages */
} fc_guarded[FC_GUARDED_MAX];

static size_t fc_page_round(size_t len)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    return (len + ps - 1) / ps * ps;
}

/* The mapping between guards, or MAP_FAILED with errno set (then nothing is left mapped). */
static void *fc_map_guarded(size_t len, int prot, int flags)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE), whole = fc_page_round(len);
    if (whole == 0 || whole > SIZE_MAX - 2 * ps) {
        errno = whole ? ENOMEM : EINVAL;
        return MAP_FAILED;
    }
    long raw = syscall(SYS_mmap, NULL, whole + 2 * ps, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == -1)
        return MAP_FAILED;
    void *p =
        (void *)syscall(SYS_mmap, (void *)(raw + (long)ps), len, prot, flags | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED) {
        int e = errno;
        syscall(SYS_munmap, (void *)raw, whole + 2 * ps);
        errno = e;
        return MAP_FAILED;
    }
    for (int i = 0; i < FC_GUARDED_MAX; i++)
        if (!fc_guarded[i].start) { /* a full table: the guards stay when it goes (no memory) */
            fc_guarded[i].start = (uintptr_t)p;
            fc_guarded[i].len = whole;
            break;
        }
    return p;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    if (fc_fail_call == FC_FAIL_MMAP) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    bool guard = !addr && (flags & MAP_ANONYMOUS) && (flags & MAP_TYPE) == MAP_PRIVATE &&
                 !(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_GROWSDOWN | MAP_HUGETLB));
    void *p = guard ? fc_map_guarded(len, prot, flags)
                    : (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED) {
        fc_mapped = p;
        fc_mapped_len = len;
    }
    return p;
}

/* The same for code built with _FILE_OFFSET_BITS=64, whose mmap is glibc's mmap64. */
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
    return mmap(addr, len, prot, flags, fd, (off_t)off);
}

int munmap(void *addr, size_t len)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    int rc = (int)syscall(SYS_munmap, addr, len);
    for (int i = 0; rc == 0 && i < FC_GUARDED_MAX; i++)
        if (fc_guarded[i].start == (uintptr_t)addr && fc_guarded[i].len == fc_page_round(len)) {
            syscall(SYS_munmap, (void *)(fc_guarded[i].start - ps), ps);
            syscall(SYS_munmap, (void *)(fc_guarded[i].start + fc_guarded[i].len), ps);
            fc_guarded[i].start = 0;
            break;
        }
    return rc;
}

static int fc_madvise_calls; /* madvise calls made since map_failing began */

int madvise(void *addr, size_t len, int advice)
{
    fc_madvise_calls++;
    if (fc_fail_call == FC_FAIL_MADVISE) {
        errno = EAGAIN;
        return -1;
    }
    return (int)syscall(SYS_madvise, addr, len, advice);
}

static int fc_map_failing(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    if (a[1] != FC_FAIL_MMAP && a[1] != FC_FAIL_MADVISE) {
        *why = "map_failing: the call that fails is 1 (mmap) or 2 (madvise)";
        errno = EINVAL;
        return -1;
    }
    fc_mapped = NULL;
    fc_mapped_len = 0;
    fc_fail_call = (int)a[1];
    fc_madvise_calls = 0;
    cl_subject_calls("cow_map");
    errno = 0;
    void *p = cow_map((size_t)a[0]);
    int e = errno;
    fc_fail_call = 0;
    v[0] = (int64_t)(uintptr_t)p;
    v[1] = e;
    v[2] = (int64_t)(uintptr_t)fc_mapped;
    v[3] = (int64_t)fc_mapped_len;
    v[4] = fc_madvise_calls;
    *n = 5;
    return 0;
}

/* ---- the spawn test: children that say who ran ---------------------------------------- */

/* One shared page: ran[i] counts the calls of child(i), pid[i] is the pid that made them. */
struct fc_probe_page {
    volatile int ran[FC_PROBE_MAX];
    volatile pid_t pid[FC_PROBE_MAX];
};

static struct fc_probe_page *fc_probe;
static pid_t fc_probe_pids[FC_PROBE_MAX];
static int fc_probe_k;

static void fc_probe_child(int i, void *arg)
{
    struct fc_probe_page *p = arg;
    if (i >= 0 && i < FC_PROBE_MAX) {
        p->ran[i]++;
        p->pid[i] = getpid();
    }
    /* return: cow_spawn must _exit for us */
}

static int fc_spawn_probe(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    if (a[0] < 1 || a[0] > FC_PROBE_MAX || fc_probe) {
        *why = "spawn_probe: 1 to 8 children, once";
        errno = EINVAL;
        return -1;
    }
    fc_probe =
        mmap(NULL, sizeof *fc_probe, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (fc_probe == MAP_FAILED) {
        fc_probe = NULL;
        *why = "mmap of the probe page";
        return -1;
    }
    fc_probe_k = (int)a[0];
    pid_t me = getpid();
    cl_subject_calls("cow_spawn");
    int rc = cow_spawn(fc_probe_k, fc_probe_child, fc_probe, fc_probe_pids);
    if (getpid() != me)
        _exit(FC_PROBE_ESCAPED); /* a child came back out of cow_spawn */
    v[0] = rc;
    v[1] = (int64_t)(uintptr_t)fc_probe;
    for (int i = 0; i < fc_probe_k; i++)
        v[2 + i] = fc_probe_pids[i];
    *n = 2 + fc_probe_k;
    return 0;
}

/* fork() for the student's code in this subject: the real one, until a budget set by
 * spawn_failing runs out; then it fails with EAGAIN, as when a user is out of processes. The
 * executable's own definition is the one student code links to.
 * Only the subject's own process forks in this lab: a child that calls fork has come back out
 * of cow_spawn (its loop goes on in the child) and ends here, as at the probe's check. Left to
 * fork, such children multiply until the uid's process limit, and how far they get before it
 * depends on timing: the same code would then pass or fail at random. */
static int fc_fork_budget = -1; /* -1: no limit */

pid_t fork(void)
{
    static pid_t (*real_fork)(void);
    static pid_t subject_pid; /* the first caller: nothing forks before the subject itself */
    if (!subject_pid)
        subject_pid = getpid();
    else if (getpid() != subject_pid)
        _exit(FC_PROBE_ESCAPED);
    if (!real_fork) /* libc's fork; a static binary has no dynamic symbols: glibc's _Fork */
        real_fork = (pid_t(*)(void))dlsym(RTLD_NEXT, "fork");
    if (!real_fork)
        real_fork = _Fork;
    if (fc_fork_budget == 0) {
        errno = EAGAIN;
        return -1;
    }
    if (fc_fork_budget > 0)
        fc_fork_budget--;
    return real_fork();
}

/* A child of the failing spawn waits to be killed: one that is not killed stays. */
static void fc_sleeper(int i, void *arg)
{
    (void)i, (void)arg;
    for (;;)
        pause();
}

/* A decoy: a child of this subject that cow_spawn is not told of, sleeping until it is
 * signalled. Its pid fills every slot around the pids[] a failing cow_spawn is given (the one
 * before pids[0], and those a failed spawn never sets), so that a cow_spawn that signals or
 * waits for a slot outside pids[0..i) hits it. Returns its pid, or -1. */
static pid_t fc_decoy_start(void)
{
    pid_t pid = fork(); /* fc_fork_budget is -1 here: the real fork */
    if (pid == 0)
        for (;;)
            pause();
    return pid;
}

/* End the decoy with SIGTERM and return its wait status: terminated by SIGTERM if nothing
 * touched it; by SIGKILL if cow_spawn killed it (a SIGKILL already sent decides how it ends);
 * -1 if cow_spawn reaped it already. */
static int64_t fc_decoy_end(pid_t decoy)
{
    int st;
    kill(decoy, SIGTERM);
    return waitpid(decoy, &st, 0) == decoy ? st : -1;
}

static int fc_spawn_failing(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    pid_t slots[1 + FC_PROBE_MAX];
    if (a[0] < 1 || a[0] > FC_PROBE_MAX || a[1] >= a[0]) {
        *why = "spawn_failing: K from 1 to 8, fewer forks allowed than K";
        errno = EINVAL;
        return -1;
    }
    pid_t me = getpid(), decoy = fc_decoy_start();
    if (decoy < 0) {
        *why = "fork of the decoy";
        return -1;
    }
    for (int i = 0; i <= FC_PROBE_MAX; i++)
        slots[i] = decoy;
    fc_fork_budget = (int)a[1];
    cl_subject_calls("cow_spawn");
    errno = 0;
    int rc = cow_spawn((int)a[0], fc_sleeper, NULL, slots + 1);
    int e = errno;
    fc_fork_budget = -1;
    if (getpid() != me)
        _exit(FC_PROBE_ESCAPED);
    v[0] = rc;
    v[1] = e;
    v[2] = decoy;
    v[3] = slots[0];
    v[4] = fc_decoy_end(decoy);
    *n = 5;
    return 0;
}

static int fc_reap_probe(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)a, (void)why;
    for (int i = 0; i < fc_probe_k; i++) {
        int st;
        pid_t pid = fc_probe_pids[i];
        v[i] = pid > 0 && waitpid(pid, &st, 0) == pid ? st : -1;
    }
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    *n = fc_probe_k;
    return 0;
}

/* ---- predictions ------------------------------------------------------------------------ */

static int fc_p_untouched(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("cow_predict_untouched_rss_kb");
    v[0] = (int64_t)cow_predict_untouched_rss_kb((size_t)a[0], (size_t)a[1], (int)a[2]);
    *n = 1;
    return 0;
}

static int fc_p_written(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("cow_predict_pages_written");
    v[0] = (int64_t)cow_predict_pages_written((size_t)a[0], (size_t)a[1]);
    *n = 1;
    return 0;
}

static int fc_p_shared(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("cow_predict_shared_pss_kb");
    v[0] = (int64_t)cow_predict_shared_pss_kb((size_t)a[0], (unsigned)a[1], (size_t)a[2]);
    *n = 1;
    return 0;
}

static int fc_p_one_writer(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    struct cow_expect w, o;
    memset(&w, 0xff, sizeof w);
    memset(&o, 0xff, sizeof o);
    cl_subject_calls("cow_predict_one_writer");
    cow_predict_one_writer((size_t)a[0], (size_t)a[1], (size_t)a[2], &w, &o);
    const uint64_t f[] = {w.rss_kb, w.pss_kb, w.shared_dirty_kb, w.private_dirty_kb,
                          o.rss_kb, o.pss_kb, o.shared_dirty_kb, o.private_dirty_kb};
    for (int i = 0; i < 8; i++)
        v[i] = (int64_t)f[i];
    *n = 8;
    return 0;
}

static int fc_p_minflt(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("cow_predict_minor_faults");
    v[0] = (int64_t)cow_predict_minor_faults((size_t)a[0], (size_t)a[1]);
    *n = 1;
    return 0;
}

/* ---- team workers ------------------------------------------------------------------------ */

static int fc_worker(void *arg, int worker, int phase, int64_t *report)
{
    const uint64_t *a = arg;
    unsigned char *buf = FC_PTR(a[1]);
    size_t npages = (size_t)a[2], stride = (size_t)a[3], ps = (size_t)sysconf(_SC_PAGESIZE);
    switch (a[0]) {
    case FC_WORK_IDLE: break;
    case FC_WORK_READ:
        cl_subject_calls("cow_read");
        report[0] = (int64_t)cow_read(buf, npages);
        break;
    case FC_WORK_WRITE:
        if (phase == 0) { /* the same code once, on a page of its own */
            cl_subject_calls("cow_map");
            void *scratch = cow_map(1);
            if (scratch) {
                cl_subject_calls("cow_write_every");
                report[1] = (int64_t)cow_write_every(scratch, 1, 1);
                cl_subject_calls("cow_unmap");
                cow_unmap(scratch, 1);
            }
        } else {
            cl_subject_calls("cow_write_every");
            report[0] = (int64_t)cow_write_every(buf, npages, stride);
        }
        break;
    case FC_WORK_MAP:
        if (worker == 0) {
            cl_subject_calls("cow_write_every");
            report[0] = (int64_t)cow_write_every(buf, npages, 4);
        } else if (worker == 1) {
            cl_subject_calls("cow_write_every");
            report[0] = (int64_t)cow_write_every(buf + npages / 4 * ps, npages / 4, 1);
        } else {
            cl_subject_calls("cow_read");
            report[0] = (int64_t)cow_read(buf, npages);
        }
        break;
    default: return 1;
    }
    return 0;
}

static const struct cl_subject_op fc_ops[] = {
    {"map", 1, fc_map},
    {"unmap", 2, fc_unmap},
    {"fill", 2, fc_fill},
    {"read", 2, fc_read},
    {"write_every", 3, fc_write_every},
    {"poke", 1, fc_poke},
    {"spawn_probe", 1, fc_spawn_probe},
    {"reap_probe", 0, fc_reap_probe},
    {"spawn_failing", 2, fc_spawn_failing},
    {"map_failing", 2, fc_map_failing},
    {"read_pattern", 1, fc_read_pattern},
    {"p_untouched", 3, fc_p_untouched},
    {"p_written", 2, fc_p_written},
    {"p_shared", 3, fc_p_shared},
    {"p_one_writer", 3, fc_p_one_writer},
    {"p_minflt", 2, fc_p_minflt},
};

const struct cl_subject_lab cl_subject_lab = {
    .slug = "01-fork-cow",
    .ops = fc_ops,
    .nops = sizeof fc_ops / sizeof fc_ops[0],
    .spawn = cow_spawn,
    .spawn_name = "cow_spawn",
    .worker = fc_worker,
};
