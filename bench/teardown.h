/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the teardown family, shared by teardown.c (runner, in-process
 * variants, the family table), teardown_child.c (variants that tear down a
 * child's address space) and teardown_kvm.c. Nothing outside uses this.
 */
#ifndef KMB_TEARDOWN_H
#define KMB_TEARDOWN_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "family.h"

#define TD_MAX_EXTRA 4

/* What one teardown iteration measured and proved. */
struct td_result {
	uint64_t fg_ns;		 /* foreground latency: until the caller may go on */
	uint64_t bg_ns;		 /* hand-off until the memory is freed; 0: synchronous */
	uint64_t pages;		 /* base pages torn down */
	uint64_t rss_before_kib; /* RssAnon that held the range before the teardown */
	uint64_t rss_freed_kib;	 /* RssAnon shown to be freed by it */
	struct {
		const char *name;
		double value;
		unsigned direction; /* GB_LOWER_IS_BETTER, GB_HIGHER_IS_BETTER or 0 */
	} extra[TD_MAX_EXTRA]; /* variant-specific counters */
	unsigned nextra;
};

/* One iteration; 0, or -1 with the reason (a failed call or census) in err. */
typedef int (*td_iteration_fn)(const struct kmb_bench_ctx *ctx, struct td_result *res, char *err,
			       size_t errlen);

/* The benchmark loop around one iteration function, and the counters. */
void td_run(gb_state *st, const struct kmb_bench_ctx *ctx, td_iteration_fn fn);
/* A variant's own counter, with its direction (0: not judged). */
void td_extra(struct td_result *res, const char *name, double value, unsigned direction);

/*
 * RssAnon of a process (0: this one) in KiB. Returns 0, -1 if the status file
 * cannot be read, -2 if it has no RssAnon line (the task has no mm any more).
 */
int td_rss_anon_kib(pid_t pid, uint64_t *kib);

/* The least RssAnon change, in KiB, that counts as "size bytes". */
uint64_t td_rss_need_kib(uint64_t size);

/* mmap len bytes of private anonymous base pages and populate them for writing. */
int td_map_populated(size_t len, void **addr, char *err, size_t errlen);

/* A populated anonymous range of our own. */
struct td_range {
	void *addr;
	size_t len;
	uint64_t rss_kib; /* RssAnon with the range populated */
};

/*
 * Map and populate len bytes, and prove it: RssAnon grew by the size and
 * PAGEMAP_SCAN finds every page present. On error nothing stays mapped.
 */
int td_range_prepare(struct td_range *r, size_t len, char *err, size_t errlen);
/* After the teardown: RssAnon must have dropped by the size; fills res. */
int td_range_check_freed(const struct td_range *r, struct td_result *res, char *err, size_t errlen);

/* The calling thread pinned to the CPU it was on; td_unpin puts it back. */
struct td_pin {
	cpu_set_t saved; /* the affinity to restore */
	int cpu;
	bool active;
};

int td_pin_here(struct td_pin *pin, char *err, size_t errlen);
void td_unpin(struct td_pin *pin);
/* A CPU of the saved affinity other than the pinned one; -1 if none. */
int td_pin_other_cpu(const struct td_pin *pin);

/* Variants in teardown_child.c and teardown_kvm.c. */
void td_run_exit(gb_state *st, const struct kmb_bench_ctx *ctx);
void td_run_process_mrelease(gb_state *st, const struct kmb_bench_ctx *ctx);
void td_run_kvm_vm_close(gb_state *st, const struct kmb_bench_ctx *ctx);

#endif
