/* c.c — the handout's stub: wrong on purpose. */
#include "formats.h"

int fmt_noise(int n)
{
    (void)n;
    return 0;
}
