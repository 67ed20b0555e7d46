/*
 * experiments.h — lab 05's experiments and model, run by the observer. An experiment builds the
 * parent's lists (or the segment) in the subject, starts K workers under one strategy, measures
 * every process's regions while all workers are alive, and appends (expected, measured) rows
 * to r; the graded tests check those rows, `cowlab run` writes them to
 * build/results/05-capstone.csv and the plots read that file.
 */
#ifndef LAB05_EXPERIMENTS_H
#define LAB05_EXPERIMENTS_H

#include "05-capstone.h"
#include "cowlab/results.h"

#include <stdbool.h>
#include <stdint.h>

enum { CAP_READS = 4 }; /* values each worker reads in each array (the simulated strategies) */

/* The shapes the experiments run: a name, and the lists' parameters. */
struct cap_shape {
    const char *name;
    struct cap_params p;
};
extern const struct cap_shape cap_shapes[];
extern const int cap_nshapes;

/* Strategy s's name: "fork", "fork_freeze", "immortal", "pickle", "shared". */
const char *cap_strategy_name(enum cap_strategy s);

/* The kit's model of strategy s with k workers over layout l, computed page by page with the
 * kernel's arithmetic (cowlab/model.h): what cap_predict must give. 0, or -1 (ENOMEM). */
int cap_model(const struct cap_layout *l, enum cap_strategy s, unsigned k,
              struct cap_prediction *out);

/* The kit's cap_extrapolate_kb. UINT64_MAX-free: 0 when p's layout cannot be computed. */
uint64_t cap_model_extrapolate_kb(const struct cap_params *p, size_t page_size, enum cap_strategy s,
                                  unsigned k, uint64_t interp_kb);

/* Run strategy s on shape sh with k workers (experiment "STRATEGY.SHAPE", x = k): every
 * process's regions (heap, system; or the segment) as smaps shows them beside the model, the
 * total Pss, what each worker read, and — when predict — the student's cap_predict beside the
 * totals the kernel reported (phase "predicted"; `predict` holds it against the model); when pages,
 * the heap's page_state rows (x = page) of the parent and worker1, the model's beside pagemap's.
 * The measured totals are stored in *measured when it is not NULL. 0, or -1 if it could not run. */
int cap_exp_strategy(struct cl_results *r, enum cap_strategy s, const struct cap_shape *sh, int k,
                     bool predict, bool pages, struct cap_prediction *measured);

/* What cap_sum must return for p: the set bits of list 0 plus every int32 of lists 1 and 2.
 * Here, not in scene.c: the subject, which holds the student's cap_sum, links no answer. */
int64_t cap_expected_sum(const struct cap_params *p);

/* The sum the kit's reader (cap_scene_read) returns for p and reads. */
int64_t cap_expected_read(const struct cap_params *p, size_t reads);

/* `lab predict ...` (command.c): the model for one shape, one line of name=value. */
int cap_command(int argc, char **argv);

#endif
