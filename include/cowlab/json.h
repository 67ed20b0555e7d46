/*
 * cowlab/json.h — a small JSON reader for the kit's own reports (results.json), which carry
 * student text escaped. Strict RFC 8259: anything else is rejected, never guessed at.
 */
#ifndef COWLAB_JSON_H
#define COWLAB_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum cl_json_type {
    CL_JSON_NULL,
    CL_JSON_BOOL,
    CL_JSON_NUMBER,
    CL_JSON_STRING,
    CL_JSON_ARRAY,
    CL_JSON_OBJECT
};

struct cl_json {
    enum cl_json_type type;
    bool boolean;
    double number;
    char *string;          /* STRING: decoded UTF-8 (a \u0000 is cut there); malloc'd */
    char *key;             /* the member's name when inside an OBJECT; malloc'd */
    struct cl_json *items; /* ARRAY and OBJECT: n children, malloc'd */
    size_t n;
};

/* Parse text (len bytes; need not end in NUL) into *out. 0, or -1 with *out empty and a
 * message in err (size n): where and why. Nesting deeper than 64 is refused. Free with
 * cl_json_free. */
int cl_json_parse(const char *text, size_t len, struct cl_json *out, char *err, size_t n);

/* Read the file at path (at most 64 MiB) and parse it: as cl_json_parse; an unreadable file
 * is -1 with strerror in err. */
int cl_json_load(const char *path, struct cl_json *out, char *err, size_t n);

/* The member named key of an OBJECT, or NULL (also when j is NULL or not an object). */
const struct cl_json *cl_json_get(const struct cl_json *j, const char *key);

/* The member's string, or NULL if missing or not a string. */
const char *cl_json_str(const struct cl_json *j, const char *key);

void cl_json_free(struct cl_json *j);

#endif
