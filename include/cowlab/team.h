/*
 * cowlab/team.h — run K workers through phases and hold them at a barrier between phases,
 * so that every process of an experiment can be measured while none of them runs.
 *
 *   owner:   start ──► await ──► (measure) ──► release ──► await ──► … ──► finish
 *   worker:  phase 0 ──► barrier ───────────────────────► phase 1 ──► … ──► _exit(0)
 *
 * Workers are forked by the team itself or by a spawn function (a student's: lab 01), run fn(arg,
 * worker, phase, report) for each phase, then wait at the barrier. A worker blocked at the barrier
 * is quiescent: it touches no memory until released. Workers die with their owner
 * (PR_SET_PDEATHSIG) and when the barrier pipes close.
 *
 * Exec'd workers (cl_team_start_exec, lab 03): each worker is forked and at once execs a program
 * (the subject itself) with a worker's command line, so it is an unrelated address space that is
 * still the owner's child. Its barrier pipe ends and the report page (a memfd, not an anonymous
 * shared page, which exec would drop) are the only descriptors it keeps; the program hands its
 * command line to cl_team_exec_worker(), which runs the same phases and barrier as a forked
 * worker's.
 */
#ifndef COWLAB_TEAM_H
#define COWLAB_TEAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum {
    CL_TEAM_MAX = 64,    /* workers in one team */
    CL_TEAM_REPORTS = 8, /* int64 report slots per worker */
};

/* One phase of one worker. report points at the worker's CL_TEAM_REPORTS slots, which the
 * owner reads (cl_team_report) while the worker waits at the barrier. Return 0 to go on;
 * anything else makes the worker exit with status 64 + (rc & 63) at once. */
typedef int (*cl_phase_fn)(void *arg, int worker, int phase, int64_t *report);

/* Spawn contract (lab 01's cow_spawn; the kit ships no function with it): fork k children; child i
 * calls child(i, arg) and, should it return, _exit(0)s — a child never returns from spawn.
 * The parent stores the pids in pids[0..k) and returns 0. On failure it kills and reaps the
 * children it made and returns -1 with errno set. */
typedef void (*cl_child_fn)(int i, void *arg);
typedef int (*cl_spawn_fn)(int k, cl_child_fn child, void *arg, pid_t *pids);

struct cl_team {
    int k, nphases, released;
    pid_t owner;
    pid_t pids[CL_TEAM_MAX];
    bool alive[CL_TEAM_MAX];
    bool killed[CL_TEAM_MAX]; /* stopped on purpose by cl_team_kill: not a failure */
    int status[CL_TEAM_MAX];  /* wait status of reaped workers */
    int ready_rd, ready_wr;   /* workers write their index when they reach the barrier */
    int go_rd[CL_TEAM_MAX], go_wr[CL_TEAM_MAX];
    volatile int64_t *reports; /* shared page: CL_TEAM_MAX * CL_TEAM_REPORTS slots */
    int reports_fd;            /* exec'd workers: the memfd behind reports; -1 otherwise */
    cl_phase_fn fn;
    void *arg;
};

/* The second word of an exec'd worker's command line, and how many words come before the
 * caller's own (see cl_team_start_exec). */
#define CL_TEAM_EXEC_FLAG "--cowlab-team-worker"
enum { CL_TEAM_EXEC_ARGC = 7, CL_TEAM_EXEC_EXTRA = 8 };

/* Start k (1..CL_TEAM_MAX) workers, each running phases 0..nphases-1 of fn, forked by spawn
 * (a student's, in lab 01) or, when spawn is NULL, by the team itself. Returns 0, or -1 with
 * errno set and nothing left running (ESRCH: the spawn did not report k distinct child pids). */
int cl_team_start(struct cl_team *t, int k, int nphases, cl_phase_fn fn, void *arg,
                  cl_spawn_fn spawn);

/* Start k (1..CL_TEAM_MAX) exec'd workers. Worker i is forked and execs path (no PATH search)
 * with the command line
 *     path CL_TEAM_EXEC_FLAG i nphases ready-fd go-fd report-fd extra[0] ... extra[nextra-1]
 * (at most CL_TEAM_EXEC_EXTRA extra words, which the program reads for its own phases); its
 * report slots live in a memfd that the owner maps and zeroes (so the owner maps the page) and
 * every worker maps and writes (cl_team_exec_worker): the page is mapped by the owner and each
 * live worker. Returns 0, or -1 with errno set and nothing left running. A worker whose exec
 * fails exits with status 127 (seen by cl_team_await as a dead worker). */
int cl_team_start_exec(struct cl_team *t, int k, int nphases, const char *path, char *const extra[],
                       int nextra);

/* In a program started by cl_team_start_exec: when argv is a worker's command line, check that
 * the process that started it is still its parent, map the report page, and run phases
 * 0..nphases-1 of fn(arg, i, phase, report) with the barrier between them, exactly as a forked
 * worker does; then _exit(0) (or 64 + (rc & 63) when a phase returns rc != 0). Never returns for
 * a worker's command line; for any other returns -1 with errno EINVAL, and does nothing. The
 * caller reads the extra words at argv[CL_TEAM_EXEC_ARGC ...] before calling it. */
int cl_team_exec_worker(int argc, char **argv, cl_phase_fn fn, void *arg);

/* Wait until every live worker has finished its current phase and waits at the barrier.
 * Returns 0; -1 with errno ETIMEDOUT after timeout_ms, or ECHILD if a worker died (its wait
 * status is in t->status). */
int cl_team_await(struct cl_team *t, int timeout_ms);

/* Let every live worker run its next phase (after the last phase: exit). */
int cl_team_release(struct cl_team *t);

/* Kill worker i with SIGKILL and reap it: a sibling's exit. Returns 0 or -1. */
int cl_team_kill(struct cl_team *t, int i);

/* The report slots of worker i as it wrote them (valid while it waits at the barrier). */
int64_t cl_team_report(const struct cl_team *t, int i, int slot);

/* Release the last barrier and reap every worker within timeout_ms. Returns 0 if every
 * worker exited with status 0; otherwise -1 (statuses in t->status) and nothing left
 * running. Frees the team's resources in every case. */
int cl_team_finish(struct cl_team *t, int timeout_ms);

/* Kill and reap every worker and free the team's resources. Safe to call twice. */
void cl_team_abort(struct cl_team *t);

#endif
