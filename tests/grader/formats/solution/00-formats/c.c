/* c.c — the fixture's reference. */
#include "formats.h"

int fmt_noise(int n)
{
    return 2 * n;
}
