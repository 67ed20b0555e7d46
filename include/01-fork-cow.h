/*
 * 01-fork-cow.h — Lab 01, fork and copy-on-write: what you implement.
 *
 * experiment.c  maps a private buffer, fills it, reads or writes chosen pages, and forks
 *               children. The harness forks through your cow_spawn, holds every process at a
 *               barrier and measures the buffer in each of them.
 * predict.c     predicts, before anything runs, what the kernel will report. The tests
 *               compare your predictions with the harness's model (never with your own
 *               experiment's measurement: a wrong experiment costs its own points only),
 *               exactly: no tolerance. The model itself equals the kernel's numbers.
 *
 * Sizes are in pages of sysconf(_SC_PAGESIZE) bytes (4096 on x86-64, 16384 on some arm64 kernels:
 * never assume one); memory figures in kB, as /proc prints them. Read handbook/01-fork-cow.md
 * first.
 */
#ifndef LAB01_FORK_COW_H
#define LAB01_FORK_COW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- experiment.c ------------------------------------------------------------------- */

/* Map a private anonymous read-write buffer of npages pages and ask the kernel
 * not to back it with transparent huge pages (madvise MADV_NOHUGEPAGE), so that every
 * copy-on-write fault copies exactly one base page. No page is touched. Returns the
 * page-aligned buffer, or NULL with errno set (nothing left mapped): when mmap fails, its
 * errno; when madvise fails, unmap the buffer and keep madvise's errno. Callers pass
 * 1 <= npages and npages * page size below SIZE_MAX: no range check is needed or tested. */
void *cow_map(size_t npages);

/* Unmap a buffer from cow_map (npages as given to it, so never 0). Returns 0, or -1 with
 * munmap's errno. */
int cow_unmap(void *buf, size_t npages);

/* Write to every page of buf (any non-zero byte in each page), so that every page is
 * resident and dirty. */
void cow_fill(void *buf, size_t npages);

/* Read one byte of every page (any byte of it) and return the sum of the bytes read, each as
 * an unsigned char (0..255). Writes nothing. */
uint64_t cow_read(const void *buf, size_t npages);

/* Write to pages 0, stride, 2*stride, ... below npages (one byte each, any non-zero value)
 * and return how many pages were written. stride 0 writes nothing and returns 0. */
size_t cow_write_every(void *buf, size_t npages, size_t stride);

/* Fork k children. Child i (0-based) calls child(i, arg); should child return, the child
 * process calls _exit(0) at once: a child never returns from cow_spawn. The parent stores
 * the children's pids in pids[0..k) and returns 0 without waiting for them. If a fork fails,
 * kill (SIGKILL) and reap the children already forked (pids[0..i): never another process),
 * and return -1 with fork's errno (kept across kill and waitpid). cow_spawn writes pids[i]
 * only for a child it forked: the slot of the failed fork and those after it keep whatever
 * they held. k >= 1; pids has room for k and child is never NULL. */
int cow_spawn(int k, void (*child)(int i, void *arg), void *arg, pid_t *pids);

/* ---- predict.c ---------------------------------------------------------------------- */

/* What the kernel reports for the buffer in one process (kB, as in /proc/PID/smaps). */
struct cow_expect {
    uint64_t rss_kb;
    uint64_t pss_kb;
    uint64_t shared_dirty_kb;
    uint64_t private_dirty_kb;
};

/* Rss (kB), in the process that read it, of an npages buffer that was mapped and only read,
 * never written. zero_page says what this kernel does on such a read (the `zero_page` fact
 * of `cowlab doctor`): non-zero, it maps the shared zero page, which no process is charged
 * for; 0, it gives the reader a zeroed page of its own, as some VM kernels do (see
 * handbook/01-fork-cow.md, "A kernel without the zero page"). npages may be 0. */
uint64_t cow_predict_untouched_rss_kb(size_t npages, size_t page_size, int zero_page);

/* How many pages cow_write_every(buf, npages, stride) writes. */
size_t cow_predict_pages_written(size_t npages, size_t stride);

/* Pss (kB) that /proc/PID/smaps reports, in each of nprocs processes, for a fully written
 * npages buffer that all of them share after fork(s) and none has written since. Exactly as
 * the kernel computes it: see handbook/01-fork-cow.md, "How the kernel adds up PSS".
 * nprocs 0 (no process maps it): 0. The tests keep npages below 2^32, so the kernel's 64-bit
 * sum (page size << 12 per page: "How the kernel adds up PSS") never overflows: a uint64_t is
 * exact. */
uint64_t cow_predict_shared_pss_kb(size_t npages, unsigned nprocs, size_t page_size);

/* A fully written npages buffer, one fork, then ONE of the two processes (the writer) writes
 * every stride-th page (as cow_write_every; stride 0 writes nothing). Fill in what smaps shows
 * in the writer and in the other process, Pss with the kernel's arithmetic (as
 * cow_predict_shared_pss_kb). writer and other are never NULL. */
void cow_predict_one_writer(size_t npages, size_t stride, size_t page_size,
                            struct cow_expect *writer, struct cow_expect *other);

/* Minor page faults the writer takes inside cow_write_every(buf, npages, stride) on a
 * buffer it shares (fully written) with its parent. */
uint64_t cow_predict_minor_faults(size_t npages, size_t stride);

#endif
