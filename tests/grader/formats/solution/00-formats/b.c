/* b.c — the fixture's reference. */
#include "formats.h"

int fmt_greet(void)
{
    return 42;
}
