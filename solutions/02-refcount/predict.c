/*
 * Lab 02 reference: the predictions (contracts in include/02-refcount.h).
 */
#include "02-refcount.h"

enum { INT_BLOCK = 32 }; /* a 28-byte request in 16-byte size classes */

size_t rc_predict_blocks_per_pool(size_t block_size, const struct rc_geometry *g)
{
    return (g->pool_size - g->pool_header) / block_size;
}

size_t rc_predict_int_pages(size_t n, const struct rc_geometry *g, size_t page_size)
{
    size_t per_pool = rc_predict_blocks_per_pool(INT_BLOCK, g);
    size_t full = n / per_pool, rest = n % per_pool;
    size_t pages = full * (g->pool_size / page_size);
    if (rest) /* the last block's refcount sits at header + (rest - 1) * 32 */
        pages += (g->pool_header + (rest - 1) * INT_BLOCK) / page_size + 1;
    return pages;
}

size_t rc_predict_sum_pages(size_t n, enum rc_semantics s, const struct rc_geometry *g,
                            size_t page_size)
{
    /* Always: the list's page (its refcount, and its GC head, which tracking the iterator
     * links to) and the iterator's page (its block and its pool's header). */
    size_t pages = 2;
    if (s == RC_PY311)
        pages += rc_predict_int_pages(n, g, page_size);
    if (s == RC_OUTLINE) /* entries 0..n+1, four bytes each */
        pages += ((n + 2) * sizeof(uint32_t) + page_size - 1) / page_size;
    return pages;
}

uint64_t rc_predict_pss_kb(size_t resident, size_t dirtied, unsigned k, size_t page_size)
{
    /* Every child copied the same pages: each copy is its own, and the parent's originals
     * are mapped once. The rest stays shared by k + 1 processes. */
    uint64_t whole = (uint64_t)page_size << 12;
    uint64_t acc = dirtied * whole + (resident - dirtied) * (whole / (k + 1));
    return acc >> 12 >> 10;
}
