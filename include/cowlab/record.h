/*
 * cowlab/record.h — the records a test process sends the grader on its dedicated pipe.
 *
 * The grader never parses what test code prints. A test process writes, on the fd named by
 * COWLAB_RECORD_FD, one line per failed check and one closing line:
 *     F <file>:<line>\t<message>\n        message with \\, \t, \n escaped
 *     X <kind>\t<message>\n               the subject crashed ('c'), timed out ('t'), ended
 *                                          early ('e'), did not start ('s') or broke the
 *                                          protocol ('p'): an error, not a failed check
 *     N\t<message>\n                     a note for the student (how to see more): no verdict
 *     DONE <nonce> <failures>\n           nonce from COWLAB_NONCE
 * A test passes only if its process exits 0 AND the DONE line came with the right nonce and
 * zero failures: a test that exits early, crashes, or prints a fake summary fails.
 */
#ifndef COWLAB_RECORD_H
#define COWLAB_RECORD_H

#include <stddef.h>

#define CL_RECORD_FD_ENV "COWLAB_RECORD_FD"
#define CL_NONCE_ENV     "COWLAB_NONCE"

/* Escape s into out (size n, always NUL-terminated): backslash, tab, newline, CR and other
 * control bytes become \\ \t \n \r \xHH. Returns out. */
char *cl_record_escape(const char *s, char *out, size_t n);

/* The reverse, in place. Returns s. */
char *cl_record_unescape(char *s);

#endif
