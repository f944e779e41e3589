/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the teardown family, shared by teardown.c (in-process
 * variants and the family table) and teardown_child.c (variants that tear
 * down a child's address space). Nothing outside the family uses this.
 */
#ifndef KMB_TEARDOWN_H
#define KMB_TEARDOWN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "family.h"

#define TD_MAX_EXTRA 4

/* What one teardown iteration measured and proved. */
struct td_result {
	uint64_t fg_ns;		/* foreground latency: until the caller may go on */
	uint64_t bg_ns;		/* hand-off until the memory is freed; 0: synchronous */
	uint64_t pages;		/* base pages torn down */
	uint64_t rss_before_kib; /* RssAnon that held the range before the teardown */
	uint64_t rss_freed_kib;	/* RssAnon shown to be freed by it */
	struct {
		const char *name;
		double value;
	} extra[TD_MAX_EXTRA];	/* variant-specific counters */
	unsigned nextra;
};

/* One iteration; 0, or -1 with the reason (a failed call or census) in err. */
typedef int (*td_iteration_fn)(const struct kmb_bench_ctx *ctx, struct td_result *res,
			       char *err, size_t errlen);

/* The benchmark loop around one iteration function, and the counters. */
void td_run(gb_state *st, const struct kmb_bench_ctx *ctx, td_iteration_fn fn);
void td_extra(struct td_result *res, const char *name, double value);

/*
 * RssAnon of a process (0: this one) in KiB. Returns 0, -1 if the status file
 * cannot be read, -2 if it has no RssAnon line (the task has no mm any more).
 */
int td_rss_anon_kib(pid_t pid, uint64_t *kib);

/* The least RssAnon change, in KiB, that counts as "size bytes". */
uint64_t td_rss_need_kib(uint64_t size);

/* mmap len bytes of private anonymous base pages and populate them for writing. */
int td_map_populated(size_t len, void **addr, char *err, size_t errlen);

/* Variants in teardown_child.c. */
void td_run_exit(gb_state *st, const struct kmb_bench_ctx *ctx);
void td_run_process_mrelease(gb_state *st, const struct kmb_bench_ctx *ctx);

#endif
