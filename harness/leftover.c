/*
 * leftover.c — find, remove and name what a sandboxed uid left behind. Contracts in
 * cowlab/leftover.h.
 */
#include "cowlab/leftover.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void cl_leftovers_add(struct cl_leftovers *l, const char *fmt, ...)
{
    size_t at = strlen(l->what);
    l->n++;
    if (at >= sizeof l->what - 80) { /* room for one more, then "..." once */
        if (!strstr(l->what, ", ..."))
            snprintf(l->what + at, sizeof l->what - at, ", ...");
        return;
    }
    if (at)
        at += (size_t)snprintf(l->what + at, sizeof l->what - at, ", ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->what + at, sizeof l->what - at, fmt, ap);
    va_end(ap);
}

/* Remove a path and everything below it (no symbolic link is followed). */
static void leftover_remove(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            leftover_remove(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

void cl_leftovers_folder(const char *dir, const char *shown_as, struct cl_leftovers *l)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        cl_leftovers_add(l, "%s/%.60s", shown_as, e->d_name);
        leftover_remove(path);
    }
    if (d)
        closedir(d);
}

/* The entries of /tmp or /var/tmp that uid owns. */
static void leftover_tmp(const char *dir, uid_t uid, struct cl_leftovers *l)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        if (lstat(path, &st) == 0 && st.st_uid == uid) {
            cl_leftovers_add(l, "%s/%.60s", dir, e->d_name);
            leftover_remove(path);
        }
    }
    if (d)
        closedir(d);
}

/* System V objects of one kind owned by uid, from /proc/sysvipc/KIND: removed and named. */
static void leftover_sysv(const char *kind, uid_t uid, struct cl_leftovers *l)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/sysvipc/%s", kind);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    int col_id = 1, col_uid = -1, col_cuid = -1, col = 0;
    if (fgets(line, sizeof line, f)) /* the header names the columns */
        for (char *save, *w = strtok_r(line, " \n", &save); w;
             w = strtok_r(NULL, " \n", &save), col++) {
            if (strcmp(w, "uid") == 0)
                col_uid = col;
            if (strcmp(w, "cuid") == 0)
                col_cuid = col;
        }
    while (col_uid > 0 && fgets(line, sizeof line, f)) {
        long v[16] = {0};
        col = 0;
        for (char *save, *w = strtok_r(line, " \n", &save); w && col < 16;
             w = strtok_r(NULL, " \n", &save))
            v[col++] = strtol(w, NULL, 10);
        /* Its owner or its creator: an owner can give an object away, not its creation. */
        if (col <= col_uid || col <= col_cuid ||
            ((uid_t)v[col_uid] != uid && (col_cuid < 0 || (uid_t)v[col_cuid] != uid)))
            continue;
        int id = (int)v[col_id], rc = -1;
        if (strcmp(kind, "shm") == 0)
            rc = shmctl(id, IPC_RMID, NULL);
        else if (strcmp(kind, "sem") == 0)
            rc = semctl(id, 0, IPC_RMID);
        else
            rc = msgctl(id, IPC_RMID, NULL);
        cl_leftovers_add(l, "SysV %s %d%s", kind, id, rc == 0 ? "" : " (could not remove)");
    }
    fclose(f);
}

/* In the queue file system's root, open as dfd: remove uid's queues, each named on out (a
 * helper's pipe) or in l. */
static void leftover_mq_remove(int dfd, uid_t uid, FILE *out, struct cl_leftovers *l)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        if (e->d_name[0] == '.' || fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            st.st_uid != uid || unlinkat(dfd, e->d_name, 0) < 0)
            continue;
        if (out)
            fprintf(out, "%s\n", e->d_name);
        else
            cl_leftovers_add(l, "POSIX message queue /%.60s", e->d_name);
    }
    closedir(d);
}

#ifndef FSOPEN_CLOEXEC /* the new mount API's, where the C library predates them (2.36) */
#define FSOPEN_CLOEXEC      0x00000001
#define FSCONFIG_CMD_CREATE 6
#define FSMOUNT_CLOEXEC     0x00000001
#endif

/* The queue file system mounted where no path leads: a mount of its own (fsopen, fsmount:
 * Linux 5.2) that is attached nowhere, kept open for the process's life, in our IPC namespace
 * (the subjects'). Its descriptor, or -1 where the kernel or a seccomp filter refuses. */
static int leftover_mq_mount(void)
{
    static int mnt = -2;
#if defined(SYS_fsopen) && defined(SYS_fsconfig) && defined(SYS_fsmount)
    if (mnt == -2) {
        mnt = -1;
        int fs = (int)syscall(SYS_fsopen, "mqueue", FSOPEN_CLOEXEC);
        if (fs >= 0 && syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
            mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
        if (fs >= 0)
            close(fs);
    }
#else
    mnt = -1;
#endif
    return mnt;
}

/* POSIX message queues of uid. They live in the kernel, not in any folder: as root their file
 * system is read through a detached mount of it (leftover_mq_mount), or where that is refused a
 * helper mounts it where only it can see it (a private mount namespace), removes uid's and
 * writes their names to a pipe (a fork, a namespace and a mount each time: 0.8 ms). */
static void leftover_mqueues(uid_t uid, struct cl_leftovers *l)
{
    int mnt = leftover_mq_mount();
    int dfd = mnt >= 0 ? openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dfd >= 0) {
        leftover_mq_remove(dfd, uid, NULL, l);
        return;
    }
    char dir[] = "/tmp/cowlab-mq-XXXXXX";
    int p[2];
    if (!mkdtemp(dir))
        return;
    if (pipe(p) < 0) {
        rmdir(dir);
        return;
    }
    pid_t h = fork();
    if (h == 0) {
        close(p[0]);
        if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("mqueue", dir, "mqueue", 0, NULL) < 0)
            _exit(1);
        FILE *out = fdopen(p[1], "w");
        int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (out && root >= 0)
            leftover_mq_remove(root, uid, out, NULL);
        if (out)
            fflush(out);
        _exit(0); /* the namespace, and the mount with it, end here */
    }
    close(p[1]);
    FILE *in = fdopen(p[0], "r");
    char name[300];
    while (in && fgets(name, sizeof name, in)) {
        name[strcspn(name, "\n")] = '\0';
        cl_leftovers_add(l, "POSIX message queue /%.60s", name);
    }
    if (in)
        fclose(in);
    else
        close(p[0]);
    if (h > 0)
        waitpid(h, NULL, 0);
    rmdir(dir);
}

void cl_leftovers_sweep(uid_t uid, struct cl_leftovers *l)
{
    if (geteuid() != 0)
        return;
    leftover_sysv("shm", uid, l);
    leftover_sysv("sem", uid, l);
    leftover_sysv("msg", uid, l);
    leftover_mqueues(uid, l);
    leftover_tmp("/tmp", uid, l);
    leftover_tmp("/var/tmp", uid, l);
}
