/*
 * watch.c — re-check on save, one screen with the first failing test (cowlab/watch.h).
 */
#include "cowlab/watch.h"

#include "cowlab/checked.h"
#include "cowlab/hint.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

enum { WATCH_FEEDBACK_LINES = 14, WATCH_LOG_LINES = 14 };

/* What the signal handlers touch: the terminal as it was, and the self-pipe. */
static struct termios watch_saved;
static volatile sig_atomic_t watch_raw, watch_signal;
static int watch_pipe[2] = {-1, -1};

static void watch_restore(void)
{
    if (watch_raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &watch_saved);
}

/* Non-canonical, no echo, one byte at a time; signals (^C) still work. */
static void watch_make_raw(void)
{
    struct termios raw = watch_saved;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

static void watch_wake(char why)
{
    int e = errno;
    if (write(watch_pipe[1], &why, 1) < 0) { /* full: a wake-up is already pending */
    }
    errno = e;
}

static void watch_on_signal(int sig)
{
    int e = errno;
    watch_restore();
    watch_signal = sig;
    watch_wake('x');
    errno = e;
}

static void watch_on_child(int sig)
{
    (void)sig;
    watch_wake('c');
}

static void watch_on_winch(int sig)
{
    (void)sig;
    watch_wake('w');
}

/* ^Z: the terminal as it was while stopped, raw again and a redraw when continued. */
static void watch_on_tstp(int sig)
{
    (void)sig;
    int e = errno;
    watch_restore();
    kill(getpid(), SIGSTOP);
    if (watch_raw)
        watch_make_raw();
    watch_wake('w');
    errno = e;
}

static long watch_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The watcher's state between events. */
struct watch_state {
    const struct cl_watch *w;
    char src[PATH_MAX], log[PATH_MAX + 80], self[PATH_MAX];
    pid_t child;       /* the running check, or 0 */
    int child_status;  /* how the last check ended */
    long saved_ms;     /* when the change being checked was first seen (0: none) */
    long took_ms;      /* the last check: from the save (or start) to its result */
    bool by_save;      /* the running check follows a save (not the start, not key r) */
    int checks;        /* checks run */
    bool pending;      /* a change not yet checked */
    long deadline_ms;  /* when the pending burst is over */
    uint64_t check_fp; /* the files' fingerprint when the last check started */
    bool all;          /* the full list instead of the first failure */
    char note[256];    /* the line under the title */
};

/* Start `cowlab check` on the lab in its own process group, output to the log. */
static void watch_start_check(struct watch_state *s)
{
    const struct cl_watch *w = s->w;
    char *argv[16];
    int n = 0;
    argv[n++] = s->self;
    argv[n++] = "check";
    argv[n++] = (char *)w->lab->slug;
    argv[n++] = "--dir";
    argv[n++] = (char *)w->base;
    argv[n++] = "--quiet";
    if (w->only) {
        argv[n++] = "--test";
        argv[n++] = (char *)w->only;
    }
    if (w->labs_dir) {
        argv[n++] = "--labs-dir";
        argv[n++] = (char *)w->labs_dir;
    }
    argv[n] = NULL;
    s->check_fp = cl_checked_fingerprint(w->lab, s->src);
    s->by_save = s->saved_ms != 0;
    if (!s->saved_ms)
        s->saved_ms = watch_now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        signal(SIGTSTP, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        signal(SIGWINCH, SIG_DFL);
        int in = open("/dev/null", O_RDONLY);
        int out = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
            _exit(127);
        execv(s->self, argv);
        _exit(127);
    }
    if (pid < 0) {
        snprintf(s->note, sizeof s->note, "cannot start a check: %s", strerror(errno));
        return;
    }
    setpgid(pid, pid);
    s->child = pid;
    s->checks++;
    s->pending = false;
    snprintf(s->note, sizeof s->note, "check #%d: building and checking ...", s->checks);
}

/* Text from student code for the terminal: control bytes but newline shown as '?'. */
static void watch_put_text(FILE *f, const char *text, int max_lines)
{
    int lines = 0;
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
        if (*p == '\n') {
            if (++lines >= max_lines) {
                if (p[1])
                    fputs("\n    ... (make check shows all of it)", f);
                break;
            }
            fputs("\n    ", f);
        } else
            fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
    }
    fputc('\n', f);
}

/* Whether the lab's test t is one this watcher checks. */
static bool watch_selected(const struct cl_watch *w, const char *name)
{
    if (!w->only)
        return true;
    size_t len = strlen(name);
    for (const char *p = w->only; *p;) {
        size_t l = strcspn(p, ",");
        if (l == len && strncmp(p, name, len) == 0)
            return true;
        p += l + (p[l] == ',');
    }
    return false;
}

/* The log's last lines (a check that could not run says why there). */
static void watch_put_log(FILE *f, const char *path)
{
    FILE *in = fopen(path, "r");
    char *lines[WATCH_LOG_LINES] = {0}, buf[512];
    int n = 0;
    while (in && fgets(buf, sizeof buf, in)) {
        free(lines[n % WATCH_LOG_LINES]);
        lines[n++ % WATCH_LOG_LINES] = strdup(buf);
    }
    if (in)
        fclose(in);
    for (int i = n > WATCH_LOG_LINES ? n - WATCH_LOG_LINES : 0; i < n; i++) {
        fputs("    ", f);
        watch_put_text(f, lines[i % WATCH_LOG_LINES], 1);
    }
    for (int i = 0; i < WATCH_LOG_LINES; i++)
        free(lines[i]);
}

/* The hints shown so far for test t (after n). */
static void watch_put_hints(FILE *f, const struct watch_state *s, const struct cl_test_def *t)
{
    const struct cl_lab_def *lab = s->w->lab;
    int seen = cl_hint_seen(lab, t);
    if (t->hint.nsteps == 0)
        return;
    if (seen == 0) {
        fprintf(f, "\n  press n for a hint (%d steps, the last names the chapter's section)\n",
                t->hint.nsteps);
        return;
    }
    fputc('\n', f);
    cl_hint_print(f, s->w->kit, lab, t, seen, "press n");
}

/* Every test of the lab with its last result (key a). */
static void watch_put_all(FILE *f, const struct watch_state *s, const struct cl_checked *c,
                          uint64_t now)
{
    const struct cl_lab_def *lab = s->w->lab;
    for (int t = 0; t < lab->ntests; t++) {
        const struct cl_checked_test *r = &c->tests[t];
        const char *mark = !watch_selected(s->w, lab->tests[t].name) ? "--"
                           : !r->have                                ? "??"
                           : r->fp != now                            ? "old"
                           : r->ungradable                           ? "n/a"
                           : r->passed                               ? "ok"
                                                                     : "FAIL";
        fprintf(f, "  %-5s %-24s %3d/%-3d %s\n", mark, lab->tests[t].name,
                r->have && r->fp == now ? r->score : 0, lab->tests[t].points,
                r->have ? r->verdict : "not checked");
    }
    fprintf(f, "  (ok passed, FAIL failed, n/a not gradable here, old: before your last change,\n"
               "   ??: not checked, --: not watched)\n");
}

/* The body below the title: the first failing test, or the list, or what is wrong. */
static void watch_put_body(FILE *f, struct watch_state *s)
{
    const struct cl_lab_def *lab = s->w->lab;
    struct cl_checked c;
    if (cl_checked_load(lab, s->src, &c) < 0) {
        fprintf(f, "cannot read the recorded results: %s\n", strerror(errno));
        return;
    }
    uint64_t now = cl_checked_fingerprint(lab, s->src);
    int passed = 0, total = 0, score = 0, max = 0, first = -1, unknown = 0;
    for (int t = 0; t < lab->ntests; t++) {
        const struct cl_checked_test *r = &c.tests[t];
        if (!watch_selected(s->w, lab->tests[t].name))
            continue;
        bool current = r->have && r->fp == now;
        if (current && r->ungradable)
            continue;
        total++;
        max += lab->tests[t].points;
        unknown += !current;
        passed += current && r->passed;
        score += current && r->passed ? r->score : 0;
        if (current && !r->passed && first < 0)
            first = t;
    }
    fprintf(f, "%d/%d tests pass, %d/%d points%s%s\n\n", passed, total, score, max,
            unknown ? " -- results for your files as they are now; not yet: " : "",
            unknown ? (s->child ? "checking" : "press r") : "");
    if (s->all) {
        watch_put_all(f, s, &c, now);
    } else if (c.have_build && c.build_fp == now && !c.built) {
        fprintf(f, "your files do not build:\n    ");
        watch_put_text(f, c.build_log, WATCH_FEEDBACK_LINES);
    } else if (first >= 0) {
        const struct cl_test_def *t = &lab->tests[first];
        const struct cl_checked_test *r = &c.tests[first];
        fprintf(f, "FAILED %s (%d points): %s\n  %s\n    ", t->name, t->points, r->verdict,
                t->about);
        watch_put_text(f, r->feedback, WATCH_FEEDBACK_LINES);
        watch_put_hints(f, s, t);
    } else if (!unknown && total) {
        fprintf(f, "every test passes (%d/%d points).\n", score, max);
    } else if (s->checks && !s->child && s->child_status != 0 && s->child_status != 1) {
        fprintf(f, "the check did not run to the end (%s):\n", s->log);
        watch_put_log(f, s->log);
    }
    cl_checked_free(&c);
}

/* Redraw the whole screen: home, clear, the text (one write). */
static void watch_draw(struct watch_state *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return;
    const struct cl_lab_def *lab = s->w->lab;
    if (isatty(STDOUT_FILENO))
        fputs("\033[H\033[2J", f);
    else
        fputs("----\n", f);
    fprintf(f, "cowlab watch %s -- %s (", lab->slug, s->src);
    for (int i = 0; i < lab->nfiles; i++)
        fprintf(f, "%s%s", i ? " " : "", lab->files[i]);
    fprintf(f, ")%s%s\n%s\n\n", s->w->only ? " tests " : "", s->w->only ? s->w->only : "", s->note);
    watch_put_body(f, s);
    fprintf(f, "\nkeys: n next hint   a %s   r check now   q quit\n",
            s->all ? "first failure" : "all tests");
    if (fclose(f) == 0) {
        for (size_t at = 0; at < len;) {
            ssize_t w = write(STDOUT_FILENO, buf + at, len - at);
            if (w < 0 && errno != EINTR)
                break;
            at += w > 0 ? (size_t)w : 0;
        }
    }
    free(buf);
}

/* The check has ended: reap it and say how it went. */
static void watch_reap(struct watch_state *s)
{
    int status;
    if (!s->child || waitpid(s->child, &status, WNOHANG) != s->child)
        return;
    s->child = 0;
    s->child_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    s->took_ms = watch_now_ms() - s->saved_ms;
    s->saved_ms = 0;
    time_t t = time(NULL);
    char hm[16];
    strftime(hm, sizeof hm, "%H:%M:%S", localtime(&t));
    snprintf(s->note, sizeof s->note,
             "check #%d done at %s, %.1f s after %s%s; watching your files", s->checks, hm,
             s->took_ms / 1000.0, s->by_save ? "the save" : "it started",
             s->pending ? " (changed again: checking next)" : "");
}

/* The next hint step of the first failing test (key n). */
static void watch_next_hint(struct watch_state *s)
{
    const struct cl_lab_def *lab = s->w->lab;
    struct cl_checked c;
    if (cl_checked_load(lab, s->src, &c) < 0)
        return;
    uint64_t now = cl_checked_fingerprint(lab, s->src);
    for (int t = 0; t < lab->ntests; t++) {
        const struct cl_checked_test *r = &c.tests[t];
        if (watch_selected(s->w, lab->tests[t].name) && r->have && r->fp == now && !r->passed &&
            !r->ungradable) {
            int seen = cl_hint_seen(lab, &lab->tests[t]);
            if (seen < lab->tests[t].hint.nsteps)
                cl_hint_remember(lab, &lab->tests[t], seen + 1);
            break;
        }
    }
    cl_checked_free(&c);
    s->all = false;
}

/* inotify: a student file of the lab was written, moved in, or removed. */
static void watch_read_events(struct watch_state *s, int ifd)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    while ((n = read(ifd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            p += sizeof *e + e->len;
            if (e->mask & IN_IGNORED)
                snprintf(s->note, sizeof s->note, "the lab's folder is gone: q to quit");
            for (int i = 0; e->len && i < s->w->lab->nfiles; i++)
                if (strcmp(e->name, s->w->lab->files[i]) == 0) {
                    if (!s->pending && !s->saved_ms)
                        s->saved_ms = watch_now_ms();
                    s->pending = true;
                    s->deadline_ms = watch_now_ms() + s->w->debounce_ms;
                    if (!s->child)
                        snprintf(s->note, sizeof s->note, "%s changed ...", e->name);
                }
        }
    }
}

/* The burst is over: check, unless the files are as last checked. */
static void watch_settled(struct watch_state *s)
{
    if (cl_checked_fingerprint(s->w->lab, s->src) == s->check_fp && s->checks) {
        s->pending = false;
        s->saved_ms = 0;
        snprintf(s->note, sizeof s->note, "saved, with no change since check #%d", s->checks);
        return;
    }
    watch_start_check(s);
}

static int watch_setup(struct watch_state *s, int *ifd)
{
    const struct cl_watch *w = s->w;
    snprintf(s->src, sizeof s->src, "%s/%s", w->base, w->lab->slug);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", cl_state_dir());
    for (char *p = dir + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0755);
            *p = '/';
        }
    mkdir(dir, 0755);
    snprintf(s->log, sizeof s->log, "%s/watch-%s.log", dir, w->lab->slug);
    ssize_t n = readlink("/proc/self/exe", s->self, sizeof s->self - 1);
    if (n <= 0) {
        fprintf(stderr, "cowlab: watch: cannot find its own program: %s\n", strerror(errno));
        return -1;
    }
    s->self[n] = '\0';
    *ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (*ifd < 0 || inotify_add_watch(*ifd, s->src,
                                      IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM |
                                          IN_DELETE_SELF) < 0) {
        fprintf(stderr, "cowlab: watch: cannot watch %s: %s\n", s->src, strerror(errno));
        return -1;
    }
    if (pipe2(watch_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
        return -1;
    struct sigaction sa = {0};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = watch_on_signal;
    int stops[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
        sigaction(stops[i], &sa, NULL);
    sa.sa_handler = watch_on_child;
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    sa.sa_flags = 0;
    sa.sa_handler = watch_on_winch;
    sigaction(SIGWINCH, &sa, NULL);
    sa.sa_handler = watch_on_tstp;
    sigaction(SIGTSTP, &sa, NULL);
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &watch_saved) == 0) {
        watch_raw = 1;
        atexit(watch_restore);
        watch_make_raw();
    }
    return 0;
}

/* A key: false to quit. */
static bool watch_key(struct watch_state *s, char k)
{
    switch (k) {
    case 'q':
    case 'Q': return false;
    case 'n': watch_next_hint(s); break;
    case 'a': s->all = !s->all; break;
    case 'r':
        if (!s->child)
            watch_start_check(s);
        break;
    default: return true; /* no redraw for other keys */
    }
    watch_draw(s);
    return true;
}

int cl_watch_run(const struct cl_watch *w)
{
    static struct watch_state s;
    memset(&s, 0, sizeof s);
    s.w = w;
    int ifd = -1;
    if (watch_setup(&s, &ifd) < 0) {
        watch_restore();
        return 2;
    }
    watch_start_check(&s);
    watch_draw(&s);
    bool keys = true, go = true;
    while (go && !watch_signal) {
        struct pollfd p[3] = {{watch_pipe[0], POLLIN, 0}, {ifd, POLLIN, 0}, {-1, POLLIN, 0}};
        if (keys)
            p[2].fd = STDIN_FILENO;
        long wait = -1;
        if (s.pending && !s.child)
            wait = s.deadline_ms > watch_now_ms() ? s.deadline_ms - watch_now_ms() : 0;
        if (poll(p, 3, (int)wait) < 0 && errno != EINTR)
            break;
        bool redraw = false;
        char b[64];
        if (p[0].revents & POLLIN)
            while (read(watch_pipe[0], b, sizeof b) > 0)
                redraw = true;
        if (p[1].revents & POLLIN) {
            watch_read_events(&s, ifd);
            redraw = true;
        }
        if (p[2].revents & (POLLIN | POLLHUP)) {
            ssize_t n = read(STDIN_FILENO, b, sizeof b);
            keys = n > 0; /* end of input: no more keys, keep watching */
            for (ssize_t i = 0; i < n && go; i++)
                go = watch_key(&s, b[i]);
        }
        watch_reap(&s);
        if (go && s.pending && !s.child && watch_now_ms() >= s.deadline_ms) {
            watch_settled(&s);
            redraw = true;
        }
        if (go && redraw && !watch_signal)
            watch_draw(&s);
    }
    if (s.child) { /* a check still running: stop it and its tests */
        kill(-s.child, SIGTERM);
        waitpid(s.child, NULL, 0);
    }
    watch_restore();
    watch_raw = 0;
    printf("\n");
    return watch_signal ? 128 + watch_signal : 0;
}
