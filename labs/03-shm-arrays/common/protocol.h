/*
 * protocol.h — what lab 03's observer and subject agree on: the workers' jobs, the segments
 * the kit writes by hand (raw), the bad names, the calls create_failing makes fail, and how a
 * segment's name is made from a tag (so that names are unique per subject, hence per run).
 */
#ifndef LAB03_PROTOCOL_H
#define LAB03_PROTOCOL_H

#include <errno.h>
#include <stdio.h>
#include <sys/types.h>

/* Team workers' jobs (A0 of team/xteam). A1 is the segment's tag (or the anonymous region's
 * address), A2 and A3 the job's parameters. */
enum sa_work {
    /* Phase 0 of the first four: attach (read-only; SA_WORK_WRITER's worker 0 read-write,
     * SA_WORK_PRIVATE with SHA_PRIVATE) and touch nothing; report rc, base, len, errno. Then
     * worker i reads in phase 1 + i, alone: two processes faulting on the same pages at once
     * make fault-around skip the pages the other holds locked (filemap_map_pages only
     * trylocks), so concurrent readers would map a page count that depends on timing. */
    SA_WORK_READ_ALL = 1, /* read the first element of every data page; report the sum */
    SA_WORK_READ_ONE = 2, /* read the first element of data page A2 + worker * A3 */
    SA_WORK_WRITER = 3,   /* A2 = K << 32 | D: read all; phase K + 1: worker 0 writes A3 to the
                             first element of data page D; phase K + 2: every worker reads it */
    SA_WORK_PRIVATE = 4,  /* A2 = K << 32 | D: read all; phase K + 1: each writes A3 to the first
                             element of data page D and reads it back */
    SA_WORK_CREATE = 5,   /* phase 0: create A2 elements of 8 bytes, fill them; never detach */
    SA_WORK_ANON = 6,     /* forked: phase 1 + i: child i reads one byte of each of the A2
                             pages at address A1 */
};

/* Report slots of a worker. */
enum { SA_REP_RC = 0, SA_REP_BASE = 1, SA_REP_VALUE = 2, SA_REP_LEN = 3, SA_REP_ERRNO = 4 };

/* raw TAG COUNT SIZE KIND: a segment written by the kit, for attach's checks. */
enum sa_raw { SA_RAW_GOOD = 0, SA_RAW_BAD_MAGIC = 1, SA_RAW_BAD_VERSION = 2 };

/* The call that fails on command inside the student's function (create_failing,
 * attach_failing, detach_failing, anon_failing), and the errno it fails with. */
enum sa_fail {
    SA_FAIL_NONE = 0,
    SA_FAIL_FALLOCATE = 1, /* posix_fallocate and fallocate: ENOSPC, as a full /dev/shm */
    SA_FAIL_MMAP = 2,      /* ENOMEM */
    SA_FAIL_FTRUNCATE = 3, /* EFBIG, as past RLIMIT_FSIZE (without its SIGXFSZ) */
    SA_FAIL_FSTAT = 4,     /* EOVERFLOW */
    SA_FAIL_MUNMAP = 5,    /* EINVAL */
    SA_FAIL_MADVISE = 6,   /* EINVAL, as a kernel without transparent huge pages */
    SA_FAIL_CALLS
};

static inline int sa_fail_errno(int call)
{
    static const int e[SA_FAIL_CALLS] = {0, ENOSPC, ENOMEM, EFBIG, EOVERFLOW, EINVAL, EINVAL};
    return call > 0 && call < SA_FAIL_CALLS ? e[call] : 0;
}

/* What fd0 runs with descriptor 0 closed (so that shm_open returns 0). */
enum { SA_FD0_CREATE = 0, SA_FD0_ATTACH = 1 };

/* What detach_bad passes to sha_detach. */
enum { SA_DETACH_NULL = 0, SA_DETACH_ZEROED = 1 };

/* The bad names of *_badname KIND. */
enum { SA_BAD_NAMES = 5 };

enum { SA_NAME_MAX = 300 };

/* The name of segment `tag` of the subject whose pid is owner. */
static inline void sa_name(char *buf, size_t n, pid_t owner, unsigned long tag)
{
    snprintf(buf, n, "/cowlab03-%ld-%lu", (long)owner, tag);
}

#endif
