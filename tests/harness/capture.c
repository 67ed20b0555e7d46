/*
 * capture.c — one copy-on-write scenario played by real processes on this kernel, and what
 * the kernel printed about it: a model fixture (one file of tests/harness/fixtures/kernels/).
 *
 * `make kernels` runs it in every cell of the matrix; the harness unit test model_fixtures
 * replays the same scenario in the model (struct cl_cow) with the fixture's own facts (page
 * size, read-fault behaviour, zero page PFN) and requires every smaps field and every page's
 * pagemap state to match. So `make test` checks the model against kernels with 16 KiB pages
 * and against kernels whose THP mode is `always` (the region asks MADV_NOHUGEPAGE, as every lab
 * buffer does: what is checked is that the kernel honours it), on a machine that has neither.
 *
 * The scenario (NPAGES pages of private anonymous memory between PROT_NONE guard pages, under
 * MADV_NOHUGEPAGE; see capture_scenario below):
 *   owner    writes pages 0..31, reads 32..47 (never written), leaves 48..63 alone
 *   fork     two workers (cl_team)
 *   worker 0 writes 0..7, reads 48..55 (never written by anyone)
 *   worker 1 writes 8..11, reads 32..35
 *   snapshot 1: the region's smaps block and pagemap entries in all three processes
 *   worker 1 is killed (a sibling's exit)
 *   snapshot 2: the owner and worker 0 again
 *
 * Output (stdout), line by line:
 *   fact NAME VALUE       kernel, machine, page_size, read_fault (zero_page, fresh_dirty,
 *                         fresh_clean), zero_pfn (0 when hidden or absent), thp, nohugepage
 *   snapshot N
 *   smaps P               then the region's smaps block: a header line with its range, and
 *                         every field the kernel printed, as the harness read it
 *                         (cl_mem_region), in smaps' format, up to a line "end"
 *   pagemap P E E ...     NPAGES raw 64-bit entries in hex, PFN bits kept (cl_pagemap_raw)
 *   done                  only when every snapshot was taken and every worker exited well
 * P is the process's slot in the model: 0 the owner, 1 worker 0, 2 worker 1.
 * Exit 0; 2 when the probe says the labs cannot run here; 1 on any other failure (why on
 * stderr).
 */
#include "cowlab/mem.h"
#include "cowlab/model.h"
#include "cowlab/probe.h"
#include "cowlab/team.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

enum { NPAGES = 64 };

static unsigned char *region;
static size_t page;

static void touch(size_t from, size_t to, int write)
{
    volatile unsigned char *p = region;
    for (size_t i = from; i <= to; i++) {
        if (write)
            p[i * page] = (unsigned char)(i + 1);
        else
            (void)p[i * page];
    }
}

static int capture_worker(void *arg, int worker, int phase, int64_t *report)
{
    (void)arg, (void)phase, (void)report;
    if (worker == 0) {
        touch(0, 7, 1);
        touch(48, 55, 0);
    } else {
        touch(8, 11, 1);
        touch(32, 35, 0);
    }
    return 0;
}

/* The region in pid as smaps shows it, read by the harness (cl_mem_region) and printed back in
 * smaps' own format: a header line with the region's range, then "Field: N kB" for every field
 * the kernel printed. 0, or -1 (also when the region is not exactly one VMA of its own). */
static int print_smaps(pid_t pid, int slot)
{
    struct cl_mem m;
    if (cl_mem_region(pid, region, NPAGES * page, &m) < 0)
        return -1;
    if (m.vmas != 1 || m.kb[CL_SIZE] != NPAGES * page / 1024) {
        fprintf(stderr, "capture: the region is not one VMA of its own (%u VMAs, %llu kB)\n",
                m.vmas, (unsigned long long)m.kb[CL_SIZE]);
        errno = EINVAL;
        return -1;
    }
    printf("smaps %d\n%" PRIxPTR "-%" PRIxPTR " rw-p 00000000 00:00 0\n", slot, (uintptr_t)region,
           (uintptr_t)region + NPAGES * page);
    for (int f = 0; f < CL_NFIELDS; f++)
        if ((m.have >> f) & 1u)
            printf("%s: %llu kB\n", cl_mem_field_names[f], (unsigned long long)m.kb[f]);
    printf("end\n");
    return 0;
}

static int print_pagemap(pid_t pid, int slot)
{
    uint64_t e[NPAGES];
    if (cl_pagemap_raw(pid, region, NPAGES, e) < 0)
        return -1;
    printf("pagemap %d", slot);
    for (int i = 0; i < NPAGES; i++)
        printf(" %" PRIx64, e[i]);
    printf("\n");
    return 0;
}

static int snapshot(int n, const pid_t *pids, const int *slots, int count)
{
    printf("snapshot %d\n", n);
    for (int i = 0; i < count; i++)
        if (print_smaps(pids[i], slots[i]) < 0 || print_pagemap(pids[i], slots[i]) < 0) {
            fprintf(stderr, "capture: cannot read process %d's smaps or pagemap: %s\n",
                    (int)pids[i], strerror(errno));
            return -1;
        }
    return 0;
}

static const char *read_fault_name(enum cl_read_fault rf)
{
    return rf == CL_READ_ZERO_PAGE     ? "zero_page"
           : rf == CL_READ_FRESH_DIRTY ? "fresh_dirty"
                                       : "fresh_clean";
}

int main(void)
{
    const struct cl_probe *p = cl_probe();
    if (cl_probe_require(p, stderr) < 0)
        return 2;
    page = p->page_size;
    struct utsname u;
    uname(&u);
    char buf[128];
    printf("fact kernel %s\nfact machine %s\nfact page_size %zu\n", u.release, u.machine, page);
    printf("fact read_fault %s\nfact zero_pfn %" PRIu64 "\n",
           read_fault_name(cl_read_fault_of_machine()), cl_zero_pfn());
    printf("fact thp %s\n", cl_fact_value(p, CL_FACT_THP, buf, sizeof buf));
    printf("fact nohugepage %s\n", cl_fact_value(p, CL_FACT_NOHUGEPAGE, buf, sizeof buf));

    unsigned char *all =
        mmap(NULL, (NPAGES + 2) * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (all == MAP_FAILED) {
        perror("capture: mmap");
        return 1;
    }
    region = all + page;
    if (mprotect(region, NPAGES * page, PROT_READ | PROT_WRITE) < 0) {
        perror("capture: mprotect");
        return 1;
    }
    /* A kernel built without THP refuses the advice (EINVAL): its pages are base pages anyway. */
    madvise(region, NPAGES * page, MADV_NOHUGEPAGE);
    touch(0, 31, 1);
    touch(32, 47, 0);

    struct cl_team t;
    if (cl_team_start(&t, 2, 1, capture_worker, NULL, NULL) < 0 || cl_team_await(&t, 10000) < 0) {
        perror("capture: workers");
        return 1;
    }
    pid_t pids[3] = {getpid(), t.pids[0], t.pids[1]};
    int slots[3] = {0, 1, 2};
    int rc = snapshot(1, pids, slots, 3);
    if (rc == 0 && cl_team_kill(&t, 1) < 0) {
        perror("capture: kill worker 1");
        rc = -1;
    }
    if (rc == 0)
        rc = snapshot(2, pids, slots, 2);
    if (cl_team_finish(&t, 10000) < 0 && rc == 0) {
        fprintf(stderr, "capture: a worker failed\n");
        rc = -1;
    }
    if (rc == 0) /* only a capture that went right ends with "done" */
        printf("done\n");
    return rc < 0 ? 1 : 0;
}
