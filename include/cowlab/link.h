/*
 * cowlab/link.h — the observer's end of a subject (protocol in cowlab/subject.h).
 *
 * The observer starts the subject, sends it commands and waits for each answer within a
 * deadline. It keeps what the subject said it was running ("C" lines), so that when the
 * subject dies or stops answering, the failure names the student function and the process
 * it ran in. Once the subject has failed, every later call fails at once with the same
 * failure: one cause, one message.
 */
#ifndef COWLAB_LINK_H
#define COWLAB_LINK_H

#include "cowlab/team.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Deadlines, sized by the reference's own times: its slowest command takes 13 ms here
 * (COWLAB_LINK_TIMES=1 prints each), its hello a few ms; the floors below are 50-75 times
 * that, times $COWLAB_SLOW under emulation. A submission that hangs in every test is so graded
 * in about a second per test. */
enum {
    CL_LINK_START_MS = 1000, /* the subject must say hello within this (constructors run first) */
    CL_LINK_CALL_MS = 1000,  /* default deadline of one command, plus the wait a team command
                                carries ("await MS", "finish MS"); at most $COWLAB_DEADLINE_MS,
                                which the grader sets below the test's own timeout so that a
                                hang is named, not just cut */
    CL_LINK_OUTPUT_CAP = 16384,
};

#define CL_SUBJECT_ENV     "COWLAB_SUBJECT"     /* the subject binary's path, for `lab` */
#define CL_SUBJECT_UID_ENV "COWLAB_SUBJECT_UID" /* run the subject under this uid (root only) */
#define CL_SLOW_ENV        "COWLAB_SLOW"        /* deadlines times this (an emulated machine) */
#define CL_DEADLINE_ENV    "COWLAB_DEADLINE_MS" /* no call waits longer than this */
#define CL_LINK_TIMES_ENV  "COWLAB_LINK_TIMES"  /* set: print each command's time on stderr */
#define CL_SHM_DIR_ENV     "COWLAB_SHM_DIR"     /* an isolated subject's /dev/shm: this folder */
#define CL_GDB_ENV         "COWLAB_GDB"         /* set: run the subject under gdb (link.c) */
#define CL_GDB_PATH        "/usr/bin/gdb"

struct cl_link {
    pid_t pid;     /* the subject's process (where student code runs): what tests measure */
    pid_t child;   /* the process started: the subject, or bwrap holding it (isolated) */
    bool isolated; /* run in bwrap's private view ($COWLAB_BWRAP, set by the grader) */
    bool gdb;      /* run under gdb ($COWLAB_GDB, set by cowlab check --gdb; not isolated) */
    bool started;  /* its hello came */
    uid_t uid;     /* the uid it runs as */
    int cmd_fd;    /* commands to the subject */
    int reply_fd;  /* its answers */
    int out_fd;    /* what student code printed */
    char in[8192]; /* answer bytes read and not yet used */
    size_t have;
    char *output; /* what the subject printed, up to CL_LINK_OUTPUT_CAP (malloc'd) */
    size_t output_len;
    char running[CL_TEAM_MAX + 1][64]; /* [0]: the subject's process; [1 + N]: worker N */
    int last_who;                      /* index into running of the last "C" line */
    bool parent_in_call;               /* a "C p" line came, and no answer since */
    int call_ms;                       /* deadline of one command */
    bool failed;                       /* the subject died, stopped answering or broke protocol */
    char kind;                         /* how: 'c' crashed, 't' timed out, 'e' exited early,
                                          's' could not start, 'p' broke the protocol */
    bool reported;                     /* its failure was already told (see cl_link_failure) */
    char failure[400];                 /* what went wrong, for the student */
    int error_worker;                  /* the worker an "E" line named, or -1 */
    int error_errno;                   /* the errno an "E" line gave (0: none) */
    bool memcheck;                     /* run under valgrind's memcheck (cl_link_set_memcheck) */
    int xml_fd;                        /* memcheck's XML report, or -1 */
    char *xml;                         /* what it wrote, up to CL_MEMCHECK_XML_CAP (malloc'd) */
    size_t xml_len;
    size_t xml_dropped; /* bytes beyond the cap, read and not kept */
    char copy[600];     /* under memcheck and another uid: the subject's copy that uid may read
                           (valgrind reads the program it runs), removed by cl_link_stop; or "" */
};

/* Start the subject binary at path (with the uid of $COWLAB_SUBJECT_UID when root) and wait
 * for its hello. Returns 0, or -1 with L->failure saying why (the link is then failed). */
int cl_link_start(struct cl_link *L, const char *path);

/* Send one command (printf-style, no newline) and wait for its answer: up to max values in v,
 * their count in *n (n may be NULL). Returns 0 on "R"; -1 on "E" (errno from the line,
 * L->failure the subject's text, the link still usable), or -2 when the subject failed (died,
 * timed out, garbled, or a worker of its team died or hung, said with the function it was
 * running): L->failed is set and every later call returns -2 at once. */
int cl_link_call(struct cl_link *L, int64_t *v, int max, int *n, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The subject's failure, once: the first call after it failed returns L->failure, later ones
 * NULL (so that a test reports one cause once). NULL also while the link is fine. */
const char *cl_link_failure(struct cl_link *L);

/* The pid a subject reported, checked: it must be the subject itself or a process (maybe
 * exited, not yet reaped) whose parent is the subject, under the subject's uid. Returns the pid as
 * this process sees it, or -1 (errno ESRCH). */
pid_t cl_link_verify_pid(const struct cl_link *L, int64_t reported);

/* Children of the subject's process that are still there, running or not yet reaped. */
int cl_link_children(const struct cl_link *L);

/* Read len bytes at addr in process pid (process_vm_readv). 0, or -1 with errno set. */
int cl_link_peek(pid_t pid, uint64_t addr, void *buf, size_t len);

/* Read each bytes at every one of addrs[0..n) in process pid into out (n * each bytes, in that
 * order), in as few system calls as the kernel takes (IOV_MAX addresses a call): one read per
 * address costs a call each, and 30,000 of them are a tenth of a second. ok[i] says whether
 * address i was read whole (its bytes in out are then as cl_link_peek would give; otherwise
 * zeros). Returns how many were. */
size_t cl_link_peek_each(pid_t pid, const uint64_t *addrs, size_t n, size_t each, void *out,
                         bool *ok);

/* Ask the subject to quit, give it a moment, then kill it and reap it; then, outside bwrap and
 * under our own uid (no grader gave it one: a grader sweeps that uid's and names it as left
 * behind), remove what it left in /dev/shm under a name made from its pid
 * (/dev/shm/cowlabNN-PID-..., the labs' naming: lab 03's segments). Safe to call twice.
 * L->output (what it printed) stays for the caller, who frees it. */
void cl_link_stop(struct cl_link *L);

/* Whether links started from now on run the subject under valgrind's memcheck
 * (cowlab/memcheck.h): its XML report comes on a pipe the subject cannot write to, kept in
 * L->xml (the caller frees it, with L->output); deadlines are CL_MEMCHECK_SLOW times longer and
 * the subject gets CL_MEMCHECK_QUIT_MS to quit (the leak check runs at its exit). Isolated, it
 * also sees /proc read-only, which valgrind needs. */
void cl_link_set_memcheck(bool on);

/* The deadline of one call, in ms, times $COWLAB_SLOW. */
int cl_link_deadline_ms(int ms);

/* The default deadline of one command for links started from now on (CL_LINK_CALL_MS unless
 * set): the experiments (`lab run`) fill up to 1 GiB in one command, about 1 s here, and set
 * CL_LINK_RUN_CALL_MS; the graded tests keep the short one. */
void cl_link_set_call_ms(int ms);
enum { CL_LINK_RUN_CALL_MS = 60000 };

#endif
