/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark families. A family file (bench/zeropage.c, ...) holds a table of
 * benchmark definitions, each with its setup, its timed operation and its
 * census, and registers the table with KMB_FAMILY(). The runner does the rest:
 * sizes, filtering, capability checks, repetitions and output.
 */
#ifndef KMB_FAMILY_H
#define KMB_FAMILY_H

#include <stdbool.h>
#include <stdint.h>

#include "caps.h"
#include "gbench.h"

#define KMB_NEED(cap) (1ULL << (cap))
#define KMB_MAX_SIZES 16
/* Sizes when --size is not given: the suite's, and --quick's. */
#define KMB_DEFAULT_SIZES "64M,256M"
#define KMB_QUICK_SIZES "16M"

struct kmb_bench_def;

/* What one benchmark instance runs with. */
struct kmb_bench_ctx {
	const struct kmb_bench_def *def;
	uint64_t size;		/* bytes of memory under test; 0 if unsized */
	char name[160];		/* "zeropage/unshare_write_fault/1G" */
	bool quick;		/* --quick: shorter waits, fewer pages */
	const char *pv_image;	/* --pv-image: an s390x Secure Execution image, or NULL */
	/*
	 * A repetition whose operations are short repeats each of its
	 * iterations' operation (fresh setup and census each time) until at
	 * least min_timed_ns of the repetition is timed, as long as the
	 * repetition's wall time (setup included) stays within wall_budget_ns.
	 */
	uint64_t min_timed_ns;
	uint64_t wall_budget_ns;
};

struct kmb_bench_def {
	const char *name;	/* "zeropage/unshare_write_fault" */
	const char *description; /* one line for `kmb list` */
	uint64_t needs;		/* KMB_NEED(cap) | ... */
	bool sized;		/* one instance per --size */
	/*
	 * Sizes when --size is not given ("256M,1G,4G"), each kept only if it
	 * fits in a quarter of the available memory; NULL: the global default.
	 */
	const char *default_sizes;
	enum gb_time_unit unit;
	/* Iterations per repetition: fixed, or 0 to scale with the size. */
	int iterations;
	/* Extra run-time probe; returns NULL or why this cannot run here. */
	const char *(*probe)(const struct kmb_bench_ctx *ctx);
	void (*run)(gb_state *st, const struct kmb_bench_ctx *ctx);
	const void *data;	/* the family's own description of the case */
	/*
	 * Figures derived from this benchmark in summary.json, declared here
	 * and carried in bench.json's context (see report/summary.h):
	 * floor: its ns_per_page is the per-page floor other benchmarks of the
	 * same size are shown as a multiple of ("x floor");
	 * derived/minus: its ns_per_page minus that of benchmark minus at the
	 * same size is the figure named derived.
	 */
	bool floor;
	const char *derived;
	const char *minus;
};

struct kmb_family {
	const char *name;	/* "zeropage" */
	const char *description;
	const struct kmb_bench_def *defs;
	unsigned ndefs;
	struct kmb_family *next;
};

/*
 * One iteration of a benchmark: set up, time exactly the operation, check
 * the census, add to the family's totals. Returns 0 with the timed
 * nanoseconds in *ns, or -1 with the reason (a failed call or census) in err.
 */
typedef int (*kmb_iteration_fn)(void *arg, uint64_t *ns, char *err, size_t errlen);

/*
 * The loop every family runs: per Google Benchmark iteration, fn k times
 * (k from the first call: enough to time ctx->min_timed_ns per repetition
 * within its wall budget, at most KMB_MAX_OPS_PER_ITERATION, the same k for
 * the whole repetition), the iteration's manual time their mean. The
 * families' totals count every call, so per-page costs are over all of them.
 * k is reported as the counter ops_per_iteration. The first failure ends the
 * benchmark with its message (the remaining iterations run nothing). Returns
 * 0 when every call succeeded, so the caller reports its counters.
 */
#define KMB_MAX_OPS_PER_ITERATION 64
int kmb_iterate(gb_state *st, const struct kmb_bench_ctx *ctx, kmb_iteration_fn fn, void *arg);

/* A failure before the first iteration: the message, and no iteration runs. */
void kmb_fail_before(gb_state *st, const char *message, bool skip);

void kmb_family_register(struct kmb_family *family);
/* Families sorted by name. */
struct kmb_family *kmb_families(void);

#define KMB_FAMILY(id, description_, defs_)                                               \
	static struct kmb_family kmb_family_##id = {                                  \
		.name = #id,                                                          \
		.description = description_,                                                  \
		.defs = defs_,                                                        \
		.ndefs = sizeof(defs_) / sizeof((defs_)[0]),                          \
	};                                                                            \
	__attribute__((constructor)) static void kmb_family_register_##id(void)      \
	{                                                                             \
		kmb_family_register(&kmb_family_##id);                                \
	}

/* One runnable (or skipped) instance of a definition. */
struct kmb_instance {
	struct kmb_bench_ctx ctx;
	char skip_reason[320];	/* empty if it can run here */
	int iterations;
};

struct kmb_selection {
	struct kmb_instance *items;
	unsigned count;
	unsigned runnable;
};

struct kmb_select_opts {
	const char *filter;	/* extended regex matched against names, or NULL */
	const uint64_t *sizes;	/* --size, or the global default */
	int nsizes;
	bool sizes_given;	/* --size was given: it overrides per-benchmark defaults */
	bool quick;
	uint64_t min_timed_ns;	/* see struct kmb_bench_ctx */
	uint64_t wall_budget_ns;
	const char *pv_image;	/* --pv-image, checked by kmb_pv_image_check(), or NULL */
};

/*
 * The sizes of list that fit in a quarter of the available memory, in order;
 * the first is kept even when none fits (a benchmark runs at least once, and
 * says so when memory runs out). Returns the count.
 */
int kmb_sizes_that_fit(const char *list, uint64_t *out, int max);
/* KMB_DEFAULT_SIZES (or KMB_QUICK_SIZES) that fit here. */
int kmb_default_sizes(bool quick, uint64_t *out, int max);

/*
 * Build the instances matching the filter, with their skip reasons. Returns
 * 0, or -1 with err set (bad regex).
 */
int kmb_select(const struct kmb_select_opts *opts, struct kmb_selection *sel, char *err,
	       size_t errlen);
void kmb_selection_free(struct kmb_selection *sel);

/* Why a definition cannot run here: 0 if it can, else 1 with reason in buf. */
int kmb_def_skip_reason(const struct kmb_bench_ctx *ctx, char *buf, size_t len);

/*
 * Add the derived-figure declarations of every family to bench.json's
 * context (report/summary.h reads them).
 */
void kmb_declare_derived_figures(void);

/* Register every runnable instance of the selection with Google Benchmark. */
void kmb_register_selection(struct kmb_selection *sel);

#endif
