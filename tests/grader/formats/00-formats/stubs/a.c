/* a.c — the handout's stub: wrong on purpose. */
#include "formats.h"

#include <stdio.h>

int fmt_add(int a, int b)
{
    (void)a, (void)b;
    return -1;
}

int fmt_secret(void)
{
    printf("fmt_secret says: stub-output-of-the-hidden-test\n");
    return 0;
}
