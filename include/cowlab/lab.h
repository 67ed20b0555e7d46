/*
 * cowlab/lab.h — what a lab provides to its observer (harness/labmain.c), and the CUnit
 * helpers its tests use.
 *
 * A lab is labs/NN-slug/: tests.def (the one table of graded tests: registers them with
 * CUnit here, scores them in the grader, and prints the handbook's points table), observer/
 * (the test functions and the lab's experiments: the observer, build/labs/NN-slug/lab, whose
 * commands `lab help` lists), subject/ (what the subject links with the student's or the
 * reference files: cowlab/subject.h) and common/ (compiled into both). No student code is
 * linked into the observer.
 */
#ifndef COWLAB_LAB_H
#define COWLAB_LAB_H

#include "cowlab/link.h"
#include "cowlab/results.h"

#include <stdbool.h>
#include <stdint.h>

struct cl_test {
    const char *name;
    void (*fn)(void);
    int points;
    int timeout_s;
    const char *about;
};

struct cl_lab {
    const char *slug;  /* "01-fork-cow" */
    const char *files; /* the student's files, space-separated (tests.def's CL_LAB) */
    const char *pure;  /* the tests that measure no memory (CL_PURE), or NULL */
    const struct cl_test *tests;
    int ntests;
    /* Run every experiment of the lab with default sizes into r. 0, or -1 if an experiment
     * could not run (the reason printed on stderr). */
    int (*run_experiments)(struct cl_results *r);
    /* The four columns `run` prints for each group of rows. */
    struct cl_summary_col summary[4];
    /* A command of the lab's own (`lab NAME ARGS...`, listed by `lab help` with its usage), or
     * NULL: lab 05's `predict`, which prints the model for a shape the calibration against
     * real CPython runs. Returns the exit status. */
    const char *command_name;
    const char *command_usage; /* "ARGS  what it prints", one line */
    int (*command)(int argc, char **argv);
};

extern const struct cl_lab cl_this_lab;

/*
 * Assertions that say what was expected, what was measured, and where to look.
 * Each records one CUnit failure (never longjmps), so a test goes on and reports every
 * difference. `what` names the quantity ("child Pss of the buffer"), hint says what a wrong
 * value usually means.
 */
void cl_check_eq_at(int64_t expected, int64_t measured, const char *what, const char *hint,
                    const char *file, int line);
#define CL_CHECK_EQ(expected, measured, what, hint)                                                \
    cl_check_eq_at((int64_t)(expected), (int64_t)(measured), (what), (hint), __FILE__, __LINE__)

/* Record a failure with a formatted message. */
void cl_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define CL_FAIL(...) cl_fail_at(__FILE__, __LINE__, __VA_ARGS__)

/* An address the subject answered, as a pointer to print or compare (never dereferenced
 * here: it is the subject's). */
#define CL_ADDR(a) ((const void *)(uintptr_t)(a))

/* In a test: run one experiment (call, which adds rows to r) into a fresh table and check
 * every row it added (expected == measured). */
#define CL_RUN_AND_CHECK(experiment_name, call)                                                    \
    do {                                                                                           \
        struct cl_results r_;                                                                      \
        cl_results_init(&r_);                                                                      \
        struct cl_results *r = &r_;                                                                \
        if ((call) == 0)                                                                           \
            CL_CHECK_ROWS(r, experiment_name);                                                     \
        cl_results_free(&r_);                                                                      \
    } while (0)

/* A failure inside a test; outside one (the experiments of `lab run`), a line on stderr. */
#define CL_FAIL_OR_SAY(...)                                                                        \
    do {                                                                                           \
        if (CU_is_test_running())                                                                  \
            CL_FAIL(__VA_ARGS__);                                                                  \
        else {                                                                                     \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

/* Say why an experiment could not run (`what` failed, with errno's text): a test failure
 * while a CUnit test runs, a line on stderr otherwise. Returns -1, for `return cl_cannot(...)`. */
int cl_cannot(const char *experiment, const char *what);

/* Measure `region` (words for people: "the buffer", "the heap") of process pid at [addr,
 * addr + len) into *got, as a region that must be its own VMA (cl_mem_region_alone). When the
 * kernel merged it with a neighbour, say so (which region, how far its VMA reaches) instead of
 * reporting the neighbour's pages; another failure as cl_cannot. 0, or -1 said. */
int cl_measure_alone(const char *experiment, const char *region, pid_t pid, const void *addr,
                     size_t len, struct cl_mem *got);

/* The same check on a region already measured (got, from cl_mem_region or cl_mem_regions at
 * [addr, addr + len)): 0 when its VMAs span exactly the region, or -1, said as above. */
int cl_check_alone(const char *experiment, const char *region, const void *addr, size_t len,
                   const struct cl_mem *got);

/* Say why an experiment could not go on because of its subject: the subject's own failure
 * (crashed, hung: told once per subject, later calls say nothing), or the command that failed
 * (`what`) with the subject's reason and, for a worker, the function it was running.
 * Returns -1. */
int cl_cannot_subject(const char *experiment, struct cl_link *L, const char *what);

/* The subject this observer process talks to: started on first use from $COWLAB_SUBJECT (or
 * `subject` beside the lab binary), stopped between tests. Never NULL; a subject that cannot
 * start is a failed link whose calls fail with the reason. */
struct cl_link *cl_lab_subject(void);

/* Stop the subject (the next cl_lab_subject() starts a fresh one) as between tests, and
 * forget how it failed: for a test that runs other tests' bodies (the hygiene test), whose
 * subjects' failures are those tests' to report, not its own. */
void cl_lab_subject_stop(void);

/* The subject binary this observer starts ($COWLAB_SUBJECT, or `subject` beside it). */
const char *cl_lab_subject_path(void);

/* While on, failed checks (CL_CHECK_EQ, CL_FAIL, CL_CHECK_ROWS ...) are counted, not recorded:
 * the hygiene test runs the pure tests' bodies for the calls they make, and their verdicts are
 * those tests' own. Returns how many failed since the last call that turned it on. */
int cl_check_mute(bool on);

/* The hygiene test (tests.def: CL_TEST(hygiene, ...); a lab's test_hygiene calls this): every
 * CL_PURE test's body again, each with a fresh subject under valgrind's memcheck
 * (cowlab/memcheck.h); passes when every report is complete and holds no error. A failure
 * quotes valgrind's first error at the student's file and line. */
void cl_hygiene_test(void);

/* Whether the hygiene test is running a pure test's body now: such a body may then take a
 * smaller grid of inputs (valgrind runs code 20-50 times slower, and the hygiene test wants every
 * path of the student's code taken, not every size). */
bool cl_hygiene_running(void);

/* labmain's hook: the subject L under memcheck has stopped; its report (L->xml) is read. */
void cl_hygiene_subject_ended(const struct cl_link *L);

/* One failure per row of `experiment` whose expected and measured differ (the first
 * `max_report` are spelled out, then a count). Returns the number of differing rows. */
size_t cl_check_rows_at(const struct cl_results *r, const char *experiment, int max_report,
                        const char *file, int line);
#define CL_CHECK_ROWS(r, experiment) cl_check_rows_at((r), (experiment), 6, __FILE__, __LINE__)

#endif
