/*
 * hint.c — hints in steps, and where each student is in them (cowlab/hint.h).
 */
#include "cowlab/hint.h"

#include "cowlab/checked.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cl_hint_anchor(const char *heading, char *out, size_t n)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)heading; *p && o + 1 < n; p++) {
        if (isalnum(*p) && *p < 0x80)
            out[o++] = (char)tolower(*p);
        else if (*p == ' ')
            out[o++] = '-';
        else if (*p == '-' || *p == '_')
            out[o++] = (char)*p;
    }
    out[o] = '\0';
}

int cl_hint_resolve(const char *kit, const char *link, char *title, size_t n)
{
    const char *hash = strchr(link, '#');
    char path[PATH_MAX];
    if (!hash) {
        snprintf(title, n, "'%s' has no #anchor", link);
        return -1;
    }
    snprintf(path, sizeof path, "%s/%.*s", kit, (int)(hash - link), link);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(title, n, "cannot read %s", path);
        return -1;
    }
    char line[1024], anchor[1024];
    bool fenced = false, found = false;
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, "```", 3) == 0)
            fenced = !fenced;
        if (fenced || line[0] != '#')
            continue;
        char *text = line + strspn(line, "#");
        text += strspn(text, " ");
        text[strcspn(text, "\n")] = '\0';
        cl_hint_anchor(text, anchor, sizeof anchor);
        if (strcmp(anchor, hash + 1) == 0) {
            snprintf(title, n, "%s", text);
            found = true;
        }
    }
    fclose(f);
    if (!found)
        snprintf(title, n, "no heading of %.*s has the anchor #%s", (int)(hash - link), link,
                 hash + 1);
    return found ? 0 : -1;
}

/* STATE/hints.tsv: "SLUG\tTEST\tSEEN" lines. */
static void hint_path(char *out, size_t n)
{
    snprintf(out, n, "%s/hints.tsv", cl_state_dir());
}

int cl_hint_seen(const struct cl_lab_def *lab, const struct cl_test_def *t)
{
    char path[PATH_MAX], slug[64], test[64];
    int seen = 0, v;
    hint_path(path, sizeof path);
    FILE *f = fopen(path, "r");
    while (f && fscanf(f, "%63s %63s %d", slug, test, &v) == 3)
        if (strcmp(slug, lab->slug) == 0 && strcmp(test, t->name) == 0)
            seen = v;
    if (f)
        fclose(f);
    return seen < 0 ? 0 : seen > t->hint.nsteps ? t->hint.nsteps : seen;
}

int cl_hint_remember(const struct cl_lab_def *lab, const struct cl_test_def *t, int seen)
{
    char path[PATH_MAX], tmp[PATH_MAX + 16], slug[64], test[64];
    hint_path(path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", cl_state_dir());
    for (char *p = dir + 1; *p; p++) /* make the folder and its parents */
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0755);
            *p = '/';
        }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return -1;
    FILE *in = fopen(path, "r"), *out = fopen(tmp, "w");
    if (!out) {
        if (in)
            fclose(in);
        return -1;
    }
    int v;
    while (in && fscanf(in, "%63s %63s %d", slug, test, &v) == 3)
        if (strcmp(slug, lab->slug) != 0 || strcmp(test, t->name) != 0)
            fprintf(out, "%s\t%s\t%d\n", slug, test, v);
    fprintf(out, "%s\t%s\t%d\n", lab->slug, t->name, seen);
    if (in)
        fclose(in);
    int rc = ferror(out) ? -1 : 0;
    if (fclose(out) != 0 || rc < 0 || rename(tmp, path) < 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Print prefix then text, wrapped at width columns at spaces, later lines indented as deep as
 * the prefix. */
static void hint_wrap(FILE *out, const char *prefix, const char *text, int width)
{
    int indent = (int)strlen(prefix), col = indent;
    fputs(prefix, out);
    for (const char *w = text; *w;) {
        w += strspn(w, " ");
        int len = (int)strcspn(w, " ");
        if (!len)
            break;
        if (col > indent && col + 1 + len > width) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        fprintf(out, "%.*s", len, w);
        col += len;
        w += len;
    }
    fputc('\n', out);
}

int cl_hint_print(FILE *out, const char *kit, const struct cl_lab_def *lab,
                  const struct cl_test_def *t, int upto, const char *again)
{
    const struct cl_hint *h = &t->hint;
    char title[600];
    int rc = cl_hint_resolve(kit, h->chapter, title, sizeof title);
    char head[128];
    snprintf(head, sizeof head, "%s/%s: ", lab->slug, t->name);
    hint_wrap(out, head, t->about, 96);
    for (int i = 0; i < upto && i < h->nsteps; i++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "  hint %d/%d: ", i + 1, h->nsteps);
        hint_wrap(out, prefix, h->step[i], 96);
    }
    if (upto >= h->nsteps)
        fprintf(out, "  read: %s (\"%s\")\n", h->chapter, rc == 0 ? title : "not found");
    else if (again)
        fprintf(out, "  (%s for hint %d/%d)\n", again, upto + 1, h->nsteps);
    else
        fprintf(out, "  (again for hint %d/%d: make hint LAB=%s TEST=%s)\n", upto + 1, h->nsteps,
                lab->number, t->name);
    return rc;
}
