/*
 * 03-shm-arrays.h — Lab 03, shared arrays with shm_open and mmap: what you implement.
 *
 * shm.c  a small typed shared-array library. A segment is a POSIX shared memory object
 *        (/dev/shm/NAME) holding one header page (struct sha_header) followed by the elements,
 *        which start on a page boundary. One process creates it; any process that knows the
 *        name attaches to it, read-only or read-write, even one started with exec that shares
 *        nothing else with the creator. The harness starts such processes, holds them at a
 *        barrier and measures the segment in each of them (handbook/03-shm-arrays.md).
 *
 * Every function that can fail returns one of the SHA_ERR_* codes below with errno set as the
 * code says, and leaves nothing half made: no name left in /dev/shm that the call created, no
 * mapping, no open descriptor. Sizes are in bytes; the page size is sysconf(_SC_PAGESIZE)
 * (4096 on x86-64, 16384 on some arm64 kernels: never assume one).
 */
#ifndef LAB03_SHM_ARRAYS_H
#define LAB03_SHM_ARRAYS_H

#include <stddef.h>
#include <stdint.h>

#define SHA_MAGIC   0x3352524159414853ULL /* "SHAYARR3" read as a little-endian uint64 */
#define SHA_VERSION 1u

/* The first bytes of every segment, in its first page. */
struct sha_header {
    uint64_t magic;       /* SHA_MAGIC */
    uint32_t version;     /* SHA_VERSION */
    uint32_t elem_size;   /* bytes per element, 1 or more */
    uint64_t count;       /* elements */
    uint64_t generation;  /* 1 when created; nothing in this lab changes it */
    uint64_t data_offset; /* where element 0 starts: the page size */
};

/* The return codes, and the errno each sets. */
enum sha_status {
    SHA_OK = 0,
    SHA_ERR_NAME = -1,      /* EINVAL: the name is not "/" then 1 to NAME_MAX (255) characters,
                               none of them "/" */
    SHA_ERR_ARG = -2,       /* EINVAL: elem_size 0 (or, for sha_create, above UINT32_MAX), a
                               size that overflows, an unknown mode, a NULL pointer */
    SHA_ERR_EXISTS = -3,    /* EEXIST: sha_create of a name that is taken */
    SHA_ERR_NOENT = -4,     /* ENOENT: no segment of that name */
    SHA_ERR_SIZE = -5,      /* EINVAL: the segment's elem_size is not the one asked for */
    SHA_ERR_MAGIC = -6,     /* EPROTO: the first 8 bytes are not SHA_MAGIC */
    SHA_ERR_VERSION = -7,   /* EPROTO: the version is not SHA_VERSION */
    SHA_ERR_TRUNCATED = -8, /* EIO: the object is shorter than a header page, or than its
                               header says (data_offset + the pages of count * elem_size) */
    SHA_ERR_NOSPC = -9,     /* ENOSPC: /dev/shm has no room for the segment */
    SHA_ERR_SYS = -10,      /* errno of the system call that failed for another reason */
};

/* How to attach. SHA_PRIVATE maps the segment MAP_PRIVATE: reads see the segment, a write
 * makes a private copy of that page that nobody else sees. */
enum sha_mode { SHA_RDONLY = 0, SHA_RDWR = 1, SHA_PRIVATE = 2 };

/* One attached (or created) segment, filled by sha_create and sha_attach. */
struct sha_array {
    void *base;       /* the mapping: the header is at base */
    size_t map_len;   /* bytes mapped: the whole segment */
    void *data;       /* element 0: base + header->data_offset */
    size_t elem_size; /* bytes per element */
    size_t count;     /* elements */
    int mode;         /* enum sha_mode; sha_create: SHA_RDWR */
};

/* Bytes of a segment of count elements of elem_size bytes: one header page, then the
 * elements rounded up to whole pages. page_size is a power of two (the page size). 0 if
 * elem_size or page_size is 0, or if the size overflows size_t. */
size_t sha_segment_size(size_t elem_size, size_t count, size_t page_size);

/* Create the segment `name` for count elements of elem_size bytes: shm_open with O_CREAT |
 * O_EXCL (mode 0600), ftruncate to sha_segment_size, posix_fallocate the whole of it (so that a
 * full /dev/shm is an error now, SHA_ERR_NOSPC, not a SIGBUS at the first write), mmap it
 * read-write and shared, write the header (generation 1). The elements read as zeros; no
 * element page is touched. The descriptor is closed before returning (a failure of that close
 * is ignored: the segment is made and mapped). On success fills *out
 * and returns SHA_OK; on failure returns a code and removes the name it created, *out
 * untouched. Checks, in this order: the name (SHA_ERR_NAME; a NULL name too), then out,
 * elem_size and the segment's size (SHA_ERR_ARG: sha_segment_size gives 0, or the size does
 * not fit an off_t, INT64_MAX; count 0 is a segment of its header page alone), then the calls:
 * shm_open (EEXIST: SHA_ERR_EXISTS), ftruncate, posix_fallocate (it returns its error rather than
 * setting errno: ENOSPC is SHA_ERR_NOSPC), mmap — a failure of any of them, other than those two,
 * is SHA_ERR_SYS with its errno. When cleaning up after a failure, keep the first failure's errno.
 * No madvise: shared memory gets no transparent huge pages unless shmem_enabled says so (never, by
 * default). */
int sha_create(const char *name, size_t elem_size, size_t count, struct sha_array *out);

/* Attach to the existing segment `name`, whose elements must be elem_size bytes, in mode
 * (enum sha_mode): shm_open (O_RDONLY for SHA_RDONLY and SHA_PRIVATE, O_RDWR for SHA_RDWR;
 * no madvise here either), check the object's size
 * before touching anything past it, the header's magic, version and elem_size, then map the
 * whole segment (PROT_READ for SHA_RDONLY, else PROT_READ | PROT_WRITE; MAP_SHARED, or
 * MAP_PRIVATE for SHA_PRIVATE). No element page is touched. The descriptor is closed before
 * returning (a failure of that close after a good mapping is ignored). Fills *out and returns
 * SHA_OK, or a code with nothing left mapped or open and *out untouched. Checks, in this order: the
 * name (SHA_ERR_NAME), out, elem_size (0) and mode (SHA_ERR_ARG), shm_open (ENOENT: SHA_ERR_NOENT;
 * else SHA_ERR_SYS), fstat (SHA_ERR_SYS), an object shorter than one page (SHA_ERR_TRUNCATED), then
 * the header read from it: magic, version, elem_size (SHA_ERR_SIZE when it is not the one asked
 * for), and last data_offset and the object's size: SHA_ERR_TRUNCATED when data_offset is not the
 * page size, when sha_segment_size(header's elem_size, header's count) is 0, or when the object is
 * shorter than that size. Reading the header (pread, or through a mapping of its page) can
 * fail only as a system call: SHA_ERR_SYS with its errno (a pread that returns fewer bytes than
 * a header, the object having shrunk since fstat, is SHA_ERR_TRUNCATED; no test makes one). An
 * elem_size above UINT32_MAX matches no header: SHA_ERR_SIZE, found where the header's
 * elem_size is compared (after magic and version), like any other mismatch. The mapping, map_len,
 * is that size, not the object's (an object longer than its header says is mapped only as far as
 * the header says). */
int sha_attach(const char *name, size_t elem_size, int mode, struct sha_array *out);

/* Unmap a segment from sha_create or sha_attach (munmap of base, map_len); *a is zeroed.
 * SHA_OK, or SHA_ERR_ARG for a NULL a or a->base NULL (never filled, or detached already),
 * SHA_ERR_SYS with munmap's errno (*a then unchanged). The name stays. */
int sha_detach(struct sha_array *a);

/* Remove the name: later attaches fail with SHA_ERR_NOENT, processes that have it mapped keep
 * their mapping, and the memory is freed when the last of them unmaps it. SHA_OK,
 * SHA_ERR_NAME (a NULL or badly formed name), SHA_ERR_NOENT, or SHA_ERR_SYS (shm_unlink's
 * other errors, its errno). */
int sha_unlink(const char *name);

/* The address of element i, or NULL when a is NULL or i >= a->count (errno left as it was). */
void *sha_at(const struct sha_array *a, size_t i);

/* Map npages pages of anonymous shared memory (MAP_SHARED | MAP_ANONYMOUS, read-write) with
 * madvise(MADV_NOHUGEPAGE): memory that a parent shares with the children it forks after,
 * without a name. No page is touched. NULL with errno set on failure, nothing left mapped:
 * mmap's errno (EINVAL for 0 pages), or madvise's (unmap first, keeping it). Callers pass an
 * npages whose size in bytes fits a size_t: no overflow check is needed or tested. */
void *sha_map_anonymous(size_t npages);

#endif
