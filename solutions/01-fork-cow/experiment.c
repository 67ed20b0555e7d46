/*
 * Lab 01 reference: the experiment side (contracts in include/01-fork-cow.h).
 */
#include "01-fork-cow.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static size_t page_bytes(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

void *cow_map(size_t npages)
{
    size_t len = npages * page_bytes();
    void *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return NULL;
    if (madvise(buf, len, MADV_NOHUGEPAGE) < 0) {
        int e = errno;
        munmap(buf, len);
        errno = e;
        return NULL;
    }
    return buf;
}

int cow_unmap(void *buf, size_t npages)
{
    return munmap(buf, npages * page_bytes());
}

void cow_fill(void *buf, size_t npages)
{
    volatile unsigned char *p = buf;
    for (size_t i = 0; i < npages; i++)
        p[i * page_bytes()] = 1;
}

uint64_t cow_read(const void *buf, size_t npages)
{
    const volatile unsigned char *p = buf;
    uint64_t sum = 0;
    for (size_t i = 0; i < npages; i++)
        sum += p[i * page_bytes()];
    return sum;
}

size_t cow_write_every(void *buf, size_t npages, size_t stride)
{
    volatile unsigned char *p = buf;
    size_t written = 0;
    if (stride == 0)
        return 0;
    for (size_t i = 0; i < npages; i += stride) {
        p[i * page_bytes()] = 2;
        written++;
    }
    return written;
}

int cow_spawn(int k, void (*child)(int i, void *arg), void *arg, pid_t *pids)
{
    for (int i = 0; i < k; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            int e = errno;
            for (int j = 0; j < i; j++)
                kill(pids[j], SIGKILL);
            for (int j = 0; j < i; j++)
                waitpid(pids[j], NULL, 0);
            errno = e;
            return -1;
        }
        if (pid == 0) {
            child(i, arg);
            _exit(0);
        }
        pids[i] = pid;
    }
    return 0;
}
