/*
 * cowlab/subject.h — the subject: the one program that holds student code.
 *
 * A subject runs student functions when its observer (the trusted lab binary, which runs the
 * graded tests) asks, and answers with what they returned. It links no model, no measurement,
 * no grading and no reference answer: harness/subject.c (this protocol), harness/team.c (the
 * barrier), the lab's subject.c (its commands) and the student's files. Whatever it answers,
 * the observer decides: it measures the subject's processes through /proc itself, computes
 * every expected value with the model, and checks each answer.
 *
 * The protocol is text, one line each way:
 *   observer -> subject, on fd 0:   WORD [ARG ...]        ARGs are integers (0x.. for addresses)
 *   subject -> observer, on fd 3:
 *     H <pid>                    the subject is up (sent once, first)
 *     C <who> <function>         a student function starts: who is "p" (the subject's own
 *                                process) or "wN" (team worker N); the observer blames the last
 *                                one if the process dies or stops answering, except that a
 *                                fault or abort of the subject's own process before its answer
 *                                blames its own last function (link.c, link_blamed)
 *     R [VALUE ...]              the command's answer: decimal integers
 *     E <errno> <worker> <text>  the command could not be carried out (worker -1: not a
 *                                worker's fault); text to the end of the line
 * stdout and stderr (what student code prints) are a separate pipe, never parsed.
 *
 * Commands every subject knows (harness/subject.c):
 *   team K NPHASES A0 A1 A2 A3   fork K workers through the lab's spawn; each runs the lab's
 *                                worker for phases 0..NPHASES-1, stopping at a barrier after
 *                                each; A0..A3 are the lab's worker arguments. R pid0 ... pidK-1
 *   xteam K NPHASES A0 A1 A2 A3  the same with exec'd workers: each is forked by the team and execs
 *                                the subject itself (argv[0], the path it was started with) as a
 *                                worker (cowlab/team.h, cl_team_start_exec), an address space
 *                                that shares nothing with the subject but is still its child.
 *                                The lab's worker runs in it as in a forked one; its C lines say
 *                                wN as well. R pid0 ... pidK-1
 *   await MS                     until every live worker waits at the barrier. R
 *   report I                     worker I's report slots. R v0 ... v7
 *   release                      let the workers run their next phase. R
 *   kill I                       SIGKILL worker I and reap it. R
 *   finish MS                    release the last barrier, reap every worker. R
 *   quit                         exit 0 (end of input does the same)
 */
#ifndef COWLAB_SUBJECT_H
#define COWLAB_SUBJECT_H

#include "cowlab/team.h"

#include <stdint.h>

enum {
    CL_SUBJECT_REPLY_FD = 3, /* where the subject answers */
    CL_SUBJECT_MAX_ARGS = 8,
    CL_SUBJECT_MAX_VALUES = 16,
    CL_SUBJECT_WORKER_ARGS = 4,
    /* The status a subject built with the sanitizers (make check SANITIZE=1) exits with after
     * ASan or UBSan reported an error: a status no test's code uses, so the observer (built
     * with them too) can say "a sanitizer found an error" rather than "the subject exited". */
    CL_SANITIZER_STATUS = 23,
};

/* One command of a lab. fn reads nargs integers and stores up to CL_SUBJECT_MAX_VALUES answers
 * in out, setting *nout. Returns 0 (then "R ..." is sent), or -1 with errno set and, in
 * *why, a static text (then "E ..."). */
struct cl_subject_op {
    const char *name;
    int nargs;
    int (*fn)(const uint64_t *args, int64_t *out, int *nout, const char **why);
};

/* What a lab's subject.c defines. */
struct cl_subject_lab {
    const char *slug;
    const struct cl_subject_op *ops;
    int nops;
    cl_spawn_fn
        spawn; /* how team workers are forked: the student's (lab 01), or NULL: by the team */
    const char *spawn_name; /* its name, as "C" lines report it */
    cl_phase_fn worker;     /* what a team worker runs each phase; arg is the A0..A3 of `team` */
};

extern const struct cl_subject_lab cl_subject_lab;

/* Tell the observer that the student function fn starts now in this process (see "C"). */
void cl_subject_calls(const char *fn);

#endif
