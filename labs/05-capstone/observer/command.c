/*
 * command.c — `lab predict STRATEGY ARRAYS BYTES K [PAGE]`: the kit's model for one shape, for
 * the calibration against real CPython (observer/cpython.py) and for people. Prints one line of
 * name=value fields: the layout's pages and the predicted total Pss and worker Private_Dirty.
 */
#include "experiments.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cap_command_number(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

int cap_command(int argc, char **argv)
{
    uint64_t arrays, bytes, k, page = (uint64_t)sysconf(_SC_PAGESIZE);
    int s = 0;
    while (s < CAP_NSTRATEGIES && argc > 0 && strcmp(argv[0], cap_strategy_name(s)) != 0)
        s++;
    if (argc < 4 || argc > 5 || s == CAP_NSTRATEGIES || cap_command_number(argv[1], &arrays) ||
        cap_command_number(argv[2], &bytes) || cap_command_number(argv[3], &k) || k < 1 || k > 64 ||
        (argc == 5 && cap_command_number(argv[4], &page))) {
        fprintf(stderr, "usage: lab predict fork|fork_freeze|immortal|pickle|shared ARRAYS BYTES "
                        "K [PAGE]\n");
        return 2;
    }
    struct cap_params p = {(size_t)arrays, (size_t)bytes};
    struct cap_layout l;
    struct cap_prediction pr;
    if (cap_layout_of(&p, (size_t)page, &l) < 0 ||
        cap_model(&l, (enum cap_strategy)s, (unsigned)k, &pr) < 0) {
        fprintf(stderr, "lab predict: %s\n", strerror(errno));
        return 1;
    }
    printf("strategy=%s arrays=%zu bytes=%zu workers=%" PRIu64 " page=%zu data_kb=%" PRIu64
           " heap_pages=%zu refcount_pages=%zu system_pages=%zu segment_pages=%zu"
           " total_pss_kb=%" PRIu64 " worker_private_dirty_kb=%" PRIu64 "\n",
           cap_strategy_name((enum cap_strategy)s), p.arrays, p.array_bytes, k, l.page_size,
           l.data_bytes / 1024, l.heap_pages, l.refcount_pages, l.system_pages, l.segment_pages,
           pr.total_pss_kb, pr.worker_private_dirty_kb);
    return 0;
}
