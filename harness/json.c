/*
 * json.c — a recursive-descent JSON reader (cowlab/json.h). Every input is untrusted in
 * shape: lengths are checked, depth is bounded, and a parse either completes or frees all.
 */
#include "cowlab/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { JSON_MAX_DEPTH = 64, JSON_MAX_FILE = 64 << 20 };

struct json_in {
    const char *s;
    size_t len, at;
    char *err;
    size_t nerr;
};

/* Record the first error: "at byte N: why". Returns -1. */
static int json_fail(struct json_in *in, const char *why)
{
    if (in->err[0] == '\0')
        snprintf(in->err, in->nerr, "at byte %zu: %s", in->at, why);
    return -1;
}

static void json_space(struct json_in *in)
{
    while (in->at < in->len && strchr(" \t\r\n", in->s[in->at]) && in->s[in->at])
        in->at++;
}

static int json_value(struct json_in *in, struct cl_json *out, int depth);

/* Append code point cp to buf as UTF-8. */
static void json_put_utf8(char *buf, size_t *n, unsigned cp)
{
    if (cp < 0x80) {
        buf[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        buf[(*n)++] = (char)(0xc0 | cp >> 6);
        buf[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        buf[(*n)++] = (char)(0xe0 | cp >> 12);
        buf[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        buf[(*n)++] = (char)(0xf0 | cp >> 18);
        buf[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        buf[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[(*n)++] = (char)(0x80 | (cp & 0x3f));
    }
}

/* Four hex digits at in->at into *v. 0, or -1. */
static int json_hex4(struct json_in *in, unsigned *v)
{
    *v = 0;
    if (in->len - in->at < 4)
        return json_fail(in, "a \\u escape needs four hex digits");
    for (int i = 0; i < 4; i++) {
        char c = in->s[in->at++];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return json_fail(in, "a \\u escape needs four hex digits");
        *v = *v << 4 | (unsigned)d;
    }
    return 0;
}

/* A \u escape (after the "\u"), a surrogate pair joined, into buf. 0, or -1. */
static int json_unicode(struct json_in *in, char *buf, size_t *n)
{
    unsigned cp, lo;
    if (json_hex4(in, &cp) < 0)
        return -1;
    if (cp >= 0xd800 && cp < 0xdc00 && in->len - in->at >= 6 && in->s[in->at] == '\\' &&
        in->s[in->at + 1] == 'u') {
        size_t back = in->at;
        in->at += 2;
        if (json_hex4(in, &lo) < 0)
            return -1;
        if (lo >= 0xdc00 && lo < 0xe000)
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        else
            in->at = back;
    }
    if (cp >= 0xd800 && cp < 0xe000)
        cp = 0xfffd; /* a lone surrogate */
    json_put_utf8(buf, n, cp);
    return 0;
}

/* A string literal at in->at (the opening quote) into *out, malloc'd. 0, or -1. */
static int json_string(struct json_in *in, char **out)
{
    in->at++;
    size_t end = in->at;
    while (end < in->len && in->s[end] != '"')
        end += in->s[end] == '\\' ? 2 : 1;
    if (end >= in->len)
        return json_fail(in, "a string is not closed");
    char *buf = malloc(end - in->at + 1); /* decoding never lengthens */
    size_t n = 0;
    if (!buf)
        return json_fail(in, "out of memory");
    while (in->at < end) {
        unsigned char c = (unsigned char)in->s[in->at++];
        if (c < 0x20) {
            free(buf);
            return json_fail(in, "a control character inside a string");
        }
        if (c != '\\') {
            buf[n++] = (char)c;
            continue;
        }
        char e = in->s[in->at++];
        const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
        if (e == 'u') {
            if (json_unicode(in, buf, &n) < 0) {
                free(buf);
                return -1;
            }
        } else if (e && strchr(from, e)) {
            buf[n++] = to[strchr(from, e) - from];
        } else {
            free(buf);
            return json_fail(in, "an unknown escape in a string");
        }
    }
    buf[n] = '\0';
    in->at = end + 1;
    *out = buf;
    return 0;
}

/* Elements of an array or members of an object, after its opening bracket. 0, or -1. */
static int json_items(struct json_in *in, struct cl_json *out, int depth, bool object)
{
    char close = object ? '}' : ']';
    size_t cap = 0;
    in->at++;
    json_space(in);
    if (in->at < in->len && in->s[in->at] == close) {
        in->at++;
        return 0;
    }
    for (;;) {
        if (out->n == cap) {
            struct cl_json *more = realloc(out->items, (cap = cap ? 2 * cap : 8) * sizeof *more);
            if (!more)
                return json_fail(in, "out of memory");
            out->items = more;
        }
        struct cl_json *item = &out->items[out->n];
        memset(item, 0, sizeof *item);
        json_space(in);
        char *key = NULL;
        if (object) {
            if (in->at >= in->len || in->s[in->at] != '"')
                return json_fail(in, "a member's name must be a string");
            if (json_string(in, &key) < 0)
                return -1;
            json_space(in);
            if (in->at >= in->len || in->s[in->at] != ':') {
                free(key);
                return json_fail(in, "':' expected after a member's name");
            }
            in->at++;
        }
        int rc = json_value(in, item, depth + 1);
        item->key = key;
        out->n++; /* freed with the rest, whole or not */
        if (rc < 0)
            return -1;
        json_space(in);
        if (in->at < in->len && in->s[in->at] == ',') {
            in->at++;
            continue;
        }
        if (in->at < in->len && in->s[in->at] == close) {
            in->at++;
            return 0;
        }
        return json_fail(in, object ? "',' or '}' expected" : "',' or ']' expected");
    }
}

/* A number (RFC 8259's grammar) into out. 0, or -1. */
static int json_number(struct json_in *in, struct cl_json *out)
{
    size_t at = in->at;
    const char *s = in->s;
#define JSON_DIGITS(p)                                                                             \
    do {                                                                                           \
        while ((p) < in->len && s[p] >= '0' && s[p] <= '9')                                        \
            (p)++;                                                                                 \
    } while (0)
    if (at < in->len && s[at] == '-')
        at++;
    size_t int_start = at;
    JSON_DIGITS(at);
    if (at == int_start || (s[int_start] == '0' && at - int_start > 1))
        return json_fail(in, "a malformed number");
    if (at < in->len && s[at] == '.') {
        size_t frac = ++at;
        JSON_DIGITS(at);
        if (at == frac)
            return json_fail(in, "a malformed number");
    }
    if (at < in->len && (s[at] == 'e' || s[at] == 'E')) {
        at++;
        if (at < in->len && (s[at] == '+' || s[at] == '-'))
            at++;
        size_t exp = at;
        JSON_DIGITS(at);
        if (at == exp)
            return json_fail(in, "a malformed number");
    }
#undef JSON_DIGITS
    char buf[64];
    if (at - in->at >= sizeof buf)
        return json_fail(in, "a number too long");
    memcpy(buf, s + in->at, at - in->at);
    buf[at - in->at] = '\0';
    out->type = CL_JSON_NUMBER;
    out->number = strtod(buf, NULL);
    in->at = at;
    return 0;
}

/* The literal word at in->at, if it is w. */
static bool json_word(struct json_in *in, const char *w)
{
    size_t n = strlen(w);
    if (in->len - in->at < n || memcmp(in->s + in->at, w, n) != 0)
        return false;
    in->at += n;
    return true;
}

static int json_value(struct json_in *in, struct cl_json *out, int depth)
{
    if (depth > JSON_MAX_DEPTH)
        return json_fail(in, "nested too deeply");
    json_space(in);
    if (in->at >= in->len)
        return json_fail(in, "a value expected");
    char c = in->s[in->at];
    if (c == '{' || c == '[') {
        out->type = c == '{' ? CL_JSON_OBJECT : CL_JSON_ARRAY;
        return json_items(in, out, depth, c == '{');
    }
    if (c == '"') {
        out->type = CL_JSON_STRING;
        return json_string(in, &out->string);
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return json_number(in, out);
    if (json_word(in, "true") || json_word(in, "false")) {
        out->type = CL_JSON_BOOL;
        out->boolean = c == 't';
        return 0;
    }
    if (json_word(in, "null")) {
        out->type = CL_JSON_NULL;
        return 0;
    }
    return json_fail(in, "a value expected");
}

int cl_json_parse(const char *text, size_t len, struct cl_json *out, char *err, size_t n)
{
    struct json_in in = {.s = text, .len = len, .err = err, .nerr = n};
    memset(out, 0, sizeof *out);
    err[0] = '\0';
    int rc = json_value(&in, out, 0);
    json_space(&in);
    if (rc == 0 && in.at != in.len)
        rc = json_fail(&in, "text after the value");
    if (rc < 0)
        cl_json_free(out);
    return rc;
}

int cl_json_load(const char *path, struct cl_json *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(JSON_MAX_FILE) : NULL;
    size_t len = buf ? fread(buf, 1, JSON_MAX_FILE, f) : 0;
    int rc = -1;
    if (!f || !buf || ferror(f))
        snprintf(err, n, "%s: %s", path, strerror(errno ? errno : EIO));
    else if (len == JSON_MAX_FILE)
        snprintf(err, n, "%s: larger than %d MiB", path, JSON_MAX_FILE >> 20);
    else
        rc = cl_json_parse(buf, len, out, err, n);
    free(buf);
    if (f)
        fclose(f);
    return rc;
}

const struct cl_json *cl_json_get(const struct cl_json *j, const char *key)
{
    for (size_t i = 0; j && j->type == CL_JSON_OBJECT && i < j->n; i++)
        if (strcmp(j->items[i].key, key) == 0)
            return &j->items[i];
    return NULL;
}

const char *cl_json_str(const struct cl_json *j, const char *key)
{
    const struct cl_json *v = cl_json_get(j, key);
    return v && v->type == CL_JSON_STRING ? v->string : NULL;
}

void cl_json_free(struct cl_json *j)
{
    for (size_t i = 0; i < j->n; i++)
        cl_json_free(&j->items[i]);
    free(j->items);
    free(j->string);
    free(j->key);
    memset(j, 0, sizeof *j);
}
