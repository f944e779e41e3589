/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small C interface to Google Benchmark (implemented in gbench.cc, the only
 * C++ in the project). Google Benchmark runs the repetitions and writes the
 * JSON; benchmarks written in C time their operation with manual time.
 */
#ifndef KMB_GBENCH_H
#define KMB_GBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gb_state gb_state;	/* a running benchmark */
typedef struct gb_bench gb_bench;	/* a registered benchmark */
typedef void (*gb_run_fn)(gb_state *st, void *data);

/*
 * A counter says how to read it where it is emitted: lower or higher is
 * better, or neither (a census count, a setting), which is never judged. The
 * direction goes into bench.json's context (lib/metric.h), where kmb compare
 * and the dashboard read it.
 */
enum gb_counter_flags {
	GB_COUNTER_PLAIN = 0,			/* not judged: a census or a fact */
	GB_COUNTER_RATE = 1 << 0,		/* value / elapsed seconds */
	GB_COUNTER_AVG_ITERATIONS = 1 << 1,	/* value / iterations */
	GB_COUNTER_ITERATION_INVARIANT = 1 << 2, /* value * iterations */
	GB_LOWER_IS_BETTER = 1 << 3,		/* a time or a cost */
	GB_HIGHER_IS_BETTER = 1 << 4,		/* a throughput */
};



enum gb_time_unit { GB_NS, GB_US, GB_MS, GB_S };

/* Register a benchmark; name is copied. The run function gets data back. */
gb_bench *gb_register(const char *name, gb_run_fn fn, void *data);
/* Append an argument (read back with gb_range(st, index)). */
void gb_arg(gb_bench *b, int64_t value);
/* Time comes from gb_set_iteration_time, not from the loop's clock. */
void gb_use_manual_time(gb_bench *b);
/* Fixed iteration count per repetition. */
void gb_iterations(gb_bench *b, int64_t n);
/* Repetitions of this benchmark (overrides the global setting). */
void gb_repetitions(gb_bench *b, int n);
void gb_time_unit(gb_bench *b, enum gb_time_unit unit);

/* The benchmark loop: while (gb_keep_running(st)) { ... } */
bool gb_keep_running(gb_state *st);
void gb_set_iteration_time(gb_state *st, double seconds);
int64_t gb_range(gb_state *st, size_t index);
/* The iterations this repetition will run (fixed with gb_iterations). */
int64_t gb_planned_iterations(gb_state *st);
/* Set a counter (reported as a JSON field of the run). */
void gb_counter(gb_state *st, const char *name, double value, unsigned flags);
void gb_set_label(gb_state *st, const char *label);
/*
 * Stop this benchmark and report the message instead of a time. A skip is a
 * missing capability found at run time, an error a failed census or call;
 * both leave the loop at the end of the current iteration.
 */
void gb_skip(gb_state *st, const char *message);
void gb_error(gb_state *st, const char *message);
bool gb_failed(gb_state *st);

/* Key/value added to the "context" object of the JSON output. */
void gb_add_context(const char *key, const char *value);

/* One repetition of one benchmark, as it finished (for progress reports). */
struct gb_run_result {
	unsigned bench;		/* registration index */
	const char *name;
	int repetition;		/* 0-based */
	int round;		/* 0-based pass over the benchmarks */
	bool error;		/* an error or a skip (message says which) */
	const char *message;
	double real_time;	/* per iteration, in time_unit */
	const char *time_unit;	/* "ns", "us", "ms", "s" */
	double seconds;		/* wall time of the whole repetition, setup included */
	const void *priv;
};
typedef void (*gb_progress_fn)(const struct gb_run_result *r, void *arg);
/* Called just before each repetition of benchmark bench starts. */
typedef void (*gb_before_fn)(unsigned bench, void *arg);
/* Whether benchmark bench should run another repetition after done of them. */
typedef bool (*gb_more_fn)(unsigned bench, int done, void *arg);

struct gb_run_options {
	int repetitions;	/* >= 1, unless more decides */
	bool random_interleaving; /* shuffle the benchmarks within each round */
	bool console;		/* show Google Benchmark's own console output */
	gb_before_fn before;	/* called before every repetition, or NULL */
	gb_progress_fn progress; /* called after every repetition, or NULL */
	gb_more_fn more;	/* NULL: `repetitions` of each */
	void *arg;		/* for before, progress and more */
	char **json;		/* out: the JSON document (malloc'd), or NULL */
};

/*
 * Run every registered benchmark in rounds (one repetition of each per round)
 * and render Google Benchmark's JSON with every repetition and no aggregates.
 * Returns how many benchmarks ran, -1 on error.
 */
int gb_run(const struct gb_run_options *opts);
/* A counter of a finished repetition; 0 and *found false when it has none. */
double gb_result_counter(const struct gb_run_result *r, const char *name, bool *found);
/*
 * Add a counter measured around the repetition (from progress, before the
 * JSON is written): a fact beside the benchmark's own figures, declared not
 * judged (direction "none").
 */
void gb_result_add_counter(const struct gb_run_result *r, const char *name, double value);
/* Forget every registered benchmark. */
void gb_clear(void);

/* Library facts: build type ("debug"/"release") and version string. */
const char *gb_library_build_type(void);
const char *gb_library_version(void);

#ifdef __cplusplus
}
#endif
#endif
