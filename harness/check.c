/*
 * check.c — CUnit failures that carry expected value, measured value and a hint.
 * CUnit copies the condition string of a failure, so a formatted message survives.
 */
#include "cowlab/lab.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>

static bool check_muted;
static int check_muted_failures;

int cl_check_mute(bool on)
{
    int failed = check_muted_failures;
    check_muted = on;
    if (on)
        check_muted_failures = 0;
    return failed;
}

static void check_record(const char *file, int line, const char *msg)
{
    if (check_muted) {
        check_muted_failures++;
        return;
    }
    CU_assertImplementation(CU_FALSE, (unsigned)line, msg, file, "", CU_FALSE);
}

/* A check that held: counted by CUnit, unless muted. */
static void check_passed(const char *file, int line, const char *what)
{
    if (!check_muted)
        CU_assertImplementation(CU_TRUE, (unsigned)line, what, file, "", CU_FALSE);
}

void cl_fail_at(const char *file, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    check_record(file, line, msg);
}

void cl_check_eq_at(int64_t expected, int64_t measured, const char *what, const char *hint,
                    const char *file, int line)
{
    if (expected == measured) {
        check_passed(file, line, what);
        return;
    }
    cl_fail_at(file, line, "%s: expected %lld, measured %lld%s%s", what, (long long)expected,
               (long long)measured, hint && *hint ? " -- hint: " : "", hint ? hint : "");
}

size_t cl_check_rows_at(const struct cl_results *r, const char *experiment, int max_report,
                        const char *file, int line)
{
    size_t bad = 0, checked = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct cl_row *row = &r->rows[i];
        if (strcmp(row->experiment, experiment) != 0 || row->expected == CL_NO_EXPECT)
            continue;
        checked++;
        if (row->expected == row->measured)
            continue;
        if ((int)bad++ < max_report) {
            char what[160];
            snprintf(what, sizeof what, "%s x=%lld %s %s %s (%s)", row->experiment,
                     (long long)row->x, row->process, row->phase, row->metric, row->unit);
            cl_check_eq_at(row->expected, row->measured, what, row->hint, file, line);
        }
    }
    if ((int)bad > max_report)
        cl_fail_at(file, line,
                   "%s: %zu more rows differ (this line is one check for them all; see the CSV of "
                   "`cowlab run`)",
                   experiment, bad - (size_t)max_report);
    if (checked == 0)
        cl_fail_at(file, line, "%s: no rows with an expected value were produced", experiment);
    else
        check_passed(file, line, experiment);
    return bad;
}

int cl_cannot(const char *experiment, const char *what)
{
    int e = errno;
    char msg[320];
    snprintf(msg, sizeof msg, "%s: %s failed: %s", experiment, what, e ? strerror(e) : "?");
    if (CU_is_test_running())
        CL_FAIL("%s", msg);
    else
        fprintf(stderr, "%s\n", msg);
    return -1;
}

int cl_measure_alone(const char *experiment, const char *region, pid_t pid, const void *addr,
                     size_t len, struct cl_mem *got)
{
    if (cl_mem_region(pid, addr, len, got) < 0) {
        char what[120];
        snprintf(what, sizeof what, "measuring %s (smaps)", region);
        return cl_cannot(experiment, what);
    }
    return cl_check_alone(experiment, region, addr, len, got);
}

int cl_check_alone(const char *experiment, const char *region, const void *addr, size_t len,
                   const struct cl_mem *got)
{
    size_t ps = cl_page_size();
    if (got->kb[CL_SIZE] * 1024 == (len + ps - 1) / ps * ps)
        return 0;
    CL_FAIL_OR_SAY("%s: the kernel merged %s (%zu kB at %p) with a neighbouring mapping: its VMA "
                   "spans %llu kB, and smaps would count the neighbour's pages as its own. Not "
                   "measured; the kit keeps its regions between guard pages so that this cannot "
                   "happen: please report it, with the run's build/ folder",
                   experiment, region, (len + 1023) / 1024, addr,
                   (unsigned long long)got->kb[CL_SIZE]);
    return -1;
}

int cl_cannot_subject(const char *experiment, struct cl_link *L, const char *what)
{
    char msg[700];
    if (L->failed) {
        const char *why = cl_link_failure(L);
        if (!why)
            return -1; /* told once already: one cause, one message */
        snprintf(msg, sizeof msg, "%s: %s", experiment, why);
    } else {
        /* "E" from the subject: what failed, errno's words, and the worker's function. */
        char err[160] = "", worker[120] = "";
        if (L->error_errno > 0)
            snprintf(err, sizeof err, " (errno %d: %s)", L->error_errno, strerror(L->error_errno));
        if (L->error_worker >= 0 && L->error_worker < CL_TEAM_MAX &&
            L->running[L->error_worker + 1][0])
            snprintf(worker, sizeof worker, " (it was running %.80s)",
                     L->running[L->error_worker + 1]);
        snprintf(msg, sizeof msg, "%s: %s: %s%s%s", experiment, what, L->failure, err, worker);
    }
    if (CU_is_test_running())
        CL_FAIL("%s", msg);
    else
        fprintf(stderr, "%s\n", msg);
    return -1;
}
