// SPDX-License-Identifier: GPL-2.0-only
/*
 * ksm: KSM with use_zero_pages=1 replaces zero-filled pages by the shared
 * zeropage ("KSM zero pages"). MADV_UNMERGEABLE must then unshare every one of
 * them again (Linux 6.4+; s390 relies on it before enabling storage keys).
 * The merge is setup, waited for with a bound; the unmerge is timed.
 */
#include "census.h"
#include "knob.h"
#include "mem.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define KSM_DIR "/sys/kernel/mm/ksm"

static int ksm_begin(const struct kmb_bench_ctx *ctx, char *err, size_t errlen)
{
	(void)ctx;
	/* Scan fast so the merge wait stays short; all restored at the end. */
	if (kmb_knob_set(KSM_DIR "/use_zero_pages", "1", err, errlen) ||
	    kmb_knob_set(KSM_DIR "/pages_to_scan", "20000", err, errlen) ||
	    kmb_knob_set(KSM_DIR "/sleep_millisecs", "0", err, errlen) ||
	    kmb_knob_set(KSM_DIR "/run", "1", err, errlen))
		return -1;
	return 0;
}

/* Seconds to wait for KSM to merge size bytes before giving up. */
static unsigned merge_timeout_s(const struct kmb_bench_ctx *ctx)
{
	unsigned per_gib = (unsigned)(ctx->size / KMB_GIB) * 30;

	return (ctx->quick ? 20 : 60) + per_gib;
}

static int wait_merged(struct kmb_region *r, unsigned timeout_s, char *err, size_t errlen)
{
	uint64_t deadline = kmb_now_ns() + (uint64_t)timeout_s * 1000000000ULL;
	struct timespec nap = { .tv_nsec = 20 * 1000 * 1000 };
	struct kmb_census c;

	for (;;) {
		if (kmb_census_take(r->addr, r->len, KMB_CENSUS_AUTO, &c, err, errlen))
			return -1;
		if (c.zero == c.pages)
			return 0;
		if (kmb_now_ns() > deadline)
			break;
		nanosleep(&nap, NULL);
	}
	snprintf(err, errlen,
		 "KSM merged %llu of %llu zero-filled pages into KSM zero pages within %u s",
		 (unsigned long long)c.zero, (unsigned long long)c.pages, timeout_s);
	return 1;
}

static int ksm_prepare(struct kmb_region *r, const struct kmb_bench_ctx *ctx, char *err,
		       size_t errlen)
{
	/* Zero-filled private pages: allocated by a write, content stays zero. */
	memset(r->addr, 0, r->len);
	if (madvise(r->addr, r->len, MADV_MERGEABLE)) {
		snprintf(err, errlen, "madvise(MADV_MERGEABLE) failed: %s", strerror(errno));
		return -1;
	}
	return wait_merged(r, merge_timeout_s(ctx), err, errlen) ? -1 : 0;
}

static int ksm_unmerge(struct kmb_region *r, char *err, size_t errlen)
{
	if (madvise(r->addr, r->len, MADV_UNMERGEABLE) == 0)
		return 0;
	snprintf(err, errlen, "madvise(MADV_UNMERGEABLE) failed: %s", strerror(errno));
	return -1;
}

static const struct kmb_page_op ksm_unmerge_zero = {
	.thp = KMB_THP_OFF,
	.begin = ksm_begin,
	.end = kmb_knob_restore_all,
	.prepare = ksm_prepare,
	.before = KMB_STATE_ZERO,
	.op = ksm_unmerge,
	.after = KMB_STATE_PRIVATE,
	.op_name = "MADV_UNMERGEABLE",
	.after_hint = " (KSM zero pages stayed mapped: kernels before 6.4 do not unshare "
		      "KSM-placed zero pages on unmerge)",
};

static const struct kmb_bench_def ksm_defs[] = {
	{
		.name = "ksm/unmerge_zero_pages",
		.description = "MADV_UNMERGEABLE of pages KSM merged into the zeropage (use_zero_pages)",
		.needs = KMB_NEED(KMB_CAP_PAGEMAP_CENSUS) | KMB_NEED(KMB_CAP_KSM) |
			 KMB_NEED(KMB_CAP_KSM_ZERO_PAGES),
		.sized = true,
		.unit = GB_MS,
		.iterations = 1,
		.run = kmb_run_page_op,
		.data = &ksm_unmerge_zero,
	},
};

KMB_FAMILY(ksm, "KSM zero pages: merge by use_zero_pages, timed unmerge", ksm_defs)
