/*
 * Lab 02 — your predictions. Predict before you measure: contracts in include/02-refcount.h,
 * the layout of pools and pages in handbook/02-refcount.md.
 */
#include "02-refcount.h"

size_t rc_predict_blocks_per_pool(size_t block_size, const struct rc_geometry *g)
{
    /* TODO */
    (void)block_size;
    (void)g;
    return 0;
}

size_t rc_predict_int_pages(size_t n, const struct rc_geometry *g, size_t page_size)
{
    /* TODO */
    (void)n;
    (void)g;
    (void)page_size;
    return 0;
}

size_t rc_predict_sum_pages(size_t n, enum rc_semantics s, const struct rc_geometry *g,
                            size_t page_size)
{
    /* TODO */
    (void)n;
    (void)s;
    (void)g;
    (void)page_size;
    return 0;
}

uint64_t rc_predict_pss_kb(size_t resident, size_t dirtied, unsigned k, size_t page_size)
{
    /* TODO */
    (void)resident;
    (void)dirtied;
    (void)k;
    (void)page_size;
    return 0;
}
