/*
 * isolate.c — the private view untrusted code runs in (bubblewrap). Contracts in
 * cowlab/isolate.h.
 */
#include "cowlab/isolate.h"

#include "cowlab/sandbox.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* What everything isolated sees: the system read-only, a fresh /dev, empty /tmp and /var/tmp.
 * The -try binds are for systems where /lib, /bin ... are folders of their own rather than
 * links into /usr. */
static const char *const isolate_view[] = {"--unshare-user",
                                           "--unshare-net",
                                           "--unshare-uts",
                                           "--unshare-cgroup-try",
                                           "--die-with-parent",
                                           "--ro-bind",
                                           "/usr",
                                           "/usr",
                                           "--ro-bind-try",
                                           "/lib",
                                           "/lib",
                                           "--ro-bind-try",
                                           "/lib64",
                                           "/lib64",
                                           "--ro-bind-try",
                                           "/lib32",
                                           "/lib32",
                                           "--ro-bind-try",
                                           "/bin",
                                           "/bin",
                                           "--ro-bind-try",
                                           "/sbin",
                                           "/sbin",
                                           "--dev",
                                           "/dev",
                                           "--tmpfs",
                                           "/tmp",
                                           "--tmpfs",
                                           "/var/tmp"};

int cl_isolate_argv(const char *bwrap, char **argv, int at, int max,
                    const struct cl_isolate_bind *binds, int nbinds, const char *chdir_to)
{
    int need = 1 + (int)(sizeof isolate_view / sizeof isolate_view[0]) + 3 * nbinds + 3;
    if (at + need >= max)
        return -1;
    argv[at++] = (char *)bwrap;
    for (size_t i = 0; i < sizeof isolate_view / sizeof isolate_view[0]; i++)
        argv[at++] = (char *)isolate_view[i];
    for (int i = 0; i < nbinds; i++) {
        argv[at++] = binds[i].writable ? "--bind" : "--ro-bind";
        argv[at++] = (char *)binds[i].from;
        argv[at++] = (char *)binds[i].to;
    }
    argv[at++] = "--chdir";
    argv[at++] = (char *)(chdir_to ? chdir_to : "/tmp");
    argv[at++] = "--";
    return at;
}

int cl_isolate_program(const char *name, char *out, size_t n)
{
    char path[PATH_MAX], real[PATH_MAX];
    static const char *const dirs[] = {"/usr/local/bin", "/usr/bin", "/bin"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (name[0] == '/')
            snprintf(path, sizeof path, "%s", name);
        else
            snprintf(path, sizeof path, "%s/%s", dirs[i], name);
        if (access(path, X_OK) == 0 && realpath(path, real)) {
            if (strncmp(real, "/usr/", 5) != 0 || strlen(real) >= n)
                return -1;
            snprintf(out, n, "%s", real);
            return 0;
        }
    }
    return -1;
}

const char *cl_isolation(char *why, size_t n)
{
    static int known; /* 0: not yet; 1: works; -1: does not */
    static char bwrap[PATH_MAX], reason[200];
    if (!known) {
        const char *off = getenv(CL_ISOLATION_ENV);
        known = -1;
        if (off && strcmp(off, "off") == 0)
            snprintf(reason, sizeof reason, "%s=off", CL_ISOLATION_ENV);
        else if (cl_isolate_program("bwrap", bwrap, sizeof bwrap) < 0)
            snprintf(reason, sizeof reason, "bwrap is not installed (Debian: bubblewrap)");
        else {
            char *argv[64];
            int at = cl_isolate_argv(bwrap, argv, 0, 60, NULL, 0, "/");
            argv[at++] = "true";
            argv[at] = NULL;
            struct cl_sandbox_opts o = cl_sandbox_defaults();
            o.timeout_ms = 10000;
            o.as_bytes = 0;
            struct cl_sandbox_result r;
            int rc = cl_sandbox_run(argv, &o, &r);
            if (rc == 0 && !r.timed_out && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0)
                known = 1;
            else
                snprintf(reason, sizeof reason, "bwrap cannot make its namespaces here: %.120s",
                         r.output_len ? strtok(r.output, "\n") : "no message");
            cl_sandbox_result_free(&r);
        }
    }
    if (known < 0 && why)
        snprintf(why, n, "%s", reason);
    return known > 0 ? bwrap : NULL;
}

const char *cl_isolation_summary(char *buf, size_t n)
{
    char why[200];
    if (cl_isolation(why, sizeof why))
        snprintf(buf, n,
                 "isolation: bwrap (submissions compiled and ran seeing only the system's "
                 "programs and their own files)");
    else
        snprintf(buf, n,
                 "isolation: none (%s): files anyone may read on this machine were "
                 "within a submission's reach",
                 why);
    return buf;
}
