/*
 * grade.c — build a lab binary from a submission, run each test in the sandbox, and turn
 * exit status + records into a verdict (cowlab/grade.h).
 */
#include "cowlab/grade.h"

#include "cowlab/probe.h"

#include "cowlab/isolate.h"
#include "cowlab/link.h"
#include "cowlab/memcheck.h"
#include "cowlab/record.h"
#include "cowlab/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CL_KIT_DIR
#define CL_KIT_DIR "."
#endif
#ifndef CL_CC
#define CL_CC "cc"
#endif
#ifndef CL_LAB_CFLAGS
#define CL_LAB_CFLAGS "-std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Iinclude"
#endif
#ifndef CL_LAB_LIBS
#define CL_LAB_LIBS "-lcunit"
#endif
#ifndef CL_BUILD_DIR
#define CL_BUILD_DIR "build"
#endif

/* A student file: at most 1 MiB. One run of the compiler: 30 s and 2 GiB (the reference's
 * files compile in well under a second; a build is at most three runs and a few stub runs). */
enum { GRADE_MAX_SOURCE = 1 << 20, GRADE_BUILD_TIMEOUT_MS = 30000, GRADE_MAX_ARGS = 128 };
#define GRADE_CC_AS_BYTES (2ull << 30)

static void grade_rmtree(const char *path);

const char *cl_kit_dir(void)
{
    const char *env = getenv("COWLAB_KIT");
    return env && *env ? env : CL_KIT_DIR;
}

/* A growing malloc'd string. */
struct grade_text {
    char *s;
    size_t len;
};

static void grade_addf(struct grade_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void grade_addf(struct grade_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    char *grown = realloc(t->s, t->len + (size_t)n + 1);
    if (!grown)
        return;
    t->s = grown;
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

static char *grade_text_take(struct grade_text *t)
{
    char *s = t->s ? t->s : strdup("");
    t->s = NULL;
    t->len = 0;
    return s;
}

/* Copy a regular file of at most GRADE_MAX_SOURCE bytes. 0, or -1 with a reason in log. */
static int grade_copy(const char *from, const char *to, struct grade_text *log)
{
    struct stat st;
    if (lstat(from, &st) < 0) {
        grade_addf(log, "missing file: %s\n", from);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > GRADE_MAX_SOURCE) {
        grade_addf(log, "%s: not a regular file of at most 1 MiB\n", from);
        return -1;
    }
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = in >= 0 && out >= 0 ? 0 : -1;
    char buf[65536];
    ssize_t n;
    while (rc == 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            rc = -1;
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) < 0)
        rc = -1;
    if (rc < 0)
        grade_addf(log, "cannot copy %s: %s\n", from, strerror(errno));
    return rc;
}

static int grade_mkdirs(const char *path, mode_t mode)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, mode) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(tmp, mode) < 0 && errno != EEXIST ? -1 : 0;
}

/* Split store at spaces into argv[at..]; words starting with -Werror are left out (a
 * student's warning is shown as feedback and costs nothing; the kit's own sources are held to
 * -Werror by make test), and so are -I folders (the kit's: the scratch folder has its own
 * include/). Returns the new count. */
static int grade_split(char *store, char **argv, int at, int max)
{
    for (char *save, *w = strtok_r(store, " ", &save); w && at < max - 1;
         w = strtok_r(NULL, " ", &save))
        if (strncmp(w, "-Werror", 7) != 0 && strncmp(w, "-I", 2) != 0)
            argv[at++] = w;
    return at;
}

/* Append text to t with every occurrence of from[i] (nfrom of them, tried in order) written
 * as to[i]: the compiler's messages name the student's files where the student has them
 * (labs/01-fork-cow/predict.c:53:9, which an editor or a terminal opens), never the grader's
 * scratch path, which is gone once the build is over. */
static void grade_add_renamed(struct grade_text *t, const char *text, const char *const *from,
                              const char *const *to, int nfrom)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return;
    for (const char *r = text; *r;) {
        int i = 0;
        while (i < nfrom && (!from[i][0] || strncmp(r, from[i], strlen(from[i])) != 0))
            i++;
        if (i < nfrom) {
            fputs(to[i], f);
            r += strlen(from[i]);
        } else
            fputc(*r++, f);
    }
    if (fclose(f) == 0)
        grade_addf(t, "%s", out);
    free(out);
}

const char *cl_observer_path(const struct cl_lab_def *lab, char *out, size_t n)
{
    snprintf(out, n, "%s/labs/%s/lab", CL_BUILD_DIR, lab->slug);
    return out;
}

/* The lab's public header: include/NN-slug.h in the kit, or (the kit's own test labs) the
 * header named after the slug without its number beside tests.def. 0 with its path, or -1. */
static int grade_public_header(const struct cl_lab_def *lab, char *path, size_t n, char *name,
                               size_t nn)
{
    const char *bare = strchr(lab->slug, '-') ? strchr(lab->slug, '-') + 1 : lab->slug;
    snprintf(name, nn, "%s.h", lab->slug);
    snprintf(path, n, "%s/include/%s", cl_kit_dir(), name);
    if (access(path, R_OK) == 0)
        return 0;
    snprintf(name, nn, "%s.h", bare);
    snprintf(path, n, "%s/%s", lab->dir, name);
    return access(path, R_OK) == 0 ? 0 : -1;
}

/* Where a missing student file might be instead, for the feedback: the same name in another
 * case in the lab's folder, or the file one level up (a submission without the NN-slug/
 * folder). Appends a hint to t, or nothing. */
static void grade_hint_missing(const char *student_dir, const char *file, struct grade_text *t)
{
    DIR *d = opendir(student_dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcasecmp(e->d_name, file) == 0 && strcmp(e->d_name, file) != 0) {
            grade_addf(t, "  (found %s: names are case-sensitive)\n", e->d_name);
            break;
        }
    if (d)
        closedir(d);
    char up[1200];
    snprintf(up, sizeof up, "%s", student_dir);
    char *slash = strrchr(up, '/');
    if (slash)
        snprintf(slash + 1, sizeof up - (size_t)(slash + 1 - up), "%s", file);
    if (slash && access(up, F_OK) == 0)
        grade_addf(t,
                   "  (found %s one folder up: put the lab's files in a folder named like the "
                   "lab)\n",
                   file);
}

/* One run of the compiler in the scratch folder: cc <lab flags> -I include <args...>, as the
 * sandbox's fresh uid, inside bwrap's view when bwrap is given (the scratch folder is /lab
 * there). Its output, with the scratch prefix stripped so messages name the student's files,
 * is appended to t when show is set. Returns 1 when it exited 0, 0 when it failed, -1 when it
 * could not run (reason in t). */
struct grade_cc {
    const char *scratch, *bwrap, *base; /* base: the scratch folder as the compiler sees it */
    char cc[512];
    /* -fdebug-prefix-map: the debug information names the student's own folder, where gdb
     * finds the source (cowlab check --gdb), not the scratch folder, which is gone by then. */
    char debug_map[PATH_MAX + 1100];
    char student_real[PATH_MAX]; /* the student's folder, as the debug information names it */
    char shown[PATH_MAX + 8];    /* that folder as messages name it (grade_shown_prefix) */
};

/* How the compiler's messages name the student's folder (whose real path is real): with
 * local, from the working folder when it is below it ("labs/01-fork-cow/"); else from the
 * folder above the lab's ("01-fork-cow/": a grader's paths are its own business). */
static void grade_shown_prefix(const char *real, const char *slug, bool local, char *out, size_t n)
{
    char cwd[PATH_MAX];
    size_t len = local && getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0;
    if (real[0] && len && strncmp(real, cwd, len) == 0 && real[len] == '/')
        snprintf(out, n, "%s/", real + len + 1);
    else
        snprintf(out, n, "%s/", slug);
}

static int grade_cc_run(const struct grade_cc *c, char **args, int nargs, bool show,
                        struct grade_text *t)
{
    char *argv[GRADE_MAX_ARGS], flags[1024], inc[1100], cc[512];
    int n = 0;
    if (c->bwrap) {
        struct cl_isolate_bind b = {c->scratch, "/lab", true};
        n = cl_isolate_argv(c->bwrap, argv, 0, GRADE_MAX_ARGS - 48, &b, 1, "/lab");
    } else {
        argv[n++] = "/usr/bin/env";
    }
    snprintf(cc, sizeof cc, "%s", c->cc);
    argv[n++] = cc;
    snprintf(flags, sizeof flags, "%s", CL_LAB_CFLAGS);
    n = grade_split(flags, argv, n, GRADE_MAX_ARGS - 4 - nargs);
    snprintf(inc, sizeof inc, "-I%s/include", c->base);
    argv[n++] = inc;
    for (int i = 0; i < nargs; i++)
        argv[n++] = args[i];
    argv[n] = NULL;

    struct cl_sandbox_opts o = cl_sandbox_defaults();
    o.as_bytes = GRADE_CC_AS_BYTES;
    o.nproc = 0;
    o.fsize_bytes = 256ull << 20;
    o.timeout_ms = GRADE_BUILD_TIMEOUT_MS;
    o.cwd = c->scratch;
    struct cl_sandbox_result r;
    int rc = cl_sandbox_run(argv, &o, &r);
    bool ok = rc == 0 && !r.timed_out && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0;
    if (show && r.output_len) { /* messages name the student's files, not our folders */
        char src[PATH_MAX + 8], real[PATH_MAX + 8], base[PATH_MAX + 8];
        snprintf(src, sizeof src, "%s/src/", c->base);
        snprintf(real, sizeof real, "%s", c->student_real[0] ? c->student_real : "");
        if (real[0])
            strcat(real, "/");
        snprintf(base, sizeof base, "%s/", c->base);
        const char *from[] = {src, real, base}, *to[] = {c->shown, c->shown, ""};
        grade_add_renamed(t, r.output, from, to, 3);
    }
    if (show && r.timed_out)
        grade_addf(t, "the compiler did not finish in %d s\n", GRADE_BUILD_TIMEOUT_MS / 1000);
    if (rc < 0)
        grade_addf(t, "cannot run the compiler: %s\n", strerror(errno));
    cl_sandbox_result_free(&r);
    return rc < 0 ? -1 : ok;
}

/* Compile the files named (lab->files[i] where pick[i]) into objects in the scratch folder
 * (FILE.o beside subject-kit.o), all in one run of the compiler: a file with an error leaves no
 * object, the others are compiled all the same. */
static int grade_cc_compile(const struct grade_cc *c, const struct cl_lab_def *lab,
                            const bool *pick, bool show, struct grade_text *t)
{
    static char paths[CL_MAX_FILES][1200];
    char *args[CL_MAX_FILES + 3];
    int n = 0;
    args[n++] = "-c";
    if (c->debug_map[0])
        args[n++] = (char *)c->debug_map;
    for (int i = 0; i < lab->nfiles; i++)
        if (pick[i]) {
            snprintf(paths[i], sizeof paths[i], "%s/src/%s", c->base, lab->files[i]);
            args[n++] = paths[i];
        }
    return grade_cc_run(c, args, n, show, t);
}

/* The object of student file i ("experiment.c" -> "experiment.o"), in the scratch folder as
 * base names it. */
static void grade_object(const char *base, const char *file, char *out, size_t n)
{
    const char *dot = strrchr(file, '.');
    int len = dot ? (int)(dot - file) : (int)strlen(file);
    snprintf(out, n, "%s/%.*s.o", base, len, file);
}

/* Link the files' objects with subject-kit.o into the scratch folder's subject. */
static int grade_cc_link(const struct grade_cc *c, const struct cl_lab_def *lab, bool show,
                         struct grade_text *t)
{
    static char objs[CL_MAX_FILES][1200];
    char kit[1100], out_bin[1100], *args[CL_MAX_FILES + 4];
    int n = 0;
    for (int i = 0; i < lab->nfiles; i++) {
        grade_object(c->base, lab->files[i], objs[i], sizeof objs[i]);
        args[n++] = objs[i];
    }
    snprintf(kit, sizeof kit, "%s/subject-kit.o", c->base);
    snprintf(out_bin, sizeof out_bin, "%s/subject", c->base);
    args[n++] = kit;
    args[n++] = "-o";
    args[n++] = out_bin;
    return grade_cc_run(c, args, n, show, t);
}

/* The order in which to try the stub for each file after a failed link: the file whose object
 * the linker names first (the one holding the undefined reference or the second definition),
 * then the others in their order. */
static void grade_blame_order(const struct cl_lab_def *lab, const char *link_output, int *order)
{
    size_t at[CL_MAX_FILES];
    for (int i = 0; i < lab->nfiles; i++) {
        char name[80];
        const char *dot = strrchr(lab->files[i], '.');
        snprintf(name, sizeof name,
                 "%.*s.o:", dot ? (int)(dot - lab->files[i]) : (int)strlen(lab->files[i]),
                 lab->files[i]);
        const char *p = strstr(link_output, name);
        at[i] = p ? (size_t)(p - link_output) : SIZE_MAX;
        order[i] = i;
    }
    for (int i = 1; i < lab->nfiles; i++) /* a stable insertion sort: at most a few files */
        for (int j = i; j > 0 && at[order[j]] < at[order[j - 1]]; j--) {
            int tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
}

/* Put the handout's stub in place of student file i and compile it (its output not shown:
 * the stub is the kit's). 1 when its object is there. */
static int grade_stand_in(const struct grade_cc *c, const struct cl_lab_def *lab, int i,
                          const char *stub, struct grade_text *t)
{
    char to[1200];
    snprintf(to, sizeof to, "%s/src/%s", c->scratch, lab->files[i]);
    if (grade_copy(stub, to, t) < 0)
        return 0;
    bool pick[CL_MAX_FILES] = {false};
    pick[i] = true;
    return grade_cc_compile(c, lab, pick, false, t);
}

/* Copy student file `name` from the lab folder dfd into `to`: a regular file of at most
 * GRADE_MAX_SOURCE bytes, never through a symbolic link (a submission's files are its own:
 * a link could name a classmate's). 0; or -1 with errno (ENOENT: not there) and, for any
 * other reason, a line in log. */
static int grade_copy_student(int dfd, const char *slug, const char *name, const char *to,
                              struct grade_text *log)
{
    int in = dfd >= 0 ? openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) : -1;
    if (dfd < 0)
        errno = ENOENT;
    struct stat st;
    if (in < 0 && errno == ENOENT)
        return -1;
    if (in < 0 && errno == ELOOP) {
        grade_addf(log, "%s/%s is a symbolic link: a submission's files must be its own\n", slug,
                   name);
        errno = ELOOP;
        return -1;
    }
    if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > GRADE_MAX_SOURCE) {
        int e = in < 0 ? errno : EINVAL;
        grade_addf(log, "%s/%s: not a regular file of at most 1 MiB that can be read\n", slug,
                   name);
        if (in >= 0)
            close(in);
        errno = e;
        return -1;
    }
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = out >= 0 ? 0 : -1;
    char buf[65536];
    ssize_t n;
    while (rc == 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            rc = -1;
    int e = errno;
    close(in);
    if (out >= 0 && close(out) < 0)
        rc = -1;
    if (rc < 0) {
        grade_addf(log, "cannot copy %s/%s: %s\n", slug, name, strerror(e));
        errno = EIO;
    }
    return rc;
}

/*
 * The scratch folder a submission compiles in holds only what the compiler needs:
 *   src/<the submission's files>   include/<the lab's public header>   subject-kit.o
 * (subject-kit.o: the kit's half of every subject, built by make). The compiler runs as the
 * sandbox's fresh uid, in bwrap's private view (cowlab/isolate.h) where the scratch folder
 * appears as /lab and nothing of the kit, the solutions or other submissions exists; where
 * bwrap cannot run, it runs as that uid in the scratch folder and the build log says that
 * world-readable files are then within reach.
 * A file that is missing, or that does not compile on its own when the whole does not build,
 * is replaced by the handout's stub so that the rest is graded: the stub's functions fail their
 * tests, the others count. The stub is the lab's pristine copy, LAB/stubs/FILE, never the
 * lab folder's FILE: that is someone's work (a kit whose labs/ holds working code would hand
 * it to every broken submission), and `cowlab reset` restores from the same copies.
 */
int cl_build_lab(const struct cl_lab_def *lab, const char *student_dir, const char *work_dir,
                 bool local, char **log)
{
    struct grade_text t = {0};
    char scratch[900], dir[1000], bin[900], observer[900], kit[900], header[1100], hname[64];
    snprintf(scratch, sizeof scratch, "%s/build", work_dir);
    snprintf(bin, sizeof bin, "%s/subject", work_dir);
    snprintf(kit, sizeof kit, "%s/labs/%s/subject-kit.o", CL_BUILD_DIR, lab->slug);
    unlink(bin);
    if (access(cl_observer_path(lab, observer, sizeof observer), X_OK) != 0 ||
        access(kit, R_OK) != 0) {
        grade_addf(&t, "%s: the kit is not built (run make): %s\n",
                   access(kit, R_OK) != 0 ? kit : observer, strerror(errno));
        *log = grade_text_take(&t);
        return -1;
    }
    snprintf(dir, sizeof dir, "%s/src", scratch);
    int bad = grade_mkdirs(dir, 0755) | chmod(scratch, 0700); /* the compiler's uid's alone */
    snprintf(dir, sizeof dir, "%s/include", scratch);
    bad |= grade_mkdirs(dir, 0755);
    if (bad) {
        grade_addf(&t, "cannot create %s: %s\n", dir, strerror(errno));
        *log = grade_text_take(&t);
        return -1;
    }
    /* The lab's folder itself, never through a symbolic link. */
    int dfd = open(student_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0 && errno != ENOENT) {
        grade_addf(&t, "%s/ is %s: a submission's files must be its own\n", lab->slug,
                   errno == ELOOP || errno == ENOTDIR ? "a symbolic link or not a folder"
                                                      : "not a folder that can be read");
        bad = -1;
    }
    bool stand_in[CL_MAX_FILES] = {false}, have_stub[CL_MAX_FILES] = {false};
    char stubs[CL_MAX_FILES][1100];
    int nmissing = 0;
    for (int i = 0; i < lab->nfiles && !bad; i++) {
        char to[1200];
        snprintf(to, sizeof to, "%s/src/%s", scratch, lab->files[i]);
        snprintf(stubs[i], sizeof stubs[i], "%s/stubs/%s", lab->dir, lab->files[i]);
        have_stub[i] = access(stubs[i], R_OK) == 0;
        if (grade_copy_student(dfd, lab->slug, lab->files[i], to, &t) == 0)
            continue;
        if (errno == ENOENT) {
            grade_addf(&t, "%s: not in the submission's %s/ folder\n", lab->files[i], lab->slug);
            grade_hint_missing(student_dir, lab->files[i], &t);
        }
        nmissing++;
        stand_in[i] = true; /* the stub goes in below, once the compiler's settings are known */
        if (!have_stub[i]) {
            grade_addf(&t, "the kit has no stub to stand in for it (%s): the lab cannot be built\n",
                       stubs[i]);
            bad = -1;
        }
    }
    if (dfd >= 0)
        close(dfd);
    char to[1200];
    if (grade_public_header(lab, header, sizeof header, hname, sizeof hname) == 0) {
        snprintf(to, sizeof to, "%s/include/%s", scratch, hname);
        bad |= grade_copy(header, to, &t);
    }
    snprintf(to, sizeof to, "%s/subject-kit.o", scratch);
    bad |= grade_copy(kit, to, &t);
    if (!bad && nmissing == lab->nfiles) {
        grade_addf(&t, "none of the lab's files is in the submission: nothing to grade\n");
        bad = -1;
    }
    if (bad) {
        grade_rmtree(scratch);
        *log = grade_text_take(&t);
        return -1;
    }

    char why[300] = "";
    struct grade_cc c = {.scratch = scratch, .bwrap = cl_isolation(why, sizeof why)};
    if (c.bwrap && cl_isolate_program(CL_CC, c.cc, sizeof c.cc) < 0) {
        snprintf(why, sizeof why, "the compiler %s is not a program under /usr", CL_CC);
        c.bwrap = NULL;
    }
    if (!c.bwrap)
        snprintf(c.cc, sizeof c.cc, "%s", CL_CC);
    c.base = c.bwrap ? "/lab" : scratch;
    if (realpath(student_dir, c.student_real))
        snprintf(c.debug_map, sizeof c.debug_map, "-fdebug-prefix-map=%s/src=%s", c.base,
                 c.student_real);
    else
        c.student_real[0] = '\0';
    grade_shown_prefix(c.student_real, lab->slug, local, c.shown, sizeof c.shown);
    if (!c.bwrap)
        grade_addf(&t,
                   "note: compiled without isolation (%s): files that everyone may read on "
                   "this machine were within the compiler's reach\n",
                   why);
    /* 1. The submission's files, each to its own object, in one run of the compiler. */
    bool pick[CL_MAX_FILES];
    int ok = 1;
    for (int i = 0; i < lab->nfiles; i++)
        pick[i] = !stand_in[i];
    if (grade_cc_compile(&c, lab, pick, true, &t) < 0)
        ok = -1;
    /* 2. A file that left no object (or was missing) gives way to the handout's stub. */
    for (int i = 0; i < lab->nfiles && ok >= 0; i++) {
        char obj[1200];
        grade_object(scratch, lab->files[i], obj, sizeof obj);
        if (!stand_in[i] && access(obj, F_OK) == 0)
            continue;
        stand_in[i] = true;
        if (!have_stub[i])
            grade_addf(&t, "the kit has no stub to stand in for %s (%s)\n", lab->files[i],
                       stubs[i]);
        if (!have_stub[i] || grade_stand_in(&c, lab, i, stubs[i], &t) != 1)
            ok = -1;
    }
    /* 3. Link; when the files compile but do not link together (a helper declared and never
     * defined, one defined twice), the stub takes the place of one file at a time. */
    size_t link_said = t.len;
    if (ok >= 0)
        ok = grade_cc_link(&c, lab, true, &t);
    int order[CL_MAX_FILES];
    grade_blame_order(lab, t.s ? t.s + link_said : "", order);
    for (int k = 0; k < lab->nfiles && ok == 0; k++) {
        int i = order[k];
        if (stand_in[i] || !have_stub[i])
            continue;
        char obj[1200], mine[1300];
        grade_object(scratch, lab->files[i], obj, sizeof obj);
        snprintf(mine, sizeof mine, "%s.mine", obj);
        if (rename(obj, mine) < 0) {
            ok = -1;
            break;
        }
        if (grade_stand_in(&c, lab, i, stubs[i], &t) == 1 &&
            (ok = grade_cc_link(&c, lab, false, &t)) == 1)
            stand_in[i] = true;
        else if (rename(mine, obj) < 0) /* the student's own object back, for the next try */
            ok = -1;
        else
            ok = ok < 0 ? -1 : 0;
    }
    int nstand = 0;
    for (int i = 0; i < lab->nfiles; i++)
        nstand += stand_in[i];
    if (ok == 1 && nstand == lab->nfiles) {
        grade_addf(&t, "nothing of the submission's files builds: nothing to grade\n");
        ok = 0;
    }
    if (ok != 1)
        grade_addf(&t, "the lab did not build (see above)\n");
    if (ok == 1 && nstand) {
        grade_addf(&t, "graded with the handout's stub in place of");
        for (int i = 0; i < lab->nfiles; i++)
            if (stand_in[i])
                grade_addf(&t, " %s", lab->files[i]);
        grade_addf(&t, ": the tests of %s functions fail, the others are graded\n",
                   nstand > 1 ? "their" : "its");
    }
    /* The subject, out of the folder the compiler's uid owned: ours; others may run it (the
     * subject's uid), nobody else may read it. */
    snprintf(to, sizeof to, "%s/subject", scratch);
    if (ok == 1 && (grade_copy(to, bin, &t) < 0 || chmod(bin, 0711) < 0)) {
        grade_addf(&t, "cannot keep the compiled subject: %s\n", strerror(errno));
        ok = 0;
    }
    grade_rmtree(scratch);
    *log = grade_text_take(&t);
    return ok != 1 ? -1 : nstand ? 1 : 0;
}

/* 32 hex digits from /dev/urandom (or the clock, if that fails). */
static void grade_nonce(char *out, size_t n)
{
    unsigned char b[16] = {0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, b, sizeof b) != (ssize_t)sizeof b) {
        long v = (long)getpid() ^ (long)time(NULL);
        memcpy(b, &v, sizeof v);
    }
    if (fd >= 0)
        close(fd);
    for (size_t i = 0; i < sizeof b && 2 * i + 2 < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Read the record lines: failure messages into fb, the DONE line's verdict into *done_ok
 * (right nonce) and *nfail. Returns the number of F lines. */
static int grade_records(char *records, const char *nonce, struct grade_text *fb, bool *done_ok,
                         int *nfail, char *kind, char *why, size_t nwhy)
{
    int fails = 0, repeats = 0;
    *done_ok = false;
    *nfail = -1;
    *kind = 0;
    for (char *save, *line = strtok_r(records, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "F ", 2) == 0) {
            /* "F place\tmessage"; place "-": the harness's, not a line of the lab's tests. A
             * place in a lab's observer is not said: students are told not to read the grader,
             * and the message names their function and the case on its own. A message said
             * already in this test is counted, not repeated. */
            char *tab = strchr(line, '\t'), said[1400];
            if (tab)
                *tab = '\0';
            const char *msg = tab ? cl_record_unescape(tab + 1) : "";
            if (strcmp(line + 2, "-") == 0 || strstr(line + 2, "/observer/"))
                snprintf(said, sizeof said, "  %s\n", msg);
            else
                snprintf(said, sizeof said, "  %s: %s\n", line + 2, msg);
            fails++;
            if (fb->s && strstr(fb->s, said))
                repeats++;
            else if (fails - repeats <= 20)
                grade_addf(fb, "%s", said);
        } else if (strncmp(line, "N\t", 2) == 0 && fails < 20) {
            grade_addf(fb, "  %s\n", cl_record_unescape(line + 2));
        } else if (strncmp(line, "X ", 2) == 0 && line[2] && line[3] == '\t') {
            *kind = line[2];
            snprintf(why, nwhy, "%s", cl_record_unescape(line + 4));
        } else if (strncmp(line, "DONE ", 5) == 0) {
            char got[80];
            int n;
            if (sscanf(line + 5, "%79s %d", got, &n) == 2 && strcmp(got, nonce) == 0) {
                *done_ok = true;
                *nfail = n;
            }
        }
    }
    if (fails - repeats > 20)
        grade_addf(fb, "  ... %d more failed checks\n", fails - repeats - 20);
    if (repeats)
        grade_addf(fb, "  (%d failed check%s said the same as one above)\n", repeats,
                   repeats > 1 ? "s" : "");
    return fails;
}

/* A private run folder, reachable (not readable) by an unprivileged uid: under $COWLAB_TMPDIR if
 * set (for machines whose /tmp is mounted noexec), else /tmp. */
/* The lock a grader holds on its run folder (RUN/.held) while it grades in it: a folder whose
 * lock nobody holds was left by a grader that was killed (Ctrl-C on a batch, a kill -9) and
 * still holds a submission's sources. -1 when none is held. */
static int grade_held = -1;
enum { GRADE_STALE_UNLOCKED_S = 600 }; /* a run folder without .held: one from before it */

/* The /dev/shm folder a test's subject used stands beside its run folder's tests; the run
 * folder names it in a link RUN/.shm-TEST while the test runs (grade_one), so that a grader
 * killed mid-test does not leave it behind: whoever sweeps the run folder removes it too. Only
 * a link into /dev/shm/cowlab-shm-* with no further slash is read, and the folder it names is
 * removed without following any link (grade_rmtree): once the grader is gone anyone
 * may have made that name, as a link to somewhere else or a folder of their own. */
#define GRADE_SHM_PREFIX "/dev/shm/cowlab-shm-"

/* Empty the folder open as dfd (closed here), never following a symbolic link: entries are
 * opened relative to their folder with O_NOFOLLOW, a link is removed as a link. */
static void grade_empty_fd(int dfd)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) {
            grade_empty_fd(sub);
            unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
        } else {
            unlinkat(dirfd(d), e->d_name, 0);
        }
    }
    closedir(d);
}

/* Remove the folder path and all it holds, following no symbolic link: a run folder, or a
 * subject's /dev/shm folder, which its uid wrote (and anyone could name, once it is gone). A
 * path that is a link is left alone; rmdir of a folder swapped for a link meanwhile fails. */
static void grade_rmtree(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    grade_empty_fd(fd);
    rmdir(path);
}

static void grade_sweep_shm_links(const char *run_dir)
{
    DIR *d = opendir(run_dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, ".shm-", 5) != 0)
            continue;
        char link[1600], to[256];
        snprintf(link, sizeof link, "%s/%s", run_dir, e->d_name);
        ssize_t n = readlink(link, to, sizeof to - 1);
        if (n <= 0)
            continue;
        to[n] = '\0';
        if (strncmp(to, GRADE_SHM_PREFIX, strlen(GRADE_SHM_PREFIX)) == 0 &&
            !strchr(to + strlen(GRADE_SHM_PREFIX), '/'))
            grade_rmtree(to);
    }
    if (d)
        closedir(d);
}

/* Remove the run folders in the scratch folder that no live grader holds (see grade_held).
 * A folder without .held is left alone for GRADE_STALE_UNLOCKED_S (its grader may be between
 * mkdtemp and the lock). Folders we cannot open (another user's) are not ours to judge. */
static void grade_sweep_stale(void)
{
    DIR *d = opendir(cl_scratch_dir());
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, "cowlab-run-", 11) != 0)
            continue;
        char dir[1200], held[1300];
        snprintf(dir, sizeof dir, "%s/%s", cl_scratch_dir(), e->d_name);
        snprintf(held, sizeof held, "%s/.held", dir);
        int fd = open(held, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        bool stale = fd >= 0 ? flock(fd, LOCK_EX | LOCK_NB) == 0
                             : errno == ENOENT && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
                                   time(NULL) - st.st_mtime > GRADE_STALE_UNLOCKED_S;
        if (stale) {
            grade_sweep_shm_links(dir);
            grade_rmtree(dir);
        }
        if (fd >= 0)
            close(fd);
    }
    if (d)
        closedir(d);
}

static int grade_run_dir(char *out, size_t n)
{
    grade_sweep_stale();
    snprintf(out, n, "%s/cowlab-run-XXXXXX", cl_scratch_dir());
    if (!mkdtemp(out))
        return -1;
    /* Locked before it is named .held: a sweeper never sees our lock file unlocked. */
    char held[600], fresh[600];
    snprintf(held, sizeof held, "%s/.held", out);
    snprintf(fresh, sizeof fresh, "%s/.held-new", out);
    grade_held = open(fresh, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (grade_held >= 0 && (flock(grade_held, LOCK_EX) < 0 || rename(fresh, held) < 0)) {
        close(grade_held);
        grade_held = -1;
    }
    return chmod(out, 0711); /* the subject's uid passes through; nobody lists or reads it */
}

/* The run folder removed, then its lock let go. */
static void grade_run_done(const char *run_dir)
{
    grade_rmtree(run_dir);
    if (grade_held >= 0)
        close(grade_held);
    grade_held = -1;
}

static void grade_one(const struct cl_lab_def *lab, const char *subject, const char *run_dir,
                      const struct cl_test_def *def, const struct cl_grade_opts *o,
                      struct cl_test_outcome *t)
{
    char nonce[40], cwd[1200], observer[900], subject_env[1000];
    grade_nonce(nonce, sizeof nonce);
    snprintf(cwd, sizeof cwd, "%s/t-%s", run_dir, def->name);
    mkdir(cwd, 0700);
    cl_observer_path(lab, observer, sizeof observer);
    snprintf(subject_env, sizeof subject_env, "%s=%s", CL_SUBJECT_ENV, subject);
    char *argv[] = {observer, "test", (char *)def->name, NULL};
    struct cl_sandbox_opts so = cl_sandbox_defaults();
    so.subject_uid = true; /* the observer keeps our rights; the subject gets a fresh uid */
    int ne = 0;
    so.env[ne++] = subject_env;
    /* No call of the observer's may wait so long that the test's own timeout cuts it: a hang
     * is then named (which function), not only timed. */
    char deadline[64], slow[64];
    snprintf(deadline, sizeof deadline, "%s=%d", CL_DEADLINE_ENV,
             def->timeout_s * 1000 - (def->timeout_s > 4 ? 2000 : 1000));
    so.env[ne++] = deadline;
    const char *slow_env = getenv(CL_SLOW_ENV);
    if (o->gdb) /* gdb starts, reads symbols and follows every fork: 20 times the deadlines */
        slow_env = slow_env ? slow_env : "20";
    if (slow_env) {
        snprintf(slow, sizeof slow, "%s=%s", CL_SLOW_ENV, slow_env);
        so.env[ne++] = slow;
    }
    /* The machine's facts, as we established them: the observer need not probe again. Only
     * as root: the run folder is then ours alone and the subject another uid (otherwise the
     * subject, our uid, could rewrite the file between two tests). */
    char probe_env[700];
    snprintf(probe_env, sizeof probe_env, "%s=%s/probe", CL_PROBE_FILE_ENV, run_dir);
    if (geteuid() == 0)
        so.env[ne++] = probe_env;
    /* The subject runs in bwrap's private view where the machine allows it (a sanitizer's
     * runtime needs /proc, which the view does not have). */
    char bwrap_env[600], shm[64] = "", shm_env[128];
    const char *bwrap = o->sanitize || o->gdb ? NULL : cl_isolation(NULL, 0);
    if (o->gdb) /* gdb needs /proc, which the private view does not have */
        so.env[ne++] = CL_GDB_ENV "=1";
    if (bwrap) {
        snprintf(bwrap_env, sizeof bwrap_env, "%s=%s", CL_BWRAP_ENV, bwrap);
        so.env[ne++] = bwrap_env;
        /* Its /dev/shm: a folder of this test's own on the machine's, whatever our uid. */
        snprintf(shm, sizeof shm, GRADE_SHM_PREFIX "XXXXXX");
        if (mkdtemp(shm)) {
            char link[1300];
            snprintf(link, sizeof link, "%s/.shm-%s", run_dir, def->name);
            if (symlink(shm, link) < 0) /* then a kill -9 here could leave it: say so */
                fprintf(stderr, "cowlab: cannot name %s in the run folder: %s\n", shm,
                        strerror(errno));
            snprintf(shm_env, sizeof shm_env, "%s=%s", CL_SHM_DIR_ENV, shm);
            so.env[ne++] = shm_env;
        } else {
            shm[0] = '\0';
        }
    }
    so.timeout_ms = def->timeout_s * 1000;
    so.record_pipe = true;
    so.nonce = nonce;
    so.cwd = cwd;
    if (o->sanitize || o->gdb)
        so.as_bytes = 0;
    struct cl_sandbox_result r;
    struct grade_text fb = {0};
    t->def = def;
    if (cl_sandbox_run(argv, &so, &r) < 0) {
        snprintf(t->verdict, sizeof t->verdict, "could not start: %s", strerror(errno));
        t->error = true;
    } else {
        bool done_ok;
        char kind, why[400] = "";
        int nfail,
            fails = grade_records(r.records, nonce, &fb, &done_ok, &nfail, &kind, why, sizeof why);
        char st[64];
        cl_status_text(r.status, st, sizeof st);
        /* What outlived the test: processes, then what the sandbox swept (shared memory, IPC
         * objects, files of the subject's uid), then what is in the folders that stood for the
         * subject's /tmp and /var/tmp in its private view. */
        struct cl_leftovers left = {0};
        if (r.leftovers_killed)
            cl_leftovers_add(&left, "%d process%s", r.leftovers_killed,
                             r.leftovers_killed == 1 ? "" : "es");
        if (r.left.n)
            cl_leftovers_add(&left, "%s", r.left.what);
        left.n += r.left.n ? r.left.n - 1 : 0;
        static const char *const private_tmp[][2] = {{"subject-tmp", "/tmp"},
                                                     {"subject-vartmp", "/var/tmp"}};
        for (int i = 0; i < 2; i++) {
            char dir[1300];
            snprintf(dir, sizeof dir, "%s/%s", cwd, private_tmp[i][0]);
            cl_leftovers_folder(dir, private_tmp[i][1], &left);
        }
        if (shm[0])
            cl_leftovers_folder(shm, "/dev/shm", &left);
        bool exit0 = WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0;
        t->error = r.timed_out || WIFSIGNALED(r.status) || !done_ok || kind;
        static const struct {
            char kind;
            const char *verdict;
        } ends[] = {{'c', "crashed"},
                    {'t', "timed out"},
                    {'e', "ended early"},
                    {'s', "did not start"},
                    {'p', "broke the subject protocol"}};
        const char *end = NULL;
        for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
            if (kind == ends[i].kind)
                end = ends[i].verdict;
        if (done_ok && kind) /* the observer finished and says how the subject ended */
            snprintf(t->verdict, sizeof t->verdict, "%s: %.90s", end ? end : "error", why);
        else if (r.timed_out)
            snprintf(t->verdict, sizeof t->verdict, "timed out after %d s", def->timeout_s);
        else if (WIFSIGNALED(r.status))
            snprintf(t->verdict, sizeof t->verdict, "crashed: %s", st);
        else if (!done_ok)
            snprintf(t->verdict, sizeof t->verdict,
                     "ended before the test finished (%s, no completion record)", st);
        else if (fails || nfail != 0 || !exit0)
            snprintf(t->verdict, sizeof t->verdict, "failed: %d check%s", fails ? fails : nfail,
                     (fails ? fails : nfail) == 1 ? "" : "s");
        else if (left.n)
            /* Cleaning up is part of every contract: a test that passes but leaves processes,
             * shared memory or files behind would, in a real program, leak them. */
            snprintf(t->verdict, sizeof t->verdict, "failed: left behind: %.90s", left.what);
        else
            t->passed = true;
        if (t->passed)
            snprintf(t->verdict, sizeof t->verdict, "passed");
        if (left.n)
            grade_addf(&fb, "  (left behind by the test, and removed: %s)\n", left.what);
        if (r.output_len && !t->passed)
            grade_addf(&fb, "--- output%s ---\n%s%s", r.output_truncated ? " (cut at 64 KiB)" : "",
                       r.output, r.output[r.output_len - 1] == '\n' ? "" : "\n");
        t->ms = r.elapsed_ms;
        cl_sandbox_result_free(&r);
    }
    t->score = t->passed ? def->points : 0;
    t->feedback = grade_text_take(&fb);
    grade_rmtree(cwd);
    if (shm[0]) { /* the folder, then the link that named it: no link outlives its folder */
        char link[1300];
        snprintf(link, sizeof link, "%s/.shm-%s", run_dir, def->name);
        grade_rmtree(shm);
        unlink(link);
    }
    if (!o->quiet)
        fprintf(stderr, "  %-24s %s\n", def->name, t->verdict);
}

/* Whether this machine can decide test def, by the grader's own probe (never the student's
 * process): 1, or 0 with the reason in why. */
static int grade_decidable(const struct cl_test_def *def, char *why, size_t n)
{
    const struct cl_probe *p = cl_probe();
    if (cl_probe_require(p, NULL) < 0) {
        snprintf(why, n,
                 "the machine probe cannot establish what the kernel does "
                 "(run cowlab doctor)");
        return 0;
    }
    char needs[sizeof def->needs];
    snprintf(needs, sizeof needs, "%s", def->needs);
    for (char *save, *w = strtok_r(needs, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        /* A tool, not a kernel fact: the hygiene test's valgrind (cowlab/memcheck.h). */
        if (strcmp(w, "valgrind") == 0) {
            char vg[300];
            if (cl_memcheck_available(vg, sizeof vg))
                continue;
            snprintf(why, n, "%s", vg);
            return 0;
        }
        int f = cl_fact_index(w);
        if (f >= 0 && cl_fact_state(p, (enum cl_fact)f) == CL_YES)
            continue;
        char value[64];
        snprintf(why, n, "%s is %s here (%s)", w,
                 f < 0 ? "not a fact the probe knows"
                       : cl_fact_value(p, (enum cl_fact)f, value, sizeof value),
                 f < 0 ? "tests.def" : p->how[f]);
        return 0;
    }
    return 1;
}

/* Whether name is one of the comma-separated names in list. */
static bool grade_listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list;; p++) { /* p: the start of one name */
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len;
        if (!*p)
            return false;
    }
}

/* If test i of lab cannot be decided on this machine (its CL_NEEDS facts), mark it "not
 * gradable here" in out — not run, its points out of the maximum — and return true; built or
 * not, the machine's limits are never the student's failure. */
static bool grade_ungradable(const struct cl_lab_def *lab, int i, const struct cl_grade_opts *o,
                             struct cl_lab_outcome *out)
{
    char why[400];
    if (grade_decidable(&lab->tests[i], why, sizeof why))
        return false;
    struct cl_test_outcome *t = &out->tests[i];
    t->ungradable = true;
    snprintf(t->verdict, sizeof t->verdict, "not gradable here: %.100s", why);
    char *fb = NULL;
    if (asprintf(&fb,
                 "%s\nThis is the machine, not your code: the test was not run "
                 "and its %d points are left out of the maximum.\n",
                 t->verdict, lab->tests[i].points) < 0)
        fb = NULL;
    free(t->feedback);
    t->feedback = fb ? fb : strdup("");
    out->max -= lab->tests[i].points;
    if (!o->quiet)
        fprintf(stderr, "  %-24s %s\n", lab->tests[i].name, t->verdict);
    return true;
}

void cl_grade_lab(const struct cl_lab_def *lab, const char *student_dir,
                  const struct cl_grade_opts *o, struct cl_lab_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->lab = lab;
    out->max = lab->max_points; /* less the tests --test leaves out, and those not gradable */
    for (int i = 0; i < lab->ntests; i++)
        if (o->only && !grade_listed(o->only, lab->tests[i].name))
            out->max -= lab->tests[i].points;
    for (int i = 0; i < lab->ntests; i++) {
        out->tests[i].def = &lab->tests[i];
        snprintf(out->tests[i].verdict, sizeof out->tests[i].verdict, "not run");
        out->tests[i].feedback = strdup("");
    }
    char run_dir[512];
    if (grade_run_dir(run_dir, sizeof run_dir) < 0) {
        out->build_log = strdup("cannot create a run folder in /tmp");
        return;
    }
    if (!o->quiet)
        fprintf(stderr, "%s: building from %s\n", lab->slug, student_dir);
    int built = cl_build_lab(lab, student_dir, run_dir, o->local, &out->build_log);
    out->built = built >= 0;
    out->stand_in = built == 1;
    if (!out->built) {
        for (int i = 0; i < lab->ntests; i++) {
            if (o->only && !grade_listed(o->only, lab->tests[i].name))
                continue; /* not asked for (--test): "not run", as when the lab builds */
            if (grade_ungradable(lab, i, o, out))
                continue; /* the machine's, whatever the code: never a failure */
            snprintf(out->tests[i].verdict, sizeof out->tests[i].verdict, "not built");
            out->tests[i].error = true;
        }
        if (!o->quiet)
            fprintf(stderr, "%s", out->build_log);
        grade_run_done(run_dir);
        return;
    }
    /* Our probe, for the observers (cowlab/probe.h), as root only (see grade_one). If it cannot
     * be written, each observer probes for itself: slower, the same facts. */
    char probe[600];
    snprintf(probe, sizeof probe, "%s/probe", run_dir);
    if (geteuid() == 0)
        cl_probe_save(cl_probe(), probe);
    char bin[600];
    snprintf(bin, sizeof bin, "%s/subject", run_dir);
    if (o->gdb) /* gdb reads the program it runs (the student's own code and the public kit) */
        chmod(bin, 0755);
    int first_dead = -1;
    for (int i = 0; i < lab->ntests; i++) {
        if (o->only && !grade_listed(o->only, lab->tests[i].name))
            continue;
        if (grade_ungradable(lab, i, o, out))
            continue;
        free(out->tests[i].feedback);
        if (first_dead >= 0) { /* its subject cannot start: neither can this test's */
            struct cl_test_outcome *t = &out->tests[i];
            t->def = &lab->tests[i];
            t->error = true;
            snprintf(t->verdict, sizeof t->verdict, "%s", out->tests[first_dead].verdict);
            if (asprintf(&t->feedback, "not run: the subject did not start in %s (see there)\n",
                         lab->tests[first_dead].name) < 0)
                t->feedback = strdup("");
            if (!o->quiet)
                fprintf(stderr, "  %-24s %s\n", lab->tests[i].name, t->verdict);
            continue;
        }
        grade_one(lab, bin, run_dir, &lab->tests[i], o, &out->tests[i]);
        out->score += out->tests[i].score;
        out->ms += out->tests[i].ms;
        /* A subject that cannot say hello (a constructor that blocks or dies) fails every
         * test the same way: the first says so and the rest are not run. */
        if (strncmp(out->tests[i].verdict, "did not start", 13) == 0 ||
            strstr(out->tests[i].verdict, "the subject did not start"))
            first_dead = i;
    }
    grade_run_done(run_dir);
}

void cl_lab_outcome_free(struct cl_lab_outcome *out)
{
    free(out->build_log);
    for (int i = 0; i < CL_MAX_TESTS; i++)
        free(out->tests[i].feedback);
    memset(out, 0, sizeof *out);
}
