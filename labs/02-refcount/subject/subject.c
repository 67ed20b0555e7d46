/*
 * subject.c — lab 02's commands in the subject (protocol: cowlab/subject.h). The world lives
 * here, built by world.c with the student's functions; the observer builds the same world for
 * its model and measures this one.
 *
 *   build SEM G38 PAYLOAD N IMMORTAL FREEZE   a scenario's world and payload (world.h), G38 1:
 *                                 3.8's geometry    R base0 npages0 ... (one pair per region)
 *   unbuild                       free it            R
 *   world SEM MAXOBJ MAXITEMS     a small world for single objects (replaces the last)   R
 *   int V                         a new int in it    R address
 *   balanced N                    a list of N ints 1000.. in it (fewer if it fills up)
 *                                 R address of the list
 *   empty_list                    a new empty list (a tracked container) in it   R address
 *   array N                       an unboxed array of N values in it   R address
 *   generations                   rc_world_young, rc_world_permanent   R young permanent
 *   table                         rc_world_table     R address
 *   set ADDR V                    ob_refcnt = V (the kit's write)   R
 *   incref ADDR, decref ADDR, make_immortal ADDR     the student's   R
 *   is_immortal ADDR                                 R 0 or 1
 *   freeze                        rc_gc_freeze on it   R
 *   table_new ENTRIES             rc_outline_table_new (unmapped again)
 *                                 R address errno bytes-it-asked-mmap-for (0: no mmap call)
 *                                 errno-of-its-failed-mmap (0: none failed)
 *   sum L, len L, contains L V    rc_list_sum, rc_list_len, rc_list_contains on list L   R value
 *   array_sum A                   rc_array_sum on array A   R value
 *   p_blocks BS G38, p_int_pages N G38 PS, p_sum_pages N SEM G38 PS, p_pss RES DIRTIED K PS
 *                                 the predictions of predict.c   R value
 * Team workers run the scenario's operation on the built world: A0 = enum rc_op, A1 = the
 * value `contains` looks for; report[0] = what it returned.
 */
#include "02-refcount.h"
#include "cowlab/subject.h"
#include "world.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RC_PTR(a) ((void *)(uintptr_t)(a))

static struct rc_built rc_scene;  /* the scenario's world */
static struct rc_world *rc_small; /* the world of single-object commands */

/* ---- the student's functions, as the world calls them: each says when it starts --------- */

static const char *rc_last_said;

/* Say fn starts, unless it was the last one said (the world calls some per object). */
static void rc_calls(const char *fn)
{
    if (rc_last_said != fn)
        cl_subject_calls(fn);
    rc_last_said = fn;
}

static uint32_t *rc_hook_table(size_t entries)
{
    rc_calls("rc_outline_table_new");
    return rc_outline_table_new(entries);
}

static void rc_hook_immortal(struct rc_world *w, struct rc_object *o)
{
    rc_calls("rc_make_immortal");
    rc_make_immortal(w, o);
}

static void rc_hook_incref(struct rc_world *w, struct rc_object *o)
{
    rc_calls("rc_incref");
    rc_incref(w, o);
}

static void rc_hook_decref(struct rc_world *w, struct rc_object *o)
{
    rc_calls("rc_decref");
    rc_decref(w, o);
}

static void rc_hook_freeze(struct rc_world *w)
{
    rc_calls("rc_gc_freeze");
    rc_gc_freeze(w);
}

static const struct rc_hooks rc_student_hooks = {
    .outline_table_new = rc_hook_table,
    .make_immortal = rc_hook_immortal,
    .incref = rc_hook_incref,
    .decref = rc_hook_decref,
    .gc_freeze = rc_hook_freeze,
};

static const struct rc_geometry *rc_geo(uint64_t g38)
{
    return g38 ? &rc_geometry_38 : &rc_geometry_310;
}

/* ---- scenarios ------------------------------------------------------------------------- */

static int rc_cmd_build(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    if (rc_scene.w || a[0] > RC_OUTLINE || a[2] > PAY_ARRAY) {
        *why = "build: one world at a time, known semantics and payload";
        errno = EINVAL;
        return -1;
    }
    struct rc_scenario sc = {.name = "subject",
                             .sem = (enum rc_semantics)a[0],
                             .geometry = rc_geo(a[1]),
                             .payload = (enum rc_payload)a[2],
                             .n = (size_t)a[3],
                             .immortal_items = a[4] != 0,
                             .freeze = a[5] != 0};
    rc_last_said = NULL;
    if (rc_build(&sc, &rc_student_hooks, &rc_scene) < 0) {
        rc_world_free(rc_scene.w);
        memset(&rc_scene, 0, sizeof rc_scene);
        *why = "the world could not be built (did rc_outline_table_new return NULL?)";
        return -1;
    }
    for (int i = 0; i < RC_NREGIONS; i++) {
        const struct rc_region *r = rc_world_region(rc_scene.w, i);
        v[2 * i] = (int64_t)(uintptr_t)r->base;
        v[2 * i + 1] = (int64_t)r->npages;
    }
    *n = 2 * RC_NREGIONS;
    return 0;
}

static int rc_cmd_unbuild(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)a, (void)v, (void)why;
    rc_world_free(rc_scene.w);
    memset(&rc_scene, 0, sizeof rc_scene);
    *n = 0;
    return 0;
}

static int rc_worker(void *arg, int worker, int phase, int64_t *report)
{
    const uint64_t *a = arg;
    struct rc_world *w = rc_scene.w;
    (void)worker, (void)phase;
    if (!w)
        return 1;
    switch ((enum rc_op)a[0]) {
    case OP_SUM:
        cl_subject_calls("rc_list_sum");
        report[0] = rc_list_sum(w, rc_scene.list);
        break;
    case OP_LEN:
        cl_subject_calls("rc_list_len");
        report[0] = (int64_t)rc_list_len(rc_scene.list);
        break;
    case OP_CONTAINS:
        cl_subject_calls("rc_list_contains");
        report[0] = rc_list_contains(w, rc_scene.list, (int64_t)a[1]);
        break;
    case OP_GC:
        cl_subject_calls("rc_gc_collect");
        rc_gc_collect(w);
        report[0] = 0;
        break;
    case OP_ARRAY_SUM:
        cl_subject_calls("rc_array_sum");
        report[0] = rc_array_sum(w, rc_scene.array);
        break;
    default: return 1;
    }
    return 0;
}

/* ---- single objects ------------------------------------------------------------------- */

static int rc_cmd_world(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)v;
    rc_world_free(rc_small);
    rc_last_said = NULL;
    rc_small = a[0] <= RC_OUTLINE ? rc_world_new(&rc_geometry_310, (enum rc_semantics)a[0],
                                                 (size_t)a[1], (size_t)a[2], 0, &rc_student_hooks)
                                  : NULL;
    *n = 0;
    if (!rc_small) {
        *why = "the world could not be built (did rc_outline_table_new return NULL?)";
        return -1;
    }
    return 0;
}

/* The small world, or a failure for commands that need one. */
static struct rc_world *rc_need_small(const char **why)
{
    if (!rc_small) {
        *why = "no world: send `world` first";
        errno = EINVAL;
    }
    return rc_small;
}

static int rc_cmd_int(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct rc_world *w = rc_need_small(why);
    struct rc_int *o = w ? rc_int_new(w, (int64_t)a[0]) : NULL;
    if (w && !o) {
        *why = "the world is full";
        errno = ENOSPC;
    }
    v[0] = (int64_t)(uintptr_t)o;
    *n = 1;
    return o ? 0 : -1;
}

static int rc_cmd_balanced(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct rc_world *w = rc_need_small(why);
    struct rc_list *l = w ? rc_list_new(w, (size_t)a[0]) : NULL;
    for (size_t i = 0; l && i < a[0]; i++) {
        struct rc_int *o = rc_int_new(w, 1000 + (int64_t)i);
        if (o)
            rc_list_append(w, l, &o->ob_base);
    }
    if (w && !l) {
        *why = "the world has no room for the list";
        errno = ENOSPC;
    }
    v[0] = (int64_t)(uintptr_t)l;
    *n = 1;
    return l ? 0 : -1;
}

static int rc_cmd_empty_list(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)a;
    struct rc_world *w = rc_need_small(why);
    struct rc_list *l = w ? rc_list_new_empty(w) : NULL;
    if (w && !l) {
        *why = "the world is full";
        errno = ENOSPC;
    }
    v[0] = (int64_t)(uintptr_t)l;
    *n = 1;
    return l ? 0 : -1;
}

static int rc_cmd_array(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct rc_world *w = rc_need_small(why);
    struct rc_array *arr = w ? rc_array_new(w, (size_t)a[0]) : NULL;
    if (w && !arr) {
        *why = "the world has no room for the array";
        errno = ENOSPC;
    }
    v[0] = (int64_t)(uintptr_t)arr;
    *n = 1;
    return arr ? 0 : -1;
}

static int rc_cmd_generations(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)a;
    struct rc_world *w = rc_need_small(why);
    if (!w)
        return -1;
    v[0] = (int64_t)(uintptr_t)rc_world_young(w);
    v[1] = (int64_t)(uintptr_t)rc_world_permanent(w);
    *n = 2;
    return 0;
}

static int rc_cmd_table(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)a;
    struct rc_world *w = rc_need_small(why);
    v[0] = w ? (int64_t)(uintptr_t)rc_world_table(w) : 0;
    *n = 1;
    return w ? 0 : -1;
}

static int rc_cmd_set(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)v, (void)why;
    ((struct rc_object *)RC_PTR(a[0]))->ob_refcnt = (int64_t)a[1];
    *n = 0;
    return 0;
}

/* One student function on one object of the small world. */
static int rc_cmd_object(const uint64_t *a, int64_t *v, int *n, const char **why, int which)
{
    struct rc_world *w = rc_need_small(why);
    struct rc_object *o = RC_PTR(a[0]);
    *n = 0;
    if (!w)
        return -1;
    static const char *const names[] = {"rc_incref", "rc_decref", "rc_make_immortal",
                                        "rc_is_immortal"};
    cl_subject_calls(names[which]);
    switch (which) {
    case 0: rc_incref(w, o); break;
    case 1: rc_decref(w, o); break;
    case 2: rc_make_immortal(w, o); break;
    default: v[0] = rc_is_immortal(w, o); *n = 1;
    }
    return 0;
}

static int rc_cmd_incref(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    return rc_cmd_object(a, v, n, why, 0);
}

static int rc_cmd_decref(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    return rc_cmd_object(a, v, n, why, 1);
}

static int rc_cmd_make_immortal(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    return rc_cmd_object(a, v, n, why, 2);
}

static int rc_cmd_is_immortal(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    return rc_cmd_object(a, v, n, why, 3);
}

static int rc_cmd_freeze(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)a, (void)v;
    struct rc_world *w = rc_need_small(why);
    *n = 0;
    if (!w)
        return -1;
    cl_subject_calls("rc_gc_freeze");
    rc_gc_freeze(w);
    return 0;
}

/* The student's table of a[0] entries, unmapped again at once: its address (0 for NULL)
 * and the errno it left. */
/* mmap for the student's code (and the kit's): the real call. While table_new runs the
 * student's rc_outline_table_new, it also notes how many bytes the last mapping asked for, so
 * that a table sized in bytes rather than entries shows whatever lies after it. */
static bool rc_noting_mmap;
static size_t rc_mmap_len;
static int rc_mmap_errno; /* the errno of the last mmap that failed while noting, or 0 */

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    void *p = (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    if (rc_noting_mmap && p != MAP_FAILED)
        rc_mmap_len = len;
    else if (rc_noting_mmap)
        rc_mmap_errno = errno;
    return p;
}

/* The same for code built with _FILE_OFFSET_BITS=64, whose mmap is glibc's mmap64. */
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
    return mmap(addr, len, prot, flags, fd, (off_t)off);
}

static int rc_cmd_table_new(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("rc_outline_table_new");
    errno = 0;
    rc_mmap_len = 0;
    rc_mmap_errno = 0;
    rc_noting_mmap = true;
    uint32_t *t = rc_outline_table_new((size_t)a[0]);
    rc_noting_mmap = false;
    v[1] = errno;
    v[0] = (int64_t)(uintptr_t)t;
    v[2] = (int64_t)rc_mmap_len;
    v[3] = rc_mmap_errno;
    if (t && t != MAP_FAILED)
        munmap(t, rc_mmap_len ? rc_mmap_len : (size_t)a[0] * sizeof *t);
    *n = 4;
    return 0;
}

static int rc_cmd_sum(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct rc_world *w = rc_need_small(why);
    if (!w)
        return -1;
    cl_subject_calls("rc_list_sum");
    v[0] = rc_list_sum(w, RC_PTR(a[0]));
    *n = 1;
    return 0;
}

static int rc_cmd_len(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("rc_list_len");
    v[0] = (int64_t)rc_list_len(RC_PTR(a[0]));
    *n = 1;
    return 0;
}

static int rc_cmd_contains(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct rc_world *w = rc_need_small(why);
    if (!w)
        return -1;
    cl_subject_calls("rc_list_contains");
    v[0] = rc_list_contains(w, RC_PTR(a[0]), (int64_t)a[1]);
    *n = 1;
    return 0;
}

static int rc_cmd_array_sum(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    struct rc_world *w = rc_need_small(why);
    if (!w)
        return -1;
    cl_subject_calls("rc_array_sum");
    v[0] = rc_array_sum(w, RC_PTR(a[0]));
    *n = 1;
    return 0;
}

/* ---- predictions ------------------------------------------------------------------------ */

static int rc_p_blocks(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("rc_predict_blocks_per_pool");
    v[0] = (int64_t)rc_predict_blocks_per_pool((size_t)a[0], rc_geo(a[1]));
    *n = 1;
    return 0;
}

static int rc_p_int_pages(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("rc_predict_int_pages");
    v[0] = (int64_t)rc_predict_int_pages((size_t)a[0], rc_geo(a[1]), (size_t)a[2]);
    *n = 1;
    return 0;
}

static int rc_p_sum_pages(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("rc_predict_sum_pages");
    v[0] = (int64_t)rc_predict_sum_pages((size_t)a[0], (enum rc_semantics)a[1], rc_geo(a[2]),
                                         (size_t)a[3]);
    *n = 1;
    return 0;
}

static int rc_p_pss(const uint64_t *a, int64_t *v, int *n, const char **why)
{
    (void)why;
    cl_subject_calls("rc_predict_pss_kb");
    v[0] = (int64_t)rc_predict_pss_kb((size_t)a[0], (size_t)a[1], (unsigned)a[2], (size_t)a[3]);
    *n = 1;
    return 0;
}

static const struct cl_subject_op rc_ops[] = {
    {"build", 6, rc_cmd_build},
    {"unbuild", 0, rc_cmd_unbuild},
    {"world", 3, rc_cmd_world},
    {"int", 1, rc_cmd_int},
    {"balanced", 1, rc_cmd_balanced},
    {"empty_list", 0, rc_cmd_empty_list},
    {"array", 1, rc_cmd_array},
    {"generations", 0, rc_cmd_generations},
    {"table", 0, rc_cmd_table},
    {"set", 2, rc_cmd_set},
    {"incref", 1, rc_cmd_incref},
    {"decref", 1, rc_cmd_decref},
    {"make_immortal", 1, rc_cmd_make_immortal},
    {"is_immortal", 1, rc_cmd_is_immortal},
    {"freeze", 0, rc_cmd_freeze},
    {"table_new", 1, rc_cmd_table_new},
    {"sum", 1, rc_cmd_sum},
    {"len", 1, rc_cmd_len},
    {"contains", 2, rc_cmd_contains},
    {"array_sum", 1, rc_cmd_array_sum},
    {"p_blocks", 2, rc_p_blocks},
    {"p_int_pages", 3, rc_p_int_pages},
    {"p_sum_pages", 4, rc_p_sum_pages},
    {"p_pss", 4, rc_p_pss},
};

const struct cl_subject_lab cl_subject_lab = {
    .slug = "02-refcount",
    .ops = rc_ops,
    .nops = sizeof rc_ops / sizeof rc_ops[0],
    .spawn = NULL, /* the team forks its workers itself */
    .spawn_name = "fork",
    .worker = rc_worker,
};
