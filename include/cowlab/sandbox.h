/*
 * cowlab/sandbox.h — run one untrusted command and leave nothing behind.
 *
 * The command runs in its own process group, with resource limits (CPU time, address space,
 * file size, no core files, a process cap), stdin from /dev/null, stdout and stderr captured
 * together up to a cap (the rest is read and thrown away so the command never blocks), and
 * an optional record pipe on fd 3 (COWLAB_RECORD_FD=3). When the grader runs as root the
 * command runs under a fresh unused uid (cl_uid_claim), so it can signal nobody else and every
 * process it starts can be found and killed by uid, even one that left the process group. The
 * grader is a child subreaper: descendants that lose their parent come back to it.
 *
 * After the command exits or times out: every process it left is killed and reaped; under a
 * fresh uid, its /dev/shm objects, System V and POSIX IPC objects and files in /tmp and /var/tmp
 * are removed too (cowlab/leftover.h). Under our own uid nothing of those is touched: what is
 * new there may be another program's of ours (the grader gives an isolated subject a /dev/shm
 * folder of its own instead: CL_SHM_DIR_ENV in cowlab/link.h).
 */
#ifndef COWLAB_SANDBOX_H
#define COWLAB_SANDBOX_H

#include "cowlab/leftover.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cl_sandbox_opts {
    int timeout_ms;       /* wall-clock limit */
    bool drop_privileges; /* when root: run under a fresh uid/gid */
    uint64_t as_bytes;    /* RLIMIT_AS; 0: unlimited (sanitizer builds need that) */
    uint64_t fsize_bytes; /* RLIMIT_FSIZE */
    int nproc;            /* processes the command may add; 0: no cap */
    size_t output_cap;    /* bytes of stdout+stderr kept */
    bool record_pipe;     /* open fd 3 for records and set COWLAB_RECORD_FD=3 */
    const char *nonce;    /* exported as COWLAB_NONCE when record_pipe */
    const char *cwd;      /* directory to run in (made writable for the uid); NULL: . */
    /* Instead of dropping the command's own privileges: when root, choose the fresh uid all
     * the same, give it to the command as $COWLAB_SUBJECT_UID (the observer runs its subject
     * under it), and sweep that uid's processes and objects afterwards. The command itself
     * keeps ours: it is the kit's observer, trusted to read the subject's /proc. */
    bool subject_uid;
    const char *env[7]; /* more NAME=value strings for the command's environment, NULL-ended */
};

struct cl_sandbox_result {
    int status; /* wait status of the command (valid if !spawn_failed) */
    bool spawn_failed;
    bool timed_out;
    bool output_truncated;
    char *output; /* NUL-terminated, malloc'd; the caller frees */
    size_t output_len;
    char *records; /* what came on the record pipe, NUL-terminated, malloc'd */
    size_t records_len;
    long elapsed_ms;
    int leftovers_killed; /* processes that outlived the command and were killed */
    int shm_removed;      /* /dev/shm objects removed */
    /* What else outlived the command and was removed (cowlab/leftover.h), /dev/shm's objects
     * by name too; only when the command ran under a fresh uid. */
    struct cl_leftovers left;
};

/* Defaults for a graded test: 30 s, 384 MiB address space, 16 MiB files, 32 processes,
 * 64 KiB of output, privileges dropped. */
struct cl_sandbox_opts cl_sandbox_defaults(void);

/* Options for the user's own commands run on the user's behalf (experiments, plots, the
 * calibration, the class summary's plot): a timeout and captured output (up to 1 MiB), no uid
 * change and no limits; the experiments of one's own code may map a GiB and read PFNs. */
struct cl_sandbox_opts cl_sandbox_local(int timeout_ms);

/* Run argv[0] (a path) with argv. Returns 0 when the command ran (whatever its status), or
 * -1 with errno set when it could not be started (then r->spawn_failed). r is filled in
 * both cases; release it with cl_sandbox_result_free. */
int cl_sandbox_run(char *const argv[], const struct cl_sandbox_opts *o,
                   struct cl_sandbox_result *r);
void cl_sandbox_result_free(struct cl_sandbox_result *r);

/* Where fresh uids are claimed: one lock file per uid, in a folder only root may write. */
#define CL_UID_CLAIMS "/run/cowlab-uids"

/* A uid claimed for the runs of one grader (cl_uid_claim). */
struct cl_uid_claim {
    uid_t uid; /* the claimed uid */
    int fd;    /* the locked claim file; -1 when nothing is held */
};

/* Claim a fresh uid, trying first, first + 1, ... : one that no account or group has, no
 * process runs as, and no other claim holds, on this machine. The claim is an exclusive flock
 * on CL_UID_CLAIMS/<uid>, held until cl_uid_release (or the holder's death), so two graders
 * never run as the same uid. Root only. 0, or -1 with errno set (EPERM: not root, or the
 * folder is not root's alone; EAGAIN: no free uid among 4096). */
int cl_uid_claim(uid_t first, struct cl_uid_claim *c);
void cl_uid_release(struct cl_uid_claim *c); /* safe on a claim that holds nothing */

/* Describe a wait status for people: "exit 0", "exit 3", "killed by SIGSEGV", ... */
const char *cl_status_text(int status, char *buf, size_t n);

#endif
