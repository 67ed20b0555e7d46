/*
 * checked.c — the record of the last check of each lab (cowlab/checked.h).
 *
 * One file per lab and folder of student files: STATE/checks/SLUG-HASH.tsv, HASH naming the
 * folder's real path. Lines (fields tab-separated, text fields with \, tab and newline
 * escaped):
 *   build  FP  WHEN  BUILT  STAND_IN  LOG
 *   test   NAME  FP  WHEN  PASSED  UNGRADABLE  ERROR  SCORE  VERDICT  FEEDBACK
 * A writer takes STATE/checks/.lock (flock) to merge its results and renames a complete file
 * into place.
 */
#include "cowlab/checked.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CL_BUILD_DIR
#define CL_BUILD_DIR "build"
#endif

const char *cl_state_dir(void)
{
    const char *env = getenv("COWLAB_STATE");
    return env && *env ? env : CL_BUILD_DIR "/state";
}

static uint64_t checked_fnv(uint64_t h, const void *data, size_t n)
{
    for (const unsigned char *p = data; n--; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return h;
}

/* Hash the file at path into h (its size and bytes), or the word "missing". */
static uint64_t checked_hash_file(uint64_t h, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return checked_fnv(h, "missing", 7);
    char buf[65536];
    size_t n;
    uint64_t size = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        h = checked_fnv(h, buf, n);
        size += n;
    }
    fclose(f);
    return checked_fnv(h, &size, sizeof size);
}

uint64_t cl_checked_fingerprint(const struct cl_lab_def *lab, const char *src)
{
    uint64_t h = 0xcbf29ce484222325ull;
    char path[PATH_MAX];
    for (int i = 0; i < lab->nfiles; i++) {
        h = checked_fnv(h, lab->files[i], strlen(lab->files[i]) + 1);
        snprintf(path, sizeof path, "%s/%s", src, lab->files[i]);
        h = checked_hash_file(h, path);
    }
    snprintf(path, sizeof path, "%s/tests.def", lab->dir);
    h = checked_hash_file(h, path);
    return h ? h : 1;
}

/* STATE/checks/SLUG-HASH.tsv for lab's folder src. */
static void checked_path(const struct cl_lab_def *lab, const char *src, char *out, size_t n)
{
    char real[PATH_MAX];
    if (!realpath(src, real))
        snprintf(real, sizeof real, "%s", src);
    snprintf(out, n, "%s/checks/%s-%016" PRIx64 ".tsv", cl_state_dir(), lab->slug,
             checked_fnv(0xcbf29ce484222325ull, real, strlen(real)));
}

static int checked_mkdirs(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Write s (at most max bytes of it) with \, tab and newline escaped. */
static void checked_put(FILE *f, const char *s, size_t max)
{
    for (size_t i = 0; s && s[i] && i < max; i++) {
        if (s[i] == '\\')
            fputs("\\\\", f);
        else if (s[i] == '\t')
            fputs("\\t", f);
        else if (s[i] == '\n')
            fputs("\\n", f);
        else
            fputc(s[i], f);
    }
}

/* Undo checked_put in place. Returns s. */
static char *checked_unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            *o++ = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p;
        } else
            *o++ = *p;
    }
    *o = '\0';
    return s;
}

/* Split line at tabs into at most max fields (the last keeps the rest). Returns how many. */
static int checked_fields(char *line, char **f, int max)
{
    int n = 0;
    line[strcspn(line, "\n")] = '\0';
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n;
}

static int checked_read(const char *path, const struct cl_lab_def *lab, struct cl_checked *c)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    char *line = NULL, *fl[10];
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        int n = checked_fields(line, fl, 10);
        if (n == 6 && strcmp(fl[0], "build") == 0) {
            c->have_build = true;
            c->build_fp = strtoull(fl[1], NULL, 16);
            c->build_when = (time_t)strtoll(fl[2], NULL, 10);
            c->built = fl[3][0] == '1';
            c->stand_in = fl[4][0] == '1';
            free(c->build_log);
            c->build_log = strdup(checked_unescape(fl[5]));
            continue;
        }
        if (n != 10 || strcmp(fl[0], "test") != 0)
            continue;
        for (int t = 0; t < lab->ntests; t++) {
            if (strcmp(lab->tests[t].name, fl[1]) != 0)
                continue;
            struct cl_checked_test *r = &c->tests[t];
            free(r->feedback);
            r->have = true;
            r->fp = strtoull(fl[2], NULL, 16);
            r->when = (time_t)strtoll(fl[3], NULL, 10);
            r->passed = fl[4][0] == '1';
            r->ungradable = fl[5][0] == '1';
            r->error = fl[6][0] == '1';
            r->score = atoi(fl[7]);
            snprintf(r->verdict, sizeof r->verdict, "%s", checked_unescape(fl[8]));
            r->feedback = strdup(checked_unescape(fl[9]));
        }
    }
    free(line);
    fclose(f);
    return 0;
}

int cl_checked_load(const struct cl_lab_def *lab, const char *src, struct cl_checked *c)
{
    memset(c, 0, sizeof *c);
    char path[PATH_MAX];
    checked_path(lab, src, path, sizeof path);
    return checked_read(path, lab, c);
}

void cl_checked_free(struct cl_checked *c)
{
    for (int t = 0; t < CL_MAX_TESTS; t++)
        free(c->tests[t].feedback);
    free(c->build_log);
    memset(c, 0, sizeof *c);
}

/* Write c as the file at path (a temporary beside it, renamed). 0, or -1 with errno set. */
static int checked_write(const char *path, const struct cl_lab_def *lab, const struct cl_checked *c)
{
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    if (c->have_build) {
        fprintf(f, "build\t%016" PRIx64 "\t%lld\t%d\t%d\t", c->build_fp, (long long)c->build_when,
                c->built, c->stand_in);
        checked_put(f, c->build_log, CL_CHECKED_FEEDBACK);
        fputc('\n', f);
    }
    for (int t = 0; t < lab->ntests; t++) {
        const struct cl_checked_test *r = &c->tests[t];
        if (!r->have)
            continue;
        fprintf(f, "test\t%s\t%016" PRIx64 "\t%lld\t%d\t%d\t%d\t%d\t", lab->tests[t].name, r->fp,
                (long long)r->when, r->passed, r->ungradable, r->error, r->score);
        checked_put(f, r->verdict, sizeof r->verdict);
        fputc('\t', f);
        checked_put(f, r->feedback, CL_CHECKED_FEEDBACK);
        fputc('\n', f);
    }
    int e = ferror(f) ? EIO : 0;
    if (fclose(f) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) < 0)
        e = errno;
    if (e) {
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

int cl_checked_save(const struct cl_lab_def *lab, const char *src, uint64_t fp,
                    const struct cl_lab_outcome *o)
{
    char dir[PATH_MAX], lock[PATH_MAX + 8], path[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/checks", cl_state_dir());
    if (checked_mkdirs(dir) < 0)
        return -1;
    snprintf(lock, sizeof lock, "%s/.lock", dir);
    int lfd = open(lock, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (lfd < 0 || flock(lfd, LOCK_EX) < 0) {
        if (lfd >= 0)
            close(lfd);
        return -1;
    }
    if (cl_checked_fingerprint(lab, src) != fp)
        fp = 0; /* changed while it was checked: what was graded is no file's content now */
    checked_path(lab, src, path, sizeof path);
    struct cl_checked c;
    int rc = cl_checked_load(lab, src, &c);
    time_t now = time(NULL);
    c.have_build = true;
    c.build_fp = fp;
    c.build_when = now;
    c.built = o->built;
    c.stand_in = o->stand_in;
    free(c.build_log);
    c.build_log = o->build_log ? strdup(o->build_log) : NULL;
    for (int t = 0; t < lab->ntests && rc == 0; t++) {
        const struct cl_test_outcome *to = &o->tests[t];
        if (strcmp(to->verdict, "not run") == 0)
            continue;
        struct cl_checked_test *r = &c.tests[t];
        free(r->feedback);
        *r = (struct cl_checked_test){.have = true,
                                      .fp = fp,
                                      .when = now,
                                      .passed = to->passed,
                                      .ungradable = to->ungradable,
                                      .error = to->error,
                                      .score = to->score};
        snprintf(r->verdict, sizeof r->verdict, "%s", to->verdict);
        r->feedback = to->feedback ? strdup(to->feedback) : NULL;
    }
    if (rc == 0)
        rc = checked_write(path, lab, &c);
    int e = errno;
    cl_checked_free(&c);
    close(lfd);
    errno = e;
    return rc;
}
