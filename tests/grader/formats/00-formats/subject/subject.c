/*
 * subject.c — the formats lab's subject: one command per student function, each announced
 * before it runs, answering what the function returned.
 */
#include "cowlab/subject.h"
#include "formats.h"

#include <errno.h>

/* Define command NAME answering the value of CALL, made by the student function FN. */
#define FORMATS_CMD(name, fn, call)                                                                \
    static int formats_cmd_##name(const uint64_t *a, int64_t *v, int *n, const char **why)         \
    {                                                                                              \
        (void)a, (void)why;                                                                        \
        cl_subject_calls(#fn);                                                                     \
        v[0] = call;                                                                               \
        *n = 1;                                                                                    \
        return 0;                                                                                  \
    }
FORMATS_CMD(add, fmt_add, fmt_add(2, 3))
FORMATS_CMD(add_zero, fmt_add, fmt_add(-2, 2))
FORMATS_CMD(greet, fmt_greet, fmt_greet())
FORMATS_CMD(secret, fmt_secret, fmt_secret())
FORMATS_CMD(noise, fmt_noise, fmt_noise(1))

static int formats_no_worker(void *arg, int worker, int phase, int64_t *report)
{
    (void)arg, (void)worker, (void)phase, (void)report;
    return 1;
}

static int formats_no_spawn(int k, cl_child_fn child, void *arg, pid_t *pids)
{
    (void)k, (void)child, (void)arg, (void)pids;
    errno = ENOSYS;
    return -1;
}

static const struct cl_subject_op formats_ops[] = {
    {"add", 0, formats_cmd_add},     {"add_zero", 0, formats_cmd_add_zero},
    {"greet", 0, formats_cmd_greet}, {"secret", 0, formats_cmd_secret},
    {"noise", 0, formats_cmd_noise},
};

const struct cl_subject_lab cl_subject_lab = {
    .slug = "00-formats",
    .ops = formats_ops,
    .nops = sizeof formats_ops / sizeof formats_ops[0],
    .spawn = formats_no_spawn,
    .spawn_name = "fork",
    .worker = formats_no_worker,
};
