/*
 * cowlab/mem.h — measuring memory the way the kernel reports it.
 *
 * Three views of one process, all read from /proc and nothing else:
 *   - the whole process      (smaps_rollup, or the sum of smaps before Linux 4.14),
 *   - one region             (the smaps blocks of the VMAs that cover an address range),
 *   - one page at a time     (pagemap: present, exclusively mapped, swapped, PFN).
 *
 * Every function here is allocation-free, so a process may measure itself without
 * disturbing what it measures, and every function returns -1 with errno set on error
 * (ESRCH: the process has gone) and leaves its output zeroed.
 */
#ifndef COWLAB_MEM_H
#define COWLAB_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One field of an smaps block. The order is the order of the CSV and of cl_mem_field_names. */
enum cl_field {
    CL_SIZE, /* "Size": virtual size of the VMAs (region view only) */
    CL_RSS,
    CL_PSS,
    CL_PSS_DIRTY, /* Linux 6.0+ */
    CL_PSS_ANON,  /* Linux 5.3+ (rollup only) */
    CL_PSS_FILE,
    CL_PSS_SHMEM,
    CL_SHARED_CLEAN,
    CL_SHARED_DIRTY,
    CL_PRIVATE_CLEAN,
    CL_PRIVATE_DIRTY,
    CL_ANONYMOUS,
    CL_ANON_HUGE, /* "AnonHugePages" */
    CL_SWAP,
    CL_SWAP_PSS,
    CL_NFIELDS
};

/* Values in kB, as printed by the kernel. have has bit (1u << field) set for every field the
 * kernel printed: a field missing on an older kernel stays 0 and its bit stays clear. */
struct cl_mem {
    uint64_t kb[CL_NFIELDS];
    uint32_t have;
    unsigned vmas;          /* how many smaps blocks were summed */
    unsigned shared_vmas;   /* of those, mappings made MAP_SHARED (smaps' VmFlags has "ms") */
    unsigned writable_vmas; /* of those, writable mappings (VmFlags "wr") */
    unsigned nohuge_vmas;   /* of those, mappings under MADV_NOHUGEPAGE (VmFlags "nh") */
    unsigned blocks;        /* how many blocks the stream had (0: the process has exited) */
};

/* The kernel's spelling of each field ("Rss", "Pss_Anon", ...). */
extern const char *const cl_mem_field_names[CL_NFIELDS];

/* Index of a field by its kernel name, or -1. */
int cl_mem_field_index(const char *name);

/*
 * Parse one smaps-format stream (smaps, smaps_rollup, or a fixture file) from fd.
 * If lo < hi, only blocks whose VMA overlaps [lo, hi) are summed; otherwise every block.
 * Lines the parser does not know are ignored. Returns 0, or -1 with errno set (EIO for a
 * malformed header line).
 */
int cl_mem_parse_fd(int fd, uintptr_t lo, uintptr_t hi, struct cl_mem *out);

/* The same, keeping only nameless anonymous mappings (no file, no [heap]/[stack] name). */
int cl_mem_parse_nameless_fd(int fd, struct cl_mem *out);

/* The whole process pid (0 = self): smaps_rollup, or the sum of smaps blocks when the
 * kernel has no smaps_rollup (then Pss may be a few kB lower: truncation per mapping). */
int cl_mem_process(pid_t pid, struct cl_mem *out);

/* The VMAs of pid (0 = self) that overlap [addr, addr+len). out->kb[CL_SIZE] tells how much
 * virtual memory those VMAs span: more than len means the region shares a VMA with a
 * neighbour (the kernel merged them) and the numbers include that neighbour. */
int cl_mem_region(pid_t pid, const void *addr, size_t len, struct cl_mem *out);

/* cl_mem_region for a region that must be whole mappings of its own: the VMAs it overlaps span
 * exactly [addr, addr + len) (len rounded up to this machine's pages). When they span more, the
 * kernel merged the region with a neighbour (two mappings of the same flags side by side: where
 * they land changes from run to run) and smaps' numbers would count the neighbour's pages:
 * returns -1 with errno EEXIST, *out still filled (out->kb[CL_SIZE] says how far the VMA
 * reaches). Other failures as cl_mem_region. */
int cl_mem_region_alone(pid_t pid, const void *addr, size_t len, struct cl_mem *out);

/* Several regions of pid (0 = self) from ONE reading of smaps: out[i] is what
 * cl_mem_region(pid, r[i].addr, r[i].len) gives, but the kernel walks the process's page
 * tables once, not once per region (reading smaps costs a walk of every mapping, whatever is
 * kept). n is 1..CL_MEM_MAX_RANGES. */
enum { CL_MEM_MAX_RANGES = 8 };
struct cl_range {
    const void *addr;
    size_t len;
};
int cl_mem_regions(pid_t pid, const struct cl_range *r, int n, struct cl_mem *out);

/* Every mapping of pid (0 = self) summed from smaps: what smem reports, each mapping's Pss
 * truncated to a kB on its own (so up to one kB per mapping below smaps_rollup's).
 * out->vmas is the number of mappings. */
int cl_mem_mappings(pid_t pid, struct cl_mem *out);

/* The nameless anonymous mappings of pid summed from smaps (smem -M '^<anonymous>$'). */
int cl_mem_nameless(pid_t pid, struct cl_mem *out);

/* One page as pagemap describes it. */
struct cl_page {
    bool present;        /* bit 63 */
    bool swapped;        /* bit 62 */
    bool file_or_shared; /* bit 61: file page or shared anonymous */
    bool exclusive;      /* bit 56: mapped by this process only (Linux 4.2+) */
    bool soft_dirty;     /* bit 55 */
    uint64_t pfn;        /* bits 0-54; 0 without CAP_SYS_ADMIN */
};

/* Decode one 64-bit pagemap entry. */
struct cl_page cl_page_decode(uint64_t entry);

/* Fill out[0..npages) for the pages of pid (0 = self) starting at page-aligned addr. */
int cl_pages(pid_t pid, const void *addr, size_t npages, struct cl_page *out);

/* The same pages' pagemap entries as the kernel wrote them (decode with cl_page_decode):
 * for fixtures that keep what the kernel said. */
int cl_pagemap_raw(pid_t pid, const void *addr, size_t npages, uint64_t *out);

/* The mapcount of a physical page from /proc/kpagecount (root only): -1 on error. */
int64_t cl_kpagecount(uint64_t pfn);

/* The machine's page size in bytes, and in kB. */
size_t cl_page_size(void);
size_t cl_page_kb(void);

/* Into buf (size n): the kernel release (uname -r). Returns buf. The THP mode and every other
 * fact the model depends on come from the machine probe (cowlab/probe.h). */
const char *cl_kernel_release(char *buf, size_t n);

/* What the kit reads of /proc/PID/stat: the one reader of that file (the link checks pids
 * with it, the sandbox finds leftovers with it, the tests count faults with it). */
struct cl_proc_stat {
    char state;     /* R, S, D, Z, ... */
    pid_t ppid;     /* parent */
    pid_t pgrp;     /* process group */
    int64_t minflt; /* minor page faults so far */
};

/* Fill *out for process pid (a zombie too). 0, or -1 if it is gone. */
int cl_proc_stat(pid_t pid, struct cl_proc_stat *out);

/* Minor page faults process pid has taken so far (/proc/PID/stat), or -1. */
int64_t cl_minor_faults(pid_t pid);

#endif
