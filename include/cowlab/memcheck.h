/*
 * cowlab/memcheck.h — valgrind's memcheck as a judge of the student's memory hygiene.
 *
 * The hygiene test (cowlab/lab.h: cl_hygiene_test) runs the subject under memcheck, one
 * valgrind per subject, with its XML report on a pipe only the observer reads: the pipe sits
 * at a descriptor above the limit valgrind gives its client, so the student's code cannot
 * write to it (valgrind refuses it EBADF) and cannot print a verdict. This module builds
 * valgrind's command line, reads its XML, and says the first error in the student's words.
 */
#ifndef COWLAB_MEMCHECK_H
#define COWLAB_MEMCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CL_VALGRIND_PATH "/usr/bin/valgrind"
#define CL_VALGRIND_ENV  "COWLAB_VALGRIND" /* another valgrind (the matrix's guests) */
/* make memcheck LAB=NN (a student's own run, never a grader's): every error valgrind reported,
 * with its stacks and the origins of unset values, is also written to this file. */
#define CL_MEMCHECK_REPORT_ENV "COWLAB_MEMCHECK_REPORT"

enum {
    CL_MEMCHECK_FRAMES = 12,       /* frames kept of each stack */
    CL_MEMCHECK_SLOW = 20,         /* deadlines times this under valgrind */
    CL_MEMCHECK_XML_CAP = 4 << 20, /* XML bytes kept of one subject (the rest: counted) */
    CL_MEMCHECK_QUIT_MS = 20000,   /* a subject under valgrind may take this to quit: the leak
                                      check runs at its exit */
    CL_MEMCHECK_CLIENT_FDS = 1024, /* the client's descriptor limit under valgrind ... */
    CL_MEMCHECK_XML_FD = 1024 + 4, /* ... and the XML pipe's descriptor, above it (valgrind
                                      keeps 1024..1033 for itself) */
};

/* The valgrind to run: $COWLAB_VALGRIND, else CL_VALGRIND_PATH, or rather the program beside it
 * named CL_VALGRIND_PATH.bin where there is one: Debian's /usr/bin/valgrind is a shell script
 * that only sets the environment (LD_LIBRARY_PATH=/usr/lib/debug, for debug libraries Debian no
 * longer ships there; GLIBCXX_FORCE_NEW, for C++) and runs valgrind.bin, 18 ms of every start. */
const char *cl_memcheck_valgrind(void);

/* Whether memcheck can run here: 1; or 0 with why (valgrind or its memcheck tool is missing). */
int cl_memcheck_available(char *why, size_t n);

/* The lean symbol tables (scripts/lean-debuginfo.sh, made by make all): the folder, under the
 * kit's build folder, to show valgrind as /usr/lib/debug in the grader's sandbox when it holds a
 * lean copy of the detached symbols of every loader and libc this process runs with that has
 * detached symbols, made from the valgrind installed now (its preloads and suppressions, same
 * size and mtime); else NULL (valgrind then reads the full ones: correct, 0.3 s slower). */
#define CL_MEMCHECK_SYMBOLS_DIR "valgrind-symbols"
const char *cl_memcheck_lean_symbols(void);

/* Whether the valgrind files the lean names in dir were chosen from (dir/.valgrind: "SIZE MTIME
 * PATH" lines, written by scripts/lean-debuginfo.sh) still have that size and mtime: a valgrind
 * upgraded since may replace more of libc's functions by name than the lean file still has.
 * false without dir/.valgrind. */
bool cl_memcheck_symbols_current(const char *dir);

/* Put valgrind's words before the program's in argv[at..max): memcheck, XML on xml_fd, full
 * leak check counting definite and indirect leaks, forked children silent (one XML stream per
 * pipe), exec'd programs traced (never run outside valgrind: see cl_memcheck_parse); with report
 * (non-NULL: make memcheck LAB=NN) also the origins of unset values (twice as slow: not graded).
 * Returns the new at, or -1 if there is no room. */
int cl_memcheck_argv(char **argv, int at, int max, int xml_fd, const char *report);

struct cl_memcheck_frame {
    char fn[96];   /* function, or "" */
    char file[96]; /* source file's name (no folder), or "" */
    int line;      /* 0: unknown */
};

struct cl_memcheck_stack {
    struct cl_memcheck_frame frame[CL_MEMCHECK_FRAMES];
    int n;
};

struct cl_memcheck_error {
    char kind[40];  /* valgrind's <kind>: InvalidRead, UninitCondition, Leak_DefinitelyLost ... */
    char what[240]; /* its <what> (or a leak's <xwhat><text>) */
    struct cl_memcheck_stack stack;
    char auxwhat[240]; /* the first <auxwhat> ("Address ... is 0 bytes after a block ..."), or "" */
    struct cl_memcheck_stack aux; /* the stack that follows it (where the block was allocated) */
};

struct cl_memcheck_report {
    bool preamble; /* the document began as valgrind's does */
    int documents; /* <valgrindoutput> openings: more than one when the subject exec'd */
    bool finished; /* one document, ended: the final <status> FINISHED and </valgrindoutput> */
    int errors;    /* <error> elements (leaks counted: the options above make them errors) */
    struct cl_memcheck_error first; /* the first of them, when errors > 0 */
};

/* Read one XML report (len bytes, not NUL-terminated) into r. Never fails: a document cut
 * short is a report with finished false. */
void cl_memcheck_parse(const char *xml, size_t len, struct cl_memcheck_report *r);

/* One sentence on what an error of this kind means and what usually causes it. */
const char *cl_memcheck_explain(const char *kind);

/* The frame to point at: the innermost of stack in one of the space-separated files (the
 * student's), else the innermost with a file, else the innermost; NULL if the stack is empty. */
const struct cl_memcheck_frame *cl_memcheck_blame(const struct cl_memcheck_stack *s,
                                                  const char *files);

/* "InvalidRead: Invalid read of size 4, in rc_list_contains (refcount.c:88); Address ... is
 * 0 bytes after a block of size 40 alloc'd, in rc_list_new (refcount.c:40)" plus the sentence of
 * cl_memcheck_explain: the error as the student reads it, file names without folders. */
void cl_memcheck_describe(const struct cl_memcheck_error *e, const char *files, char *out,
                          size_t n);

/* Every error of one XML report (len bytes) written to out as people read valgrind's text:
 * "N. Kind: what", its stack ("at fn (file:line)", "by ..."), its auxwhat and stack, and the
 * sentence of cl_memcheck_explain. Returns how many errors. */
int cl_memcheck_render(const char *xml, size_t len, FILE *out);

#endif
