/*
 * tests.c — the hostile tests: each calls one misbehaviour of hostile.c (the "student" file).
 */
#include "cowlab/lab.h"
#include "hostile.h"

#include <stddef.h>

static void test_segfault(void)
{
    hostile_segfault();
}
static void test_aborts(void)
{
    hostile_abort();
}
static void test_loops_forever(void)
{
    hostile_loop();
}
static void test_fork_bomb(void)
{
    hostile_fork_bomb();
}
static void test_memory_hog(void)
{
    hostile_memory_hog();
}
static void test_output_flood(void)
{
    hostile_flood();
}
static void test_fake_summary(void)
{
    hostile_fake_summary();
}
static void test_forged_record(void)
{
    hostile_forged_record();
}
static void test_kills_parent(void)
{
    hostile_kill_parent();
}
static void test_escapes_group(void)
{
    CL_CHECK_EQ(0, hostile_escape_group(), "escape", "");
}
static void test_weird_output(void)
{
    hostile_weird_output();
    CL_FAIL("a failure whose message holds \"quotes\", a \\ and \x01 and \xff");
}

static void test_leaks_shm(void)
{
    CL_CHECK_EQ(0, hostile_leak_shm(), "leak", "");
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
