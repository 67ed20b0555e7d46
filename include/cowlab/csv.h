/*
 * cowlab/csv.h — CSV as RFC 4180 has it, for the kit's tables (grades.csv, summary.csv, a
 * roster): cells quoted when they need it, quotes doubled, line breaks kept inside quotes.
 */
#ifndef COWLAB_CSV_H
#define COWLAB_CSV_H

#include <stdio.h>

struct cl_csv_row {
    char **cells; /* n cells, each malloc'd */
    int n;
};

struct cl_csv {
    struct cl_csv_row *rows; /* the header is rows[0] */
    int n;
};

/* Read the file at path: rows of cells, a UTF-8 byte-order mark skipped, CRLF or LF line
 * ends, blank lines skipped. 0, or -1 with a message in err (size n): unreadable, a quote
 * left open, a quote inside an unquoted cell, a byte after a closing quote, a NUL byte.
 * On error *out is empty. Free with cl_csv_free. */
int cl_csv_load(const char *path, struct cl_csv *out, char *err, size_t n);

void cl_csv_free(struct cl_csv *t);

/* Write s as one cell: as is when it holds no comma, quote, CR or LF and does not start or
 * end with a space; otherwise quoted with quotes doubled. NULL is an empty cell. */
void cl_csv_cell(FILE *f, const char *s);

/* Write a row: its cells separated by commas, then "\n". */
void cl_csv_write_row(FILE *f, const struct cl_csv_row *r);

/* Append a copy of s (NULL: "") to r. 0, or -1 (out of memory; r unchanged). */
int cl_csv_push(struct cl_csv_row *r, const char *s);

void cl_csv_row_free(struct cl_csv_row *r);

/* Write the file at path whole or not at all: into path.tmp, flushed, then renamed over
 * path. write(f, ctx) writes the content and returns 0 or -1. 0, or -1 with errno set and
 * path as it was. */
int cl_csv_replace(const char *path, int (*write)(FILE *f, const void *ctx), const void *ctx);

#endif
