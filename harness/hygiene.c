/*
 * hygiene.c — the hygiene test: the lab's pure tests run again in one subject under valgrind's
 * memcheck, and the verdict read from valgrind's XML report (never from what the subject
 * printed). Contracts in cowlab/lab.h; valgrind's side in cowlab/memcheck.h.
 *
 * One subject for all of them (one valgrind start, about 0.6 s of its own): an error is the pure
 * tests', not one test's, and valgrind's stack names the function and line. The pure tests' own
 * checks are muted here (cl_check_mute): they are graded by those tests.
 * This test fails only for what valgrind reports, or for a report that could not be had.
 */
#include "cowlab/lab.h"
#include "cowlab/memcheck.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the reports said, over the whole test. */
static struct {
    const char *test;               /* the pure test whose body is running */
    int subjects;                   /* subjects that ran under memcheck */
    int with_errors;                /* of them, those whose report holds errors */
    int errors;                     /* errors in all reports */
    bool errors_cut;                /* a report with errors was cut short: "at least" */
    int ran, passed;                /* pure tests run, and those whose checks all held */
    char failed_tests[300];         /* the names of the others */
    struct cl_memcheck_error first; /* the first error of the first report with errors */
    char incomplete[700];           /* the first report that was cut short, said, or "" */
} hygiene;

void cl_hygiene_subject_ended(const struct cl_link *L)
{
    struct cl_memcheck_report r;
    cl_memcheck_parse(L->xml ? L->xml : "", L->xml_len, &r);
    hygiene.subjects++;
    /* make memcheck LAB=NN: every error, for the student (a grader never sets it). */
    const char *report = getenv(CL_MEMCHECK_REPORT_ENV);
    FILE *f = report && *report && L->xml ? fopen(report, "a") : NULL;
    if (f) {
        if (cl_memcheck_render(L->xml, L->xml_len, f) == 0)
            fprintf(f, "valgrind found no error in memory use.\n");
        fclose(f);
    }
    if (r.errors > 0 && r.documents == 1) {
        if (hygiene.with_errors++ == 0)
            hygiene.first = r.first;
        hygiene.errors += r.errors;
        if (!r.finished)
            hygiene.errors_cut = true;
        return;
    }
    if (r.finished || hygiene.incomplete[0])
        return;
    /* No error, and no whole report: what stopped valgrind from finishing. */
    if (r.documents > 1)
        snprintf(hygiene.incomplete, sizeof hygiene.incomplete,
                 "code of yours ran another program (exec) while the tests that measure no "
                 "memory ran: valgrind's report then holds %d reports and cannot be trusted; "
                 "these tests never exec",
                 r.documents);
    else if (L->failed)
        snprintf(hygiene.incomplete, sizeof hygiene.incomplete,
                 "while the tests that measure no memory ran under valgrind, the subject failed "
                 "before valgrind could finish its report: %s",
                 L->failure);
    else if (!r.preamble)
        snprintf(hygiene.incomplete, sizeof hygiene.incomplete,
                 "valgrind wrote no report (it printed: %.300s)",
                 L->output_len ? L->output : "nothing");
    else
        snprintf(hygiene.incomplete, sizeof hygiene.incomplete,
                 "valgrind's report ended before valgrind had finished (%zu bytes): the subject "
                 "did not quit within %d s of its last test, so its leak check never ended",
                 L->xml_len, CL_MEMCHECK_QUIT_MS / 1000);
}

bool cl_hygiene_running(void)
{
    return hygiene.test != NULL;
}

/* Whether the file at path holds valgrind's client-request preamble (the instructions by which
 * a program talks to valgrind: RUNNING_ON_VALGRIND, VALGRIND_DISABLE_ERROR_REPORTING ...):
 * code that could hide its errors from the judge. 1 yes, 0 no, -1 unreadable. */
static int hygiene_client_requests(const char *path)
{
    static const unsigned char preambles[][16] = {
        /* amd64: rolq $3, $13, $61, $51 of %rdi */
        {0x48, 0xc1, 0xc7, 0x03, 0x48, 0xc1, 0xc7, 0x0d, 0x48, 0xc1, 0xc7, 0x3d, 0x48, 0xc1, 0xc7,
         0x33},
        /* arm64: ror x12, x12, #3, #13, #51, #61 */
        {0x8c, 0x0d, 0xcc, 0x93, 0x8c, 0x35, 0xcc, 0x93, 0x8c, 0xcd, 0xcc, 0x93, 0x8c, 0xf5, 0xcc,
         0x93},
    };
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    enum { CHUNK = 1 << 16, KEEP = 15 };
    static unsigned char buf[KEEP + CHUNK];
    size_t have = 0;
    int found = 0;
    ssize_t n;
    while (!found && (n = read(fd, buf + have, CHUNK)) > 0) {
        size_t len = have + (size_t)n;
        for (size_t p = 0; p < sizeof preambles / sizeof preambles[0] && !found; p++)
            found = memmem(buf, len, preambles[p], sizeof preambles[p]) != NULL;
        have = len < KEEP ? len : KEEP;
        memmove(buf, buf + len - have, have);
    }
    close(fd);
    return found;
}

/* The pure tests' bodies, each with its own subject under memcheck. */
static void hygiene_run_pure_tests(void)
{
    char names[512];
    snprintf(names, sizeof names, "%s", cl_this_lab.pure ? cl_this_lab.pure : "");
    cl_lab_subject_stop();
    cl_link_set_memcheck(true);
    cl_check_mute(true);
    for (char *save, *w = strtok_r(names, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        for (int i = 0; i < cl_this_lab.ntests; i++) {
            if (strcmp(cl_this_lab.tests[i].name, w) != 0)
                continue;
            hygiene.test = cl_this_lab.tests[i].name;
            cl_check_mute(true);
            cl_this_lab.tests[i].fn();
            hygiene.ran++;
            if (cl_check_mute(true) == 0)
                hygiene.passed++;
            else
                snprintf(hygiene.failed_tests + strlen(hygiene.failed_tests),
                         sizeof hygiene.failed_tests - strlen(hygiene.failed_tests), "%s%s",
                         hygiene.failed_tests[0] ? ", " : "", w);
        }
    }
    cl_lab_subject_stop();
    hygiene.test = NULL;
    cl_check_mute(false);
    cl_link_set_memcheck(false);
}

void cl_hygiene_test(void)
{
    memset(&hygiene, 0, sizeof hygiene);
    char why[300];
    if (!cl_memcheck_available(why, sizeof why)) {
        CL_FAIL("the hygiene test cannot run on this machine: %s (not your code)", why);
        return;
    }
    if (hygiene_client_requests(cl_lab_subject_path()) == 1) {
        CL_FAIL("your code talks to valgrind (its client requests: valgrind.h or memcheck.h "
                "macros), which could hide errors from this test: remove them");
        return;
    }
    hygiene_run_pure_tests();
    if (hygiene.subjects == 0) {
        CL_FAIL("no test ran under valgrind: the lab lists no pure tests (tests.def CL_PURE)");
        return;
    }
    if (hygiene.with_errors > 0) {
        char said[1400];
        cl_memcheck_describe(&hygiene.first, cl_this_lab.files, said, sizeof said);
        CL_FAIL("valgrind found %s%d error%s in memory use while the tests that measure no "
                "memory (%s) called your code; the first: %s -- make memcheck LAB=%.2s shows "
                "every error",
                hygiene.errors_cut ? "at least " : "", hygiene.errors,
                hygiene.errors == 1 ? "" : "s", cl_this_lab.pure, said, cl_this_lab.slug);
        return;
    }
    if (hygiene.incomplete[0]) {
        CL_FAIL("%s", hygiene.incomplete);
        return;
    }
    /* Code that does nothing has nothing to leak: the points are for code that works. */
    if (hygiene.passed == 0) {
        CL_FAIL("valgrind found no error, but none of the tests it ran passed under it (%s: "
                "their own results say why): the hygiene points are earned by functions that do "
                "their job",
                hygiene.failed_tests);
        return;
    }
    CU_assertImplementation(CU_TRUE, __LINE__, "valgrind found no error", __FILE__, "", CU_FALSE);
}
