/*
 * csv.c — reading and writing RFC 4180 CSV (cowlab/csv.h).
 */
#include "cowlab/csv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CSV_MAX_FILE = 64 << 20 };

int cl_csv_push(struct cl_csv_row *r, const char *s)
{
    char *copy = strdup(s ? s : "");
    char **more = copy ? realloc(r->cells, (size_t)(r->n + 1) * sizeof *more) : NULL;
    if (!more) {
        free(copy);
        return -1;
    }
    r->cells = more;
    r->cells[r->n++] = copy;
    return 0;
}

void cl_csv_row_free(struct cl_csv_row *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->cells[i]);
    free(r->cells);
    r->cells = NULL;
    r->n = 0;
}

void cl_csv_free(struct cl_csv *t)
{
    for (int i = 0; i < t->n; i++)
        cl_csv_row_free(&t->rows[i]);
    free(t->rows);
    t->rows = NULL;
    t->n = 0;
}

/* Append row r (taken over) to t, unless it is a blank line. 0, or -1. */
static int csv_add_row(struct cl_csv *t, struct cl_csv_row *r)
{
    if (r->n == 1 && r->cells[0][0] == '\0') { /* a blank line */
        cl_csv_row_free(r);
        return 0;
    }
    struct cl_csv_row *more = realloc(t->rows, (size_t)(t->n + 1) * sizeof *more);
    if (!more)
        return -1;
    t->rows = more;
    t->rows[t->n++] = *r;
    *r = (struct cl_csv_row){0};
    return 0;
}

/* Parse buf (len bytes) into t. 0, or -1 with a message in err (size n). */
static int csv_parse(const char *buf, size_t len, struct cl_csv *t, char *err, size_t n)
{
    size_t at = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    struct cl_csv_row row = {0};
    char *cell = malloc(len + 1);
    int line = 1, rc = cell ? 0 : -1;
    if (!cell)
        snprintf(err, n, "out of memory");
    while (rc == 0 && at <= len) {
        size_t k = 0;
        bool quoted = at < len && buf[at] == '"';
        int start_line = line;
        if (quoted) {
            for (at++;; at++) {
                if (at >= len) {
                    snprintf(err, n, "line %d: a quoted cell is not closed", start_line);
                    rc = -1;
                    break;
                }
                if (buf[at] == '"' && at + 1 < len && buf[at + 1] == '"')
                    cell[k++] = buf[at++];
                else if (buf[at] == '"')
                    break;
                else {
                    line += buf[at] == '\n';
                    cell[k++] = buf[at];
                }
            }
            at++;
            if (rc == 0 && at < len && !strchr(",\r\n", buf[at])) {
                snprintf(err, n, "line %d: a character after a closing quote", line);
                rc = -1;
            }
        } else {
            while (at < len && !strchr(",\r\n", buf[at])) {
                if (buf[at] == '"') {
                    snprintf(err, n, "line %d: a quote inside an unquoted cell", line);
                    rc = -1;
                    break;
                }
                cell[k++] = buf[at++];
            }
        }
        if (rc)
            break;
        if (memchr(cell, '\0', k)) {
            snprintf(err, n, "line %d: a NUL byte", line);
            rc = -1;
            break;
        }
        cell[k] = '\0';
        if (cl_csv_push(&row, cell) < 0) {
            snprintf(err, n, "out of memory");
            rc = -1;
            break;
        }
        if (at < len && buf[at] == ',') {
            at++;
            continue;
        }
        if (at < len && buf[at] == '\r')
            at++;
        if (at < len && buf[at] == '\n')
            at++;
        line++;
        if (csv_add_row(t, &row) < 0) {
            snprintf(err, n, "out of memory");
            rc = -1;
        }
        if (at >= len)
            break;
    }
    cl_csv_row_free(&row);
    free(cell);
    return rc;
}

int cl_csv_load(const char *path, struct cl_csv *out, char *err, size_t n)
{
    *out = (struct cl_csv){0};
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(CSV_MAX_FILE) : NULL;
    size_t len = buf ? fread(buf, 1, CSV_MAX_FILE, f) : 0;
    int rc = -1;
    if (!f || !buf || ferror(f))
        snprintf(err, n, "%s: %s", path, strerror(errno ? errno : EIO));
    else if (len == CSV_MAX_FILE)
        snprintf(err, n, "%s: larger than %d MiB", path, CSV_MAX_FILE >> 20);
    else if ((rc = csv_parse(buf, len, out, err, n)) < 0)
        cl_csv_free(out);
    free(buf);
    if (f)
        fclose(f);
    return rc;
}

void cl_csv_cell(FILE *f, const char *s)
{
    s = s ? s : "";
    size_t len = strlen(s);
    if (!strpbrk(s, ",\"\r\n") && (len == 0 || (s[0] != ' ' && s[len - 1] != ' '))) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void cl_csv_write_row(FILE *f, const struct cl_csv_row *r)
{
    for (int i = 0; i < r->n; i++) {
        if (i)
            fputc(',', f);
        cl_csv_cell(f, r->cells[i]);
    }
    fputc('\n', f);
}

int cl_csv_replace(const char *path, int (*write)(FILE *f, const void *ctx), const void *ctx)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int rc = write(f, ctx);
    int e = errno;
    if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
        rc = -1, e = errno ? errno : EIO;
    if (fclose(f) != 0 && rc == 0)
        rc = -1, e = errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1, e = errno;
    if (rc < 0) {
        unlink(tmp);
        errno = e;
    }
    return rc;
}
