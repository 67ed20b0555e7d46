/*
 * cowlab/snapshot.h — what the kit read from /proc, kept for a flake's post-mortem.
 *
 * When the environment names a folder in COWLAB_SNAPSHOTS, every smaps (or smaps_rollup) the
 * harness parses and every run of pagemap entries it decodes is also written there, exactly as
 * read: the numbers of a run that differed from the model can then be explained afterwards
 * (which VMA a region was read from, which pages were present or exclusive). tests/repeat.sh sets
 * it for each run and keeps the folder only when a row differed. Unset (as in every grading):
 * nothing is written and nothing changes.
 * File names: SEQ-PID-smaps-byWRITER (the text), SEQ-PID-pagemap-ADDR-byWRITER (8-byte
 * entries, the first for the page at hex ADDR); PID is the process read, WRITER the process
 * that read it (a forked reader counts on from its parent's SEQ: the writer keeps their names
 * apart), SEQ counts reads in the writer, from 000001.
 */
#ifndef COWLAB_SNAPSHOT_H
#define COWLAB_SNAPSHOT_H

#include <stddef.h>
#include <sys/types.h>

#define CL_SNAPSHOTS_ENV "COWLAB_SNAPSHOTS"

/* fd is open on /proc/PID/NAME, unread. Without COWLAB_SNAPSHOTS: returns fd itself. With it:
 * copies all of fd to the folder's next file, closes fd and returns a descriptor on the copy,
 * at its start, so that the caller parses exactly what was kept; -1 with errno set (fd
 * closed) if the copy cannot be made. */
int cl_snapshot_proc(int fd, pid_t pid, const char *name);

/* With COWLAB_SNAPSHOTS: appends n pagemap entries, the first for the page at addr, to the
 * folder's file for this read (first_chunk starts a new file). Best effort: a failure to keep
 * them changes no measurement. */
void cl_snapshot_pagemap(pid_t pid, const void *addr, const void *entries, size_t n,
                         int first_chunk);

#endif
