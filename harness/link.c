/*
 * link.c — start a subject, talk to it, and say what it was running when it failed.
 * Contracts in cowlab/link.h.
 */
#include "cowlab/link.h"

#include "cowlab/isolate.h"
#include "cowlab/mem.h"
#include "cowlab/memcheck.h"
#include "cowlab/subject.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int link_stat(pid_t pid, pid_t *ppid, uid_t *uid);

static long link_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int link_call_ms = CL_LINK_CALL_MS;
static bool link_memcheck;
static const char *link_symbols; /* cl_memcheck_lean_symbols(), asked before each fork */

void cl_link_set_memcheck(bool on)
{
    link_memcheck = on;
}

/* How long a killed subject's processes may take to die (link_await_group_dead). */
enum { LINK_DEATH_MS = 5000 };

void cl_link_set_call_ms(int ms)
{
    link_call_ms = ms > 0 ? ms : CL_LINK_CALL_MS;
}

int cl_link_deadline_ms(int ms)
{
    const char *slow = getenv(CL_SLOW_ENV);
    long f = slow ? strtol(slow, NULL, 10) : 1;
    return (int)(ms * (f >= 1 && f <= 100 ? f : 1));
}

/* The subject's uid when we may choose one: $COWLAB_SUBJECT_UID, only as root. */
static uid_t link_uid(void)
{
    const char *u = getenv(CL_SUBJECT_UID_ENV);
    if (geteuid() != 0 || !u || !*u)
        return geteuid();
    return (uid_t)strtoul(u, NULL, 10);
}

/* The subject's /tmp and /var/tmp when it runs isolated: folders of the observer's working
 * folder, so that what a test leaves there can be named afterwards (by the grader). */
static const char *const link_tmp_dirs[][2] = {{"subject-tmp", "/tmp"},
                                               {"subject-vartmp", "/var/tmp"}};

/* What gdb runs when the subject runs under it ($COWLAB_GDB): the subject with every fork
 * followed (a worker's crash is caught too), on to the first signal that would kill a process
 * or until all have ended; then the backtrace of the one that got it, and gdb exits as the
 * subject would have: 128 + the signal (as bwrap does), or 0. */
static const char link_gdb_script[] =
    "import gdb, signal\n"
    "caught = []\n"
    "def on_stop(event):\n"
    "    if isinstance(event, gdb.SignalEvent):\n"
    "        caught.append(event.stop_signal)\n"
    "gdb.events.stop.connect(on_stop)\n"
    "for setting in ('debuginfod enabled off', 'detach-on-fork off', 'schedule-multiple on',\n"
    "                'print thread-events off', 'pagination off'):\n"
    "    gdb.execute('set ' + setting)\n"
    "gdb.execute('run')\n"
    "while not caught:\n"
    "    live = [i for i in gdb.inferiors() if i.pid]\n"
    "    if not live:\n"
    "        break\n"
    "    gdb.execute('inferior %d' % live[0].num, to_string=True)\n"
    "    gdb.execute('continue')\n"
    "if caught:\n"
    "    print('--- gdb: where the subject got %s (your code is the first frame in your '\n"
    "          'files) ---' % caught[0])\n"
    "    gdb.execute('bt')\n"
    "    gdb.execute('kill inferiors ' + ' '.join(str(i.num) for i in gdb.inferiors() if i.pid),\n"
    "                to_string=True)\n"
    "    gdb.execute('quit %d' % (128 + signal.Signals[caught[0]].value))\n";

/* The argv that runs path under gdb with link_gdb_script, written to the working folder.
 * Returns how many words were set in argv (its room: 12), or -1. */
static int link_gdb_argv(const char *path, char **argv)
{
    static char script[600];
    char here[512];
    if (!getcwd(here, sizeof here))
        return -1;
    snprintf(script, sizeof script, "%s/cowlab-gdb.py", here);
    FILE *f = fopen(script, "w");
    if (!f || fputs(link_gdb_script, f) < 0 || fclose(f) != 0)
        return -1;
    char *words[] = {
        CL_GDB_PATH, "-q",   "-nx",    "-batch",    "-iex", "set index-cache enabled off",
        "-x",        script, "--args", (char *)path};
    for (int i = 0; i < 10; i++)
        argv[i] = words[i];
    return 10;
}

/* Under memcheck: the XML pipe at CL_MEMCHECK_XML_FD and the descriptor limit lowered below
 * it, so that valgrind keeps that descriptor out of the client's reach (it refuses the client
 * every descriptor at or above the limit it was started with). 0, or -1. */
static int link_memcheck_fds(int xml_w)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 ||
        (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < CL_MEMCHECK_XML_FD + 8))
        return -1;
    /* Room for the descriptor first (a soft limit of 1024 refuses dup2 to 1028), then the
     * limit the client gets. dup2 leaves close-on-exec off: valgrind's launcher execs its tool. */
    rl.rlim_cur = CL_MEMCHECK_XML_FD + 8;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || dup2(xml_w, CL_MEMCHECK_XML_FD) < 0 ||
        fcntl(CL_MEMCHECK_XML_FD, F_SETFD, 0) < 0)
        return -1;
    rl.rlim_cur = CL_MEMCHECK_CLIENT_FDS;
    return setrlimit(RLIMIT_NOFILE, &rl);
}

/* In the child: fds 0 (commands), 1 and 2 (output), 3 (answers); then the subject, in bwrap's
 * private view when bwrap is given (cowlab/isolate.h), under gdb with gdb, or under valgrind's
 * memcheck with xml_w (its report's pipe) not -1. */
static void link_child(const char *path, int cmd_r, int out_w, int rep_w, uid_t uid,
                       const char *bwrap, bool gdb, int xml_w)
{
    if (dup2(cmd_r, 0) < 0 || dup2(out_w, 1) < 0 || dup2(out_w, 2) < 0 || dup2(rep_w, 3) < 0)
        _exit(126);
    if (xml_w >= 0 && link_memcheck_fds(xml_w) < 0)
        _exit(125);
    int last = xml_w >= 0 ? CL_MEMCHECK_XML_FD - 1 : ~0;
    if (close_range(4, (unsigned)last, 0) < 0 ||
        (xml_w >= 0 && close_range(CL_MEMCHECK_XML_FD + 1, ~0U, 0) < 0))
        for (int fd = 4; fd < 2048; fd++) /* before Linux 5.9: one at a time */
            if (xml_w < 0 || fd != CL_MEMCHECK_XML_FD)
                close(fd);
    /* A group of its own: student code that signals its group (kill(0, ...), or a pid it
     * never stored, which is 0) reaches the subject and its children, never the observer. */
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char here[512], tmp[2][600];
    struct cl_isolate_bind b[6];
    char *argv[80];
    int at = 0;
    if (bwrap) {
        if (!getcwd(here, sizeof here))
            _exit(126);
        for (int i = 0; i < 2; i++) {
            snprintf(tmp[i], sizeof tmp[i], "%s/%s", here, link_tmp_dirs[i][0]);
            if ((mkdir(tmp[i], 0700) < 0 && errno != EEXIST) ||
                (uid != geteuid() && chown(tmp[i], uid, (gid_t)uid) < 0))
                _exit(126);
            b[i] = (struct cl_isolate_bind){tmp[i], link_tmp_dirs[i][1], true};
        }
        /* Its /dev/shm: a folder of the machine's (the same tmpfs, so the same accounting)
         * given by the grader, which finds there exactly what the subject left; else the
         * machine's own. */
        const char *shm = getenv(CL_SHM_DIR_ENV);
        shm = shm && *shm ? shm : "/dev/shm";
        if (strcmp(shm, "/dev/shm") != 0 && uid != geteuid() && chown(shm, uid, (gid_t)uid) < 0)
            _exit(126);
        b[2] = (struct cl_isolate_bind){shm, "/dev/shm", true};
        b[3] = (struct cl_isolate_bind){path, "/subject", false};
        b[4] = (struct cl_isolate_bind){"/proc", "/proc", false}; /* valgrind reads its maps */
        /* valgrind reads the loader's and libc's detached symbols at every start: their lean
         * copies (names only) when they fit this machine's (cowlab/memcheck.h). */
        b[5] = (struct cl_isolate_bind){link_symbols, "/usr/lib/debug", false};
        int nb = xml_w < 0 ? 4 : link_symbols ? 6 : 5;
        at = cl_isolate_argv(bwrap, argv, 0, 60, b, nb, "/tmp");
        if (at < 0)
            _exit(126);
    }
    if (gdb && (at = link_gdb_argv(path, argv)) < 0)
        _exit(126);
    /* The text report only for a run of one's own (not isolated, not under another uid). */
    const char *report = bwrap || uid != geteuid() ? NULL : getenv(CL_MEMCHECK_REPORT_ENV);
    if (xml_w >= 0 && (at = cl_memcheck_argv(argv, at, 78, CL_MEMCHECK_XML_FD,
                                             report && *report ? report : NULL)) < 0)
        _exit(126);
    if (!gdb)
        argv[at++] = bwrap ? "/subject" : (char *)path;
    argv[at] = NULL;
    if (uid != geteuid() &&
        (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0))
        _exit(126);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    char home[600] = "HOME=/"; /* gdb wants a home (for its caches); the working folder */
    if (gdb && !getcwd(home + 5, sizeof home - 5))
        _exit(126);
    /* valgrind finds its tools through VALGRIND_LIB where it is not installed where it was
     * built to be (the matrix's guests). */
    static char vglib[600];
    const char *lib = getenv("VALGRIND_LIB");
    if (xml_w >= 0 && lib && *lib)
        snprintf(vglib, sizeof vglib, "VALGRIND_LIB=%s", lib);
    char *envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", gdb ? home : vglib[0] ? vglib : NULL, NULL};
    execve(argv[0], argv, envp);
    _exit(127);
}

static void link_fail(struct cl_link *L, char kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void link_fail(struct cl_link *L, char kind, const char *fmt, ...)
{
    if (L->failed)
        return;
    L->kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->failure, sizeof L->failure, fmt, ap);
    va_end(ap);
    L->failed = true;
}

/* Read fd until it has nothing more now, keeping up to cap bytes in *buf (malloc'd, NUL
 * ended, *len long); the rest is read and counted in *dropped (may be NULL). */
static void link_drain(int fd, char **buf, size_t *len, size_t cap, size_t *dropped)
{
    char chunk[8192];
    ssize_t n;
    while (fd >= 0 && (n = read(fd, chunk, sizeof chunk)) > 0) {
        size_t keep = *len < cap ? cap - *len : 0;
        keep = (size_t)n < keep ? (size_t)n : keep;
        char *grown = keep ? realloc(*buf, *len + keep + 1) : NULL;
        if (grown) {
            memcpy(grown + *len, chunk, keep);
            *len += keep;
            grown[*len] = '\0';
            *buf = grown;
        }
        if (dropped)
            *dropped += (size_t)n - (grown ? keep : 0);
    }
}

/* Keep what the subject printed (up to the cap; the rest is read and dropped). */
static void link_drain_output(struct cl_link *L)
{
    link_drain(L->out_fd, &L->output, &L->output_len, CL_LINK_OUTPUT_CAP, NULL);
}

/* Keep what memcheck wrote (up to the cap; the rest is read and counted). */
static void link_drain_xml(struct cl_link *L)
{
    link_drain(L->xml_fd, &L->xml, &L->xml_len, CL_MEMCHECK_XML_CAP, &L->xml_dropped);
}

/* Who a "C" line names: 0 for "p", 1 + N for "wN"; -1 if neither. */
static int link_who(const char *who)
{
    if (strcmp(who, "p") == 0)
        return 0;
    if (who[0] != 'w')
        return -1;
    char *end;
    long n = strtol(who + 1, &end, 10);
    return *end == '\0' && n >= 0 && n < CL_TEAM_MAX ? (int)n + 1 : -1;
}

static void link_where(const struct cl_link *L, int who, char *out, size_t n)
{
    const char *fn = who >= 0 ? L->running[who] : "";
    if (!fn[0])
        snprintf(out, n, "the subject (before any function of yours ran)");
    else if (who == 0)
        snprintf(out, n, "%s, in the parent", fn);
    else
        snprintf(out, n, "%s, in worker %d", fn, who - 1);
}

/* Whether a /dev/shm entry is one the subject pid named after itself: "cowlab", a lab's tag
 * without '-', then "-PID" and either the end or another '-' (lab 03: cowlab03-PID-TAG). */
static bool link_named_after(const char *name, pid_t pid)
{
    if (strncmp(name, "cowlab", 6) != 0)
        return false;
    const char *dash = strchr(name, '-');
    if (!dash)
        return false;
    char want[24];
    int n = snprintf(want, sizeof want, "-%ld", (long)pid);
    return strncmp(dash, want, (size_t)n) == 0 && (dash[n] == '\0' || dash[n] == '-');
}

/* Outside bwrap, under our own uid, the subject shares /dev/shm with everything else on the
 * machine: remove what it named after itself (link_named_after) and owned, once it is gone, so
 * that a test that stops half-way (a crash, a failed check before the lab's own clean-up, a stub
 * that never unlinks) leaves nothing behind. Inside bwrap its /dev/shm was its own and went with
 * it; under a uid a grader gave it (link_uid), the grader sweeps what the uid owns and names it
 * as left behind (the test fails): removed here first, a leak would pass unseen. */
static void link_remove_named_shm(pid_t pid, uid_t uid)
{
    DIR *d = opendir("/dev/shm");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        if (!link_named_after(e->d_name, pid) ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_uid != uid ||
            !S_ISREG(st.st_mode))
            continue;
        unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

/* The subject is reaped (or was never started): what it named after itself goes, and the link
 * has no process any more. */
static void link_forget_subject(struct cl_link *L)
{
    if (L->pid > 0 && !L->isolated && L->uid == geteuid())
        link_remove_named_shm(L->pid, L->uid);
    L->pid = L->child = -1;
}

/* The subject is gone: reap it and say what it was running. */
static void link_drain_xml(struct cl_link *L);

/* The answers pipe ended: wait for the subject to end, at most grace_ms (under memcheck its
 * leak check runs first, and its report is read meanwhile); a subject that closed descriptor 3
 * and lives on is then killed, with its group. Returns waitpid's result; *killed says which. */
static pid_t link_reap(struct cl_link *L, long grace_ms, int *st, bool *killed)
{
    *killed = false;
    if (L->child <= 0)
        return -1;
    long until = link_now_ms() + grace_ms;
    pid_t r;
    while ((r = waitpid(L->child, st, WNOHANG)) == 0 && link_now_ms() < until) {
        struct pollfd p = {.fd = L->xml_fd, .events = POLLIN};
        if (L->xml_fd < 0 || poll(&p, 1, 2) <= 0) {
            struct timespec ts = {0, 2 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        link_drain_xml(L);
    }
    if (r != 0)
        return r;
    *killed = true;
    kill(-L->child, SIGKILL);
    kill(L->child, SIGKILL);
    return waitpid(L->child, st, 0);
}

/* Under memcheck, whether valgrind quit without ending its report. A program that exits, by
 * exit or _exit, still gets valgrind's leak check and a closed report (<status> FINISHED, then
 * </valgrindoutput>); only valgrind's own panic ("the 'impossible' happened", a failed VEX
 * assertion) or its running out of memory leaves the document open. Reads what is left in the
 * pipe first. A report cut at the cap says nothing either way (false). */
static bool link_valgrind_gave_up(struct cl_link *L)
{
    if (!L->memcheck)
        return false;
    link_drain_xml(L);
    return L->xml && !L->xml_dropped && memmem(L->xml, L->xml_len, "<valgrindoutput>", 16) &&
           !memmem(L->xml, L->xml_len, "</valgrindoutput>", 17);
}

/* Whether exit status st is the one a sanitizer exits with after its report
 * (CL_SANITIZER_STATUS): only in the kit built with the sanitizers (make check SANITIZE=1,
 * build/asan), whose subjects exit so; a grader's status 23 is only an exit. */
static bool link_sanitizer_stopped(int st)
{
#if defined(__SANITIZE_ADDRESS__)
    return st == CL_SANITIZER_STATUS;
#else
    (void)st;
    return false;
#endif
}

/* Whom the subject's end blames: sig, the signal that ended it (0: none); sanitized, whether a
 * sanitizer stopped it (link_sanitizer_stopped). The subject is the parent. A fault or an
 * abort (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT: glibc's "double free
 * detected" too), or a sanitizer's stop, is what the parent's own code did: so the parent's
 * function, while a command that called one has not been answered, even when workers called
 * theirs after it. Any other signal (SIGKILL, say) can come from another process, and a parent
 * between commands runs only the kit's code: then the process that called a function of the
 * student's last. Under gdb the status is gdb's, for whichever process got the signal (its
 * script follows every fork): the last caller too. */
static int link_blamed(const struct cl_link *L, int sig, bool sanitized)
{
    bool own = sanitized || sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
               sig == SIGTRAP || sig == SIGSYS || sig == SIGABRT;
    return own && !L->gdb && L->parent_in_call && L->running[0][0] ? 0 : L->last_who;
}

static void link_died(struct cl_link *L)
{
    int st = 0;
    bool killed;
    link_drain_output(L);
    pid_t r =
        link_reap(L, L->memcheck ? cl_link_deadline_ms(CL_MEMCHECK_QUIT_MS) : 1000, &st, &killed);
    /* bwrap ends as its child did, a signal N as status 128 + N (gdb too, by its script). */
    int sig = r != L->child     ? 0
              : WIFSIGNALED(st) ? WTERMSIG(st)
              : (L->isolated || L->gdb) && WIFEXITED(st) && WEXITSTATUS(st) > 128 &&
                      WEXITSTATUS(st) < 128 + 65
                  ? WEXITSTATUS(st) - 128
                  : 0;
    bool sanitized = r == L->child && WIFEXITED(st) && link_sanitizer_stopped(WEXITSTATUS(st));
    char where[200];
    link_where(L, link_blamed(L, sig, sanitized), where, sizeof where);
    if (killed)
        link_fail(L, 'p',
                  "the subject closed descriptor 3 (its answers) and kept running, while %s was "
                  "running: does code of yours close descriptors it did not open?",
                  where);
    else if (sig)
        link_fail(L, 'c', "%s: killed by SIG%s", where,
                  sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
    else if (r == L->child && WIFEXITED(st) && WEXITSTATUS(st) == 125 && L->memcheck)
        link_fail(L, 's',
                  "valgrind could not be given its report's descriptor (status 125): the "
                  "grading machine's open-files limit, not your code");
    else if (r == L->child && WIFEXITED(st) && !L->running[0][0] && L->isolated && !L->started)
        link_fail(L, 's', "the sandbox (bwrap) could not start the subject (status %d): %.200s",
                  WEXITSTATUS(st), L->output ? L->output : "no message");
    else if (r == L->child && WIFEXITED(st) && !L->running[0][0] && WEXITSTATUS(st) >= 126)
        link_fail(L, 's', "the subject could not be run (status %d): is it built?",
                  WEXITSTATUS(st));
    else if (r == L->child && WIFEXITED(st) && link_valgrind_gave_up(L))
        link_fail(L, 'e',
                  "valgrind stopped (status %d) while %s was running, and its report has no "
                  "end: valgrind itself gave up there (its own internal error, or its memory "
                  "ran out), which code calling exit never does; make memcheck LAB=NN shows "
                  "what valgrind printed",
                  WEXITSTATUS(st), where);
    else if (sanitized)
        link_fail(L, 'e',
                  "a sanitizer (ASan or UBSan) found an error while %s was running and "
                  "stopped the subject (status %d): its report, in the output below, names the "
                  "file and line",
                  where, WEXITSTATUS(st));
    else if (r == L->child && WIFEXITED(st))
        link_fail(L, 'e',
                  "the subject exited (status %d) while %s was running: does your code call "
                  "exit?",
                  WEXITSTATUS(st), where);
    else
        link_fail(L, 'e', "the subject ended while %s was running", where);
    link_forget_subject(L);
}

/* A worker died (ECHILD, worker w) or some did not reach the barrier (ETIMEDOUT): say which
 * function each was running, and fail the link. */
static void link_workers_failed(struct cl_link *L, int e, int w, const char *why)
{
    char msg[sizeof L->failure];
    size_t at = 0;
    if (e == ECHILD && w >= 0 && w < CL_TEAM_MAX) {
        at +=
            (size_t)snprintf(msg, sizeof msg, "%s, in worker %d, crashed (%s)",
                             L->running[w + 1][0] ? L->running[w + 1] : "a worker's code", w, why);
    } else {
        at += (size_t)snprintf(msg, sizeof msg, "%s; the workers were running:", why);
        for (int i = 1; i <= CL_TEAM_MAX && at < sizeof msg - 80; i++)
            if (L->running[i][0])
                at += (size_t)snprintf(msg + at, sizeof msg - at, " %s (worker %d)", L->running[i],
                                       i - 1);
        snprintf(msg + at, sizeof msg - at, ": an endless loop, or a wait that never ends?");
    }
    link_fail(L, e == ECHILD ? 'c' : 't', "%s", msg);
}

/* Handle one line from the subject. Returns 1 for an answer (R or E), 0 for a C line, -1 for
 * a line that is not part of the protocol (the link has failed: 'p'). */
static int link_line(struct cl_link *L, char *line, int64_t *v, int max, int *n, int *rc)
{
    if (line[0] == 'C' && line[1] == ' ') {
        char who[16], fn[64];
        int w = sscanf(line + 2, "%15s %63s", who, fn) == 2 ? link_who(who) : -1;
        if (w >= 0) {
            snprintf(L->running[w], sizeof L->running[w], "%s", fn);
            L->last_who = w;
            if (w == 0)
                L->parent_in_call = true;
        }
        return 0;
    }
    if ((line[0] == 'R' || line[0] == 'E') && (line[1] == ' ' || line[1] == '\0'))
        L->parent_in_call = false; /* an answer: the command (and any call of it) has ended */
    if (line[0] == 'R' && (line[1] == ' ' || line[1] == '\0')) {
        int count = 0;
        char *p = line + 1, *end;
        while (*p == ' ') {
            long long x = strtoll(p + 1, &end, 10);
            if (end == p + 1)
                break;
            if (count < max)
                v[count] = x;
            count++;
            p = end;
        }
        if (n)
            *n = count < max ? count : max;
        *rc = 0;
        return 1;
    }
    if (line[0] == 'E' && line[1] == ' ') {
        int e = 0, w = -1, used = 0;
        if (sscanf(line + 2, "%d %d %n", &e, &w, &used) < 2)
            used = 0;
        L->error_worker = w;
        L->error_errno = e;
        snprintf(L->failure, sizeof L->failure, "%s", line + 2 + used);
        errno = e;
        *rc = -1;
        if (e == ECHILD || e == ETIMEDOUT) { /* a worker died or hangs: the subject is done */
            link_workers_failed(L, e, w, line + 2 + used);
            *rc = -2;
        }
        return 1;
    }
    /* A second hello, or anything else: only student code writing to fd 3 sends it. */
    link_fail(L, 'p',
              "the subject sent a line that is not part of the protocol (\"%.40s\"): does code "
              "of yours write to file descriptor 3?",
              line);
    return -1;
}

/* Read lines until an answer arrives or the deadline passes. */
static int link_wait(struct cl_link *L, int64_t *v, int max, int *n, int ms, const char *what)
{
    long deadline = link_now_ms() + ms;
    for (;;) {
        char *nl;
        while ((nl = memchr(L->in, '\n', L->have))) {
            *nl = '\0';
            int rc = 0, done = link_line(L, L->in, v, max, n, &rc);
            L->have -= (size_t)(nl + 1 - L->in);
            memmove(L->in, nl + 1, L->have);
            if (done < 0)
                return -2;
            if (done)
                return rc;
        }
        if (L->have == sizeof L->in) {
            link_fail(L, 'p', "the subject sent a line too long to be an answer");
            return -2;
        }
        long left = deadline - link_now_ms();
        if (left <= 0) {
            char where[200];
            link_where(L, L->last_who, where, sizeof where);
            link_fail(L, 't',
                      "%s did not finish within %.1f s (%s): an endless loop, or a wait "
                      "for something that never comes?",
                      where, ms / 1000.0, what);
            return -2;
        }
        struct pollfd p[3] = {{.fd = L->reply_fd, .events = POLLIN},
                              {.fd = L->out_fd, .events = POLLIN},
                              {.fd = L->xml_fd, .events = POLLIN}}; /* -1: ignored */
        if (poll(p, 3, (int)(left < 100 ? left : 100)) < 0 && errno != EINTR)
            return -2;
        if (p[1].revents)
            link_drain_output(L);
        if (p[2].revents) /* valgrind must never block on a full pipe */
            link_drain_xml(L);
        if (!p[0].revents)
            continue;
        ssize_t got = read(L->reply_fd, L->in + L->have, sizeof L->in - L->have);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0) {
            link_died(L);
            return -2;
        }
        L->have += (size_t)got;
    }
}

/* Valgrind reads the program it runs, and a grader's subject is only executable by the uid it
 * runs as: a copy in the working folder (which the grader gave that uid) it may read. 0 with
 * the copy's name in L->copy, or -1. */
static int link_readable_copy(struct cl_link *L, const char *path)
{
    char here[512];
    if (!getcwd(here, sizeof here))
        return -1;
    snprintf(L->copy, sizeof L->copy, "%s/subject-memcheck", here);
    unlink(L->copy);
    int in = open(path, O_RDONLY | O_CLOEXEC);
    int out = in < 0 ? -1 : open(L->copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0500);
    char buf[1 << 16];
    ssize_t n = 0;
    while (out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    int rc = in < 0 || out < 0 || n < 0 || fchown(out, L->uid, (gid_t)L->uid) < 0 ? -1 : 0;
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) < 0)
        rc = -1;
    if (rc < 0) {
        unlink(L->copy);
        L->copy[0] = '\0';
    }
    return rc;
}

int cl_link_start(struct cl_link *L, const char *path)
{
    memset(L, 0, sizeof *L);
    L->pid = L->child = -1;
    L->cmd_fd = L->reply_fd = L->out_fd = -1;
    L->error_worker = -1;
    L->error_errno = 0;
    L->memcheck = link_memcheck;
    L->xml_fd = -1;
    L->call_ms = cl_link_deadline_ms(link_call_ms) * (L->memcheck ? CL_MEMCHECK_SLOW : 1);
    const char *cap = getenv(CL_DEADLINE_ENV);
    long cap_ms = cap ? strtol(cap, NULL, 10) : 0;
    if (cap_ms > 0 && cap_ms < L->call_ms)
        L->call_ms = (int)cap_ms;
    L->uid = link_uid();
    int cmd[2], rep[2], out[2], xml[2] = {-1, -1};
    if (pipe2(cmd, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
        (L->memcheck && pipe2(xml, O_CLOEXEC) < 0)) {
        link_fail(L, 's', "cannot make the subject's pipes: %s", strerror(errno));
        return -1;
    }
    struct rlimit rl;
    if (L->memcheck && (getrlimit(RLIMIT_NOFILE, &rl) < 0 ||
                        (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < CL_MEMCHECK_XML_FD + 8))) {
        link_fail(L, 's',
                  "cannot run valgrind here: the open-files limit (ulimit -Hn) is below %d, "
                  "where valgrind's report is kept out of the subject's reach: not your code",
                  CL_MEMCHECK_XML_FD + 8);
        return -1;
    }
    if (L->memcheck && L->uid != geteuid()) {
        if (link_readable_copy(L, path) < 0) {
            link_fail(L, 's', "cannot make the subject readable to valgrind: %s", strerror(errno));
            return -1;
        }
        path = L->copy;
    }
    signal(SIGPIPE, SIG_IGN);
    fflush(NULL);
    const char *bwrap = getenv(CL_BWRAP_ENV);
    L->isolated = bwrap && *bwrap;
    L->gdb = !L->isolated && !L->memcheck && getenv(CL_GDB_ENV);
    link_symbols = L->memcheck && L->isolated ? cl_memcheck_lean_symbols() : NULL;
    pid_t pid = fork();
    if (pid == 0)
        link_child(path, cmd[0], out[1], rep[1], L->uid, L->isolated ? bwrap : NULL, L->gdb,
                   xml[1]);
    close(cmd[0]);
    close(rep[1]);
    close(out[1]);
    if (L->memcheck) {
        close(xml[1]);
        L->xml_fd = xml[0];
        fcntl(L->xml_fd, F_SETFL, O_NONBLOCK);
    }
    L->cmd_fd = cmd[1];
    L->reply_fd = rep[0];
    L->out_fd = out[0];
    fcntl(L->out_fd, F_SETFL, O_NONBLOCK);
    if (pid < 0) {
        link_fail(L, 's', "cannot start the subject: %s", strerror(errno));
        return -1;
    }
    L->pid = L->child = pid;
    /* The hello: "H pid". Nothing of the student's has been announced yet, so a constructor
     * that blocks or crashes is blamed as such. */
    int start_ms = cl_link_deadline_ms(CL_LINK_START_MS) * (L->memcheck ? CL_MEMCHECK_SLOW : 1);
    long deadline = link_now_ms() + start_ms;
    while (!memchr(L->in, '\n', L->have)) {
        /* memcheck's report is read meanwhile: errors before main fill its pipe. */
        struct pollfd p[2] = {{.fd = L->reply_fd, .events = POLLIN},
                              {.fd = L->xml_fd, .events = POLLIN}};
        long left = deadline - link_now_ms();
        int ready = left > 0 ? poll(p, 2, (int)(left < 100 ? left : 100)) : 0;
        if (ready > 0 && p[1].revents)
            link_drain_xml(L);
        if (ready < 0 || (ready > 0 && !p[0].revents))
            continue;
        if (ready == 0 && left > 100)
            continue;
        if (left <= 0 || ready == 0) {
            link_fail(L, 't',
                      "the subject did not start within %.1f s: does code of yours run "
                      "before main (a constructor) and block?",
                      start_ms / 1000.0);
            return -1;
        }
        ssize_t got = read(L->reply_fd, L->in + L->have, sizeof L->in - L->have - 1);
        if (got <= 0) {
            link_died(L);
            return -1;
        }
        L->have += (size_t)got;
    }
    char *nl = memchr(L->in, '\n', L->have);
    if (strncmp(L->in, "H ", 2) != 0) {
        link_fail(L, 'p', "the subject did not start as a subject should (no hello)");
        return -1;
    }
    L->started = true;
    /* Isolated, the subject is bwrap's child (gdb's, under gdb): the pid it says must be
     * that, under its uid. */
    if (L->isolated || L->gdb) {
        long said = strtol(L->in + 2, NULL, 10);
        pid_t ppid;
        uid_t uid;
        if (said <= 0 || said > INT32_MAX || link_stat((pid_t)said, &ppid, &uid) < 0 ||
            ppid != L->child || uid != L->uid) {
            link_fail(L, 'p', "the subject's hello named a process that is not the subject");
            return -1;
        }
        L->pid = (pid_t)said;
    }
    L->have -= (size_t)(nl + 1 - L->in);
    memmove(L->in, nl + 1, L->have);
    return 0;
}

/* Before a command: nothing may be waiting but C lines. The subject answers each command
 * once; an answer nobody asked for (student code writing "R ..." to fd 3, before or after the
 * real one) would shift every answer after it. 0, or -2 with the link failed. */
static int link_nothing_pending(struct cl_link *L)
{
    /* Bounded: a subject that floods "C" lines does not keep the observer here; what it sent
     * beyond the bound is read by the next command's wait. */
    for (size_t taken = 0; taken < 4 * sizeof L->in;) {
        char *nl;
        while ((nl = memchr(L->in, '\n', L->have))) {
            *nl = '\0';
            if (L->in[0] != 'C' || L->in[1] != ' ') {
                link_fail(L, 'p',
                          "the subject answered a command twice (\"%.40s\"): does code of yours "
                          "write to file descriptor 3?",
                          L->in);
                return -2;
            }
            int64_t none;
            int rc = 0;
            link_line(L, L->in, &none, 0, NULL, &rc);
            L->have -= (size_t)(nl + 1 - L->in);
            memmove(L->in, nl + 1, L->have);
        }
        struct pollfd p = {.fd = L->reply_fd, .events = POLLIN};
        if (L->have == sizeof L->in || poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
            return 0;
        ssize_t got = read(L->reply_fd, L->in + L->have, sizeof L->in - L->have);
        if (got <= 0)
            return 0; /* gone: the command's own wait says so */
        L->have += (size_t)got;
        taken += (size_t)got;
    }
    return 0;
}

int cl_link_call(struct cl_link *L, int64_t *v, int max, int *n, const char *fmt, ...)
{
    if (n)
        *n = 0;
    if (L->failed || link_nothing_pending(L) < 0)
        return -2;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof line - 1)
        return -2;
    line[len++] = '\n';
    L->error_worker = -1;
    if (write(L->cmd_fd, line, (size_t)len) != len) {
        link_died(L);
        return -2;
    }
    line[len - 1] = '\0';
    /* A team command waits for the workers as long as it says, and then answers. */
    long waits = 0;
    if (strncmp(line, "await ", 6) == 0 || strncmp(line, "finish ", 7) == 0)
        waits = strtol(strchr(line, ' ') + 1, NULL, 10);
    long t0 = link_now_ms();
    long ms = L->call_ms + (waits > 0 && waits < 600000 ? waits : 0);
    const char *cap = getenv(CL_DEADLINE_ENV);
    long cap_ms = cap ? strtol(cap, NULL, 10) : 0;
    int rc = link_wait(L, v, max, n, (int)(cap_ms > 0 && cap_ms < ms ? cap_ms : ms), line);
    if (getenv(CL_LINK_TIMES_ENV)) /* how long the subject took: what deadlines are sized by */
        fprintf(stderr, "link: %ld ms\t%s\n", link_now_ms() - t0, line);
    return rc;
}

const char *cl_link_failure(struct cl_link *L)
{
    if (!L->failed || L->reported)
        return NULL;
    L->reported = true;
    return L->failure;
}

/* Parent pid and owner of a process (a zombie too), from /proc. 0, or -1 if it is gone. */
static int link_stat(pid_t pid, pid_t *ppid, uid_t *uid)
{
    char path[64];
    struct stat st;
    /* The owner of the folder: a zombie's files (no memory left) belong to root. */
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    struct cl_proc_stat ps;
    if (stat(path, &st) < 0 || cl_proc_stat(pid, &ps) < 0)
        return -1;
    *ppid = ps.ppid;
    *uid = st.st_uid;
    return 0;
}

pid_t cl_link_verify_pid(const struct cl_link *L, int64_t reported)
{
    pid_t pid = (pid_t)reported, ppid;
    uid_t uid;
    if (reported <= 0 || reported > INT32_MAX || L->pid <= 0 || link_stat(pid, &ppid, &uid) < 0 ||
        (pid != L->pid && ppid != L->pid) || uid != L->uid) {
        errno = ESRCH;
        return -1;
    }
    return pid;
}

int cl_link_children(const struct cl_link *L)
{
    int n = 0;
    DIR *d = L->pid > 0 ? opendir("/proc") : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        pid_t ppid;
        uid_t uid;
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
            link_stat((pid_t)atol(e->d_name), &ppid, &uid) == 0 && ppid == L->pid)
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

int cl_link_peek(pid_t pid, uint64_t addr, void *buf, size_t len)
{
    struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n == (ssize_t)len)
        return 0;
    if (n >= 0)
        errno = EFAULT;
    return -1;
}

size_t cl_link_peek_each(pid_t pid, const uint64_t *addrs, size_t n, size_t each, void *out,
                         bool *ok)
{
    enum { CHUNK = 1024 }; /* IOV_MAX on Linux */
    struct iovec remote[CHUNK];
    unsigned char *to = out;
    size_t read = 0;
    memset(out, 0, n * each);
    for (size_t i = 0; i < n;) {
        size_t k = n - i < CHUNK ? n - i : CHUNK;
        for (size_t j = 0; j < k; j++)
            remote[j] = (struct iovec){(void *)(uintptr_t)addrs[i + j], each};
        struct iovec local = {to + i * each, k * each};
        ssize_t got = process_vm_readv(pid, &local, 1, remote, (unsigned long)k, 0);
        /* The kernel stops at the first address it cannot read: those before it are whole. */
        size_t whole = got > 0 ? (size_t)got / each : 0;
        for (size_t j = 0; j < whole; j++)
            ok[i + j] = true;
        read += whole;
        i += whole;
        if (whole == k)
            continue;
        /* Address i is the one it stopped at: on its own, then go on after it. */
        ok[i] = cl_link_peek(pid, addrs[i], to + i * each, each) == 0;
        if (!ok[i])
            memset(to + i * each, 0, each);
        read += ok[i];
        i++;
    }
    return read;
}

/* After the subject's group was sent SIGKILL: wait, at most ms, until none of its processes is
 * alive. A killed process takes a while to die (its memory is freed first, which under load or
 * with a large mapping can take tens of milliseconds), and one still dying when the observer
 * exits would be counted by the grader as left behind by the student's code. Zombies are dead
 * (their parent, or the grader that adopts orphans, reaps them). Not used when the subject quit
 * by itself: then it reaped its own workers and bwrap waited for it. */
static void link_await_group_dead(pid_t pgid, int ms)
{
    long until = link_now_ms() + ms;
    for (;;) {
        bool alive = false;
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && !alive && (e = readdir(d))) {
            struct cl_proc_stat ps;
            alive = e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
                    cl_proc_stat((pid_t)atol(e->d_name), &ps) == 0 && ps.pgrp == pgid &&
                    ps.state != 'Z' && ps.state != 'X';
        }
        if (d)
            closedir(d);
        if (!alive || link_now_ms() > until)
            return;
        kill(-pgid, SIGKILL); /* anything it forked meanwhile */
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void cl_link_stop(struct cl_link *L)
{
    if (L->cmd_fd >= 0) {
        close(L->cmd_fd); /* end of input: the subject quits */
        L->cmd_fd = -1;
    }
    if (L->child > 0) {
        /* A grace to quit, unless it already stopped answering; under memcheck, time for the
         * leak check, whose report is read meanwhile. */
        long grace = L->memcheck ? cl_link_deadline_ms(CL_MEMCHECK_QUIT_MS) : 500;
        long until = link_now_ms() + (L->failed && L->kind == 't' ? 0 : grace);
        int st;
        pid_t r;
        while ((r = waitpid(L->child, &st, WNOHANG)) == 0 && link_now_ms() < until) {
            struct pollfd p = {.fd = L->xml_fd, .events = POLLIN};
            if (L->xml_fd < 0 || poll(&p, 1, 2) <= 0) {
                struct timespec ts = {0, 2 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
            link_drain_xml(L);
        }
        if (r == 0) {
            kill(-L->child, SIGKILL); /* the subject and whatever is left of its group */
            kill(L->child, SIGKILL);
            waitpid(L->child, &st, 0);
            link_await_group_dead(L->child, LINK_DEATH_MS);
        }
        link_forget_subject(L);
    }
    if (!L->failed && L->reply_fd >= 0)
        link_nothing_pending(L); /* an answer after the last command fails the test too */
    link_drain_output(L);
    link_drain_xml(L); /* all of it: the subject is gone, and it wrote before it went */
    if (L->reply_fd >= 0)
        close(L->reply_fd);
    if (L->out_fd >= 0)
        close(L->out_fd);
    if (L->xml_fd >= 0)
        close(L->xml_fd);
    L->reply_fd = L->out_fd = L->xml_fd = -1;
    if (L->copy[0])
        unlink(L->copy);
    L->copy[0] = '\0';
}
