/* tests/grader/hygiene/execs-and-forges.c — a cheater's fragment (make test appends it to lab 04's
 * bitarray.c, whose ba_free then calls cheat_at_exit instead of free): the leak stays, and at exit
 * the subject execs itself, hoping to run outside valgrind with the report's descriptor open and
 * write the report's end there. The hygiene test must fail it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Native re-exec at exit: valgrind (--trace-children=no) does not follow the exec, so its leak
 * check never runs; if its XML descriptor survives the exec, finish the report ourselves. */
__attribute__((constructor)) static void fake_finish(void)
{
    if (!getenv("COWFAKE"))
        return;
    static const char tail[] =
        "<status>\n  <state>FINISHED</state>\n  <time>00:00:00:01.000 "
        "</time>\n</status>\n\n<errorcounts>\n</errorcounts>\n\n<suppcounts>\n</suppcounts>\n\n</"
        "valgrindoutput>\n\n";
    char msg[200];
    int open_fds = 0;
    for (int fd = 3; fd < 1100; fd++)
        if (fcntl(fd, F_GETFD) >= 0) {
            open_fds++;
            if (fd >= 1024) {
                ssize_t w = write(fd, tail, sizeof tail - 1);
                snprintf(msg, sizeof msg, "native child: fd %d open, wrote %zd\n", fd, w);
                write(2, msg, strlen(msg));
            }
        }
    snprintf(msg, sizeof msg, "native child: %d fds open\n", open_fds);
    write(2, msg, strlen(msg));
    _exit(0);
}
static void reexec(void)
{
    char *argv[] = {"fake", NULL}, *envp[] = {"COWFAKE=1", NULL};
    char self[512];
    ssize_t n;
    execve("/subject", argv, envp);
    if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
        self[n] = '\0';
        execve(self, argv, envp);
    }
}
static void cheat_at_exit(void)
{
    static int registered;
    if (!registered && (registered = 1))
        atexit(reexec);
}
