/*
 * subject.c — the hostile lab's subject: one command per misbehaviour of hostile.c (the
 * "student" file), each announced as the student function it calls. R 0, or what it returned.
 */
#include "cowlab/subject.h"
#include "hostile.h"

#include <errno.h>

/* Define one command NAME that calls hostile_FN(). */
#define HOSTILE_VOID(name, fn)                                                                     \
    static int hostile_cmd_##name(const uint64_t *a, int64_t *v, int *n, const char **why)         \
    {                                                                                              \
        (void)a, (void)why;                                                                        \
        cl_subject_calls(#fn);                                                                     \
        fn();                                                                                      \
        v[0] = 0;                                                                                  \
        *n = 1;                                                                                    \
        return 0;                                                                                  \
    }
#define HOSTILE_INT(name, fn)                                                                      \
    static int hostile_cmd_##name(const uint64_t *a, int64_t *v, int *n, const char **why)         \
    {                                                                                              \
        (void)a, (void)why;                                                                        \
        cl_subject_calls(#fn);                                                                     \
        v[0] = fn();                                                                               \
        *n = 1;                                                                                    \
        return 0;                                                                                  \
    }

HOSTILE_VOID(segfault, hostile_segfault)
HOSTILE_VOID(aborts, hostile_abort)
HOSTILE_VOID(loops_forever, hostile_loop)
HOSTILE_VOID(fork_bomb, hostile_fork_bomb)
HOSTILE_VOID(memory_hog, hostile_memory_hog)
HOSTILE_VOID(output_flood, hostile_flood)
HOSTILE_VOID(fake_summary, hostile_fake_summary)
HOSTILE_VOID(forged_record, hostile_forged_record)
HOSTILE_INT(forged_answer, hostile_forged_answer)
HOSTILE_VOID(kills_parent, hostile_kill_parent)
HOSTILE_INT(escapes_group, hostile_escape_group)
HOSTILE_INT(leaks_shm, hostile_leak_shm)
HOSTILE_INT(leaks_ipc, hostile_leak_ipc)
HOSTILE_INT(leaks_tmp, hostile_leak_tmp)
HOSTILE_VOID(reads_files, hostile_read_files)
HOSTILE_VOID(weird_output, hostile_weird_output)

static int hostile_no_worker(void *arg, int worker, int phase, int64_t *report)
{
    (void)arg, (void)worker, (void)phase, (void)report;
    return 1;
}

static int hostile_no_spawn(int k, cl_child_fn child, void *arg, pid_t *pids)
{
    (void)k, (void)child, (void)arg, (void)pids;
    errno = ENOSYS;
    return -1;
}

#define HOSTILE_OP(name)                                                                           \
    {                                                                                              \
#name, 0, hostile_cmd_##name                                                               \
    }
static const struct cl_subject_op hostile_ops[] = {
    HOSTILE_OP(segfault),     HOSTILE_OP(aborts),        HOSTILE_OP(loops_forever),
    HOSTILE_OP(fork_bomb),    HOSTILE_OP(memory_hog),    HOSTILE_OP(output_flood),
    HOSTILE_OP(fake_summary), HOSTILE_OP(forged_record), HOSTILE_OP(forged_answer),
    HOSTILE_OP(kills_parent), HOSTILE_OP(escapes_group), HOSTILE_OP(leaks_shm),
    HOSTILE_OP(leaks_ipc),    HOSTILE_OP(leaks_tmp),     HOSTILE_OP(reads_files),
    HOSTILE_OP(weird_output),
};

const struct cl_subject_lab cl_subject_lab = {
    .slug = "00-hostile",
    .ops = hostile_ops,
    .nops = sizeof hostile_ops / sizeof hostile_ops[0],
    .spawn = hostile_no_spawn,
    .spawn_name = "fork",
    .worker = hostile_no_worker,
};
