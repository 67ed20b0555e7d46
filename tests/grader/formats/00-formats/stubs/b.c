/* b.c — the handout's stub: wrong on purpose. */
#include "formats.h"

int fmt_greet(void)
{
    return 0;
}
