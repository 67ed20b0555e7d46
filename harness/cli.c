/*
 * cli.c — build/bin/cowlab: every entry point of the kit. The Makefile's targets are thin
 * calls into it. Its commands are one table (cli_commands, at the end): name, help, options,
 * handler; the help, the option checks and the dispatch all read it. `cowlab help` and
 * `cowlab help COMMAND` (or `cowlab COMMAND --help`) say what each command does.
 */
#include "cowlab/batch.h"
#include "cowlab/checked.h"
#include "cowlab/grade.h"
#include "cowlab/grades.h"
#include "cowlab/hint.h"
#include "cowlab/link.h"
#include "cowlab/mem.h"
#include "cowlab/probe.h"
#include "cowlab/report.h"
#include "cowlab/status.h"
#include "cowlab/stubs.h"
#include "cowlab/roster.h"
#include "cowlab/sandbox.h"
#include "cowlab/snapshot.h"
#include "cowlab/summary.h"
#include "cowlab/watch.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CL_BUILD_DIR
#define CL_BUILD_DIR "build"
#endif

enum { CLI_RUN_TIMEOUT_MS = 600000, CLI_PLOT_TIMEOUT_MS = 120000 };

static struct cl_lab_def cli_labs[CL_MAX_LABS];
static int cli_nlabs;

/* One command's options and operands, all optional; which ones a command takes is in its
 * entry of cli_commands. */
struct cli_args {
    const char *lab, *dir, *submission, *submissions, *out, *csv, *test, *labs_dir, *jobs, *note;
    const char *only, *roster; /* grade --submissions: regrade one; names and emails */
    bool markdown, tsv, help, sanitize, quiet, gdb, last;
    char **pids; /* measure's operands (malloc'd array, NULL-ended; strings are argv's) */
    int npids;
    const char *step; /* hint --step N */
    bool all;         /* hint --all */
};

static int cli_load_labs(const char *labs_dir)
{
    char dir[1024], err[512];
    if (labs_dir)
        snprintf(dir, sizeof dir, "%s", labs_dir);
    else
        snprintf(dir, sizeof dir, "%s/labs", cl_kit_dir());
    cli_nlabs = cl_labs_load(dir, cli_labs, CL_MAX_LABS, err, sizeof err);
    if (cli_nlabs < 0)
        return cl_refuse("%s", err);
    if (cli_nlabs == 0)
        return cl_refuse("no labs found in %s", dir);
    return 0;
}

/* The lab named by key, or NULL after a one-line error naming the choices. */
static const struct cl_lab_def *cli_lab(const char *key)
{
    const struct cl_lab_def *l = key ? cl_labs_find(cli_labs, cli_nlabs, key) : NULL;
    if (l)
        return l;
    char choices[CL_MAX_LABS * 50] = "";
    for (int i = 0; i < cli_nlabs; i++) {
        if (i)
            strcat(choices, ", ");
        strcat(choices, cli_labs[i].slug);
    }
    if (key)
        fprintf(stderr, "cowlab: unknown lab '%s' (choose: %s)\n", key, choices);
    else
        fprintf(stderr, "cowlab: which lab? (choose: %s)\n", choices);
    return NULL;
}

/* Whether name names a test of lab l. */
static bool cli_has_test(const struct cl_lab_def *l, const char *name, size_t len)
{
    for (int t = 0; t < l->ntests; t++)
        if (strlen(l->tests[t].name) == len && strncmp(l->tests[t].name, name, len) == 0)
            return true;
    return false;
}

/* Check --test's comma-separated names: each must be a test of lab l, or of some lab when l
 * is NULL. 0, or 2 after a one-line refusal naming the tests there are. */
static int cli_tests_known(const char *list, const struct cl_lab_def *l)
{
    for (const char *p = list;; p++) { /* p: the start of one name */
        size_t len = strcspn(p, ",");
        bool known = false;
        for (int i = 0; i < cli_nlabs && !known; i++)
            known = (!l || l == &cli_labs[i]) && cli_has_test(&cli_labs[i], p, len);
        if (len == 0)
            return cl_refuse("--test: an empty name in '%s' (names are separated by commas)", list);
        if (!known) {
            char names[CL_MAX_LABS * CL_MAX_TESTS * 52] = "";
            size_t at = 0;
            for (int i = 0; i < cli_nlabs; i++)
                for (int t = 0; t < cli_labs[i].ntests && (!l || l == &cli_labs[i]); t++)
                    at += (size_t)snprintf(names + at, sizeof names - at, "%s%s%s%s",
                                           at ? ", " : "", l ? "" : cli_labs[i].slug, l ? "" : "/",
                                           cli_labs[i].tests[t].name);
            return cl_refuse("--test: no test '%.*s' in %s (its tests: %s)", (int)len, p,
                             l ? l->slug : "any lab", names);
        }
        p += len;
        if (!*p)
            return 0;
    }
}

static bool cli_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fileno(f)) && !(nc && *nc);
}

static int cli_list(const struct cli_args *a)
{
    if (!a->lab && (a->tsv || a->markdown))
        return cl_refuse("list: --tsv and --markdown describe one lab's tests: name the lab");
    if (!a->lab) {
        for (int i = 0; i < cli_nlabs; i++)
            printf("%-16s %3d points  %s\n", cli_labs[i].slug, cli_labs[i].max_points,
                   cli_labs[i].title);
        return 0;
    }
    const struct cl_lab_def *l = cli_lab(a->lab);
    if (!l)
        return 2;
    if (a->markdown && a->tsv)
        return cl_refuse("list: --markdown or --tsv, not both");
    if (a->markdown) {
        printf("| test | points | what it checks |\n|---|---:|---|\n");
        for (int i = 0; i < l->ntests; i++) /* a test not visible says when its feedback shows */
            printf("| `%s` | %d | %s%s%s%s |\n", l->tests[i].name, l->tests[i].points,
                   l->tests[i].about, l->tests[i].visibility ? " *(feedback: " : "",
                   l->tests[i].visibility ? cl_visibility_name(l->tests[i].visibility) : "",
                   l->tests[i].visibility ? ")*" : "");
        printf("| **total** | **%d** | |\n", l->max_points);
        return 0;
    }
    if (a->tsv) {
        for (int i = 0; i < l->ntests; i++) {
            const struct cl_test_def *t = &l->tests[i];
            printf("%s\t%d\t%d\t%s\t%s\n", t->name, t->points, t->timeout_s,
                   t->needs[0] ? t->needs : "-", t->about);
        }
        return 0;
    }
    for (int i = 0; i < l->ntests; i++)
        printf("%-22s %3d  %s\n", l->tests[i].name, l->tests[i].points, l->tests[i].about);
    return 0;
}

/* The student folder of lab l inside base (labs/, solutions/ or a submission). */
static void cli_lab_src(const char *base, const struct cl_lab_def *l, char *out, size_t n)
{
    if (base[0] == '/')
        snprintf(out, n, "%s/%s", base, l->slug);
    else {
        char cwd[512];
        snprintf(out, n, "%s/%s/%s", getcwd(cwd, sizeof cwd) ? cwd : ".", base, l->slug);
    }
}

/* `cowlab measure PID...`: one line per process. 0, 1 if a process could not be read, 2 on
 * an operand that is not a pid. */
static int cli_measure(const struct cli_args *a)
{
    int rc = 0;
    for (int i = 0; i < a->npids; i++) {
        char *end;
        long pid = strtol(a->pids[i], &end, 10);
        struct cl_mem m;
        if (*end || pid <= 0)
            return cl_refuse("measure: '%s' is not a pid", a->pids[i]);
        if (cl_mem_process((pid_t)pid, &m) < 0) {
            fprintf(stderr, "cowlab: measure %ld: %s\n", pid, strerror(errno));
            rc = 1;
            continue;
        }
        printf("%ld", pid);
        for (int f = 0; f < CL_NFIELDS; f++)
            if (m.have & (1u << f))
                printf(" %s=%llu", cl_mem_field_names[f], (unsigned long long)m.kb[f]);
        printf("\n");
    }
    return rc;
}

static long cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

enum { CLI_NOTE_MAX = 64 * 1024 };

/* grade --note FILE: its text (at most CLI_NOTE_MAX bytes, NUL bytes cut it short), malloc'd
 * into *note; NULL when no file is given. 0, or 2 after a one-line error. */
static int cli_read_note(const char *path, char **note)
{
    *note = NULL;
    if (!path)
        return 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return cl_refuse("--note: cannot read '%s': %s", path, strerror(errno));
    char *text = malloc(CLI_NOTE_MAX + 1);
    size_t n = text ? fread(text, 1, CLI_NOTE_MAX, f) : 0;
    bool bad = !text || ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        return cl_refuse("--note: cannot read '%s'", path);
    }
    text[n] = '\0';
    *note = text;
    return 0;
}

/* --jobs N: 1 to CL_BATCH_MAX_JOBS, all digits (1 when not given). 0, or 2 after a one-line
 * error. */
static int cli_jobs(const char *text, int *jobs)
{
    *jobs = 1;
    if (!text)
        return 0;
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (strspn(text, "0123456789") != strlen(text) || errno || end == text || *end || v < 1 ||
        v > CL_BATCH_MAX_JOBS)
        return cl_refuse("--jobs takes a number from 1 to %d, not '%s'", CL_BATCH_MAX_JOBS, text);
    *jobs = (int)v;
    return 0;
}

static int cli_grade_labs(const struct cli_args *a, bool details, const char *out_dir)
{
    char base[1024];
    snprintf(base, sizeof base, "%s", a->submission ? a->submission : a->dir ? a->dir : "labs");
    if (!a->submission && !a->dir && access("labs", F_OK) != 0)
        snprintf(base, sizeof base, "%s/labs", cl_kit_dir());
    struct stat st;
    if (stat(base, &st) < 0 || !S_ISDIR(st.st_mode))
        return cl_refuse("submission folder '%s' not found", base);
    if (access(base, R_OK | X_OK) != 0)
        return cl_refuse("cannot read the submission folder '%s': %s", base, strerror(errno));
    if (out_dir && a->submission && cl_out_outside(out_dir, base))
        return 2;
    const struct cl_lab_def *only = NULL;
    if (a->lab && !(only = cli_lab(a->lab)))
        return 2;
    if (a->test && cli_tests_known(a->test, only))
        return 2;
    char whole[1200];
    snprintf(whole, sizeof whole, "%s/%s", out_dir ? out_dir : "", CL_GRADES_FILE);
    if (out_dir && a->test && access(whole, F_OK) == 0)
        return cl_refuse("--test grades some tests only, and %s holds a whole grade: its reports "
                         "would be replaced by partial ones (use another --out)",
                         whole);
    char *note;
    if (cli_read_note(a->note, &note))
        return 2;
    struct cl_lab_outcome *outs = calloc((size_t)cli_nlabs, sizeof *outs);
    if (!outs) {
        free(note);
        return cl_refuse("out of memory");
    }
    struct cl_grade_opts go = {.sanitize = a->sanitize,
                               .quiet = a->quiet,
                               .only = a->test,
                               .gdb = a->gdb,
                               .local = !out_dir}; /* check: the student's own checkout */
    const char *name = strrchr(base, '/');
    struct cl_report rep = {
        .submission = name && name[1] ? name + 1 : base, .labs = outs, .note = note};
    long t0 = cli_now_ms();
    for (int i = 0; i < cli_nlabs; i++) {
        if (only && only != &cli_labs[i])
            continue;
        char src[1200];
        cli_lab_src(base, &cli_labs[i], src, sizeof src);
        uint64_t fp = cl_checked_fingerprint(&cli_labs[i], src);
        cl_grade_lab(&cli_labs[i], src, &go, &outs[rep.nlabs++]);
        if (!out_dir && cl_checked_save(&cli_labs[i], src, fp, &outs[rep.nlabs - 1]) < 0)
            fprintf(stderr, "cowlab: cannot record the results for cowlab status in %s: %s\n",
                    cl_state_dir(), strerror(errno));
    }
    rep.elapsed_ms = cli_now_ms() - t0;
    cl_report_table(stdout, &rep, cli_color(stdout), details);
    int rc = 0;
    if (out_dir) {
        char p[1200];
        if (cl_mkdirs(out_dir) < 0)
            rc = cl_refuse("cannot create %s", out_dir);
        snprintf(p, sizeof p, "%s/results.json", out_dir);
        if (rc == 0 && cl_report_json(p, &rep) < 0)
            rc = cl_refuse("cannot write %s: %s", p, strerror(errno));
        snprintf(p, sizeof p, "%s/junit.xml", out_dir);
        if (rc == 0 && cl_report_junit(p, &rep) < 0)
            rc = cl_refuse("cannot write %s: %s", p, strerror(errno));
        /* A --test run is not a grade: its row goes to grades-partial.csv, marked partial. */
        const char *grades = a->test ? CL_GRADES_PARTIAL_FILE : CL_GRADES_FILE;
        snprintf(p, sizeof p, "%s/%s", out_dir, grades);
        if (rc == 0 && cl_report_csv(p, &rep, cli_labs, cli_nlabs, a->test != NULL) < 0)
            rc = cl_refuse("cannot write %s: %s", p, strerror(errno));
        if (rc == 0 && cl_report_services(out_dir, &rep, p, sizeof p) < 0)
            rc = cl_refuse("cannot write %s: %s", p, strerror(errno));
        if (rc == 0)
            printf("wrote %s/results.json, junit.xml, %s, prairielearn.json, autolab.txt\n",
                   out_dir, grades);
    }
    if (rc == 0 && !out_dir) /* check: the verdict is the exit status */
        rc = cl_report_passed(&rep) ? 0 : 1;
    for (int i = 0; i < rep.nlabs; i++)
        cl_lab_outcome_free(&outs[i]);
    free(outs);
    free(note);
    return rc;
}

/* `cowlab doctor`: the probe's facts as a table (or TSV). 0, or 2 when the labs cannot run. */
static int cli_doctor(const struct cli_args *a)
{
    const struct cl_probe *p = cl_probe();
    if (a->tsv) {
        cl_probe_print_tsv(p, stdout);
    } else {
        printf("%-14s %-40s %s\n", "fact", "value", "how established / what it changes");
        for (enum cl_fact f = 0; f < CL_NFACTS; f++) {
            char value[160];
            printf("%-14s %-40s %s\n", cl_fact_name(f), cl_fact_value(p, f, value, sizeof value),
                   p->how[f]);
            printf("%-14s %-40s -> %s\n", "", "", cl_fact_effect(p, f));
        }
    }
    if (cl_probe_require(p, stderr) < 0)
        return 2;
    if (!a->tsv)
        printf("every fact the labs need was established: expected values follow this machine\n");
    return 0;
}

/* cli_run_lab's work in the run folder work: build the code in src there, run the
 * experiments. */
static int cli_run_in(const struct cl_lab_def *l, const char *src, const char *work,
                      const char *csv)
{
    char log_dir[1200];
    snprintf(log_dir, sizeof log_dir, "%s", csv);
    char *slash = strrchr(log_dir, '/');
    if (slash) {
        *slash = '\0';
        cl_mkdirs(log_dir);
    }
    char *log = NULL;
    fprintf(stderr, "%s: building from %s\n", l->slug, src);
    int built = cl_build_lab(l, src, work, true, &log);
    if (built != 0)
        fprintf(stderr, "%s", log); /* why it did not build, or which stub stood in */
    free(log);
    if (built < 0)
        return 1;
    char bin[1300], csv_abs[1800], cwd[512], subject_env[1400];
    cl_observer_path(l, bin, sizeof bin);
    snprintf(subject_env, sizeof subject_env, "%s=%s/subject", CL_SUBJECT_ENV, work);
    if (csv[0] == '/')
        snprintf(csv_abs, sizeof csv_abs, "%s", csv);
    else
        snprintf(csv_abs, sizeof csv_abs, "%s/%s", getcwd(cwd, sizeof cwd) ? cwd : ".", csv);
    char *argv[] = {bin, "run", csv_abs, NULL};
    struct cl_sandbox_opts o = cl_sandbox_local(CLI_RUN_TIMEOUT_MS);
    o.env[0] = subject_env;
    /* A post-mortem's copies of what the experiments read (cowlab/snapshot.h): passed on. */
    char snapshots[1200];
    const char *keep = getenv(CL_SNAPSHOTS_ENV);
    if (keep && *keep) {
        snprintf(snapshots, sizeof snapshots, "%s=%s", CL_SNAPSHOTS_ENV, keep);
        o.env[1] = snapshots;
    }
    struct cl_sandbox_result r;
    if (cl_sandbox_run(argv, &o, &r) < 0) {
        cl_sandbox_result_free(&r);
        return cl_refuse("cannot run %s: %s", bin, strerror(errno));
    }
    fputs(r.output, stdout);
    char st[64];
    int rc = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : 1;
    if (r.timed_out || !WIFEXITED(r.status))
        fprintf(stderr, "%s: experiments %s\n", l->slug,
                r.timed_out ? "timed out" : cl_status_text(r.status, st, sizeof st));
    else
        printf("results: %s\n", csv);
    cl_sandbox_result_free(&r);
    return rc;
}

/* Build lab l from base and run its experiments into csv. Returns the lab binary's exit
 * status (0 all equal, 3 some differ), or 1/2 on errors. */
static int cli_run_lab(const struct cl_lab_def *l, const char *base, const char *csv)
{
    char src[1200], work[1200];
    cli_lab_src(base, l, src, sizeof src);
    /* A run folder of this invocation's own: a `run` and a `plot` of the same lab at once
     * each build and run their own subject. */
    snprintf(work, sizeof work, "%s/run", CL_BUILD_DIR);
    if (cl_mkdirs(work) < 0)
        return cl_refuse("cannot create %s: %s", work, strerror(errno));
    snprintf(work, sizeof work, "%s/run/%s-XXXXXX", CL_BUILD_DIR, l->slug);
    if (!mkdtemp(work) || chmod(work, 0711) < 0) /* the compiler's uid passes through */
        return cl_refuse("cannot create a run folder in %s/run: %s", CL_BUILD_DIR, strerror(errno));
    int rc = cli_run_in(l, src, work, csv);
    char bin[1300];
    snprintf(bin, sizeof bin, "%s/subject", work);
    unlink(bin);
    rmdir(work);
    return rc;
}

/* Take the lock of a results file (csv itself, created empty if missing, its content left
 * alone) and keep it until the returned fd is closed: a `run` and a `plot` that write the same
 * CSV take turns, so that each reports and draws what its own experiments measured. Returns
 * the fd, or -1 with errno set. */
static int cli_lock_results(const char *csv)
{
    char dir[1200];
    snprintf(dir, sizeof dir, "%s", csv);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        cl_mkdirs(dir);
    }
    int fd = open(csv, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    /* Held, the file is emptied: what it held is another run's, never this one's results. */
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return ftruncate(fd, 0) == 0 ? fd : (close(fd), -1);
    fprintf(stderr, "cowlab: waiting for another run or plot that writes %s\n", csv);
    if (flock(fd, LOCK_EX) == 0)
        return ftruncate(fd, 0) == 0 ? fd : (close(fd), -1);
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

/* Whose code a run measures: base (size n) is the folder holding its NN-slug/ folders
 * (a->dir, else default_dir here, else the kit's); who (size nw) says whose it is, for
 * plot titles. Returns true when it is the kit's own solutions/: their results and figures
 * are the reference ones (build/results/, build/plots/); anyone else's go to mine/ below
 * them, so a student's run never overwrites the reference figures. */
static bool cli_code_base(const struct cli_args *a, const char *default_dir, char *base, size_t n,
                          char *who, size_t nw)
{
    snprintf(base, n, "%s", a->dir ? a->dir : default_dir);
    if (!a->dir && access(base, F_OK) != 0)
        snprintf(base, n, "%s/%s", cl_kit_dir(), default_dir);
    /* A handout has no solutions/: the only code there is the student's, in labs/. */
    if (!a->dir && strcmp(default_dir, "solutions") == 0 && access(base, F_OK) != 0) {
        snprintf(base, n, "%s/labs", cl_kit_dir());
        fprintf(stderr, "no solutions/ in this kit (a handout): running your code in %s\n", base);
    }
    char kit_solutions[1100], mine[PATH_MAX], theirs[PATH_MAX];
    snprintf(kit_solutions, sizeof kit_solutions, "%s/solutions", cl_kit_dir());
    bool reference =
        realpath(base, mine) && realpath(kit_solutions, theirs) && strcmp(mine, theirs) == 0;
    if (reference)
        snprintf(who, nw, "measured with the reference solutions");
    else
        snprintf(who, nw, "measured with the code in %s", base);
    return reference;
}

/* The results CSV of a run of l's lab: a->csv, or build/results/[mine/]SLUG.csv. */
static void cli_results_csv(const struct cli_args *a, const struct cl_lab_def *l, bool reference,
                            char *csv, size_t n)
{
    if (a->csv)
        snprintf(csv, n, "%s", a->csv);
    else
        snprintf(csv, n, "%s/results/%s%s.csv", CL_BUILD_DIR, reference ? "" : "mine/", l->slug);
}

/* Run the experiments of a's lab with the code in a->dir (default_dir if none) into a->csv
 * (default cli_results_csv's). With lock, first take that file's lock (cli_lock_results)
 * for the run; without, the caller holds it. */
static int cli_run(const struct cli_args *a, const char *default_dir, bool lock)
{
    const struct cl_lab_def *l = cli_lab(a->lab);
    if (!l)
        return 2;
    char base[1024], csv[1200], who[1200];
    bool reference = cli_code_base(a, default_dir, base, sizeof base, who, sizeof who);
    cli_results_csv(a, l, reference, csv, sizeof csv);
    int fd = lock ? cli_lock_results(csv) : -1;
    if (lock && fd < 0)
        return cl_refuse("cannot lock %s: %s", csv, strerror(errno));
    int rc = cli_run_lab(l, base, csv);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* If the lab ships observer/calibrate.py and python3 is here, run it on the results (its
 * output goes next to them; the plots may use it). Returns its exit status, or -1 if the lab
 * has none. */
static int cli_calibrate(const struct cl_lab_def *l, const char *csv)
{
    char script[1200];
    snprintf(script, sizeof script, "%s/observer/calibrate.py", l->dir);
    if (access(script, R_OK) != 0)
        return -1;
    char *argv[] = {"/usr/bin/env", "python3", script, (char *)csv, NULL};
    struct cl_sandbox_opts o = cl_sandbox_local(CLI_RUN_TIMEOUT_MS);
    struct cl_sandbox_result r;
    int rc = cl_sandbox_run(argv, &o, &r) == 0 && WIFEXITED(r.status) ? WEXITSTATUS(r.status) : 1;
    if (rc == 127) /* env found no python3 */
        printf("%s: python3 is not installed: no calibration against CPython (make deps)\n",
               l->slug);
    else
        fputs(r.output ? r.output : "", stdout);
    cl_sandbox_result_free(&r);
    return rc;
}

static int cli_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Draw every plots/<slug>-*.gp from csv into out_dir, PNG and SVG, with gnuplot -d (no user
 * init files). gnuplot is exec'd directly: no shell, so no path is ever re-parsed. */
static int cli_plot_lab(const struct cl_lab_def *l, const char *csv, const char *out_dir,
                        const char *who)
{
    char dir[1024], prefix[64];
    snprintf(dir, sizeof dir, "%s/plots", cl_kit_dir());
    snprintf(prefix, sizeof prefix, "%s-", l->slug);
    if (cl_mkdirs(out_dir) < 0)
        return cl_refuse("cannot create %s", out_dir);
    DIR *d = opendir(dir);
    if (!d)
        return cl_refuse("cannot open %s", dir);
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && len > 3 &&
            strcmp(e->d_name + len - 3, ".gp") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cli_cmp_str);
    int rc = n ? 0 : cl_refuse("no plots for %s in %s", l->slug, dir);
    for (int i = 0; i < n; i++) {
        char script[1400], stem[1400];
        snprintf(script, sizeof script, "%s/%s", dir, names[i]);
        snprintf(stem, sizeof stem, "%s/%.*s", out_dir, (int)strlen(names[i]) - 3, names[i]);
        static const char *const terms[] = {"png", "svg"};
        for (int t = 0; t < 2 && rc == 0; t++) {
            char file[1500];
            snprintf(file, sizeof file, "%s.%s", stem, terms[t]);
            char *argv[] = {"/usr/bin/env",   "gnuplot",   "-d", "-c", script, (char *)csv, file,
                            (char *)terms[t], (char *)who, NULL};
            struct cl_sandbox_opts o = cl_sandbox_local(CLI_PLOT_TIMEOUT_MS);
            struct cl_sandbox_result r;
            if (cl_sandbox_run(argv, &o, &r) < 0 || !WIFEXITED(r.status) ||
                WEXITSTATUS(r.status) != 0) {
                fprintf(stderr, "cowlab: gnuplot failed on %s:\n%s", names[i],
                        r.output ? r.output : "");
                rc = 1;
            }
            cl_sandbox_result_free(&r);
        }
        if (rc == 0)
            printf("plot: %s.png %s.svg\n", stem, stem);
        free(names[i]);
    }
    return rc;
}

/* Does the results CSV hold a row besides its header? */
static bool cli_csv_has_rows(const char *csv)
{
    FILE *f = fopen(csv, "r");
    int c, lines = 0;
    while (f && lines < 2 && (c = getc(f)) != EOF)
        lines += c == '\n';
    if (f)
        fclose(f);
    return lines >= 2;
}

static int cli_plot(const struct cli_args *a, const char *default_dir)
{
    const struct cl_lab_def *l = cli_lab(a->lab);
    if (!l)
        return 2;
    char base[1024], csv[1200], out[1200], who[1200];
    bool reference = cli_code_base(a, default_dir, base, sizeof base, who, sizeof who);
    struct cli_args no_csv = *a;
    no_csv.csv = NULL;
    cli_results_csv(&no_csv, l, reference, csv, sizeof csv);
    snprintf(out, sizeof out, "%s",
             a->out      ? a->out
             : reference ? CL_BUILD_DIR "/plots"
                         : CL_BUILD_DIR "/plots/mine");
    struct cli_args run = *a;
    run.csv = csv;
    int fd = cli_lock_results(csv); /* held until the plots are drawn from it */
    if (fd < 0)
        return cl_refuse("cannot lock %s: %s", csv, strerror(errno));
    int rc = cli_run(&run, default_dir, false);
    /* Exit 1 with rows: some experiments failed (said above), the others are drawn. */
    bool partial = rc == 1 && cli_csv_has_rows(csv);
    if (partial)
        fprintf(stderr, "%s: some experiments did not run (above): the plots show the others\n",
                l->slug);
    if (rc == 0 || rc == 3 || partial) {
        cli_calibrate(l, csv);
        int prc = cli_plot_lab(l, csv, out, who);
        rc = prc ? prc : rc;
    }
    close(fd);
    return rc;
}

/* Grade one submission of a batch (cl_batch_grade_fn): ctx is the grade command's options. */
static int cli_grade_one(const void *ctx, const char *submission, const char *out_dir)
{
    struct cli_args each = *(const struct cli_args *)ctx;
    each.submission = submission;
    each.submissions = NULL;
    each.quiet = true;
    return cli_grade_labs(&each, false, out_dir);
}

/* `cowlab grade`: one submission (--submission), or a folder of them (--submissions). */
static int cli_grade(const struct cli_args *a)
{
    const char *out = a->out ? a->out : CL_BUILD_DIR "/grade";
    if (a->submissions && a->submission)
        return cl_refuse("grade: --submission or --submissions, not both");
    if (a->submissions && a->note)
        return cl_refuse("grade: --note goes with --submission (it speaks of one upload)");
    if (!a->submissions && a->jobs)
        return cl_refuse("grade: --jobs goes with --submissions (one submission is graded by one "
                         "grader)");
    if (!a->submissions && (a->only || a->roster))
        return cl_refuse("grade: %s goes with --submissions (a batch)",
                         a->only ? "--only" : "--roster");
    if (!a->submissions)
        return cli_grade_labs(a, false, out);
    struct cl_batch b = {.submissions = a->submissions,
                         .out_dir = out,
                         .grade = cli_grade_one,
                         .ctx = a,
                         .labs = cli_labs,
                         .nlabs = cli_nlabs,
                         .partial = a->test != NULL,
                         .only = a->only};
    if (cli_jobs(a->jobs, &b.jobs))
        return 2;
    const struct cl_lab_def *only = NULL; /* said once, before any submission is touched */
    if (a->lab && !(only = cli_lab(a->lab)))
        return 2;
    b.lab = only;
    if (a->test && cli_tests_known(a->test, only))
        return 2;
    struct cl_roster roster = {0};
    char err[600];
    if (a->roster && cl_roster_load(a->roster, &roster, err, sizeof err) < 0)
        return cl_refuse("%s", err);
    b.roster = a->roster ? &roster : NULL;
    int rc = cl_batch_grade(&b);
    cl_roster_free(&roster);
    if (rc == 2)
        return rc;
    /* The class at a glance, after every batch and every regrade. */
    int src = cl_summary(out, cli_labs, cli_nlabs, stdout, cli_color(stdout));
    return rc ? rc : src ? 1 : 0;
}

/* `cowlab summary OUT`: a graded batch at a glance. */
static int cli_summary(const struct cli_args *a)
{
    if (!a->out)
        return cl_refuse("summary: which batch? (cowlab summary OUT: the --out of cowlab grade "
                         "--submissions)");
    return cl_summary(a->out, cli_labs, cli_nlabs, stdout, cli_color(stdout));
}

/* check --last without a lab: the lab in dir (default labs/) the student changed last
 * (cowlab/stubs.h), said on stdout; the first lab when none differs from its stubs. */
static const char *cli_last_lab(const char *dir)
{
    char base[1024], file[1200] = "", day[64] = "";
    snprintf(base, sizeof base, "%s", dir ? dir : access("labs", F_OK) == 0 ? "labs" : "");
    if (!base[0])
        snprintf(base, sizeof base, "%s/labs", cl_kit_dir());
    time_t when = 0;
    const struct cl_lab_def *l =
        cl_last_worked_lab(cli_labs, cli_nlabs, base, file, sizeof file, &when);
    struct tm tm;
    if (l && localtime_r(&when, &tm))
        strftime(day, sizeof day, "%Y-%m-%d %H:%M", &tm);
    if (l)
        printf("checking %s, the lab you changed last (%s, %s); LAB=NN for another\n", l->slug,
               file, day);
    else
        printf("checking %s: no lab's files differ from the handout's stubs yet; LAB=NN for "
               "another\n",
               (l = &cli_labs[0])->slug);
    return l->slug;
}

/* `cowlab check LAB`: the verdict is the exit status. */
static int cli_check(const struct cli_args *given)
{
    struct cli_args copy = *given, *a = &copy;
    if (a->last && !a->lab)
        a->lab = cli_last_lab(a->dir);
    if (!cli_lab(a->lab))
        return 2;
    if (a->gdb && !a->test)
        return cl_refuse("check: --gdb runs the tests you name with --test (one, usually)");
    if (a->gdb && access(CL_GDB_PATH, X_OK) != 0)
        return cl_refuse("check: --gdb needs %s (sudo apt-get install gdb)", CL_GDB_PATH);
    return cli_grade_labs(a, true, NULL);
}

/* `cowlab reset LAB`: the stubs back in DIR/NN-slug (DIR: --dir, default labs/), the
 * student's own files kept under its backup/. 0, or 2. */
static int cli_reset(const struct cli_args *a)
{
    const struct cl_lab_def *l = cli_lab(a->lab);
    if (!l)
        return 2;
    char base[1024], work[1200];
    snprintf(base, sizeof base, "%s", a->dir ? a->dir : "labs");
    if (!a->dir && access("labs", F_OK) != 0)
        snprintf(base, sizeof base, "%s/labs", cl_kit_dir());
    cli_lab_src(base, l, work, sizeof work);
    struct stat st;
    if (stat(work, &st) < 0 || !S_ISDIR(st.st_mode))
        return cl_refuse("reset: no lab folder %s", work);
    return cl_reset_lab(l, work, stdout) < 0 ? 2 : 0;
}

static int cli_run_solutions(const struct cli_args *a)
{
    return cli_run(a, "solutions", true);
}

static int cli_plot_labs(const struct cli_args *a)
{
    return cli_plot(a, "labs");
}

static int cli_demo(const struct cli_args *a)
{
    struct cli_args d = *a;
    if (!d.lab)
        d.lab = "01";
    return cli_plot(&d, "solutions");
}

/* The folder of the student's NN-slug/ folders: dir, else labs/ here, else the kit's. */
static void cli_student_base(const char *dir, char *base, size_t n)
{
    snprintf(base, n, "%s", dir ? dir : "labs");
    if (!dir && access("labs", F_OK) != 0)
        snprintf(base, n, "%s/labs", cl_kit_dir());
}

/* `cowlab status`: every lab from the recorded checks, and what to do next (cowlab/status.h). */
static int cli_status(const struct cli_args *a)
{
    char base[1024];
    cli_student_base(a->dir, base, sizeof base);
    if (cl_status_print(stdout, cli_labs, cli_nlabs, base) < 0)
        return cl_refuse("status: cannot read the recorded results in %s: %s", cl_state_dir(),
                         strerror(errno));
    return 0;
}

/* `cowlab hint LAB TEST [--step N | --all]`: the next step of the test's hints (or step N, or
 * all), remembered. 0; 2 on an unknown lab or test (naming the valid ones) or a bad --step;
 * 1 when the test has no hints or their chapter section does not resolve. */
static int cli_hint(const struct cli_args *a)
{
    const struct cl_lab_def *l = cli_lab(a->lab);
    if (!l)
        return 2;
    const struct cl_test_def *t = l->tests;
    while (a->test && t < l->tests + l->ntests && strcmp(t->name, a->test) != 0)
        t++;
    if (!a->test || t == l->tests + l->ntests) {
        char names[CL_MAX_TESTS * 52] = "";
        for (int i = 0; i < l->ntests; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                     l->tests[i].name);
        if (!a->test)
            return cl_refuse("hint: which test of %s? (its tests: %s)", l->slug, names);
        return cl_refuse("hint: no test '%s' in %s (its tests: %s)", a->test, l->slug, names);
    }
    if (t->hint.nsteps == 0) {
        fprintf(stderr, "cowlab: %s/%s has no hints in %s/tests.def\n", l->slug, t->name, l->dir);
        return 1;
    }
    int want = cl_hint_seen(l, t) + 1;
    if (a->step) {
        char *end;
        long v = strtol(a->step, &end, 10);
        if (*end || end == a->step || v < 1 || v > t->hint.nsteps)
            return cl_refuse("hint: --step takes a number from 1 to %d, not '%s'", t->hint.nsteps,
                             a->step);
        want = (int)v;
    }
    if (a->all || want > t->hint.nsteps)
        want = t->hint.nsteps;
    if (cl_hint_remember(l, t, want) < 0)
        fprintf(stderr, "cowlab: cannot remember the hint step in %s: %s\n", cl_state_dir(),
                strerror(errno));
    return cl_hint_print(stdout, cl_kit_dir(), l, t, want, NULL) < 0 ? 1 : 0;
}

/* `cowlab watch [LAB]`: re-check on every save (cowlab/watch.h); no LAB: the lab changed last. */
static int cli_watch(const struct cli_args *given)
{
    struct cli_args copy = *given, *a = &copy;
    char base[1024];
    cli_student_base(a->dir, base, sizeof base);
    if (!a->lab) {
        char file[PATH_MAX];
        time_t when;
        const struct cl_lab_def *last =
            cl_last_worked_lab(cli_labs, cli_nlabs, base, file, sizeof file, &when);
        a->lab = last ? last->slug : cli_labs[0].slug;
    }
    const struct cl_lab_def *l = cli_lab(a->lab);
    if (!l)
        return 2;
    if (a->test && cli_tests_known(a->test, l))
        return 2;
    struct cl_watch w = {.lab = l,
                         .base = base,
                         .only = a->test,
                         .labs_dir = a->labs_dir,
                         .kit = cl_kit_dir(),
                         .debounce_ms = 300};
    return cl_watch_run(&w);
}

/* The ids getopt_long returns for the options; what each sets is in cli_option. */
enum cli_opt {
    OPT_HELP = 'h',
    OPT_DIR = 256,
    OPT_SUBMISSION,
    OPT_SUBMISSIONS,
    OPT_JOBS,
    OPT_LAB,
    OPT_OUT,
    OPT_CSV,
    OPT_TEST,
    OPT_SANITIZE,
    OPT_MARKDOWN,
    OPT_TSV,
    OPT_LABS_DIR,
    OPT_QUIET,
    OPT_GDB,
    OPT_LAST,
    OPT_NOTE,
    OPT_ONLY,
    OPT_ROSTER,
    OPT_STEP,
    OPT_ALL,
};

/* What a command's non-option arguments are. */
enum cli_operands {
    CLI_NO_OPERANDS,
    CLI_LAB_OPERAND,
    CLI_PID_OPERANDS,
    CLI_OUT_OPERAND,
    CLI_LAB_TEST_OPERANDS
};

/* What the dispatch prepares before a command's handler runs. */
enum {
    CLI_LABS = 1,    /* the labs' tests.def loaded (--labs-dir) */
    CLI_PROBE = 2,   /* the probe's facts established, or refused as a whole (exit 2) */
    CLI_SCRATCH = 4, /* the scratch folder allows exec (it grades) */
};

/* Option sets (getopt_long's): each command's own, then these. */
// clang-format off
#define CLI_VALUE(name, id) {name, required_argument, NULL, id}
#define CLI_FLAG(name, id)  {name, no_argument, NULL, id}
#define CLI_HELP_END        CLI_FLAG("help", OPT_HELP), {NULL, 0, NULL, 0}
/* Every command that reads the labs takes these: --labs-dir, --quiet. */
#define CLI_LABS_END \
    CLI_VALUE("labs-dir", OPT_LABS_DIR), CLI_FLAG("quiet", OPT_QUIET), CLI_HELP_END
/* --lab LAB, as the LAB operand (the commands that take one). */
#define CLI_LAB CLI_VALUE("lab", OPT_LAB)
// clang-format on

struct cli_command {
    const char *name;
    const char *synopsis; /* after "cowlab NAME " */
    const char *summary;  /* one line, for `cowlab help` */
    const char *details;  /* more lines for `cowlab help NAME`, each indented by two spaces */
    const struct option *options; /* what it accepts: getopt_long's set, ends with {NULL} */
    enum cli_operands operands;
    int needs; /* CLI_LABS | CLI_PROBE | CLI_SCRATCH */
    int (*run)(const struct cli_args *a);
};

static const struct cli_command cli_commands[] = {
    {
        .name = "list",
        .synopsis = "[LAB] [--markdown | --tsv]",
        .summary = "the labs, or one lab's graded tests with their points",
        .details =
            "  --markdown: the handbook's points table; --tsv: name, points, timeout (s), the\n"
            "  probe's facts the test needs (\"-\" if none), what it checks; tab-separated,\n"
            "  for scripts\n",
        .options = (const struct option[]){CLI_FLAG("markdown", OPT_MARKDOWN),
                                           CLI_FLAG("tsv", OPT_TSV), CLI_LAB, CLI_LABS_END},
        .operands = CLI_LAB_OPERAND,
        .needs = CLI_LABS,
        .run = cli_list,
    },
    {
        .name = "check",
        .synopsis = "LAB | --last [--dir DIR] [--test NAME[,NAME...] [--gdb]] [--sanitize]",
        .summary = "a student's fast feedback: build LAB and run its graded tests",
        .details =
            "  build LAB from DIR (default: labs/) and run its graded tests (--test: those),\n"
            "  each in its own sandboxed process; every failed check says expected, measured\n"
            "  and a hint. Exit 0 if all the tests run pass (or cannot be decided here), 1\n"
            "  otherwise. --gdb: run your code under gdb (not isolated, deadlines x20); when it\n"
            "  crashes, the test's output has gdb's backtrace: the function and line.\n"
            "  --last (no LAB): the lab whose files in labs/ you changed last (make check)\n"
            "  --sanitize: not isolated, no address-space limit: for a kit built with ASan and\n"
            "  UBSan (make check LAB=NN SANITIZE=1 builds one and runs the pure tests)\n",
        .options =
            (const struct option[]){CLI_VALUE("dir", OPT_DIR), CLI_VALUE("test", OPT_TEST),
                                    CLI_FLAG("gdb", OPT_GDB), CLI_FLAG("last", OPT_LAST),
                                    CLI_FLAG("sanitize", OPT_SANITIZE), CLI_LAB, CLI_LABS_END},
        .operands = CLI_LAB_OPERAND,
        .needs = CLI_LABS | CLI_PROBE | CLI_SCRATCH,
        .run = cli_check,
    },
    {
        .name = "grade",
        .synopsis = "[--submission DIR | --submissions DIRS [--jobs N] [--roster FILE.csv]\n"
                    "             [--only ID]] [--lab LAB] [--out DIR] [--test NAME[,NAME...]]\n"
                    "             [--sanitize] [--note FILE]",
        .summary = "score a submission, or a folder of them, into reports for people and machines",
        .details =
            "  grade DIR (laid out like labs/: DIR/01-fork-cow/...; default labs/), every lab\n"
            "  or one, and write OUT/results.json (Gradescope schema), OUT/junit.xml,\n"
            "  OUT/grades.csv, OUT/prairielearn.json (PrairieLearn's external grader results)\n"
            "  and OUT/autolab.txt (Autolab: scores on its last line) (default OUT:\n"
            "  build/grade). A lab that does not build scores 0.\n"
            "  --submissions DIRS: every folder in DIRS is one submission (DIRS/alice/01-...);\n"
            "  each gets OUT/alice/, and OUT/grades.csv has one row per submission.\n"
            "  --jobs N: grade N submissions at once (root only: each grader needs its own\n"
            "  uids; the results do not depend on N). A batch ends with its summary (cowlab\n"
            "  summary). --roster FILE.csv (columns id,name,email): name and email columns,\n"
            "  and a \"no submission\" row for each id without a folder. --only ID: regrade\n"
            "  the submission DIRS/ID into an existing batch OUT, replacing its row of\n"
            "  OUT/grades.csv in place. --test A,B: those tests only; not a grade: the rows\n"
            "  go to grades-partial.csv, marked partial, and an OUT holding grades.csv is\n"
            "  refused. --sanitize: no address-space limit (for ASan builds of the kit).\n"
            "  --note FILE: its text goes first in results.json's output, after the points\n"
            "  (with --submission: what a grading service's wrapper found in the upload)\n",
        .options = (const struct option[]){CLI_VALUE("submission", OPT_SUBMISSION),
                                           CLI_VALUE("submissions", OPT_SUBMISSIONS),
                                           CLI_VALUE("jobs", OPT_JOBS), CLI_VALUE("only", OPT_ONLY),
                                           CLI_VALUE("roster", OPT_ROSTER), CLI_LAB,
                                           CLI_VALUE("out", OPT_OUT), CLI_VALUE("test", OPT_TEST),
                                           CLI_FLAG("sanitize", OPT_SANITIZE),
                                           CLI_VALUE("note", OPT_NOTE), CLI_LABS_END},
        .operands = CLI_LAB_OPERAND,
        .needs = CLI_LABS | CLI_PROBE | CLI_SCRATCH,
        .run = cli_grade,
    },
    {
        .name = "reset",
        .synopsis = "LAB [--dir DIR]",
        .summary = "put LAB's handout stubs back, keeping your files under its backup/",
        .details =
            "  in DIR/NN-slug (default: labs/): each of your files that differs from the\n"
            "  handout's stub is copied to NN-slug/backup/YYYYMMDD-HHMMSS/ and replaced by the\n"
            "  stub (from NN-slug/stubs/, so no git is needed). Exit 0, or 2 with nothing more\n"
            "  changed when a file cannot be kept\n",
        .options = (const struct option[]){CLI_VALUE("dir", OPT_DIR), CLI_LAB, CLI_LABS_END},
        .operands = CLI_LAB_OPERAND,
        .needs = CLI_LABS,
        .run = cli_reset,
    },
    {
        .name = "summary",
        .synopsis = "OUT",
        .summary = "a graded batch at a glance: scores, pass rates, common failures, plot",
        .details =
            "  from OUT/grades.csv and each OUT/ID/results.json of cowlab grade --submissions:\n"
            "  the score histogram, each test's pass rate and most common failure message\n"
            "  (numbers made '#'), the tests failed by 90 % or more of the submissions they\n"
            "  could be graded for (the machine or the test?), the labs not built, who has\n"
            "  no submission or is not in the roster. Writes OUT/summary.csv and\n"
            "  OUT/summary.png and .svg (gnuplot)\n",
        .options = (const struct option[]){CLI_LABS_END},
        .operands = CLI_OUT_OPERAND,
        .needs = CLI_LABS,
        .run = cli_summary,
    },
    {
        .name = "run",
        .synopsis = "LAB [--dir DIR] [--csv FILE]",
        .summary = "run LAB's experiments: the expected vs measured table and the results CSV",
        .details =
            "  with the code in DIR (default: solutions/, or labs/ in a handout, which has\n"
            "  no solutions/); the CSV goes to FILE (default:\n"
            "  build/results/NN-slug.csv for the kit's solutions/, build/results/mine/NN-slug.csv\n"
            "  for any other code). Exit 3 if a measured value differs from the model\n",
        .options = (const struct option[]){CLI_VALUE("dir", OPT_DIR), CLI_VALUE("csv", OPT_CSV),
                                           CLI_LAB, CLI_LABS_END},
        .operands = CLI_LAB_OPERAND,
        .needs = CLI_LABS | CLI_PROBE,
        .run = cli_run_solutions,
    },
    {
        .name = "plot",
        .synopsis = "LAB [--dir DIR] [--out DIR2]",
        .summary = "run the experiments (as `run`) and draw their plots",
        .details =
            "  with the code in DIR (default: labs/); every plots/NN-slug-*.gp, drawn with\n"
            "  gnuplot into DIR2 (default: build/plots/mine; build/plots for the kit's\n"
            "  solutions/, as make demo), PNG and SVG; each title says whose code it measured\n",
        .options = (const struct option[]){CLI_VALUE("dir", OPT_DIR), CLI_VALUE("out", OPT_OUT),
                                           CLI_LAB, CLI_LABS_END},
        .operands = CLI_LAB_OPERAND,
        .needs = CLI_LABS | CLI_PROBE,
        .run = cli_plot_labs,
    },
    {
        .name = "demo",
        .synopsis = "[LAB]",
        .summary = "the reference solutions of LAB (default 01), end to end: run, table, plots",
        .details = "",
        .options = (const struct option[]){CLI_LAB, CLI_LABS_END},
        .operands = CLI_LAB_OPERAND,
        .needs = CLI_LABS | CLI_PROBE,
        .run = cli_demo,
    },
    {
        .name = "status",
        .synopsis = "[--dir DIR]",
        .summary = "every lab: tests passed / total, points, and what to do next",
        .details =
            "  from what your last checks (make check, cowlab watch) recorded: it grades\n"
            "  nothing, so it answers at once. A result stands only while your files are as\n"
            "  they were when it was checked: after a change the lab says \"checked HH:MM,\n"
            "  files changed since\" and counts none of them. Then the lab you are on (the one\n"
            "  you changed last): its first failing test, with the commands to check it and\n"
            "  to get a hint. DIR: the folder of your labs (default: labs/)\n",
        .options = (const struct option[]){CLI_VALUE("dir", OPT_DIR), CLI_LABS_END},
        .needs = CLI_LABS,
        .run = cli_status,
    },
    {
        .name = "hint",
        .synopsis = "LAB TEST [--step N | --all]",
        .summary = "a test's hints, one step more each time, from a nudge to the chapter",
        .details = "  each call shows the next step (and the ones before); the last names the\n"
                   "  chapter's section (handbook/NN-slug.md#anchor). --step N: up to step N;\n"
                   "  --all: every step. Where you are is kept in build/state/hints.tsv\n"
                   "  ($COWLAB_STATE); cowlab watch's n key moves along the same steps\n",
        .options = (const struct option[]){CLI_VALUE("step", OPT_STEP), CLI_FLAG("all", OPT_ALL),
                                           CLI_LAB, CLI_LABS_END},
        .operands = CLI_LAB_TEST_OPERANDS,
        .needs = CLI_LABS,
        .run = cli_hint,
    },
    {
        .name = "watch",
        .synopsis = "[LAB] [--dir DIR] [--test NAME[,NAME...]]",
        .summary = "re-check LAB each time you save one of its files; keys for hints",
        .details =
            "  watches labs/NN-slug/ (inotify) and, after each save, builds and checks the lab\n"
            "  (as make check; --test: those tests), then shows the first failing test with\n"
            "  expected, measured and its hint. Keys: n the next hint step, a every test,\n"
            "  r check now, q quit (^C too; the terminal is restored). No LAB: the lab you\n"
            "  changed last\n",
        .options = (const struct option[]){CLI_VALUE("dir", OPT_DIR), CLI_VALUE("test", OPT_TEST),
                                           CLI_LAB, CLI_LABS_END},
        .operands = CLI_LAB_OPERAND,
        .needs = CLI_LABS | CLI_PROBE | CLI_SCRATCH,
        .run = cli_watch,
    },
    {
        .name = "measure",
        .synopsis = "PID [PID...]",
        .summary = "one line per process: pid, then every smaps_rollup field as name=kB",
        .details =
            "  (the harness's own reading of /proc; scripts use it instead of parsing /proc)\n",
        .options = (const struct option[]){CLI_HELP_END},
        .operands = CLI_PID_OPERANDS,
        .run = cli_measure,
    },
    {
        .name = "doctor",
        .synopsis = "[--tsv]",
        .summary = "what this machine's kernel does, established by small experiments",
        .details =
            "  each fact, its value, how it was established and what it changes in the labs\n"
            "  (--tsv: for scripts). Exit 2 if a fact the labs need cannot be established\n"
            "  (it says which)\n",
        .options = (const struct option[]){CLI_FLAG("tsv", OPT_TSV), CLI_HELP_END},
        .run = cli_doctor,
    },
};
enum { CLI_NCOMMANDS = sizeof cli_commands / sizeof cli_commands[0] };

static const struct cli_command *cli_command(const char *name)
{
    for (int i = 0; i < CLI_NCOMMANDS; i++)
        if (strcmp(name, cli_commands[i].name) == 0)
            return &cli_commands[i];
    return NULL;
}

/* The command's options as "--a, --b, ..." for error messages. Returns buf. */
static const char *cli_valid(const struct cli_command *c, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (const struct option *o = c->options; o->name && len < n; o++)
        len += (size_t)snprintf(buf + len, n - len, "%s--%s", len ? ", " : "", o->name);
    return buf;
}

/* `cowlab COMMAND --help`. */
static void cli_usage(FILE *out, const struct cli_command *c)
{
    fprintf(out, "cowlab %s %s\n  %s\n%s", c->name, c->synopsis, c->summary, c->details);
}

/* `cowlab help [COMMAND]`: every command in one line each, or one command's usage. */
static int cli_help(const char *name)
{
    const struct cli_command *c = name ? cli_command(name) : NULL;
    if (c) {
        cli_usage(stdout, c);
        return 0;
    }
    if (name)
        return cl_refuse("help: unknown command '%s' (cowlab help: the commands)", name);
    printf("usage: cowlab COMMAND [options]   (cowlab help COMMAND: its options and details)\n");
    for (int i = 0; i < CLI_NCOMMANDS; i++)
        printf("  %-8s %s\n", cli_commands[i].name, cli_commands[i].summary);
    printf("options for every command that reads the labs (all but measure and doctor):\n"
           "  --labs-dir DIR (where the labs' tests.def live; default: the kit's labs/), --quiet,\n"
           "  --lab LAB (same as the LAB operand). Environment: COWLAB_KIT, NO_COLOR,\n"
           "  COWLAB_STATE (status, hint and watch: where results and hint steps are kept).\n");
    return 0;
}

/* Set the lab (the LAB operand or --lab): one lab at a time. 0, or 2 after a one-line error. */
static int cli_set_lab(struct cli_args *a, const char *lab)
{
    if (a->lab)
        return cl_refuse("one lab at a time: '%s' and '%s'", a->lab, lab);
    a->lab = lab;
    return 0;
}

/* Take one operand of c. 0, or 2 after a one-line error. */
static int cli_operand(const struct cli_command *c, struct cli_args *a, char *arg)
{
    char valid[256];
    if (c->operands == CLI_LAB_OPERAND)
        return cli_set_lab(a, arg);
    if (c->operands == CLI_PID_OPERANDS) {
        a->pids[a->npids++] = arg;
        return 0;
    }
    if (c->operands == CLI_OUT_OPERAND && !a->out) {
        a->out = arg;
        return 0;
    }
    if (c->operands == CLI_LAB_TEST_OPERANDS && !a->lab)
        return cli_set_lab(a, arg);
    if (c->operands == CLI_LAB_TEST_OPERANDS && !a->test) {
        a->test = arg;
        return 0;
    }
    return cl_refuse("%s: unexpected argument '%s' (valid: %s)", c->name, arg,
                     cli_valid(c, valid, sizeof valid));
}

/* Set what option id (with its value) stands for. 0, or 2 after a one-line error. */
static int cli_option(struct cli_args *a, int id, const char *value)
{
    switch (id) {
    case OPT_HELP: a->help = true; break;
    case OPT_DIR: a->dir = value; break;
    case OPT_SUBMISSION: a->submission = value; break;
    case OPT_SUBMISSIONS: a->submissions = value; break;
    case OPT_JOBS: a->jobs = value; break;
    case OPT_LAB: return cli_set_lab(a, value);
    case OPT_OUT: a->out = value; break;
    case OPT_CSV: a->csv = value; break;
    case OPT_TEST: a->test = value; break;
    case OPT_SANITIZE: a->sanitize = true; break;
    case OPT_MARKDOWN: a->markdown = true; break;
    case OPT_TSV: a->tsv = true; break;
    case OPT_LABS_DIR: a->labs_dir = value; break;
    case OPT_QUIET: a->quiet = true; break;
    case OPT_GDB: a->gdb = true; break;
    case OPT_LAST: a->last = true; break;
    case OPT_NOTE: a->note = value; break;
    case OPT_ONLY: a->only = value; break;
    case OPT_ROSTER: a->roster = value; break;
    case OPT_STEP: a->step = value; break;
    case OPT_ALL: a->all = true; break;
    default: assert(!"an option in cli_commands with no case here");
    }
    return 0;
}

/* True if given ("--name" or "--name=value") spells o's name in full: getopt_long accepts
 * any unambiguous prefix, cowlab does not (a prefix that works today breaks when an option is
 * added). */
static bool cli_spelt(const struct option *o, const char *given)
{
    size_t len = strcspn(given + 2, "=");
    return strncmp(given, "--", 2) == 0 && len == strlen(o->name) &&
           strncmp(given + 2, o->name, len) == 0;
}

/* The option of c whose id is id, or NULL. */
static const struct option *cli_option_of(const struct cli_command *c, int id)
{
    for (const struct option *o = c->options; o->name; o++)
        if (o->val == id)
            return o;
    return NULL;
}

/* Check what getopt_long returned (id, with the option's index at, or -1) for an option of c.
 * 0, or 2 after a one-line error: an unknown or abbreviated option, a value missing or given to
 * a flag. The option just read is argv[optind - 1], or argv[optind - 2] when its value was
 * the next argument; an unknown short option is only in optopt (it may be inside "-hx"). */
static int cli_check_option(const struct cli_command *c, int id, int at, char **argv)
{
    char valid[256], shortopt[3] = {'-', (char)optopt, '\0'};
    bool error = id == '?' || id == ':';
    const struct option *o = error ? cli_option_of(c, optopt) : at >= 0 ? &c->options[at] : NULL;
    bool separate = !error && o && o->has_arg == required_argument && optarg == argv[optind - 1];
    const char *given = id == '?' && optopt && !o ? shortopt : argv[optind - (separate ? 2 : 1)];
    if (o && given[1] == '-' && !cli_spelt(o, given))
        o = NULL; /* abbreviated: as unknown */
    if (o && id == ':')
        return cl_refuse("%s needs a value", given);
    if (o && id == '?')
        return cl_refuse("%s: %s takes no value", c->name, given);
    if (error || (at >= 0 && !o))
        return cl_refuse("%s: unknown option '%s' (valid: %s)", c->name, given,
                         cli_valid(c, valid, sizeof valid));
    return 0;
}

/* Parse argv[1..argc) (argv[0] is the command's name) with c's options, in order (operands
 * may come between options). 0, or 2 after a one-line error. */
static int cli_parse(const struct cli_command *c, int argc, char **argv, struct cli_args *a)
{
    if (!(a->pids = calloc((size_t)argc + 1, sizeof *a->pids)))
        return cl_refuse("out of memory");
    opterr = 0;
    optind = 0; /* glibc: start afresh */
    int id, at;
    while (at = -1, (id = getopt_long(argc, argv, "-:h", c->options, &at)) != -1) {
        if (id == 1) { /* an operand, in order ("-" at the start of the optstring) */
            if (cli_operand(c, a, optarg))
                return 2;
        } else if (cli_check_option(c, id, at, argv) || cli_option(a, id, optarg))
            return 2;
    }
    for (int i = optind; i < argc; i++) /* after "--" */
        if (cli_operand(c, a, argv[i]))
            return 2;
    return 0;
}

/* What every command of c's kind needs before its handler: the labs, the probe's facts. 0,
 * or 2 after saying why not. */
static int cli_prepare(const struct cli_command *c, const struct cli_args *a)
{
    if ((c->needs & CLI_LABS) && cli_load_labs(a->labs_dir))
        return 2;
    if (!(c->needs & CLI_PROBE))
        return 0;
    /* Every command that measures memory needs the facts the model is built on. The probe
     * runs here, once, before any grader forks (--jobs), and is refused as a whole: never a
     * partial grade on a machine that cannot measure. */
    const struct cl_probe *probe = cl_probe();
    if (cl_probe_require(probe, stderr) < 0)
        return 2;
    if ((c->needs & CLI_SCRATCH) && probe->scratch_exec == CL_NO)
        return cl_refuse("cannot grade: %s does not allow exec (%s)", cl_scratch_dir(),
                         probe->how[CL_FACT_SCRATCH_EXEC]);
    /* Root runs student code under a fresh uid and measures it from outside: where that is not
     * allowed (a container without CAP_SYS_PTRACE), every measuring test would fail on the
     * student's account. Refused, never a partial grade. */
    if ((c->needs & CLI_SCRATCH) && geteuid() == 0 && probe->other_uid != CL_YES)
        return cl_refuse("cannot grade as root here: the /proc files of a process under another "
                         "uid cannot be read (%s); give the container CAP_SYS_PTRACE (docker run "
                         "--cap-add SYS_PTRACE) or grade as a user other than root",
                         probe->how[CL_FACT_OTHER_UID]);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *name = argc > 1 ? argv[1] : "help";
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        return cli_help(argc > 2 ? argv[2] : NULL);
    const struct cli_command *c = cli_command(name);
    if (!c) {
        char names[256] = "";
        for (int i = 0; i < CLI_NCOMMANDS; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                     cli_commands[i].name);
        return cl_refuse("unknown command '%s' (choose: %s)", name, names);
    }
    struct cli_args a = {0};
    int rc = cli_parse(c, argc - 1, argv + 1, &a);
    if (rc == 0 && a.help)
        cli_usage(stdout, c);
    else if (rc == 0 && c->operands == CLI_PID_OPERANDS && a.npids == 0) {
        cli_usage(stderr, c);
        rc = 2;
    } else if (rc == 0 && (rc = cli_prepare(c, &a)) == 0)
        rc = c->run(&a);
    free(a.pids);
    return rc;
}
