/*
 * pattern.c — the bit patterns both sides of lab 04 compute (protocol.h).
 */
#include "protocol.h"

/* splitmix64: one well-mixed 64-bit value per input. */
static uint64_t bt_mix(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

uint64_t bt_pattern_word(uint64_t seed, size_t w, unsigned density)
{
    if (density >= 64)
        return ~UINT64_C(0);
    uint64_t word = 0;
    for (unsigned b = 0; b < 64; b++)
        if (bt_mix(seed * UINT64_C(1000003) + w * 64 + b) % 64 < density)
            word |= UINT64_C(1) << b;
    return word;
}
