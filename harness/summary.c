/*
 * summary.c — a class summary from a batch's reports (cowlab/summary.h). Everything read
 * from a results.json may carry student text: it is counted, quoted in the CSV and shown
 * escaped on the terminal, never interpreted.
 */
#include "cowlab/summary.h"

#include "cowlab/batch.h"
#include "cowlab/csv.h"
#include "cowlab/grade.h"
#include "cowlab/grades.h"
#include "cowlab/json.h"
#include "cowlab/sandbox.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { SUMMARY_PLOT_TIMEOUT_MS = 120000 };

static const char summary_stub_note[] = "note: a file of this lab is missing or did not compile";

/* One distinct failure message of a test, and how many submissions failed with it. */
struct summary_msg {
    char *text;
    int count;
};

/* One test of the registry, over the class. */
struct summary_test {
    char name[112]; /* "01-fork-cow/zero_page" */
    const struct cl_test_def *def;
    int passed, failed, ungradable;
    int unsubmitted; /* its lab had none of its files in the submission: not a failure here */
    struct summary_msg *msgs;
    int nmsgs;
};

/* What the summary lists by submission: (id, text) pairs. */
struct summary_list {
    struct cl_csv_row ids, texts;
};

struct summary {
    const char *out_dir;
    struct summary_test *tests;
    int ntests;
    int bins[CL_SUMMARY_BINS];
    int scored;                        /* graded with a maximum above 0: the histogram's total */
    int rows, graded;                  /* rows of the grades file; of them graded */
    bool partial;                      /* a --test batch */
    struct summary_list not_built;     /* a lab that did not build: "LAB: first line" */
    struct summary_list not_graded;    /* could not be graded, or no readable results.json */
    struct summary_list no_submission; /* in the roster, without a submission */
    struct summary_list not_in_roster; /* a submission the roster does not name */
};

static bool summary_word_char(unsigned char c)
{
    return isalnum(c) || c == '_';
}

/* Normalise line (len bytes) into msg (size n) by the rules in cowlab/summary.h, step 3. */
static void summary_normalise(const char *line, size_t len, char *msg, size_t n)
{
    char *flat = malloc(len + 1);
    size_t k = 0;
    if (!flat) {
        snprintf(msg, n, "(out of memory)");
        return;
    }
    for (size_t i = 0; i < len; i++) { /* white space and control characters: one space */
        unsigned char c = (unsigned char)line[i];
        bool space = c <= 0x20 || c == 0x7f;
        if (!space)
            flat[k++] = (char)c;
        else if (k > 0 && flat[k - 1] != ' ')
            flat[k++] = ' ';
    }
    while (k > 0 && flat[k - 1] == ' ')
        k--;
    flat[k] = '\0';
    const char *s = flat;
    size_t loc = strcspn(s, ": "); /* FILE:LINE: */
    if (s[loc] == ':' && loc > 0 && isdigit((unsigned char)s[loc + 1])) {
        size_t d = loc + 1;
        while (isdigit((unsigned char)s[d]))
            d++;
        if (s[d] == ':' && s[d + 1] == ' ')
            s += d + 2;
    }
    size_t o = 0, i = 0, cap = n > CL_SUMMARY_MESSAGE + 1 ? CL_SUMMARY_MESSAGE + 1 : n;
    while (s[i] && o + 1 < cap) {
        unsigned char c = (unsigned char)s[i];
        bool free_start = i == 0 || !summary_word_char((unsigned char)s[i - 1]);
        bool sign = c == '-' && isdigit((unsigned char)s[i + 1]);
        if (!free_start || !(isdigit(c) || sign)) {
            msg[o++] = s[i++];
            continue;
        }
        i += sign;
        if (s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
            isxdigit((unsigned char)s[i + 2]))
            for (i += 2; isxdigit((unsigned char)s[i]);)
                i++;
        else {
            while (isdigit((unsigned char)s[i]))
                i++;
            if (s[i] == '.' && isdigit((unsigned char)s[i + 1]))
                for (i++; isdigit((unsigned char)s[i]);)
                    i++;
        }
        msg[o++] = '#';
    }
    if (((unsigned char)s[i] & 0xc0) == 0x80) { /* cut inside a character: drop all of it */
        while (o > 0 && ((unsigned char)msg[o - 1] & 0xc0) == 0x80)
            o--;
        if (o > 0 && (unsigned char)msg[o - 1] >= 0xc0)
            o--;
    }
    msg[o] = '\0';
    free(flat);
}

char *cl_summary_message(const char *output, const char *about, char *msg, size_t n)
{
    size_t first = strcspn(output, "\n"), alen = strlen(about);
    size_t vlen = first; /* the verdict: the first line less ": ABOUT" */
    if (first >= alen + 2 && memcmp(output + first - alen, about, alen) == 0 &&
        memcmp(output + first - alen - 2, ": ", 2) == 0)
        vlen = first - alen - 2;
    if (vlen == 9 && memcmp(output, "not built", 9) == 0) {
        snprintf(msg, n, "not built");
        return msg;
    }
    const char *line = output[first] ? output + first + 1 : NULL;
    while (line && *line) {
        size_t len = strcspn(line, "\n"), lead = strspn(line, " \t\r");
        bool blank = lead >= len;
        bool note =
            !blank && strncmp(line + lead, summary_stub_note, strlen(summary_stub_note)) == 0;
        if (!blank && !note) {
            if (strncmp(line + lead, "--- output", 10) == 0)
                break;
            summary_normalise(line, len, msg, n);
            return msg;
        }
        line = line[len] ? line + len + 1 : NULL;
    }
    summary_normalise(output, vlen, msg, n);
    return msg;
}

/* Append (id, text) to l. 0, or -1. */
static int summary_list_add(struct summary_list *l, const char *id, const char *text)
{
    if (cl_csv_push(&l->ids, id) < 0)
        return -1;
    if (cl_csv_push(&l->texts, text) == 0)
        return 0;
    free(l->ids.cells[--l->ids.n]);
    return -1;
}

static void summary_list_free(struct summary_list *l)
{
    cl_csv_row_free(&l->ids);
    cl_csv_row_free(&l->texts);
}

/* Count one failure of t with message text. 0, or -1 (out of memory). */
static int summary_count_msg(struct summary_test *t, const char *text)
{
    for (int i = 0; i < t->nmsgs; i++)
        if (strcmp(t->msgs[i].text, text) == 0) {
            t->msgs[i].count++;
            return 0;
        }
    struct summary_msg *more = realloc(t->msgs, (size_t)(t->nmsgs + 1) * sizeof *more);
    if (!more)
        return -1;
    t->msgs = more;
    if (!(t->msgs[t->nmsgs].text = strdup(text)))
        return -1;
    t->msgs[t->nmsgs++].count = 1;
    return 0;
}

/* The most common message of t (ties: the first in byte order), or NULL. */
static const struct summary_msg *summary_top(const struct summary_test *t)
{
    const struct summary_msg *best = NULL;
    for (int i = 0; i < t->nmsgs; i++)
        if (!best || t->msgs[i].count > best->count ||
            (t->msgs[i].count == best->count && strcmp(t->msgs[i].text, best->text) < 0))
            best = &t->msgs[i];
    return best;
}

static bool summary_finding(const struct summary_test *t)
{
    int gradable = t->passed + t->failed;
    return gradable > 0 && t->failed * 100 >= gradable * CL_SUMMARY_FINDING_PCT;
}

static struct summary_test *summary_test(struct summary *s, const char *name)
{
    for (int i = 0; name && i < s->ntests; i++)
        if (strcmp(s->tests[i].name, name) == 0)
            return &s->tests[i];
    return NULL;
}

/* The line of a not-built lab's build log that says most: "none of the lab's files ..."
 * when nothing was submitted, else the first line naming an error, else the first line. */
static void summary_build_reason(const char *output, char *out, size_t n)
{
    const char *log = strchr(output, '\n');
    log = log ? log + 1 : "";
    const char *pick = strstr(log, "none of the lab's files");
    if (!pick)
        pick = strstr(log, "error");
    while (pick && pick > log && pick[-1] != '\n')
        pick--;
    if (!pick)
        pick = log;
    summary_normalise(pick, strcspn(pick, "\n"), out, n);
}

/* Whether a not-built lab's output says that none of its files was submitted: the grader's
 * line, at the start of a line (a compiler quotes source lines after a "NN | " margin). */
static bool summary_unsubmitted(const char *output)
{
    static const char line[] = "\nnone of the lab's files is in the submission";
    return strstr(output, line) != NULL;
}

/* Add one graded submission's results.json (already parsed) to s. 0, or -1 (out of memory). */
static int summary_add_results(struct summary *s, const char *id, const struct cl_json *r)
{
    const struct cl_json *tests = cl_json_get(r, "tests"), *score = cl_json_get(r, "score");
    double max = 0;
    char built_told[CL_MAX_LABS * 64] = "";
    for (size_t i = 0; tests && tests->type == CL_JSON_ARRAY && i < tests->n; i++) {
        const struct cl_json *t = &tests->items[i], *m = cl_json_get(t, "max_score");
        const char *status = cl_json_str(t, "status"), *out = cl_json_str(t, "output");
        struct summary_test *st = summary_test(s, cl_json_str(t, "name"));
        max += m && m->type == CL_JSON_NUMBER ? m->number : 0;
        if (!st)
            continue;  /* a test this registry does not have */
        if (!status) { /* not gradable here: no status, max_score 0 */
            st->ungradable++;
            continue;
        }
        if (strcmp(status, "passed") == 0) {
            st->passed++;
            continue;
        }
        char msg[CL_SUMMARY_MESSAGE + 1];
        cl_summary_message(out ? out : "", st->def->about, msg, sizeof msg);
        if (strcmp(msg, "not built") == 0 && summary_unsubmitted(out ? out : "")) {
            st->unsubmitted++;
            continue;
        }
        st->failed++;
        if (summary_count_msg(st, msg) < 0)
            return -1;
        char lab[64];
        snprintf(lab, sizeof lab, "%.*s/", (int)strcspn(st->name, "/"), st->name);
        if (strcmp(msg, "not built") == 0 && !strstr(built_told, lab)) {
            char reason[CL_SUMMARY_MESSAGE + 1], text[CL_SUMMARY_MESSAGE + 80];
            summary_build_reason(out ? out : "", reason, sizeof reason);
            snprintf(text, sizeof text, "%.*s: %s", (int)strlen(lab) - 1, lab, reason);
            if (summary_list_add(&s->not_built, id, text) < 0)
                return -1;
            snprintf(built_told + strlen(built_told), sizeof built_told - strlen(built_told), "%s",
                     lab);
        }
    }
    if (max > 0 && score && score->type == CL_JSON_NUMBER) {
        int bin = (int)(score->number * 10 / max);
        s->bins[bin < 0 ? 0 : bin >= CL_SUMMARY_BINS ? CL_SUMMARY_BINS - 1 : bin]++;
        s->scored++;
    }
    return 0;
}

/* Read the grades file's rows and each graded row's results.json into s. 0; 1 when some
 * results.json could not be read (named on stderr, listed as not graded); -1 out of memory. */
static int summary_read(struct summary *s, const struct cl_csv *g)
{
    const struct cl_csv_row *h = &g->rows[0];
    int id = cl_grades_column(h, "id"), status = cl_grades_column(h, "status");
    int name = cl_grades_column(h, "name"), rc = 0;
    for (int i = 1; i < g->n; i++) {
        const struct cl_csv_row *row = &g->rows[i];
        if (row->n != h->n)
            continue; /* cl_grades_* never write one; a hand-edited file might */
        const char *who = row->cells[id], *st = row->cells[status];
        s->rows++;
        if (strcmp(st, CL_GRADES_NO_SUBMISSION) == 0) {
            if (summary_list_add(&s->no_submission, who, "") < 0)
                return -1;
            continue;
        }
        if (name >= 0 && row->cells[name][0] == '\0' &&
            summary_list_add(&s->not_in_roster, who, "") < 0)
            return -1;
        if (strcmp(st, CL_GRADES_GRADED) != 0 && strcmp(st, CL_GRADES_PARTIAL) != 0) {
            if (summary_list_add(&s->not_graded, who, st) < 0)
                return -1;
            continue;
        }
        char path[1400], err[1600];
        struct cl_json r;
        snprintf(path, sizeof path, "%s/%s/results.json", s->out_dir, who);
        if (cl_json_load(path, &r, err, sizeof err) < 0 || r.type != CL_JSON_OBJECT) {
            if (r.type != CL_JSON_OBJECT && err[0] == '\0')
                snprintf(err, sizeof err, "%s: not a JSON object", path);
            fprintf(stderr, "cowlab: summary: %s\n", err);
            cl_json_free(&r);
            rc = 1;
            if (summary_list_add(&s->not_graded, who, "its results.json cannot be read") < 0)
                return -1;
            continue;
        }
        s->graded++;
        int added = summary_add_results(s, who, &r);
        cl_json_free(&r);
        if (added < 0)
            return -1;
    }
    return rc;
}

static const char *summary_bin_label(int b, char *buf, size_t n)
{
    if (b == CL_SUMMARY_BINS - 1)
        snprintf(buf, n, "100%%");
    else
        snprintf(buf, n, "%d-%d%%", b * 10, b * 10 + 9);
    return buf;
}

/* Text for a terminal: control bytes as \xHH (report.c does the same for feedback). */
static void summary_term_text(FILE *out, const char *t)
{
    for (const unsigned char *p = (const unsigned char *)t; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
}

static void summary_term_list(FILE *out, const char *title, const struct summary_list *l)
{
    if (l->ids.n == 0)
        return;
    fprintf(out, "%s (%d):\n", title, l->ids.n);
    for (int i = 0; i < l->ids.n; i++) {
        fputs("  ", out);
        summary_term_text(out, l->ids.cells[i]);
        if (l->texts.cells[i][0]) {
            fputs("  ", out);
            summary_term_text(out, l->texts.cells[i]);
        }
        fputc('\n', out);
    }
}

static void summary_table(FILE *out, const struct summary *s, bool color)
{
    const char *bold = color ? "\033[1m" : "", *red = color ? "\033[31m" : "",
               *off = color ? "\033[0m" : "";
    fprintf(out, "\n%sclass summary%s of %s%s: %d rows, %d graded\n", bold, off, s->out_dir,
            s->partial ? " (a --test batch: these tests only, not grades)" : "", s->rows,
            s->graded);
    fprintf(out, "score (%% of the maximum)  submissions\n");
    for (int b = 0; b < CL_SUMMARY_BINS; b++) {
        char label[16];
        fprintf(out, "  %-8s %4d  ", summary_bin_label(b, label, sizeof label), s->bins[b]);
        for (int k = 0; k < s->bins[b] && k < 60; k++)
            fputc('#', out);
        fputc('\n', out);
    }
    fprintf(out, "%-40s %9s %5s  %s\n", "test", "passed", "rate", "most common failure (how many)");
    for (int i = 0; i < s->ntests; i++) {
        const struct summary_test *t = &s->tests[i];
        int gradable = t->passed + t->failed;
        if (gradable + t->ungradable + t->unsubmitted == 0)
            continue;
        if (gradable == 0) {
            fprintf(out, "  %-38s not gradable here (%d), not submitted (%d)\n", t->name,
                    t->ungradable, t->unsubmitted);
            continue;
        }
        char frac[32];
        snprintf(frac, sizeof frac, "%d/%d", t->passed, gradable);
        fprintf(out, "  %-38s %9s %4d%%", t->name, frac, t->passed * 100 / gradable);
        const struct summary_msg *m = summary_top(t);
        if (m) {
            fprintf(out, "  (%d) ", m->count);
            summary_term_text(out, m->text);
        }
        if (t->ungradable)
            fprintf(out, "  [not gradable here: %d]", t->ungradable);
        if (t->unsubmitted)
            fprintf(out, "  [not submitted: %d]", t->unsubmitted);
        fputc('\n', out);
    }
    for (int i = 0; i < s->ntests; i++)
        if (summary_finding(&s->tests[i]))
            fprintf(out,
                    "%sfinding:%s %s failed by %d of %d gradable submissions: the cause may be "
                    "the machine or the test, not the class\n",
                    red, off, s->tests[i].name, s->tests[i].failed,
                    s->tests[i].passed + s->tests[i].failed);
    summary_term_list(out, "labs not built", &s->not_built);
    summary_term_list(out, "could not be graded", &s->not_graded);
    summary_term_list(out, "no submission (in the roster)", &s->no_submission);
    summary_term_list(out, "submissions not in the roster", &s->not_in_roster);
}

/* summary.csv: section,name,count,total,percent,not_gradable,not_submitted,finding,
 * message_count,message.
 * The first CL_SUMMARY_BINS rows are the histogram, then one row per test that ran (the plot
 * reads them by position), then the lists. */
static int summary_write_csv(FILE *f, const void *ctx)
{
    const struct summary *s = ctx;
    fputs("section,name,count,total,percent,not_gradable,not_submitted,finding,message_count,"
          "message\n",
          f);
    for (int b = 0; b < CL_SUMMARY_BINS; b++) {
        char label[16];
        fprintf(f, "histogram,%s,%d,%d,%.1f,,,,,\n", summary_bin_label(b, label, sizeof label),
                s->bins[b], s->scored, s->scored ? s->bins[b] * 100.0 / s->scored : 0.0);
    }
    for (int i = 0; i < s->ntests; i++) {
        const struct summary_test *t = &s->tests[i];
        int gradable = t->passed + t->failed;
        if (gradable + t->ungradable + t->unsubmitted == 0)
            continue;
        const struct summary_msg *m = summary_top(t);
        fprintf(f, "test,%s,%d,%d,", t->name, t->passed, gradable);
        if (gradable)
            fprintf(f, "%.1f", t->passed * 100.0 / gradable);
        fprintf(f, ",%d,%d,%s,", t->ungradable, t->unsubmitted, summary_finding(t) ? "yes" : "");
        if (m) {
            fprintf(f, "%d,", m->count);
            cl_csv_cell(f, m->text);
        } else
            fputc(',', f);
        fputc('\n', f);
    }
    const struct {
        const char *section;
        const struct summary_list *l;
    } lists[] = {{"not_built", &s->not_built},
                 {"not_graded", &s->not_graded},
                 {"no_submission", &s->no_submission},
                 {"not_in_roster", &s->not_in_roster}};
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++)
        for (int i = 0; i < lists[k].l->ids.n; i++) {
            fprintf(f, "%s,", lists[k].section);
            cl_csv_cell(f, lists[k].l->ids.cells[i]);
            fputs(",,,,,,,,", f);
            cl_csv_cell(f, lists[k].l->texts.cells[i]);
            fputc('\n', f);
        }
    return ferror(f) ? -1 : 0;
}

/* Draw OUT/summary.png and .svg from summary.csv with plots/class-summary.gp. 0, or 1 after
 * gnuplot's words on stderr. */
static int summary_plot(const struct summary *s, const char *csv)
{
    char script[1200], ntests[16];
    int shown = 0;
    for (int i = 0; i < s->ntests; i++)
        shown += s->tests[i].passed + s->tests[i].failed + s->tests[i].ungradable +
                     s->tests[i].unsubmitted >
                 0;
    snprintf(script, sizeof script, "%s/plots/class-summary.gp", cl_kit_dir());
    snprintf(ntests, sizeof ntests, "%d", shown);
    static const char *const terms[] = {"png", "svg"};
    int rc = 0;
    for (int t = 0; t < 2; t++) {
        char file[1200];
        snprintf(file, sizeof file, "%s/summary.%s", s->out_dir, terms[t]);
        char *argv[] = {"/usr/bin/env", "gnuplot",        "-d",   "-c", script, (char *)csv,
                        file,           (char *)terms[t], ntests, NULL};
        struct cl_sandbox_opts o = cl_sandbox_local(SUMMARY_PLOT_TIMEOUT_MS);
        struct cl_sandbox_result r;
        if (cl_sandbox_run(argv, &o, &r) < 0 || !WIFEXITED(r.status) ||
            WEXITSTATUS(r.status) != 0) {
            fprintf(stderr, "cowlab: summary: gnuplot failed on %s:\n%s", script,
                    r.output ? r.output : "");
            rc = 1;
        }
        cl_sandbox_result_free(&r);
    }
    return rc;
}

static void summary_free(struct summary *s)
{
    for (int i = 0; i < s->ntests; i++) {
        for (int k = 0; k < s->tests[i].nmsgs; k++)
            free(s->tests[i].msgs[k].text);
        free(s->tests[i].msgs);
    }
    free(s->tests);
    summary_list_free(&s->not_built);
    summary_list_free(&s->not_graded);
    summary_list_free(&s->no_submission);
    summary_list_free(&s->not_in_roster);
}

/* The batch's grades file into g: grades.csv, else grades-partial.csv (*partial). 0, or 2
 * after a one-line error. */
static int summary_grades(const char *out_dir, struct cl_csv *g, bool *partial)
{
    char path[1200], err[300];
    snprintf(path, sizeof path, "%s/%s", out_dir, CL_GRADES_FILE);
    *partial = access(path, F_OK) != 0;
    if (*partial)
        snprintf(path, sizeof path, "%s/%s", out_dir, CL_GRADES_PARTIAL_FILE);
    if (cl_csv_load(path, g, err, sizeof err) < 0)
        return cl_refuse("summary: no batch in %s (%s)", out_dir, err);
    if (g->n < 1 || cl_grades_column(&g->rows[0], "id") != 0 ||
        cl_grades_column(&g->rows[0], "status") < 0) {
        cl_csv_free(g);
        return cl_refuse("summary: %s has no id and status columns: grade the batch again", path);
    }
    return 0;
}

int cl_summary(const char *out_dir, const struct cl_lab_def *labs, int nlabs, FILE *term,
               bool color)
{
    struct summary s = {.out_dir = out_dir};
    struct cl_csv g;
    if (summary_grades(out_dir, &g, &s.partial))
        return 2;
    int total = 0, rc;
    for (int i = 0; i < nlabs; i++)
        total += labs[i].ntests;
    if (!(s.tests = calloc((size_t)total + 1, sizeof *s.tests))) {
        cl_csv_free(&g);
        return cl_refuse("out of memory");
    }
    for (int i = 0; i < nlabs; i++)
        for (int j = 0; j < labs[i].ntests; j++) {
            struct summary_test *t = &s.tests[s.ntests++];
            snprintf(t->name, sizeof t->name, "%s/%s", labs[i].slug, labs[i].tests[j].name);
            t->def = &labs[i].tests[j];
        }
    rc = summary_read(&s, &g);
    cl_csv_free(&g);
    if (rc < 0) {
        summary_free(&s);
        return cl_refuse("out of memory");
    }
    summary_table(term, &s, color);
    char csv[1200];
    snprintf(csv, sizeof csv, "%s/summary.csv", out_dir);
    if (cl_csv_replace(csv, summary_write_csv, &s) < 0) {
        fprintf(stderr, "cowlab: summary: cannot write %s: %s\n", csv, strerror(errno));
        rc = 1;
    } else if (summary_plot(&s, csv) != 0)
        rc = 1;
    else
        fprintf(term, "summary: %s, %s/summary.png, %s/summary.svg\n", csv, out_dir, out_dir);
    summary_free(&s);
    return rc;
}
