// SPDX-License-Identifier: GPL-2.0-only
#include "mem.h"
#include "util.h"
#include "uapi.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int kmb_region_map(struct kmb_region *r, size_t len, enum kmb_thp_mode thp, char *err,
		   size_t errlen)
{
	size_t align = thp == KMB_THP_ON ? KMB_HPAGE_SIZE : kmb_page_size();
	uintptr_t start;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	/* Over-map by one alignment unit so the range can start on a boundary. */
	r->map_len = len + align;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		      0);
	if (r->map == MAP_FAILED) {
		snprintf(err, errlen, "mmap of %zu bytes failed: %s", r->map_len, strerror(errno));
		r->map = NULL;
		return -1;
	}
	start = ((uintptr_t)r->map + align - 1) & ~(uintptr_t)(align - 1);
	r->addr = (char *)start;
	r->len = len;
	if (madvise(r->addr, len, thp == KMB_THP_ON ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		snprintf(err, errlen, "madvise(%s) failed: %s",
			 thp == KMB_THP_ON ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE", strerror(errno));
		kmb_region_unmap(r);
		return -1;
	}
	return 0;
}

void kmb_region_unmap(struct kmb_region *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = NULL;
	r->addr = NULL;
}

void kmb_touch_read(const char *addr, size_t len, size_t stride)
{
	const volatile char *p = addr;
	size_t off;

	for (off = 0; off < len; off += stride)
		(void)p[off];
}

void kmb_touch_write(char *addr, size_t len, size_t stride)
{
	volatile char *p = addr;
	size_t off;

	for (off = 0; off < len; off += stride)
		p[off] = 1;
}

int kmb_op_read_faults(struct kmb_region *r, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	kmb_touch_read(r->addr, r->len, kmb_page_size());
	return 0;
}

int kmb_op_write_faults(struct kmb_region *r, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	kmb_touch_write(r->addr, r->len, kmb_page_size());
	return 0;
}

static int populate(struct kmb_region *r, int advice, const char *name, char *err, size_t errlen)
{
	if (madvise(r->addr, r->len, advice) == 0)
		return 0;
	snprintf(err, errlen, "madvise(%s) failed: %s", name, strerror(errno));
	return -1;
}

int kmb_op_populate_read(struct kmb_region *r, char *err, size_t errlen)
{
	return populate(r, MADV_POPULATE_READ, "MADV_POPULATE_READ", err, errlen);
}

int kmb_op_populate_write(struct kmb_region *r, char *err, size_t errlen)
{
	return populate(r, MADV_POPULATE_WRITE, "MADV_POPULATE_WRITE", err, errlen);
}

int kmb_op_clear(struct kmb_region *r, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	memset(r->addr, 0, r->len);
	/* Keep the stores: the compiler must assume the memory is read later. */
	__asm__ volatile("" : : "r"(r->addr) : "memory");
	return 0;
}

int kmb_prep_write_faults(struct kmb_region *r, const struct kmb_bench_ctx *ctx, char *err,
			  size_t errlen)
{
	(void)ctx;
	return kmb_op_write_faults(r, err, errlen);
}

int kmb_prep_read_faults(struct kmb_region *r, const struct kmb_bench_ctx *ctx, char *err,
			 size_t errlen)
{
	(void)ctx;
	return kmb_op_read_faults(r, err, errlen);
}

static const char *state_name(enum kmb_page_state state)
{
	switch (state) {
	case KMB_STATE_UNPOPULATED:
		return "no page present";
	case KMB_STATE_ZERO:
		return "every page on the shared zeropage";
	case KMB_STATE_ZERO_HUGE:
		return "every page on the huge zeropage";
	case KMB_STATE_PRIVATE:
		return "every page present and none on a zeropage";
	default:
		return "any state";
	}
}

static bool state_reached(enum kmb_page_state state, const struct kmb_census *c)
{
	switch (state) {
	case KMB_STATE_UNPOPULATED:
		return c->present == 0;
	case KMB_STATE_ZERO:
		return c->zero == c->pages && c->zero_huge == 0;
	case KMB_STATE_ZERO_HUGE:
		return c->zero_huge == c->pages;
	case KMB_STATE_PRIVATE:
		return c->present == c->pages && c->zero == 0;
	default:
		return true;
	}
}

/* A hint at the usual cause when a zeropage state was not reached. */
static const char *state_hint(enum kmb_page_state state, const struct kmb_census *c)
{
	if (state == KMB_STATE_ZERO && c->huge)
		return " (transparent hugepages mapped huge pages there)";
	if (state == KMB_STATE_ZERO && c->zero == 0)
		return " (read faults did not map the shared zeropage: mm_forbids_zeropage, "
		       "e.g. s390 with storage keys enabled?)";
	if (state == KMB_STATE_ZERO_HUGE && c->zero_huge == 0)
		return " (the huge zeropage was not used: THP disabled, use_zero_page=0 or "
		       "allocation fell back)";
	return "";
}

static int check_state(enum kmb_page_state state, const struct kmb_census *c, const char *when,
		       const struct kmb_page_op *op, char *err, size_t errlen)
{
	const char *hint;

	if (state_reached(state, c))
		return 0;
	hint = state_hint(state, c);
	if (!strcmp(when, "after") && op->after_hint)
		hint = op->after_hint;
	snprintf(err, errlen,
		 "census %s %s: expected %s, found %llu of %llu pages present, %llu on a "
		 "zeropage (%llu huge)%s",
		 when, op->op_name, state_name(state), (unsigned long long)c->present,
		 (unsigned long long)c->pages, (unsigned long long)c->zero,
		 (unsigned long long)c->zero_huge, hint);
	return -1;
}

struct page_totals {
	uint64_t ns;
	uint64_t pages;
	uint64_t iterations;
	uint64_t zero_before_min;
	uint64_t zero_after_max;
	uint64_t present_after_min;
	const char *method;
};

/* Map, prepare and census one fresh range; the timed op follows. */
static int setup_range(const struct kmb_page_op *op, const struct kmb_bench_ctx *ctx,
		       struct kmb_region *r, struct kmb_census *c, char *err, size_t errlen)
{
	if (kmb_region_map(r, ctx->size, op->thp, err, errlen))
		return -1;
	if (op->prepare && op->prepare(r, ctx, err, errlen))
		return -1;
	if (kmb_census_take(r->addr, r->len, KMB_CENSUS_AUTO, c, err, errlen))
		return -1;
	return check_state(op->before, c, "before", op, err, errlen);
}

struct page_job {
	const struct kmb_page_op *op;
	const struct kmb_bench_ctx *ctx;
	struct page_totals *t;
};

static int one_iteration(void *arg, uint64_t *ns, char *err, size_t errlen)
{
	const struct page_job *job = arg;
	const struct kmb_page_op *op = job->op;
	const struct kmb_bench_ctx *ctx = job->ctx;
	struct page_totals *t = job->t;
	struct kmb_region r;
	struct kmb_census before, after;
	uint64_t t0, elapsed;
	int ret = -1;

	if (setup_range(op, ctx, &r, &before, err, errlen))
		goto out;
	t0 = kmb_now_ns();
	if (op->op(&r, err, errlen))
		goto out;
	elapsed = kmb_now_ns() - t0;
	*ns = elapsed;
	if (kmb_census_take(r.addr, r.len, KMB_CENSUS_AUTO, &after, err, errlen) ||
	    check_state(op->after, &after, "after", op, err, errlen))
		goto out;
	t->ns += elapsed;
	t->pages += before.pages;
	t->iterations++;
	if (t->iterations == 1 || before.zero < t->zero_before_min)
		t->zero_before_min = before.zero;
	if (after.zero > t->zero_after_max)
		t->zero_after_max = after.zero;
	if (t->iterations == 1 || after.present < t->present_after_min)
		t->present_after_min = after.present;
	t->method = kmb_census_method_name(after.method);
	ret = 0;
out:
	if (op->release)
		op->release(&r);
	kmb_region_unmap(&r);
	return ret;
}

/*
 * Counters: ns_per_page over every iteration of the repetition; pages per
 * iteration; the census as its worst case over the iterations (zero_before
 * the minimum, zero_after the maximum), so one reading proves all of them.
 */
static void report(gb_state *st, const struct page_totals *t)
{
	char label[64];

	if (!t->iterations)
		return;
	gb_counter(st, "ns_per_page", (double)t->ns / (double)t->pages, GB_LOWER_IS_BETTER);
	gb_counter(st, "pages", (double)(t->pages / t->iterations), GB_COUNTER_PLAIN);
	gb_counter(st, "zero_before", (double)t->zero_before_min, GB_COUNTER_PLAIN);
	gb_counter(st, "zero_after", (double)t->zero_after_max, GB_COUNTER_PLAIN);
	gb_counter(st, "present_after", (double)t->present_after_min, GB_COUNTER_PLAIN);
	snprintf(label, sizeof(label), "census:%s", t->method);
	gb_set_label(st, label);
}

void kmb_run_page_op(gb_state *st, const struct kmb_bench_ctx *ctx)
{
	const struct kmb_page_op *op = ctx->def->data;
	struct page_totals totals = { 0 };
	struct page_job job = { op, ctx, &totals };
	char err[512] = "";
	int ret;

	if (op->begin && op->begin(ctx, err, sizeof(err))) {
		kmb_fail_before(st, err, true);
		return;
	}
	ret = kmb_iterate(st, ctx, one_iteration, &job);
	if (op->end)
		op->end();
	if (!ret)
		report(st, &totals);
}
