/*
 * memcheck-symbols.c — whether the lean symbol tables of scripts/lean-debuginfo.sh fit the
 * loader and libc this process runs with (and so the subject: the same machine's). Contract in
 * cowlab/memcheck.h.
 */
#include "cowlab/memcheck.h"

#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CL_BUILD_DIR
#define CL_BUILD_DIR "build"
#endif

struct symbols_check {
    const char *dir;
    int found;   /* loader and libc with a lean file */
    int missing; /* loader and libc without one */
};

/* The GNU build id of a loaded object, in hex, into hex; false if it has none. */
static bool symbols_build_id(const struct dl_phdr_info *info, char *hex, size_t n)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const char *at = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = at + ph->p_memsz;
        while (at + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)at;
            const char *name = at + sizeof *nh;
            const unsigned char *desc = (const unsigned char *)name + ((nh->n_namesz + 3) & ~3u);
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
                nh->n_descsz * 2 + 1 <= n) {
                for (unsigned b = 0; b < nh->n_descsz; b++)
                    snprintf(hex + 2 * b, 3, "%02x", desc[b]);
                return nh->n_descsz > 1;
            }
            at = (const char *)desc + ((nh->n_descsz + 3) & ~3u);
        }
    }
    return false;
}

static int symbols_visit(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct symbols_check *c = data;
    const char *base = strrchr(info->dlpi_name, '/');
    base = base ? base + 1 : info->dlpi_name;
    if (strncmp(base, "ld-linux", 8) != 0 && strncmp(base, "libc.so", 7) != 0)
        return 0;
    char hex[130], system[300], lean[900];
    if (!symbols_build_id(info, hex, sizeof hex))
        return 0;
    snprintf(system, sizeof system, "/usr/lib/debug/.build-id/%.2s/%s.debug", hex, hex + 2);
    if (access(system, R_OK) != 0)
        return 0; /* nothing detached to stand in for */
    snprintf(lean, sizeof lean, "%s/.build-id/%.2s/%s.debug", c->dir, hex, hex + 2);
    if (access(lean, R_OK) == 0)
        c->found++;
    else
        c->missing++;
    return 0;
}

bool cl_memcheck_symbols_current(const char *dir)
{
    char path[700], line[700];
    snprintf(path, sizeof path, "%s/.valgrind", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool same = true;
    while (same && fgets(line, sizeof line, f)) {
        long long size, mtime;
        int at = 0;
        struct stat st;
        line[strcspn(line, "\n")] = '\0';
        same = sscanf(line, "%lld %lld %n", &size, &mtime, &at) == 2 && at > 0 &&
               stat(line + at, &st) == 0 && (long long)st.st_size == size &&
               (long long)st.st_mtime == mtime;
    }
    fclose(f);
    return same;
}

const char *cl_memcheck_lean_symbols(void)
{
    static char dir[600];
    static int state; /* 0 unknown, 1 fits, -1 not */
    if (state == 0) {
        snprintf(dir, sizeof dir, "%s/%s", CL_BUILD_DIR, CL_MEMCHECK_SYMBOLS_DIR);
        struct symbols_check c = {dir, 0, 0};
        dl_iterate_phdr(symbols_visit, &c);
        state = c.found > 0 && c.missing == 0 && cl_memcheck_symbols_current(dir) ? 1 : -1;
    }
    return state > 0 ? dir : NULL;
}
