/*
 * formats.h — the fixture lab's contract (tests/grader/formats/00-formats): four functions, in
 * three files, so that a submission can build in part.
 */
#ifndef FORMATS_H
#define FORMATS_H

int fmt_add(int a, int b); /* a.c: a + b */
int fmt_secret(void);      /* a.c: 7 */
int fmt_greet(void);       /* b.c: 42 */
int fmt_noise(int n);      /* c.c: 2 * n */

#endif
