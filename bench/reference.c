// SPDX-License-Identifier: GPL-2.0-only
/*
 * reference: the physical floor on this host. Unsharing a zeropage must at
 * least clear a 4 KiB page; these cases measure that clear alone, once for a
 * cache-hot page and once streaming over a populated range of the benchmark
 * size (what clearing fresh pages costs). Reports show unshare cost as a
 * multiple of clear_pages at the same size.
 */
#include "mem.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Clears per timed iteration of clear_page_hot: long enough for the clock. */
#define HOT_CLEARS 4096

struct hot_job {
	void *buf;
	uint64_t total_ns, clears;
};

/* HOT_CLEARS memsets of one cache-hot page, all of them timed. */
static int hot_clears(void *arg, uint64_t *ns, char *err, size_t errlen)
{
	struct hot_job *job = arg;
	size_t page = kmb_page_size();
	uint64_t t0 = kmb_now_ns();
	int i;

	(void)err;
	(void)errlen;
	for (i = 0; i < HOT_CLEARS; i++) {
		memset(job->buf, 0, page);
		__asm__ volatile("" : : "r"(job->buf) : "memory");
	}
	*ns = kmb_now_ns() - t0;
	job->total_ns += *ns;
	job->clears += HOT_CLEARS;
	return 0;
}

static void run_clear_page_hot(gb_state *st, const struct kmb_bench_ctx *ctx)
{
	size_t page = kmb_page_size();
	struct hot_job job = { NULL, 0, 0 };

	if (posix_memalign(&job.buf, page, page)) {
		kmb_fail_before(st, "posix_memalign failed", false);
		return;
	}
	memset(job.buf, 1, page);
	if (!kmb_iterate(st, ctx, hot_clears, &job) && job.clears)
		gb_counter(st, "ns_per_page", (double)job.total_ns / (double)job.clears,
			   GB_LOWER_IS_BETTER);
	free(job.buf);
}

static const struct kmb_page_op clear_pages = {
	.thp = KMB_THP_OFF,
	.prepare = kmb_prep_write_faults,
	.before = KMB_STATE_PRIVATE,
	.op = kmb_op_clear,
	.after = KMB_STATE_PRIVATE,
	.op_name = "memset",
};

static const struct kmb_bench_def reference_defs[] = {
	{
		.name = "reference/clear_page_hot",
		.description = "memset of one cache-hot 4 KiB page (the floor of a page clear)",
		.sized = false,
		.unit = GB_US,
		.iterations = 64,
		.run = run_clear_page_hot,
	},
	{
		.name = "reference/clear_pages",
		.floor = true,
		.description = "memset over a populated range: the cost of clearing memory",
		.needs = KMB_NEED(KMB_CAP_PAGEMAP_CENSUS),
		.sized = true,
		.unit = GB_MS,
		.run = kmb_run_page_op,
		.data = &clear_pages,
	},
};

KMB_FAMILY(reference, "the physical floor: clearing pages with memset", reference_defs)
