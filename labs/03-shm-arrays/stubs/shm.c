/*
 * shm.c — lab 03: a typed shared array in a POSIX shared memory object.
 * Contracts in include/03-shm-arrays.h; read handbook/03-shm-arrays.md first.
 */
#include "03-shm-arrays.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

size_t sha_segment_size(size_t elem_size, size_t count, size_t page_size)
{
    (void)elem_size, (void)count, (void)page_size;
    return 0; /* TODO */
}

int sha_create(const char *name, size_t elem_size, size_t count, struct sha_array *out)
{
    (void)name, (void)elem_size, (void)count, (void)out;
    errno = ENOSYS; /* TODO */
    return SHA_ERR_SYS;
}

int sha_attach(const char *name, size_t elem_size, int mode, struct sha_array *out)
{
    (void)name, (void)elem_size, (void)mode, (void)out;
    errno = ENOSYS; /* TODO */
    return SHA_ERR_SYS;
}

int sha_detach(struct sha_array *a)
{
    (void)a;
    errno = ENOSYS; /* TODO */
    return SHA_ERR_SYS;
}

int sha_unlink(const char *name)
{
    (void)name;
    errno = ENOSYS; /* TODO */
    return SHA_ERR_SYS;
}

void *sha_at(const struct sha_array *a, size_t i)
{
    (void)a, (void)i;
    return NULL; /* TODO */
}

void *sha_map_anonymous(size_t npages)
{
    (void)npages;
    errno = ENOSYS; /* TODO */
    return NULL;
}
