/*
 * hostile.h — the misbehaviours of the hostile "student" file (hostile.c), called by the
 * hostile tests (tests.c).
 */
#ifndef HOSTILE_H
#define HOSTILE_H

void hostile_segfault(void);
void hostile_abort(void);
void hostile_loop(void);
void hostile_fork_bomb(void);
void hostile_memory_hog(void);
void hostile_flood(void);
void hostile_fake_summary(void);
void hostile_forged_record(void);
int hostile_forged_answer(void);
void hostile_kill_parent(void);
int hostile_escape_group(void);
int hostile_leak_shm(void);
int hostile_leak_ipc(void);
int hostile_leak_tmp(void);
void hostile_read_files(void);
void hostile_weird_output(void);

#endif
