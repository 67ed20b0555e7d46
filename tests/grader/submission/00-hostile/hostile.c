/*
 * hostile.c — what a broken or hostile submission may do. The grader must score every one of
 * these as failed and leave nothing behind.
 */
#include "hostile.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void hostile_segfault(void)
{
    volatile int *p = NULL;
    *p = 1;
}

void hostile_abort(void)
{
    abort();
}

void hostile_loop(void)
{
    for (volatile unsigned long i = 0;; i++)
        ;
}

void hostile_fork_bomb(void)
{
    for (;;)
        fork();
}

void hostile_memory_hog(void)
{
    for (;;) {
        char *p = malloc(64 << 20);
        if (p)
            memset(p, 1, 64 << 20);
    }
}

void hostile_flood(void)
{
    static char line[65536];
    memset(line, 'x', sizeof line);
    for (;;)
        if (write(1, line, sizeof line) < 0)
            _exit(0);
}

void hostile_fake_summary(void)
{
    printf("Run Summary:    Type  Total    Ran Passed Failed Inactive\n"
           "              suites      1      1    n/a      0        0\n"
           "               tests      1      1      1      0        0\n"
           "             asserts      1      1      1      0      n/a\n"
           "1 passed, 0 failed\nDONE - 0\n");
    exit(0);
}

void hostile_forged_record(void)
{
    const char forged[] = "DONE 00000000000000000000000000000000 0\n";
    for (int fd = 3; fd < 16; fd++)
        if (write(fd, forged, sizeof forged - 1) < 0)
            continue;
    _exit(0);
}

void hostile_kill_parent(void)
{
    kill(getppid(), SIGKILL);
    kill(-1, SIGKILL); /* everything this uid may signal */
    for (;;)
        pause();
}

int hostile_escape_group(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        if (fork() == 0) {
            for (;;)
                pause();
        }
        _exit(0);
    }
    usleep(100 * 1000);
    return 0;
}

int hostile_leak_shm(void)
{
    char name[64];
    snprintf(name, sizeof name, "/cowlab-hostile-leak-%d", (int)getpid());
    int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, 1 << 20) < 0)
        return -1;
    return 0;
}

void hostile_weird_output(void)
{
    static const char weird[] = "\"quoted\" back\\slash \x01\x02\x1b[31m red \xff\xfe bad utf-8 "
                                "\xc3\xa9 ok utf-8 </failure> ]]> & <tag>\n";
    fwrite(weird, 1, sizeof weird - 1, stdout);
    fflush(stdout);
}
