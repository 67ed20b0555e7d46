/*
 * cli.c — build/bin/cowlab: every entry point of the kit. The Makefile's targets are thin
 * calls into it. `cowlab help` and `cowlab COMMAND --help` say what each command does.
 */
#include "cowlab/batch.h"
#include "cowlab/grade.h"
#include "cowlab/link.h"
#include "cowlab/mem.h"
#include "cowlab/probe.h"
#include "cowlab/report.h"
#include "cowlab/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* One command's options, all optional; which ones a command takes is in its usage. */
struct cli_args {
    const char *lab, *dir, *submission, *submissions, *out, *csv, *test, *labs_dir, *jobs;
    bool markdown, tsv, help, sanitize, quiet;
};

static const char *const cli_usage_text[][2] = {
    {"list", "cowlab list [LAB] [--markdown | --tsv]\n"
             "  the labs, or one lab's graded tests with their points (--markdown: the\n"
             "  handbook's points table; --tsv: name, points, timeout (s), the probe's facts\n"
             "  the test needs (\"-\" if none), what it checks; tab-separated, for scripts)\n"},
    {"check", "cowlab check LAB [--dir DIR] [--test NAME]\n"
              "  build LAB from DIR (default: labs/) and run its graded tests, each in its own\n"
              "  sandboxed process; every failed check says expected, measured and a hint.\n"
              "  Exit 0 if all pass, 1 otherwise\n"},
    {"grade", "cowlab grade [--submission DIR | --submissions DIRS] [--lab LAB] [--out DIR]\n"
              "             [--sanitize]\n"
              "  grade DIR (laid out like labs/: DIR/01-fork-cow/...; default labs/), every lab\n"
              "  or one, and write OUT/results.json (Gradescope schema), OUT/junit.xml and\n"
              "  OUT/grades.csv (default OUT: build/grade). A lab that does not build scores 0.\n"
              "  --submissions DIRS: every folder in DIRS is one submission (DIRS/alice/01-...);\n"
              "  each gets OUT/alice/, and OUT/grades.csv has one row per submission.\n"
              "  --jobs N: grade N submissions at once (root only: each grader needs its own\n"
              "  uids; the results do not depend on N)\n"},
    {"run", "cowlab run LAB [--dir DIR] [--csv FILE]\n"
            "  run LAB's experiments with the code in DIR (default: solutions/), print the\n"
            "  expected vs measured table and write the results CSV (default:\n"
            "  build/results/NN-slug.csv). Exit 3 if a measured value differs from the model\n"},
    {"plot", "cowlab plot LAB [--dir DIR] [--out DIR2]\n"
             "  run the experiments (as `run`) and draw every plots/NN-slug-*.gp with gnuplot\n"
             "  into DIR2 (default: build/plots), PNG and SVG\n"},
    {"measure", "cowlab measure PID [PID...]\n"
                "  one line per process: pid, then every smaps_rollup field as name=kB (the\n"
                "  harness's own reading of /proc; scripts use it instead of parsing /proc)\n"},
    {"demo", "cowlab demo [LAB]\n"
             "  the reference solutions of LAB (default 01), end to end: run, table, plots\n"},
    {"doctor", "cowlab doctor [--tsv]\n"
               "  what this machine's kernel does, established by small experiments: each\n"
               "  fact, its value, how it was established and what it changes in the labs.\n"
               "  Exit 2 if a fact the labs need cannot be established (it says which)\n"},
};

static void cli_usage(FILE *out, const char *cmd)
{
    for (size_t i = 0; i < sizeof cli_usage_text / sizeof cli_usage_text[0]; i++)
        if (!cmd || strcmp(cmd, cli_usage_text[i][0]) == 0)
            fputs(cli_usage_text[i][1], out);
    if (!cmd)
        fputs("options for every command: --labs-dir DIR (where the labs' tests.def live;\n"
              "  default: the kit's tests/), --quiet. Environment: COWLAB_KIT, NO_COLOR.\n",
              out);
}

static int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cowlab: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

/* The options a command takes, for error messages. */
static const char *cli_valid_options(const char *cmd)
{
    if (strcmp(cmd, "list") == 0)
        return "--markdown, --tsv, --labs-dir, --help";
    if (strcmp(cmd, "check") == 0)
        return "--dir, --test, --labs-dir, --quiet, --help";
    if (strcmp(cmd, "grade") == 0)
        return "--submission, --submissions, --jobs, --lab, --out, --test, --sanitize, "
               "--labs-dir, --quiet, --help";
    if (strcmp(cmd, "run") == 0)
        return "--dir, --csv, --labs-dir, --help";
    if (strcmp(cmd, "plot") == 0)
        return "--dir, --out, --labs-dir, --help";
    return "--labs-dir, --help";
}

/* Parse the options after the command. Returns 0, or 2 after printing a one-line error. */
static int cli_parse(int argc, char **argv, const char *cmd, struct cli_args *a)
{
    static const char *const valued[] = {"--dir",      "--submission",  "--lab",
                                         "--out",      "--csv",         "--test",
                                         "--labs-dir", "--submissions", "--jobs"};
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        const char **slot = NULL;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            a->help = true;
            continue;
        }
        if (strcmp(o, "--markdown") == 0 && strcmp(cmd, "list") == 0) {
            a->markdown = true;
            continue;
        }
        if (strcmp(o, "--tsv") == 0 && strcmp(cmd, "list") == 0) {
            a->tsv = true;
            continue;
        }
        if (strcmp(o, "--sanitize") == 0 && strcmp(cmd, "grade") == 0) {
            a->sanitize = true;
            continue;
        }
        if (strcmp(o, "--quiet") == 0) {
            a->quiet = true;
            continue;
        }
        for (size_t v = 0; v < sizeof valued / sizeof valued[0]; v++)
            if (strcmp(o, valued[v]) == 0) {
                const char **slots[] = {&a->dir,  &a->submission, &a->lab,         &a->out, &a->csv,
                                        &a->test, &a->labs_dir,   &a->submissions, &a->jobs};
                slot = slots[v];
            }
        if (slot) {
            if (i + 1 >= argc)
                return cli_error("%s needs a value", o);
            *slot = argv[++i];
            continue;
        }
        if (o[0] == '-')
            return cli_error("%s: unknown option '%s' (valid: %s)", cmd, o, cli_valid_options(cmd));
        if (a->lab)
            return cli_error("one lab at a time: '%s' and '%s'", a->lab, o);
        a->lab = o;
    }
    return 0;
}

static int cli_load_labs(const char *labs_dir)
{
    char dir[1024], err[512];
    if (labs_dir)
        snprintf(dir, sizeof dir, "%s", labs_dir);
    else
        snprintf(dir, sizeof dir, "%s/tests", cl_kit_dir());
    cli_nlabs = cl_labs_load(dir, cli_labs, CL_MAX_LABS, err, sizeof err);
    if (cli_nlabs < 0)
        return cli_error("%s", err);
    if (cli_nlabs == 0)
        return cli_error("no labs found in %s", dir);
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

static bool cli_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fileno(f)) && !(nc && *nc);
}

static int cli_list(const struct cli_args *a)
{
    if (!a->lab && (a->tsv || a->markdown))
        return cli_error("list: --tsv and --markdown describe one lab's tests: name the lab");
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
        return cli_error("list: --markdown or --tsv, not both");
    if (a->markdown) {
        printf("| test | points | what it checks |\n|---|---:|---|\n");
        for (int i = 0; i < l->ntests; i++)
            printf("| `%s` | %d | %s |\n", l->tests[i].name, l->tests[i].points, l->tests[i].about);
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

static int cli_measure(int argc, char **argv)
{
    int rc = 0;
    for (int i = 0; i < argc; i++) {
        char *end;
        long pid = strtol(argv[i], &end, 10);
        struct cl_mem m;
        if (*end || pid <= 0)
            return cli_error("measure: '%s' is not a pid", argv[i]);
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

/* Sandbox options for the user's own commands run on the user's behalf (the experiments, the
 * plots, the calibration): a timeout and captured output, no uid change and no limits; the
 * experiments of your own code may map a GiB and read PFNs. */
static struct cl_sandbox_opts cli_local_opts(int timeout_ms)
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

static long cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
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
        return cli_error("--jobs takes a number from 1 to %d, not '%s'", CL_BATCH_MAX_JOBS, text);
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
        return cli_error("submission folder '%s' not found", base);
    if (access(base, R_OK | X_OK) != 0)
        return cli_error("cannot read the submission folder '%s': %s", base, strerror(errno));
    if (out_dir && a->submission && cl_out_outside(out_dir, base))
        return 2;
    const struct cl_lab_def *only = NULL;
    if (a->lab && !(only = cli_lab(a->lab)))
        return 2;
    struct cl_lab_outcome *outs = calloc((size_t)cli_nlabs, sizeof *outs);
    if (!outs)
        return cli_error("out of memory");
    struct cl_grade_opts go = {.sanitize = a->sanitize, .quiet = a->quiet, .only = a->test};
    const char *name = strrchr(base, '/');
    struct cl_report rep = {.submission = name && name[1] ? name + 1 : base, .labs = outs};
    long t0 = cli_now_ms();
    for (int i = 0; i < cli_nlabs; i++) {
        if (only && only != &cli_labs[i])
            continue;
        char src[1200];
        cli_lab_src(base, &cli_labs[i], src, sizeof src);
        cl_grade_lab(&cli_labs[i], src, &go, &outs[rep.nlabs++]);
    }
    rep.elapsed_ms = cli_now_ms() - t0;
    cl_report_table(stdout, &rep, cli_color(stdout), details);
    int rc = 0;
    if (out_dir) {
        char p[1200];
        if (cl_mkdirs(out_dir) < 0)
            rc = cli_error("cannot create %s", out_dir);
        snprintf(p, sizeof p, "%s/results.json", out_dir);
        if (rc == 0 && cl_report_json(p, &rep) < 0)
            rc = cli_error("cannot write %s: %s", p, strerror(errno));
        snprintf(p, sizeof p, "%s/junit.xml", out_dir);
        if (rc == 0 && cl_report_junit(p, &rep) < 0)
            rc = cli_error("cannot write %s: %s", p, strerror(errno));
        snprintf(p, sizeof p, "%s/grades.csv", out_dir);
        if (rc == 0 && cl_report_csv(p, &rep) < 0)
            rc = cli_error("cannot write %s: %s", p, strerror(errno));
        if (rc == 0)
            printf("wrote %s/results.json, junit.xml, grades.csv\n", out_dir);
    }
    if (rc == 0 && !out_dir) /* check: the verdict is the exit status */
        rc = cl_report_score(&rep) == cl_report_max(&rep) ? 0 : 1;
    for (int i = 0; i < rep.nlabs; i++)
        cl_lab_outcome_free(&outs[i]);
    free(outs);
    return rc;
}

static int cli_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
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

/* grade --submissions: every folder of a->submissions is one submission (cowlab/batch.h). */
static int cli_grade_many(const struct cli_args *a, const char *out_dir)
{
    struct cl_batch b = {
        .submissions = a->submissions, .out_dir = out_dir, .grade = cli_grade_one, .ctx = a};
    if (cli_jobs(a->jobs, &b.jobs))
        return 2;
    if (a->lab && !cli_lab(a->lab)) /* said once, before any submission is touched */
        return 2;
    return cl_batch_grade(&b);
}

/* `cowlab doctor`: the probe's facts as a table (or TSV). 0, or 2 when the labs cannot run. */
static int cli_doctor(int argc, char **argv)
{
    bool tsv = argc == 1 && strcmp(argv[0], "--tsv") == 0;
    if (argc > 1 || (argc == 1 && !tsv)) {
        if (argc == 1 && strcmp(argv[0], "--help") == 0) {
            cli_usage(stdout, "doctor");
            return 0;
        }
        return cli_error("doctor: unknown option '%s' (valid: --tsv, --help)", argv[0]);
    }
    const struct cl_probe *p = cl_probe();
    if (tsv) {
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
    if (!tsv)
        printf("every fact the labs need was established: expected values follow this machine\n");
    return 0;
}

/* Build lab l from base and run its experiments into csv. Returns the lab binary's exit
 * status (0 all equal, 3 some differ), or 1/2 on errors. */
static int cli_run_lab(const struct cl_lab_def *l, const char *base, const char *csv)
{
    char src[1200], work[1200], log_dir[1200];
    cli_lab_src(base, l, src, sizeof src);
    snprintf(work, sizeof work, "%s/run/%s", CL_BUILD_DIR, l->slug);
    snprintf(log_dir, sizeof log_dir, "%s", csv);
    char *slash = strrchr(log_dir, '/');
    if (slash) {
        *slash = '\0';
        cl_mkdirs(log_dir);
    }
    char *log = NULL;
    fprintf(stderr, "%s: building from %s\n", l->slug, src);
    if (cl_build_lab(l, src, work, &log) < 0) {
        fprintf(stderr, "%s", log);
        free(log);
        return 1;
    }
    free(log);
    char bin[1300], csv_abs[1800], cwd[512], subject_env[1400];
    cl_observer_path(l, bin, sizeof bin);
    snprintf(subject_env, sizeof subject_env, "%s=%s/subject", CL_SUBJECT_ENV, work);
    if (csv[0] == '/')
        snprintf(csv_abs, sizeof csv_abs, "%s", csv);
    else
        snprintf(csv_abs, sizeof csv_abs, "%s/%s", getcwd(cwd, sizeof cwd) ? cwd : ".", csv);
    char *argv[] = {bin, "run", csv_abs, NULL};
    struct cl_sandbox_opts o = cli_local_opts(CLI_RUN_TIMEOUT_MS);
    o.env[0] = subject_env;
    struct cl_sandbox_result r;
    if (cl_sandbox_run(argv, &o, &r) < 0) {
        cl_sandbox_result_free(&r);
        return cli_error("cannot run %s: %s", bin, strerror(errno));
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

static int cli_run(const struct cli_args *a, const char *default_dir)
{
    const struct cl_lab_def *l = cli_lab(a->lab);
    if (!l)
        return 2;
    char base[1024], csv[1200];
    snprintf(base, sizeof base, "%s", a->dir ? a->dir : default_dir);
    if (!a->dir && access(base, F_OK) != 0)
        snprintf(base, sizeof base, "%s/%s", cl_kit_dir(), default_dir);
    if (a->csv)
        snprintf(csv, sizeof csv, "%s", a->csv);
    else
        snprintf(csv, sizeof csv, "%s/results/%s.csv", CL_BUILD_DIR, l->slug);
    return cli_run_lab(l, base, csv);
}

/* If the lab ships tests/<slug>/calibrate.py and python3 is here, run it on the results (its
 * output goes next to them; the plots may use it). Returns its exit status, or -1 if the lab
 * has none. */
static int cli_calibrate(const struct cl_lab_def *l, const char *csv)
{
    char script[1200];
    snprintf(script, sizeof script, "%s/calibrate.py", l->dir);
    if (access(script, R_OK) != 0)
        return -1;
    char *argv[] = {"/usr/bin/env", "python3", script, (char *)csv, NULL};
    struct cl_sandbox_opts o = cli_local_opts(CLI_RUN_TIMEOUT_MS);
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

/* Draw every plots/<slug>-*.gp from csv into out_dir, PNG and SVG, with gnuplot -d (no user
 * init files). gnuplot is exec'd directly: no shell, so no path is ever re-parsed. */
static int cli_plot_lab(const struct cl_lab_def *l, const char *csv, const char *out_dir)
{
    char dir[1024], prefix[64];
    snprintf(dir, sizeof dir, "%s/plots", cl_kit_dir());
    snprintf(prefix, sizeof prefix, "%s-", l->slug);
    if (cl_mkdirs(out_dir) < 0)
        return cli_error("cannot create %s", out_dir);
    DIR *d = opendir(dir);
    if (!d)
        return cli_error("cannot open %s", dir);
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
    int rc = n ? 0 : cli_error("no plots for %s in %s", l->slug, dir);
    for (int i = 0; i < n; i++) {
        char script[1400], stem[1400];
        snprintf(script, sizeof script, "%s/%s", dir, names[i]);
        snprintf(stem, sizeof stem, "%s/%.*s", out_dir, (int)strlen(names[i]) - 3, names[i]);
        static const char *const terms[] = {"png", "svg"};
        for (int t = 0; t < 2 && rc == 0; t++) {
            char file[1500];
            snprintf(file, sizeof file, "%s.%s", stem, terms[t]);
            char *argv[] = {"/usr/bin/env", "gnuplot",        "-d", "-c", script, (char *)csv,
                            file,           (char *)terms[t], NULL};
            struct cl_sandbox_opts o = cli_local_opts(CLI_PLOT_TIMEOUT_MS);
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

static int cli_plot(const struct cli_args *a, const char *default_dir)
{
    const struct cl_lab_def *l = cli_lab(a->lab);
    if (!l)
        return 2;
    char csv[1200], out[1200];
    snprintf(csv, sizeof csv, "%s/results/%s.csv", CL_BUILD_DIR, l->slug);
    snprintf(out, sizeof out, "%s", a->out ? a->out : CL_BUILD_DIR "/plots");
    struct cli_args run = *a;
    run.csv = csv;
    int rc = cli_run(&run, default_dir);
    if (rc != 0 && rc != 3)
        return rc;
    cli_calibrate(l, csv);
    int prc = cli_plot_lab(l, csv, out);
    return prc ? prc : rc;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *cmd = argc > 1 ? argv[1] : "help";
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        printf("usage: cowlab COMMAND [options]   (cowlab COMMAND --help)\n");
        cli_usage(stdout, NULL);
        return 0;
    }
    static const char *const commands[] = {"list", "check", "grade",   "run",
                                           "plot", "demo",  "measure", "doctor"};
    bool known = false;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        known |= strcmp(cmd, commands[i]) == 0;
    if (!known)
        return cli_error("unknown command '%s' (choose: list, check, grade, run, plot, demo, "
                         "measure, doctor)",
                         cmd);
    if (strcmp(cmd, "doctor") == 0)
        return cli_doctor(argc - 2, argv + 2);
    if (strcmp(cmd, "measure") == 0) {
        if (argc < 3 || strcmp(argv[2], "--help") == 0) {
            cli_usage(argc < 3 ? stderr : stdout, "measure");
            return argc < 3 ? 2 : 0;
        }
        return cli_measure(argc - 2, argv + 2);
    }
    struct cli_args a = {0};
    int rc = cli_parse(argc - 2, argv + 2, cmd, &a);
    if (rc)
        return rc;
    if (a.help) {
        cli_usage(stdout, cmd);
        return 0;
    }
    if ((rc = cli_load_labs(a.labs_dir)))
        return rc;
    if (strcmp(cmd, "list") == 0)
        return cli_list(&a);
    /* Every command below measures memory: it needs the facts the model is built on. The
     * probe runs here, once, before any grader forks (--jobs), and is refused as a whole:
     * never a partial grade on a machine that cannot measure. */
    const struct cl_probe *probe = cl_probe();
    if (cl_probe_require(probe, stderr) < 0)
        return 2;
    if ((strcmp(cmd, "check") == 0 || strcmp(cmd, "grade") == 0) && probe->scratch_exec == CL_NO)
        return cli_error("cannot grade: %s does not allow exec (%s)", cl_scratch_dir(),
                         probe->how[CL_FACT_SCRATCH_EXEC]);
    if (strcmp(cmd, "check") == 0) {
        if (!cli_lab(a.lab))
            return 2;
        return cli_grade_labs(&a, true, NULL);
    }
    if (strcmp(cmd, "grade") == 0 && a.submissions)
        return a.submission ? cli_error("grade: --submission or --submissions, not both")
                            : cli_grade_many(&a, a.out ? a.out : CL_BUILD_DIR "/grade");
    if (strcmp(cmd, "grade") == 0 && a.jobs)
        return cli_error("grade: --jobs goes with --submissions (one submission is graded by one "
                         "grader)");
    if (strcmp(cmd, "grade") == 0)
        return cli_grade_labs(&a, false, a.out ? a.out : CL_BUILD_DIR "/grade");
    if (strcmp(cmd, "run") == 0)
        return cli_run(&a, "solutions");
    if (strcmp(cmd, "plot") == 0)
        return cli_plot(&a, "labs");
    if (!a.lab)
        a.lab = "01";
    return cli_plot(&a, "solutions");
}
