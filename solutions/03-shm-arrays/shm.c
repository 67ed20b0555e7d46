/*
 * shm.c — lab 03's reference: a typed shared array in a POSIX shared memory object.
 * Contracts in include/03-shm-arrays.h.
 */
#include "03-shm-arrays.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Return code `code` with errno e. */
static int sha_fail(int code, int e)
{
    errno = e;
    return code;
}

/* A system call failed with errno: ENOSPC is its own code, anything else SHA_ERR_SYS. */
static int sha_sys(void)
{
    return errno == ENOSPC ? SHA_ERR_NOSPC : SHA_ERR_SYS;
}

static size_t sha_page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

/* "/" then 1 to NAME_MAX characters, none of them "/". */
static int sha_name_ok(const char *name)
{
    if (!name || name[0] != '/')
        return 0;
    size_t len = strlen(name + 1);
    return len >= 1 && len <= NAME_MAX && !strchr(name + 1, '/');
}

size_t sha_segment_size(size_t elem_size, size_t count, size_t page_size)
{
    if (elem_size == 0 || page_size == 0 || count > (SIZE_MAX - page_size) / elem_size)
        return 0;
    size_t bytes = elem_size * count;
    size_t pages = bytes / page_size + (bytes % page_size != 0);
    /* the header page too, unless that overflows: pages + 1 > SIZE_MAX / page_size */
    size_t fits = pages <= SIZE_MAX / page_size - 1;
    return fits ? (pages + 1) * page_size : 0;
}

int sha_create(const char *name, size_t elem_size, size_t count, struct sha_array *out)
{
    if (!sha_name_ok(name))
        return sha_fail(SHA_ERR_NAME, EINVAL);
    size_t ps = sha_page_size(), size = sha_segment_size(elem_size, count, ps);
    if (!out || size == 0 || elem_size > UINT32_MAX || size > (size_t)INT64_MAX)
        return sha_fail(SHA_ERR_ARG, EINVAL);
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0)
        return errno == EEXIST ? SHA_ERR_EXISTS : sha_sys();
    int code;
    if (ftruncate(fd, (off_t)size) < 0) {
        code = sha_sys();
        goto fail;
    }
    int rc = posix_fallocate(fd, 0, (off_t)size); /* returns the error; errno untouched */
    if (rc != 0) {
        errno = rc;
        code = sha_sys();
        goto fail;
    }
    void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        code = sha_sys();
        goto fail;
    }
    close(fd);
    struct sha_header *h = base;
    h->version = SHA_VERSION;
    h->elem_size = (uint32_t)elem_size;
    h->count = count;
    h->generation = 1;
    h->data_offset = ps;
    h->magic = SHA_MAGIC; /* last: a header with its magic is whole */
    *out = (struct sha_array){base, size, (char *)base + ps, elem_size, count, SHA_RDWR};
    return SHA_OK;
fail:;
    int e = errno;
    close(fd);
    shm_unlink(name);
    errno = e;
    return code;
}

/* Check the header at h against an object of `size` bytes and the caller's elem_size. */
static int sha_check_header(const struct sha_header *h, size_t size, size_t elem_size, size_t ps)
{
    if (h->magic != SHA_MAGIC)
        return sha_fail(SHA_ERR_MAGIC, EPROTO);
    if (h->version != SHA_VERSION)
        return sha_fail(SHA_ERR_VERSION, EPROTO);
    if (h->elem_size != elem_size)
        return sha_fail(SHA_ERR_SIZE, EINVAL);
    size_t need = sha_segment_size(h->elem_size, h->count, ps);
    if (h->data_offset != ps || need == 0 || size < need)
        return sha_fail(SHA_ERR_TRUNCATED, EIO);
    return SHA_OK;
}

int sha_attach(const char *name, size_t elem_size, int mode, struct sha_array *out)
{
    if (!sha_name_ok(name))
        return sha_fail(SHA_ERR_NAME, EINVAL);
    if (!out || elem_size == 0 || (mode != SHA_RDONLY && mode != SHA_RDWR && mode != SHA_PRIVATE))
        return sha_fail(SHA_ERR_ARG, EINVAL);
    size_t ps = sha_page_size();
    int fd = shm_open(name, mode == SHA_RDWR ? O_RDWR : O_RDONLY, 0);
    if (fd < 0)
        return errno == ENOENT ? SHA_ERR_NOENT : sha_sys();
    int code = SHA_ERR_SYS;
    void *base = MAP_FAILED;
    struct stat st;
    if (fstat(fd, &st) < 0)
        goto fail;
    if ((size_t)st.st_size < ps) {
        code = sha_fail(SHA_ERR_TRUNCATED, EIO);
        goto fail;
    }
    struct sha_header h;
    if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
        goto fail;
    code = sha_check_header(&h, (size_t)st.st_size, elem_size, ps);
    if (code != SHA_OK)
        goto fail;
    size_t size = sha_segment_size(h.elem_size, h.count, ps);
    int prot = mode == SHA_RDONLY ? PROT_READ : PROT_READ | PROT_WRITE;
    base = mmap(NULL, size, prot, mode == SHA_PRIVATE ? MAP_PRIVATE : MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        code = sha_sys();
        goto fail;
    }
    close(fd);
    *out = (struct sha_array){base, size, (char *)base + ps, elem_size, h.count, mode};
    return SHA_OK;
fail:;
    int e = errno;
    close(fd);
    errno = e;
    return code;
}

int sha_detach(struct sha_array *a)
{
    if (!a || !a->base)
        return sha_fail(SHA_ERR_ARG, EINVAL);
    if (munmap(a->base, a->map_len) < 0)
        return SHA_ERR_SYS;
    memset(a, 0, sizeof *a);
    return SHA_OK;
}

int sha_unlink(const char *name)
{
    if (!sha_name_ok(name))
        return sha_fail(SHA_ERR_NAME, EINVAL);
    if (shm_unlink(name) < 0)
        return errno == ENOENT ? SHA_ERR_NOENT : SHA_ERR_SYS;
    return SHA_OK;
}

void *sha_at(const struct sha_array *a, size_t i)
{
    if (!a || i >= a->count)
        return NULL;
    return (char *)a->data + i * a->elem_size;
}

void *sha_map_anonymous(size_t npages)
{
    size_t len = npages * sha_page_size();
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (madvise(p, len, MADV_NOHUGEPAGE) < 0) {
        int e = errno;
        munmap(p, len);
        errno = e;
        return NULL;
    }
    return p;
}
