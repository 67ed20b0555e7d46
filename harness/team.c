/*
 * team.c — workers held at a pipe barrier. Contracts in cowlab/team.h.
 */
#include "cowlab/team.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { TEAM_POLL_SLICE_MS = 50, TEAM_ESCAPED = 125 };

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
        munmap((void *)t->reports, CL_TEAM_MAX * CL_TEAM_REPORTS * sizeof(int64_t));
        t->reports = NULL;
    }
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

/* The body of worker i: keep only its own pipe ends, then phase, barrier, phase, ... */
static void team_worker(int i, void *arg)
{
    struct cl_team *t = arg;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != t->owner)
        _exit(TEAM_ESCAPED);
    int ready = t->ready_wr, go = t->go_rd[i];
    close(t->ready_rd);
    for (int j = 0; j < CL_TEAM_MAX; j++) {
        if (t->go_wr[j] >= 0)
            close(t->go_wr[j]);
        if (j != i && t->go_rd[j] >= 0)
            close(t->go_rd[j]);
    }
    int64_t *report = (int64_t *)&t->reports[i * CL_TEAM_REPORTS];
    for (int phase = 0; phase < t->nphases; phase++) {
        int rc = t->fn(t->arg, i, phase, report);
        if (rc != 0)
            _exit(64 + (rc & 63));
        unsigned char b = (unsigned char)i;
        if (team_put(ready, b) < 0 || team_get(go, &b) < 0)
            _exit(TEAM_ESCAPED);
    }
    _exit(0);
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

int cl_team_start(struct cl_team *t, int k, int nphases, cl_phase_fn fn, void *arg,
                  cl_spawn_fn spawn)
{
    memset(t, 0, sizeof *t);
    t->ready_rd = t->ready_wr = -1;
    for (int i = 0; i < CL_TEAM_MAX; i++)
        t->go_rd[i] = t->go_wr[i] = -1;
    if (k < 1 || k > CL_TEAM_MAX || nphases < 1 || !fn) {
        errno = EINVAL;
        return -1;
    }
    t->k = k;
    t->nphases = nphases;
    t->fn = fn;
    t->arg = arg;
    t->owner = getpid();
    void *rep = mmap(NULL, CL_TEAM_MAX * CL_TEAM_REPORTS * sizeof(int64_t), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (rep == MAP_FAILED)
        return -1;
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
    if (spawn ? spawn(k, team_worker, t, t->pids) < 0 : team_fork_workers(t) < 0)
        goto fail;
    /* A spawn that returned in a child (a broken student spawn) must not run the owner's code. */
    if (getpid() != t->owner)
        _exit(TEAM_ESCAPED);
    if (team_check_pids(t) < 0)
        goto fail_kill;
    for (int i = 0; i < k; i++)
        t->alive[i] = true;
    team_close(&t->ready_wr);
    for (int i = 0; i < k; i++)
        team_close(&t->go_rd[i]);
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
