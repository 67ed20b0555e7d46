/*
 * labmain.c — main() of every lab binary: the observer. It holds the lab's tests and
 * experiments, the model and the measurements, and no student code: the student's (or the
 * reference) files are in the subject beside it (cowlab/subject.h), which it starts and
 * drives. The grader runs `test NAME` once per test; people and CI run the other commands.
 */
#include "cowlab/lab.h"
#include "cowlab/probe.h"
#include "cowlab/record.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static struct cl_link labmain_link;
static bool labmain_link_up;
static bool labmain_running; /* `run`: the experiments, outside any test */
static void labmain_subject_stop(bool show);
static char labmain_subject_kind;         /* how the last test's subject failed, or 0 */
static char labmain_subject_failure[400]; /* and what was said */
static char labmain_subject_path[1024];

/* The subject binary: $COWLAB_SUBJECT, else `subject` in this binary's own folder. */
static void labmain_find_subject(void)
{
    const char *env = getenv(CL_SUBJECT_ENV);
    if (env && *env) {
        snprintf(labmain_subject_path, sizeof labmain_subject_path, "%s", env);
        return;
    }
    char self[900];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    snprintf(labmain_subject_path, sizeof labmain_subject_path, "%s/subject", slash ? self : ".");
}

struct cl_link *cl_lab_subject(void)
{
    /* `run`: an experiment whose subject failed (and said why) does not stop the next one,
     * which gets a fresh subject. In a test, one failure is the test's one cause. */
    if (labmain_link_up && labmain_running && labmain_link.failed && labmain_link.reported)
        labmain_subject_stop(false);
    if (!labmain_link_up) {
        cl_link_start(&labmain_link, labmain_subject_path); /* a failure stays in the link */
        labmain_link_up = true;
    }
    return &labmain_link;
}

/* Stop the subject (between tests: each test starts from a fresh one). With show, print
 * what it printed, for the student. */
static void labmain_subject_stop(bool show)
{
    if (!labmain_link_up)
        return;
    cl_link_stop(&labmain_link); /* first: it may still find the subject misbehaved */
    if (labmain_link.memcheck)
        cl_hygiene_subject_ended(&labmain_link);
    free(labmain_link.xml);
    labmain_subject_kind = labmain_link.failed ? labmain_link.kind : 0;
    snprintf(labmain_subject_failure, sizeof labmain_subject_failure, "%s",
             labmain_link.failed ? labmain_link.failure : "");
    if (show && labmain_link.output_len)
        fprintf(stderr, "--- what the subject (your code) printed ---\n%s%s", labmain_link.output,
                labmain_link.output[labmain_link.output_len - 1] == '\n' ? "" : "\n");
    free(labmain_link.output);
    labmain_link_up = false;
}

const char *cl_lab_subject_path(void)
{
    return labmain_subject_path;
}

void cl_lab_subject_stop(void)
{
    labmain_subject_stop(false);
    labmain_subject_kind = 0;
    labmain_subject_failure[0] = '\0';
}

static const struct cl_test *labmain_find(const char *name)
{
    for (int i = 0; i < cl_this_lab.ntests; i++)
        if (strcmp(cl_this_lab.tests[i].name, name) == 0)
            return &cl_this_lab.tests[i];
    return NULL;
}

/* Run one test under CUnit. Returns the number of failures, or -1 if CUnit failed. */
static int labmain_run_one(const struct cl_test *t)
{
    labmain_subject_kind = 0;
    if (CU_initialize_registry() != CUE_SUCCESS)
        return -1;
    CU_pSuite suite = CU_add_suite(cl_this_lab.slug, NULL, NULL);
    CU_pTest test = suite ? CU_add_test(suite, t->name, t->fn) : NULL;
    if (!test || CU_run_test(suite, test) != CUE_SUCCESS) {
        CU_cleanup_registry();
        labmain_subject_stop(false);
        return -1;
    }
    int failures = (int)CU_get_number_of_failures();
    labmain_subject_stop(failures != 0);
    return failures;
}

/* A failed check's place as people read it: the lab's source file from "labs/" (or "tests/",
 * the kit's own labs) on; "-" for the harness's own files (a subject that could not do what
 * it was asked, reported by check.c): no line of the lab's tests to point at. */
static const char *labmain_short_path(const char *file)
{
    if (!file || strncmp(file, "harness/", 8) == 0)
        return "-";
    const char *t = strstr(file, "labs/");
    if (!t)
        t = strstr(file, "tests/");
    return t ? t : file;
}

/* After the subject crashed in test t: how the student sees where, with gdb, in their own
 * checkout (the grader's folders are gone by the time they read this). */
static void labmain_gdb_hint(const struct cl_test *t, char *out, size_t n)
{
    snprintf(out, n,
             "to see the line where it crashed, run in your checkout: make check LAB=%.*s "
             "TEST=%s GDB=1 (your code under gdb; the backtrace is in the output)",
             (int)strspn(cl_this_lab.slug, "0123456789"), cl_this_lab.slug, t->name);
}

/* Send the failure records, a note after a crash, and the DONE line on the record fd;
 * without one, print the failures on stderr instead. */
static void labmain_report(int fd, const struct cl_test *t, const char *nonce, int failures)
{
    char line[1200], esc[1024];
    for (CU_pFailureRecord f = CU_get_failure_list(); f; f = f->pNext) {
        const char *file = labmain_short_path(f->strFileName);
        char where[600] = "-";
        if (strcmp(file, "-") != 0)
            snprintf(where, sizeof where, "%s:%u", file, f->uiLineNumber);
        if (fd < 0) {
            fprintf(stderr, "  FAIL%s%s: %s\n", strcmp(where, "-") ? " " : "",
                    strcmp(where, "-") ? where : "", f->strCondition ? f->strCondition : "");
            continue;
        }
        cl_record_escape(f->strCondition ? f->strCondition : "", esc, sizeof esc);
        snprintf(line, sizeof line, "F %s\t%s\n", where, esc);
        if (write(fd, line, strlen(line)) < 0)
            break;
    }
    if (fd >= 0 && labmain_subject_kind) { /* not a failed check: the subject's own end */
        cl_record_escape(labmain_subject_failure, esc, sizeof esc);
        snprintf(line, sizeof line, "X %c\t%s\n", labmain_subject_kind, esc);
        if (write(fd, line, strlen(line)) < 0)
            perror("record fd");
    }
    if (fd >= 0 && labmain_subject_kind == 'c' && !getenv(CL_GDB_ENV)) {
        char hint[400];
        labmain_gdb_hint(t, hint, sizeof hint);
        cl_record_escape(hint, esc, sizeof esc);
        snprintf(line, sizeof line, "N\t%s\n", esc);
        if (write(fd, line, strlen(line)) < 0)
            perror("record fd");
    }
    if (fd >= 0) {
        snprintf(line, sizeof line, "DONE %s %d\n", nonce, failures);
        if (write(fd, line, strlen(line)) < 0)
            perror("record fd");
    }
}

static int labmain_test(const char *name)
{
    const struct cl_test *t = labmain_find(name);
    if (!t) {
        fprintf(stderr, "%s: no test named '%s' (try: list)\n", cl_this_lab.slug, name);
        return 2;
    }
    const char *fd_text = getenv(CL_RECORD_FD_ENV), *nonce_env = getenv(CL_NONCE_ENV);
    char nonce[80] = "-";
    if (nonce_env)
        snprintf(nonce, sizeof nonce, "%s", nonce_env);
    int fd = fd_text ? atoi(fd_text) : -1;
    unsetenv(CL_NONCE_ENV); /* test code has no need of it */
    unsetenv(CL_RECORD_FD_ENV);
    if (cl_probe_require(cl_probe(), stderr) < 0) { /* the machine, not the student's code */
        char line[300];
        snprintf(line, sizeof line,
                 "F harness/probe.c:0\tthe test process cannot establish what this kernel does "
                 "(cowlab doctor): not your code\nDONE %s 1\n",
                 nonce);
        if (fd >= 0 && write(fd, line, strlen(line)) < 0)
            perror("record fd");
        return 1;
    }
    int failures = labmain_run_one(t);
    if (failures < 0) {
        fprintf(stderr, "%s: CUnit could not run %s\n", cl_this_lab.slug, name);
        return 2;
    }
    labmain_report(fd, t, nonce, failures);
    CU_cleanup_registry();
    return failures ? 1 : 0;
}

/* Every test in this process, one after another (for valgrind and sanitizers). */
static int labmain_all(void)
{
    int passed = 0, failed = 0;
    for (int i = 0; i < cl_this_lab.ntests; i++) {
        const struct cl_test *t = &cl_this_lab.tests[i];
        int f = labmain_run_one(t);
        if (f != 0)
            labmain_report(-1, t, "-", f);
        printf("%-28s %s\n", t->name, f == 0 ? "ok" : "FAILED");
        fflush(stdout);
        CU_cleanup_registry();
        if (f == 0)
            passed++;
        else
            failed++;
    }
    printf("%s: %d passed, %d failed\n", cl_this_lab.slug, passed, failed);
    return failed ? 1 : 0;
}

static int labmain_run(const char *csv_path)
{
    if (cl_probe_require(cl_probe(), stderr) < 0)
        return 2;
    struct cl_results r;
    cl_results_init(&r);
    labmain_running = true;
    int rc = cl_this_lab.run_experiments(&r);
    labmain_running = false;
    labmain_subject_stop(rc != 0);
    FILE *out = stdout;
    if (csv_path && !(out = fopen(csv_path, "w"))) {
        fprintf(stderr, "%s: %s: %s\n", cl_this_lab.slug, csv_path, strerror(errno));
        cl_results_free(&r);
        return 1;
    }
    if (cl_results_write_csv(&r, out) < 0)
        rc = -1;
    if (out != stdout && fclose(out) != 0)
        rc = -1;
    if (csv_path)
        cl_results_print(&r, cl_this_lab.summary, stdout, 200);
    size_t bad = cl_results_mismatches(&r, NULL);
    cl_results_free(&r);
    return rc < 0 ? 1 : bad ? 3 : 0;
}

static void labmain_usage(FILE *out)
{
    fprintf(out,
            "usage: lab-%s COMMAND\n"
            "  list        the graded tests: name, points, timeout (s), what it checks\n"
            "  test NAME   run one test; failures on stderr (and on $%s for the grader)\n"
            "  all         run every test in this process, then 'N passed, N failed'\n"
            "  run [CSV]   run the experiments, write the results CSV (stdout if none);\n"
            "              exit 3 if a measured value differs from the expected one\n"
            "  probe       the machine facts the expected values follow, one per line:\n"
            "              name<TAB>value<TAB>how it was established (exit 2 if the labs\n"
            "              cannot run here)\n"
            "The student's code runs in the subject, $%s or `subject` beside this binary.\n",
            cl_this_lab.slug, CL_RECORD_FD_ENV, CL_SUBJECT_ENV);
    if (cl_this_lab.command)
        fprintf(out, "and this lab's own:\n  %s %s\n", cl_this_lab.command_name,
                cl_this_lab.command_usage);
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "help";
    /* The probe reads /proc/self and its own children's /proc files, which belong to root once
     * this process is not dumpable: it runs first (and keeps what it found). */
    const char *saved = getenv(CL_PROBE_FILE_ENV); /* the grader's, in a graded test */
    if (strcmp(cmd, "test") == 0 && saved && *saved)
        cl_probe_adopt(saved);
    if (strcmp(cmd, "test") == 0 || strcmp(cmd, "all") == 0 || strcmp(cmd, "run") == 0 ||
        strcmp(cmd, "probe") == 0)
        (void)cl_probe();
    /* The subject may run under our uid: make this process one it cannot trace, read or
     * write through /proc. */
    prctl(PR_SET_DUMPABLE, 0);
    labmain_find_subject();
    if (strcmp(cmd, "list") == 0 && argc == 2) {
        for (int i = 0; i < cl_this_lab.ntests; i++) {
            const struct cl_test *t = &cl_this_lab.tests[i];
            printf("%s\t%d\t%d\t%s\n", t->name, t->points, t->timeout_s, t->about);
        }
        return 0;
    }
    if (strcmp(cmd, "test") == 0 && argc == 3)
        return labmain_test(argv[2]);
    if (strcmp(cmd, "all") == 0 && argc == 2)
        return labmain_all();
    if (strcmp(cmd, "probe") == 0 && argc == 2) {
        const struct cl_probe *p = cl_probe();
        cl_probe_print_tsv(p, stdout);
        return cl_probe_require(p, stderr) < 0 ? 2 : 0;
    }
    if (strcmp(cmd, "run") == 0 && argc <= 3) {
        cl_link_set_call_ms(CL_LINK_RUN_CALL_MS);
        return labmain_run(argc == 3 ? argv[2] : NULL);
    }
    if (cl_this_lab.command && strcmp(cmd, cl_this_lab.command_name) == 0)
        return cl_this_lab.command(argc - 2, argv + 2);
    bool help = strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0;
    labmain_usage(help ? stdout : stderr);
    return help ? 0 : 2;
}
