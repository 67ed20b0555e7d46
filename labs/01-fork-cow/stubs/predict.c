/*
 * Lab 01 — fork and copy-on-write: your predictions.
 *
 * Predict before you measure: each function says what the kernel will report. Contracts in
 * include/01-fork-cow.h; "How the kernel adds up PSS" in handbook/01-fork-cow.md.
 */
#include "01-fork-cow.h"

uint64_t cow_predict_untouched_rss_kb(size_t npages, size_t page_size, int zero_page)
{
    /* TODO */
    (void)npages;
    (void)page_size;
    (void)zero_page;
    return UINT64_MAX;
}

size_t cow_predict_pages_written(size_t npages, size_t stride)
{
    /* TODO */
    (void)npages;
    (void)stride;
    return SIZE_MAX;
}

uint64_t cow_predict_shared_pss_kb(size_t npages, unsigned nprocs, size_t page_size)
{
    /* TODO: the kernel's arithmetic, not the exact quotient. */
    (void)npages;
    (void)nprocs;
    (void)page_size;
    return UINT64_MAX;
}

void cow_predict_one_writer(size_t npages, size_t stride, size_t page_size,
                            struct cow_expect *writer, struct cow_expect *other)
{
    /* TODO */
    (void)npages;
    (void)stride;
    (void)page_size;
    (void)writer;
    (void)other;
}

uint64_t cow_predict_minor_faults(size_t npages, size_t stride)
{
    /* TODO */
    (void)npages;
    (void)stride;
    return UINT64_MAX;
}
