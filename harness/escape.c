/*
 * escape.c — JSON and XML escaping over arbitrary bytes (cowlab/escape.h).
 */
#include "cowlab/escape.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if the bytes there are not one. */
static int esc_utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    int len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0; /* overlong, out of range, or a surrogate */
    return len;
}

/* The escaped form of the character at *p into u (at most 8 bytes, not NUL-terminated), *p
 * moved past it; returns the form's length. JSON: string-literal escapes; text: valid UTF-8,
 * newline and tab as they are, any other control byte and invalid byte as U+FFFD. */
static size_t esc_unit(const unsigned char **p, enum cl_escape kind, char *u)
{
    const unsigned char *c = *p;
    int len = esc_utf8_len(c);
    if (len > 1) {
        memcpy(u, c, (size_t)len);
        *p += len;
        return (size_t)len;
    }
    *p += 1;
    if (kind == CL_ESC_TEXT) {
        if (len == 0 || ((*c < 0x20 && *c != '\n' && *c != '\t') || *c == 0x7f)) {
            memcpy(u, "\xef\xbf\xbd", 3);
            return 3;
        }
        u[0] = (char)*c;
        return 1;
    }
    if (len == 0)
        return (size_t)snprintf(u, 8, "\\ufffd");
    switch (*c) {
    case '"': return (size_t)snprintf(u, 8, "\\\"");
    case '\\': return (size_t)snprintf(u, 8, "\\\\");
    case '\n': return (size_t)snprintf(u, 8, "\\n");
    case '\r': return (size_t)snprintf(u, 8, "\\r");
    case '\t': return (size_t)snprintf(u, 8, "\\t");
    default:
        if (*c < 0x20 || *c == 0x7f)
            return (size_t)snprintf(u, 8, "\\u%04x", *c);
        u[0] = (char)*c;
        return 1;
    }
}

void cl_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    cl_escape_capped(out, s, CL_ESC_JSON, SIZE_MAX);
    fputc('"', out);
}

size_t cl_escape_capped(FILE *out, const char *s, enum cl_escape kind, size_t cap)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t total = 0, fits = 0, left = 0;
    char u[8];
    if (cap != SIZE_MAX) { /* will it all fit? count first, write after */
        for (const unsigned char *q = p; *q;)
            total += esc_unit(&q, kind, u);
        if (total <= cap)
            cap = SIZE_MAX;
    }
    if (cap == SIZE_MAX) {
        for (total = 0; *p;) {
            size_t n = esc_unit(&p, kind, u);
            if (out)
                fwrite(u, 1, n, out);
            total += n;
        }
        return total;
    }
    /* Too long: whole characters up to cap less the note's room, then the note. */
    char note[CL_ESCAPE_NOTE_MAX + 1];
    if (cap < CL_ESCAPE_NOTE_MAX)
        return 0;
    while (*p) {
        const unsigned char *q = p;
        size_t n = esc_unit(&q, kind, u);
        if (fits + n > cap - CL_ESCAPE_NOTE_MAX)
            break;
        if (out)
            fwrite(u, 1, n, out);
        fits += n;
        p = q;
    }
    left = strlen((const char *)p);
    int m = snprintf(note, sizeof note, "%s[... cut here: %zu more bytes]",
                     kind == CL_ESC_JSON ? "\\n" : "\n", left);
    if (out)
        fputs(note, out);
    return fits + (size_t)m;
}

size_t cl_escape_fair_cap(const size_t *len, int n, size_t budget)
{
    size_t lo = 0, hi = 0;
    for (int i = 0; i < n; i++)
        hi = len[i] > hi ? len[i] : hi;
    while (lo < hi) { /* the largest cap whose sum fits */
        size_t mid = lo + (hi - lo + 1) / 2, sum = 0;
        for (int i = 0; i < n && sum <= budget; i++)
            sum += len[i] < mid ? len[i] : mid;
        if (sum <= budget)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

int cl_escape_write_capped(const char *path, size_t max_bytes, char *const *texts, int n,
                           enum cl_escape kind, cl_escape_writer *write, const void *ctx)
{
    enum { SLACK = 4096 }; /* for what the measure cannot see: numbers that grow, say */
    size_t *len = calloc((size_t)n + 1, sizeof *len), overhead = 0;
    char *bare = NULL;
    FILE *m = len ? open_memstream(&bare, &overhead) : NULL;
    if (!m) {
        free(len);
        errno = ENOMEM;
        return -1;
    }
    write(m, ctx, 0); /* the file with every text cut to nothing */
    fclose(m);
    free(bare);
    for (int i = 0; i < n; i++)
        len[i] = texts[i] ? cl_escape_capped(NULL, texts[i], kind, SIZE_MAX) : 0;
    size_t room = max_bytes > SLACK + overhead ? max_bytes - SLACK - overhead : 0;
    size_t cap = cl_escape_fair_cap(len, n, room);
    free(len);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    write(f, ctx, cap);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        if (!errno)
            errno = EIO;
        return -1;
    }
    return 0;
}

void cl_xml_text(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        int len = esc_utf8_len(p);
        if (len == 0 || (len == 1 && *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')) {
            fputs("\xef\xbf\xbd", out); /* U+FFFD */
            p++;
            continue;
        }
        if (len > 1) {
            /* U+FFFE and U+FFFF are not XML characters either */
            if (len == 3 && p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
                fputs("\xef\xbf\xbd", out);
            else
                fwrite(p, 1, (size_t)len, out);
            p += len;
            continue;
        }
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default: fputc(*p, out);
        }
        p++;
    }
}
