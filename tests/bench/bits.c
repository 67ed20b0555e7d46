/*
 * bits.c — lab 04's benchmarks (make bench), with the reference solution linked in: popcount
 * and find-next over a 1 GiB bit array against the read bandwidth of a plain sum over the
 * same bytes, measured in the same run; and a sieve of 10^9 with K = 1 and 2 forked workers
 * on a shared array. Ratios and rates, printed; it fails only when a result is wrong (a count
 * or pi that differs), never when it is slow.
 */
#include "04-bit-arrays.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The sum of every word: the read bandwidth the other loops are compared with. */
__attribute__((noinline)) static uint64_t plain_sum(const uint64_t *w, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += w[i];
    return s;
}

/* Called through volatile pointers: the compiler may not merge or drop the timed calls. */
static uint64_t (*volatile sum_fn)(const uint64_t *, size_t) = plain_sum;
static size_t (*volatile count_fn)(const struct ba *) = ba_count;
static size_t (*volatile next_fn)(const struct ba *, size_t) = ba_next_set;

/* The fastest of three runs of fn, in seconds. */
#define BEST_OF_3(result, seconds, call)                                                           \
    do {                                                                                           \
        seconds = 1e30;                                                                            \
        for (int r_ = 0; r_ < 3; r_++) {                                                           \
            double t0_ = now_s();                                                                  \
            result = (call);                                                                       \
            double t_ = now_s() - t0_;                                                             \
            if (t_ < seconds)                                                                      \
                seconds = t_;                                                                      \
        }                                                                                          \
    } while (0)

static int bench_popcount(void)
{
    size_t bytes = (size_t)1 << 30, nw = bytes / 8;
    uint64_t *w = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED) {
        perror("bench: mmap 1 GiB");
        return 1;
    }
    uint64_t x = 88172645463325252u, want = 0;
    for (size_t i = 0; i < nw; i++) { /* xorshift: a word of 32 ones on average */
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        w[i] = x;
        want += (uint64_t)__builtin_popcountll(x);
    }
    struct ba b = {w, bytes * 8, false};
    uint64_t sum, count;
    double t_sum, t_count;
    BEST_OF_3(sum, t_sum, sum_fn(w, nw));
    BEST_OF_3(count, t_count, count_fn(&b));
    double gb = (double)bytes / 1e9;
#ifdef __POPCNT__
    const char *path = "the popcnt instruction (-mpopcnt)";
#else
    const char *path = "no popcnt instruction: libgcc's __popcountdi2, a table per byte";
#endif
    printf("popcount: %.0f %% of read bandwidth (%.2f GB/s vs %.2f GB/s)\n",
           100.0 * t_sum / t_count, gb / t_count, gb / t_sum);
    printf("  path: %s; sum %llx (kept so the loop is not removed)\n", path,
           (unsigned long long)sum);
    /* find-next: one set bit, in the last word: a scan of the whole array. */
    memset(w, 0, bytes);
    w[nw - 1] = UINT64_C(1) << 63;
    size_t at;
    double t_find;
    BEST_OF_3(sum, t_sum, sum_fn(w, nw));
    BEST_OF_3(at, t_find, next_fn(&b, 0));
    printf("find_next: %.0f %% of read bandwidth (%.2f GB/s vs %.2f GB/s)\n",
           100.0 * t_sum / t_find, gb / t_find, gb / t_sum);
    int bad = count != want || at != bytes * 8 - 1;
    if (bad)
        printf("  WRONG: ba_count %llu (want %llu), ba_next_set %zu (want %zu)\n",
               (unsigned long long)count, (unsigned long long)want, at, bytes * 8 - 1);
    munmap(w, bytes);
    return bad;
}

/* Sieve 0 .. n with k forked workers on one shared array; seconds, and pi in *pi. */
static double sieve(size_t n, int k, size_t *pi)
{
    size_t nb = n + 1, len = (nb + 63) / 64 * 8;
    uint64_t *w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED)
        return -1;
    struct ba b = {w, nb, false};
    double t0 = now_s();
    for (int i = 0; i < k; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(ba_sieve_range(&b, nb / (size_t)k * (size_t)i,
                                 i + 1 == k ? nb : nb / (size_t)k * (size_t)(i + 1)) != 0);
        if (pid < 0)
            return -1;
    }
    int ok = 1, st;
    while (wait(&st) > 0)
        ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
    double t = now_s() - t0;
    *pi = ok ? nb - ba_count(&b) : 0;
    munmap(w, len);
    return t;
}

int main(void)
{
    int bad = bench_popcount();
    size_t n = 1000000000, want = 50847534, pi1 = 0, pi2 = 0;
    double t1 = sieve(n, 1, &pi1), t2 = sieve(n, 2, &pi2);
    printf("sieve 10^9: K=1 %.2f s, K=2 %.2f s: speed-up %.2f; pi %zu and %zu (want %zu)\n", t1, t2,
           t1 / t2, pi1, pi2, want);
    printf("  against primesieve's published single-core 0.2 s (i7-4770): %.1fx slower at K=1\n",
           t1 / 0.2);
    printf("  segments of 32 KiB of bits (an L1 data cache), odd numbers only\n");
    return bad || pi1 != want || pi2 != want;
}
