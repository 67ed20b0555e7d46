/*
 * cowlab/isolate.h — run untrusted code where it sees only the system's programs and libraries
 * and the folders it is given.
 *
 * The view is a private mount namespace made by bubblewrap (Debian's `bubblewrap`, the
 * sandbox Flatpak uses): /usr (and /lib, /bin, ... where they are their own folders) read-only,
 * a minimal /dev, an empty /tmp and /var/tmp, no /proc, no /etc, no network, and the binds the
 * caller names. Nothing of the kit, of the solutions or of other submissions is there, however
 * readable those files are outside. bwrap runs without privileges of its own (it makes a user
 * namespace as the uid it is started under), so the uid that started it is the uid outside.
 *
 * Not unshared, on purpose: the process ids (the observer checks and measures the subject's
 * processes by the pids they report, and no /proc is mounted inside, so the others are not
 * visible), the System V and POSIX IPC objects and /dev/shm (the grader sweeps them by uid
 * afterwards, and names what a test left), and the process group (the grader stops a whole
 * group).
 */
#ifndef COWLAB_ISOLATE_H
#define COWLAB_ISOLATE_H

#include <stdbool.h>
#include <stddef.h>

#define CL_ISOLATION_ENV "COWLAB_ISOLATION" /* "off": never isolate (to try the fallback) */
#define CL_BWRAP_ENV     "COWLAB_BWRAP"     /* set by the grader: run the subject in bwrap */

struct cl_isolate_bind {
    const char *from; /* a path outside */
    const char *to;   /* where it appears inside */
    bool writable;
};

/* The path of bwrap when isolation works on this machine, else NULL with the reason in why.
 * Established once per process by running `true` in it the way the grader runs student code
 * (under a fresh uid when root); $COWLAB_ISOLATION=off makes it NULL. */
const char *cl_isolation(char *why, size_t n);

/* One line for reports: "isolation: bwrap (...)" or "isolation: none (why) ...". */
const char *cl_isolation_summary(char *buf, size_t n);

/* Put bwrap and its options into argv[at...]: the view above, then binds[0..nbinds-1], then
 * the folder to start in (inside). The command follows at the returned index; -1 when max
 * is too small. Nothing is allocated: argv points at bwrap, the binds' strings and constants. */
int cl_isolate_argv(const char *bwrap, char **argv, int at, int max,
                    const struct cl_isolate_bind *binds, int nbinds, const char *chdir_to);

/* The compiler's real file (PATH searched, symbolic links resolved) into out, if it lies in the
 * isolated view (under /usr): 0, else -1. The view has no /etc, where cc's alternatives live. */
int cl_isolate_program(const char *name, char *out, size_t n);

#endif
