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

static void run_clear_page_hot(gb_state *st, const struct kmb_bench_ctx *ctx)
{
	size_t page = kmb_page_size();
	uint64_t total_ns = 0, clears = 0;
	void *buf;
	int i;

	(void)ctx;
	if (posix_memalign(&buf, page, page)) {
		gb_error(st, "posix_memalign failed");
		while (gb_keep_running(st))
			gb_set_iteration_time(st, 0);
		return;
	}
	memset(buf, 1, page);
	while (gb_keep_running(st)) {
		uint64_t t0 = kmb_now_ns(), elapsed;

		for (i = 0; i < HOT_CLEARS; i++) {
			memset(buf, 0, page);
			__asm__ volatile("" : : "r"(buf) : "memory");
		}
		elapsed = kmb_now_ns() - t0;
		gb_set_iteration_time(st, (double)elapsed / 1e9);
		total_ns += elapsed;
		clears += HOT_CLEARS;
	}
	free(buf);
	if (clears)
		gb_counter(st, "ns_per_page", (double)total_ns / (double)clears, GB_LOWER_IS_BETTER);
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
