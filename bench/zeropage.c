// SPDX-License-Identifier: GPL-2.0-only
/*
 * zeropage: mapping anonymous memory to the shared zeropage and unsharing it
 * again. Reading never-written anonymous memory maps the shared zeropage;
 * the first write then "unshares" it: allocate a page, clear it, replace the
 * PTE and flush the TLB. s390 storage-key enablement and KSM unmerge do
 * exactly this over a whole VM, so its per-page cost is what they pay.
 *
 * write_fault_fresh is the baseline: the same write faults on never-touched
 * memory. unshare_write_fault minus write_fault_fresh is the overhead of
 * having the zeropage mapped (`kmb bench` prints it after the run).
 */
#include "mem.h"

#define ZP_NEEDS (KMB_NEED(KMB_CAP_PAGEMAP_CENSUS) | KMB_NEED(KMB_CAP_ZEROPAGE))

static const struct kmb_page_op zp_read_fault = {
	.thp = KMB_THP_OFF,
	.before = KMB_STATE_UNPOPULATED,
	.op = kmb_op_read_faults,
	.after = KMB_STATE_ZERO,
	.op_name = "the read faults",
};

static const struct kmb_page_op zp_populate_read = {
	.thp = KMB_THP_OFF,
	.before = KMB_STATE_UNPOPULATED,
	.op = kmb_op_populate_read,
	.after = KMB_STATE_ZERO,
	.op_name = "MADV_POPULATE_READ",
};

static const struct kmb_page_op zp_unshare_write_fault = {
	.thp = KMB_THP_OFF,
	.prepare = kmb_prep_read_faults,
	.before = KMB_STATE_ZERO,
	.op = kmb_op_write_faults,
	.after = KMB_STATE_PRIVATE,
	.op_name = "the write faults",
};

static const struct kmb_page_op zp_write_fault_fresh = {
	.thp = KMB_THP_OFF,
	.before = KMB_STATE_UNPOPULATED,
	.op = kmb_op_write_faults,
	.after = KMB_STATE_PRIVATE,
	.op_name = "the write faults",
};

static const struct kmb_page_op zp_unshare_populate_write = {
	.thp = KMB_THP_OFF,
	.prepare = kmb_prep_read_faults,
	.before = KMB_STATE_ZERO,
	.op = kmb_op_populate_write,
	.after = KMB_STATE_PRIVATE,
	.op_name = "MADV_POPULATE_WRITE",
};

static const struct kmb_bench_def zeropage_defs[] = {
	{
		.name = "zeropage/read_fault",
		.description = "map the shared zeropage by one read fault per page",
		.needs = ZP_NEEDS,
		.sized = true,
		.unit = GB_MS,
		.run = kmb_run_page_op,
		.data = &zp_read_fault,
	},
	{
		.name = "zeropage/populate_read",
		.description = "map the shared zeropage with MADV_POPULATE_READ over the range",
		.needs = ZP_NEEDS | KMB_NEED(KMB_CAP_MADV_POPULATE),
		.sized = true,
		.unit = GB_MS,
		.run = kmb_run_page_op,
		.data = &zp_populate_read,
	},
	{
		.name = "zeropage/unshare_write_fault",
		.derived = "zeropage unshare overhead",
		.minus = "zeropage/write_fault_fresh",
		.description = "unshare zeropage-mapped pages by one write fault per page",
		.needs = ZP_NEEDS,
		.sized = true,
		.unit = GB_MS,
		.run = kmb_run_page_op,
		.data = &zp_unshare_write_fault,
	},
	{
		.name = "zeropage/write_fault_fresh",
		.description = "baseline: one write fault per never-touched page",
		.needs = KMB_NEED(KMB_CAP_PAGEMAP_CENSUS),
		.sized = true,
		.unit = GB_MS,
		.run = kmb_run_page_op,
		.data = &zp_write_fault_fresh,
	},
	{
		.name = "zeropage/unshare_populate_write",
		.description = "unshare zeropage-mapped pages with MADV_POPULATE_WRITE",
		.needs = ZP_NEEDS | KMB_NEED(KMB_CAP_MADV_POPULATE),
		.sized = true,
		.unit = GB_MS,
		.run = kmb_run_page_op,
		.data = &zp_unshare_populate_write,
	},
};

KMB_FAMILY(zeropage, "mapping and unsharing the shared zeropage", zeropage_defs)
