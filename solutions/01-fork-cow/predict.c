/*
 * Lab 01 reference: the predictions (contracts in include/01-fork-cow.h).
 */
#include "01-fork-cow.h"

uint64_t cow_predict_untouched_rss_kb(size_t npages, size_t page_size, int zero_page)
{
    if (zero_page)
        return 0; /* reads map the shared zero page, which no process is charged for */
    return npages * (page_size / 1024); /* each read gets a zeroed page of its own */
}

size_t cow_predict_pages_written(size_t npages, size_t stride)
{
    return stride ? (npages + stride - 1) / stride : 0;
}

/* The kernel adds (page_size << 12) / m per page into a 64-bit sum, then prints
 * sum >> 12 >> 10 kB: one division per page, one truncation at the end. */
static uint64_t pss_kb(uint64_t pages_by_mapcount[], unsigned max_m, size_t page_size)
{
    uint64_t acc = 0;
    for (unsigned m = 1; m <= max_m; m++)
        acc += pages_by_mapcount[m] * (((uint64_t)page_size << 12) / m);
    return acc >> 12 >> 10;
}

uint64_t cow_predict_shared_pss_kb(size_t npages, unsigned nprocs, size_t page_size)
{
    if (nprocs == 0)
        return 0;
    uint64_t acc = (uint64_t)npages * (((uint64_t)page_size << 12) / nprocs);
    return acc >> 12 >> 10;
}

void cow_predict_one_writer(size_t npages, size_t stride, size_t page_size,
                            struct cow_expect *writer, struct cow_expect *other)
{
    uint64_t kb = page_size / 1024;
    uint64_t w = cow_predict_pages_written(npages, stride);
    uint64_t by_m[3] = {0, w, npages - w};
    struct cow_expect e = {
        .rss_kb = npages * kb,
        .pss_kb = pss_kb(by_m, 2, page_size),
        .shared_dirty_kb = (npages - w) * kb,
        .private_dirty_kb = w * kb,
    };
    *writer = e; /* the writer owns its copies; the other's originals are now mapped once */
    *other = e;
}

uint64_t cow_predict_minor_faults(size_t npages, size_t stride)
{
    return cow_predict_pages_written(npages, stride);
}
