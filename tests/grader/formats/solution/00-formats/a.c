/* a.c — the fixture's reference. */
#include "formats.h"

int fmt_add(int a, int b)
{
    return a + b;
}

int fmt_secret(void)
{
    return 7;
}
