/*
 * subject.c — lab 03's commands in the subject (protocol: cowlab/subject.h). Each runs one
 * student function, or a step the observer needs in this address space (elements written,
 * a segment written by hand), and answers with what happened. Nothing here knows what is
 * right. Segments are named from a tag: /cowlab03-PID-TAG, PID the subject's (a worker's
 * parent), so that every run has names of its own.
 *
 *   create TAG ELEM COUNT   sha_create        R rc errno slot base map_len data elem count mode
 *                                             fds-left-open bad-closes (of a descriptor not open)
 *   attach TAG ELEM MODE    sha_attach        R (the same)
 *   detach SLOT             sha_detach        R rc errno zeroed (1: *a all zero afterwards)
 *   unlink TAG              sha_unlink        R rc errno
 *   size ELEM COUNT PS      sha_segment_size  R bytes
 *   at SLOT I               sha_at            R address (0: NULL)
 *   fill SLOT               element i = i + 1 (8-byte elements), through sha_at   R
 *   get SLOT I              the 8-byte element i, through sha_at   R found value
 *   exists TAG              whether the name is in /dev/shm (the kit's shm_open)   R 0/1
 *   purge TAG               the kit's shm_unlink of the name (whatever happened before)   R
 *   raw TAG COUNT SIZE KIND a SIZE-byte object whose header says COUNT 8-byte elements, with
 *                           a bad magic or version as KIND says (protocol.h); the kit's own   R
 *   create_badname KIND / attach_badname KIND / unlink_badname KIND   a bad name (sa_bad_name)
 *                           R rc errno fds-left-open
 *   create_failing TAG CALL sha_create(8, 4096) where CALL (protocol.h) fails: posix_fallocate
 *                           and fallocate with ENOSPC, mmap with ENOMEM, ftruncate with EFBIG
 *                           R rc errno name-left fds-left-open mapped-addr mapped-len
 *   attach_checked TAG ELEM MODE   sha_attach, for a call that must fail
 *                           R rc errno fds-left-open mapped-addr mapped-len (on success:
 *                           0 and the map_len it filled in; the kit unmaps it)
 *   attach_failing TAG CALL sha_attach(8, SHA_RDONLY) where CALL fails (fstat, mmap)   R (the same)
 *   detach_failing SLOT     sha_detach where munmap fails   R rc errno unchanged (1: *a as it was)
 *   detach_bad KIND         sha_detach of NULL or of a zeroed struct (protocol.h)   R rc errno
 *   fd0 TAG WHAT            sha_create(8, 16) or sha_attach(8, SHA_RDONLY) (protocol.h) with
 *                           descriptor 0 closed, so that shm_open returns 0; the kit unmaps
 *                           what it made   R rc errno fd0-left-open
 *   anon N                  sha_map_anonymous(N)   R addr errno
 *   anon_failing N CALL     sha_map_anonymous(N) where CALL fails (mmap, madvise)
 *                           R addr errno mapped-addr mapped-len
 *   anon_fill ADDR N / anon_unmap ADDR N   the kit writes one byte per page / munmaps   R
 */
#include "03-shm-arrays.h"
#include "cowlab/subject.h"
#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SA_PTR(a) ((void *)(uintptr_t)(a))

enum { SA_SLOTS = 16, SA_FDS = 256 };

static struct sha_array sa_slots[SA_SLOTS];
static bool sa_used[SA_SLOTS];

/* The owner of segment names: this process, or for a team worker its parent (the subject). */
static pid_t sa_owner;

static void sa_tag_name(char *buf, size_t n, uint64_t tag)
{
    sa_name(buf, n, sa_owner ? sa_owner : getpid(), (unsigned long)tag);
}

/* Open descriptors of this process (0 .. SA_FDS-1): the view has no /proc/self/fd. */
static int sa_open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < SA_FDS; fd++)
        n += fcntl(fd, F_GETFD) >= 0;
    return n;
}

/* ---- interpositions: calls that fail on command, and the last mapping made -------------- */

static int sa_fail_call; /* enum sa_fail: the call that fails now */
static void *sa_mapped;
static size_t sa_mapped_len;

/* Calls of close() on a descriptor that was not open (EBADF): a descriptor closed twice. */
static int sa_bad_closes;

int close(int fd)
{
    int rc = (int)syscall(SYS_close, fd);
    if (rc < 0 && errno == EBADF)
        sa_bad_closes++;
    return rc;
}

/* Whether `call` fails now; if so errno is its errno (protocol.h). */
static bool sa_failing(int call)
{
    if (sa_fail_call != call)
        return false;
    errno = sa_fail_errno(call);
    return true;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    if (sa_failing(SA_FAIL_MMAP))
        return MAP_FAILED;
    void *p = (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED) {
        sa_mapped = p;
        sa_mapped_len = len;
    }
    return p;
}

int posix_fallocate(int fd, off_t off, off_t len)
{
    int e = errno;
    if (sa_failing(SA_FAIL_FALLOCATE)) {
        errno = e;
        return ENOSPC; /* as a full /dev/shm: posix_fallocate returns the error */
    }
    return syscall(SYS_fallocate, fd, 0, off, len) == 0 ? 0 : errno;
}

int fallocate(int fd, int mode, off_t off, off_t len)
{
    if (sa_failing(SA_FAIL_FALLOCATE))
        return -1;
    return (int)syscall(SYS_fallocate, fd, mode, off, len);
}

int ftruncate(int fd, off_t len)
{
    if (sa_failing(SA_FAIL_FTRUNCATE))
        return -1;
    return (int)syscall(SYS_ftruncate, fd, len);
}

/* A failing fstat leaves *st zeroed, so that code which uses it anyway does the same on every
 * run (a real one leaves it as it was). */
int fstat(int fd, struct stat *st)
{
    if (sa_failing(SA_FAIL_FSTAT)) {
        memset(st, 0, sizeof *st);
        return -1;
    }
    return fstatat(fd, "", st, AT_EMPTY_PATH);
}

int munmap(void *addr, size_t len)
{
    if (sa_failing(SA_FAIL_MUNMAP))
        return -1;
    return (int)syscall(SYS_munmap, addr, len);
}

int madvise(void *addr, size_t len, int advice)
{
    if (sa_failing(SA_FAIL_MADVISE))
        return -1;
    return (int)syscall(SYS_madvise, addr, len, advice);
}

/* The same for code built with _FILE_OFFSET_BITS=64, whose calls are glibc's ...64 names. */
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
    return mmap(addr, len, prot, flags, fd, (off_t)off);
}

int posix_fallocate64(int fd, off64_t off, off64_t len)
{
    return posix_fallocate(fd, (off_t)off, (off_t)len);
}

int fallocate64(int fd, int mode, off64_t off, off64_t len)
{
    return fallocate(fd, mode, (off_t)off, (off_t)len);
}

int ftruncate64(int fd, off64_t len)
{
    return ftruncate(fd, (off_t)len);
}

int fstat64(int fd, struct stat64 *st)
{
    if (sa_failing(SA_FAIL_FSTAT)) {
        memset(st, 0, sizeof *st);
        return -1;
    }
    return fstatat64(fd, "", st, AT_EMPTY_PATH);
}

/* ---- the library's calls -------------------------------------------------------------- */

static void sa_array_answer(int rc, int e, int slot, int fds, int64_t *v, int *n)
{
    const struct sha_array *a = slot >= 0 ? &sa_slots[slot] : NULL;
    v[0] = rc;
    v[1] = rc == SHA_OK ? 0 : e;
    v[2] = slot;
    v[3] = a ? (int64_t)(uintptr_t)a->base : 0;
    v[4] = a ? (int64_t)a->map_len : 0;
    v[5] = a ? (int64_t)(uintptr_t)a->data : 0;
    v[6] = a ? (int64_t)a->elem_size : 0;
    v[7] = a ? (int64_t)a->count : 0;
    v[8] = a ? a->mode : 0;
    v[9] = fds;
    v[10] = sa_bad_closes;
    *n = 11;
}

static int sa_free_slot(void)
{
    for (int i = 0; i < SA_SLOTS; i++)
        if (!sa_used[i])
            return i;
    return -1;
}

/* A free slot for the array a command makes, cleared, and the segment's name for tag a0.
 * The slot's index, or -1 with *why and errno set. */
static int sa_take_slot(uint64_t tag, const char *what, char *name, size_t n, const char **why)
{
    int slot = sa_free_slot();
    if (slot < 0) {
        *why = what;
        errno = ENOSPC;
        return -1;
    }
    sa_tag_name(name, n, tag);
    memset(&sa_slots[slot], 0, sizeof sa_slots[slot]);
    return slot;
}

/* After the student's call filled slot: keep it if it succeeded, and answer (fds: the
 * descriptors open before the call). */
static int sa_made(int slot, int rc, int e, int fds, int64_t *v, int *n)
{
    sa_used[slot] = rc == SHA_OK;
    sa_array_answer(rc, e, rc == SHA_OK ? slot : -1, sa_open_fds() - fds, v, n);
    return 0;
}

static int sa_create(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    char name[SA_NAME_MAX];
    int slot = sa_take_slot(a[0], "create: no free slot", name, sizeof name, why);
    if (slot < 0)
        return -1;
    int fds = sa_open_fds();
    sa_bad_closes = 0;
    cl_subject_calls("sha_create");
    errno = 0;
    int rc = sha_create(name, (size_t)a[1], (size_t)a[2], &sa_slots[slot]);
    return sa_made(slot, rc, errno, fds, v, n);
}

static int sa_attach(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    char name[SA_NAME_MAX];
    int slot = sa_take_slot(a[0], "attach: no free slot", name, sizeof name, why);
    if (slot < 0)
        return -1;
    int fds = sa_open_fds();
    sa_bad_closes = 0;
    cl_subject_calls("sha_attach");
    errno = 0;
    int rc = sha_attach(name, (size_t)a[1], (int)a[2], &sa_slots[slot]);
    return sa_made(slot, rc, errno, fds, v, n);
}

static struct sha_array *sa_slot(uint64_t slot, const char **why)
{
    if (slot >= SA_SLOTS || !sa_used[slot]) {
        *why = "no such slot";
        errno = EINVAL;
        return NULL;
    }
    return &sa_slots[slot];
}

static int sa_detach(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct sha_array *arr = sa_slot(a[0], why);
    if (!arr)
        return -1;
    cl_subject_calls("sha_detach");
    errno = 0;
    v[0] = sha_detach(arr);
    v[1] = v[0] == SHA_OK ? 0 : errno;
    static const struct sha_array zero;
    v[2] = memcmp(arr, &zero, sizeof zero) == 0;
    sa_used[a[0]] = v[0] != SHA_OK;
    *n = 3;
    return 0;
}

/* sha_detach where munmap fails: the slot stays (the mapping is still there). */
static int sa_detach_failing(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct sha_array *arr = sa_slot(a[0], why);
    if (!arr)
        return -1;
    struct sha_array before = *arr;
    sa_fail_call = SA_FAIL_MUNMAP;
    cl_subject_calls("sha_detach");
    errno = 0;
    v[0] = sha_detach(arr);
    v[1] = errno;
    sa_fail_call = SA_FAIL_NONE;
    v[2] = memcmp(arr, &before, sizeof before) == 0;
    if (v[0] == SHA_OK) /* it said so: the kit unmaps what it could not */
        munmap(before.base, before.map_len);
    sa_used[a[0]] = v[0] != SHA_OK;
    *n = 3;
    return 0;
}

static int sa_detach_bad(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    if (a[0] != SA_DETACH_NULL && a[0] != SA_DETACH_ZEROED) {
        *why = "detach_bad: 0 (NULL) or 1 (a zeroed struct)";
        errno = EINVAL;
        return -1;
    }
    struct sha_array zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    cl_subject_calls("sha_detach");
    errno = 0;
    v[0] = sha_detach(a[0] == SA_DETACH_NULL ? NULL : &zeroed);
    v[1] = errno;
    *n = 2;
    return 0;
}

static int sa_unlink(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    char name[SA_NAME_MAX];
    sa_tag_name(name, sizeof name, a[0]);
    cl_subject_calls("sha_unlink");
    errno = 0;
    v[0] = sha_unlink(name);
    v[1] = v[0] == SHA_OK ? 0 : errno;
    *n = 2;
    return 0;
}

static int sa_size(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("sha_segment_size");
    v[0] = (int64_t)sha_segment_size((size_t)a[0], (size_t)a[1], (size_t)a[2]);
    *n = 1;
    return 0;
}

static int sa_at(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct sha_array *arr = sa_slot(a[0], why);
    if (!arr)
        return -1;
    cl_subject_calls("sha_at");
    v[0] = (int64_t)(uintptr_t)sha_at(arr, (size_t)a[1]);
    *n = 1;
    return 0;
}

static int sa_fill(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)v;
    struct sha_array *arr = sa_slot(a[0], why);
    if (!arr)
        return -1;
    if (arr->elem_size != 8) {
        *why = "fill: 8-byte elements only";
        errno = EINVAL;
        return -1;
    }
    cl_subject_calls("sha_at");
    for (size_t i = 0; i < arr->count; i++) {
        uint64_t *e = sha_at(arr, i);
        if (!e) {
            *why = "fill: sha_at returned NULL for an element below count";
            errno = EFAULT;
            return -1;
        }
        *e = i + 1;
    }
    *n = 0;
    return 0;
}

static int sa_get(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct sha_array *arr = sa_slot(a[0], why);
    if (!arr)
        return -1;
    cl_subject_calls("sha_at");
    const volatile uint64_t *e = sha_at(arr, (size_t)a[1]);
    v[0] = e != NULL;
    v[1] = e ? (int64_t)*e : 0;
    *n = 2;
    return 0;
}

static int sa_exists(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    char name[SA_NAME_MAX];
    sa_tag_name(name, sizeof name, a[0]);
    int fd = shm_open(name, O_RDONLY, 0);
    v[0] = fd >= 0;
    if (fd >= 0)
        close(fd);
    *n = 1;
    return 0;
}

/* The kit's own shm_unlink: whatever the student's code did, the name goes. */
static int sa_purge(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)v, (void)why;
    char name[SA_NAME_MAX];
    sa_tag_name(name, sizeof name, a[0]);
    shm_unlink(name);
    *n = 0;
    return 0;
}

/* A segment written by the kit: header page + data, or SIZE bytes of it. */
static int sa_raw(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)v;
    char name[SA_NAME_MAX];
    sa_tag_name(name, sizeof name, a[0]);
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    struct sha_header h = {SHA_MAGIC, SHA_VERSION, 8, a[1], 1, ps};
    if (a[3] == SA_RAW_BAD_MAGIC)
        h.magic ^= 1;
    if (a[3] == SA_RAW_BAD_VERSION)
        h.version = SHA_VERSION + 1;
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
        *why = "raw: shm_open";
        return -1;
    }
    size_t hbytes = a[2] < sizeof h ? (size_t)a[2] : sizeof h;
    if (ftruncate(fd, (off_t)a[2]) < 0 || pwrite(fd, &h, hbytes, 0) != (ssize_t)hbytes) {
        int e = errno;
        close(fd);
        shm_unlink(name);
        errno = e;
        *why = "raw: writing the object";
        return -1;
    }
    close(fd);
    *n = 0;
    return 0;
}

/* A command's choice argument: true when ok; else false, with errno EINVAL and *why the usage. */
static bool sa_choice_ok(bool ok, const char *usage, const char **why)
{
    if (!ok) {
        *why = usage;
        errno = EINVAL;
    }
    return ok;
}

/* The bad names: no leading "/", a second "/", too long, nothing after "/", empty. */
static const char *sa_bad_name(uint64_t kind)
{
    static char long_name[NAME_MAX + 3];
    if (!long_name[0]) {
        long_name[0] = '/';
        memset(long_name + 1, 'x', NAME_MAX + 1);
    }
    static const char *const names[SA_BAD_NAMES] = {"cowlab03-noslash", "/cowlab03/two", NULL, "/",
                                                    ""};
    return kind == 2 ? long_name : kind < SA_BAD_NAMES ? names[kind] : NULL;
}

static int sa_badname(const char *fn, uint64_t kind, int64_t *v, int *n, const char **why)
{
    if (kind >= SA_BAD_NAMES) {
        *why = "badname: no such kind";
        errno = EINVAL;
        return -1;
    }
    const char *name = sa_bad_name(kind);
    struct sha_array arr;
    memset(&arr, 0, sizeof arr);
    int fds = sa_open_fds();
    cl_subject_calls(fn);
    errno = 0;
    int rc = fn[4] == 'c'   ? sha_create(name, 8, 16, &arr)
             : fn[4] == 'a' ? sha_attach(name, 8, SHA_RDONLY, &arr)
                            : sha_unlink(name);
    v[0] = rc;
    v[1] = errno;
    v[2] = sa_open_fds() - fds;
    *n = 3;
    if (rc == SHA_OK && fn[4] != 'u') {
        sha_detach(&arr); /* made with a name it should refuse: do not leave it */
        shm_unlink(name);
    }
    return 0;
}

static int sa_create_badname(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    return sa_badname("sha_create", a[0], v, n, why);
}

static int sa_attach_badname(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    return sa_badname("sha_attach", a[0], v, n, why);
}

static int sa_unlink_badname(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    return sa_badname("sha_unlink", a[0], v, n, why);
}

static int sa_create_failing(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    if (!sa_choice_ok(a[1] == SA_FAIL_FALLOCATE || a[1] == SA_FAIL_MMAP ||
                          a[1] == SA_FAIL_FTRUNCATE,
                      "create_failing: the call that fails is 1 (fallocate), 2 (mmap) or 3 "
                      "(ftruncate)",
                      why))
        return -1;
    char name[SA_NAME_MAX];
    sa_tag_name(name, sizeof name, a[0]);
    struct sha_array arr;
    memset(&arr, 0, sizeof arr);
    int fds = sa_open_fds();
    sa_mapped = NULL;
    sa_mapped_len = 0;
    sa_fail_call = (int)a[1];
    cl_subject_calls("sha_create");
    errno = 0;
    int rc = sha_create(name, 8, 4096, &arr);
    int e = errno;
    sa_fail_call = SA_FAIL_NONE;
    int fd = shm_open(name, O_RDONLY, 0);
    v[0] = rc;
    v[1] = e;
    v[2] = fd >= 0;
    if (fd >= 0) { /* the kit removes what the call left, after saying so */
        close(fd);
        shm_unlink(name);
    }
    v[3] = sa_open_fds() - fds;
    v[4] = (int64_t)(uintptr_t)sa_mapped;
    v[5] = (int64_t)sa_mapped_len;
    *n = 6;
    return 0;
}

/* sha_attach of segment tag, for a call that must fail, with `fail` failing (protocol.h):
 * R rc errno fds-left-open mapped-addr mapped-len. What a call that should have failed made
 * anyway is unmapped by the kit. */
static int sa_attach_check(uint64_t tag, size_t elem, int mode, int fail, int64_t *v, int *n)
{
    char name[SA_NAME_MAX];
    sa_tag_name(name, sizeof name, tag);
    struct sha_array arr;
    memset(&arr, 0, sizeof arr);
    int fds = sa_open_fds();
    sa_mapped = NULL;
    sa_mapped_len = 0;
    sa_fail_call = fail;
    cl_subject_calls("sha_attach");
    errno = 0;
    int rc = sha_attach(name, elem, mode, &arr);
    v[1] = errno;
    sa_fail_call = SA_FAIL_NONE;
    v[0] = rc;
    v[2] = sa_open_fds() - fds;
    v[3] = rc == SHA_OK ? 0 : (int64_t)(uintptr_t)sa_mapped;
    v[4] = rc == SHA_OK ? (int64_t)arr.map_len : (int64_t)sa_mapped_len;
    *n = 5;
    if (rc == SHA_OK && arr.base && arr.base != MAP_FAILED)
        munmap(arr.base, arr.map_len);
    return 0;
}

static int sa_attach_checked(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    return sa_attach_check(a[0], (size_t)a[1], (int)a[2], SA_FAIL_NONE, v, n);
}

static int sa_attach_failing(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    if (a[1] != SA_FAIL_FSTAT && a[1] != SA_FAIL_MMAP) {
        *why = "attach_failing: the call that fails is 2 (mmap) or 4 (fstat)";
        errno = EINVAL;
        return -1;
    }
    return sa_attach_check(a[0], 8, SHA_RDONLY, (int)a[1], v, n);
}

/* sha_create or sha_attach (what) with descriptor 0 closed: the lowest free descriptor, the one
 * shm_open returns, is then 0, a valid descriptor. Descriptor 0 (the command pipe) is back
 * before the answer. */
static int sa_fd0(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    if (!sa_choice_ok(a[1] == SA_FD0_CREATE || a[1] == SA_FD0_ATTACH,
                      "fd0: 0 (sha_create) or 1 (sha_attach)", why))
        return -1;
    char name[SA_NAME_MAX];
    sa_tag_name(name, sizeof name, a[0]);
    struct sha_array arr;
    memset(&arr, 0, sizeof arr);
    int saved = fcntl(0, F_DUPFD_CLOEXEC, 10);
    if (saved < 0) {
        *why = "fd0: dup of descriptor 0";
        return -1;
    }
    close(0);
    const char *fn = a[1] == SA_FD0_CREATE ? "sha_create" : "sha_attach";
    cl_subject_calls(fn);
    errno = 0;
    int rc = a[1] == SA_FD0_CREATE ? sha_create(name, 8, 16, &arr)
                                   : sha_attach(name, 8, SHA_RDONLY, &arr);
    v[0] = rc;
    v[1] = rc == SHA_OK ? 0 : errno;
    v[2] = fcntl(0, F_GETFD) >= 0;
    dup2(saved, 0);
    close(saved);
    if (rc == SHA_OK && arr.base && arr.base != MAP_FAILED)
        munmap(arr.base, arr.map_len);
    *n = 3;
    return 0;
}

static int sa_anon(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("sha_map_anonymous");
    errno = 0;
    void *p = sha_map_anonymous((size_t)a[0]);
    v[0] = (int64_t)(uintptr_t)p;
    v[1] = p ? 0 : errno;
    *n = 2;
    return 0;
}

static int sa_anon_failing(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    if (a[1] != SA_FAIL_MMAP && a[1] != SA_FAIL_MADVISE) {
        *why = "anon_failing: the call that fails is 2 (mmap) or 6 (madvise)";
        errno = EINVAL;
        return -1;
    }
    sa_mapped = NULL;
    sa_mapped_len = 0;
    sa_fail_call = (int)a[1];
    cl_subject_calls("sha_map_anonymous");
    errno = 0;
    void *p = sha_map_anonymous((size_t)a[0]);
    v[1] = errno;
    sa_fail_call = SA_FAIL_NONE;
    v[0] = (int64_t)(uintptr_t)p;
    v[2] = (int64_t)(uintptr_t)sa_mapped;
    v[3] = (int64_t)sa_mapped_len;
    *n = 4;
    return 0;
}

static int sa_anon_fill(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)v, (void)why;
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < a[1]; i++)
        ((volatile unsigned char *)SA_PTR(a[0]))[i * ps] = (unsigned char)(i % 255 + 1);
    *n = 0;
    return 0;
}

static int sa_anon_unmap(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)v;
    if (munmap(SA_PTR(a[0]), (size_t)a[1] * (size_t)sysconf(_SC_PAGESIZE)) < 0) {
        *why = "munmap";
        return -1;
    }
    *n = 0;
    return 0;
}

/* ---- team workers ------------------------------------------------------------------------ */

/* The first 8-byte element of data page p, read (0 when sha_at says there is none). */
static uint64_t sa_read_page(const struct sha_array *arr, size_t p)
{
    size_t per_page = (size_t)sysconf(_SC_PAGESIZE) / 8;
    const volatile uint64_t *e = sha_at(arr, p * per_page);
    return e ? *e : 0;
}

static uint64_t sa_read_all(const struct sha_array *arr)
{
    size_t per_page = (size_t)sysconf(_SC_PAGESIZE) / 8;
    uint64_t sum = 0;
    cl_subject_calls("sha_at");
    for (size_t p = 0; p * per_page < arr->count; p++)
        sum += sa_read_page(arr, p);
    return sum;
}

static int sa_worker_attach(uint64_t tag, int mode, struct sha_array *arr, int64_t *report)
{
    char name[SA_NAME_MAX];
    sa_tag_name(name, sizeof name, tag);
    memset(arr, 0, sizeof *arr);
    cl_subject_calls("sha_attach");
    errno = 0;
    int rc = sha_attach(name, 8, mode, arr);
    report[SA_REP_RC] = rc;
    report[SA_REP_ERRNO] = rc == SHA_OK ? 0 : errno;
    report[SA_REP_BASE] = (int64_t)(uintptr_t)arr->base;
    report[SA_REP_LEN] = (int64_t)arr->map_len;
    return rc == SHA_OK ? 0 : -1;
}

/* Phase 0 of the segment jobs: attach (worker 0 of SA_WORK_WRITER read-write, SA_WORK_PRIVATE
 * privately, the others read-only), so that the observer sees the mapping before any read. */
static int sa_worker_mode(uint64_t work, int worker)
{
    if (work == SA_WORK_PRIVATE)
        return SHA_PRIVATE;
    return work == SA_WORK_WRITER && worker == 0 ? SHA_RDWR : SHA_RDONLY;
}

/* Phase `phase` (1 or more) of a segment job, on the segment attached in phase 0. Worker i
 * reads in phase 1 + i alone, so that no two readers fault on the same pages at once (a
 * fault-around skips a page another process holds locked: protocol.h). */
static void sa_worker_job(const uint64_t *a, struct sha_array *arr, int worker, int phase,
                          int64_t *report)
{
    size_t per_page = (size_t)sysconf(_SC_PAGESIZE) / 8;
    int k = (int)(a[2] >> 32);               /* SA_WORK_WRITER, SA_WORK_PRIVATE: workers */
    size_t d = (size_t)(a[2] & 0xffffffffu); /* ... and the data page written */
    if (phase == 1 + worker) {
        cl_subject_calls("sha_at");
        report[SA_REP_VALUE] =
            a[0] == SA_WORK_READ_ONE
                ? (int64_t)sa_read_page(arr, (size_t)(a[2] + (uint64_t)worker * a[3]))
                : (int64_t)sa_read_all(arr);
    } else if (a[0] != SA_WORK_WRITER && a[0] != SA_WORK_PRIVATE) {
        return;
    } else if (phase == 1 + k && (worker == 0 || a[0] == SA_WORK_PRIVATE)) {
        cl_subject_calls("sha_at");
        uint64_t *e = sha_at(arr, d * per_page);
        if (e)
            *e = a[3];
        report[SA_REP_VALUE] = (int64_t)sa_read_page(arr, d);
    } else if (phase == 2 + k) {
        cl_subject_calls("sha_at");
        report[SA_REP_VALUE] = (int64_t)sa_read_page(arr, d);
    }
}

static int sa_worker(void *arg, int worker, int phase, int64_t *report)
{
    const uint64_t *a = arg;
    static struct sha_array arr; /* one per worker process */
    sa_owner = getppid();
    switch (a[0]) {
    case SA_WORK_READ_ALL:
    case SA_WORK_READ_ONE:
    case SA_WORK_WRITER:
    case SA_WORK_PRIVATE:
        if (phase == 0)
            sa_worker_attach(a[1], sa_worker_mode(a[0], worker), &arr, report);
        else if (arr.base)
            sa_worker_job(a, &arr, worker, phase, report);
        break;
    case SA_WORK_CREATE: {
        char name[SA_NAME_MAX];
        sa_tag_name(name, sizeof name, a[1]);
        cl_subject_calls("sha_create");
        errno = 0;
        int rc = sha_create(name, 8, (size_t)a[2], &arr);
        report[SA_REP_RC] = rc;
        report[SA_REP_ERRNO] = rc == SHA_OK ? 0 : errno;
        report[SA_REP_BASE] = (int64_t)(uintptr_t)arr.base;
        if (rc == SHA_OK) {
            cl_subject_calls("sha_at");
            for (size_t i = 0; i < arr.count; i++) {
                uint64_t *e = sha_at(&arr, i);
                if (e)
                    *e = i + 1;
            }
        }
        break;
    }
    case SA_WORK_ANON:
        if (phase == 1 + worker) {
            size_t ps = (size_t)sysconf(_SC_PAGESIZE);
            int64_t sum = 0;
            for (size_t i = 0; i < a[2]; i++)
                sum += ((const volatile unsigned char *)SA_PTR(a[1]))[i * ps];
            report[SA_REP_VALUE] = sum;
        }
        break;
    default: return 1;
    }
    return 0;
}

static const struct cl_subject_op sa_ops[] = {
    {"create", 3, sa_create},
    {"attach", 3, sa_attach},
    {"detach", 1, sa_detach},
    {"unlink", 1, sa_unlink},
    {"size", 3, sa_size},
    {"at", 2, sa_at},
    {"fill", 1, sa_fill},
    {"get", 2, sa_get},
    {"exists", 1, sa_exists},
    {"purge", 1, sa_purge},
    {"raw", 4, sa_raw},
    {"create_badname", 1, sa_create_badname},
    {"attach_badname", 1, sa_attach_badname},
    {"unlink_badname", 1, sa_unlink_badname},
    {"create_failing", 2, sa_create_failing},
    {"attach_checked", 3, sa_attach_checked},
    {"attach_failing", 2, sa_attach_failing},
    {"detach_failing", 1, sa_detach_failing},
    {"detach_bad", 1, sa_detach_bad},
    {"fd0", 2, sa_fd0},
    {"anon", 1, sa_anon},
    {"anon_failing", 2, sa_anon_failing},
    {"anon_fill", 2, sa_anon_fill},
    {"anon_unmap", 2, sa_anon_unmap},
};

const struct cl_subject_lab cl_subject_lab = {
    .slug = "03-shm-arrays",
    .ops = sa_ops,
    .nops = sizeof sa_ops / sizeof sa_ops[0],
    .spawn = NULL,
    .spawn_name = "the team's fork",
    .worker = sa_worker,
};
