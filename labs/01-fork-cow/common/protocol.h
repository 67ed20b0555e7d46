/*
 * protocol.h — what lab 01's observer and subject agree on: the team workers' jobs, the
 * spawn test's limits and the calls map_failing makes fail (the commands themselves are listed in
 * subject.c).
 */
#ifndef LAB01_PROTOCOL_H
#define LAB01_PROTOCOL_H

enum fc_work { FC_WORK_IDLE = 0, FC_WORK_READ = 1, FC_WORK_WRITE = 2, FC_WORK_MAP = 3 };

/* The call that fails inside cow_map in the map_failing command. */
enum fc_fail { FC_FAIL_MMAP = 1, FC_FAIL_MADVISE = 2 };

enum {
    FC_PROBE_MAX = 8,      /* children of one spawn test */
    FC_PROBE_ESCAPED = 99, /* exit status of a child that came back out of cow_spawn */
};

#endif
