/*
 * hostile.c — what a broken or hostile submission may do. The grader must score every one of
 * these as failed and leave nothing behind.
 */
#include "hostile.h"

#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
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

/* The answer the observer would like, written where the subject's answers go; the real one
 * (1) follows it. */
int hostile_forged_answer(void)
{
    const char forged[] = "R 0\n";
    if (write(3, forged, sizeof forged - 1) < 0)
        return 2;
    return 1;
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

int hostile_leak_ipc(void)
{
    char name[64];
    snprintf(name, sizeof name, "/cowlab-hostile-mq-%d", (int)getpid());
    int shm = shmget(IPC_PRIVATE, 1 << 16, IPC_CREAT | 0600);
    int sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    int msg = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    mqd_t mq = mq_open(name, O_CREAT | O_RDWR, 0600, NULL);
    return shm < 0 || sem < 0 || msg < 0 || mq == (mqd_t)-1 ? -1 : 0;
}

int hostile_leak_tmp(void)
{
    static const char *const paths[] = {"/tmp/cowlab-hostile-notes",
                                        "/var/tmp/cowlab-hostile-notes"};
    for (int i = 0; i < 2; i++) {
        int fd = open(paths[i], O_CREAT | O_WRONLY, 0600);
        if (fd < 0 || write(fd, "x", 1) != 1)
            return -1;
        close(fd);
    }
    return 0;
}

/* Print the first line of a file, if it can be read. */
static void hostile_show(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];
    if (f && fgets(line, sizeof line, f))
        printf("found %s: %s", path, line);
    if (f)
        fclose(f);
}

/* Look for a kit's solutions/01-fork-cow/predict.c a few folders down from dir. */
static void hostile_search(const char *dir, int depth)
{
    DIR *d = depth > 0 ? opendir(dir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[1024];
        if (e->d_name[0] == '.' || strcmp(e->d_name, "proc") == 0 || strcmp(e->d_name, "sys") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, e->d_name);
        if (strcmp(e->d_name, "solutions") == 0) {
            char file[1100];
            snprintf(file, sizeof file, "%s/01-fork-cow/predict.c", path);
            hostile_show(file);
        }
        if (e->d_type == DT_DIR)
            hostile_search(path, depth - 1);
    }
    if (d)
        closedir(d);
}

void hostile_read_files(void)
{
    hostile_show("/etc/passwd");
    hostile_show("/etc/shadow");
    hostile_search("/", 4);
    printf("search done\n");
    fflush(stdout);
}

void hostile_weird_output(void)
{
    static const char weird[] = "\"quoted\" back\\slash \x01\x02\x1b[31m red \xff\xfe bad utf-8 "
                                "\xc3\xa9 ok utf-8 </failure> ]]> & <tag>\n";
    fwrite(weird, 1, sizeof weird - 1, stdout);
    fflush(stdout);
}
