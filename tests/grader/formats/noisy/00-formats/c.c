/* c.c — a wrong fmt_noise that prints 70,000 control bytes first: each noise test's feedback
 * holds the 16 KiB the grader keeps of it, which JSON escapes to six times as much (\u0001)
 * and plain text to three (U+FFFD). */
#include "formats.h"

#include <stdio.h>

int fmt_noise(int n)
{
    for (int i = 0; i < 70000; i++)
        putchar(i % 7 == 6 ? 0x7f : 1 + i % 8);
    return n;
}
