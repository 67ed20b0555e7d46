/*
 * cowlab/escape.h — text that came from student code, made safe for JSON and XML.
 * Any byte string is accepted: invalid UTF-8 becomes U+FFFD, so the output always parses.
 */
#ifndef COWLAB_ESCAPE_H
#define COWLAB_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

enum cl_escape {
    CL_ESC_JSON, /* the inside of a JSON string literal (as cl_json_string) */
    CL_ESC_TEXT  /* plain UTF-8 text: newline and tab kept, other control bytes and invalid
                    UTF-8 as U+FFFD (for a page a service shows as text) */
};

/* The most bytes the note that ends a cut text takes ("\n[... cut here: N more bytes]"). */
enum { CL_ESCAPE_NOTE_MAX = 64 };

/* Write s as a JSON string literal, quotes included: \" \\ \n \r \t, other control bytes as
 * \u00XX, valid UTF-8 as is, invalid bytes as \ufffd. */
void cl_json_string(FILE *out, const char *s);

/*
 * Write s escaped as kind (no quotes around it) in at most cap bytes, and return how many bytes
 * that is (out NULL: count only). When all of s does not fit, as many whole characters as fit
 * in cap - CL_ESCAPE_NOTE_MAX are written, then a note saying how many bytes of s were cut: the
 * result is still valid UTF-8 and, for JSON, a valid string's inside. A cap below
 * CL_ESCAPE_NOTE_MAX writes nothing for a text that does not fit. SIZE_MAX: no cap.
 */
size_t cl_escape_capped(FILE *out, const char *s, enum cl_escape kind, size_t cap);

/* The largest cap c such that the sum over i of min(len[i], c) is at most budget: every text
 * no longer than c is kept whole, the longer ones share what is left equally. 0 if even that
 * does not fit (n texts of which none can be given a byte). */
size_t cl_escape_fair_cap(const size_t *len, int n, size_t budget);

/* Writes a whole file to out with each of its texts cut to cap bytes (cl_escape_capped). */
typedef void cl_escape_writer(FILE *out, const void *ctx, size_t cap);

/*
 * Write path, at most max_bytes (less a few KiB of slack), by write(f, ctx, cap): texts[0..n)
 * are the texts write escapes as kind (NULL: one it does not write), and cap the fair share
 * (cl_escape_fair_cap) of what the file leaves them, measured by a first run with cap 0. Texts
 * that fit are whole; the longest are cut. 0, or -1 with errno set.
 */
int cl_escape_write_capped(const char *path, size_t max_bytes, char *const *texts, int n,
                           enum cl_escape kind, cl_escape_writer *write, const void *ctx);

/* Write s as XML 1.0 character data (for text and attribute values): & < > " ' as entities,
 * tab/newline/CR as is, other control bytes and invalid UTF-8 as U+FFFD. */
void cl_xml_text(FILE *out, const char *s);

#endif
