/*
 * tests.c — the hostile tests, run by the observer: each asks the subject to run one
 * misbehaviour of hostile.c (the "student" file) and fails if the subject does not come back.
 */
#include "cowlab/lab.h"

#include <stdint.h>

/* Run command `name` in the subject; its answer must be 0. */
static void hostile_run(const char *name)
{
    struct cl_link *L = cl_lab_subject();
    int64_t v = -1;
    if (cl_link_call(L, &v, 1, NULL, "%s", name) != 0)
        cl_cannot_subject(name, L, name);
    else
        CL_CHECK_EQ(0, v, name, "");
}

#define HOSTILE_TEST(name)                                                                         \
    static void test_##name(void)                                                                  \
    {                                                                                              \
        hostile_run(#name);                                                                        \
    }
HOSTILE_TEST(segfault)
HOSTILE_TEST(aborts)
HOSTILE_TEST(loops_forever)
HOSTILE_TEST(fork_bomb)
HOSTILE_TEST(memory_hog)
HOSTILE_TEST(output_flood)
HOSTILE_TEST(fake_summary)
HOSTILE_TEST(forged_record)
HOSTILE_TEST(forged_answer)
HOSTILE_TEST(kills_parent)
HOSTILE_TEST(escapes_group)
HOSTILE_TEST(leaks_shm)
HOSTILE_TEST(leaks_ipc)
HOSTILE_TEST(leaks_tmp)

/* Whatever the subject found is in its output, which the feedback shows on a failure: the
 * grader's isolation must leave it nothing to find (tests/grader/run.sh looks). */
static void test_reads_files(void)
{
    /* The search walks the system's folders (thousands, in bwrap's view): it gets 4 s of the
     * test's 5, not the default call's 1 s, which it overran once on a loaded machine (make
     * test's other jobs beside it) — a search cut short proves nothing either way. */
    cl_link_set_call_ms(4000);
    hostile_run("reads_files");
    CL_FAIL("shows what the subject printed");
}

static void test_weird_output(void)
{
    hostile_run("weird_output");
    CL_FAIL("a failure whose message holds \"quotes\", a \\ and \x01 and \xff");
}

static const struct cl_test hostile_tests[] = {
#include "cowlab/tests-table.h"
};

static int hostile_experiments(struct cl_results *r)
{
    (void)r;
    return 0;
}

const struct cl_lab cl_this_lab = {
    .slug = "00-hostile",
    .tests = hostile_tests,
    .ntests = sizeof hostile_tests / sizeof hostile_tests[0],
    .run_experiments = hostile_experiments,
    .summary = {{"", "", ""}, {"", "", ""}, {"", "", ""}, {"", "", ""}},
};
