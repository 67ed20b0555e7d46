/*
 * memcheck.c — valgrind's command line, its XML report read, and its first error said in the
 * student's words. Contracts in cowlab/memcheck.h.
 *
 * The XML is valgrind's own (docs/internals/xml-output-protocol4.txt): a preamble, then
 * <error> elements each with <kind>, <what> (leaks: <xwhat><text>), a <stack> of <frame>s
 * (<fn>, <dir>, <file>, <line>), and maybe <auxwhat> with a second <stack>; a final <status>
 * whose <state> is FINISHED; then </valgrindoutput>. Only those elements are read.
 */
#include "cowlab/memcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *cl_memcheck_valgrind(void)
{
    const char *env = getenv(CL_VALGRIND_ENV);
    if (env && *env)
        return env;
    static const char direct[] = CL_VALGRIND_PATH ".bin";
    return access(direct, X_OK) == 0 ? direct : CL_VALGRIND_PATH;
}

int cl_memcheck_available(char *why, size_t n)
{
    const char *vg = cl_memcheck_valgrind();
    if (access(vg, X_OK) != 0) {
        snprintf(why, n, "valgrind is not installed (%s): apt-get install valgrind", vg);
        return 0;
    }
    /* The tool lives beside valgrind's libexec folder; a valgrind without memcheck (a partial
     * copy) would fail every subject at start. */
    static const char *const tool_dirs[] = {"/usr/libexec/valgrind", "/usr/lib/valgrind",
                                            "/usr/lib/x86_64-linux-gnu/valgrind",
                                            "/usr/lib/aarch64-linux-gnu/valgrind"};
    const char *lib = getenv("VALGRIND_LIB");
    char path[600];
    for (size_t i = 0; i <= sizeof tool_dirs / sizeof tool_dirs[0]; i++) {
        const char *dir = i == 0 ? lib : tool_dirs[i - 1];
        if (!dir || !*dir)
            continue;
#if defined(__x86_64__)
        snprintf(path, sizeof path, "%s/memcheck-amd64-linux", dir);
#elif defined(__aarch64__)
        snprintf(path, sizeof path, "%s/memcheck-arm64-linux", dir);
#else
        snprintf(path, sizeof path, "%s/memcheck-unknown", dir);
#endif
        if (access(path, X_OK) == 0)
            return 1;
    }
    snprintf(why, n, "valgrind's memcheck tool is not installed beside %s", vg);
    return 0;
}

int cl_memcheck_argv(char **argv, int at, int max, int xml_fd, const char *report)
{
    static char fd_opt[40];
    snprintf(fd_opt, sizeof fd_opt, "--xml-fd=%d", xml_fd);
    /* --vgdb=no: no FIFOs in the subject's /tmp (the grader would call them left behind). */
    char *words[] = {(char *)cl_memcheck_valgrind(),
                     "--tool=memcheck",
                     "--xml=yes",
                     fd_opt,
                     "--leak-check=full",
                     "--show-leak-kinds=definite,indirect",
                     "--errors-for-leak-kinds=definite,indirect",
                     "--child-silent-after-fork=yes",
                     "--trace-children=yes",
                     "--vgdb=no",
                     "--num-callers=24",
                     report ? "--track-origins=yes" : NULL};
    size_t nw = sizeof words / sizeof words[0];
    if (at + (int)nw >= max)
        return -1;
    for (size_t i = 0; i < nw; i++)
        if (words[i])
            argv[at++] = words[i];
    return at;
}

/* The text between <tag> and </tag> in [p, end), entities decoded, into out (n bytes);
 * returns a pointer past </tag>, or NULL (out "") if the element is not there. */
static const char *mc_element(const char *p, const char *end, const char *tag, char *out, size_t n)
{
    char open[48], close[48];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    if (n)
        out[0] = '\0';
    const char *a = memmem(p, (size_t)(end - p), open, strlen(open));
    if (!a)
        return NULL;
    a += strlen(open);
    const char *b = memmem(a, (size_t)(end - a), close, strlen(close));
    if (!b)
        return NULL;
    static const char *const ent[][2] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&apos;", "'"}, {"&quot;", "\""}};
    size_t at = 0;
    for (const char *s = a; s < b && at + 1 < n;) {
        size_t e = 0;
        while (e < 5 && ((size_t)(b - s) < strlen(ent[e][0]) ||
                         memcmp(s, ent[e][0], strlen(ent[e][0])) != 0))
            e++;
        if (e < 5) {
            out[at++] = ent[e][1][0];
            s += strlen(ent[e][0]);
        } else {
            out[at++] = (*s == '\n' || *s == '\t') ? ' ' : *s;
            s++;
        }
    }
    if (n)
        out[at] = '\0';
    return b + strlen(close);
}

/* The frames of the <stack> element in [p, end). */
static void mc_stack(const char *p, const char *end, struct cl_memcheck_stack *s)
{
    memset(s, 0, sizeof *s);
    const char *f;
    while (s->n < CL_MEMCHECK_FRAMES && (f = memmem(p, (size_t)(end - p), "<frame>", 7))) {
        const char *fe = memmem(f, (size_t)(end - f), "</frame>", 8);
        if (!fe)
            break;
        struct cl_memcheck_frame *fr = &s->frame[s->n++];
        char line[24];
        mc_element(f, fe, "fn", fr->fn, sizeof fr->fn);
        mc_element(f, fe, "file", fr->file, sizeof fr->file);
        mc_element(f, fe, "line", line, sizeof line);
        fr->line = atoi(line);
        p = fe + 8;
    }
}

/* One <error> element, [p, end). */
static void mc_error(const char *p, const char *end, struct cl_memcheck_error *e)
{
    memset(e, 0, sizeof *e);
    mc_element(p, end, "kind", e->kind, sizeof e->kind);
    if (!mc_element(p, end, "what", e->what, sizeof e->what)) {
        const char *x = memmem(p, (size_t)(end - p), "<xwhat>", 7);
        if (x)
            mc_element(x, end, "text", e->what, sizeof e->what);
    }
    const char *s = memmem(p, (size_t)(end - p), "<stack>", 7);
    const char *se = s ? memmem(s, (size_t)(end - s), "</stack>", 8) : NULL;
    if (!se)
        return;
    mc_stack(s, se, &e->stack);
    const char *aux = mc_element(se, end, "auxwhat", e->auxwhat, sizeof e->auxwhat);
    const char *s2 = aux ? memmem(aux, (size_t)(end - aux), "<stack>", 7) : NULL;
    const char *s2e = s2 ? memmem(s2, (size_t)(end - s2), "</stack>", 8) : NULL;
    /* only the stack right after the auxwhat: the next element, not a later one */
    if (s2e && !memmem(aux, (size_t)(s2 - aux), "<auxwhat>", 9))
        mc_stack(s2, s2e, &e->aux);
}

void cl_memcheck_parse(const char *xml, size_t len, struct cl_memcheck_report *r)
{
    memset(r, 0, sizeof *r);
    const char *end = xml + len;
    r->preamble = memmem(xml, len, "<valgrindoutput>", 16) != NULL;
    /* One valgrind writes one document. Another one began in the same stream only if the
     * subject ran a program (exec: --trace-children=yes starts a valgrind there too, whose
     * client could write to the inherited descriptor): then nothing in it can be trusted. */
    for (const char *d = xml; (d = memmem(d, (size_t)(end - d), "<valgrindoutput>", 16)); d += 16)
        r->documents++;
    const char *p = xml;
    for (;;) {
        const char *e = memmem(p, (size_t)(end - p), "<error>", 7);
        const char *ee = e ? memmem(e, (size_t)(end - e), "</error>", 8) : NULL;
        if (!ee)
            break;
        if (r->errors++ == 0)
            mc_error(e, ee, &r->first);
        p = ee + 8;
    }
    const char *closing = memmem(xml, len, "</valgrindoutput>", 17);
    const char *fin = memmem(xml, len, "<state>FINISHED</state>", 23);
    r->finished = r->documents == 1 && closing && fin && fin < closing;
}

const char *cl_memcheck_explain(const char *kind)
{
    static const char *const says[][2] = {
        {"InvalidRead", "your code read memory it does not own: past the end (or before the "
                        "start) of a block, or a block already freed"},
        {"InvalidWrite", "your code wrote memory it does not own: past the end (or before the "
                         "start) of a block, or a block already freed"},
        {"InvalidFree", "a block was freed that is not (or no longer) allocated: freed twice, or "
                        "a pointer that malloc never returned"},
        {"MismatchedFree", "a block was freed by a function that does not match how it was "
                           "allocated"},
        {"UninitCondition", "a branch depends on a value nobody set: a field or variable read "
                            "before it was written (valgrind's whole report says where that "
                            "memory came from)"},
        {"UninitValue", "a value nobody set was used: a field or variable read before it was "
                        "written (valgrind's whole report says where that memory came from)"},
        {"SyscallParam", "a system call was given memory that is unset or not yours"},
        {"Overlap", "memcpy (or a relative) was given overlapping source and destination: use "
                    "memmove"},
        {"InvalidJump", "the program jumped to an address that is not code: a corrupted "
                        "function pointer or return address"},
        {"FishyValue", "an allocation was asked for a size that looks negative: an unsigned "
                       "computation that went below zero"},
        {"Leak_DefinitelyLost", "a block was allocated and every pointer to it was lost before it "
                                "was freed: free it on every path, error paths included"},
        {"Leak_IndirectlyLost", "a block is reachable only through a block that was leaked: free "
                                "what a structure points to when you free the structure"},
    };
    for (size_t i = 0; i < sizeof says / sizeof says[0]; i++)
        if (strcmp(kind, says[i][0]) == 0)
            return says[i][1];
    return "valgrind found your code using memory in a way C does not allow";
}

/* Why a read or write went through a NULL pointer (mc_explain). */
#define MC_NULL_WHY                                                                                \
    " through a NULL pointer (or a field of one): a pointer that was never set, or one read "      \
    "from memory that holds 0 (a slot past the last item, say)"

/* The sentence for error e: cl_memcheck_explain's for its kind, except for a read or write at
 * an address in the first page (0x0 plus a field's offset), which no block can hold: that is a
 * NULL pointer followed, not a block overrun. */
static const char *mc_explain(const struct cl_memcheck_error *e)
{
    bool read = strcmp(e->kind, "InvalidRead") == 0, write = strcmp(e->kind, "InvalidWrite") == 0;
    if ((read || write) && strncmp(e->auxwhat, "Address 0x", 10) == 0 &&
        strtoull(e->auxwhat + 8, NULL, 16) < 4096)
        return read ? "your code read" MC_NULL_WHY : "your code wrote" MC_NULL_WHY;
    return cl_memcheck_explain(e->kind);
}

static bool mc_listed(const char *file, const char *files)
{
    size_t n = strlen(file);
    for (const char *p = files; n && *p;) {
        p += strspn(p, " ");
        size_t len = strcspn(p, " ");
        if (len == n && strncmp(p, file, n) == 0)
            return true;
        p += len;
    }
    return false;
}

const struct cl_memcheck_frame *cl_memcheck_blame(const struct cl_memcheck_stack *s,
                                                  const char *files)
{
    for (int i = 0; i < s->n; i++)
        if (files && mc_listed(s->frame[i].file, files))
            return &s->frame[i];
    for (int i = 0; i < s->n; i++)
        if (s->frame[i].file[0])
            return &s->frame[i];
    return s->n ? &s->frame[0] : NULL;
}

/* A function's name as its author wrote it: the compiler's clones ("bulk.isra.0",
 * "subject_run.constprop.0", "f.part.0", "f.cold") carry a suffix after a dot. */
static int mc_fn_len(const char *fn)
{
    return (int)strcspn(fn, ".");
}

/* Where frame f is, for the student; from a file not among theirs (the kit's subject, which
 * called their code or was given its results), says so. */
static void mc_where(const struct cl_memcheck_frame *f, const char *files, char *out, size_t n)
{
    if (!f)
        snprintf(out, n, "%s", "");
    else if (f->file[0] && f->line)
        snprintf(out, n, ", in %.*s (%s:%d%s)", f->fn[0] ? mc_fn_len(f->fn) : 1,
                 f->fn[0] ? f->fn : "?", f->file, f->line,
                 files && !mc_listed(f->file, files) ? ", not one of your files: look at what "
                                                       "your code gave it"
                                                     : "");
    else if (f->fn[0])
        snprintf(out, n, ", in %.*s", mc_fn_len(f->fn), f->fn);
    else
        snprintf(out, n, ", in code without line information");
}

/* text with its addresses (0x...) left out: they change from run to run, and a grade's words
 * must not. "Address 0x4a42068 is 0 bytes after" becomes "The address is 0 bytes after". */
static void mc_no_addresses(const char *text, char *out, size_t n)
{
    size_t at = 0;
    if (strncmp(text, "Address 0x", 10) == 0) {
        at = (size_t)snprintf(out, n, "The address");
        text += 8 + strspn(text + 8, "0123456789abcdefABCDEFx");
    }
    while (*text && at + 1 < n) {
        if (text[0] == '0' && text[1] == 'x') {
            text += 2 + strspn(text + 2, "0123456789abcdefABCDEF");
            at += (size_t)snprintf(out + at, n - at, "an address");
            continue;
        }
        out[at++] = *text++;
    }
    if (n)
        out[at < n ? at : n - 1] = '\0';
    /* A range, "0x1000-0x2000", reads "an address range". */
    for (char *r; (r = strstr(out, "an address-an address"));) {
        memmove(r + 16, r + 21, strlen(r + 21) + 1);
        memcpy(r, "an address range", 16);
    }
}

void cl_memcheck_describe(const struct cl_memcheck_error *e, const char *files, char *out, size_t n)
{
    char where[260], aux_where[260] = "", what[240], aux[240];
    mc_where(cl_memcheck_blame(&e->stack, files), files, where, sizeof where);
    if (e->auxwhat[0])
        mc_where(cl_memcheck_blame(&e->aux, files), NULL, aux_where, sizeof aux_where);
    mc_no_addresses(e->what[0] ? e->what : e->kind, what, sizeof what);
    mc_no_addresses(e->auxwhat, aux, sizeof aux);
    snprintf(out, n, "%s%s%s%s%s. That is: %s.", what, where, aux[0] ? "; " : "", aux, aux_where,
             mc_explain(e));
}

static void mc_render_stack(const struct cl_memcheck_stack *s, FILE *out)
{
    for (int i = 0; i < s->n; i++) {
        const struct cl_memcheck_frame *f = &s->frame[i];
        if (f->file[0])
            fprintf(out, "    %s %.*s (%s:%d)\n", i ? "by" : "at", f->fn[0] ? mc_fn_len(f->fn) : 3,
                    f->fn[0] ? f->fn : "???", f->file, f->line);
        else
            fprintf(out, "    %s %s\n", i ? "by" : "at", f->fn[0] ? f->fn : "???");
    }
}

int cl_memcheck_render(const char *xml, size_t len, FILE *out)
{
    const char *end = xml + len, *p = xml;
    int n = 0;
    for (;;) {
        const char *e = memmem(p, (size_t)(end - p), "<error>", 7);
        const char *ee = e ? memmem(e, (size_t)(end - e), "</error>", 8) : NULL;
        if (!ee)
            break;
        struct cl_memcheck_error err;
        mc_error(e, ee, &err);
        fprintf(out, "%d. %s: %s\n", ++n, err.kind, err.what);
        mc_render_stack(&err.stack, out);
        if (err.auxwhat[0]) {
            fprintf(out, "  %s\n", err.auxwhat);
            mc_render_stack(&err.aux, out);
        }
        fprintf(out, "  That is: %s.\n\n", mc_explain(&err));
        p = ee + 8;
    }
    return n;
}
