/*
 * record.c — escaping for the record pipe (cowlab/record.h).
 */
#include "cowlab/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cl_record_escape(const char *s, char *out, size_t n)
{
    size_t o = 0;
    if (n == 0)
        return out;
    for (; *s; s++) {
        char tmp[5];
        unsigned char c = (unsigned char)*s;
        if (c == '\\')
            strcpy(tmp, "\\\\");
        else if (c == '\t')
            strcpy(tmp, "\\t");
        else if (c == '\n')
            strcpy(tmp, "\\n");
        else if (c == '\r')
            strcpy(tmp, "\\r");
        else if (c < 0x20 || c == 0x7f)
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
        else {
            tmp[0] = (char)c;
            tmp[1] = '\0';
        }
        size_t len = strlen(tmp);
        if (o + len >= n)
            break;
        memcpy(out + o, tmp, len);
        o += len;
    }
    out[o] = '\0';
    return out;
}

char *cl_record_unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r != '\\' || !r[1]) {
            *w++ = *r;
            continue;
        }
        r++;
        switch (*r) {
        case 't': *w++ = '\t'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 'x':
            if (r[1] && r[2]) {
                char hex[3] = {r[1], r[2], 0};
                *w++ = (char)strtol(hex, NULL, 16);
                r += 2;
            }
            break;
        default: *w++ = *r; break;
        }
    }
    *w = '\0';
    return s;
}
