// SPDX-License-Identifier: GPL-2.0-only
/*
 * skey_proxy: what s390 storage-key enablement does to a VM's memory, done
 * through portable calls so the cost model can be studied on any host. It is
 * a proxy, not the real thing (that is the s390x-only "skey" family).
 *
 * Since "s390/mm: re-enable the shared zeropage for !PV and !skeys KVM
 * guests" (Linux 6.10) a KVM guest's never-written pages may map the shared
 * zeropage; the first KVM_S390_SET_SKEYS runs s390_enable_skey()
 * (gmap_enable_skeys() from Linux 7.0), which must unshare every one of them
 * before keys can be kept per page. Here: a
 * VM-sized anonymous range with a fraction f of its pages on the zeropage (the
 * rest private), then a timed MADV_POPULATE_WRITE over the whole range, which
 * unshares each zeropage-mapped page and faults nothing else. Where KSM zero
 * pages are in use the kernel also unmerges them; the ksm family measures
 * that, this proxy stays with the unshare.
 *
 * ns_per_page is over the whole range (what a VM of that size pays),
 * ns_per_unshared_page over the pages that were unshared (the per-page cost
 * of the unshare itself, plus the walk over the private pages).
 */
#include "mem.h"
#include "s390/zero_mix.h"
#include "uapi.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

struct proxy_case {
	unsigned zero_pct;	/* percentage of pages on the zeropage before */
};

struct proxy_totals {
	uint64_t ns;
	uint64_t pages;
	uint64_t unshared;
	uint64_t iterations;
	uint64_t zero_before_min;
	uint64_t zero_after_max;
	const char *method;
};

static int census(struct kmb_region *r, struct kmb_census *c, char *err, size_t errlen)
{
	return kmb_census_take(r->addr, r->len, KMB_CENSUS_AUTO, c, err, errlen);
}

/* Map and fill a fresh range, then check it holds the mix it should. */
static int setup(struct kmb_region *r, const struct kmb_bench_ctx *ctx, unsigned pct,
		 struct kmb_census *before, char *err, size_t errlen)
{
	if (kmb_region_map(r, ctx->size, KMB_THP_OFF, err, errlen))
		return -1;
	kmb_zero_mix_fill(r->addr, r->len, pct);
	if (census(r, before, err, errlen))
		return -1;
	return kmb_zero_mix_check_before(before, pct, err, errlen);
}

static void account(struct proxy_totals *t, const struct kmb_census *before,
		    const struct kmb_census *after, uint64_t ns)
{
	t->ns += ns;
	t->pages += before->pages;
	t->unshared += before->zero - after->zero;
	t->iterations++;
	if (t->iterations == 1 || before->zero < t->zero_before_min)
		t->zero_before_min = before->zero;
	if (after->zero > t->zero_after_max)
		t->zero_after_max = after->zero;
	t->method = kmb_census_method_name(after->method);
}

struct proxy_job {
	const struct kmb_bench_ctx *ctx;
	unsigned pct;
	struct proxy_totals *t;
};

static int one_iteration(void *arg, uint64_t *timed, char *err, size_t errlen)
{
	const struct proxy_job *job = arg;
	const struct kmb_bench_ctx *ctx = job->ctx;
	unsigned pct = job->pct;
	struct proxy_totals *t = job->t;
	struct kmb_census before, after;
	struct kmb_region r;
	uint64_t t0, ns;
	int ret = -1;

	if (setup(&r, ctx, pct, &before, err, errlen))
		goto out;
	t0 = kmb_now_ns();
	if (madvise(r.addr, r.len, MADV_POPULATE_WRITE)) {
		snprintf(err, errlen, "madvise(MADV_POPULATE_WRITE) failed: %s", strerror(errno));
		goto out;
	}
	ns = kmb_now_ns() - t0;
	*timed = ns;
	if (census(&r, &after, err, errlen) ||
	    kmb_zero_mix_check_after(&after, "MADV_POPULATE_WRITE", err, errlen))
		goto out;
	account(t, &before, &after, ns);
	ret = 0;
out:
	kmb_region_unmap(&r);
	return ret;
}

/* Per-iteration counters; the census as its worst case over the iterations. */
static void report(gb_state *st, const struct proxy_totals *t)
{
	double iters = (double)t->iterations;
	char label[64];

	if (!t->iterations)
		return;
	gb_counter(st, "ns_per_page", (double)t->ns / (double)t->pages, GB_LOWER_IS_BETTER);
	/* With f = 0 nothing is unshared: no per-unshared-page cost exists. */
	if (t->unshared)
		gb_counter(st, "ns_per_unshared_page", (double)t->ns / (double)t->unshared,
			   GB_LOWER_IS_BETTER);
	gb_counter(st, "pages", (double)t->pages / iters, GB_COUNTER_PLAIN);
	gb_counter(st, "pages_unshared", (double)t->unshared / iters, GB_COUNTER_PLAIN);
	gb_counter(st, "zero_before", (double)t->zero_before_min, GB_COUNTER_PLAIN);
	gb_counter(st, "zero_after", (double)t->zero_after_max, GB_COUNTER_PLAIN);
	snprintf(label, sizeof(label), "census:%s", t->method);
	gb_set_label(st, label);
}

static void run_enable(gb_state *st, const struct kmb_bench_ctx *ctx)
{
	const struct proxy_case *pc = ctx->def->data;
	struct proxy_totals totals = { 0 };
	struct proxy_job job = { ctx, pc->zero_pct, &totals };

	if (!kmb_iterate(st, ctx, one_iteration, &job))
		report(st, &totals);
}

#define PROXY_NEEDS (KMB_NEED(KMB_CAP_PAGEMAP_CENSUS) | KMB_NEED(KMB_CAP_MADV_POPULATE))

static const struct proxy_case f0 = { .zero_pct = 0 };
static const struct proxy_case f50 = { .zero_pct = 50 };
static const struct proxy_case f100 = { .zero_pct = 100 };

static const struct kmb_bench_def skey_proxy_defs[] = {
	{
		.name = "skey_proxy/enable_f0",
		.description = "proxy of s390 skey enablement: MADV_POPULATE_WRITE, no page on the "
			   "zeropage (walk only)",
		.needs = PROXY_NEEDS,
		.sized = true,
		.default_sizes = "256M",
		.unit = GB_MS,
		.run = run_enable,
		.data = &f0,
	},
	{
		.name = "skey_proxy/enable_f50",
		.description = "proxy of s390 skey enablement: MADV_POPULATE_WRITE unsharing every "
			   "other page from the zeropage",
		.needs = PROXY_NEEDS | KMB_NEED(KMB_CAP_ZEROPAGE),
		.sized = true,
		.default_sizes = "256M",
		.unit = GB_MS,
		.run = run_enable,
		.data = &f50,
	},
	{
		.name = "skey_proxy/enable_f100",
		.description = "proxy of s390 skey enablement: MADV_POPULATE_WRITE unsharing every "
			   "page from the zeropage",
		.needs = PROXY_NEEDS | KMB_NEED(KMB_CAP_ZEROPAGE),
		.sized = true,
		.default_sizes = "256M",
		.unit = GB_MS,
		.run = run_enable,
		.data = &f100,
	},
};

KMB_FAMILY(skey_proxy, "portable proxy of s390 storage-key enablement (zeropage unshare)",
	   skey_proxy_defs)
