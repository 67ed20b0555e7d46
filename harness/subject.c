/*
 * subject.c — main() of every subject: read a command, run it, answer (protocol in
 * cowlab/subject.h). Nothing here decides anything; it only carries out and reports.
 */
#include "cowlab/subject.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
/* make sanitize: the subject's environment is the grader's minimal one, so the sanitizers'
 * options are compiled in. An allocation too big to make returns NULL, as the contracts say it
 * must be reported (lab 04 asks ba_new for 2^59 bits), instead of aborting the subject. After a
 * report, both exit with CL_SANITIZER_STATUS (23). */
_Static_assert(CL_SANITIZER_STATUS == 23, "the options below spell the status out");
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1:exitcode=23";
}
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "print_stacktrace=1:exitcode=23";
}
#endif

enum { SUBJECT_LINE = 4096 };

static int subject_me = -1; /* -1: the subject's own process; N: team worker N */
static struct cl_team subject_team;
static bool subject_team_up;
static uint64_t subject_worker_args[CL_SUBJECT_WORKER_ARGS];
static const char *subject_path; /* how this subject was started (argv[0]): xteam execs it */

/* Write one whole line on the reply fd (one write: lines from workers never interleave). */
static void subject_send(const char *line)
{
    size_t len = strlen(line);
    while (len > 0) {
        ssize_t n = write(CL_SUBJECT_REPLY_FD, line, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(70); /* the observer is gone: nobody to answer */
        line += n;
        len -= (size_t)n;
    }
}

void cl_subject_calls(const char *fn)
{
    char line[160];
    if (subject_me < 0)
        snprintf(line, sizeof line, "C p %s\n", fn);
    else
        snprintf(line, sizeof line, "C w%d %s\n", subject_me, fn);
    subject_send(line);
}

static void subject_error(int err, int worker, const char *why)
{
    char line[300];
    snprintf(line, sizeof line, "E %d %d %s\n", err, worker, why ? why : strerror(err));
    subject_send(line);
}

static void subject_answer(const int64_t *v, int n)
{
    char line[CL_SUBJECT_MAX_VALUES * 22 + 4];
    size_t at = 0;
    line[at++] = 'R';
    for (int i = 0; i < n; i++)
        at += (size_t)snprintf(line + at, sizeof line - at, " %" PRId64, v[i]);
    snprintf(line + at, sizeof line - at, "\n");
    subject_send(line);
}

/* A team worker: say who it is, then run the lab's worker on the `team` arguments. */
static int subject_worker(void *arg, int worker, int phase, int64_t *report)
{
    (void)arg;
    subject_me = worker;
    return cl_subject_lab.worker(subject_worker_args, worker, phase, report);
}

/* The first worker that died, described for the observer. -1 if none. */
static int subject_dead_worker(char *why, size_t n)
{
    for (int i = 0; i < subject_team.k; i++) {
        if (subject_team.alive[i] || subject_team.killed[i])
            continue;
        int st = subject_team.status[i];
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
            continue;
        if (WIFSIGNALED(st))
            snprintf(why, n, "worker %d was killed by SIG%s", i,
                     sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
#if defined(__SANITIZE_ADDRESS__)
        else if (WEXITSTATUS(st) == CL_SANITIZER_STATUS)
            snprintf(why, n,
                     "a sanitizer (ASan or UBSan) stopped worker %d: its report is in the "
                     "output",
                     i);
#endif
        else
            snprintf(why, n, "worker %d exited with status %d", i, WEXITSTATUS(st));
        return i;
    }
    return -1;
}

/* Start exec'd workers: each execs this subject (by the path it was started with: in the
 * grader's private view there is no /proc/self/exe) with the A0..A3 of `xteam` as its extra
 * words. 0, or -1 with errno set. */
static int subject_xteam(const uint64_t *a)
{
    char words[CL_SUBJECT_WORKER_ARGS][24], *extra[CL_SUBJECT_WORKER_ARGS];
    for (int i = 0; i < CL_SUBJECT_WORKER_ARGS; i++) {
        snprintf(words[i], sizeof words[i], "%" PRIu64, a[2 + i]);
        extra[i] = words[i];
    }
    if (!subject_path) {
        errno = ENOEXEC;
        return -1;
    }
    return cl_team_start_exec(&subject_team, (int)a[0], (int)a[1], subject_path, extra,
                              CL_SUBJECT_WORKER_ARGS);
}

/* In an exec'd worker (argv from subject_xteam): run the lab's worker as a forked one would.
 * Returns only when argv is not a worker's. */
static void subject_exec_worker(int argc, char **argv)
{
    if (argc < CL_TEAM_EXEC_ARGC + CL_SUBJECT_WORKER_ARGS ||
        strcmp(argv[1], CL_TEAM_EXEC_FLAG) != 0)
        return;
    for (int i = 0; i < CL_SUBJECT_WORKER_ARGS; i++)
        subject_worker_args[i] = strtoull(argv[CL_TEAM_EXEC_ARGC + i], NULL, 10);
    cl_team_exec_worker(argc, argv, subject_worker, NULL);
    _exit(71); /* not a worker's command line after all */
}

static void subject_team_cmd(const char *word, const uint64_t *a, int nargs)
{
    int64_t v[CL_SUBJECT_MAX_VALUES];
    char why[120];
    bool exec = strcmp(word, "xteam") == 0;
    if ((exec || strcmp(word, "team") == 0) && nargs == 6 && !subject_team_up) {
        if (a[0] < 1 || a[0] > CL_SUBJECT_MAX_VALUES) {
            subject_error(EINVAL, -1, "team: 1 to 16 workers");
            return;
        }
        memcpy(subject_worker_args, a + 2, sizeof subject_worker_args);
        int rc;
        if (exec) {
            rc = subject_xteam(a);
        } else {
            cl_subject_calls(cl_subject_lab.spawn_name);
            rc = cl_team_start(&subject_team, (int)a[0], (int)a[1], subject_worker, NULL,
                               cl_subject_lab.spawn);
        }
        if (rc < 0) {
            if (exec) {
                subject_error(errno, -1, "starting the exec'd workers failed");
                return;
            }
            subject_error(errno, -1,
                          errno == ESRCH ? "the spawn did not store k distinct children's pids"
                                         : "the spawn failed");
            return;
        }
        subject_team_up = true;
        for (int i = 0; i < (int)a[0]; i++)
            v[i] = subject_team.pids[i];
        subject_answer(v, (int)a[0]);
    } else if (!subject_team_up) {
        subject_error(EINVAL, -1, "no team");
    } else if (strcmp(word, "await") == 0 && nargs == 1) {
        if (cl_team_await(&subject_team, (int)a[0]) == 0) {
            subject_answer(v, 0);
        } else if (errno == ECHILD) {
            int w = subject_dead_worker(why, sizeof why);
            subject_error(ECHILD, w, why);
        } else {
            subject_error(errno, -1, "a worker did not reach the barrier");
        }
    } else if (strcmp(word, "report") == 0 && nargs == 1 && a[0] < (uint64_t)subject_team.k) {
        for (int s = 0; s < CL_TEAM_REPORTS; s++)
            v[s] = cl_team_report(&subject_team, (int)a[0], s);
        subject_answer(v, CL_TEAM_REPORTS);
    } else if (strcmp(word, "release") == 0 && nargs == 0) {
        cl_team_release(&subject_team);
        subject_answer(v, 0);
    } else if (strcmp(word, "kill") == 0 && nargs == 1) {
        if (cl_team_kill(&subject_team, (int)a[0]) == 0)
            subject_answer(v, 0);
        else
            subject_error(errno, -1, "kill: no such live worker");
    } else if (strcmp(word, "finish") == 0 && nargs == 1) {
        subject_team_up = false;
        if (cl_team_finish(&subject_team, (int)a[0]) == 0) {
            subject_answer(v, 0);
        } else {
            int w = subject_dead_worker(why, sizeof why);
            subject_error(ECHILD, w, w >= 0 ? why : "a worker did not exit");
        }
    } else {
        subject_error(EINVAL, -1, "bad team command");
    }
}

/* Run one command line. */
static void subject_run(char *line)
{
    char *save, *word = strtok_r(line, " \t", &save);
    if (!word)
        return;
    uint64_t a[CL_SUBJECT_MAX_ARGS] = {0};
    int nargs = 0;
    for (char *t; (t = strtok_r(NULL, " \t", &save));) {
        if (nargs == CL_SUBJECT_MAX_ARGS) {
            subject_error(E2BIG, -1, "too many arguments");
            return;
        }
        a[nargs++] = strtoull(t, NULL, 0);
    }
    if (strcmp(word, "quit") == 0)
        exit(0);
    static const char *const team_words[] = {"team",    "xteam", "await", "report",
                                             "release", "kill",  "finish"};
    for (size_t i = 0; i < sizeof team_words / sizeof team_words[0]; i++)
        if (strcmp(word, team_words[i]) == 0) {
            subject_team_cmd(word, a, nargs);
            return;
        }
    for (int i = 0; i < cl_subject_lab.nops; i++) {
        const struct cl_subject_op *op = &cl_subject_lab.ops[i];
        if (strcmp(word, op->name) != 0)
            continue;
        if (nargs != op->nargs) {
            subject_error(EINVAL, -1, "wrong number of arguments");
            return;
        }
        int64_t v[CL_SUBJECT_MAX_VALUES];
        int n = 0;
        const char *why = NULL;
        errno = 0;
        if (op->fn(a, v, &n, &why) == 0)
            subject_answer(v, n);
        else
            subject_error(errno, -1, why);
        return;
    }
    subject_error(ENOSYS, -1, "no such command");
}

int main(int argc, char **argv)
{
    if (argc > 1)
        subject_exec_worker(argc, argv);
    subject_path = argc > 0 ? argv[0] : NULL;
    char hello[40];
    snprintf(hello, sizeof hello, "H %ld\n", (long)getpid());
    subject_send(hello);
    static char buf[SUBJECT_LINE];
    size_t have = 0;
    for (;;) {
        char *nl;
        while ((nl = memchr(buf, '\n', have))) {
            *nl = '\0';
            subject_run(buf);
            have -= (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, have);
        }
        if (have == sizeof buf)
            have = 0; /* a line too long to be a command: drop it */
        ssize_t n = read(0, buf + have, sizeof buf - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        have += (size_t)n;
    }
    if (subject_team_up)
        cl_team_abort(&subject_team);
    return 0;
}
