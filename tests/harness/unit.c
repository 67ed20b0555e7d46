/*
 * unit.c — the harness's own tests (CUnit): parsers on fixture files, the kernel's PSS
 * arithmetic, the copy-on-write model, the team barrier, the sandbox, the escapers, the lab
 * registry. Prints "  ok NAME" / "  FAIL NAME" per test and "harness: N passed, N failed".
 * Run from the kit's folder (fixtures are found by relative path).
 */
#include "cowlab/csv.h"
#include "cowlab/escape.h"
#include "cowlab/json.h"
#include "cowlab/lab.h"
#include "cowlab/labs.h"
#include "cowlab/link.h"
#include "cowlab/mem.h"
#include "cowlab/memcheck.h"
#include "cowlab/model.h"
#include "cowlab/probe.h"
#include "cowlab/record.h"
#include "cowlab/results.h"
#include "cowlab/sandbox.h"
#include "cowlab/team.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define FIX "tests/harness/fixtures/"

static int parse_file(const char *path, uintptr_t lo, uintptr_t hi, struct cl_mem *m)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        CL_FAIL("cannot open %s", path);
        return -1;
    }
    int rc = cl_mem_parse_fd(fd, lo, hi, m);
    close(fd);
    return rc;
}

#define HAS(m, f) (((m).have >> (f)) & 1u)

static void t_parse_rollup_6_18(void)
{
    struct cl_mem m;
    CL_CHECK_EQ(0, parse_file(FIX "rollup-6.18.txt", 0, 0, &m), "parse", "");
    CL_CHECK_EQ(2192, m.kb[CL_RSS], "Rss", "");
    CL_CHECK_EQ(1162, m.kb[CL_PSS], "Pss", "");
    CL_CHECK_EQ(160, m.kb[CL_PSS_DIRTY], "Pss_Dirty", "");
    CL_CHECK_EQ(160, m.kb[CL_PSS_ANON], "Pss_Anon", "");
    CL_CHECK_EQ(1002, m.kb[CL_PSS_FILE], "Pss_File", "");
    CL_CHECK_EQ(160, m.kb[CL_PRIVATE_DIRTY], "Private_Dirty", "");
    CL_CHECK_EQ(1, HAS(m, CL_PSS_SHMEM), "Pss_Shmem present on 6.18", "");
    CL_CHECK_EQ(1, m.vmas, "one [rollup] block", "");
}

static void t_parse_rollup_4_14(void)
{
    struct cl_mem m;
    CL_CHECK_EQ(0, parse_file(FIX "rollup-4.14.txt", 0, 0, &m), "parse", "");
    CL_CHECK_EQ(1000, m.kb[CL_RSS], "Rss", "");
    CL_CHECK_EQ(600, m.kb[CL_PSS], "Pss", "");
    CL_CHECK_EQ(0, HAS(m, CL_PSS_ANON), "Pss_Anon absent before 5.3", "");
    CL_CHECK_EQ(0, HAS(m, CL_PSS_DIRTY), "Pss_Dirty absent before 6.0", "");
    CL_CHECK_EQ(1, HAS(m, CL_PRIVATE_DIRTY), "Private_Dirty present", "");
}

static void t_parse_region_filter(void)
{
    struct cl_mem m;
    /* two adjacent anonymous VMAs make up the range: both are summed, nothing else */
    CL_CHECK_EQ(0, parse_file(FIX "smaps-regions.txt", 0x7f0000000000, 0x7f0000800000, &m), "parse",
                "");
    CL_CHECK_EQ(2, m.vmas, "VMAs in range", "");
    CL_CHECK_EQ(4, m.blocks, "blocks in the file", "");
    CL_CHECK_EQ(8192, m.kb[CL_SIZE], "Size", "");
    CL_CHECK_EQ(7168, m.kb[CL_RSS], "Rss", "");
    CL_CHECK_EQ(6144, m.kb[CL_PSS], "Pss", "");
    CL_CHECK_EQ(2048, m.kb[CL_SHARED_DIRTY], "Shared_Dirty", "");
    CL_CHECK_EQ(5120, m.kb[CL_PRIVATE_DIRTY], "Private_Dirty", "");
    CL_CHECK_EQ(2048, m.kb[CL_ANON_HUGE], "AnonHugePages", "");
    /* a range inside one VMA reports that whole VMA: Size tells */
    CL_CHECK_EQ(0, parse_file(FIX "smaps-regions.txt", 0x7f0000100000, 0x7f0000200000, &m), "parse",
                "");
    CL_CHECK_EQ(1, m.vmas, "VMAs overlapping a sub-range", "");
    CL_CHECK_EQ(4096, m.kb[CL_SIZE], "Size of the covering VMA", "");
    /* the block after a 9000-character path line is still parsed in step */
    CL_CHECK_EQ(0, parse_file(FIX "smaps-regions.txt", 0x7f0000800000, 0x7f0000801000, &m), "parse",
                "");
    CL_CHECK_EQ(4, m.kb[CL_RSS], "Rss of the VMA behind the long path", "");
    CL_CHECK_EQ(1, m.kb[CL_PSS], "Pss of the VMA behind the long path", "");
    /* the whole file: unknown fields (FooBar, THPeligible, VmFlags) are ignored */
    CL_CHECK_EQ(0, parse_file(FIX "smaps-regions.txt", 0, 0, &m), "parse", "");
    CL_CHECK_EQ(8 + 4096 + 4096 + 4, m.kb[CL_SIZE], "Size summed over every VMA", "");
}

static void t_parse_nameless(void)
{
    /* the fixture has two nameless anonymous VMAs (Pss 2048 + 4096) among file mappings */
    int fd = open(FIX "smaps-regions.txt", O_RDONLY);
    struct cl_mem m;
    CL_CHECK_EQ(0, cl_mem_parse_nameless_fd(fd, &m), "parse nameless", "");
    close(fd);
    CL_CHECK_EQ(2, m.vmas, "nameless anonymous VMAs", "file mappings and the long path are not");
    CL_CHECK_EQ(6144, m.kb[CL_PSS], "their Pss", "");
    CL_CHECK_EQ(0, cl_mem_nameless(0, &m), "cl_mem_nameless(self)", "");
    CL_CHECK_EQ(1, m.vmas >= 1, "this process has nameless mappings", "");
    struct cl_mem all, roll;
    CL_CHECK_EQ(0, cl_mem_mappings(0, &all), "cl_mem_mappings(self)", "");
    CL_CHECK_EQ(1, all.vmas > m.vmas, "every mapping outnumbers the nameless ones", "");
    if (cl_mem_process(0, &roll) == 0)
        CL_CHECK_EQ(1, roll.kb[CL_RSS] >= m.kb[CL_RSS], "rollup Rss covers the nameless part", "");
}

static void t_parse_malformed(void)
{
    struct cl_mem m;
    errno = 0;
    CL_CHECK_EQ(-1, parse_file(FIX "smaps-malformed.txt", 0, 0, &m), "malformed header", "");
    CL_CHECK_EQ(EIO, errno, "errno", "");
    CL_CHECK_EQ(0, m.kb[CL_RSS], "output zeroed on error", "");
}

static void t_measure_live_region(void)
{
    size_t ps = cl_page_size(), n = 64;
    unsigned char *p =
        mmap(NULL, n * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        CL_FAIL("mmap");
        return;
    }
    madvise(p, n * ps, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < n; i += 2)
        p[i * ps] = 1;
    struct cl_mem m;
    CL_CHECK_EQ(0, cl_mem_region(0, p, n * ps, &m), "cl_mem_region(self)", "");
    CL_CHECK_EQ(n * ps / 1024, m.kb[CL_SIZE], "Size", "");
    CL_CHECK_EQ(n / 2 * ps / 1024, m.kb[CL_RSS], "Rss: every other page written", "");
    CL_CHECK_EQ(n / 2 * ps / 1024, m.kb[CL_PRIVATE_DIRTY], "Private_Dirty", "");
    struct cl_page pg[64];
    CL_CHECK_EQ(0, cl_pages(0, p, n, pg), "cl_pages(self)", "");
    int present = 0, excl = 0;
    for (size_t i = 0; i < n; i++) {
        present += pg[i].present;
        excl += pg[i].exclusive;
    }
    CL_CHECK_EQ(n / 2, present, "present pages", "");
    CL_CHECK_EQ(n / 2, excl, "exclusively mapped pages", "");
    CL_CHECK_EQ(0, cl_mem_process(0, &m), "cl_mem_process(self)", "");
    CL_CHECK_EQ(1, m.kb[CL_RSS] >= n / 2 * ps / 1024, "process Rss covers the buffer", "");
    munmap(p, n * ps);
}

/* cl_mem_regions: one reading of smaps gives each region what cl_mem_region gives it, in any
 * order of the ranges; a bad count is EINVAL. */
static void t_measure_regions(void)
{
    size_t ps = cl_page_size();
    unsigned char *a =
        mmap(NULL, 48 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) {
        CL_FAIL("mmap");
        return;
    }
    mprotect(a + 16 * ps, 16 * ps, PROT_NONE); /* three VMAs: 16 pages, a gap, 16 pages */
    madvise(a, 48 * ps, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < 16; i++)
        a[i * ps] = 1;
    for (size_t i = 32; i < 48; i += 4)
        a[i * ps] = 1;
    struct cl_range r[3] = {{a + 32 * ps, 16 * ps}, {a, 16 * ps}, {a, 48 * ps}};
    struct cl_mem many[3], one;
    CL_CHECK_EQ(0, cl_mem_regions(0, r, 3, many), "cl_mem_regions(self, 3 ranges)", "");
    for (int i = 0; i < 3; i++) {
        CL_CHECK_EQ(0, cl_mem_region(0, r[i].addr, r[i].len, &one), "cl_mem_region(self)", "");
        for (int f = 0; f < CL_NFIELDS; f++)
            CL_CHECK_EQ(one.kb[f], many[i].kb[f], cl_mem_field_names[f],
                        "cl_mem_regions must equal cl_mem_region range by range");
        CL_CHECK_EQ(one.vmas, many[i].vmas, "VMAs summed", "");
    }
    CL_CHECK_EQ(4 * ps / 1024, many[0].kb[CL_RSS], "Rss of the last 16 pages (every 4th written)",
                "");
    CL_CHECK_EQ(16 * ps / 1024, many[1].kb[CL_RSS], "Rss of the first 16 pages", "");
    CL_CHECK_EQ(3, many[2].vmas, "the whole range spans three VMAs", "");
    unsigned char *sh =
        mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh != MAP_FAILED) {
        CL_CHECK_EQ(0, cl_mem_region(0, sh, 4 * ps, &one), "cl_mem_region(a MAP_SHARED map)", "");
        CL_CHECK_EQ(1, one.shared_vmas, "MAP_SHARED mappings (VmFlags ms)", "");
        CL_CHECK_EQ(1, one.writable_vmas, "writable mappings (VmFlags wr)", "");
        mprotect(sh, 4 * ps, PROT_READ);
        CL_CHECK_EQ(0, cl_mem_region(0, sh, 4 * ps, &one), "cl_mem_region(made read-only)", "");
        CL_CHECK_EQ(0, one.writable_vmas, "writable mappings once read-only", "");
        CL_CHECK_EQ(0, many[2].shared_vmas, "MAP_SHARED mappings among the private ones", "");
        munmap(sh, 4 * ps);
    }
    errno = 0;
    CL_CHECK_EQ(-1, cl_mem_regions(0, r, 0, many), "cl_mem_regions with no range", "");
    CL_CHECK_EQ(EINVAL, errno, "errno", "");
    CL_CHECK_EQ(-1, cl_mem_regions(0, r, CL_MEM_MAX_RANGES + 1, many), "too many ranges", "");
    munmap(a, 48 * ps);
}

static void t_measure_vanished(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    struct cl_mem m;
    struct cl_page pg;
    errno = 0;
    CL_CHECK_EQ(-1, cl_mem_process(pid, &m), "cl_mem_process of a reaped pid", "");
    CL_CHECK_EQ(ESRCH, errno, "errno", "a vanished process is ESRCH");
    errno = 0;
    CL_CHECK_EQ(-1, cl_mem_region(pid, &m, 4096, &m), "cl_mem_region of a reaped pid", "");
    CL_CHECK_EQ(ESRCH, errno, "errno", "");
    CL_CHECK_EQ(-1, cl_pages(pid, &m, 1, &pg), "cl_pages of a reaped pid", "");
}

static void t_page_decode(void)
{
    struct cl_page p = cl_page_decode((UINT64_C(1) << 63) | (UINT64_C(1) << 56) | 0x1234);
    CL_CHECK_EQ(1, p.present, "present", "");
    CL_CHECK_EQ(1, p.exclusive, "exclusive", "");
    CL_CHECK_EQ(0, p.swapped, "swapped", "");
    CL_CHECK_EQ(0x1234, p.pfn, "pfn", "");
    p = cl_page_decode((UINT64_C(1) << 62) | 0x77);
    CL_CHECK_EQ(0, p.present, "swapped page: not present", "");
    CL_CHECK_EQ(0, p.pfn, "a swap entry is no PFN", "");
}

static void t_pss_arithmetic(void)
{
    /* Powers of two are exact; 3 mappers lose 1/3 of an accumulator unit per page. */
    CL_CHECK_EQ(8192, cl_model_pss_uniform_kb(4096, 2, 4096), "4096 pages, 2 mappers", "");
    CL_CHECK_EQ(5461, cl_model_pss_uniform_kb(4096, 3, 4096), "4096 pages, 3 mappers", "");
    CL_CHECK_EQ(5463, cl_model_pss_uniform_kb(4098, 3, 4096),
                "4098 pages, 3 mappers: 16392/3 = 5464 exactly, the kernel prints 5463", "");
    CL_CHECK_EQ(3, cl_model_pss_uniform_kb(3, 3, 4096), "3 pages, 3 mappers: 4 exactly -> 3", "");
    CL_CHECK_EQ(1398101, cl_model_pss_uniform_kb(1u << 20, 3, 4096), "1M pages, 3 mappers", "");
    CL_CHECK_EQ(0, cl_model_pss_uniform_kb(100, 0, 4096), "nothing resident", "");
    unsigned mc[4] = {1, 2, 0, 4};
    CL_CHECK_EQ(4 + 2 + 1, cl_model_pss_kb(mc, 4, 4096), "mixed mapcounts", "");
}

static void t_cow_model(void)
{
    /* FACTS.md, verified by hand: 16 MiB written, fork, the child writes every 4th page:
     * both Pss 10240 kB, Private_Dirty 4096 kB, Shared_Dirty 12288 kB. */
    struct cl_cow *c = cl_cow_new(4096, 2, CL_READ_ZERO_PAGE);
    for (size_t i = 0; i < 4096; i++)
        cl_cow_write(c, 0, i);
    cl_cow_fork(c, 0, 1);
    for (size_t i = 0; i < 4096; i += 4)
        cl_cow_write(c, 1, i);
    struct cl_mem m;
    for (unsigned p = 0; p < 2; p++) {
        cl_cow_region(c, p, 4096, &m);
        CL_CHECK_EQ(10240, m.kb[CL_PSS], "Pss", "");
        CL_CHECK_EQ(4096, m.kb[CL_PRIVATE_DIRTY], "Private_Dirty", "");
        CL_CHECK_EQ(12288, m.kb[CL_SHARED_DIRTY], "Shared_Dirty", "");
    }
    /* a page written again by its sole mapper is written in place */
    cl_cow_write(c, 1, 0);
    CL_CHECK_EQ(1, cl_cow_mapcount(c, 1, 0), "rewrite keeps the private copy", "");
    /* the parent writes page 0 too: it already maps it alone, no copy */
    cl_cow_write(c, 0, 0);
    CL_CHECK_EQ(CL_PAGE_PRIVATE, cl_cow_state(c, 0, 0), "parent's page 0", "");
    /* the child exits: every page is the parent's alone */
    cl_cow_exit(c, 1);
    cl_cow_region(c, 0, 4096, &m);
    CL_CHECK_EQ(16384, m.kb[CL_PRIVATE_DIRTY], "after the child's exit", "");
    cl_cow_free(c);
    /* reads of never-written pages map the zero page: nothing counted */
    c = cl_cow_new(8, 2, CL_READ_ZERO_PAGE);
    cl_cow_read(c, 0, 3);
    CL_CHECK_EQ(CL_PAGE_ZERO, cl_cow_state(c, 0, 3), "zero page after a read", "");
    cl_cow_fork(c, 0, 1);
    CL_CHECK_EQ(CL_PAGE_ZERO, cl_cow_state(c, 1, 3), "fork copies the zero mapping", "");
    cl_cow_write(c, 1, 3);
    CL_CHECK_EQ(CL_PAGE_PRIVATE, cl_cow_state(c, 1, 3), "writing it gives a fresh page", "");
    cl_cow_region(c, 0, 4096, &m);
    CL_CHECK_EQ(0, m.kb[CL_RSS], "zero page: no Rss", "");
    CL_CHECK_EQ(CL_PAGE_SHARED, cl_page_state_visible(CL_PAGE_ZERO, false),
                "without PFNs the zero page looks shared", "");
    cl_cow_free(c);
}

/* The model under each read-fault behaviour and page size the probe can report. The
 * no-zero-page numbers are FACTS.md's (a 16 MiB region only read: Rss 16384 kB, all of it
 * Private_Dirty / Pss_Dirty), scaled by page size; 16 and 64 KiB pages are arm64's. */
static void t_cow_model_variants(void)
{
    static const size_t sizes[] = {4096, 16384, 65536};
    for (size_t s = 0; s < 3; s++) {
        size_t ps = sizes[s], kb = ps / 1024, n = (16u << 20) / ps;
        for (int rf = CL_READ_ZERO_PAGE; rf <= CL_READ_FRESH_CLEAN; rf++) {
            struct cl_cow *c = cl_cow_new(n, 3, (enum cl_read_fault)rf);
            for (size_t i = 0; i < n; i++)
                cl_cow_read(c, 0, i);
            struct cl_mem m;
            cl_cow_region(c, 0, ps, &m);
            uint64_t own = rf == CL_READ_ZERO_PAGE ? 0 : 16384;
            CL_CHECK_EQ(own, m.kb[CL_RSS], "Rss of 16 MiB only read", "");
            CL_CHECK_EQ(rf == CL_READ_FRESH_DIRTY ? own : 0, m.kb[CL_PRIVATE_DIRTY],
                        "Private_Dirty of 16 MiB only read", "");
            CL_CHECK_EQ(rf == CL_READ_FRESH_CLEAN ? own : 0, m.kb[CL_PRIVATE_CLEAN],
                        "Private_Clean of 16 MiB only read", "");
            /* two children: they share what the parent's reads mapped */
            cl_cow_fork(c, 0, 1);
            cl_cow_fork(c, 0, 2);
            for (size_t i = 0; i < n; i++)
                cl_cow_read(c, 1, i);
            cl_cow_region(c, 1, ps, &m);
            CL_CHECK_EQ(own, m.kb[CL_RSS], "child's Rss after reading the parent's pages", "");
            CL_CHECK_EQ(cl_model_pss_uniform_kb(own ? n : 0, 3, ps), m.kb[CL_PSS],
                        "child's Pss: three mappers", "");
            CL_CHECK_EQ(rf == CL_READ_ZERO_PAGE ? CL_PAGE_ZERO : CL_PAGE_SHARED,
                        cl_cow_state(c, 1, 0), "page state after fork", "");
            /* a child writes page 0: a private dirty copy, whatever the original was */
            cl_cow_write(c, 2, 0);
            cl_cow_region(c, 2, ps, &m);
            CL_CHECK_EQ(kb, m.kb[CL_PRIVATE_DIRTY], "the writer's copy is dirty", "");
            cl_cow_free(c);
        }
        /* the parent alone reads pages nobody wrote, then writes one: in place, dirty */
        struct cl_cow *c = cl_cow_new(4, 1, CL_READ_FRESH_CLEAN);
        cl_cow_read(c, 0, 1);
        cl_cow_write(c, 0, 1);
        struct cl_mem m;
        cl_cow_region(c, 0, ps, &m);
        CL_CHECK_EQ(kb, m.kb[CL_PRIVATE_DIRTY], "a clean read page written in place", "");
        CL_CHECK_EQ(0, m.kb[CL_PRIVATE_CLEAN], "no clean page left", "");
        cl_cow_free(c);
    }
}

/*
 * Model fixtures: tests/harness/capture.c's scenario as a real kernel printed it (one file per
 * kernel of the matrix in FIX "kernels/"), replayed in the model with the fixture's own facts.
 * Every smaps field the model sets, and every page's pagemap state, must match exactly.
 */
enum { FIXTURE_PAGES = 64 };

/* The scenario of capture.c, step by step, in the model: stage 1 is everything up to the
 * first snapshot, stage 2 worker 1's exit. */
static void fixture_replay(struct cl_cow *c, int stage)
{
    if (stage == 1) {
        for (size_t i = 0; i <= 31; i++)
            cl_cow_write(c, 0, i);
        for (size_t i = 32; i <= 47; i++)
            cl_cow_read(c, 0, i);
        cl_cow_fork(c, 0, 1);
        cl_cow_fork(c, 0, 2);
        for (size_t i = 0; i <= 7; i++)
            cl_cow_write(c, 1, i);
        for (size_t i = 48; i <= 55; i++)
            cl_cow_read(c, 1, i);
        for (size_t i = 8; i <= 11; i++)
            cl_cow_write(c, 2, i);
        for (size_t i = 32; i <= 35; i++)
            cl_cow_read(c, 2, i);
    } else {
        cl_cow_exit(c, 2);
    }
}

static const char *const fixture_state_names[] = {"absent", "shared", "private", "zero page"};

/* One smaps block (lines of a fixture) against the model's numbers for process slot p. */
static int fixture_smaps(const char *name, int snap, int p, const char *block,
                         const struct cl_cow *c, size_t ps)
{
    int fd = memfd_create("smaps", 0);
    struct cl_mem got, want;
    if (fd < 0 || write(fd, block, strlen(block)) != (ssize_t)strlen(block) ||
        lseek(fd, 0, SEEK_SET) != 0 || cl_mem_parse_fd(fd, 0, 0, &got) < 0 || got.vmas != 1) {
        CL_FAIL("%s: snapshot %d, process %d: not one parsable smaps block", name, snap, p);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    cl_cow_region(c, (unsigned)p, ps, &want);
    int bad = 0;
    for (int f = 0; f < CL_NFIELDS; f++) {
        if (!HAS(want, f) || !HAS(got, f) || want.kb[f] == got.kb[f])
            continue;
        CL_FAIL("%s: snapshot %d, process %d: %s is %llu kB, the model says %llu kB", name, snap, p,
                cl_mem_field_names[f], (unsigned long long)got.kb[f],
                (unsigned long long)want.kb[f]);
        bad = 1;
    }
    if (!HAS(got, CL_RSS) || !HAS(got, CL_PSS) || !HAS(got, CL_PRIVATE_DIRTY)) {
        CL_FAIL("%s: snapshot %d, process %d: no Rss, Pss or Private_Dirty", name, snap, p);
        bad = 1;
    }
    return -bad;
}

/* One pagemap line ("E E ...", FIXTURE_PAGES hex entries) against the model's page states. */
static int fixture_pagemap(const char *name, int snap, int p, const char *entries,
                           const struct cl_cow *c, uint64_t zero_pfn)
{
    const char *q = entries;
    for (size_t i = 0; i < FIXTURE_PAGES; i++) {
        char *end;
        errno = 0;
        uint64_t e = strtoull(q, &end, 16);
        if (end == q || errno) {
            CL_FAIL("%s: snapshot %d, process %d: pagemap entry %zu missing", name, snap, p, i);
            return -1;
        }
        q = end;
        struct cl_page pg = cl_page_decode(e);
        enum cl_page_state got = cl_page_state_of(&pg, zero_pfn);
        enum cl_page_state want =
            cl_page_state_visible(cl_cow_state(c, (unsigned)p, i), zero_pfn != 0);
        if (got != want) {
            CL_FAIL("%s: snapshot %d, process %d, page %zu: pagemap shows %s, the model says %s",
                    name, snap, p, i, fixture_state_names[got], fixture_state_names[want]);
            return -1;
        }
    }
    return 0;
}

/* Check one fixture file. Returns the number of snapshots it held that matched, -1 if any did
 * not (each difference is a CUnit failure). */
static int fixture_check(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        CL_FAIL("cannot open %s", path);
        return -1;
    }
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char line[4096], rf[32] = "", block[8192];
    size_t ps = 0;
    uint64_t zero_pfn = 0;
    struct cl_cow *c = NULL;
    int snap = 0, bad = 0, slot = -1, done = 0;
    while (fgets(line, sizeof line, f)) {
        char val[64];
        if (sscanf(line, "fact page_size %zu", &ps) == 1 ||
            sscanf(line, "fact read_fault %31s", rf) == 1 ||
            sscanf(line, "fact zero_pfn %" SCNu64, &zero_pfn) == 1 ||
            sscanf(line, "fact %*s %63s", val) == 1)
            continue;
        if (sscanf(line, "snapshot %d", &snap) == 1) {
            if (!c) {
                enum cl_read_fault mode = strcmp(rf, "fresh_dirty") == 0   ? CL_READ_FRESH_DIRTY
                                          : strcmp(rf, "fresh_clean") == 0 ? CL_READ_FRESH_CLEAN
                                                                           : CL_READ_ZERO_PAGE;
                if (ps == 0 || ps % 1024 || !rf[0] || !(c = cl_cow_new(FIXTURE_PAGES, 3, mode))) {
                    CL_FAIL("%s: no page_size or read_fault fact before the first snapshot", name);
                    bad = 1;
                    break;
                }
            }
            fixture_replay(c, snap);
        } else if (sscanf(line, "smaps %d", &slot) == 1 && c) {
            block[0] = '\0';
            while (fgets(line, sizeof line, f) && strcmp(line, "end\n") != 0)
                if (strlen(block) + strlen(line) < sizeof block)
                    strcat(block, line);
            bad |= fixture_smaps(name, snap, slot, block, c, ps) < 0;
        } else if (strncmp(line, "pagemap ", 8) == 0 && c) {
            char *end;
            slot = (int)strtol(line + 8, &end, 10);
            bad |= fixture_pagemap(name, snap, slot, end, c, zero_pfn) < 0;
        } else if (strcmp(line, "done\n") == 0) {
            done = 1;
        }
    }
    fclose(f);
    if (c)
        cl_cow_free(c);
    if (!done || snap != 2) {
        CL_FAIL("%s: cut short (snapshot %d, no \"done\"): recapture it", name, snap);
        bad = 1;
    }
    return bad ? -1 : snap;
}

/* Every committed fixture must match; there must be the four kernels of the matrix, with
 * both page sizes it boots (4 and 16 KiB) and both THP modes (madvise, always). */
static void t_model_fixtures(void)
{
    DIR *d = opendir(FIX "kernels");
    if (!d) {
        CL_FAIL("cannot open " FIX "kernels");
        return;
    }
    struct dirent *e;
    int files = 0, matched = 0, sizes4 = 0, sizes16 = 0, thp_always = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".txt") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, FIX "kernels/%s", e->d_name);
        files++;
        matched += fixture_check(path) == 2;
        FILE *f = fopen(path, "r");
        char line[128];
        while (f && fgets(line, sizeof line, f)) {
            sizes4 += strcmp(line, "fact page_size 4096\n") == 0;
            sizes16 += strcmp(line, "fact page_size 16384\n") == 0;
            thp_always += strcmp(line, "fact thp always\n") == 0;
        }
        if (f)
            fclose(f);
    }
    closedir(d);
    CL_CHECK_EQ(files, matched, "fixtures that match the model", "");
    CL_CHECK_EQ(1, files >= 4, "fixtures of the four kernels of make kernels", "");
    CL_CHECK_EQ(1, sizes4 >= 1 && sizes16 >= 1, "fixtures with 4 and with 16 KiB pages", "");
    CL_CHECK_EQ(1, thp_always >= 1, "a fixture from a kernel whose THP mode is always", "");
}

/* The probe against an independent reading: its zero-page answer must agree with the smaps
 * of a region this test reads itself, and its page size with sysconf. */
static void t_probe_live(void)
{
    struct cl_probe p;
    CL_CHECK_EQ(0, cl_probe_run(&p), "cl_probe_run on this machine", p.how[CL_FACT_ZERO_PAGE]);
    size_t ps = (size_t)sysconf(_SC_PAGESIZE), n = 8;
    CL_CHECK_EQ(ps, p.page_size, "page size", "");
    unsigned char *b =
        mmap(NULL, n * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED) {
        CL_FAIL("mmap: %s", strerror(errno));
        return;
    }
    madvise(b, n * ps, MADV_NOHUGEPAGE);
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += ((volatile unsigned char *)b)[i * ps];
    struct cl_page pg[8];
    CL_CHECK_EQ(0, cl_pages(0, b, n, pg), "pagemap of the test region", "");
    int exclusive = 0;
    for (size_t i = 0; i < n; i++)
        exclusive += pg[i].present && pg[i].exclusive;
    /* A read of a never-written page is exclusively mapped only when it got a page of its
     * own: the probe's zero-page answer must say the same. */
    CL_CHECK_EQ(p.zero_page == CL_YES ? 0 : (int)n, exclusive,
                "pages exclusively mapped after reading never-written memory",
                "the probe's zero_page fact disagrees with pagemap");
    CL_CHECK_EQ(0, sum, "never-written memory reads as zeros", "");
    munmap(b, n * ps);
    CL_CHECK_EQ(0, cl_probe_require(&p, NULL), "every needed fact established", "");
    char line[200];
    cl_probe_summary(&p, line, sizeof line);
    CL_CHECK_EQ(1, strstr(line, "zero page") != NULL, "the summary names the zero page", line);
}

/* The probe a grader hands to its observers: read back whole, and refused when it is not this
 * build's and kernel's, short, or a link (an observer then probes for itself). */
static void t_probe_saved(void)
{
    char dir[] = "/tmp/cowlab-unit-probe-XXXXXX", path[300], link[300];
    if (!mkdtemp(dir)) {
        CL_FAIL("mkdtemp: %s", strerror(errno));
        return;
    }
    snprintf(path, sizeof path, "%s/probe", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    const struct cl_probe *live = cl_probe();
    struct cl_probe got;
    CL_CHECK_EQ(0, cl_probe_save(live, path), "cl_probe_save to a new file", strerror(errno));
    CL_CHECK_EQ(-1, cl_probe_save(live, path), "cl_probe_save over an existing file", "");
    memset(&got, 0, sizeof got);
    CL_CHECK_EQ(0, cl_probe_load(&got, path), "cl_probe_load of what was saved", "");
    CL_CHECK_EQ(0, memcmp(&got, live, sizeof got), "the loaded probe equals the saved one", "");
    CL_CHECK_EQ(0, symlink(path, link), "a link to the saved probe", strerror(errno));
    CL_CHECK_EQ(-1, cl_probe_load(&got, link), "cl_probe_load through a link", "");
    struct stat st;
    CL_CHECK_EQ(0, stat(path, &st), "stat of the saved probe", "");
    CL_CHECK_EQ(0, truncate(path, st.st_size - 1), "truncate the saved probe", "");
    CL_CHECK_EQ(-1, cl_probe_load(&got, path), "cl_probe_load of a short file", "");
    unlink(path);
    /* A file of another layout (its mark), of another size, or with more after the probe. */
    static const struct {
        const char *what;
        size_t at;   /* byte changed (at < size), or the file's length */
        bool longer; /* a byte appended instead */
    } spoilt[] = {{"another mark", 6, false},
                  {"another struct size", 9, false},
                  {"a byte after the probe", 0, true}};
    for (size_t k = 0; k < sizeof spoilt / sizeof spoilt[0]; k++) {
        CL_CHECK_EQ(0, cl_probe_save(live, path), "cl_probe_save", "");
        FILE *f = fopen(path, spoilt[k].longer ? "ab" : "r+b");
        int c = 0;
        if (f && !spoilt[k].longer && fseek(f, (long)spoilt[k].at, SEEK_SET) == 0)
            c = fgetc(f) ^ 0x5a, fseek(f, (long)spoilt[k].at, SEEK_SET);
        if (f) {
            fputc(c, f);
            fclose(f);
        }
        CL_CHECK_EQ(-1, cl_probe_load(&got, path), spoilt[k].what, "cl_probe_load took it");
        unlink(path);
    }
    struct cl_probe other = *live;
    other.kernel[0] ^= 1; /* a kernel release this machine's is not */
    CL_CHECK_EQ(0, cl_probe_save(&other, path), "cl_probe_save of another kernel's probe", "");
    CL_CHECK_EQ(-1, cl_probe_load(&got, path), "cl_probe_load of another kernel's probe", "");
    unlink(path);
    unlink(link);
    rmdir(dir);
}

/* cl_link_peek_each: 3000 words (three batches of the kernel's 1024 and a rest) read as one
 * by one, with an unreadable address (a PROT_NONE page) inside the first batch and one ending
 * the last: only those are refused, and every other word is read. */
static void t_peek_each(void)
{
    enum { N = 3000 };
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    int64_t *words = malloc(N * sizeof *words), *got = malloc(N * sizeof *got);
    uint64_t *addrs = malloc(N * sizeof *addrs);
    bool *ok = malloc(N * sizeof *ok);
    void *none = mmap(NULL, ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!words || !got || !addrs || !ok || none == MAP_FAILED) {
        CL_FAIL("no memory for the test");
        return;
    }
    for (int i = 0; i < N; i++) {
        words[i] = (int64_t)i * 7 + 1;
        addrs[i] = (uint64_t)(uintptr_t)&words[(i * 13) % N]; /* not in order */
    }
    /* A readable page just before the unreadable one: a word that starts there and ends in
     * it is read in part by the kernel, and must count as not read (and read as zeros). */
    unsigned char *edge =
        mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (edge == MAP_FAILED || mprotect(edge + ps, ps, PROT_NONE) < 0) {
        CL_FAIL("mmap: %s", strerror(errno));
        return;
    }
    memset(edge, 0x77, ps);
    addrs[500] = addrs[N - 1] = (uint64_t)(uintptr_t)none;
    addrs[1500] = (uint64_t)(uintptr_t)(edge + ps - 4);
    size_t read = cl_link_peek_each(getpid(), addrs, N, sizeof *got, got, ok);
    CL_CHECK_EQ(N - 3, read, "addresses read whole", "");
    int wrong = 0;
    for (int i = 0; i < N; i++) {
        bool readable = i != 500 && i != 1500 && i != N - 1;
        wrong += ok[i] != readable || got[i] != (readable ? *(int64_t *)(uintptr_t)addrs[i] : 0);
    }
    CL_CHECK_EQ(0, wrong, "words read as one at a time would (or refused, as zeros)", "");
    munmap(none, ps);
    munmap(edge, 2 * ps);
    free(words);
    free(got);
    free(addrs);
    free(ok);
}

/* Whom a subject's end blames (link.c, link_blamed), with a stand-in subject in sh that says
 * the protocol's lines itself: the parent announces f_parent, a worker f_worker after it, and
 * the parent then ends by COMMAND's means. Returns the link's failure text (static). */
static const char *t_blame_case(const char *script, const char *commands)
{
    static char said[sizeof((struct cl_link *)0)->failure + 32];
    struct cl_link L;
    said[0] = '\0';
    if (cl_link_start(&L, script) < 0) {
        snprintf(said, sizeof said, "did not start: %s", L.failure);
        return said;
    }
    char copy[64];
    snprintf(copy, sizeof copy, "%s", commands);
    for (char *save, *c = strtok_r(copy, " ", &save); c; c = strtok_r(NULL, " ", &save))
        if (cl_link_call(&L, NULL, 0, NULL, "%s", c) == -2)
            break;
    snprintf(said, sizeof said, "%s", L.failed ? L.failure : "no failure");
    cl_link_stop(&L);
    free(L.output);
    free(L.xml);
    return said;
}

/* A fault or abort of the subject's own process while its command runs is its own function's
 * (a double free in cow_spawn after its workers began: never "cow_read, in worker 1"); a
 * SIGKILL, or an abort between commands (the kit's code), blames the last caller. */
static void t_link_blame(void)
{
    char script[PATH_MAX];
    snprintf(script, sizeof script, "%s/cowlab-unit-blame-%d", cl_scratch_dir(), (int)getpid());
    FILE *f = fopen(script, "w");
    if (!f) {
        CL_FAIL("%s: %s", script, strerror(errno));
        return;
    }
    fputs("#!/bin/sh\n"
          "ulimit -c 0\n"
          "echo \"H $$\" >&3\n"
          "while read -r cmd; do\n"
          "  case $cmd in\n"
          "  answer) echo 'C p f_parent' >&3; echo R >&3 ;;\n"
          "  abort) echo 'C p f_parent' >&3; echo 'C w0 f_worker' >&3; kill -ABRT $$ ;;\n"
          "  segv) echo 'C p f_parent' >&3; echo 'C w0 f_worker' >&3; kill -SEGV $$ ;;\n"
          "  kill) echo 'C p f_parent' >&3; echo 'C w0 f_worker' >&3; kill -KILL $$ ;;\n"
          "  late) echo 'C w0 f_worker' >&3; kill -ABRT $$ ;;\n"
          "  esac\n"
          "done\n",
          f);
    fclose(f);
    chmod(script, 0700);
    static const struct {
        const char *commands, *blamed;
    } cases[] = {
        {"abort", "f_parent, in the parent: killed by SIGABRT"},
        {"segv", "f_parent, in the parent: killed by SIGSEGV"},
        {"kill", "f_worker, in worker 0: killed by SIGKILL"},
        {"answer late", "f_worker, in worker 0: killed by SIGABRT"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *said = t_blame_case(script, cases[i].commands);
        char what[160];
        snprintf(what, sizeof what, "after '%s', blames %s (1: yes)", cases[i].commands,
                 cases[i].blamed);
        CL_CHECK_EQ(1, strstr(said, cases[i].blamed) != NULL, what, said);
    }
    unlink(script);
}

static int t_phase(void *arg, int worker, int phase, int64_t *report)
{
    (void)arg;
    report[0] = worker * 10 + phase;
    if (phase == 0 && worker == 1 && *(int *)arg == 1)
        return 3; /* die */
    if (phase == 0 && *(int *)arg == 2)
        sleep(2); /* too slow */
    return 0;
}

static void t_team(void)
{
    struct cl_team t;
    int mode = 0;
    CL_CHECK_EQ(0, cl_team_start(&t, 3, 2, t_phase, &mode, NULL), "start", "");
    CL_CHECK_EQ(0, cl_team_await(&t, 5000), "await phase 0", "");
    CL_CHECK_EQ(20, cl_team_report(&t, 2, 0), "report of worker 2, phase 0", "");
    CL_CHECK_EQ(0, cl_team_release(&t), "release", "");
    CL_CHECK_EQ(0, cl_team_await(&t, 5000), "await phase 1", "");
    CL_CHECK_EQ(21, cl_team_report(&t, 2, 0), "report of worker 2, phase 1", "");
    CL_CHECK_EQ(0, cl_team_finish(&t, 5000), "finish: every worker exits 0", "");
    mode = 1;
    CL_CHECK_EQ(0, cl_team_start(&t, 3, 2, t_phase, &mode, NULL), "start", "");
    errno = 0;
    CL_CHECK_EQ(-1, cl_team_await(&t, 5000), "await with a dying worker", "");
    CL_CHECK_EQ(ECHILD, errno, "errno", "");
    CL_CHECK_EQ(-1, cl_team_finish(&t, 5000), "finish reports the failure", "");
    mode = 2;
    CL_CHECK_EQ(0, cl_team_start(&t, 2, 1, t_phase, &mode, NULL), "start", "");
    errno = 0;
    CL_CHECK_EQ(-1, cl_team_await(&t, 100), "await a slow team", "");
    CL_CHECK_EQ(ETIMEDOUT, errno, "errno", "");
    cl_team_abort(&t);
    CL_CHECK_EQ(-1, waitpid(-1, NULL, WNOHANG), "no child left after abort", "");
}

/* Exec'd workers: the unit binary itself, started again with a worker's command line. */
static const char *unit_path; /* argv[0] */
static int unit_marker;       /* set by the owner before the team: an exec'd worker has 0 */
static long unit_extra = -1;  /* the worker's extra word */

static int t_exec_phase(void *arg, int worker, int phase, int64_t *report)
{
    (void)arg;
    report[0] = worker * 10 + phase;
    report[1] = unit_marker;
    report[2] = unit_extra;
    report[3] = getppid();
    return unit_extra == 7 && worker == 1 ? 5 : 0; /* extra word 7: worker 1 fails */
}

static void t_team_exec(void)
{
    struct cl_team t;
    char *extra[] = {"3"};
    unit_marker = 42;
    CL_CHECK_EQ(0, cl_team_start_exec(&t, 3, 2, unit_path, extra, 1), "start exec'd", "");
    CL_CHECK_EQ(0, cl_team_await(&t, 5000), "await phase 0", "");
    CL_CHECK_EQ(20, cl_team_report(&t, 2, 0), "report of worker 2, phase 0", "");
    CL_CHECK_EQ(0, cl_team_report(&t, 2, 1), "the owner's memory is not the worker's", "");
    CL_CHECK_EQ(3, cl_team_report(&t, 2, 2), "the extra word reached the worker", "");
    CL_CHECK_EQ(getpid(), cl_team_report(&t, 0, 3), "an exec'd worker is the owner's child", "");
    struct cl_proc_stat st;
    CL_CHECK_EQ(0, cl_proc_stat(t.pids[1], &st), "worker 1's stat", "");
    CL_CHECK_EQ(getpid(), st.ppid, "worker 1's parent, as /proc says", "");
    CL_CHECK_EQ(0, cl_team_release(&t), "release", "");
    CL_CHECK_EQ(0, cl_team_await(&t, 5000), "await phase 1", "");
    CL_CHECK_EQ(21, cl_team_report(&t, 2, 0), "report of worker 2, phase 1", "");
    CL_CHECK_EQ(0, cl_team_finish(&t, 5000), "finish: every worker exits 0", "");
    extra[0] = "7";
    CL_CHECK_EQ(0, cl_team_start_exec(&t, 2, 1, unit_path, extra, 1), "start exec'd", "");
    errno = 0;
    CL_CHECK_EQ(-1, cl_team_await(&t, 5000), "await with a failing exec'd worker", "");
    CL_CHECK_EQ(ECHILD, errno, "errno", "");
    CL_CHECK_EQ(-1, cl_team_finish(&t, 5000), "finish reports the failure", "");
    CL_CHECK_EQ(69, WEXITSTATUS(t.status[1]), "its status: 64 + the phase's return value", "");
    CL_CHECK_EQ(0, cl_team_start_exec(&t, 1, 1, "/nonexistent/cowlab", extra, 1), "start", "");
    CL_CHECK_EQ(-1, cl_team_await(&t, 5000), "await a worker whose exec failed", "");
    cl_team_abort(&t);
    CL_CHECK_EQ(127, WIFEXITED(t.status[0]) ? WEXITSTATUS(t.status[0]) : -1,
                "a failed exec exits 127", "");
    CL_CHECK_EQ(-1, cl_team_exec_worker(2, (char *[]){"x", "y", NULL}, t_exec_phase, NULL),
                "not a worker's command line: returns", "");
    CL_CHECK_EQ(-1, waitpid(-1, NULL, WNOHANG), "no child left", "");
}

static void t_sandbox(void)
{
    struct cl_sandbox_opts o = cl_sandbox_defaults();
    o.drop_privileges = false;
    o.timeout_ms = 5000;
#if defined(__SANITIZE_ADDRESS__)
    o.as_bytes = 0; /* ASan reserves terabytes of shadow: the forked child dies under a limit */
#endif
    struct cl_sandbox_result r;
    char *echo[] = {"/bin/sh", "-c", "echo hi; echo err >&2; exit 3", NULL};
    CL_CHECK_EQ(0, cl_sandbox_run(echo, &o, &r), "run sh", "");
    CL_CHECK_EQ(3, WEXITSTATUS(r.status), "exit status", "");
    CL_CHECK_EQ(0, strcmp(r.output, "hi\nerr\n"), "stdout and stderr captured", "");
    cl_sandbox_result_free(&r);
    o.timeout_ms = 300;
    char *slow[] = {"/bin/sh", "-c", "sleep 10", NULL};
    cl_sandbox_run(slow, &o, &r);
    CL_CHECK_EQ(1, r.timed_out, "timed out", "");
    CL_CHECK_EQ(1, r.elapsed_ms < 3000, "killed promptly", "");
    cl_sandbox_result_free(&r);
    o.timeout_ms = 5000;
    o.output_cap = 1000;
    char *flood[] = {"/bin/sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x", NULL};
    cl_sandbox_run(flood, &o, &r);
    CL_CHECK_EQ(1000, r.output_len, "output cut at the cap", "");
    CL_CHECK_EQ(1, r.output_truncated, "and marked as cut", "");
    CL_CHECK_EQ(0, WEXITSTATUS(r.status), "the writer was drained, not blocked", "");
    cl_sandbox_result_free(&r);
}

/* A command run under our own uid (no fresh uid): a /dev/shm object another program of ours
 * makes while it runs is not the command's, and stays. */
static void t_sandbox_shm_others(void)
{
    char shm[128], marker[128], script[400];
    snprintf(shm, sizeof shm, "/dev/shm/cowlab-unit-others-%d", (int)getpid());
    snprintf(marker, sizeof marker, "/tmp/cowlab-unit-started-%d", (int)getpid());
    unlink(marker);
    pid_t other = fork();
    if (other == 0) { /* the other program: makes its object once the command has started */
        for (int i = 0; i < 5000 && access(marker, F_OK) != 0; i++)
            usleep(1000);
        int fd = open(shm, O_CREAT | O_WRONLY, 0600);
        _exit(fd >= 0 ? 0 : 1);
    }
    snprintf(script, sizeof script,
             ": >%s; i=0; while [ ! -e %s ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done",
             marker, shm);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    struct cl_sandbox_opts o = cl_sandbox_defaults();
    o.drop_privileges = false;
    o.timeout_ms = 10000;
#if defined(__SANITIZE_ADDRESS__)
    o.as_bytes = 0;
#endif
    struct cl_sandbox_result r;
    CL_CHECK_EQ(0, cl_sandbox_run(argv, &o, &r), "run sh", "");
    /* The sandbox reaps our children: it may be gone already. If it is not (the command gave up
     * waiting), it must not make its object after the unlink below. */
    kill(other, SIGKILL);
    waitpid(other, NULL, 0);
    CL_CHECK_EQ(0, access(shm, F_OK), "another program's /dev/shm object, made during the run",
                "without a fresh uid the sandbox cannot tell it from the command's: leave it");
    CL_CHECK_EQ(0, r.shm_removed, "objects removed", "");
    cl_sandbox_result_free(&r);
    unlink(shm);
    unlink(marker);
}

/* Two graders never claim the same uid: a claim held by another process (a child here) is
 * skipped, even when nothing runs as that uid yet, and is free again once its holder is gone.
 * As root only (elsewhere nothing is claimed: EPERM). */
static void t_uid_claim(void)
{
    struct cl_uid_claim mine;
    uid_t first = 0x5f000000u + ((uid_t)getpid() & 0xffffu) * 16u;
    if (geteuid() != 0) {
        CL_CHECK_EQ(-1, cl_uid_claim(first, &mine), "no claim without root", "");
        CL_CHECK_EQ(EPERM, errno, "errno without root", "");
        return;
    }
    int up[2], hold[2];
    if (pipe(up) < 0 || pipe(hold) < 0)
        return;
    pid_t child = fork();
    if (child == 0) { /* another grader: claims, says which, holds it until told */
        struct cl_uid_claim theirs;
        uid_t said = cl_uid_claim(first, &theirs) == 0 ? theirs.uid : 0;
        char c;
        if (write(up[1], &said, sizeof said) != sizeof said || read(hold[0], &c, 1) < 0)
            _exit(1);
        _exit(0);
    }
    uid_t theirs = 0;
    CL_CHECK_EQ(sizeof theirs, read(up[0], &theirs, sizeof theirs), "the other's claim", "");
    CL_CHECK_EQ(first, theirs, "the other claimed the first candidate", "");
    CL_CHECK_EQ(0, cl_uid_claim(first, &mine), "a second claim", "");
    CL_CHECK_EQ(1, mine.uid != theirs, "a uid another grader holds is not claimed again",
                "the claim must be exclusive across processes (flock on the claim file)");
    cl_uid_release(&mine);
    if (write(hold[1], "x", 1) != 1)
        return;
    waitpid(child, NULL, 0);
    CL_CHECK_EQ(0, cl_uid_claim(first, &mine), "a claim after the holder died", "");
    CL_CHECK_EQ(first, mine.uid, "a dead grader's claim is free again", "");
    cl_uid_release(&mine);
    for (int i = 0; i < 2; i++) {
        close(up[i]);
        close(hold[i]);
    }
}

static void t_record_escape(void)
{
    char esc[256];
    const char *in = "tab\there\nnew \\ back \x01 end";
    cl_record_escape(in, esc, sizeof esc);
    CL_CHECK_EQ(0, strchr(esc, '\n') != NULL, "no newline in an escaped record", "");
    CL_CHECK_EQ(0, strchr(esc, '\t') != NULL, "no tab in an escaped record", "");
    CL_CHECK_EQ(0, strcmp(cl_record_unescape(esc), in), "round trip", "");
}

static void t_json_escape(void)
{
    char buf[256] = {0};
    FILE *f = fmemopen(buf, sizeof buf, "w");
    cl_json_string(f, "a\"b\\c\n\x01\xc3\xa9\xff\xc0\xaf\xed\xa0\x80\xf0\x9f\x90\xae");
    fclose(f);
    const char *want = "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
                       "\xf0\x9f\x90\xae\"";
    if (strcmp(buf, want) != 0)
        CL_FAIL("cl_json_string: got %s, want %s", buf, want);
    else
        CL_CHECK_EQ(0, 0, "json", "");
}

static void t_xml_escape(void)
{
    char buf[256] = {0};
    FILE *f = fmemopen(buf, sizeof buf, "w");
    cl_xml_text(f, "<a&\"'>\t\x01\xff ok");
    fclose(f);
    const char *want = "&lt;a&amp;&quot;&apos;&gt;\t\xef\xbf\xbd\xef\xbf\xbd ok";
    if (strcmp(buf, want) != 0)
        CL_FAIL("cl_xml_text: got %s, want %s", buf, want);
    else
        CL_CHECK_EQ(0, 0, "xml", "");
}

/* The escaped form of s (kind) in at most cap bytes, into out (size n), NUL-terminated. */
static size_t escape_into(char *out, size_t n, const char *s, enum cl_escape kind, size_t cap)
{
    memset(out, 0, n);
    FILE *f = fmemopen(out, n, "w");
    size_t len = f ? cl_escape_capped(f, s, kind, cap) : 0;
    if (f)
        fclose(f);
    return len;
}

/* A text cut to fit: at most cap bytes, whole characters (what precedes the note is the
 * escaped form of a prefix of the text that ends between characters), then the note. */
static void t_escape_capped(void)
{
    static const char s[] =
        "a\"\x01\xc3\xa9\xff\xf0\x9f\x90\xae\\b\n\xc3\xa9zzzzzzzzzzzzzzzzzzzzzzz"
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\x02";
    for (int k = 0; k < 2; k++) {
        enum cl_escape kind = k ? CL_ESC_TEXT : CL_ESC_JSON;
        char full[512], out[512], head[512], pre[sizeof s];
        size_t whole = escape_into(full, sizeof full, s, kind, SIZE_MAX), bad = 0;
        for (size_t cap = 0; cap <= whole + 2; cap++) {
            size_t len = escape_into(out, sizeof out, s, kind, cap);
            char *note = strstr(out, "[... cut here: ");
            bool ok = len == strlen(out) && len <= cap;
            if (cap >= whole)
                ok = ok && strcmp(out, full) == 0;
            else if (cap < CL_ESCAPE_NOTE_MAX)
                ok = ok && len == 0;
            else if (!note)
                ok = false;
            else { /* the head is the escaped form of a prefix ending between characters */
                size_t cut = (size_t)(note - out) - (kind == CL_ESC_JSON ? 2 : 1);
                bool prefix = false;
                for (size_t i = 0; i < sizeof s && !prefix; i++) {
                    memcpy(pre, s, i);
                    pre[i] = '\0';
                    escape_into(head, sizeof head, pre, kind, SIZE_MAX);
                    prefix = strlen(head) == cut && strncmp(head, out, cut) == 0 &&
                             ((unsigned char)s[i] & 0xc0) != 0x80;
                }
                ok = ok && prefix;
            }
            bad += !ok;
            if (!ok)
                CL_FAIL("cl_escape_capped(%s, cap %zu): %zu bytes: %s", k ? "text" : "json", cap,
                        len, out);
        }
        CL_CHECK_EQ(0, bad, "caps at which a cut text is not whole characters within the cap", "");
    }
    size_t len[] = {10, 20, 300};
    CL_CHECK_EQ(70, cl_escape_fair_cap(len, 3, 100), "fair cap: 10 + 20 + 70 = 100", "");
    CL_CHECK_EQ(300, cl_escape_fair_cap(len, 3, 1000), "fair cap: everything fits", "");
    CL_CHECK_EQ(0, cl_escape_fair_cap(len, 3, 0), "fair cap: no room", "");
}

static void t_labs_registry(void)
{
    struct cl_lab_def labs[CL_MAX_LABS];
    char err[256];
    int n = cl_labs_load("labs", labs, CL_MAX_LABS, err, sizeof err);
    CL_CHECK_EQ(1, n >= 1, "labs found in labs/", err);
    const struct cl_lab_def *l = cl_labs_find(labs, n, "1");
    CL_CHECK_EQ(1, l != NULL, "lab '1' found", "");
    if (!l)
        return;
    CL_CHECK_EQ(0, strcmp(l->slug, "01-fork-cow"), "slug", "");
    CL_CHECK_EQ(l, cl_labs_find(labs, n, "fork-cow"), "by name", "");
    CL_CHECK_EQ(l, cl_labs_find(labs, n, "01-fork-cow"), "by slug", "");
    CL_CHECK_EQ(NULL, cl_labs_find(labs, n, "99"), "unknown lab", "");
    CL_CHECK_EQ(2, l->nfiles, "student files", "");
    CL_CHECK_EQ(100, l->max_points, "lab 01 is worth 100 points", "");
    char path[] = "/tmp/cowlab-unit-XXXXXX";
    int fd = mkstemp(path);
    const char bad[] = "CL_LAB(\"03-x\", \"X\", \"a.c\")\nCL_TEST(t, five, 3, \"x\")\n";
    if (fd >= 0 && write(fd, bad, sizeof bad - 1) == (ssize_t)sizeof bad - 1) {
        struct cl_lab_def d;
        CL_CHECK_EQ(-1, cl_lab_parse(path, &d, err, sizeof err), "malformed CL_TEST", "");
        CL_CHECK_EQ(1, strstr(err, ":2:") != NULL, "the error names the line", err);
    }
    if (fd >= 0)
        close(fd);
    unlink(path);
    /* CL_NEEDS: the lab's own lines land on the tests they name; a typo in a fact, a fact
     * that is not yes/no, or an unknown test is refused when the lab loads. */
    const struct cl_test_def *page_map = NULL, *spawn = NULL;
    for (int i = 0; i < l->ntests; i++) {
        if (strcmp(l->tests[i].name, "page_map") == 0)
            page_map = &l->tests[i];
        if (strcmp(l->tests[i].name, "spawn") == 0)
            spawn = &l->tests[i];
    }
    CL_CHECK_EQ(1, page_map && strcmp(page_map->needs, "nohugepage pagemap_bit56") == 0,
                "lab 01 page_map needs nohugepage and pagemap_bit56",
                page_map ? page_map->needs : "");
    CL_CHECK_EQ(1, spawn && spawn->needs[0] == '\0', "lab 01 spawn needs nothing", "");
    static const char *const bad_needs[] = {
        "CL_NEEDS(pagemap_bit65, \"t\")\n", /* no such fact */
        "CL_NEEDS(fault_around, \"t\")\n",  /* a number, not yes/no */
        "CL_NEEDS(pagemap_bit56, \"u\")\n", /* no such test */
        "CL_VISIBILITY(secret, \"t\")\n",   /* no such visibility */
        "CL_VISIBILITY(hidden, \"u\")\n",   /* no such test */
        "CL_VISIBILITY(hidden, \"t\")\nCL_VISIBILITY(after_due_date, \"t\")\n", /* twice */
    };
    for (size_t i = 0; i < sizeof bad_needs / sizeof bad_needs[0]; i++) {
        char text[256], p2[] = "/tmp/cowlab-unit-XXXXXX";
        snprintf(text, sizeof text, "CL_LAB(\"03-x\", \"X\", \"a.c\")\nCL_TEST(t, 5, 3, \"x\")\n%s",
                 bad_needs[i]);
        int f2 = mkstemp(p2);
        struct cl_lab_def d;
        if (f2 >= 0 && write(f2, text, strlen(text)) == (ssize_t)strlen(text))
            CL_CHECK_EQ(-1, cl_lab_parse(p2, &d, err, sizeof err), bad_needs[i],
                        "CL_NEEDS must name a yes/no fact of the probe and a test of the lab; "
                        "CL_VISIBILITY one of the four and a test, once");
        if (f2 >= 0)
            close(f2);
        unlink(p2);
    }
    /* CL_VISIBILITY: the tests it names get it, the others stay visible (lab 01 has none). */
    static const char vis[] = "CL_LAB(\"03-x\", \"X\", \"a.c\")\nCL_TEST(t, 5, 3, \"x\")\n"
                              "CL_TEST(u, 5, 3, \"x\")\nCL_VISIBILITY(after_published, \"u\")\n";
    char p3[] = "/tmp/cowlab-unit-XXXXXX";
    int f3 = mkstemp(p3);
    struct cl_lab_def d3;
    if (f3 >= 0 && write(f3, vis, sizeof vis - 1) == (ssize_t)sizeof vis - 1 &&
        cl_lab_parse(p3, &d3, err, sizeof err) == 0) {
        CL_CHECK_EQ(CL_VISIBLE, d3.tests[0].visibility, "a test no CL_VISIBILITY names", "");
        CL_CHECK_EQ(CL_AFTER_PUBLISHED, d3.tests[1].visibility, "CL_VISIBILITY(after_published)",
                    "");
    } else {
        CL_FAIL("a registry with CL_VISIBILITY does not parse: %s", err);
    }
    if (f3 >= 0)
        close(f3);
    unlink(p3);
    for (int i = 0; i < l->ntests; i++)
        CL_CHECK_EQ(CL_VISIBLE, l->tests[i].visibility, "lab 01's tests are all visible", "");
}

/* Parse text as a tests.def; 0 or -1 as cl_lab_parse, the lab in *d. */
static int t_parse_text(const char *text, struct cl_lab_def *d, char *err, size_t n)
{
    char path[] = "/tmp/cowlab-unit-XXXXXX";
    int fd = mkstemp(path), rc = -1;
    if (fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text))
        rc = cl_lab_parse(path, d, err, n);
    else
        snprintf(err, n, "cannot write %s", path);
    if (fd >= 0)
        close(fd);
    unlink(path);
    return rc;
}

/* CL_HINT: a call over several lines, adjacent literals joined (a ')' and a '"' inside a
 * string are text), the last string the chapter link; refused: an unknown test, a second
 * CL_HINT for a test, no link, more than CL_MAX_HINT_STEPS steps, a call never closed. */
static void t_labs_hints(void)
{
    static struct cl_lab_def d; /* ~90 kB: not on the stack */
    char err[256];
    const char *head = "CL_LAB(\"03-x\", \"X\", \"a.c\")\nCL_TEST(t, 5, 3, \"x\")\n"
                       "CL_TEST(u, 5, 3, \"y\")\n";
    char text[2048];
    snprintf(text, sizeof text,
             "%sCL_HINT(t,\n  \"a (nudge) \" \"with \\\"quotes\\\")\",\n  \"the concept\",\n"
             "  \"handbook/03-x.md#1-a-heading\")\n",
             head);
    int rc = t_parse_text(text, &d, err, sizeof err);
    CL_CHECK_EQ(0, rc, "a CL_HINT over four lines parses", err);
    const struct cl_hint *h = &d.tests[0].hint;
    CL_CHECK_EQ(2, rc == 0 ? h->nsteps : -1, "two steps", "");
    CL_CHECK_EQ(0, rc == 0 ? strcmp(h->step[0], "a (nudge) with \"quotes\")") : -1,
                "adjacent literals joined, escapes read", rc == 0 ? h->step[0] : "");
    CL_CHECK_EQ(0, rc == 0 ? strcmp(h->chapter, "handbook/03-x.md#1-a-heading") : -1,
                "the last string is the chapter link", rc == 0 ? h->chapter : "");
    CL_CHECK_EQ(0, rc == 0 ? d.tests[1].hint.nsteps : -1, "a test without CL_HINT has none", "");
    static const char *const bad[] = {
        "CL_HINT(v, \"s\", \"handbook/03-x.md#a\")\n", /* no such test */
        "CL_HINT(t, \"s\", \"handbook/03-x.md#a\")\nCL_HINT(t, \"s\", \"handbook/03-x.md#a\")\n",
        "CL_HINT(t, \"s\", \"no link\")\n",     /* no chapter link */
        "CL_HINT(t, \"handbook/03-x.md#a\")\n", /* no step */
        "CL_HINT(t, \"1\", \"2\", \"3\", \"4\", \"5\", \"handbook/03-x.md#a\")\n", /* too many */
        "CL_HINT(t, \"s\",\n \"handbook/03-x.md#a\"\n", /* never closed */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "%s%s", head, bad[i]);
        CL_CHECK_EQ(-1, t_parse_text(text, &d, err, sizeof err), bad[i],
                    "a CL_HINT must name a test once, with steps and a handbook link");
    }
}

static void t_results_csv(void)
{
    struct cl_results r;
    cl_results_init(&r);
    cl_results_add(&r, "e", 1, "parent", "a,b", "Pss", CL_NO_EXPECT, 5, "kB", "");
    cl_results_add(&r, "e", 2, "parent", "p", "Rss", 4, 5, "kB", "");
    CL_CHECK_EQ(1, cl_results_mismatches(&r, "e"), "one row differs", "");
    char buf[1024] = {0};
    FILE *f = fmemopen(buf, sizeof buf, "w");
    cl_results_write_csv(&r, f);
    fclose(f);
    CL_CHECK_EQ(1, strstr(buf, "e,parent,\"a,b\",Pss,1,,5,kB,") != NULL,
                "a comma is quoted; no expectation is an empty cell", buf);
    cl_results_free(&r);
}

/* A region that is not a whole VMA of its own is refused with EEXIST (what the experiments
 * call "merged"): here the first of five pages of one VMA, which the VMA reaches past; the
 * whole VMA, and a page between two PROT_NONE guards, are their own. The five pages sit
 * between guards themselves: a bare mmap here did merge with this process's neighbouring
 * mapping (Size 28 kB, not 20), the very thing being tested. */
static void t_region_alone(void)
{
    size_t ps = cl_page_size();
    unsigned char *raw = mmap(NULL, 7 * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CL_CHECK_EQ(1, raw != MAP_FAILED, "mmap of seven pages", strerror(errno));
    if (raw == MAP_FAILED)
        return;
    unsigned char *p = raw + ps;
    mprotect(p, 5 * ps, PROT_READ | PROT_WRITE);
    struct cl_mem m;
    errno = 0;
    CL_CHECK_EQ(-1, cl_mem_region_alone(0, p, ps, &m), "one page of a five-page VMA is not alone",
                "");
    CL_CHECK_EQ(EEXIST, errno, "the errno that says merged", strerror(errno));
    CL_CHECK_EQ(5 * ps / 1024, m.kb[CL_SIZE], "Size says how far the VMA reaches", "");
    CL_CHECK_EQ(0, cl_mem_region_alone(0, p, 5 * ps, &m), "the whole VMA is alone",
                strerror(errno));
    mprotect(p, ps, PROT_NONE);
    mprotect(p + 2 * ps, ps, PROT_NONE);
    CL_CHECK_EQ(0, cl_mem_region_alone(0, p + ps, ps, &m),
                "a page between PROT_NONE guards is its own VMA", strerror(errno));
    munmap(raw, 7 * ps);
}

/* A name is kept whole or the row is refused, loudly: never cut (issue 13 saw
 * "small_ints.Private_Dirt"). The longest name that fits is kept to its last character. */
static void t_results_names_whole(void)
{
    struct cl_results r;
    cl_results_init(&r);
    char fits[sizeof r.rows->metric], long_name[sizeof r.rows->metric + 1];
    memset(fits, 'm', sizeof fits - 1);
    fits[sizeof fits - 1] = '\0';
    memset(long_name, 'm', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    CL_CHECK_EQ(0, cl_results_add(&r, "e", 1, "parent", "p", fits, 4, 4, "kB", ""),
                "a metric name that fits is kept", fits);
    CL_CHECK_EQ(1, r.n == 1 && strcmp(r.rows[0].metric, fits) == 0, "the kept name is whole",
                r.n ? r.rows[0].metric : "no row");
    errno = 0;
    CL_CHECK_EQ(-1, cl_results_add(&r, "e", 2, "parent", "p", long_name, 4, 4, "kB", ""),
                "a metric name one character too long is refused", long_name);
    CL_CHECK_EQ(ENAMETOOLONG, errno, "the refusal's errno", "");
    CL_CHECK_EQ(1, r.n, "the refused row is not in the table", "");
    CL_CHECK_EQ(1, cl_results_mismatches(&r, "another"),
                "a refused row counts as a difference, whatever the experiment asked", "");
    char exp[sizeof r.rows->experiment + 1];
    memset(exp, 'x', sizeof exp - 1);
    exp[sizeof exp - 1] = '\0';
    CL_CHECK_EQ(-1, cl_results_add(&r, exp, 3, "parent", "p", "Rss", 4, 4, "kB", ""),
                "an experiment name too long is refused", exp);
    cl_results_free(&r);
}

/* The one reader of /proc/PID/stat: a child whose name holds ") (" in its own group, before
 * and after it touches 64 new pages; a reaped child is gone. */
static void t_proc_stat(void)
{
    int go[2], done[2];
    CU_ASSERT_FATAL(pipe(go) == 0 && pipe(done) == 0);
    pid_t c = fork();
    if (c == 0) {
        prctl(PR_SET_NAME, "a) b (c");
        setpgid(0, 0);
        char x;
        if (write(done[1], "r", 1) != 1 || read(go[0], &x, 1) != 1)
            _exit(1);
        long ps = sysconf(_SC_PAGESIZE);
        char *m =
            mmap(NULL, 64 * (size_t)ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (int i = 0; m != MAP_FAILED && i < 64; i++)
            m[(size_t)i * (size_t)ps] = 1;
        if (write(done[1], "t", 1) != 1 || read(go[0], &x, 1) != 1)
            _exit(1);
        _exit(0);
    }
    char x;
    CU_ASSERT_FATAL(c > 0 && read(done[0], &x, 1) == 1);
    struct cl_proc_stat before, after;
    CU_ASSERT_FATAL(cl_proc_stat(c, &before) == 0);
    CU_ASSERT_EQUAL(before.ppid, getpid());
    CU_ASSERT_EQUAL(before.pgrp, c);
    CU_ASSERT(before.state == 'S' || before.state == 'R');
    CU_ASSERT(write(go[1], "g", 1) == 1 && read(done[0], &x, 1) == 1);
    CU_ASSERT_FATAL(cl_proc_stat(c, &after) == 0);
    CU_ASSERT(after.minflt >= before.minflt + 64);
    CU_ASSERT_EQUAL(cl_minor_faults(c), after.minflt);
    CU_ASSERT(write(go[1], "g", 1) == 1);
    waitpid(c, NULL, 0);
    CU_ASSERT_EQUAL(cl_proc_stat(c, &after), -1);
    close(go[0]), close(go[1]), close(done[0]), close(done[1]);
}

/* The JSON reader: what the kit's results.json holds (escapes, surrogate pairs, nesting)
 * parses to the text written; anything outside RFC 8259 is refused, never guessed at. */
static void t_json_parse(void)
{
    static const char good[] =
        "{\"a\": [1, -2.5e3, true, null, \"x\\\"y\\n\\u00e9\\ud83d\\ude00\"],"
        " \"b\": {}}";
    struct cl_json j;
    char err[200];
    CL_CHECK_EQ(0, cl_json_parse(good, strlen(good), &j, err, sizeof err), "parse", err);
    const struct cl_json *a = cl_json_get(&j, "a");
    CU_ASSERT_FATAL(a && a->type == CL_JSON_ARRAY && a->n == 5);
    CU_ASSERT(a->items[1].type == CL_JSON_NUMBER && a->items[1].number == -2500.0);
    CU_ASSERT(a->items[2].type == CL_JSON_BOOL && a->items[2].boolean);
    CU_ASSERT(a->items[3].type == CL_JSON_NULL);
    CU_ASSERT(strcmp(a->items[4].string, "x\"y\n\xc3\xa9\xf0\x9f\x98\x80") == 0);
    CU_ASSERT(cl_json_get(&j, "b") && cl_json_get(&j, "b")->type == CL_JSON_OBJECT);
    CU_ASSERT(cl_json_str(&j, "a") == NULL && cl_json_get(&j, "c") == NULL);
    cl_json_free(&j);
    static const char *const bad[] = {"{\"a\": 1,}", "[1 2]",     "\"open", "\"tab\there\"",
                                      "01",          "{\"a\" 1}", "[1] x",  "\"\\q\"",
                                      "\"\\u12\"",   "",          "tru"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = cl_json_parse(bad[i], strlen(bad[i]), &j, err, sizeof err);
        CL_CHECK_EQ(-1, rc, "a malformed text is refused", bad[i]);
        CU_ASSERT(err[0] != '\0' && j.n == 0 && j.string == NULL);
    }
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    CL_CHECK_EQ(-1, cl_json_parse(deep, sizeof deep, &j, err, sizeof err), "100 levels refused",
                "");
}

/* CSV: cells with commas, quotes, line breaks and spaces written and read back intact; an
 * open quote or a quote inside an unquoted cell refused. */
static void t_csv_roundtrip(void)
{
    char path[] = "/tmp/cowlab-unit-csv-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    FILE *f = fdopen(fd, "w");
    struct cl_csv_row row = {0};
    static const char *const cells[] = {"plain",          "a, b",  "say \"hi\"",
                                        "two\nlines\r\n", " pad ", ""};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++)
        CU_ASSERT(cl_csv_push(&row, cells[i]) == 0);
    cl_csv_write_row(f, &row);
    cl_csv_write_row(f, &row);
    fclose(f);
    struct cl_csv t;
    char err[200];
    CL_CHECK_EQ(0, cl_csv_load(path, &t, err, sizeof err), "load", err);
    CL_CHECK_EQ(2, t.n, "rows read back", "");
    for (int r = 0; r < t.n; r++) {
        CU_ASSERT_FATAL(t.rows[r].n == row.n);
        for (int c = 0; c < row.n; c++)
            CU_ASSERT(strcmp(t.rows[r].cells[c], row.cells[c]) == 0);
    }
    cl_csv_free(&t);
    cl_csv_row_free(&row);
    static const char *const bad[] = {"a,\"open\n", "a,b\"c\n", "\"x\"y\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        f = fopen(path, "w");
        CU_ASSERT_FATAL(f != NULL);
        fputs(bad[i], f);
        fclose(f);
        CL_CHECK_EQ(-1, cl_csv_load(path, &t, err, sizeof err), "a malformed CSV is refused",
                    bad[i]);
        CU_ASSERT(t.n == 0);
    }
    unlink(path);
}

/* The lean symbols' record of the valgrind they were made from: the same file, size and mtime
 * is current; a file grown, touched or gone, or no record at all, is not. */
static void t_lean_valgrind(void)
{
    char dir[] = "/tmp/cowlab-unit-lean-XXXXXX", file[300], rec[300];
    if (!mkdtemp(dir)) {
        CL_FAIL("mkdtemp: %s", strerror(errno));
        return;
    }
    snprintf(file, sizeof file, "%s/vgpreload_memcheck-test.so", dir);
    snprintf(rec, sizeof rec, "%s/.valgrind", dir);
    CL_CHECK_EQ(0, cl_memcheck_symbols_current(dir), "no .valgrind: not current", "");
    FILE *f = fopen(file, "w");
    if (f) {
        fputs("0123456789", f);
        fclose(f);
    }
    struct stat st;
    FILE *r = fopen(rec, "w");
    if (!r || stat(file, &st) < 0) {
        CL_FAIL("cannot write the record: %s", strerror(errno));
        if (r)
            fclose(r);
        return;
    }
    fprintf(r, "%lld %lld %s\n", (long long)st.st_size, (long long)st.st_mtime, file);
    fclose(r);
    CL_CHECK_EQ(1, cl_memcheck_symbols_current(dir), "the file as recorded: current", "");
    struct timespec older[2] = {{.tv_sec = st.st_mtime - 100}, {.tv_sec = st.st_mtime - 100}};
    utimensat(AT_FDCWD, file, older, 0);
    CL_CHECK_EQ(0, cl_memcheck_symbols_current(dir), "its mtime changed: not current", "");
    struct timespec back[2] = {{.tv_sec = st.st_mtime}, {.tv_sec = st.st_mtime}};
    f = fopen(file, "a");
    if (f) {
        fputs("more", f);
        fclose(f);
    }
    utimensat(AT_FDCWD, file, back, 0);
    CL_CHECK_EQ(0, cl_memcheck_symbols_current(dir), "its size changed: not current", "");
    unlink(file);
    CL_CHECK_EQ(0, cl_memcheck_symbols_current(dir), "the file gone: not current", "");
    r = fopen(rec, "w"); /* valgrind not installed when the files were made: nothing to match */
    if (r)
        fclose(r);
    CL_CHECK_EQ(1, cl_memcheck_symbols_current(dir), "an empty record: current", "");
    unlink(rec);
    rmdir(dir);
}

/* valgrind's XML (fixtures written by memcheck 3.19): the errors counted, the first read whole,
 * a report cut short or clean told apart, the student's frame blamed, no address in the words. */
static void t_memcheck_xml(void)
{
    static const struct {
        const char *file;
        int errors;
        bool finished;
    } cases[] = {{"memcheck-errors.xml", 2, true},
                 {"memcheck-cut.xml", 1, false},
                 {"memcheck-clean.xml", 0, true}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[200], *xml = NULL;
        snprintf(path, sizeof path, "tests/harness/fixtures/%s", cases[i].file);
        FILE *f = fopen(path, "r");
        CU_ASSERT_FATAL(f != NULL);
        size_t cap = 0;
        ssize_t len = getdelim(&xml, &cap, '\0', f);
        fclose(f);
        CU_ASSERT_FATAL(len > 0);
        struct cl_memcheck_report r;
        cl_memcheck_parse(xml, (size_t)len, &r);
        CL_CHECK_EQ(cases[i].errors, r.errors, "errors in the report", cases[i].file);
        CL_CHECK_EQ(cases[i].finished, r.finished, "the report is whole", cases[i].file);
        CL_CHECK_EQ(true, r.preamble, "valgrind's preamble", cases[i].file);
        if (r.errors == 0) {
            free(xml);
            continue;
        }
        CU_ASSERT_STRING_EQUAL(r.first.kind, "InvalidRead");
        CU_ASSERT_STRING_EQUAL(r.first.what, "Invalid read of size 4");
        const struct cl_memcheck_frame *fr = cl_memcheck_blame(&r.first.stack, "x.c student.c");
        CU_ASSERT_FATAL(fr != NULL);
        CU_ASSERT_STRING_EQUAL(fr->fn, "student_sum");
        CL_CHECK_EQ(3, fr->line, "the student's line", "");
        char said[1000];
        cl_memcheck_describe(&r.first, "student.c", said, sizeof said);
        CU_ASSERT(strstr(said, "in student_sum (student.c:3)") != NULL);
        CU_ASSERT(strstr(said, "The address is 0 bytes after a block of size 40 alloc'd, in "
                               "main (kitmain.c:4)") != NULL);
        CU_ASSERT(strstr(said, "0x") == NULL);
        if (!strstr(said, "in student_sum (student.c:3)"))
            fprintf(stderr, "described: %s\n", said);
        free(xml);
    }
    struct cl_memcheck_error range = {.kind = "InvalidRead", .what = "Invalid read of size 1"};
    snprintf(range.auxwhat, sizeof range.auxwhat,
             "Address 0x4a5b000 is in the brk data segment 0x4a40000-0x4a5c000");
    char said[600];
    cl_memcheck_describe(&range, "x.c", said, sizeof said);
    CU_ASSERT(strstr(said, "The address is in the brk data segment an address range.") != NULL);
    CU_ASSERT(strstr(said, "NULL") == NULL); /* a real address is no NULL pointer */
    /* A read at 0x0 plus a field's offset is a NULL pointer followed, said so. */
    struct cl_memcheck_error null_field = {.kind = "InvalidWrite"};
    snprintf(null_field.auxwhat, sizeof null_field.auxwhat,
             "Address 0x18 is not stack'd, malloc'd or (recently) free'd");
    cl_memcheck_describe(&null_field, "x.c", said, sizeof said);
    CU_ASSERT(strstr(said, "wrote through a NULL pointer") != NULL);
    snprintf(null_field.auxwhat, sizeof null_field.auxwhat,
             "Address 0x1000 is not stack'd, malloc'd or (recently) free'd");
    cl_memcheck_describe(&null_field, "x.c", said, sizeof said);
    CU_ASSERT(strstr(said, "NULL") == NULL); /* past the first page: not NULL's */
    struct cl_memcheck_error null_read = {.kind = "InvalidRead"};
    snprintf(null_read.auxwhat, sizeof null_read.auxwhat,
             "Address 0x0 is not stack'd, malloc'd or (recently) free'd");
    cl_memcheck_describe(&null_read, "x.c", said, sizeof said);
    CU_ASSERT(strstr(said, "read through a NULL pointer") != NULL);
    CU_ASSERT(strstr(cl_memcheck_explain("Leak_DefinitelyLost"), "error paths") != NULL);
    CU_ASSERT(strstr(cl_memcheck_explain("NoSuchKind"), "valgrind") != NULL);
}

static const struct cl_test unit_tests[] = {
    {"proc_stat", t_proc_stat, 1, 10, ""},
    {"parse_rollup_6_18", t_parse_rollup_6_18, 1, 10, ""},
    {"parse_rollup_4_14", t_parse_rollup_4_14, 1, 10, ""},
    {"parse_region_filter", t_parse_region_filter, 1, 10, ""},
    {"parse_nameless", t_parse_nameless, 1, 10, ""},
    {"parse_malformed", t_parse_malformed, 1, 10, ""},
    {"measure_live_region", t_measure_live_region, 1, 10, ""},
    {"measure_regions", t_measure_regions, 1, 10, ""},
    {"measure_vanished", t_measure_vanished, 1, 10, ""},
    {"page_decode", t_page_decode, 1, 10, ""},
    {"pss_arithmetic", t_pss_arithmetic, 1, 10, ""},
    {"cow_model", t_cow_model, 1, 10, ""},
    {"cow_model_variants", t_cow_model_variants, 1, 10, ""},
    {"model_fixtures", t_model_fixtures, 1, 10, ""},
    {"probe_live", t_probe_live, 1, 10, ""},
    {"probe_saved", t_probe_saved, 1, 10, ""},
    {"peek_each", t_peek_each, 1, 10, ""},
    {"link_blame", t_link_blame, 1, 10, ""},
    {"team_barrier", t_team, 1, 10, ""},
    {"team_exec", t_team_exec, 1, 10, ""},
    {"sandbox", t_sandbox, 1, 10, ""},
    {"uid_claim", t_uid_claim, 1, 10, ""},
    {"sandbox_shm_others", t_sandbox_shm_others, 1, 10, ""},
    {"record_escape", t_record_escape, 1, 10, ""},
    {"json_escape", t_json_escape, 1, 10, ""},
    {"xml_escape", t_xml_escape, 1, 10, ""},
    {"escape_capped", t_escape_capped, 1, 10, ""},
    {"labs_registry", t_labs_registry, 1, 10, ""},
    {"labs_hints", t_labs_hints, 1, 10, ""},
    {"results_csv", t_results_csv, 1, 10, ""},
    {"results_names_whole", t_results_names_whole, 1, 10, ""},
    {"region_alone", t_region_alone, 1, 10, ""},
    {"json_parse", t_json_parse, 1, 10, ""},
    {"csv_roundtrip", t_csv_roundtrip, 1, 10, ""},
    {"memcheck_xml", t_memcheck_xml, 1, 10, ""},
    {"lean_valgrind", t_lean_valgrind, 1, 10, ""},
};

/* Tests that measure memory: never under valgrind or a sanitizer (--pure skips them). */
static bool unit_measures(const char *name)
{
    return strcmp(name, "measure_live_region") == 0 || strcmp(name, "probe_live") == 0;
}

/* --fixture FILE: only that capture (make kernels checks each cell's this way). */
static const char *one_fixture;
static void t_one_fixture(void)
{
    CL_CHECK_EQ(2, fixture_check(one_fixture), "snapshots that match the model", one_fixture);
}

int main(int argc, char **argv)
{
    if (argc > CL_TEAM_EXEC_ARGC && strcmp(argv[1], CL_TEAM_EXEC_FLAG) == 0) {
        unit_extra = strtol(argv[CL_TEAM_EXEC_ARGC], NULL, 10);
        cl_team_exec_worker(argc, argv, t_exec_phase, NULL);
        return 71;
    }
    unit_path = argv[0];
    bool pure = argc > 1 && strcmp(argv[1], "--pure") == 0;
    static const struct cl_test fixture_only[] = {{"model_fixture", t_one_fixture, 1, 10, ""}};
    const struct cl_test *tests = unit_tests;
    size_t ntests = sizeof unit_tests / sizeof unit_tests[0];
    if (argc == 3 && strcmp(argv[1], "--fixture") == 0) {
        one_fixture = argv[2];
        tests = fixture_only;
        ntests = 1;
    }
    int passed = 0, failed = 0;
    for (size_t i = 0; i < ntests; i++) {
        if (pure && unit_measures(tests[i].name))
            continue;
        if (CU_initialize_registry() != CUE_SUCCESS)
            return 2;
        CU_pSuite s = CU_add_suite("harness", NULL, NULL);
        CU_pTest t = CU_add_test(s, tests[i].name, tests[i].fn);
        CU_run_test(s, t);
        unsigned nf = CU_get_number_of_failures();
        printf("  %-4s  harness/%s\n", nf ? "FAIL" : "ok", tests[i].name);
        for (CU_pFailureRecord f = CU_get_failure_list(); f; f = f->pNext)
            printf("        %s:%u: %s\n", f->strFileName, f->uiLineNumber, f->strCondition);
        nf ? failed++ : passed++;
        CU_cleanup_registry();
    }
    printf("harness: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
