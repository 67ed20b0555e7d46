/*
 * 05-capstone.h — Lab 05, the capstone: "16 GB or 192 GB?" (StackOverflow 14124588) answered
 * with numbers.
 *
 * A parent holds three big lists — list 0 of bit arrays, lists 1 and 2 of int32 arrays — and K
 * workers each read every array. The kit builds the lists as CPython lays them out (lab 02's
 * world, grown up: an array is a small header object whose data buffer is a separate
 * allocation) and runs the workers under five strategies. You predict what each strategy
 * costs (predict.c), extrapolate it to the question's 16 GB and 12 workers, and write the
 * worker of the only strategy that shares everything (shared.c). The tests compare your
 * numbers with the kit's model and with the kernel's, exactly. Read handbook/05-capstone.md
 * first.
 *
 * Sizes in pages of layout->page_size bytes; memory in kB, as /proc prints it.
 */
#ifndef LAB05_CAPSTONE_H
#define LAB05_CAPSTONE_H

#include <stddef.h>
#include <stdint.h>

/* ---- the scene (provided: labs/05-capstone/common/scene.c) ------------------------------ */

enum { CAP_LISTS = 3 }; /* list 0: bit arrays; lists 1 and 2: int32 arrays */

/* How the workers get the lists. */
enum cap_strategy {
    CAP_FORK,        /* fork, the lists inherited (Linux's default start method up to 3.13):
                        each worker's reads incref every array object and the lists */
    CAP_FORK_FREEZE, /* the same after gc.freeze() in the parent (3.7+) */
    CAP_IMMORTAL,    /* fork, every object of the lists immortal (3.12+ semantics) and frozen:
                        a reference writes nothing */
    CAP_PICKLE,      /* spawn / forkserver (Linux's default from 3.14): the lists are pickled to
                        each worker, which rebuilds them in an address space of its own */
    CAP_SHARED,      /* one shared-memory segment holds every array's data, unboxed; workers
                        attach it by name and read through it; no list, no header */
    CAP_NSTRATEGIES
};

/* The question's shape: CAP_LISTS lists of `arrays` arrays of `array_bytes` bytes of data. */
struct cap_params {
    size_t arrays;      /* arrays in each list */
    size_t array_bytes; /* data bytes of each array: a multiple of 4, at least 4 */
};

/* What the parent's lists occupy, in pages, as the kit's allocators place them
 * (cap_layout_of). Every counted page is resident and written by the parent. */
struct cap_layout {
    size_t page_size;
    uint64_t data_bytes; /* CAP_LISTS * arrays * array_bytes */
    /* The object heap: pymalloc's arenas (16 KiB pools of one size class each; requests of
     * at most 512 bytes): the lists, the array headers, and data buffers of <= 512 bytes.
     * One private anonymous mapping. */
    size_t heap_pages;
    /* Heap pages holding the reference count of a list or of an array header: the pages a
     * reference writes. The rest of the heap holds small data buffers only. */
    size_t refcount_pages;
    /* The system allocator's region (malloc): item arrays and data buffers of more than 512
     * bytes, each 16 bytes into a malloc chunk. In the kit, one private anonymous mapping,
     * truncated once per process (the handbook's section 1 says where real glibc would give
     * a buffer of 128 KiB or more a mapping of its own: the kit counts such a buffer's whole
     * pages in this one region). */
    size_t system_pages;
    /* CAP_SHARED's segment: the data of every array back to back, list 0 first. */
    size_t segment_pages;
};

/* The layout of p's lists on a machine with pages of page_size bytes (a power of two, at
 * least 4096). Computes, allocates nothing. 0, or -1 with errno EINVAL (bad parameters) or
 * EOVERFLOW (more than 2^40 bytes). */
int cap_layout_of(const struct cap_params *p, size_t page_size, struct cap_layout *out);

/* ---- predict.c: what you predict ------------------------------------------------------- */

struct cap_prediction {
    /* Pss (kB) of the lists' memory — the heap and system regions, or the segment for
     * CAP_SHARED — summed over the parent and its k workers, while every worker is alive and
     * has read every array. Each process's Pss of each region truncated as smaps truncates it
     * (one mapping at a time). */
    uint64_t total_pss_kb;
    /* Private_Dirty (kB) of one worker in those regions. */
    uint64_t worker_private_dirty_kb;
};

/* Predict strategy s with k (1..64) workers for lists laid out as l. Every worker reads every
 * array (CAP_SHARED: every value of the segment). The parent does not read or write after
 * starting the workers. The tests give only k in 1..64, a known strategy and a layout from
 * cap_layout_of; out is always filled (the handbook's sections 2 and 3 say what each field
 * holds for each strategy). */
void cap_predict(const struct cap_layout *l, enum cap_strategy s, unsigned k,
                 struct cap_prediction *out);

/* The total memory (kB) of strategy s for lists of p's shape and k workers (1..64: the tests
 * pass no other k, so what happens outside that range is yours to choose), as a
 * machine with pages of page_size bytes would report it: the lists' regions (cap_predict on p's
 * layout) plus the interpreter itself in each of the k + 1 processes, interp_kb each (what a
 * process costs with empty lists: measured, see the handbook). 0 if p's layout cannot be computed.
 */
uint64_t cap_extrapolate_kb(const struct cap_params *p, size_t page_size, enum cap_strategy s,
                            unsigned k, uint64_t interp_kb);

/* ---- shared.c: CAP_SHARED's worker ------------------------------------------------------ */

/* Map the segment `name` (shm_open's name, "/..."), `bytes` long, shared (MAP_SHARED), as
 * multiprocessing.shared_memory.SharedMemory(name) does (which maps it read-write; here
 * read-only: a worker only reads): no copy, no page touched. Open it read-only (shm_open's
 * mode is then unused: 0), learn its size (fstat), map the first `bytes` of it (a segment
 * longer than bytes is fine), and close the descriptor before returning (a failure of that
 * close after a good mapping is ignored: the mapping is returned). Returns the mapping,
 * or NULL with errno set and nothing left open or mapped: EINVAL when bytes is 0 (checked
 * first), ENOENT when there is no such segment, EINVAL when bytes is larger than the segment;
 * a failing shm_open, fstat or mmap: that call's errno. */
const void *cap_attach(const char *name, size_t bytes);

/* What a worker computes over the segment (list 0's bit arrays first, then lists 1 and 2 of
 * int32, each array array_bytes long, back to back): the number of set bits of list 0 plus the
 * sum of every int32 of lists 1 and 2. Reads every byte of the data; writes nothing. */
int64_t cap_sum(const void *segment, const struct cap_params *p);

/* Unmap a mapping cap_attach returned, given the same bytes (munmap). 0, or -1 with munmap's
 * errno. */
int cap_detach(const void *segment, size_t bytes);

#endif
