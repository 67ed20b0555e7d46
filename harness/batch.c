/*
 * batch.c — grade a folder of submissions, each by a grader process of its own, into one
 * grades.csv (cowlab/batch.h). What grading one submission means is the caller's: a callback.
 */
#include "cowlab/batch.h"

#include "cowlab/grades.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int cl_refuse(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cowlab: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

int cl_mkdirs(const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* True if path has a "." or ".." component. */
static bool batch_has_dots(const char *path)
{
    for (const char *c = path; *c; c = strchr(c, '/') ? strchr(c, '/') + 1 : c + strlen(c)) {
        size_t len = strcspn(c, "/");
        if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return true;
    }
    return false;
}

/* The absolute, symlink-free form of path, which need not exist yet: its longest existing
 * ancestor resolved by realpath, the rest appended as written. 0, or -1 (also when that rest
 * has a "." or ".." component: it cannot be resolved before it exists). */
static int batch_resolve(const char *path, char *out, size_t n)
{
    char prefix[PATH_MAX];
    size_t cut = strlen(path);
    if (cut >= sizeof prefix)
        return -1;
    while (cut > 0) {
        memcpy(prefix, path, cut);
        prefix[cut] = '\0';
        char *real = realpath(prefix, NULL);
        if (real) { /* path[cut] is '/' or the end */
            int len = snprintf(out, n, "%s%s", real, path + cut);
            free(real);
            return len < 0 || (size_t)len >= n || batch_has_dots(path + cut) ? -1 : 0;
        }
        while (cut > 0 && path[cut - 1] != '/') /* drop the last component */
            cut--;
        if (cut > 0)
            cut--;
    }
    if (batch_has_dots(path))
        return -1;
    char *cwd = path[0] == '/' ? NULL : realpath(".", NULL);
    int len = snprintf(out, n, "%s%s%s", cwd ? cwd : "", path[0] == '/' ? "" : "/", path);
    free(cwd);
    return len < 0 || (size_t)len >= n ? -1 : 0;
}

int cl_out_outside(const char *out_dir, const char *graded)
{
    char o[PATH_MAX], g[PATH_MAX];
    if (batch_resolve(out_dir, o, sizeof o) < 0 || batch_resolve(graded, g, sizeof g) < 0)
        return cl_refuse("cannot tell whether --out %s is inside %s (a '.' or '..' in a part "
                         "that does not exist yet?): give a plain path",
                         out_dir, graded);
    size_t len = strlen(g);
    if (strncmp(o, g, len) == 0 && (o[len] == '/' || o[len] == '\0'))
        return cl_refuse("--out %s is inside %s, which is graded: put the reports elsewhere",
                         out_dir, graded);
    return 0;
}

/* The submissions: the names of the folders in a submissions folder, sorted. */
struct batch_list {
    char **names;
    int n;
};

static void batch_list_free(struct batch_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    l->names = NULL;
    l->n = 0;
}

static int batch_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fill l with the folders of dir (symlinks to folders count; names starting with '.' do
 * not). 0, or 2 after a one-line error with l empty. */
static int batch_list(const char *dir, struct batch_list *l)
{
    *l = (struct batch_list){0};
    DIR *d = access(dir, R_OK | X_OK) == 0 ? opendir(dir) : NULL;
    if (!d)
        return cl_refuse("cannot read the submissions folder '%s': %s", dir, strerror(errno));
    int cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[1200];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.')
            continue;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) { /* a zip, a stray file: say so */
            fprintf(stderr, "cowlab: %s is not a folder: skipped (not a submission)\n", path);
            continue;
        }
        if (l->n == cap) {
            char **more = realloc(l->names, (size_t)(cap = cap ? 2 * cap : 64) * sizeof *more);
            if (!more)
                break;
            l->names = more;
        }
        if (!(l->names[l->n] = strdup(e->d_name)))
            break;
        l->n++;
    }
    bool complete = e == NULL;
    closedir(d);
    if (!complete) {
        batch_list_free(l);
        return cl_refuse("out of memory listing %s", dir);
    }
    if (l->n == 0)
        return cl_refuse("no submission folders in %s (one folder per submission)", dir);
    qsort(l->names, (size_t)l->n, sizeof l->names[0], batch_cmp_str);
    return 0;
}

/* Whether name is one of OUT's own files (or the temporary file beside one): a submission so
 * named would have its reports folder where that file goes. */
static bool batch_reserved(const char *name)
{
    static const char *const own[] = {CL_GRADES_FILE, CL_GRADES_PARTIAL_FILE, "summary.csv",
                                      "summary.png", "summary.svg"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        size_t len = strlen(own[i]);
        if (strncmp(name, own[i], len) == 0 && (!name[len] || strcmp(name + len, ".tmp") == 0))
            return true;
    }
    return false;
}

/* Everything that would make a submission ungradable for a reason of the instructor's, or
 * put reports into what is graded, refused before anything is written: 0, or 2 after a
 * one-line error naming the first submission at fault. */
static int batch_check(const struct cl_batch *b, const struct batch_list *l)
{
    for (int i = 0; i < l->n; i++) {
        const char *name = l->names[i];
        char sub[1200];
        snprintf(sub, sizeof sub, "%s/%s", b->submissions, name);
        if (batch_reserved(name))
            return cl_refuse("a submission named %s would be written over %s/%s: rename it", name,
                             b->out_dir, name);
        if (access(sub, R_OK | X_OK) != 0)
            return cl_refuse("cannot read the submission folder '%s': %s", sub, strerror(errno));
        if (cl_out_outside(b->out_dir, sub)) /* a submission may be a symlink to anywhere */
            return 2;
    }
    return 0;
}

/* Grade l's submissions, up to jobs at once, each by a child process calling b->grade.
 * failed[i]: submission i could not be graded (a fork that failed, a grader that did not
 * exit 0). */
/* Seconds as "1m02s" (or "9s"). */
static void batch_duration(long ms, char *out, size_t n)
{
    long s = (ms + 500) / 1000;
    if (s >= 60)
        snprintf(out, n, "%ldm%02lds", s / 60, s % 60);
    else
        snprintf(out, n, "%lds", s);
}

/* The batch's progress on stderr: graded so far of n, how many at once, the time so far and
 * what is left at the pace so far. On a terminal one line, rewritten in place (final: ended by
 * a newline); in a log, one line per submission graded. */
static void batch_progress(int done, int n, int running, long t0_ms, bool final)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long elapsed = ts.tv_sec * 1000L + ts.tv_nsec / 1000000 - t0_ms;
    char so_far[32], left[64] = "";
    batch_duration(elapsed, so_far, sizeof so_far);
    if (done > 0 && done < n) {
        char d[32];
        batch_duration(elapsed / done * (n - done), d, sizeof d);
        snprintf(left, sizeof left, ", about %s left", d);
    }
    bool tty = isatty(STDERR_FILENO);
    fprintf(stderr, "%sgraded %d of %d (%d grading now), %s so far%s%s", tty ? "\r" : "   ", done,
            n, running, so_far, left, tty ? "\033[K" : "\n");
    if (tty && final)
        fputc('\n', stderr);
    fflush(stderr);
}

/* Whether the graders of a batch run pinned, one job slot to one CPU of those we may use
 * (cpus): with 2 jobs or more and exactly as many CPUs (then no CPU is left idle for a
 * grader to move to anyway), unless COWLAB_PIN is 0.
 * A grading is a chain of processes that hand work to each other (grader, observer, subject
 * and their pipes); on one CPU each hand-over is a local switch, not a wake-up of another CPU,
 * which in a virtual machine costs an exit to the hypervisor. Pinning is not a wall: code
 * under test may widen its own affinity, and is only slower for it. */
static bool batch_pinning(int jobs, cpu_set_t *cpus)
{
    const char *env = getenv("COWLAB_PIN");
    if (jobs < 2 || (env && strcmp(env, "0") == 0))
        return false;
    CPU_ZERO(cpus);
    return sched_getaffinity(0, sizeof *cpus, cpus) == 0 && CPU_COUNT(cpus) == jobs;
}

/* Pin this process (a batch's grader) to the slot-th CPU of cpus. Returns the CPU it runs on
 * by the kernel's own account (its affinity is that one CPU), or -1. */
static int batch_pin(const cpu_set_t *cpus, int slot)
{
    for (int c = 0, seen = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, cpus) || seen++ != slot)
            continue;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(c, &one);
        if (sched_setaffinity(0, sizeof one, &one) < 0) {
            fprintf(stderr, "cowlab: this grader could not be pinned to CPU %d: %s\n", c,
                    strerror(errno));
            return -1;
        }
        break;
    }
    cpu_set_t now;
    CPU_ZERO(&now);
    if (sched_getaffinity(0, sizeof now, &now) < 0 || CPU_COUNT(&now) != 1)
        return -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &now))
            return c;
    return -1;
}

static void batch_run(const struct cl_batch *b, const struct batch_list *l, int jobs, bool *failed)
{
    int running = 0, next = 0, done_count = 0;
    bool tty = isatty(STDERR_FILENO);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long t0_ms = ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
    pid_t pids[CL_BATCH_MAX_JOBS] = {0};
    int slot_of[CL_BATCH_MAX_JOBS];
    cpu_set_t cpus;
    bool pinned = batch_pinning(jobs, &cpus);
    if (pinned) {
        char list[512] = "";
        for (int c = 0, seen = 0; c < CPU_SETSIZE && seen < jobs; c++)
            if (CPU_ISSET(c, &cpus))
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d",
                         seen++ ? (seen == jobs ? " and " : ", ") : "", c);
        fprintf(stderr, "graders pinned, one to each of CPUs %s (COWLAB_PIN=0 leaves them free)\n",
                list);
    }
    while (next < l->n || running > 0) {
        if (next < l->n && running < jobs) { /* start submission `next` in a grader of its own */
            char sub[1200], out[1200];
            snprintf(sub, sizeof sub, "%s/%s", b->submissions, l->names[next]);
            snprintf(out, sizeof out, "%s/%s", b->out_dir, l->names[next]);
            /* A log says what was graded when (pinned: by the grader, with the CPU it got); a
             * terminal shows the progress line. */
            if (!tty && !pinned)
                fprintf(stderr, "== %s (%d/%d)\n", l->names[next], next + 1, l->n);
            int slot = 0;
            while (slot < jobs - 1 && pids[slot] != 0)
                slot++;
            fflush(NULL);
            pid_t pid = fork();
            if (pid == 0) {
                if (!freopen("/dev/null", "w", stdout)) /* per-submission tables: noise here */
                    _exit(1);
                if (pinned) {
                    int cpu = batch_pin(&cpus, slot);
                    if (!tty && cpu >= 0)
                        fprintf(stderr, "== %s (%d/%d) on CPU %d\n", l->names[next], next + 1, l->n,
                                cpu);
                    else if (!tty)
                        fprintf(stderr, "== %s (%d/%d)\n", l->names[next], next + 1, l->n);
                }
                _exit(b->grade(b->ctx, sub, out) == 0 ? 0 : 1);
            }
            if (pid > 0) {
                pids[slot] = pid;
                slot_of[slot] = next;
            }
            if (pid < 0)
                failed[next] = true;
            else
                running++;
            next++;
            continue;
        }
        int st;
        pid_t done = waitpid(-1, &st, 0);
        for (int j = 0; j < jobs; j++)
            if (done > 0 && pids[j] == done) {
                failed[slot_of[j]] = !WIFEXITED(st) || WEXITSTATUS(st) != 0;
                pids[j] = 0;
                running--;
                done_count++;
                /* the next submission starts at once: count it among those grading now */
                batch_progress(done_count, l->n, running + (next < l->n), t0_ms,
                               done_count == l->n);
            }
        if (done < 0)
            break;
    }
}

/* The combined file's settings, from the batch's. */
static struct cl_grades_batch batch_grades(const struct cl_batch *b)
{
    return (struct cl_grades_batch){.out_dir = b->out_dir,
                                    .labs = b->labs,
                                    .nlabs = b->nlabs,
                                    .roster = b->roster,
                                    .partial = b->partial,
                                    .lab = b->lab};
}

/* Names on stderr the submissions that could not be graded; returns how many. */
static int batch_count_failed(const struct batch_list *l, const bool *failed)
{
    int bad = 0;
    for (int i = 0; i < l->n; i++)
        if (failed[i]) {
            fprintf(stderr, "cowlab: %s could not be graded\n", l->names[i]);
            bad++;
        }
    return bad;
}

/* Grade l's submissions and write the combined file. */
static int batch_grade_all(const struct cl_batch *b, const struct batch_list *l)
{
    int jobs = b->jobs;
    if (jobs > 1 && geteuid() != 0) {
        fprintf(stderr,
                "cowlab: --jobs %d needs root (each grader its own uids); grading one "
                "at a time\n",
                jobs);
        jobs = 1;
    }
    bool *failed = calloc((size_t)l->n, sizeof *failed);
    if (!failed)
        return cl_refuse("out of memory grading %s", b->submissions);
    batch_run(b, l, jobs, failed);
    int bad = batch_count_failed(l, failed);
    const char *file = b->partial ? CL_GRADES_PARTIAL_FILE : CL_GRADES_FILE;
    char err[600];
    struct cl_grades_batch g = batch_grades(b);
    int rc = 0;
    if (bad == l->n) /* nothing graded: an earlier file is worth more than an empty one */
        fprintf(stderr, "cowlab: no submission could be graded; %s/%s left as it was\n", b->out_dir,
                file);
    else if (cl_grades_combine(&g, l->names, failed, l->n, err, sizeof err) < 0)
        rc = cl_refuse("%s", err);
    else
        printf("graded %d submissions (%d could not be): %s/%s\n", l->n - bad, bad, b->out_dir,
               file);
    free(failed);
    return rc ? rc : bad ? 1 : 0;
}

/* Regrade submission b->only of l into OUT and replace its row of OUT/grades.csv. */
static int batch_regrade(const struct cl_batch *b, const struct batch_list *l)
{
    int at = -1;
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->names[i], b->only) == 0)
            at = i;
    if (at < 0)
        return cl_refuse("--only %s: no such submission folder in %s", b->only, b->submissions);
    struct batch_list one = {.names = &l->names[at], .n = 1};
    bool failed = false;
    batch_run(b, &one, 1, &failed);
    char err[600];
    struct cl_grades_batch g = batch_grades(b);
    if (failed)
        fprintf(stderr, "cowlab: %s could not be graded (its row says so)\n", b->only);
    if (cl_grades_update(&g, b->only, failed, err, sizeof err) < 0)
        return cl_refuse("%s", err);
    printf("regraded %s: its row of %s/%s replaced\n", b->only, b->out_dir, CL_GRADES_FILE);
    return failed ? 1 : 0;
}

/* What a regrade or a partial run needs of OUT before anything is graded. 0, or 2 after a
 * one-line error. */
static int batch_check_out(const struct cl_batch *b)
{
    char path[1200], err[600];
    snprintf(path, sizeof path, "%s/%s", b->out_dir, CL_GRADES_FILE);
    bool whole = access(path, F_OK) == 0;
    if (b->partial && whole)
        return cl_refuse("--test grades some tests only, and %s holds whole grades: its reports "
                         "would be replaced by partial ones (use another --out)",
                         path);
    if (!b->only)
        return 0;
    if (!whole)
        return cl_refuse("--only %s regrades into an existing batch: %s not found", b->only, path);
    /* An update that would be refused after grading is refused before. */
    struct cl_grades_batch g = batch_grades(b);
    return cl_grades_check(&g, err, sizeof err) < 0 ? cl_refuse("%s", err) : 0;
}

int cl_batch_grade(const struct cl_batch *b)
{
    if (cl_out_outside(b->out_dir, b->submissions))
        return 2;
    struct batch_list l;
    int rc = batch_list(b->submissions, &l);
    if (rc == 0)
        rc = batch_check(b, &l);
    if (rc) {
        batch_list_free(&l);
        return rc;
    }
    if ((rc = batch_check_out(b)) == 0 && cl_mkdirs(b->out_dir) < 0)
        rc = cl_refuse("cannot create %s: %s", b->out_dir, strerror(errno));
    /* The combined CSV is written aside and renamed at the end (cl_csv_replace): an earlier
     * grades.csv stays whole until a new one is complete. */
    if (rc == 0)
        rc = b->only ? batch_regrade(b, &l) : batch_grade_all(b, &l);
    batch_list_free(&l);
    return rc;
}
