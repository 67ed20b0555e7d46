/*
 * facts.c — the probe's facts as people read them: names, values, what each changes in the
 * labs, the one-line summary results carry, and the check that the labs can run at all.
 * Contracts in cowlab/probe.h; establishing the facts is probe.c's job.
 */
#include "cowlab/probe.h"

#include "cowlab/mem.h"

#include <stdlib.h>
#include <string.h>

static const char *const facts_names[CL_NFACTS] = {
    [CL_FACT_KERNEL] = "kernel",
    [CL_FACT_PAGE_SIZE] = "page_size",
    [CL_FACT_ZERO_PAGE] = "zero_page",
    [CL_FACT_THP] = "thp",
    [CL_FACT_NOHUGEPAGE] = "nohugepage",
    [CL_FACT_SHMEM_THP] = "shmem_thp",
    [CL_FACT_FAULT_AROUND] = "fault_around",
    [CL_FACT_SMAPS] = "smaps",
    [CL_FACT_ROLLUP] = "smaps_rollup",
    [CL_FACT_PSS_FIELDS] = "pss_fields",
    [CL_FACT_PAGEMAP] = "pagemap",
    [CL_FACT_EXCLUSIVE] = "pagemap_bit56",
    [CL_FACT_PFN] = "pagemap_pfn",
    [CL_FACT_DEV_SHM] = "dev_shm",
    [CL_FACT_SCRATCH_EXEC] = "scratch_exec",
    [CL_FACT_OTHER_UID] = "other_uid",
    [CL_FACT_MEM_LIMIT] = "mem_limit",
};

const char *cl_fact_name(enum cl_fact f)
{
    return f < CL_NFACTS ? facts_names[f] : "?";
}

static const char *facts_tri(enum cl_tri t)
{
    return t == CL_YES ? "yes" : t == CL_NO ? "no" : "unknown";
}

int cl_fact_index(const char *name)
{
    for (int f = 0; f < CL_NFACTS; f++)
        if (strcmp(facts_names[f], name) == 0)
            return f;
    return -1;
}

const char *cl_scratch_dir(void)
{
    const char *dir = getenv("COWLAB_TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

bool cl_fact_is_yes_no(enum cl_fact f)
{
    /* In an all-zero probe every yes/no fact reads CL_NO (0); the others read CL_UNKNOWN. */
    static const struct cl_probe zero;
    return cl_fact_state(&zero, f) != CL_UNKNOWN;
}

enum cl_tri cl_fact_state(const struct cl_probe *p, enum cl_fact f)
{
    switch (f) {
    case CL_FACT_ZERO_PAGE: return p->zero_page;
    case CL_FACT_NOHUGEPAGE: return p->nohugepage;
    case CL_FACT_SMAPS: return p->smaps;
    case CL_FACT_ROLLUP: return p->rollup;
    case CL_FACT_PAGEMAP: return p->pagemap;
    case CL_FACT_EXCLUSIVE: return p->exclusive;
    case CL_FACT_PFN: return p->pfn;
    case CL_FACT_SCRATCH_EXEC: return p->scratch_exec;
    case CL_FACT_OTHER_UID: return p->other_uid;
    default: return CL_UNKNOWN;
    }
}

const char *cl_fact_value(const struct cl_probe *p, enum cl_fact f, char *buf, size_t n)
{
    buf[0] = '\0';
    switch (f) {
    case CL_FACT_KERNEL: snprintf(buf, n, "%s", p->kernel); break;
    case CL_FACT_PAGE_SIZE: snprintf(buf, n, "%zu", p->page_size); break;
    case CL_FACT_THP: snprintf(buf, n, "%s", p->thp); break;
    case CL_FACT_SHMEM_THP: snprintf(buf, n, "%s", p->shmem_thp); break;
    case CL_FACT_FAULT_AROUND:
        if (p->fault_around)
            snprintf(buf, n, "%zu pages", p->fault_around);
        else
            snprintf(buf, n, "unknown");
        break;
    case CL_FACT_PSS_FIELDS:
        for (enum cl_field i = CL_PSS_DIRTY; i <= CL_PSS_SHMEM; i++)
            if (p->pss_fields & (1u << i)) {
                size_t len = strlen(buf);
                snprintf(buf + len, n - len, "%s%s", len ? " " : "", cl_mem_field_names[i]);
            }
        if (!buf[0])
            snprintf(buf, n, p->rollup == CL_YES ? "none" : "unknown");
        break;
    case CL_FACT_DEV_SHM:
        if (p->dev_shm == CL_UNKNOWN)
            snprintf(buf, n, "unknown");
        else
            snprintf(buf, n, "%s, %llu MiB, %llu MiB free", p->dev_shm == CL_YES ? "yes" : "no",
                     (unsigned long long)p->shm_size_kb / 1024,
                     (unsigned long long)p->shm_free_kb / 1024);
        break;
    case CL_FACT_SCRATCH_EXEC:
        snprintf(buf, n, "%s (%s)", facts_tri(p->scratch_exec), p->scratch);
        break;
    case CL_FACT_MEM_LIMIT:
        if (p->mem_limit_known != CL_YES)
            snprintf(buf, n, "unknown");
        else if (!p->mem_limit_kb)
            snprintf(buf, n, "none");
        else
            snprintf(buf, n, "%llu MiB", (unsigned long long)p->mem_limit_kb / 1024);
        break;
    case CL_FACT_ZERO_PAGE:
        if (p->zero_page == CL_NO)
            snprintf(buf, n, "no (read fault: fresh %s page)",
                     p->read_fault_dirty == CL_YES ? "dirty" : "clean");
        else
            snprintf(buf, n, "%s", facts_tri(p->zero_page));
        break;
    default: snprintf(buf, n, "%s", facts_tri(cl_fact_state(p, f))); break;
    }
    return buf;
}

const char *cl_fact_effect(const struct cl_probe *p, enum cl_fact f)
{
    switch (f) {
    case CL_FACT_KERNEL: return "recorded only: no expected value depends on a version number";
    case CL_FACT_PAGE_SIZE: return "every size and kB figure is counted in pages of this size";
    case CL_FACT_ZERO_PAGE:
        return p->zero_page == CL_YES ? "lab 01: reading never-written memory costs nothing"
               : p->zero_page == CL_NO
                   ? "lab 01: every page read gets a page of its own: Rss grows by one page per "
                     "page read, and no page is ever in the zero-page state"
                   : "cannot model reads of never-written memory: the labs cannot run";
    case CL_FACT_THP: return "lab buffers ask MADV_NOHUGEPAGE; recorded with every result";
    case CL_FACT_NOHUGEPAGE:
        return p->nohugepage == CL_NO ? "a write may copy a huge page: results cannot be exact"
                                      : "every copy-on-write fault copies one base page";
    case CL_FACT_SHMEM_THP: return "shared-memory labs: 'never' keeps shmem on base pages";
    case CL_FACT_FAULT_AROUND: return "shared-memory labs: one read maps this many cached pages";
    case CL_FACT_SMAPS: return "every region measurement; the labs cannot run without it";
    case CL_FACT_ROLLUP:
        return p->rollup == CL_YES ? "process totals read in one walk, truncated once"
                                   : "process totals summed per mapping (up to 1 kB low each)";
    case CL_FACT_PSS_FIELDS: return "only the fields printed here are compared";
    case CL_FACT_PAGEMAP: return "page maps and page counts; the labs cannot run without it";
    case CL_FACT_EXCLUSIVE:
        return p->exclusive == CL_YES ? "private vs shared pages told apart page by page"
                                      : "page states cannot be told apart: page maps not graded";
    case CL_FACT_PFN:
        return p->pfn == CL_YES ? "zero-page cells and kept frames shown (root)"
                                : "zero-page cells look shared; who kept the frames not shown";
    case CL_FACT_DEV_SHM:
        return "shared-memory labs: segments live here (Docker's default: 64 MiB)";
    case CL_FACT_SCRATCH_EXEC: return "the grader builds and runs lab binaries here";
    case CL_FACT_OTHER_UID:
        return p->other_uid == CL_YES
                   ? "as root, the grader runs student code under a uid of its own"
                   : "grading as root is refused: it could not measure student code (a "
                     "container without CAP_SYS_PTRACE: add it, or grade as another user)";
    case CL_FACT_MEM_LIMIT: return "the largest experiments must fit under it";
    default: return "";
    }
}

const char *cl_probe_summary(const struct cl_probe *p, char *buf, size_t n)
{
    char zero[48];
    const char *forgot = getenv("COWLAB_PROBE_FORGET");
    bool forgetting = forgot && *forgot;
    snprintf(buf, n, "page %zu B; zero page %s; THP %s%s; fault-around %zu pages%s%s", p->page_size,
             cl_fact_value(p, CL_FACT_ZERO_PAGE, zero, sizeof zero), p->thp,
             p->nohugepage == CL_YES ? "" : " (NOHUGEPAGE not honoured)", p->fault_around,
             forgetting ? "; FORGOTTEN ON PURPOSE: " : "", forgetting ? forgot : "");
    return buf;
}

void cl_probe_print_tsv(const struct cl_probe *p, FILE *out)
{
    char value[160];
    for (enum cl_fact f = 0; f < CL_NFACTS; f++)
        fprintf(out, "%s\t%s\t%s\n", cl_fact_name(f), cl_fact_value(p, f, value, sizeof value),
                p->how[f]);
}

int cl_probe_require(const struct cl_probe *p, FILE *err)
{
    static const struct {
        enum cl_fact fact;
        const char *impossible;
    } need[] = {
        {CL_FACT_PAGE_SIZE, "every size"},
        {CL_FACT_SMAPS, "measuring any region"},
        {CL_FACT_PAGEMAP, "page maps and page counts"},
        {CL_FACT_ZERO_PAGE, "the expected value of every read of never-written memory"},
    };
    int missing = 0;
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        enum cl_fact f = need[i].fact;
        bool ok = f == CL_FACT_PAGE_SIZE ? p->page_size >= 1024
                                         : cl_fact_state(p, f) == CL_YES ||
                                               (f == CL_FACT_ZERO_PAGE && p->zero_page == CL_NO);
        if (ok)
            continue;
        missing++;
        if (err)
            fprintf(err, "cowlab: cannot establish %s (%s): that makes %s impossible\n",
                    cl_fact_name(f), p->how[f][0] ? p->how[f] : "not probed", need[i].impossible);
    }
    return missing ? -1 : 0;
}
