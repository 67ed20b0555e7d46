/*
 * team.c — workers held at a pipe barrier. Contracts in cowlab/team.h.
 */
#include "cowlab/team.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { TEAM_POLL_SLICE_MS = 50, TEAM_ESCAPED = 125, TEAM_EXEC_FAILED = 127 };

#define TEAM_REPORTS_BYTES (CL_TEAM_MAX * CL_TEAM_REPORTS * sizeof(int64_t))

static void team_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void team_close_all(struct cl_team *t)
{
    team_close(&t->ready_rd);
    team_close(&t->ready_wr);
    for (int i = 0; i < CL_TEAM_MAX; i++) {
        team_close(&t->go_rd[i]);
        team_close(&t->go_wr[i]);
    }
    if (t->reports) {
        munmap((void *)t->reports, TEAM_REPORTS_BYTES);
        t->reports = NULL;
    }
    team_close(&t->reports_fd);
}

/* Write or read exactly one byte, retrying on EINTR. */
static int team_put(int fd, unsigned char b)
{
    ssize_t n;
    do
        n = write(fd, &b, 1);
    while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

static int team_get(int fd, unsigned char *b)
{
    ssize_t n;
    do
        n = read(fd, b, 1);
    while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

/* Worker i's life once it holds only its own pipe ends: phase, barrier, phase, ..., exit. */
static void team_run_phases(int i, int nphases, cl_phase_fn fn, void *arg, int ready, int go,
                            int64_t *report)
{
    for (int phase = 0; phase < nphases; phase++) {
        int rc = fn(arg, i, phase, report);
        if (rc != 0)
            _exit(64 + (rc & 63));
        unsigned char b = (unsigned char)i;
        if (team_put(ready, b) < 0 || team_get(go, &b) < 0)
            _exit(TEAM_ESCAPED);
    }
    _exit(0);
}

/* In a freshly forked worker i: die with the owner, and keep of the barrier only its own pipe
 * ends (the ready pipe's write end and go_rd[i]). */
static void team_worker_prepare(const struct cl_team *t, int i)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != t->owner)
        _exit(TEAM_ESCAPED);
    close(t->ready_rd);
    for (int j = 0; j < CL_TEAM_MAX; j++) {
        if (t->go_wr[j] >= 0)
            close(t->go_wr[j]);
        if (j != i && t->go_rd[j] >= 0)
            close(t->go_rd[j]);
    }
}

/* The body of worker i: keep only its own pipe ends, then phase, barrier, phase, ... */
static void team_worker(int i, void *arg)
{
    struct cl_team *t = arg;
    team_worker_prepare(t, i);
    team_run_phases(i, t->nphases, t->fn, t->arg, t->ready_wr, t->go_rd[i],
                    (int64_t *)&t->reports[i * CL_TEAM_REPORTS]);
}

/* The team's own forking, when the caller brings no spawn: worker i is forked straight into
 * team_worker (which never returns) and recorded in t->pids. When a fork fails, the workers
 * made so far are killed and reaped; -1 with fork's errno. */
static int team_fork_workers(struct cl_team *t)
{
    for (int i = 0; i < t->k; i++) {
        pid_t pid = fork();
        if (pid == 0)
            team_worker(i, t);
        if (pid < 0) {
            int e = errno;
            while (i-- > 0) {
                kill(t->pids[i], SIGKILL);
                waitpid(t->pids[i], NULL, 0);
            }
            errno = e;
            return -1;
        }
        t->pids[i] = pid;
    }
    return 0;
}

/* Every pid a spawn reported must be a distinct child of ours: a spawn that does not fill
 * pids[] would have the owner wait on garbage. */
static int team_check_pids(const struct cl_team *t)
{
    for (int i = 0; i < t->k; i++) {
        if (t->pids[i] <= 0)
            return -1;
        for (int j = 0; j < i; j++)
            if (t->pids[j] == t->pids[i])
                return -1;
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (waitid(P_PID, (id_t)t->pids[i], &si, WEXITED | WNOHANG | WNOWAIT) < 0)
            return -1; /* not our child */
    }
    return 0;
}

/* Everything of a team but its workers: the report page (an anonymous shared page, or with
 * in_memfd a memfd that exec'd workers can map; their program brings its own fn, so fn may be
 * NULL then) and the barrier pipes, all close-on-exec.
 * 0, or -1 with errno set and nothing left open. */
static int team_setup(struct cl_team *t, int k, int nphases, cl_phase_fn fn, void *arg,
                      bool in_memfd)
{
    memset(t, 0, sizeof *t);
    t->ready_rd = t->ready_wr = t->reports_fd = -1;
    for (int i = 0; i < CL_TEAM_MAX; i++)
        t->go_rd[i] = t->go_wr[i] = -1;
    if (k < 1 || k > CL_TEAM_MAX || nphases < 1 || (!fn && !in_memfd)) {
        errno = EINVAL;
        return -1;
    }
    t->k = k;
    t->nphases = nphases;
    t->fn = fn;
    t->arg = arg;
    t->owner = getpid();
    int flags = MAP_SHARED | MAP_ANONYMOUS;
    if (in_memfd) {
        t->reports_fd = memfd_create("cowlab-team", MFD_CLOEXEC);
        if (t->reports_fd < 0 || ftruncate(t->reports_fd, TEAM_REPORTS_BYTES) < 0)
            goto fail;
        flags = MAP_SHARED;
    }
    void *rep = mmap(NULL, TEAM_REPORTS_BYTES, PROT_READ | PROT_WRITE, flags, t->reports_fd, 0);
    if (rep == MAP_FAILED)
        goto fail;
    t->reports = rep;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        goto fail;
    t->ready_rd = fds[0];
    t->ready_wr = fds[1];
    for (int i = 0; i < k; i++) {
        if (pipe2(fds, O_CLOEXEC) < 0)
            goto fail;
        t->go_rd[i] = fds[0];
        t->go_wr[i] = fds[1];
    }
    return 0;
fail:;
    int e = errno;
    team_close_all(t);
    errno = e;
    return -1;
}

/* The owner's side once every worker runs: the workers' pipe ends are theirs alone. */
static void team_started(struct cl_team *t)
{
    for (int i = 0; i < t->k; i++)
        t->alive[i] = true;
    team_close(&t->ready_wr);
    for (int i = 0; i < t->k; i++)
        team_close(&t->go_rd[i]);
}

int cl_team_start(struct cl_team *t, int k, int nphases, cl_phase_fn fn, void *arg,
                  cl_spawn_fn spawn)
{
    if (team_setup(t, k, nphases, fn, arg, false) < 0)
        return -1;
    if (spawn ? spawn(k, team_worker, t, t->pids) < 0 : team_fork_workers(t) < 0)
        goto fail;
    /* A spawn that returned in a child (a broken student spawn) must not run the owner's code. */
    if (getpid() != t->owner)
        _exit(TEAM_ESCAPED);
    if (team_check_pids(t) < 0)
        goto fail_kill;
    team_started(t);
    return 0;
fail:;
    int e = errno;
    team_close_all(t);
    errno = e;
    return -1;
fail_kill:
    /* The pids cannot be trusted: close the barrier (workers exit on EOF) and reap every
     * child of ours that exits within a moment. */
    team_close_all(t);
    for (int tries = 0; tries < 200 && waitpid(-1, NULL, WNOHANG) >= 0; tries++)
        usleep(1000);
    errno = ESRCH;
    return -1;
}

/* An exec'd worker's command line, in argv (CL_TEAM_EXEC_ARGC + nextra + 1 slots) with its
 * numbers in num (5 strings of 24 bytes). */
static void team_exec_argv(const struct cl_team *t, int i, const char *path, char *const extra[],
                           int nextra, char **argv, char (*num)[24])
{
    const long v[] = {i, t->nphases, t->ready_wr, t->go_rd[i], t->reports_fd};
    argv[0] = (char *)path;
    argv[1] = CL_TEAM_EXEC_FLAG;
    for (int j = 0; j < 5; j++) {
        snprintf(num[j], sizeof num[j], "%ld", v[j]);
        argv[2 + j] = num[j];
    }
    for (int j = 0; j < nextra; j++)
        argv[CL_TEAM_EXEC_ARGC + j] = extra[j];
    argv[CL_TEAM_EXEC_ARGC + nextra] = NULL;
}

/* In the forked child of worker i: the three descriptors it keeps stay open across exec. */
static void team_exec_child(const struct cl_team *t, int i, char **argv)
{
    team_worker_prepare(t, i);
    const int keep[] = {t->ready_wr, t->go_rd[i], t->reports_fd};
    for (int j = 0; j < 3; j++)
        if (fcntl(keep[j], F_SETFD, 0) < 0)
            _exit(TEAM_EXEC_FAILED);
    execv(argv[0], argv);
    _exit(TEAM_EXEC_FAILED);
}

int cl_team_start_exec(struct cl_team *t, int k, int nphases, const char *path, char *const extra[],
                       int nextra)
{
    if (!path || nextra < 0 || nextra > CL_TEAM_EXEC_EXTRA) {
        errno = EINVAL;
        return -1;
    }
    if (team_setup(t, k, nphases, NULL, NULL, true) < 0)
        return -1;
    memset((void *)t->reports, 0, TEAM_REPORTS_BYTES); /* the owner maps the page too */
    for (int i = 0; i < k; i++) {
        char *argv[CL_TEAM_EXEC_ARGC + CL_TEAM_EXEC_EXTRA + 1], num[5][24];
        team_exec_argv(t, i, path, extra, nextra, argv, num);
        pid_t pid = fork();
        if (pid == 0)
            team_exec_child(t, i, argv);
        if (pid < 0) {
            int e = errno;
            while (i-- > 0) {
                kill(t->pids[i], SIGKILL);
                waitpid(t->pids[i], NULL, 0);
            }
            team_close_all(t);
            errno = e;
            return -1;
        }
        t->pids[i] = pid;
    }
    team_started(t);
    return 0;
}

/* One decimal argument of a worker's command line, in [lo, hi]; -1 if it is not one. */
static long team_arg(const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return errno || end == s || *end || v < lo || v > hi ? -1 : v;
}

int cl_team_exec_worker(int argc, char **argv, cl_phase_fn fn, void *arg)
{
    if (argc < CL_TEAM_EXEC_ARGC || strcmp(argv[1], CL_TEAM_EXEC_FLAG) != 0 || !fn) {
        errno = EINVAL;
        return -1;
    }
    long i = team_arg(argv[2], 0, CL_TEAM_MAX - 1), nphases = team_arg(argv[3], 1, 1 << 20);
    long ready = team_arg(argv[4], 0, 1 << 20), go = team_arg(argv[5], 0, 1 << 20);
    long rep_fd = team_arg(argv[6], 0, 1 << 20);
    if (i < 0 || nphases < 0 || ready < 0 || go < 0 || rep_fd < 0)
        _exit(TEAM_ESCAPED);
    int64_t *reports =
        mmap(NULL, TEAM_REPORTS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, (int)rep_fd, 0);
    close((int)rep_fd);
    if (reports == MAP_FAILED)
        _exit(TEAM_ESCAPED);
    int64_t *report = reports + i * CL_TEAM_REPORTS;
    report[0] = 0; /* every live worker maps the report page (see cl_team_start_exec) */
    fcntl((int)ready, F_SETFD, FD_CLOEXEC);
    fcntl((int)go, F_SETFD, FD_CLOEXEC);
    team_run_phases((int)i, (int)nphases, fn, arg, (int)ready, (int)go, report);
    return -1; /* not reached: team_run_phases exits */
}

static long team_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Reap workers that have died; return how many live workers are left. */
static int team_reap_dead(struct cl_team *t, bool *someone_died)
{
    int live = 0;
    for (int i = 0; i < t->k; i++) {
        if (!t->alive[i])
            continue;
        int st;
        pid_t r = waitpid(t->pids[i], &st, WNOHANG);
        if (r == t->pids[i]) {
            t->alive[i] = false;
            t->status[i] = st;
            *someone_died = true;
        } else {
            live++;
        }
    }
    return live;
}

int cl_team_await(struct cl_team *t, int timeout_ms)
{
    int waiting = 0;
    for (int i = 0; i < t->k; i++)
        waiting += t->alive[i];
    long deadline = team_now_ms() + timeout_ms;
    while (waiting > 0) {
        struct pollfd p = {.fd = t->ready_rd, .events = POLLIN};
        int n = poll(&p, 1, TEAM_POLL_SLICE_MS);
        if (n > 0) {
            unsigned char b;
            if (team_get(t->ready_rd, &b) == 0) {
                waiting--;
                continue;
            }
        }
        bool died = false;
        team_reap_dead(t, &died);
        if (died) {
            errno = ECHILD;
            return -1;
        }
        if (team_now_ms() > deadline) {
            errno = ETIMEDOUT;
            return -1;
        }
    }
    return 0;
}

int cl_team_release(struct cl_team *t)
{
    int rc = 0;
    for (int i = 0; i < t->k; i++)
        if (t->alive[i] && team_put(t->go_wr[i], 1) < 0)
            rc = -1;
    t->released++;
    return rc;
}

int cl_team_kill(struct cl_team *t, int i)
{
    if (i < 0 || i >= t->k || !t->alive[i]) {
        errno = EINVAL;
        return -1;
    }
    kill(t->pids[i], SIGKILL);
    if (waitpid(t->pids[i], &t->status[i], 0) < 0)
        return -1;
    t->alive[i] = false;
    t->killed[i] = true;
    team_close(&t->go_wr[i]);
    return 0;
}

int64_t cl_team_report(const struct cl_team *t, int i, int slot)
{
    if (!t->reports || i < 0 || i >= t->k || slot < 0 || slot >= CL_TEAM_REPORTS)
        return INT64_MIN;
    return t->reports[i * CL_TEAM_REPORTS + slot];
}

int cl_team_finish(struct cl_team *t, int timeout_ms)
{
    cl_team_release(t);
    for (int i = 0; i < t->k; i++)
        team_close(&t->go_wr[i]); /* EOF at the barrier: nobody waits forever */
    long deadline = team_now_ms() + timeout_ms;
    bool died = false;
    while (team_reap_dead(t, &died) > 0 && team_now_ms() < deadline) {
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int rc = 0;
    for (int i = 0; i < t->k; i++) {
        if (t->alive[i]) {
            kill(t->pids[i], SIGKILL);
            waitpid(t->pids[i], &t->status[i], 0);
            t->alive[i] = false;
            rc = -1;
        } else if (!t->killed[i] && (!WIFEXITED(t->status[i]) || WEXITSTATUS(t->status[i]) != 0)) {
            rc = -1;
        }
    }
    team_close_all(t);
    return rc;
}

void cl_team_abort(struct cl_team *t)
{
    for (int i = 0; i < t->k; i++)
        if (t->alive[i])
            cl_team_kill(t, i);
    team_close_all(t);
}
