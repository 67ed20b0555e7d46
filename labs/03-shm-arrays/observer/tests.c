/*
 * tests.c — lab 03's graded tests, run by the observer. The table is tests.def; the library
 * tests ask the subject to call the student's functions and check each return code, errno and
 * what is left behind; the experiment tests run experiments (experiments.h) and check every row
 * exactly. No student function runs in this process: the subject runs them (subject.c).
 */
#include "03-shm-arrays.h"
#include "cowlab/lab.h"
#include "cowlab/mem.h"
#include "experiments.h"
#include "protocol.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Tags of the library tests' segments (the experiments count from 1 up, these from 1000). */
enum { SA_TAG_A = 1001, SA_TAG_B, SA_TAG_RAW, SA_TAG_FAIL, SA_TAG_WIDE, SA_TAG_FD0 };

/* One command whose answer is n values; on failure the test says why (once) and returns
 * false. */
static bool sa_ask(struct cl_link *L, const char *what, int64_t *v, int n, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static bool sa_ask(struct cl_link *L, const char *what, int64_t *v, int n, const char *fmt, ...)
{
    char cmd[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (cl_link_call(L, v, n, NULL, "%s", cmd) != 0) {
        cl_cannot_subject(what, L, what);
        return false;
    }
    return true;
}

/* sha_segment_size by the contract: one header page and the elements in whole pages. */
static uint64_t sa_model_size(uint64_t elem, uint64_t count, uint64_t ps)
{
    if (elem == 0 || ps == 0 || count > (UINT64_MAX - ps) / elem)
        return 0;
    uint64_t pages = (elem * count + ps - 1) / ps;
    return pages > UINT64_MAX / ps - 1 ? 0 : (pages + 1) * ps;
}

/* VMAs at [addr, addr+len) of the subject's process: 0 once unmapped. */
static unsigned sa_vmas(struct cl_link *L, uint64_t addr, size_t len)
{
    struct cl_mem m;
    return cl_mem_region(L->pid, CL_ADDR(addr), len, &m) == 0 ? m.vmas : 0;
}

/* sha_segment_size of every case {elem_size, count, page_size} (page_size 0: the machine's),
 * against the model; the first that differs is reported. The last ones sit on the edges of
 * size_t: the largest segment that fits (SIZE_MAX + 1 - page_size bytes) and the smallest
 * that does not. */
static void sa_check_sizes(struct cl_link *L, size_t ps)
{
    const uint64_t cases[][3] = {
        {8, 0, ps},
        {8, 1, ps},
        {8, 512, ps},
        {8, 513, ps},
        {1, 4096, ps},
        {1, 4097, ps},
        {3, 5, ps},
        {24, 1000, ps},
        {4096, 3, ps},
        {0, 10, ps},
        {1ULL << 62, 8, ps},
        {8, 1ULL << 61, ps},
        {8, 5000, 16384},
        {8, 5000, 65536},
        {8, 10, 0},
        {ps, (UINT64_MAX - ps) / ps, ps},
        {1, UINT64_MAX - ps, ps},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t got;
        if (!sa_ask(L, "sha_segment_size", &got, 1, "size %" PRIu64 " %" PRIu64 " %" PRIu64,
                    cases[i][0], cases[i][1], cases[i][2]))
            return;
        uint64_t want = sa_model_size(cases[i][0], cases[i][1], cases[i][2]);
        if ((uint64_t)got != want) {
            char what[160];
            snprintf(what, sizeof what,
                     "sha_segment_size(elem_size=%" PRIu64 ", count=%" PRIu64 ", page_size=%" PRIu64
                     ")",
                     cases[i][0], cases[i][1], cases[i][2]);
            CL_CHECK_EQ(want, got, what,
                        "one header page, then elem_size * count rounded up to whole pages; 0 "
                        "when elem_size or page_size is 0 or the size does not fit in a size_t "
                        "(check before you multiply or add)");
            return;
        }
    }
}

/* sha_create of elements of UINT32_MAX bytes, the largest the header holds, and none of them:
 * a segment of one page. */
static void sa_check_widest(struct cl_link *L, size_t ps)
{
    int64_t c[10], v[3];
    if (!sa_ask(L, "sha_create", c, 10, "create %d %" PRIu32 " 0", SA_TAG_WIDE, UINT32_MAX))
        return;
    CL_CHECK_EQ(SHA_OK, c[0], "sha_create(name, UINT32_MAX, 0): return value",
                "elem_size may be anything from 1 to UINT32_MAX (only above is SHA_ERR_ARG), "
                "and 0 elements make a segment of its header page alone");
    if (c[0] == SHA_OK) {
        CL_CHECK_EQ(ps, c[4], "map_len after sha_create(name, UINT32_MAX, 0) (bytes)",
                    "one header page, no data page");
        struct sha_header h;
        if (cl_link_peek(L->pid, (uint64_t)c[3], &h, sizeof h) == 0)
            CL_CHECK_EQ(UINT32_MAX, h.elem_size,
                        "header.elem_size after sha_create(name, "
                        "UINT32_MAX, 0)",
                        "the caller's elem_size");
        sa_ask(L, "sha_detach", v, 3, "detach %" PRId64, c[2]);
    }
    cl_link_call(L, NULL, 0, NULL, "purge %d", SA_TAG_WIDE);
}

/* sha_create, then sha_attach, while descriptor 0 is free: shm_open returns 0 then, a valid
 * descriptor like any other, and the call must succeed and close it. */
static void sa_check_fd0(struct cl_link *L)
{
    static const char *const calls[] = {"sha_create", "sha_attach"};
    for (int w = SA_FD0_CREATE; w <= SA_FD0_ATTACH; w++) {
        int64_t v[3];
        if (!sa_ask(L, calls[w], v, 3, "fd0 %d %d", SA_TAG_FD0, w))
            break;
        char what[128];
        snprintf(what, sizeof what, "%s when shm_open returns descriptor 0: return value",
                 calls[w]);
        CL_CHECK_EQ(SHA_OK, v[0], what,
                    "0 is a valid descriptor: shm_open failed only if it returned -1 (test fd < "
                    "0, not fd <= 0)");
        snprintf(what, sizeof what, "%s: descriptor 0 left open (1: open)", calls[w]);
        CL_CHECK_EQ(0, v[2], what, "close the shm_open descriptor before returning");
        if (v[0] != SHA_OK)
            break;
    }
    cl_link_call(L, NULL, 0, NULL, "purge %d", SA_TAG_FD0);
}

static void test_create_attach(void)
{
    struct cl_link *L = cl_lab_subject();
    size_t ps = cl_page_size(), count = 1000;
    uint64_t size = sa_model_size(8, count, ps);
    sa_check_sizes(L, ps);
    int64_t c[11], a[11], v[3];
    if (!sa_ask(L, "sha_create", c, 11, "create %d 8 %zu", SA_TAG_A, count))
        return;
    if (c[0] != SHA_OK) {
        CL_FAIL("sha_create(\"/cowlab03-...\", 8, %zu) returned %d (errno %d: %s)", count,
                (int)c[0], (int)c[1], strerror((int)c[1]));
        goto out;
    }
    CL_CHECK_EQ(0, c[9], "descriptors left open by sha_create",
                "close the shm_open descriptor once mapped: the mapping keeps the object");
    CL_CHECK_EQ(0, c[10], "close() calls of sha_create on a descriptor not open (EBADF)",
                "close the descriptor once: a success must not run the failure path's close too "
                "(a second close may close a descriptor another thread just opened)");
    uint64_t base = (uint64_t)c[3];
    CL_CHECK_EQ(0, base % ps, "sha_create's base modulo the page size", "return mmap's address");
    CL_CHECK_EQ(size, c[4], "map_len after sha_create (bytes)",
                "map the whole segment: "
                "sha_segment_size(elem_size, count, page size)");
    CL_CHECK_EQ(base + ps, c[5], "data after sha_create", "the elements start one page in");
    CL_CHECK_EQ(8, c[6], "elem_size after sha_create", "fill in the caller's sizes");
    CL_CHECK_EQ(count, c[7], "count after sha_create", "fill in the caller's sizes");
    CL_CHECK_EQ(SHA_RDWR, c[8], "mode after sha_create", "a creator maps read-write");
    struct sha_header h;
    memset(&h, 0, sizeof h);
    if (cl_link_peek(L->pid, base, &h, sizeof h) == 0) {
        CL_CHECK_EQ(SHA_MAGIC, h.magic, "header.magic", "SHA_MAGIC, in the first 8 bytes");
        CL_CHECK_EQ(SHA_VERSION, h.version, "header.version", "SHA_VERSION");
        CL_CHECK_EQ(8, h.elem_size, "header.elem_size", "the caller's elem_size");
        CL_CHECK_EQ(count, h.count, "header.count", "the caller's count");
        CL_CHECK_EQ(1, h.generation, "header.generation", "1 when created");
        CL_CHECK_EQ(ps, h.data_offset, "header.data_offset", "the page size");
    } else {
        CL_FAIL("cannot read the header at the base sha_create returned: %s", strerror(errno));
    }
    struct cl_mem m;
    if (cl_mem_region(L->pid, CL_ADDR(base), size, &m) == 0) {
        CL_CHECK_EQ(size / 1024, m.kb[CL_SIZE], "Size of the creator's mapping (kB)",
                    "map exactly the segment");
        CL_CHECK_EQ(ps / 1024, m.kb[CL_RSS], "Rss of the creator's mapping after sha_create (kB)",
                    "write the header only: the elements are not touched");
    }
    static const size_t idx[] = {0, 1, 511, 999, 1000, 5000};
    for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++) {
        if (!sa_ask(L, "sha_at", v, 1, "at %" PRId64 " %zu", c[2], idx[i]))
            goto out;
        char what[64];
        snprintf(what, sizeof what, "sha_at(a, %zu) of %zu elements (0: NULL)", idx[i], count);
        CL_CHECK_EQ(idx[i] < count ? base + ps + idx[i] * 8 : 0, v[0], what,
                    "data + i * elem_size below count, NULL from count on");
    }
    if (!sa_ask(L, "filling the segment", NULL, 0, "fill %" PRId64, c[2]) ||
        !sa_ask(L, "sha_attach", a, 11, "attach %d 8 %d", SA_TAG_A, SHA_RDWR))
        goto out;
    if (a[0] != SHA_OK) {
        CL_FAIL("sha_attach of the segment just created returned %d (errno %d: %s)", (int)a[0],
                (int)a[1], strerror((int)a[1]));
        goto detach;
    }
    CL_CHECK_EQ(0, a[9], "descriptors left open by sha_attach",
                "close the shm_open descriptor once mapped: the mapping keeps the object");
    CL_CHECK_EQ(0, a[10], "close() calls of sha_attach on a descriptor not open (EBADF)",
                "close the descriptor once: a success must not run the failure path's close too "
                "(a second close may close a descriptor another thread just opened)");
    CL_CHECK_EQ(size, a[4], "map_len after sha_attach (bytes)", "map the whole segment");
    CL_CHECK_EQ(a[3] + (int64_t)ps, a[5], "data after sha_attach", "the header's data_offset");
    CL_CHECK_EQ(count, a[7], "count after sha_attach", "the header's count");
    CL_CHECK_EQ(SHA_RDWR, a[8], "mode after sha_attach", "the mode asked for");
    if (cl_mem_region(L->pid, CL_ADDR(a[3]), size, &m) == 0)
        CL_CHECK_EQ(0, m.kb[CL_RSS], "Rss of the new mapping right after sha_attach (kB)",
                    "read the header with pread (or a mapping of its own, unmapped): attaching "
                    "touches no page of the mapping it returns");
    if (sa_ask(L, "sha_at", v, 2, "get %" PRId64 " 999", a[2]))
        CL_CHECK_EQ(1000, v[1], "element 999 read through the second mapping",
                    "both mappings are the same memory: MAP_SHARED");
    if (sa_ask(L, "sha_detach", v, 3, "detach %" PRId64, a[2])) {
        CL_CHECK_EQ(SHA_OK, v[0], "sha_detach's return value", "munmap(base, map_len)");
        CL_CHECK_EQ(0, sa_vmas(L, (uint64_t)a[3], size), "VMAs left after sha_detach",
                    "munmap the whole mapping");
        if (v[0] == SHA_OK)
            CL_CHECK_EQ(1, v[2], "struct sha_array zeroed by sha_detach (1: every byte 0)",
                        "zero *a once unmapped: a stale base must not look attached");
    }
detach:
    if (sa_ask(L, "sha_detach", v, 3, "detach %" PRId64, c[2]))
        CL_CHECK_EQ(0, sa_vmas(L, base, size), "VMAs left after the creator's sha_detach",
                    "munmap the whole mapping");
    if (sa_ask(L, "sha_unlink", v, 2, "unlink %d", SA_TAG_A)) {
        CL_CHECK_EQ(SHA_OK, v[0], "sha_unlink's return value", "shm_unlink(name)");
        if (sa_ask(L, "looking for the name", v, 1, "exists %d", SA_TAG_A))
            CL_CHECK_EQ(0, v[0], "the name in /dev/shm after sha_unlink (1: still there)",
                        "shm_unlink the name");
    }
    if (sa_ask(L, "sha_unlink", v, 2, "unlink %d", SA_TAG_A)) {
        CL_CHECK_EQ(SHA_ERR_NOENT, v[0], "sha_unlink of a name already unlinked",
                    "shm_unlink fails with ENOENT: SHA_ERR_NOENT");
        CL_CHECK_EQ(ENOENT, v[1], "errno after sha_unlink of a missing name", "ENOENT");
    }
out:
    cl_link_call(L, NULL, 0, NULL, "purge %d", SA_TAG_A);
    sa_check_widest(L, ps);
    sa_check_fd0(L);
}

/* One failing call: its code and errno, no descriptor left open, nothing left mapped. */
static void sa_check_failure(struct cl_link *L, const char *call, const int64_t *v, int want_rc,
                             int want_errno, int64_t fds, int64_t mapped, int64_t mapped_len,
                             const char *hint)
{
    char what[160];
    snprintf(what, sizeof what, "%s: return value", call);
    CL_CHECK_EQ(want_rc, v[0], what, hint);
    if (v[0] == want_rc) {
        snprintf(what, sizeof what, "%s: errno (%s)", call, strerror(want_errno));
        CL_CHECK_EQ(want_errno, v[1], what, "set errno as the code's comment in the header says");
    }
    snprintf(what, sizeof what, "%s: descriptors left open", call);
    CL_CHECK_EQ(0, fds, what, "close the shm_open descriptor on every path");
    /* A call that succeeded where it had to fail keeps its mapping, as a success does: the
     * return value above is what is wrong, not a cleanup it never had to do. */
    if (mapped && !(v[0] == SHA_OK && want_rc != SHA_OK)) {
        snprintf(what, sizeof what, "%s: VMAs left where it mapped", call);
        CL_CHECK_EQ(0, sa_vmas(L, (uint64_t)mapped, (size_t)mapped_len), what,
                    "munmap what you mapped before returning an error");
    }
}

static void sa_check_bad_names(struct cl_link *L)
{
    static const char *const fns[] = {"create", "attach", "unlink"};
    static const char *const kinds[] = {"no leading /", "a second /", "256 characters after /",
                                        "\"/\" alone", "\"\""};
    for (int f = 0; f < 3; f++)
        for (int k = 0; k < SA_BAD_NAMES; k++) {
            int64_t v[3];
            if (!sa_ask(L, "sha_create", v, 3, "%s_badname %d", fns[f], k))
                return;
            char call[96];
            snprintf(call, sizeof call, "sha_%s of a name with %s", fns[f], kinds[k]);
            sa_check_failure(L, call, v, SHA_ERR_NAME, EINVAL, v[2], 0, 0,
                             "check the name first: \"/\" then 1 to NAME_MAX characters, no "
                             "other \"/\"");
        }
}

/* A segment written by the kit (raw), attached: the code that must come back. */
static void sa_check_raw(struct cl_link *L, const char *what, uint64_t count, uint64_t size,
                         int kind, int want_rc, int want_errno, const char *hint)
{
    int64_t v[5];
    if (!sa_ask(L, "writing a test segment", NULL, 0, "raw %d %" PRIu64 " %" PRIu64 " %d",
                SA_TAG_RAW, count, size, kind) ||
        !sa_ask(L, "sha_attach", v, 5, "attach_checked %d 8 %d", SA_TAG_RAW, SHA_RDONLY))
        return;
    sa_check_failure(L, what, v, want_rc, want_errno, v[2], v[3], v[4], hint);
    cl_link_call(L, NULL, 0, NULL, "purge %d", SA_TAG_RAW);
}

/* sha_attach of an object three pages long whose header says one (0 elements): it attaches,
 * and maps what the header says, not the object's size. */
static void sa_check_longer_object(struct cl_link *L, size_t ps)
{
    int64_t v[5];
    if (!sa_ask(L, "writing a test segment", NULL, 0, "raw %d 0 %zu %d", SA_TAG_RAW, 3 * ps,
                SA_RAW_GOOD) ||
        !sa_ask(L, "sha_attach", v, 5, "attach_checked %d 8 %d", SA_TAG_RAW, SHA_RDONLY))
        return;
    CL_CHECK_EQ(SHA_OK, v[0], "sha_attach of an object longer than its header says: return value",
                "an object longer than its header says is a whole segment: attach it");
    if (v[0] == SHA_OK)
        CL_CHECK_EQ((int64_t)ps, v[4],
                    "sha_attach's map_len for an object of 3 pages whose header says 1 (bytes)",
                    "map sha_segment_size(the header's elem_size and count), not the object's "
                    "size from fstat");
    cl_link_call(L, NULL, 0, NULL, "purge %d", SA_TAG_RAW);
}

/* sha_attach of the existing segment tag where fstat, then mmap, fails. */
static void sa_check_attach_failing(struct cl_link *L, uint64_t tag)
{
    static const struct {
        int call;
        const char *what, *hint;
    } cases[] = {
        {SA_FAIL_FSTAT, "sha_attach when fstat fails (EOVERFLOW)",
         "a failed fstat is SHA_ERR_SYS with its errno: the size is unknown, not short"},
        {SA_FAIL_MMAP, "sha_attach when mmap fails (ENOMEM)",
         "a failed mmap is SHA_ERR_SYS with its errno: keep it across close"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v[5];
        if (sa_ask(L, "sha_attach", v, 5, "attach_failing %" PRIu64 " %d", tag, cases[i].call))
            sa_check_failure(L, cases[i].what, v, SHA_ERR_SYS, sa_fail_errno(cases[i].call), v[2],
                             v[3], v[4], cases[i].hint);
    }
}

/* sha_detach of the array in slot where munmap fails, of NULL and of a zeroed struct. */
static void sa_check_detach_errors(struct cl_link *L, int64_t slot)
{
    int64_t v[3];
    if (sa_ask(L, "sha_detach", v, 3, "detach_failing %" PRId64, slot)) {
        const char *call = "sha_detach when munmap fails (EINVAL)";
        sa_check_failure(L, call, v, SHA_ERR_SYS, sa_fail_errno(SA_FAIL_MUNMAP), 0, 0, 0,
                         "a failed munmap is SHA_ERR_SYS with munmap's errno");
        CL_CHECK_EQ(1, v[2], "the struct sha_array after sha_detach failed (1: unchanged)",
                    "zero *a only once munmap succeeded: the mapping is still there");
    }
    static const char *const what[] = {"sha_detach(NULL)",
                                       "sha_detach of a zeroed struct (never filled)"};
    for (int k = SA_DETACH_NULL; k <= SA_DETACH_ZEROED; k++)
        if (sa_ask(L, "sha_detach", v, 2, "detach_bad %d", k))
            sa_check_failure(L, what[k], v, SHA_ERR_ARG, EINVAL, 0, 0, 0,
                             "check a and a->base first: SHA_ERR_ARG with EINVAL");
}

/* sha_map_anonymous where mmap, then madvise, fails: NULL, the call's errno, nothing mapped. */
static void sa_check_anon_failing(struct cl_link *L)
{
    static const struct {
        int call;
        const char *what;
    } cases[] = {
        {SA_FAIL_MMAP, "sha_map_anonymous(4) when mmap fails (ENOMEM)"},
        {SA_FAIL_MADVISE, "sha_map_anonymous(4) when madvise fails (EINVAL)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v[4];
        if (!sa_ask(L, "sha_map_anonymous", v, 4, "anon_failing 4 %d", cases[i].call))
            continue;
        char what[160];
        snprintf(what, sizeof what, "%s: the address returned (0: NULL)", cases[i].what);
        CL_CHECK_EQ(0, v[0], what, "return NULL when mmap or madvise fails");
        if (v[0] == 0) {
            snprintf(what, sizeof what, "%s: errno", cases[i].what);
            CL_CHECK_EQ(sa_fail_errno(cases[i].call), v[1], what,
                        "keep the failed call's errno (save it across munmap)");
        }
        if (v[2]) {
            snprintf(what, sizeof what, "%s: VMAs left where it mapped", cases[i].what);
            CL_CHECK_EQ(0, sa_vmas(L, (uint64_t)v[2], (size_t)v[3]), what,
                        "munmap what you mapped before returning NULL");
        }
    }
}

static void test_errors(void)
{
    struct cl_link *L = cl_lab_subject();
    size_t ps = cl_page_size();
    int64_t v[9], w[9];
    sa_check_bad_names(L);
    /* A name taken: the first segment stays whole. */
    if (!sa_ask(L, "sha_create", v, 9, "create %d 8 16", SA_TAG_B))
        return;
    if (v[0] != SHA_OK) {
        CL_FAIL("sha_create returned %d (errno %d: %s)", (int)v[0], (int)v[1], strerror((int)v[1]));
        goto out;
    }
    if (sa_ask(L, "sha_create", w, 9, "create %d 8 32", SA_TAG_B))
        sa_check_failure(L, "sha_create of a name taken", w, SHA_ERR_EXISTS, EEXIST, 0, 0, 0,
                         "shm_open with O_CREAT | O_EXCL fails with EEXIST: do not unlink a "
                         "name you did not create");
    struct sha_header h;
    if (cl_link_peek(L->pid, (uint64_t)v[3], &h, sizeof h) == 0)
        CL_CHECK_EQ(16, h.count, "the first segment's count after a second sha_create failed",
                    "a failed create must not touch the existing segment");
    int64_t c[5];
    if (sa_ask(L, "sha_attach", c, 5, "attach_checked %d 4 %d", SA_TAG_B, SHA_RDONLY))
        sa_check_failure(L, "sha_attach with elem_size 4 of an 8-byte segment", c, SHA_ERR_SIZE,
                         EINVAL, c[2], c[3], c[4], "compare the header's elem_size");
    if (sa_ask(L, "sha_attach", c, 5, "attach_checked %d 8 7", SA_TAG_B))
        sa_check_failure(L, "sha_attach with mode 7", c, SHA_ERR_ARG, EINVAL, c[2], c[3], c[4],
                         "SHA_RDONLY, SHA_RDWR or SHA_PRIVATE only");
    if (sa_ask(L, "sha_attach", c, 5, "attach_checked %d 0 %d", SA_TAG_B, SHA_RDONLY))
        sa_check_failure(L, "sha_attach with elem_size 0", c, SHA_ERR_ARG, EINVAL, c[2], c[3], c[4],
                         "elem_size 0 is an argument error, checked before shm_open");
    sa_check_attach_failing(L, SA_TAG_B);
    sa_check_detach_errors(L, v[2]);
    cl_link_call(L, NULL, 0, NULL, "detach %" PRId64, v[2]);
    cl_link_call(L, NULL, 0, NULL, "purge %d", SA_TAG_B);
    if (sa_ask(L, "sha_attach", c, 5, "attach_checked %d 8 %d", SA_TAG_B, SHA_RDONLY))
        sa_check_failure(L, "sha_attach of a name that does not exist", c, SHA_ERR_NOENT, ENOENT,
                         c[2], c[3], c[4], "shm_open fails with ENOENT: SHA_ERR_NOENT");
    if (sa_ask(L, "sha_create", w, 9, "create %d 0 16", SA_TAG_B)) {
        sa_check_failure(L, "sha_create with elem_size 0", w, SHA_ERR_ARG, EINVAL, 0, 0, 0,
                         "check the sizes before shm_open");
        if (sa_ask(L, "looking for the name", c, 1, "exists %d", SA_TAG_B))
            CL_CHECK_EQ(0, c[0], "the name after sha_create with elem_size 0 (1: made)",
                        "check the sizes before shm_open: nothing half made");
    }
    sa_check_raw(L, "sha_attach of a segment with a bad magic", 100, 2 * ps, SA_RAW_BAD_MAGIC,
                 SHA_ERR_MAGIC, EPROTO, "compare the first 8 bytes with SHA_MAGIC");
    sa_check_raw(L, "sha_attach of a segment of version 2", 100, 2 * ps, SA_RAW_BAD_VERSION,
                 SHA_ERR_VERSION, EPROTO, "compare the version with SHA_VERSION");
    sa_check_raw(L, "sha_attach of a segment shorter than its header says", 10 * ps / 8, 6 * ps,
                 SA_RAW_GOOD, SHA_ERR_TRUNCATED, EIO,
                 "fstat the object: its size must be at least sha_segment_size of the header's "
                 "sizes, or a read past its end is a SIGBUS");
    sa_check_raw(L, "sha_attach of an object smaller than a header page", 1, 16, SA_RAW_GOOD,
                 SHA_ERR_TRUNCATED, EIO, "fstat the object before reading its header");
    sa_check_raw(L, "sha_attach of a whole segment written by hand", 10 * ps / 8, 11 * ps,
                 SA_RAW_GOOD, SHA_OK, 0, "a segment with a good header and its full size");
    sa_check_raw(L, "sha_attach of a segment of 0 elements (its header page alone)", 0, ps,
                 SA_RAW_GOOD, SHA_OK, 0,
                 "an object of exactly one page holds a whole header: short means below a page");
    sa_check_longer_object(L, ps);
    sa_check_anon_failing(L);
out:
    cl_link_call(L, NULL, 0, NULL, "purge %d", SA_TAG_B);
}

static void test_create_failures(void)
{
    struct cl_link *L = cl_lab_subject();
    int64_t v[6];
    /* The name is checked only after a failure: a call that succeeded where it had to fail
     * keeps its name, as a success does, and its return value says what is wrong. */
    if (sa_ask(L, "sha_create", v, 6, "create_failing %d %d", SA_TAG_FAIL, SA_FAIL_FALLOCATE)) {
        sa_check_failure(L, "sha_create when /dev/shm is full (posix_fallocate: ENOSPC)", v,
                         SHA_ERR_NOSPC, ENOSPC, v[3], v[4], v[5],
                         v[0] == SHA_OK
                             ? "it succeeded although posix_fallocate fails here: call "
                               "posix_fallocate over the whole segment and check the error it "
                               "returns (it does not set errno): ENOSPC is SHA_ERR_NOSPC"
                             : "posix_fallocate returns the error (it does not set errno): "
                               "ENOSPC is SHA_ERR_NOSPC");
        if (v[0] != SHA_OK)
            CL_CHECK_EQ(0, v[2],
                        "the name left after sha_create failed for want of space (1: left)",
                        "shm_unlink the name you created before returning an error");
    }
    if (sa_ask(L, "sha_create", v, 6, "create_failing %d %d", SA_TAG_FAIL, SA_FAIL_FTRUNCATE)) {
        sa_check_failure(L, "sha_create when ftruncate fails (EFBIG)", v, SHA_ERR_SYS, EFBIG, v[3],
                         v[4], v[5], "check ftruncate's return value: SHA_ERR_SYS with its errno");
        if (v[0] != SHA_OK)
            CL_CHECK_EQ(0, v[2], "the name left after sha_create's ftruncate failed (1: left)",
                        "shm_unlink the name you created before returning an error");
    }
    if (sa_ask(L, "sha_create", v, 6, "create_failing %d %d", SA_TAG_FAIL, SA_FAIL_MMAP)) {
        sa_check_failure(L, "sha_create when mmap fails (ENOMEM)", v, SHA_ERR_SYS, ENOMEM, v[3], 0,
                         0, "keep mmap's errno: save it before close and shm_unlink");
        if (v[0] != SHA_OK)
            CL_CHECK_EQ(0, v[2], "the name left after sha_create's mmap failed (1: left)",
                        "shm_unlink the name you created before returning an error");
    }
    cl_link_call(L, NULL, 0, NULL, "purge %d", SA_TAG_FAIL);
}

static void test_readers(void)
{
    for (int k = 1; k <= 3; k++)
        CL_RUN_AND_CHECK("readers", sa_exp_readers(r, k));
}

static void test_creator_private(void)
{
    CL_RUN_AND_CHECK("creator_alone", sa_exp_creator_alone(r));
}

static void test_fault_around(void)
{
    CL_RUN_AND_CHECK("fault_around", sa_exp_fault_around(r, 3, 5, 40));
}

static void test_one_writer(void)
{
    CL_RUN_AND_CHECK("one_writer", sa_exp_one_writer(r, 3));
}

static void test_map_private(void)
{
    CL_RUN_AND_CHECK("map_private", sa_exp_map_private(r, 7));
}

static void test_anon_fork(void)
{
    CL_RUN_AND_CHECK("anon_fork", sa_exp_anon_fork(r, 2));
}

static void test_lifecycle(void)
{
    CL_RUN_AND_CHECK("lifecycle", sa_exp_lifecycle(r));
}

/* Memory hygiene: the pure tests again under valgrind's memcheck (harness/hygiene.c). */
static void test_hygiene(void)
{
    cl_hygiene_test();
}

static const struct cl_test sa_tests[] = {
#include "cowlab/tests-table.h"
};

static int sa_run_experiments(struct cl_results *r)
{
    int rc = 0;
    for (int k = 1; k <= 6; k++)
        rc |= sa_exp_readers(r, k);
    rc |= sa_exp_creator_alone(r);
    rc |= sa_exp_fault_around(r, 4, 5, 40);
    rc |= sa_exp_one_writer(r, 3);
    rc |= sa_exp_map_private(r, 7);
    rc |= sa_exp_anon_fork(r, 2);
    rc |= sa_exp_lifecycle(r);
    return rc ? -1 : 0;
}

const struct cl_lab cl_this_lab = {
#include "cowlab/tests-lab.h"
    .slug = "03-shm-arrays",
    .tests = sa_tests,
    .ntests = sizeof sa_tests / sizeof sa_tests[0],
    .run_experiments = sa_run_experiments,
    .summary = {{"creator", "Rss", "Rss cr"},
                {"creator", "Pss", "Pss cr"},
                {"worker1", "Pss", "Pss w1"},
                {"worker1", "Private_Dirty", "PrivD w1"}},
};
