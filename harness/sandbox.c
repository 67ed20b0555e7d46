/*
 * sandbox.c — run one untrusted command, capture it, and clean up after it.
 * Contracts in cowlab/sandbox.h.
 */
#include "cowlab/sandbox.h"

#include "cowlab/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
    SB_RECORD_CAP = 256 * 1024,
    SB_DRAIN_MS = 300,
    SB_SWEEP_MS = 3000,
    SB_UID_TRIES = 4096, /* uids cl_uid_claim tries before it gives up */
};

struct cl_sandbox_opts cl_sandbox_defaults(void)
{
    struct cl_sandbox_opts o = {
        .timeout_ms = 30000,
        .drop_privileges = true,
        .as_bytes = 384ull << 20,
        .fsize_bytes = 16ull << 20,
        .nproc = 32,
        .output_cap = 64 * 1024,
        .record_pipe = false,
    };
    return o;
}

struct cl_sandbox_opts cl_sandbox_local(int timeout_ms)
{
    struct cl_sandbox_opts o = cl_sandbox_defaults();
    o.drop_privileges = false;
    o.as_bytes = 0;
    o.nproc = 0;
    o.fsize_bytes = 0;
    o.timeout_ms = timeout_ms;
    o.output_cap = 1 << 20;
    return o;
}

const char *cl_status_text(int status, char *buf, size_t n)
{
    if (WIFEXITED(status))
        snprintf(buf, n, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, n, "killed by SIG%s",
                 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
    else
        snprintf(buf, n, "status 0x%x", status);
    return buf;
}

static long sb_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sb_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* State, parent and process group of process NAME (a /proc entry), by measure's reader of
 * /proc/PID/stat. 0, or -1 if gone. */
static int sb_proc_stat(const char *pid, char *state, long *ppid, long *pgrp)
{
    struct cl_proc_stat st;
    if (cl_proc_stat((pid_t)atol(pid), &st) < 0)
        return -1;
    *state = st.state;
    *ppid = st.ppid;
    *pgrp = st.pgrp;
    return 0;
}

/* Count live (not zombie) processes owned by uid. */
static int sb_count_uid_procs(uid_t uid)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[300], state;
        long ppid, pgrp;
        struct stat st;
        snprintf(path, sizeof path, "/proc/%s", e->d_name);
        if (stat(path, &st) == 0 && st.st_uid == uid &&
            sb_proc_stat(e->d_name, &state, &ppid, &pgrp) == 0 && state != 'Z')
            n++;
    }
    closedir(d);
    return n;
}

/* The folder of the uid claims, created if missing: a directory only root may write. 0, or
 * -1 with errno set. */
static int sb_claims_dir(void)
{
    struct stat st;
    if (mkdir(CL_UID_CLAIMS, 0700) < 0 && errno != EEXIST)
        return -1;
    if (lstat(CL_UID_CLAIMS, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
        errno = EPERM;
        return -1;
    }
    return 0;
}

static void sb_claim_path(uid_t u, char *path, size_t n)
{
    snprintf(path, n, "%s/%u", CL_UID_CLAIMS, (unsigned)u);
}

/* Lock the claim file of uid u without waiting. Its fd, or -1 if another holds it. A holder
 * removes the file before it lets go (cl_uid_release): a lock taken on a file that is no longer
 * the one at the path was let go that way, and the claim starts again on a new file. */
static int sb_claim_lock(uid_t u)
{
    char path[200];
    sb_claim_path(u, path, sizeof path);
    for (int tries = 0; tries < 100; tries++) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
            return -1;
        struct stat held, now;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            close(fd);
            return -1;
        }
        if (fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_ino == now.st_ino &&
            held.st_dev == now.st_dev)
            return fd;
        close(fd); /* released and removed between our open and our lock */
    }
    return -1;
}

int cl_uid_claim(uid_t first, struct cl_uid_claim *c)
{
    c->fd = -1;
    if (geteuid() != 0) {
        errno = EPERM;
        return -1;
    }
    if (sb_claims_dir() < 0)
        return -1;
    for (uid_t u = first; u < first + SB_UID_TRIES; u++) {
        if (getpwuid(u) || getgrgid((gid_t)u))
            continue;
        int fd = sb_claim_lock(u);
        /* Claimed: now no other grader can take it; a process of it is a leftover of a grader
         * that died (the claim ends with its holder): not fresh, try the next. */
        c->uid = u;
        c->fd = fd;
        if (fd >= 0 && sb_count_uid_procs(u) == 0)
            return 0;
        cl_uid_release(c);
    }
    errno = EAGAIN;
    return -1;
}

void cl_uid_release(struct cl_uid_claim *c)
{
    if (c->fd < 0)
        return;
    char path[200];
    sb_claim_path(c->uid, path, sizeof path);
    unlink(path); /* while still locked: see sb_claim_lock */
    close(c->fd);
    c->fd = -1;
}

/* Remove the /dev/shm objects owner owns (a fresh uid's: the command's), naming each in left.
 * Returns how many. */
static int sb_shm_clean(uid_t owner, struct cl_leftovers *left)
{
    int removed = 0;
    DIR *d = opendir("/dev/shm");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300];
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "/dev/shm/%s", e->d_name);
        if (lstat(path, &st) == 0 && st.st_uid == owner && !S_ISDIR(st.st_mode) &&
            unlink(path) == 0) {
            removed++;
            cl_leftovers_add(left, "/dev/shm/%.60s", e->d_name);
        }
    }
    if (d)
        closedir(d);
    return removed;
}

/* In the helper of sb_kill_uid: whether a live (not zombie) process other than the helper
 * is one it may signal, i.e. one of its uid, however it looks in /proc (kill(pid, 0) asks the
 * kernel the same question kill(-1) does). */
static bool sb_any_signalable(void)
{
    DIR *d = opendir("/proc");
    if (!d)
        return true; /* cannot look: keep killing */
    bool any = false;
    pid_t me = getpid();
    struct dirent *e;
    while (!any && (e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char state;
        long ppid, pgrp;
        pid_t pid = (pid_t)atol(e->d_name);
        any = pid != me && kill(pid, 0) == 0 &&
              sb_proc_stat(e->d_name, &state, &ppid, &pgrp) == 0 && state != 'Z' && state != 'X';
    }
    closedir(d);
    return any;
}

/* Kill every process of uid: a helper takes that uid and kills everything it can signal,
 * again while anything it can signal is alive (a fork bomb adds processes between rounds).
 * kill(-1) itself cannot say when to stop: it returns 0 whenever any other process exists,
 * even one it may not signal. */
static void sb_kill_uid(uid_t uid)
{
    pid_t h = fork();
    if (h == 0) {
        if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)
            _exit(1);
        for (int i = 0; i < 1000 && kill(-1, SIGKILL) == 0 && sb_any_signalable(); i++)
            ;
        _exit(0);
    }
    if (h > 0)
        waitpid(h, NULL, 0);
}

/* Children of ours (reparented orphans included) and members of the group that are still
 * around: kill them. Returns how many there were. */
static int sb_kill_children(pid_t pgid)
{
    int n = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    struct dirent *e;
    pid_t me = getpid();
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char state;
        long ppid, grp;
        if (sb_proc_stat(e->d_name, &state, &ppid, &grp) < 0 || state == 'Z')
            continue;
        if (ppid == me || grp == pgid) {
            kill((pid_t)atol(e->d_name), SIGKILL);
            n++;
        }
    }
    closedir(d);
    return n;
}

/* Kill and reap everything the command left. Returns how many processes were left: counted
 * before anything is killed (by uid, as well as by group and parentage). */
static int sb_sweep(pid_t pgid, bool by_uid, uid_t uid)
{
    int killed = 0;
    long until = sb_now_ms() + SB_SWEEP_MS;
    if (by_uid) {
        killed = sb_count_uid_procs(uid);
        if (killed == 0) {
            /* The common case, made cheap: every process the command started runs as uid
             * (its own or bwrap's), so none is left but zombies of ours, reaped here. */
            while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
            return 0;
        }
        kill(-pgid, SIGKILL);
        sb_kill_uid(uid);
        killed = killed > 0 ? killed : 0;
    }
    for (;;) {
        kill(-pgid, SIGKILL);
        if (by_uid)
            sb_kill_uid(uid);
        int n = sb_kill_children(pgid);
        killed = by_uid ? killed : killed + n;
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        bool any = sb_kill_children(pgid) > 0 || (by_uid && sb_count_uid_procs(uid) > 0);
        if (!any || sb_now_ms() > until)
            break;
        sb_sleep_ms(5);
    }
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    return killed;
}

/* Append up to what fits under cap; past the cap, read and drop. Returns bytes read, 0 at
 * EOF, -1 if nothing is there now. */
static ssize_t sb_read_capped(int fd, char **buf, size_t *len, size_t cap, bool *truncated)
{
    char chunk[16384];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0)
        return n < 0 && (errno == EAGAIN || errno == EINTR) ? -1 : 0;
    size_t keep = *len < cap ? cap - *len : 0;
    if ((size_t)n < keep)
        keep = (size_t)n;
    if ((size_t)n > keep)
        *truncated = true;
    if (keep) {
        char *grown = realloc(*buf, *len + keep + 1);
        if (!grown)
            return n;
        memcpy(grown + *len, chunk, keep);
        *len += keep;
        grown[*len] = '\0';
        *buf = grown;
    }
    return n;
}

/* In the child: become the sandboxed command. Never returns. */
static void sb_child(char *const argv[], const struct cl_sandbox_opts *o, int out_w, int rec_w,
                     pid_t grader, bool drop, uid_t uid, bool give_uid)
{
    setpgid(0, 0);
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out_w, 1) < 0 || dup2(out_w, 2) < 0)
        _exit(126);
    if (rec_w >= 0 && dup2(rec_w, 3) < 0)
        _exit(126);
    if (close_range(rec_w >= 0 ? 4 : 3, ~0U, 0) < 0) /* Linux 5.9+; before it, one at a time */
        for (int fd = rec_w >= 0 ? 4 : 3; fd < 1024; fd++)
            close(fd);
    if (o->cwd && chdir(o->cwd) < 0)
        _exit(126);
    struct rlimit core = {0, 0},
                  cpu = {(rlim_t)(o->timeout_ms / 1000 + 2), (rlim_t)(o->timeout_ms / 1000 + 3)};
    setrlimit(RLIMIT_CORE, &core);
    setrlimit(RLIMIT_CPU, &cpu);
    if (o->as_bytes) {
        struct rlimit as = {o->as_bytes, o->as_bytes};
        setrlimit(RLIMIT_AS, &as);
    }
    if (o->fsize_bytes) {
        struct rlimit fs = {o->fsize_bytes, o->fsize_bytes};
        setrlimit(RLIMIT_FSIZE, &fs);
    }
    if (o->nproc > 0) {
        /* A fresh uid starts with none (the observer, root, is not held to it: its subject is). */
        rlim_t cap =
            (rlim_t)o->nproc + (drop || give_uid ? 0 : (rlim_t)sb_count_uid_procs(getuid()));
        struct rlimit np = {cap, cap};
        setrlimit(RLIMIT_NPROC, &np);
    }
    if (drop &&
        (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0))
        _exit(126);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (getppid() != grader)
        _exit(126);
    char home[600], tmp[600], recfd[32] = "", nonce[128] = "", suid[64];
    const char *dir = o->cwd ? o->cwd : ".";
    snprintf(home, sizeof home, "HOME=%s", dir);
    snprintf(tmp, sizeof tmp, "TMPDIR=%s", dir);
    char *envp[16] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", home, tmp, NULL};
    int ne = 4;
    for (int i = 0; i < 7 && o->env[i]; i++)
        envp[ne++] = (char *)o->env[i];
    if (give_uid) {
        snprintf(suid, sizeof suid, "COWLAB_SUBJECT_UID=%u", (unsigned)uid);
        envp[ne++] = suid;
    }
    if (rec_w >= 0) {
        snprintf(recfd, sizeof recfd, "COWLAB_RECORD_FD=3");
        snprintf(nonce, sizeof nonce, "COWLAB_NONCE=%s", o->nonce ? o->nonce : "-");
        envp[ne++] = recfd;
        envp[ne++] = nonce;
    }
    envp[ne] = NULL;
    execve(argv[0], argv, envp);
    _exit(127);
}

/* Read both pipes until the command ends (or the deadline), then until they close. pid_fd,
 * when not -1, becomes readable when the command ends, so that its end wakes the loop at once;
 * without it (kernels before 5.3, or a seccomp filter that refuses pidfd_open) the loop looks
 * every 20 ms. */
static void sb_collect(pid_t pid, int pid_fd, int out_r, int rec_r, const struct cl_sandbox_opts *o,
                       struct cl_sandbox_result *r, bool drop, uid_t uid)
{
    long start = sb_now_ms(), deadline = start + o->timeout_ms, done_at = 0;
    bool done = false, out_open = true, rec_open = rec_r >= 0, rec_trunc = false;
    /* Until the command is reaped AND both pipes are closed (or drained for a while after
     * it died): pipes can close before the process is reapable, and vice versa. */
    while (!done || out_open || rec_open) {
        struct pollfd p[3] = {{.fd = out_open ? out_r : -1, .events = POLLIN},
                              {.fd = rec_open ? rec_r : -1, .events = POLLIN},
                              {.fd = done ? -1 : pid_fd, .events = POLLIN}};
        long left = deadline - sb_now_ms();
        poll(p, 3, pid_fd >= 0 && !done ? (int)(left < 1 ? 1 : left < 1000 ? left : 1000) : 20);
        if (out_open && (p[0].revents & (POLLIN | POLLHUP)) &&
            sb_read_capped(out_r, &r->output, &r->output_len, o->output_cap,
                           &r->output_truncated) == 0)
            out_open = false;
        if (rec_open && (p[1].revents & (POLLIN | POLLHUP)) &&
            sb_read_capped(rec_r, &r->records, &r->records_len, SB_RECORD_CAP, &rec_trunc) == 0)
            rec_open = false;
        long now = sb_now_ms();
        if (!done && waitpid(pid, &r->status, WNOHANG) == pid) {
            done = true;
            done_at = now;
            r->leftovers_killed += sb_sweep(pid, drop, uid);
        } else if (!done && now > deadline) {
            r->timed_out = true;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &r->status, 0);
            done = true;
            done_at = now;
            r->leftovers_killed += sb_sweep(pid, drop, uid);
        } else if (done && now - done_at > SB_DRAIN_MS) {
            break; /* someone still holds a pipe: it has been killed, stop reading */
        }
        if (!done && (p[2].revents & POLLIN))
            pid_fd = -1; /* it said "ended" before waitpid could reap: never spin on it */
    }
    r->elapsed_ms = sb_now_ms() - start;
}

int cl_sandbox_run(char *const argv[], const struct cl_sandbox_opts *o, struct cl_sandbox_result *r)
{
    memset(r, 0, sizeof *r);
    r->output = calloc(1, 1);
    r->records = calloc(1, 1);
    bool give_uid = o->subject_uid && geteuid() == 0;
    bool drop = o->drop_privileges && geteuid() == 0 && !give_uid;
    bool by_uid = drop || give_uid; /* the command's processes are found by a fresh uid */
    /* The fresh uid, claimed for this run (no other grader gets it while we hold it); the
     * first candidate spreads graders apart, the claim makes them exclusive. */
    struct cl_uid_claim claim = {.fd = -1};
    if (by_uid && cl_uid_claim(0x50000000u + ((uid_t)getpid() & 0xfffffu) * 7u, &claim) < 0)
        goto fail_early;
    uid_t uid = by_uid ? claim.uid : getuid();
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (by_uid && o->cwd && chown(o->cwd, uid, (gid_t)uid) < 0)
        goto fail_early;
    int out[2] = {-1, -1}, rec[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) < 0 || (o->record_pipe && pipe2(rec, O_CLOEXEC) < 0))
        goto fail;
    pid_t grader = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        goto fail;
    if (pid == 0)
        sb_child(argv, o, out[1], rec[1], grader, drop, uid, give_uid);
    setpgid(pid, pid);
    close(out[1]);
    if (rec[1] >= 0)
        close(rec[1]);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    if (rec[0] >= 0)
        fcntl(rec[0], F_SETFL, O_NONBLOCK);
    int pid_fd = (int)syscall(SYS_pidfd_open, pid, 0);
    sb_collect(pid, pid_fd, out[0], rec[0], o, r, by_uid, uid);
    if (pid_fd >= 0)
        close(pid_fd);
    close(out[0]);
    if (rec[0] >= 0)
        close(rec[0]);
    r->leftovers_killed += sb_sweep(pid, by_uid, uid);
    /* What a fresh uid owns in /dev/shm is the command's. Under our own uid nothing is removed:
     * an object new since the start may be another program's of ours (an isolated subject has
     * a /dev/shm folder of its own, which the grader sweeps: link.h's CL_SHM_DIR_ENV). */
    r->shm_removed = by_uid ? sb_shm_clean(uid, &r->left) : 0;
    if (by_uid)
        cl_leftovers_sweep(uid, &r->left);
    cl_uid_release(&claim); /* nothing of the uid is left: another run may have it */
    return 0;
fail:;
    int e = errno;
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0)
            close(out[i]);
        if (rec[i] >= 0)
            close(rec[i]);
    }
    errno = e;
fail_early:;
    int saved = errno;
    cl_uid_release(&claim);
    errno = saved;
    r->spawn_failed = true;
    return -1;
}

void cl_sandbox_result_free(struct cl_sandbox_result *r)
{
    free(r->output);
    free(r->records);
    r->output = r->records = NULL;
}
