/*
 * alloc.c — lab 04's allocator interposition. The subject defines malloc, calloc, realloc and
 * free for all its code, the student's included; each hands on to the next allocator in the
 * process (the C library's, or the sanitizer's or valgrind's where one runs), found with
 * dlsym(RTLD_NEXT). Outside a watch (alloc.h) that is all they do. While the kit watches a
 * student call they also:
 *   - count the blocks allocated and not freed (a leak is a block still live afterwards);
 *   - make one chosen allocation call fail with ENOMEM, as a full memory would, so that the
 *     student's out-of-memory path runs;
 *   - poison the BT_RED bytes past the end of every block with 0xff: a read past the end of
 *     a block of words reads set bits, every time, not whatever the heap happens to hold.
 * The subject is single-threaded (its workers are forked processes), so plain statics do.
 *
 * Not under AddressSanitizer (make sanitize): its runtime calls malloc while it starts, before
 * the instrumented code here can run, and owns the allocator itself. There the watch sees no
 * allocation and no block left (LeakSanitizer reports leaks at exit instead), and nothing
 * fails on command; make sanitize runs only the tests that need none of it (CL_PURE).
 */
#include "alloc.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define BT_ASAN 1
#endif

#ifndef BT_ASAN
enum {
    BT_RED = 64,     /* poisoned bytes past each watched block */
    BT_TRACK = 1024, /* live watched blocks the kit can follow */
    BT_BOOT = 4096,  /* bytes for calls made while dlsym itself runs */
};

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);

static _Alignas(16) unsigned char bt_boot[BT_BOOT];
static size_t bt_boot_used;

static struct {
    bool on;
    int fail_at, attempts;
    bool failed;
} bt_watch;

/* stdout's buffer, given before any student code runs: glibc mallocs a stream's buffer at its
 * first output, so a student's debugging printf inside a watched call would count as a block
 * left unfreed (and as an allocation the watch may fail). With this one it allocates nothing. */
static char bt_stdout_buf[BUFSIZ];

__attribute__((constructor)) static void bt_stdout_buffer(void)
{
    setvbuf(stdout, bt_stdout_buf, _IOFBF, sizeof bt_stdout_buf);
}

static void *bt_live[BT_TRACK];
static size_t bt_nlive;
static bool bt_lost; /* a live block was not recorded: the table was full */

#ifdef CL_STATIC_LINK
/* Linked statically (the kernel matrix's arm64 guests): there is no next allocator for dlsym to
 * find, and defining malloc would clash with the C library's own. The four functions are named
 * __wrap_malloc ... instead; the link wraps each name (-Wl,--wrap=malloc ...: the Makefile adds
 * one --wrap for every __wrap_ function subject-kit.o defines), so that every call to malloc,
 * the C library's own included, comes here, and __real_malloc is the C library's. */
#define BT_FN(name) __wrap_##name
void *__real_malloc(size_t n);
void *__real_calloc(size_t nmemb, size_t size);
void *__real_realloc(void *old, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t nmemb, size_t size);
void *__wrap_realloc(void *old, size_t n);
void __wrap_free(void *p);

static bool bt_resolve(void)
{
    next_malloc = __real_malloc;
    next_calloc = __real_calloc;
    next_realloc = __real_realloc;
    next_free = __real_free;
    return true;
}
#else
#define BT_FN(name) name

static bool bt_resolving;

/* Find the next allocator once. False while dlsym runs (a call from inside it). */
static bool bt_resolve(void)
{
    if (next_free)
        return true;
    if (bt_resolving)
        return false;
    bt_resolving = true;
    *(void **)&next_malloc = dlsym(RTLD_NEXT, "malloc");
    *(void **)&next_calloc = dlsym(RTLD_NEXT, "calloc");
    *(void **)&next_realloc = dlsym(RTLD_NEXT, "realloc");
    void (*f)(void *);
    *(void **)&f = dlsym(RTLD_NEXT, "free");
    bt_resolving = false;
    if (!next_malloc || !next_calloc || !next_realloc || !f)
        abort(); /* no allocator to hand on to: nothing can run */
    next_free = f;
    return true;
}
#endif

/* Zeroed memory from a static buffer, for calls made while dlsym runs. Never freed. */
static void *bt_boot_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n > BT_BOOT - bt_boot_used) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = bt_boot + bt_boot_used;
    bt_boot_used += n;
    return p;
}

static bool bt_in_boot(const void *p)
{
    return (const unsigned char *)p >= bt_boot && (const unsigned char *)p < bt_boot + BT_BOOT;
}

/* Index of p among the live watched blocks, or -1. */
static long bt_find(const void *p)
{
    for (size_t i = 0; i < bt_nlive; i++)
        if (bt_live[i] == p)
            return (long)i;
    return -1;
}

static void bt_forget(const void *p)
{
    long i = bt_find(p);
    if (i >= 0)
        bt_live[i] = bt_live[--bt_nlive];
}

static void bt_remember(void *p)
{
    if (bt_nlive < BT_TRACK)
        bt_live[bt_nlive++] = p;
    else
        bt_lost = true;
}

/* A watched allocation call of n bytes: false if it is the one to fail (errno ENOMEM), or if
 * n and the poisoned tail do not fit in a size_t. */
static bool bt_attempt(size_t n)
{
    bt_watch.attempts++;
    if (bt_watch.attempts == bt_watch.fail_at || n > SIZE_MAX - BT_RED) {
        bt_watch.failed |= bt_watch.attempts == bt_watch.fail_at;
        errno = ENOMEM;
        return false;
    }
    return true;
}

/* A block of n bytes just made while watched: poison its tail, count it live. */
static void *bt_made(unsigned char *p, size_t n)
{
    if (p) {
        memset(p + n, 0xff, BT_RED);
        bt_remember(p);
    }
    return p;
}

void *BT_FN(malloc)(size_t n)
{
    if (!bt_resolve())
        return bt_boot_alloc(n);
    if (!bt_watch.on)
        return next_malloc(n);
    return bt_attempt(n) ? bt_made(next_malloc(n + BT_RED), n) : NULL;
}

void *BT_FN(calloc)(size_t nmemb, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(nmemb, size, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    if (!bt_resolve())
        return bt_boot_alloc(n);
    if (!bt_watch.on)
        return next_calloc(nmemb, size);
    return bt_attempt(n) ? bt_made(next_calloc(1, n + BT_RED), n) : NULL;
}

void *BT_FN(realloc)(void *old, size_t n)
{
    if (!bt_resolve() || bt_in_boot(old)) {
        void *p = bt_boot_alloc(n);
        if (p && old) /* copy what the boot buffer holds after old, at most n bytes */
            memcpy(p, old,
                   (size_t)(bt_boot + BT_BOOT - (unsigned char *)old) < n
                       ? (size_t)(bt_boot + BT_BOOT - (unsigned char *)old)
                       : n);
        return p;
    }
    bool was_live = old && bt_find(old) >= 0;
    if (!bt_watch.on && !was_live)
        return next_realloc(old, n);
    if (bt_watch.on && !bt_attempt(n))
        return NULL; /* old stays as it was */
    if (n > SIZE_MAX - BT_RED) {
        errno = ENOMEM;
        return NULL;
    }
    unsigned char *p = next_realloc(old, n + BT_RED);
    if (!p)
        return NULL;
    bt_forget(old);
    return bt_made(p, n);
}

void BT_FN(free)(void *p)
{
    if (!p || bt_in_boot(p))
        return;
    bt_forget(p);
    if (bt_resolve())
        next_free(p);
}

#else /* AddressSanitizer: no interposition */
static struct {
    bool on;
    int fail_at, attempts;
    bool failed;
} bt_watch;
static size_t bt_nlive;
static bool bt_lost;
#endif

void bt_alloc_watch(int fail_at)
{
    bt_watch.on = true;
    bt_watch.fail_at = fail_at;
    bt_watch.attempts = 0;
    bt_watch.failed = false;
}

struct bt_alloc_watch bt_alloc_unwatch(void)
{
    bt_watch.on = false;
    return (struct bt_alloc_watch){bt_watch.attempts, bt_watch.failed};
}

long bt_alloc_live(void)
{
    return bt_lost ? -1 : (long)bt_nlive;
}
