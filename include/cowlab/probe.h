/*
 * cowlab/probe.h — what THIS kernel does, established by small experiments at start-up.
 *
 * Every expected value the kit computes depends on how the machine behaves: its page size,
 * whether a read fault maps the shared zero page, whether MADV_NOHUGEPAGE is honoured, how
 * many neighbours a read of shared memory maps (fault-around), what pagemap shows. Kernels
 * differ in all of these (a version number tells none of them reliably: see FACTS.md,
 * "Machines differ"), so the kit measures them, once per process, and the model, the
 * reports, the CSVs and the plots take them from here. This is the only place that decides
 * them.
 *
 * A fact the probe cannot establish (no /proc, pagemap denied, hidepid, ...) is UNKNOWN with
 * the reason in `how`; a fact the labs cannot do without makes cl_probe_require() fail,
 * naming the fact and what it makes impossible — never a guessed value.
 */
#ifndef COWLAB_PROBE_H
#define COWLAB_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A yes/no fact that may not be established. */
enum cl_tri { CL_UNKNOWN = -1, CL_NO = 0, CL_YES = 1 };

/* The facts, in the order `cowlab doctor` prints them. */
enum cl_fact {
    CL_FACT_KERNEL,       /* uname -r (recorded, never used to decide anything) */
    CL_FACT_PAGE_SIZE,    /* bytes */
    CL_FACT_ZERO_PAGE,    /* a read fault on never-written private memory maps the zero page */
    CL_FACT_THP,          /* transparent_hugepage/enabled: always, madvise, never, none */
    CL_FACT_NOHUGEPAGE,   /* MADV_NOHUGEPAGE keeps a PMD-aligned region on base pages */
    CL_FACT_SHMEM_THP,    /* transparent_hugepage/shmem_enabled */
    CL_FACT_FAULT_AROUND, /* pages a one-page read of cached shmem maps */
    CL_FACT_SMAPS,        /* /proc/PID/smaps readable (the region view) */
    CL_FACT_ROLLUP,       /* /proc/PID/smaps_rollup exists */
    CL_FACT_PSS_FIELDS,   /* which of Pss_Dirty, Pss_Anon, Pss_File, Pss_Shmem the kernel prints */
    CL_FACT_PAGEMAP,      /* /proc/PID/pagemap readable (present bits) */
    CL_FACT_EXCLUSIVE,    /* pagemap bit 56 (exclusively mapped) set on a private page */
    CL_FACT_PFN,          /* pagemap shows PFNs (CAP_SYS_ADMIN) */
    CL_FACT_DEV_SHM,      /* /dev/shm: a tmpfs, its size and free space */
    CL_FACT_SCRATCH_EXEC, /* the scratch folder (cl_scratch_dir) allows exec */
    CL_FACT_OTHER_UID,    /* as root: the /proc files of a process under another uid are
                             readable (CAP_SYS_PTRACE; a container may drop it) */
    CL_FACT_MEM_LIMIT,    /* a cgroup memory limit on this process */
    CL_NFACTS
};

struct cl_probe {
    char kernel[64];
    size_t page_size;
    enum cl_tri zero_page;
    /* Without the zero page, whether the fresh page a read fault gives is dirty (it is on a
     * writable mapping: do_anonymous_page marks the PTE dirty). UNKNOWN with the zero page. */
    enum cl_tri read_fault_dirty;
    char thp[16];           /* "always", "madvise", "never", or "none" without THP */
    size_t pmd_size;        /* huge page size in bytes, 0 without THP */
    enum cl_tri nohugepage; /* YES: honoured (or no THP at all) */
    char shmem_thp[16];     /* "never", "always", ..., or "none" */
    size_t fault_around;    /* pages mapped by a read of one cached shmem page; 0: unknown */
    enum cl_tri smaps, rollup, pagemap, exclusive, pfn;
    uint32_t pss_fields; /* (1u << CL_PSS_DIRTY) | ... for the Pss_* rollup fields seen */
    enum cl_tri dev_shm; /* /dev/shm is a tmpfs we can use */
    uint64_t shm_size_kb, shm_free_kb;
    char scratch[256];
    enum cl_tri scratch_exec;
    /* YES: the grader (root) can measure a subject that runs under a fresh uid of its own;
     * NO or UNKNOWN: it cannot, and grading as root is refused (every measuring test would
     * fail on "Permission denied"). YES when not root (nothing to cross). */
    enum cl_tri other_uid;
    uint64_t mem_limit_kb; /* 0: no limit found */
    enum cl_tri mem_limit_known;
    /* For each fact, how it was established, or why it could not be. */
    char how[CL_NFACTS][200];
};

/*
 * The facts of this machine as this process sees them (PFN visibility depends on the
 * process's privileges), established on the first call and cached. Never NULL; never exits.
 * The probe maps and unmaps a few small regions of its own and leaves nothing behind.
 */
const struct cl_probe *cl_probe(void);

/* The probe a grader running as root hands down to the observers it starts: a file it wrote
 * with cl_probe_save into its run folder (root's, mode 0711; the file 0600, the subject a fresh
 * uid), named in this variable. An observer adopts it (cl_probe_adopt) instead of probing again
 * (5 ms in every test); other programs ignore the variable. */
#define CL_PROBE_FILE_ENV "COWLAB_PROBE_FILE"

/* Make the probe saved at path (cl_probe_save) this process's cl_probe(), before anything has
 * asked for it. 0, or -1 when cl_probe_load refuses it or the probe is established already:
 * cl_probe() then probes as usual. */
int cl_probe_adopt(const char *path);

/* Write p to path, a new file (mode 0600; an existing path or a link there is refused).
 * Returns 0 or -1 with errno. */
int cl_probe_save(const struct cl_probe *p, const char *path);

/* Read into p a probe that cl_probe_save wrote at path: 0, or -1 when the file is missing, a
 * link, short or long, of another layout (its mark or the struct's size differ: a build with
 * the same size and mark is trusted to lay it out alike) or of another kernel (uname(2)). */
int cl_probe_load(struct cl_probe *p, const char *path);

/* Run the probe afresh into p (for tests and `cowlab doctor`). Returns 0, or -1 if a fact
 * the labs need (see cl_probe_require) could not be established; p is filled either way.
 * Facts named in $COWLAB_PROBE_FORGET (space-separated) are reported UNKNOWN: the kit's own
 * tests use it to stand for a machine that lacks them. */
int cl_probe_run(struct cl_probe *p);

/* The folder the grader builds and runs lab binaries in: $COWLAB_TMPDIR if set (for machines
 * whose /tmp is mounted noexec), else /tmp. The probe checks this same folder. */
const char *cl_scratch_dir(void);

/* Whether a fact is a yes/no one (cl_fact_state can say yes): only those can be CL_NEEDS. */
bool cl_fact_is_yes_no(enum cl_fact f);

/*
 * Check that the facts every measuring command needs were established: page size, smaps,
 * pagemap and the zero page. Returns 0, or -1 after printing to err (if not NULL) one line
 * per missing fact: which fact, why, and what that makes impossible.
 */
int cl_probe_require(const struct cl_probe *p, FILE *err);

/* The fact named name ("zero_page"), or -1. */
int cl_fact_index(const char *name);

/* A yes/no fact's state (CL_UNKNOWN for facts that are not yes/no). */
enum cl_tri cl_fact_state(const struct cl_probe *p, enum cl_fact f);

/* The fact's short name ("zero_page"), its value as text ("yes"), and what it changes in
 * the labs, into the caller's buffers (each of size n). name and effect may be NULL. */
const char *cl_fact_name(enum cl_fact f);
const char *cl_fact_value(const struct cl_probe *p, enum cl_fact f, char *buf, size_t n);
const char *cl_fact_effect(const struct cl_probe *p, enum cl_fact f);

/* One line that names the facts that shaped the expected values ("page 4096 B, zero page
 * yes, THP madvise, NOHUGEPAGE honoured, fault-around 16 pages"), for CSVs, report headers
 * and plot subtitles. Returns buf. */
const char *cl_probe_summary(const struct cl_probe *p, char *buf, size_t n);

/* Print the facts as `name<TAB>value<TAB>how` lines (the lab binary's `probe` command, which
 * the kernel matrix reads inside each guest). */
void cl_probe_print_tsv(const struct cl_probe *p, FILE *out);

#endif
