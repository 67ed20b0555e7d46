/*
 * shm.c — lab 03's benchmarks (make bench), with the reference solutions of labs 03 and 04
 * linked in:
 *   - attach time of a 1 MiB and a 1 GiB segment (sha_attach + sha_detach, the fastest of
 *     many), and what each attach leaves resident: attaching maps, it must not touch the data,
 *     so both leave the same Rss (the header page and its fault-around neighbours);
 *   - a bit array over a lab-03 segment: two forked workers attach it by name (not through an
 *     inherited mapping), wrap its elements with ba_wrap and sieve one half each: pi(10^8).
 * Ratios and rates, printed; it fails only when a result is wrong (an attach whose Rss grows
 * with the segment, a wrong pi, a segment that cannot be made), never when it is slow.
 */
#include "03-shm-arrays.h"
#include "04-bit-arrays.h"
#include "cowlab/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The Rss (kB) of this process's mapping of [addr, addr+len), measured by the harness
 * (cowlab/mem.h); -1 if it cannot be read or the mapping shares a VMA with a neighbour. */
static long rss_kb_of(const void *addr, size_t len)
{
    struct cl_mem m;
    if (cl_mem_region(0, addr, len, &m) < 0 || m.vmas != 1)
        return -1;
    return (long)m.kb[CL_RSS];
}

/* The fastest of reps sha_attach + sha_detach of name, read-only, in seconds; the Rss of the
 * last attach (before its detach) in *rss. -1 when an attach fails. */
static double attach_time(const char *name, int reps, long *rss)
{
    double best = 1e9;
    for (int i = 0; i < reps; i++) {
        struct sha_array a;
        double t0 = now_s();
        if (sha_attach(name, 8, SHA_RDONLY, &a) != SHA_OK)
            return -1;
        double t = now_s() - t0;
        if (i == reps - 1)
            *rss = rss_kb_of(a.base, a.map_len);
        sha_detach(&a);
        best = t < best ? t : best;
    }
    return best;
}

/* Attach time and Rss of a 1 MiB and a 1 GiB segment. 0, or 1 when something is wrong. */
static int bench_attach(void)
{
    static const size_t counts[2] = {(1u << 20) / 8, (1u << 30) / 8};
    static const char *const sizes[2] = {"1 MiB", "1 GiB"};
    double t[2];
    long rss[2] = {-1, -1};
    for (int i = 0; i < 2; i++) {
        char name[64];
        snprintf(name, sizeof name, "/cowlab-bench-%ld-%d", (long)getpid(), i);
        struct sha_array made;
        int rc = sha_create(name, 8, counts[i], &made);
        if (rc != SHA_OK) {
            printf("attach: cannot create a %s segment (code %d: %s): /dev/shm too small?\n",
                   sizes[i], rc, strerror(errno));
            return 1;
        }
        t[i] = attach_time(name, 200, &rss[i]);
        sha_detach(&made);
        sha_unlink(name);
        if (t[i] < 0) {
            printf("attach: sha_attach of the %s segment failed\n", sizes[i]);
            return 1;
        }
    }
    printf("attach: 1 GiB takes %.2fx the time of 1 MiB (%.1f us vs %.1f us; target: within "
           "2x)\n",
           t[1] / t[0], t[1] * 1e6, t[0] * 1e6);
    printf("  resident after a read-only attach: %ld kB (1 MiB) and %ld kB (1 GiB)\n", rss[0],
           rss[1]);
    if (rss[0] < 0 || rss[0] != rss[1]) {
        printf("  WRONG: an attach must not touch the data: the same Rss for both\n");
        return 1;
    }
    return 0;
}

/* pi(n) with a bit array over a lab-03 segment that k forked workers attach by name. */
static int bench_shm_sieve(size_t n, int k, size_t want)
{
    char name[64];
    snprintf(name, sizeof name, "/cowlab-bench-%ld-sieve", (long)getpid());
    size_t nb = n + 1;
    struct sha_array seg;
    if (sha_create(name, 8, ba_words(nb), &seg) != SHA_OK) {
        printf("sieve over a segment: cannot create it (%s)\n", strerror(errno));
        return 1;
    }
    double t0 = now_s();
    for (int i = 0; i < k; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            struct sha_array mine;
            struct ba b;
            if (sha_attach(name, 8, SHA_RDWR, &mine) != SHA_OK ||
                ba_wrap(&b, mine.data, mine.count, nb) != 0)
                _exit(1);
            size_t lo = nb / (size_t)k * (size_t)i;
            size_t hi = i + 1 == k ? nb : nb / (size_t)k * (size_t)(i + 1);
            _exit(ba_sieve_range(&b, lo, hi) != 0);
        }
        if (pid < 0)
            break; /* the workers started so far are waited for; pi is wrong, said below */
    }
    int ok = 1, st;
    while (wait(&st) > 0)
        ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
    double t = now_s() - t0;
    struct ba b;
    size_t pi = ok && ba_wrap(&b, seg.data, seg.count, nb) == 0 ? nb - ba_count(&b) : 0;
    sha_detach(&seg);
    sha_unlink(name);
    printf("sieve over a lab-03 segment: pi(10^8) = %zu (want %zu) in %.2f s, K = %d workers "
           "that attach it by name and ba_wrap its elements\n",
           pi, want, t, k);
    return pi != want;
}

int main(void)
{
    int bad = bench_attach();
    bad |= bench_shm_sieve(100000000, 2, 5761455);
    return bad;
}
