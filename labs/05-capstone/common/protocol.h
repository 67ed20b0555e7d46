/*
 * protocol.h — what lab 05's observer and subject agree on: the segment's name, the team
 * workers' jobs and their report slots (the commands are listed in subject/subject.c).
 */
#ifndef LAB05_PROTOCOL_H
#define LAB05_PROTOCOL_H

#include <stdio.h>
#include <sys/types.h>

/* The shared strategy's segment: /cowlab05-OWNER-TAG, OWNER the subject's pid (the harness
 * removes what a dead subject left under that pattern). */
static inline void cap_segment_name(char *buf, size_t n, pid_t owner, unsigned long tag)
{
    snprintf(buf, n, "/cowlab05-%ld-%lu", (long)owner, tag);
}

/* How the parent prepares its lists before the workers start (`scene ... HOW`). */
enum cap_how { CAP_HOW_PLAIN = 0, CAP_HOW_FREEZE = 1, CAP_HOW_IMMORTAL = 2 };

/* Team workers' jobs (A0). Phase 0 does the job and reports; the owner measures at the
 * barrier; phase 1 (CAP_WORK_SHARED) detaches. */
enum cap_work {
    CAP_WORK_READ = 1,   /* forked: read the inherited lists, A1 values of each array */
    CAP_WORK_PICKLE = 2, /* exec'd: rebuild lists of A1 arrays of A2 bytes, read A3 values each */
    CAP_WORK_SHARED = 3, /* forked: cap_attach the segment of tag A1 (A2 arrays of A3 bytes),
                            cap_sum it; phase 1: cap_detach */
};

/* Report slots of a worker. */
enum {
    CAP_REP_SUM = 0,    /* what it read or summed */
    CAP_REP_BASE = 1,   /* its heap (or the segment as it mapped it) */
    CAP_REP_SYSTEM = 2, /* its system region (CAP_WORK_PICKLE; else the parent's) */
    CAP_REP_ERRNO = 3,  /* errno of a failed cap_attach or build, else 0 */
    CAP_REP_DETACH = 4, /* phase 1: cap_detach's result */
};

#endif
