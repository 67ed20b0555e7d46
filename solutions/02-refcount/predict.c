/*
 * Lab 02 reference: the predictions (contracts in include/02-refcount.h).
 */
#include "02-refcount.h"

enum { INT_BLOCK = 32 }; /* a 28-byte request in 16-byte size classes */

size_t rc_predict_blocks_per_pool(size_t block_size, const struct rc_geometry *g)
{
    return (g->pool_size - g->pool_header) / block_size;
}

/* The page holding byte `offset` of the heap (its first pool starts at the heap's first page). */
static size_t heap_page(size_t offset, size_t page_size)
{
    return offset / page_size;
}

/* The heap offset of the ob_refcnt of the i-th int (0-based): pool i / per_pool, block i %
 * per_pool. */
static size_t int_offset(size_t i, const struct rc_geometry *g)
{
    size_t per_pool = rc_predict_blocks_per_pool(INT_BLOCK, g);
    return i / per_pool * g->pool_size + g->pool_header + i % per_pool * INT_BLOCK;
}

size_t rc_predict_int_pages(size_t n, const struct rc_geometry *g, size_t page_size)
{
    /* The ints fill pools 0, 1, ... one after another, and every page up to the last int's
     * holds some int's refcount (a block every 32 bytes): pages 0 .. that page. */
    return n ? heap_page(int_offset(n - 1, g), page_size) + 1 : 0;
}

size_t rc_predict_sum_pages(size_t n, enum rc_semantics s, const struct rc_geometry *g,
                            size_t page_size)
{
    /* The list object starts the pool after the ints' last one, the iterator's 48-byte class
     * the pool after that. The list's page (its refcount, and its GC head, which tracking the
     * iterator links to) and the iterator's page (its block and its pool's header) are
     * written; a pool smaller than a page shares it with its neighbours, so these may be one
     * page, and the list's may be the ints' last page. */
    size_t per_pool = rc_predict_blocks_per_pool(INT_BLOCK, g);
    size_t list_pool = (n + per_pool - 1) / per_pool;
    size_t list_page = heap_page(list_pool * g->pool_size, page_size);
    size_t iter_page = heap_page((list_pool + 1) * g->pool_size, page_size);
    size_t ints = s == RC_PY311 ? rc_predict_int_pages(n, g, page_size) : 0; /* pages 0..ints-1 */
    size_t pages = ints + (list_page >= ints) + (iter_page >= ints && iter_page != list_page);
    if (s == RC_OUTLINE) /* entries 0..n+1, four bytes each, in a mapping of their own */
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
