/*
 * tests.c — the formats lab's tests, run by the observer: each asks the subject for one value
 * and checks it. The hidden test's hint is a line no other test says, so that
 * tests/report_check.py can look for it in what a student sees.
 */
#include "cowlab/lab.h"

#include <stdint.h>

/* Run command cmd in the subject and check that it answers want. */
static void formats_expect(const char *cmd, int64_t want, const char *what, const char *hint)
{
    struct cl_link *L = cl_lab_subject();
    int64_t v = -1;
    if (cl_link_call(L, &v, 1, NULL, "%s", cmd) != 0)
        cl_cannot_subject(cmd, L, cmd);
    else
        CL_CHECK_EQ(want, v, what, hint);
}

static void test_adds(void)
{
    formats_expect("add", 5, "fmt_add(2, 3)", "add the two numbers");
}

static void test_greets(void)
{
    formats_expect("greet", 42, "fmt_greet()", "the answer is in the contract");
}

static void test_secret(void)
{
    formats_expect("secret", 7, "fmt_secret()",
                   "the hidden test's own hint: a student must never read this line");
}

static void test_later(void)
{
    formats_expect("add_zero", 0, "fmt_add(-2, 2)", "negative numbers add too");
}

static void test_published(void)
{
    formats_expect("greet", 42, "fmt_greet(), once more", "the answer is in the contract");
}

#define FORMATS_NOISE(name)                                                                        \
    static void test_##name(void)                                                                  \
    {                                                                                              \
        formats_expect("noise", 2, "fmt_noise(1)", "twice its argument");                          \
    }
FORMATS_NOISE(noise_01)
FORMATS_NOISE(noise_02)
FORMATS_NOISE(noise_03)
FORMATS_NOISE(noise_04)
FORMATS_NOISE(noise_05)
FORMATS_NOISE(noise_06)
FORMATS_NOISE(noise_07)
FORMATS_NOISE(noise_08)
FORMATS_NOISE(noise_09)
FORMATS_NOISE(noise_10)
FORMATS_NOISE(noise_11)
FORMATS_NOISE(noise_12)
FORMATS_NOISE(noise_13)
FORMATS_NOISE(noise_14)
FORMATS_NOISE(noise_15)
FORMATS_NOISE(noise_16)
FORMATS_NOISE(noise_17)
FORMATS_NOISE(noise_18)
FORMATS_NOISE(noise_19)
FORMATS_NOISE(noise_20)
FORMATS_NOISE(noise_21)
FORMATS_NOISE(noise_22)
FORMATS_NOISE(noise_23)
FORMATS_NOISE(noise_24)

static const struct cl_test formats_tests[] = {
#include "cowlab/tests-table.h"
};

static int formats_experiments(struct cl_results *r)
{
    (void)r;
    return 0;
}

const struct cl_lab cl_this_lab = {
    .slug = "00-formats",
    .tests = formats_tests,
    .ntests = sizeof formats_tests / sizeof formats_tests[0],
    .run_experiments = formats_experiments,
    .summary = {{"", "", ""}, {"", "", ""}, {"", "", ""}, {"", "", ""}},
};
