/*
 * subject.c — lab 05's commands in the subject (protocol: cowlab/subject.h). Each runs one
 * student function, or builds what the observer then measures, and answers with what
 * happened. Nothing here knows what is right: the observer computes every expected value.
 *
 *   predict S K ARRAYS BYTES PAGE   cap_predict(layout of ARRAYS x BYTES on PAGE-byte pages, S, K)
 *                                   R total_pss_kb worker_private_dirty_kb
 *   extrapolate S K ARRAYS BYTES PAGE INTERP   cap_extrapolate_kb     R kb
 *   scene ARRAYS BYTES HOW          the parent's lists (cap_how: plain, frozen, immortal)
 *                                   R heap heap_bytes system system_bytes
 *   segment ARRAYS BYTES            a segment /cowlab05-PID-TAG holding every array's data,
 *                                   mapped here with MADV_DONTFORK (a worker maps only what it
 *                                   attaches)                    R tag address bytes
 *   attach TAG BYTES                cap_attach in this process; TAG 0 names no segment
 *                                   R address errno fds_before fds_after
 *   sum ADDR ARRAYS BYTES           cap_sum over a mapping cap_attach returned    R sum
 *   detach ADDR BYTES               cap_detach                    R rc errno
 *   drop                            free the lists, unlink and unmap the segment   R
 * Team workers: protocol.h (cap_work).
 */
#include "05-capstone.h"
#include "cowlab/subject.h"
#include "protocol.h"
#include "scene.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct cap_scene cap_parent;  /* the parent's lists (forked workers inherit them) */
static struct cap_scene cap_rebuilt; /* a pickle worker's own copy */
static const void *cap_worker_seg;   /* what a shared worker attached */
static pid_t cap_owner;              /* the subject: segment names are its */
static unsigned long cap_tag;        /* the live segment's tag (0: none) */
static unsigned char *cap_seg;       /* and the subject's own mapping of it */
static size_t cap_seg_bytes;

static bool cap_params_of(uint64_t arrays, uint64_t bytes, struct cap_params *p, const char **why)
{
    p->arrays = (size_t)arrays;
    p->array_bytes = (size_t)bytes;
    if (cap_params_ok(p) && arrays <= (1u << 24) && bytes <= (1u << 28))
        return true;
    *why = "arrays up to 2^24, bytes a multiple of 4 from 4 to 2^28";
    errno = EINVAL;
    return false;
}

static int cap_cmd_predict(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct cap_params p;
    struct cap_layout l;
    if (a[0] >= CAP_NSTRATEGIES || a[1] < 1 || a[1] > 64) {
        *why = "predict: a strategy 0..4 and 1..64 workers";
        errno = EINVAL;
        return -1;
    }
    if (!cap_params_of(a[2], a[3], &p, why))
        return -1;
    if (cap_layout_of(&p, (size_t)a[4], &l) < 0) {
        *why = "the layout (page size: a power of two from 4096)";
        return -1;
    }
    struct cap_prediction pr = {UINT64_MAX, UINT64_MAX};
    cl_subject_calls("cap_predict");
    cap_predict(&l, (enum cap_strategy)a[0], (unsigned)a[1], &pr);
    v[0] = (int64_t)pr.total_pss_kb;
    v[1] = (int64_t)pr.worker_private_dirty_kb;
    *n = 2;
    return 0;
}

static int cap_cmd_extrapolate(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct cap_params p = {(size_t)a[2], (size_t)a[3]};
    if (a[0] >= CAP_NSTRATEGIES || a[1] < 1 || a[1] > 64) {
        *why = "extrapolate: a strategy 0..4 and 1..64 workers";
        errno = EINVAL;
        return -1;
    }
    cl_subject_calls("cap_extrapolate_kb");
    v[0] = (int64_t)cap_extrapolate_kb(&p, (size_t)a[4], (enum cap_strategy)a[0], (unsigned)a[1],
                                       a[5]);
    *n = 1;
    return 0;
}

static int cap_cmd_scene(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct cap_params p;
    cap_scene_free(&cap_parent);
    if (!cap_params_of(a[0], a[1], &p, why))
        return -1;
    if (cap_scene_build(&cap_parent, &p) < 0) {
        *why = "building the lists";
        return -1;
    }
    if (a[2] == CAP_HOW_FREEZE || a[2] == CAP_HOW_IMMORTAL)
        cap_scene_freeze(&cap_parent);
    if (a[2] == CAP_HOW_IMMORTAL)
        cap_scene_immortalize(&cap_parent);
    v[0] = (int64_t)(uintptr_t)cap_parent.base[CAP_HEAP];
    v[1] = (int64_t)cap_parent.bytes[CAP_HEAP];
    v[2] = (int64_t)(uintptr_t)cap_parent.base[CAP_SYSTEM];
    v[3] = (int64_t)cap_parent.bytes[CAP_SYSTEM];
    *n = 4;
    return 0;
}

static void cap_segment_drop(void)
{
    char name[64];
    if (!cap_tag)
        return;
    cap_segment_name(name, sizeof name, cap_owner, cap_tag);
    shm_unlink(name);
    munmap(cap_seg, cap_seg_bytes);
    cap_tag = 0;
    cap_seg = NULL;
}

/* Make the allocator's heap now: the attach test compares the subject's mapped kB before and
 * after cap_attach, and the first malloc of a process maps the heap (132 kB), which a correct
 * cap_attach may be the first to do (a printf's buffer, a path built with asprintf). */
static void cap_warm_allocator(void)
{
    static void *kept;
    if (!kept)
        kept = malloc(64);
}

static int cap_cmd_segment(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    static unsigned long next_tag;
    cap_warm_allocator();
    struct cap_params p;
    char name[64];
    cap_segment_drop();
    if (!cap_params_of(a[0], a[1], &p, why))
        return -1;
    size_t per_list = p.arrays * p.array_bytes, bytes = CAP_LISTS * per_list;
    cap_owner = getpid();
    cap_tag = ++next_tag;
    cap_segment_name(name, sizeof name, cap_owner, cap_tag);
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)bytes) < 0 ||
        (cap_seg = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        shm_unlink(name);
        cap_tag = 0;
        cap_seg = NULL;
        errno = err;
        *why = "creating the segment";
        return -1;
    }
    close(fd);
    cap_seg_bytes = bytes;
    madvise(cap_seg, bytes, MADV_DONTFORK);
    for (int l = 0; l < CAP_LISTS; l++)
        for (size_t i = 0; i < p.arrays; i++)
            cap_fill_array(&p, l, i, cap_seg + (size_t)l * per_list + i * p.array_bytes);
    v[0] = (int64_t)cap_tag;
    v[1] = (int64_t)(uintptr_t)cap_seg;
    v[2] = (int64_t)bytes;
    *n = 3;
    return 0;
}

/* Open descriptors (0..255) of this process: what cap_attach must not leave (the grader's
 * view has no /proc/self/fd). */
static int cap_open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 256; fd++)
        n += fcntl(fd, F_GETFD) >= 0;
    return n;
}

static int cap_cmd_attach(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    char name[64];
    (void)why;
    cap_segment_name(name, sizeof name, getpid(), a[0] ? (unsigned long)a[0] : 999999UL);
    v[2] = cap_open_fds();
    cl_subject_calls("cap_attach");
    errno = 0;
    const void *m = cap_attach(name, (size_t)a[1]);
    v[1] = m ? 0 : errno;
    v[0] = (int64_t)(uintptr_t)m;
    v[3] = cap_open_fds();
    *n = 4;
    return 0;
}

static int cap_cmd_sum(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct cap_params p;
    if (!cap_params_of(a[1], a[2], &p, why))
        return -1;
    cl_subject_calls("cap_sum");
    v[0] = cap_sum((const void *)(uintptr_t)a[0], &p);
    *n = 1;
    return 0;
}

static int cap_cmd_detach(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("cap_detach");
    errno = 0;
    v[0] = cap_detach((const void *)(uintptr_t)a[0], (size_t)a[1]);
    v[1] = v[0] ? errno : 0;
    *n = 2;
    return 0;
}

static int cap_cmd_drop(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)a, (void)v, (void)why;
    cap_scene_free(&cap_parent);
    cap_segment_drop();
    *n = 0;
    return 0;
}

/* ---- team workers ----------------------------------------------------------------------- */

static int cap_work_shared(const uint64_t *a, int phase, int64_t *report)
{
    struct cap_params p = {(size_t)a[2], (size_t)a[3]};
    size_t bytes = CAP_LISTS * p.arrays * p.array_bytes;
    if (phase == 1) { /* a worker whose cap_attach failed has nothing to detach */
        if (cap_worker_seg) {
            cl_subject_calls("cap_detach");
            report[CAP_REP_DETACH] = cap_detach(cap_worker_seg, bytes);
        }
        return 0;
    }
    char name[64];
    cap_segment_name(name, sizeof name, cap_owner, (unsigned long)a[1]);
    cl_subject_calls("cap_attach");
    errno = 0;
    cap_worker_seg = cap_attach(name, bytes);
    report[CAP_REP_ERRNO] = cap_worker_seg ? 0 : errno;
    report[CAP_REP_BASE] = (int64_t)(uintptr_t)cap_worker_seg;
    if (cap_worker_seg) {
        cl_subject_calls("cap_sum");
        report[CAP_REP_SUM] = cap_sum(cap_worker_seg, &p);
    }
    return 0;
}

static int cap_worker(void *arg, int worker, int phase, int64_t *report)
{
    const uint64_t *a = arg;
    (void)worker;
    switch (a[0]) {
    case CAP_WORK_READ:
        if (phase == 0) {
            report[CAP_REP_SUM] = cap_scene_read(&cap_parent, (size_t)a[1]);
            report[CAP_REP_BASE] = (int64_t)(uintptr_t)cap_parent.base[CAP_HEAP];
            report[CAP_REP_SYSTEM] = (int64_t)(uintptr_t)cap_parent.base[CAP_SYSTEM];
        }
        return 0;
    case CAP_WORK_PICKLE:
        if (phase == 0) {
            struct cap_params p = {(size_t)a[1], (size_t)a[2]};
            if (cap_scene_build(&cap_rebuilt, &p) < 0) {
                report[CAP_REP_ERRNO] = errno;
                return 0;
            }
            report[CAP_REP_SUM] = cap_scene_read(&cap_rebuilt, (size_t)a[3]);
            report[CAP_REP_BASE] = (int64_t)(uintptr_t)cap_rebuilt.base[CAP_HEAP];
            report[CAP_REP_SYSTEM] = (int64_t)(uintptr_t)cap_rebuilt.base[CAP_SYSTEM];
        }
        return 0;
    case CAP_WORK_SHARED: return cap_work_shared(a, phase, report);
    default: return 1;
    }
}

static const struct cl_subject_op cap_ops[] = {
    {"predict", 5, cap_cmd_predict}, {"extrapolate", 6, cap_cmd_extrapolate},
    {"scene", 3, cap_cmd_scene},     {"segment", 2, cap_cmd_segment},
    {"attach", 2, cap_cmd_attach},   {"sum", 3, cap_cmd_sum},
    {"detach", 2, cap_cmd_detach},   {"drop", 0, cap_cmd_drop},
};

const struct cl_subject_lab cl_subject_lab = {
    .slug = "05-capstone",
    .ops = cap_ops,
    .nops = sizeof cap_ops / sizeof cap_ops[0],
    .spawn = NULL, /* the team forks (or execs) its workers itself */
    .spawn_name = "fork",
    .worker = cap_worker,
};
