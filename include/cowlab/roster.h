/*
 * cowlab/roster.h — a class roster (--roster FILE.csv): which ids (submission folder names)
 * belong to whom. Liberal in its header, strict in its content.
 */
#ifndef COWLAB_ROSTER_H
#define COWLAB_ROSTER_H

#include <stddef.h>

struct cl_roster_entry {
    char *id, *name, *email; /* malloc'd, never NULL */
};

struct cl_roster {
    struct cl_roster_entry *e; /* sorted by id */
    int n;
};

/*
 * Read a roster: a CSV (cowlab/csv.h) whose header names the columns id, name and email, in
 * any order and any letter case, with spaces around a name ignored; other columns are refused
 * (a typo would silently drop data). Every row must have exactly as many cells as the header;
 * an id must be a possible submission folder name (not empty, no '/', not starting with '.',
 * no control characters) and appear once; name must not be empty; email must be empty or hold
 * one '@' with text on both sides; no cell may hold a line break or other control character.
 * 0, or -1 with *r empty and a message naming the line and the rule in err (size n).
 * Free with cl_roster_free.
 */
int cl_roster_load(const char *path, struct cl_roster *r, char *err, size_t n);

/* The entry for id, or NULL. */
const struct cl_roster_entry *cl_roster_find(const struct cl_roster *r, const char *id);

void cl_roster_free(struct cl_roster *r);

#endif
