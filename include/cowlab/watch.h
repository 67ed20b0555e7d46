/*
 * cowlab/watch.h — `cowlab watch [LAB]`: re-check a lab whenever one of its student files is
 * saved, and keep its first failing test on the screen with expected, measured and hints.
 *
 * Plain terminal I/O: the screen is redrawn with two ANSI sequences (home, clear), which every
 * terminal over SSH and tmux understands; keys are read one at a time with the terminal in
 * non-canonical, no-echo mode, restored on every way out (q, exit, SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT; around SIGTSTP). Files are watched with inotify on the lab's folder (no polling);
 * a burst of events (an editor's save) is one change once debounce_ms pass without another.
 * Each check is `cowlab check LAB --quiet` run as a child (its output in
 * STATE/watch-SLUG.log): the screen reads what it recorded (cowlab/checked.h), and keys work
 * while it runs.
 */
#ifndef COWLAB_WATCH_H
#define COWLAB_WATCH_H

#include "cowlab/labs.h"

struct cl_watch {
    const struct cl_lab_def *lab;
    const char *base;     /* the folder of NN-slug/ folders (labs/) */
    const char *only;     /* check only these tests ("a,b"), or NULL for all */
    const char *labs_dir; /* --labs-dir to pass on to the checks, or NULL */
    const char *kit;      /* the kit's folder (the chapters, for the hints' sections) */
    int debounce_ms;      /* quiet time that ends a burst of saves */
};

/* Watch until q (returns 0) or a signal (returns 128 + its number). 2 after a message on
 * stderr when it cannot start (no inotify, no such folder). The terminal is as it was on
 * every return. */
int cl_watch_run(const struct cl_watch *w);

#endif
