/*
 * grades.c — the combined grades.csv of a batch: its columns, its rows, one row replaced
 * (cowlab/grades.h).
 */
#include "cowlab/grades.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int cl_grades_header(struct cl_csv_row *h, const struct cl_lab_def *labs, int nlabs,
                     bool with_roster)
{
    int rc = cl_csv_push(h, "id");
    if (with_roster)
        rc |= cl_csv_push(h, "name") | cl_csv_push(h, "email");
    rc |= cl_csv_push(h, "status");
    for (int i = 0; i < nlabs; i++)
        for (int j = 0; j < labs[i].ntests; j++) {
            char name[128];
            snprintf(name, sizeof name, "%s/%s", labs[i].slug, labs[i].tests[j].name);
            rc |= cl_csv_push(h, name);
        }
    for (int i = 0; i < nlabs; i++)
        rc |= cl_csv_push(h, labs[i].slug);
    rc |= cl_csv_push(h, "score") | cl_csv_push(h, "max_score");
    if (rc)
        cl_csv_row_free(h);
    return rc ? -1 : 0;
}

int cl_grades_column(const struct cl_csv_row *h, const char *name)
{
    for (int i = 0; i < h->n; i++)
        if (strcmp(h->cells[i], name) == 0)
            return i;
    return -1;
}

static bool grades_same_row(const struct cl_csv_row *a, const struct cl_csv_row *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->cells[i], b->cells[i]) != 0)
            return false;
    return true;
}

/* The row of submission id for the combined file, into out (empty on entry): from its own
 * file when it was graded and that file has this registry's columns and the status the run
 * writes, else "could not be graded". with_roster: name and email after the id. 0, or -1
 * (out of memory). */
static int grades_row(const struct cl_grades_batch *b, const char *id, bool failed,
                      bool with_roster, const char *name, const char *email, struct cl_csv_row *out)
{
    struct cl_csv_row want = {0};
    struct cl_csv own = {0};
    char path[1400], err[300];
    snprintf(path, sizeof path, "%s/%s/%s", b->out_dir, id,
             b->partial ? CL_GRADES_PARTIAL_FILE : CL_GRADES_FILE);
    if (cl_grades_header(&want, b->labs, b->nlabs, false) < 0)
        return -1;
    bool ok = !failed && cl_csv_load(path, &own, err, sizeof err) == 0 && own.n == 2 &&
              grades_same_row(&own.rows[0], &want) && own.rows[1].n == want.n &&
              strcmp(own.rows[1].cells[1], b->partial ? CL_GRADES_PARTIAL : CL_GRADES_GRADED) == 0;
    int rc = cl_csv_push(out, id);
    if (with_roster)
        rc |= cl_csv_push(out, name) | cl_csv_push(out, email);
    rc |= cl_csv_push(out, ok ? own.rows[1].cells[1] : CL_GRADES_NOT_GRADED);
    for (int i = 2; i < want.n; i++)
        rc |= cl_csv_push(out, ok ? own.rows[1].cells[i] : "");
    cl_csv_row_free(&want);
    cl_csv_free(&own);
    return rc ? -1 : 0;
}

/* A row of a roster id with no submission. */
static int grades_absent_row(const struct cl_roster_entry *e, int ncells, struct cl_csv_row *out)
{
    int rc = cl_csv_push(out, e->id) | cl_csv_push(out, e->name) | cl_csv_push(out, e->email) |
             cl_csv_push(out, CL_GRADES_NO_SUBMISSION);
    for (int i = 4; i < ncells; i++)
        rc |= cl_csv_push(out, "");
    return rc ? -1 : 0;
}

static int grades_cmp_rows(const void *a, const void *b)
{
    return strcmp(((const struct cl_csv_row *)a)->cells[0],
                  ((const struct cl_csv_row *)b)->cells[0]);
}

/* Hold an exclusive lock on the folder OUT itself (flock on its descriptor: no lock file to
 * leave behind) until the returned descriptor is closed, so that two regrades, or a regrade and
 * a batch, into one OUT never interleave their read and write of grades.csv. -1 when OUT cannot
 * be opened (the write that follows says why). */
static int grades_lock(const char *out_dir)
{
    int fd = open(out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd >= 0 && flock(fd, LOCK_EX) < 0 && errno == EINTR)
        ;
    return fd;
}

/* cl_csv_replace's writer: every row of a table. */
static int grades_write(FILE *f, const void *ctx)
{
    const struct cl_csv *t = ctx;
    for (int i = 0; i < t->n; i++)
        cl_csv_write_row(f, &t->rows[i]);
    return ferror(f) ? -1 : 0;
}

/* Write t to OUT/<file>, whole or not at all. 0, or -1 with err. */
static int grades_put(const struct cl_grades_batch *b, const char *file, const struct cl_csv *t,
                      char *err, size_t nerr)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", b->out_dir, file);
    if (cl_csv_replace(path, grades_write, t) == 0)
        return 0;
    snprintf(err, nerr, "cannot write %s: %s", path, strerror(errno));
    return -1;
}

int cl_grades_combine(const struct cl_grades_batch *b, char *const *ids, const bool *failed, int n,
                      char *err, size_t nerr)
{
    int extra = b->roster ? b->roster->n : 0, rc = 0;
    struct cl_csv t = {.rows = calloc((size_t)(n + extra + 1), sizeof *t.rows)};
    if (!t.rows || cl_grades_header(&t.rows[0], b->labs, b->nlabs, b->roster != NULL) < 0) {
        free(t.rows);
        snprintf(err, nerr, "out of memory");
        return -1;
    }
    int ncells = t.rows[0].n, lock = grades_lock(b->out_dir);
    for (t.n = 1; rc == 0 && t.n <= n; t.n++) {
        const struct cl_roster_entry *e = cl_roster_find(b->roster, ids[t.n - 1]);
        rc = grades_row(b, ids[t.n - 1], failed[t.n - 1], b->roster != NULL, e ? e->name : "",
                        e ? e->email : "", &t.rows[t.n]);
    }
    for (int i = 0; rc == 0 && i < extra; i++) {
        bool found = false;
        for (int k = 0; k < n && !found; k++)
            found = strcmp(ids[k], b->roster->e[i].id) == 0;
        if (!found)
            rc = grades_absent_row(&b->roster->e[i], ncells, &t.rows[t.n++]);
    }
    if (rc)
        snprintf(err, nerr, "out of memory");
    else {
        qsort(t.rows + 1, (size_t)t.n - 1, sizeof *t.rows, grades_cmp_rows);
        rc = grades_put(b, b->partial ? CL_GRADES_PARTIAL_FILE : CL_GRADES_FILE, &t, err, nerr);
    }
    if (lock >= 0)
        close(lock);
    cl_csv_free(&t);
    return rc;
}

/* Check that t (OUT/grades.csv) is a whole batch's file of this registry's columns; *roster:
 * whether it has name and email. 0, or -1 with err. */
static int grades_check_file(const struct cl_grades_batch *b, const struct cl_csv *t, bool *roster,
                             char *err, size_t nerr)
{
    struct cl_csv_row want = {0};
    *roster = t->n > 0 && t->rows[0].n > 1 && strcmp(t->rows[0].cells[1], "name") == 0;
    if (cl_grades_header(&want, b->labs, b->nlabs, *roster) < 0) {
        snprintf(err, nerr, "out of memory");
        return -1;
    }
    bool same = t->n > 0 && grades_same_row(&t->rows[0], &want);
    int status = cl_grades_column(&want, "status");
    cl_csv_row_free(&want);
    if (!same) {
        snprintf(err, nerr,
                 "%s/%s has other columns than this kit's registry gives: grade the whole "
                 "batch again",
                 b->out_dir, CL_GRADES_FILE);
        return -1;
    }
    if (b->roster && !*roster) {
        snprintf(err, nerr,
                 "%s/%s has no name and email columns: a --roster goes with grading the whole "
                 "batch",
                 b->out_dir, CL_GRADES_FILE);
        return -1;
    }
    for (int i = 1; i < t->n; i++)
        if (t->rows[i].n != t->rows[0].n ||
            strcmp(t->rows[i].cells[status], CL_GRADES_PARTIAL) == 0) {
            snprintf(err, nerr, "%s/%s row %d is %s: the file is not a whole batch's", b->out_dir,
                     CL_GRADES_FILE, i + 1,
                     t->rows[i].n != t->rows[0].n ? "short or long" : "partial");
            return -1;
        }
    return 0;
}

/* Load OUT/grades.csv into t and check it can take an updated row (*roster: it has name and
 * email). 0, or -1 with err and t empty. */
static int grades_load_whole(const struct cl_grades_batch *b, struct cl_csv *t, bool *roster,
                             char *err, size_t nerr)
{
    char path[1200];
    *t = (struct cl_csv){0};
    if (b->partial) {
        snprintf(err, nerr,
                 "a --test grade is partial: it never replaces a row of %s/%s (grade every "
                 "test, or use another --out)",
                 b->out_dir, CL_GRADES_FILE);
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s", b->out_dir, CL_GRADES_FILE);
    if (cl_csv_load(path, t, err, nerr) < 0)
        return -1;
    if (grades_check_file(b, t, roster, err, nerr) < 0) {
        cl_csv_free(t);
        return -1;
    }
    return 0;
}

/* Check that this run grades the labs t's graded rows hold totals for (b->lab, or all). */
static int grades_same_labs(const struct cl_grades_batch *b, const struct cl_csv *t, char *err,
                            size_t nerr)
{
    char had[512] = "";
    int ngraded = 0;
    bool differ = false;
    int status = cl_grades_column(&t->rows[0], "status");
    for (int l = 0; l < b->nlabs; l++) {
        int col = cl_grades_column(&t->rows[0], b->labs[l].slug);
        bool graded = false;
        for (int i = 1; i < t->n && col >= 0 && status >= 0; i++)
            graded |= strcmp(t->rows[i].cells[status], CL_GRADES_GRADED) == 0 &&
                      t->rows[i].cells[col][0] != '\0';
        differ |= graded != (!b->lab || b->lab == &b->labs[l]);
        if (graded && ++ngraded)
            snprintf(had + strlen(had), sizeof had - strlen(had), "%s%s", had[0] ? " " : "",
                     b->labs[l].number);
    }
    if (!differ || ngraded == 0) /* a batch with no graded row says nothing of its labs */
        return 0;
    if (ngraded == b->nlabs)
        snprintf(err, nerr, "%s/%s holds grades of every lab: regrade without --lab", b->out_dir,
                 CL_GRADES_FILE);
    else if (ngraded == 1)
        snprintf(err, nerr, "%s/%s holds grades of lab %s only: regrade with --lab %s", b->out_dir,
                 CL_GRADES_FILE, had, had);
    else
        snprintf(err, nerr,
                 "%s/%s holds grades of labs %s: a regrade grades one lab or every lab, so "
                 "grade the whole batch again",
                 b->out_dir, CL_GRADES_FILE, had);
    return -1;
}

int cl_grades_check(const struct cl_grades_batch *b, char *err, size_t nerr)
{
    struct cl_csv t;
    bool roster;
    if (grades_load_whole(b, &t, &roster, err, nerr) < 0)
        return -1;
    int rc = grades_same_labs(b, &t, err, nerr);
    cl_csv_free(&t);
    return rc;
}

int cl_grades_update(const struct cl_grades_batch *b, const char *id, bool failed, char *err,
                     size_t nerr)
{
    struct cl_csv t;
    bool roster;
    int lock = grades_lock(b->out_dir); /* from the read to the rename */
    if (grades_load_whole(b, &t, &roster, err, nerr) < 0) {
        if (lock >= 0)
            close(lock);
        return -1;
    }
    int at = 1;
    while (at < t.n && strcmp(t.rows[at].cells[0], id) < 0)
        at++;
    bool have = at < t.n && strcmp(t.rows[at].cells[0], id) == 0;
    const struct cl_roster_entry *e = cl_roster_find(b->roster, id);
    const char *name = e ? e->name : have && roster ? t.rows[at].cells[1] : "";
    const char *email = e ? e->email : have && roster ? t.rows[at].cells[2] : "";
    struct cl_csv_row row = {0};
    struct cl_csv_row *more = realloc(t.rows, (size_t)(t.n + 1) * sizeof *more);
    int rc = more ? grades_row(b, id, failed, roster, name, email, &row) : -1;
    if (more)
        t.rows = more;
    if (rc == 0) {
        if (have)
            cl_csv_row_free(&t.rows[at]);
        else {
            memmove(&t.rows[at + 1], &t.rows[at], (size_t)(t.n - at) * sizeof *t.rows);
            t.n++;
        }
        t.rows[at] = row;
        row = (struct cl_csv_row){0};
        rc = grades_put(b, CL_GRADES_FILE, &t, err, nerr);
    } else
        snprintf(err, nerr, "out of memory");
    if (lock >= 0)
        close(lock);
    cl_csv_row_free(&row);
    cl_csv_free(&t);
    return rc;
}
