// SPDX-License-Identifier: GPL-2.0-only
#include "family.h"
#include "metric.h"
#include "util.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct kmb_family *families;

/* Insert sorted by name, so listings and runs have a stable order. */
void kmb_family_register(struct kmb_family *family)
{
	struct kmb_family **pos = &families;

	while (*pos && strcmp((*pos)->name, family->name) < 0)
		pos = &(*pos)->next;
	family->next = *pos;
	*pos = family;
}

struct kmb_family *kmb_families(void)
{
	return families;
}

int kmb_def_skip_reason(const struct kmb_bench_ctx *ctx, char *buf, size_t len)
{
	const struct kmb_bench_def *def = ctx->def;
	const char *why;
	int cap;

	for (cap = 0; cap < KMB_CAP_COUNT; cap++) {
		if (!(def->needs & KMB_NEED(cap)) || kmb_cap_has(cap, &why))
			continue;
		snprintf(buf, len, "needs %s: %s", kmb_cap_name(cap), why ? why : "unavailable");
		return 1;
	}
	if (def->probe && (why = def->probe(ctx))) {
		snprintf(buf, len, "%s", why);
		return 1;
	}
	return 0;
}

/*
 * Iterations per repetition: enough pages per sample that a repetition is not
 * dominated by one-off noise, few enough that the large sizes stay affordable.
 */
static int iterations_for(const struct kmb_bench_def *def, uint64_t size)
{
	uint64_t target = 256 * KMB_MIB, n;

	if (def->iterations)
		return def->iterations;
	n = size ? target / size : 1;
	if (n < 1)
		n = 1;
	if (n > 8)
		n = 8;
	return (int)n;
}

static int add_instance(struct kmb_selection *sel, unsigned *cap, const struct kmb_bench_def *def,
			uint64_t size, const struct kmb_select_opts *opts)
{
	struct kmb_instance *inst;
	char sizebuf[32];

	if (sel->count == *cap) {
		unsigned bigger = *cap ? *cap * 2 : 32;
		struct kmb_instance *items = realloc(sel->items, bigger * sizeof(*items));

		if (!items)
			return -1;
		sel->items = items;
		*cap = bigger;
	}
	inst = &sel->items[sel->count++];
	memset(inst, 0, sizeof(*inst));
	inst->ctx.def = def;
	inst->ctx.size = size;
	inst->ctx.quick = opts->quick;
	inst->ctx.min_timed_ns = opts->min_timed_ns;
	inst->ctx.wall_budget_ns = opts->wall_budget_ns;
	inst->ctx.pv_image = opts->pv_image;
	if (size) {
		kmb_format_size(size, sizebuf, sizeof(sizebuf));
		snprintf(inst->ctx.name, sizeof(inst->ctx.name), "%s/%s", def->name, sizebuf);
	} else {
		snprintf(inst->ctx.name, sizeof(inst->ctx.name), "%s", def->name);
	}
	inst->iterations = iterations_for(def, size);
	return 0;
}

int kmb_sizes_that_fit(const char *list, uint64_t *out, int max)
{
	uint64_t all[KMB_MAX_SIZES], budget = kmb_mem_available() / 4;
	char err[128];
	int n = kmb_parse_size_list(list, all, KMB_MAX_SIZES, err, sizeof(err));
	int i, kept = 0;

	for (i = 0; i < n && kept < max; i++) {
		if (all[i] <= budget || kept == 0)
			out[kept++] = all[i];
	}
	return kept;
}

int kmb_default_sizes(bool quick, uint64_t *out, int max)
{
	return kmb_sizes_that_fit(quick ? KMB_QUICK_SIZES : KMB_DEFAULT_SIZES, out, max);
}

/* A definition's own default sizes that fit. */
static int def_sizes(const struct kmb_bench_def *def, uint64_t *out, int max)
{
	return kmb_sizes_that_fit(def->default_sizes, out, max);
}

static bool matches(const regex_t *re, const char *name)
{
	return !re || regexec(re, name, 0, NULL, 0) == 0;
}

int kmb_select(const struct kmb_select_opts *opts, struct kmb_selection *sel, char *err,
	       size_t errlen)
{
	struct kmb_family *fam;
	regex_t re, *rep = NULL;
	unsigned cap = 0, i;
	int rc;

	memset(sel, 0, sizeof(*sel));
	if (opts->filter) {
		rc = regcomp(&re, opts->filter, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[128];

			regerror(rc, &re, msg, sizeof(msg));
			snprintf(err, errlen, "invalid filter '%s': %s", opts->filter, msg);
			return -1;
		}
		rep = &re;
	}
	for (fam = families; fam; fam = fam->next) {
		for (i = 0; i < fam->ndefs; i++) {
			const struct kmb_bench_def *def = &fam->defs[i];
			uint64_t own[KMB_MAX_SIZES];
			const uint64_t *sizes = opts->sizes;
			int s, n = opts->nsizes;

			if (def->sized && def->default_sizes && !opts->sizes_given && !opts->quick) {
				n = def_sizes(def, own, KMB_MAX_SIZES);
				sizes = own;
			}
			if (!def->sized)
				n = 1;
			for (s = 0; s < n; s++) {
				if (add_instance(sel, &cap, def, def->sized ? sizes[s] : 0, opts))
					goto nomem;
				if (!matches(rep, sel->items[sel->count - 1].ctx.name))
					sel->count--;
			}
		}
	}
	if (rep)
		regfree(rep);
	for (i = 0; i < sel->count; i++) {
		struct kmb_instance *inst = &sel->items[i];

		if (!kmb_def_skip_reason(&inst->ctx, inst->skip_reason, sizeof(inst->skip_reason)))
			sel->runnable++;
	}
	return 0;
nomem:
	if (rep)
		regfree(rep);
	snprintf(err, errlen, "out of memory");
	return -1;
}

void kmb_selection_free(struct kmb_selection *sel)
{
	free(sel->items);
	memset(sel, 0, sizeof(*sel));
}

static void run_instance(gb_state *st, void *data)
{
	const struct kmb_instance *inst = data;

	inst->ctx.def->run(st, &inst->ctx);
}

void kmb_register_selection(struct kmb_selection *sel)
{
	unsigned i;

	for (i = 0; i < sel->count; i++) {
		struct kmb_instance *inst = &sel->items[i];
		gb_bench *b;

		if (inst->skip_reason[0])
			continue;
		b = gb_register(inst->ctx.name, run_instance, inst);
		gb_use_manual_time(b);
		gb_iterations(b, inst->iterations);
		gb_time_unit(b, inst->ctx.def->unit);
	}
}

void kmb_declare_derived_figures(void)
{
	const struct kmb_family *fam;
	char key[256], value[256];
	unsigned i;

	for (fam = families; fam; fam = fam->next) {
		for (i = 0; i < fam->ndefs; i++) {
			const struct kmb_bench_def *def = &fam->defs[i];

			if (def->floor)
				gb_add_context(KMB_SUMMARY_FLOOR_KEY, def->name);
			if (!def->derived || !def->minus)
				continue;
			snprintf(key, sizeof(key), "%s%s", KMB_SUMMARY_DERIVED_KEY, def->derived);
			snprintf(value, sizeof(value), "%s%s%s", def->name, KMB_SUMMARY_MINUS,
				 def->minus);
			gb_add_context(key, value);
		}
	}
}

/* How many calls per iteration: from the first call's timed and wall nanoseconds. */
static int64_t ops_per_iteration(const struct kmb_bench_ctx *ctx, int64_t planned, uint64_t timed,
				 uint64_t wall)
{
	uint64_t want = ctx->min_timed_ns / (uint64_t)planned;
	uint64_t room = ctx->wall_budget_ns / (uint64_t)planned;
	uint64_t k = 1;

	if (timed < want)
		k = (want + (timed ? timed : 1) - 1) / (timed ? timed : 1);
	if (wall && k * wall > room)
		k = room / wall;
	if (k < 1)
		k = 1;
	return k > KMB_MAX_OPS_PER_ITERATION ? KMB_MAX_OPS_PER_ITERATION : (int64_t)k;
}

int kmb_iterate(gb_state *st, const struct kmb_bench_ctx *ctx, kmb_iteration_fn fn, void *arg)
{
	int64_t planned = gb_planned_iterations(st), k = 0, i;
	uint64_t ns, sum, t0;
	char err[512];

	if (planned < 1)
		planned = 1;
	while (gb_keep_running(st)) {
		if (gb_failed(st)) {
			gb_set_iteration_time(st, 0);
			continue;
		}
		sum = 0;
		for (i = 0; !k || i < k; i++) {
			err[0] = '\0';
			ns = 0;
			t0 = kmb_now_ns();
			if (fn(arg, &ns, err, sizeof(err))) {
				gb_error(st, err[0] ? err : "the iteration failed");
				break;
			}
			sum += ns;
			if (!k)
				k = ops_per_iteration(ctx, planned, ns, kmb_now_ns() - t0);
		}
		gb_set_iteration_time(st, gb_failed(st) || !k ? 0 : (double)sum / (double)k / 1e9);
	}
	if (gb_failed(st))
		return -1;
	gb_counter(st, "ops_per_iteration", (double)k, GB_COUNTER_PLAIN);
	return 0;
}

void kmb_fail_before(gb_state *st, const char *message, bool skip)
{
	if (skip)
		gb_skip(st, message);
	else
		gb_error(st, message);
	while (gb_keep_running(st))
		gb_set_iteration_time(st, 0);
}
