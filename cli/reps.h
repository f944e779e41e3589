/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How many repetitions each benchmark of a kmb bench run gets, and the
 * progress lines while they run. Fixed: every benchmark gets min. Adaptive
 * (--precision PCT): at least min, then more, round by round, until the
 * confidence interval of the benchmark's median (of ns_per_page, else
 * real_time) is within +-PCT of it, up to max repetitions and within the
 * run's time budget. Which benchmarks stopped for the budget or at max is
 * recorded. A benchmark that has failed gets no more repetitions.
 */
#ifndef KMB_REPS_H
#define KMB_REPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "gbench.h"

struct kmb_reps_opts {
	int min;		/* repetitions every benchmark gets */
	int max;		/* adaptive: at most this many */
	double precision;	/* adaptive: relative CI half-width wanted; 0: fixed */
	double budget_s;	/* adaptive: no new round after this many seconds */
	double alpha;		/* of the median's confidence interval */
	/*
	 * A status line rewritten in place after every repetition (a terminal,
	 * without Google Benchmark's own console): the progress within a round.
	 */
	bool status_line;
};

struct kmb_reps;

/* For n benchmarks, named as registered (names are borrowed). */
struct kmb_reps *kmb_reps_new(const struct kmb_reps_opts *o, unsigned n, const char *const *names,
			      FILE *out);
void kmb_reps_free(struct kmb_reps *r);

/* gb_run's callbacks: arg is the struct kmb_reps. */
void kmb_reps_progress(const struct gb_run_result *res, void *arg);
bool kmb_reps_more(unsigned bench, int done, void *arg);

/*
 * What the plan did, for the manifest: {"mode": "fixed"|"adaptive", "min",
 * "max", "precision", "budget_s", "elapsed_s", "benchmarks": {name:
 * {"repetitions", "ci_halfwidth", "stopped": "precision"|"max"|"budget"|
 * "fixed"|"failed"}}}.
 */
json_t *kmb_reps_json(const struct kmb_reps *r);

#endif
