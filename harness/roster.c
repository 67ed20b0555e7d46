/*
 * roster.c — reading a class roster (cowlab/roster.h).
 */
#include "cowlab/roster.h"

#include "cowlab/csv.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int roster_cmp(const void *a, const void *b)
{
    return strcmp(((const struct cl_roster_entry *)a)->id, ((const struct cl_roster_entry *)b)->id);
}

/* Which of id, name, email the header cell h names (0, 1, 2), or -1. Case and surrounding
 * spaces do not matter. */
static int roster_column(const char *h)
{
    static const char *const names[] = {"id", "name", "email"};
    while (*h == ' ' || *h == '\t')
        h++;
    size_t len = strlen(h);
    while (len > 0 && (h[len - 1] == ' ' || h[len - 1] == '\t'))
        len--;
    for (int i = 0; i < 3; i++)
        if (len == strlen(names[i]) && strncasecmp(h, names[i], len) == 0)
            return i;
    return -1;
}

static bool roster_has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* Why the cells of one row break the rules, or NULL. */
static const char *roster_bad(const char *id, const char *name, const char *email)
{
    if (roster_has_control(id) || roster_has_control(name) || roster_has_control(email))
        return "a line break or control character in a cell";
    if (!id[0] || strchr(id, '/') || id[0] == '.')
        return "the id must be a submission folder's name (not empty, no '/', no leading '.')";
    if (!name[0])
        return "the name is empty";
    const char *at = strchr(email, '@');
    if (email[0] && (!at || at == email || !at[1] || strchr(at + 1, '@')))
        return "the email must be empty or name@host";
    return NULL;
}

/* Check the header row h; col[i]: the cell index of id, name, email. 0, or -1 with err. */
static int roster_header(const struct cl_csv_row *h, int col[3], char *err, size_t n)
{
    col[0] = col[1] = col[2] = -1;
    for (int i = 0; i < h->n; i++) {
        int c = roster_column(h->cells[i]);
        if (c < 0 || col[c] >= 0) {
            snprintf(err, n, "line 1: header column '%s' %s (the columns are id, name, email)",
                     h->cells[i], c < 0 ? "is not one of them" : "appears twice");
            return -1;
        }
        col[c] = i;
    }
    if (col[0] < 0 || col[1] < 0 || col[2] < 0) {
        snprintf(err, n, "line 1: the header must name the columns id, name and email");
        return -1;
    }
    return 0;
}

int cl_roster_load(const char *path, struct cl_roster *r, char *err, size_t n)
{
    struct cl_csv t;
    char why[300];
    int col[3];
    *r = (struct cl_roster){0};
    if (cl_csv_load(path, &t, why, sizeof why) < 0) {
        snprintf(err, n, "roster %s", why);
        return -1;
    }
    int rc = t.n == 0 ? -1 : roster_header(&t.rows[0], col, why, sizeof why);
    if (t.n == 0)
        snprintf(why, sizeof why, "empty");
    if (rc == 0 && !(r->e = calloc((size_t)t.n, sizeof *r->e)))
        rc = -1, snprintf(why, sizeof why, "out of memory");
    for (int i = 1; rc == 0 && i < t.n; i++) { /* data rows; "row i" counts the header as 1 */
        const struct cl_csv_row *row = &t.rows[i];
        const char *bad = row->n != t.rows[0].n ? "a different number of cells than the header"
                                                : roster_bad(row->cells[col[0]], row->cells[col[1]],
                                                             row->cells[col[2]]);
        if (!bad && cl_roster_find(r, row->cells[col[0]]))
            bad = "this id appears twice";
        if (!bad) {
            struct cl_roster_entry *e = &r->e[r->n];
            e->id = strdup(row->cells[col[0]]);
            e->name = strdup(row->cells[col[1]]);
            e->email = strdup(row->cells[col[2]]);
            r->n++;
            if (!e->id || !e->name || !e->email)
                bad = "out of memory";
            else /* kept sorted for cl_roster_find */
                qsort(r->e, (size_t)r->n, sizeof *r->e, roster_cmp);
        }
        if (bad)
            rc = -1, snprintf(why, sizeof why, "row %d: %s", i + 1, bad);
    }
    cl_csv_free(&t);
    if (rc < 0) {
        snprintf(err, n, "roster %s: %s", path, why);
        cl_roster_free(r);
    }
    return rc;
}

const struct cl_roster_entry *cl_roster_find(const struct cl_roster *r, const char *id)
{
    struct cl_roster_entry key = {.id = (char *)id};
    return r && r->n ? bsearch(&key, r->e, (size_t)r->n, sizeof *r->e, roster_cmp) : NULL;
}

void cl_roster_free(struct cl_roster *r)
{
    for (int i = 0; i < r->n; i++) {
        free(r->e[i].id);
        free(r->e[i].name);
        free(r->e[i].email);
    }
    free(r->e);
    *r = (struct cl_roster){0};
}
