// SPDX-License-Identifier: GPL-2.0-only
/*
 * thp: the huge zeropage. With THP enabled for a range and use_zero_page=1, a
 * read fault maps one huge zeropage per 2 MiB; the first write then replaces
 * or splits it. THP knobs are switched on only for the run when they are off,
 * and put back afterwards (also after a crash: see lib/knob.h).
 */
#include "knob.h"
#include "mem.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

/* Make MADV_HUGEPAGE ranges get THP and the huge zeropage for this run. */
static int thp_begin(const struct kmb_bench_ctx *ctx, char *err, size_t errlen)
{
	char text[128], mode[32];
	uint64_t use_zero;

	(void)ctx;
	if (kmb_read_line(THP_DIR "/enabled", text, sizeof(text))) {
		snprintf(err, errlen, "cannot read " THP_DIR "/enabled");
		return -1;
	}
	kmb_sysfs_selected(text, mode, sizeof(mode));
	if (!strcmp(mode, "never") && kmb_knob_set(THP_DIR "/enabled", "madvise", err, errlen))
		return -1;
	if (kmb_read_u64(THP_DIR "/use_zero_page", &use_zero)) {
		snprintf(err, errlen, "cannot read " THP_DIR "/use_zero_page");
		return -1;
	}
	if (use_zero != 1 && kmb_knob_set(THP_DIR "/use_zero_page", "1", err, errlen))
		return -1;
	return 0;
}

static int thp_read_faults(struct kmb_region *r, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	kmb_touch_read(r->addr, r->len, KMB_HPAGE_SIZE);
	return 0;
}

static int thp_prep_read_faults(struct kmb_region *r, const struct kmb_bench_ctx *ctx, char *err,
				size_t errlen)
{
	(void)ctx;
	return thp_read_faults(r, err, errlen);
}

static const struct kmb_page_op thp_read_fault = {
	.thp = KMB_THP_ON,
	.begin = thp_begin,
	.end = kmb_knob_restore_all,
	.before = KMB_STATE_UNPOPULATED,
	.op = thp_read_faults,
	.after = KMB_STATE_ZERO_HUGE,
	.op_name = "the read faults (one per 2 MiB)",
};

static const struct kmb_page_op thp_unshare_write = {
	.thp = KMB_THP_ON,
	.begin = thp_begin,
	.end = kmb_knob_restore_all,
	.prepare = thp_prep_read_faults,
	.before = KMB_STATE_ZERO_HUGE,
	.op = kmb_op_write_faults,
	.after = KMB_STATE_PRIVATE,
	.op_name = "the writes (one per 4 KiB page)",
};

#define THP_NEEDS (KMB_NEED(KMB_CAP_PAGEMAP_CENSUS) | KMB_NEED(KMB_CAP_HUGE_ZEROPAGE))

static const struct kmb_bench_def thp_defs[] = {
	{
		.name = "thp/huge_zero_read_fault",
		.description = "map the huge zeropage by one read fault per 2 MiB",
		.needs = THP_NEEDS,
		.sized = true,
		.unit = GB_MS,
		.run = kmb_run_page_op,
		.data = &thp_read_fault,
	},
	{
		.name = "thp/huge_zero_unshare_write",
		.description = "write every 4 KiB page of a huge-zeropage-mapped range",
		.needs = THP_NEEDS,
		.sized = true,
		.unit = GB_MS,
		.run = kmb_run_page_op,
		.data = &thp_unshare_write,
	},
};

KMB_FAMILY(thp, "the huge zeropage (transparent hugepages)", thp_defs)
