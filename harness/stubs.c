/*
 * stubs.c — a student's lab folders against the handout's stubs (cowlab/stubs.h): reset, and
 * the lab worked on last.
 */
#include "cowlab/stubs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { STUBS_MAX_FILE = 1 << 20 };

/* The whole of a regular file of at most STUBS_MAX_FILE bytes, malloc'd, in *text and *len.
 * 0; -1 with errno (ENOENT: not there; EFBIG: too big or not a regular file). */
static int stubs_slurp(const char *path, char **text, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STUBS_MAX_FILE) {
        close(fd);
        errno = EFBIG;
        return -1;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    ssize_t n = 1;
    while (buf && got < (size_t)st.st_size &&
           (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
        got += (size_t)n;
    int e = errno;
    close(fd);
    if (!buf || n < 0) {
        free(buf);
        errno = buf ? e : ENOMEM;
        return -1;
    }
    *text = buf;
    *len = got;
    return 0;
}

/* Write len bytes to path through path.tmp and a rename. 0, or -1 with errno. */
static int stubs_write(const char *path, const char *text, size_t len)
{
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    size_t put = 0;
    ssize_t n = 0;
    while (put < len && (n = write(fd, text + put, len - put)) > 0)
        put += (size_t)n;
    int bad = put < len || fsync(fd) < 0;
    int e = errno;
    if (close(fd) < 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad || rename(tmp, path) < 0) {
        e = bad ? e : errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

/* A new folder work_dir/backup/YYYYMMDD-HHMMSS[-N] into out. 0, or -1 with errno. */
static int stubs_backup_dir(const char *work_dir, char *out, size_t n)
{
    char top[1024], stamp[32];
    snprintf(top, sizeof top, "%s/backup", work_dir);
    if (mkdir(top, 0755) < 0 && errno != EEXIST)
        return -1;
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime_r(&now, &tm));
    for (int k = 1; k < 100; k++) {
        if (k == 1)
            snprintf(out, n, "%s/%s", top, stamp);
        else
            snprintf(out, n, "%s/%s-%d", top, stamp, k);
        if (mkdir(out, 0755) == 0)
            return 0;
        if (errno != EEXIST)
            return -1;
    }
    errno = EEXIST;
    return -1;
}

int cl_reset_lab(const struct cl_lab_def *lab, const char *work_dir, FILE *out)
{
    char backup[1100] = "";
    for (int i = 0; i < lab->nfiles; i++) {
        const char *name = lab->files[i];
        char stub_path[1200], mine_path[1200], kept[1300];
        snprintf(stub_path, sizeof stub_path, "%s/stubs/%s", lab->dir, name);
        snprintf(mine_path, sizeof mine_path, "%s/%s", work_dir, name);
        char *stub = NULL, *mine = NULL;
        size_t stub_len = 0, mine_len = 0;
        if (stubs_slurp(stub_path, &stub, &stub_len) < 0) {
            fprintf(stderr, "cowlab reset: no stub for %s (%s: %s): nothing more changed\n", name,
                    stub_path, strerror(errno));
            return -1;
        }
        bool have_mine = stubs_slurp(mine_path, &mine, &mine_len) == 0;
        if (!have_mine && errno != ENOENT) {
            fprintf(stderr, "cowlab reset: cannot read %s (%s): nothing more changed\n", mine_path,
                    strerror(errno));
            free(stub);
            return -1;
        }
        bool same = have_mine && mine_len == stub_len && memcmp(mine, stub, stub_len) == 0;
        int rc = 0;
        if (have_mine && !same) {
            rc = backup[0] ? 0 : stubs_backup_dir(work_dir, backup, sizeof backup);
            snprintf(kept, sizeof kept, "%s/%s", backup, name);
            if (rc == 0)
                rc = stubs_write(kept, mine, mine_len);
        }
        if (rc == 0 && !same)
            rc = stubs_write(mine_path, stub, stub_len);
        int e = errno;
        free(stub);
        free(mine);
        if (rc < 0) {
            fprintf(stderr, "cowlab reset: %s left as it was (%s): nothing more changed\n",
                    mine_path, strerror(e));
            return -1;
        }
        if (same)
            fprintf(out, "%s: already the handout's stub\n", mine_path);
        else if (have_mine)
            fprintf(out, "%s: the stub is back; yours is kept in %s\n", mine_path, kept);
        else
            fprintf(out, "%s: was missing; the stub is back\n", mine_path);
    }
    return 0;
}

/* Whether the file at path differs from the stub at stub_path (a file that cannot be read
 * differs; a missing one does not: there is nothing of the student's). */
static bool stubs_differs(const char *path, const char *stub_path)
{
    char *mine = NULL, *stub = NULL;
    size_t mine_len = 0, stub_len = 0;
    if (stubs_slurp(path, &mine, &mine_len) < 0)
        return errno != ENOENT;
    bool differs = stubs_slurp(stub_path, &stub, &stub_len) < 0 || stub_len != mine_len ||
                   memcmp(stub, mine, mine_len) != 0;
    free(mine);
    free(stub);
    return differs;
}

const struct cl_lab_def *cl_last_worked_lab(const struct cl_lab_def *labs, int nlabs,
                                            const char *base, char *file, size_t n, time_t *when)
{
    const struct cl_lab_def *last = NULL;
    struct timespec newest = {0, 0};
    for (int l = 0; l < nlabs; l++)
        for (int i = 0; i < labs[l].nfiles; i++) {
            char path[1200], stub_path[1200];
            snprintf(path, sizeof path, "%s/%s/%s", base, labs[l].slug, labs[l].files[i]);
            snprintf(stub_path, sizeof stub_path, "%s/stubs/%s", labs[l].dir, labs[l].files[i]);
            struct stat st;
            if (stat(path, &st) < 0 || !stubs_differs(path, stub_path))
                continue;
            if (last &&
                (st.st_mtim.tv_sec < newest.tv_sec ||
                 (st.st_mtim.tv_sec == newest.tv_sec && st.st_mtim.tv_nsec <= newest.tv_nsec)))
                continue;
            last = &labs[l];
            newest = st.st_mtim;
            snprintf(file, n, "%s", path);
            *when = st.st_mtim.tv_sec;
        }
    return last;
}
