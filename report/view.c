// SPDX-License-Identifier: GPL-2.0-only
/* What every format of a comparison says (view.h). */
#include "view.h"
#include "compare.h"
#include "metric.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static double jnum(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

size_t kmb_view_nsides(const json_t *doc)
{
	return kmb_compare_count(doc) + 1;
}

const json_t *kmb_view_side(const json_t *doc, size_t side)
{
	if (side == 0)
		return json_object_get(kmb_compare_report(doc, 0), "base");
	return json_object_get(kmb_compare_report(doc, side - 1), "cand");
}

const char *kmb_view_side_name(const json_t *doc, size_t side, char *buf, size_t len)
{
	const json_t *s = kmb_view_side(doc, side);
	const char *label = jstr(s, "label"), *kernel = jstr(s, "kernel"), *id = jstr(s, "run_id");
	size_t i, n = kmb_view_nsides(doc);
	bool unique = kernel != NULL;

	if (label && *label) {
		snprintf(buf, len, "%s", label);
		return buf;
	}
	for (i = 0; unique && i < n; i++) {
		const char *other = jstr(kmb_view_side(doc, i), "kernel");

		if (i != side && other && !strcmp(other, kernel))
			unique = false;
	}
	if (unique)
		snprintf(buf, len, "%s", kernel);
	else if (id)
		snprintf(buf, len, "%s", id);
	else if (side)
		snprintf(buf, len, "cand%zu", side);
	else
		snprintf(buf, len, "base");
	return buf;
}

const char *kmb_view_side_tag(const json_t *doc, size_t side, char *buf, size_t len)
{
	if (side == 0)
		snprintf(buf, len, "base");
	else if (kmb_compare_count(doc) == 1)
		snprintf(buf, len, "cand");
	else
		snprintf(buf, len, "cand%zu", side);
	return buf;
}

static void widen(const json_t *row, const char *side, int *lo, int *hi)
{
	json_t *n = json_object_get(json_object_get(row, side), "n");

	if (!json_is_integer(n))
		return;
	if (*lo < 0 || json_integer_value(n) < *lo)
		*lo = (int)json_integer_value(n);
	if (json_integer_value(n) > *hi)
		*hi = (int)json_integer_value(n);
}

void kmb_view_side_n(const json_t *doc, size_t side, char *buf, size_t len)
{
	int lo = -1, hi = -1;
	size_t r, i, first = side ? side - 1 : 0, last = side ? side : kmb_compare_count(doc);
	const json_t *row;

	for (r = first; r < last; r++) {
		json_array_foreach(json_object_get(kmb_compare_report(doc, r), "metrics"), i, row)
			widen(row, side ? "cand" : "base", &lo, &hi);
	}
	if (lo < 0)
		snprintf(buf, len, "-");
	else if (lo == hi)
		snprintf(buf, len, "%d", lo);
	else
		snprintf(buf, len, "%d..%d", lo, hi);
}

/*
 * What a kmb ab side was (the manifest's "ab": kernel source, series, boot
 * parameters and sysctls added), as one phrase; NULL for a run kmb ab did not
 * make.
 */
const char *kmb_view_side_ab(const json_t *doc, size_t side, char *buf, size_t len)
{
	const json_t *ab = json_object_get(kmb_view_side(doc, side), "ab");

	if (!json_is_object(ab))
		return NULL;
	snprintf(buf, len, "source %s; series %s; cmdline %s; sysctl %s",
		 jstr(ab, "source") ? jstr(ab, "source") : "?",
		 jstr(ab, "series") ? jstr(ab, "series") : "?",
		 jstr(ab, "cmdline") ? jstr(ab, "cmdline") : "-",
		 jstr(ab, "sysctl") ? jstr(ab, "sysctl") : "-");
	return buf;
}

/* "base vs cand" or "base vs 3 candidates", by the runs' names. */
const char *kmb_view_title(const json_t *doc, char *buf, size_t len)
{
	char base[300], cand[300];
	size_t n = kmb_compare_count(doc);

	kmb_view_side_name(doc, 0, base, sizeof(base));
	if (n == 1)
		snprintf(buf, len, "%s vs %s", base,
			 kmb_view_side_name(doc, 1, cand, sizeof(cand)));
	else
		snprintf(buf, len, "%s vs %zu candidates", base, n);
	return buf;
}

/* what, or "what, cand2 vs base" when the document has several candidates. */
const char *kmb_view_heading(const json_t *doc, size_t r, const char *what, char *buf,
			     size_t len)
{
	char tag[32];

	if (kmb_compare_count(doc) == 1)
		snprintf(buf, len, "%s", what);
	else
		snprintf(buf, len, "%s, %s vs base", what,
			 kmb_view_side_tag(doc, r + 1, tag, sizeof(tag)));
	return buf;
}

/* ---- the rows of the metrics table ---- */

static int cmp_keys(const void *a, const void *b)
{
	const struct kmb_view_key *x = a, *y = b;
	int c = strcmp(x->bench, y->bench);

	return c ? c : strcmp(x->metric, y->metric);
}

static bool is_judged(const json_t *row)
{
	return row && strcmp(jstr(row, "verdict") ? jstr(row, "verdict") : "", "not judged");
}

/* A /proc/vmstat counter that did not move on any side tells nothing: left out. */
static bool never_moved(const struct kmb_view_key *k, size_t ncand)
{
	static const char *const sides[] = { "base", "cand" };
	const json_t *v;
	size_t r, s, i;

	if (strncmp(k->metric, KMB_VMSTAT_PREFIX, strlen(KMB_VMSTAT_PREFIX)) || k->judged)
		return false;
	for (r = 0; r < ncand; r++) {
		for (s = 0; k->rows[r] && s < 2; s++) {
			json_array_foreach(json_object_get(json_object_get(k->rows[r], sides[s]),
							   "samples"),
					   i, v) {
				if (json_number_value(v) != 0)
					return false;
			}
		}
	}
	return true;
}

static void choose_scale(struct kmb_view_key *k)
{
	double v = jnum(json_object_get(k->first, "base"), "median");

	if (!isfinite(v) || v == 0)
		v = jnum(json_object_get(k->first, "cand"), "median");
	k->unit = kmb_unit_of(k->metric, jstr(k->first, "unit"));
	k->scale = kmb_unit_scale(&k->unit, v);
}

static int add_rows(json_t *index, struct kmb_view_grid *g, size_t *cap, const json_t *doc)
{
	char id[1200];
	size_t r, i;
	const json_t *row;

	for (r = 0; r < g->ncand; r++) {
		json_array_foreach(json_object_get(kmb_compare_report(doc, r), "metrics"), i, row) {
			const char *bench = jstr(row, "benchmark"), *metric = jstr(row, "metric");
			json_t *at;
			struct kmb_view_key *k;

			if (!bench || !metric)
				continue;
			snprintf(id, sizeof(id), "%s\n%s", bench, metric);
			at = json_object_get(index, id);
			if (!at) {
				if (g->nkeys == *cap) {
					size_t ncap = *cap ? 2 * *cap : 64;
					struct kmb_view_key *nk =
						realloc(g->keys, ncap * sizeof(*nk));

					if (!nk)
						return -1;
					g->keys = nk;
					*cap = ncap;
				}
				k = &g->keys[g->nkeys];
				memset(k, 0, sizeof(*k));
				k->bench = bench;
				k->metric = metric;
				k->rows = calloc(g->ncand, sizeof(*k->rows));
				if (!k->rows)
					return -1;
				json_object_set_new(index, id,
						    json_integer((json_int_t)g->nkeys++));
			} else {
				k = &g->keys[json_integer_value(at)];
			}
			k->rows[r] = row;
			if (!k->first)
				k->first = row;
			k->judged |= is_judged(row);
		}
	}
	return 0;
}

int kmb_view_grid(const json_t *doc, bool all, struct kmb_view_grid *g)
{
	json_t *index = json_object();
	size_t cap = 0, i, kept = 0;
	int ret;

	memset(g, 0, sizeof(*g));
	g->ncand = kmb_compare_count(doc);
	ret = add_rows(index, g, &cap, doc);
	json_decref(index);
	if (ret) {
		kmb_view_grid_free(g);
		return -1;
	}
	if (g->nkeys)
		qsort(g->keys, g->nkeys, sizeof(*g->keys), cmp_keys);
	for (i = 0; i < g->nkeys; i++) {
		if (!all && !g->keys[i].judged) {
			free(g->keys[i].rows);
			g->hidden++;
			continue;
		}
		if (never_moved(&g->keys[i], g->ncand)) {
			free(g->keys[i].rows);
			g->unmoved++;
			continue;
		}
		choose_scale(&g->keys[i]);
		g->keys[kept++] = g->keys[i];
	}
	g->nkeys = kept;
	return 0;
}

void kmb_view_grid_free(struct kmb_view_grid *g)
{
	size_t i;

	for (i = 0; i < g->nkeys; i++)
		free(g->keys[i].rows);
	free(g->keys);
	memset(g, 0, sizeof(*g));
}

void kmb_view_cell(const struct kmb_view_key *k, const json_t *row, const char *side,
		   struct kmb_view_cell *c)
{
	const json_t *s = json_object_get(row, side), *ci = json_object_get(s, "ci");
	char lo[32], hi[32];

	kmb_unit_format(jnum(s, "median"), &k->scale, c->median, sizeof(c->median));
	kmb_unit_format_number(json_number_value(json_array_get(ci, 0)), &k->scale, lo, sizeof(lo));
	kmb_unit_format_number(json_number_value(json_array_get(ci, 1)), &k->scale, hi, sizeof(hi));
	if (json_is_number(json_array_get(ci, 0)) && json_is_number(json_array_get(ci, 1)))
		snprintf(c->ci, sizeof(c->ci), "[%s, %s]", lo, hi);
	else
		snprintf(c->ci, sizeof(c->ci), "-");
	kmb_unit_percent(jnum(s, "robust_cov"), false, c->spread, sizeof(c->spread));
	if (json_is_integer(json_object_get(s, "n")))
		snprintf(c->n, sizeof(c->n), "%d",
			 (int)json_integer_value(json_object_get(s, "n")));
	else
		snprintf(c->n, sizeof(c->n), "-");
}

void kmb_view_change(const json_t *row, char *buf, size_t len)
{
	kmb_unit_percent(jnum(row, "relative_change"), true, buf, len);
}

void kmb_view_shift(const struct kmb_view_key *k, const json_t *row, char *buf, size_t len)
{
	const json_t *shift = json_object_get(row, "shift"), *ci = json_object_get(shift, "ci");
	double est = jnum(shift, "estimate");
	char e[40], lo[32], hi[32];

	if (!isfinite(est)) {
		snprintf(buf, len, "-");
		return;
	}
	kmb_unit_format(est, &k->scale, e, sizeof(e));
	kmb_unit_format_number(json_number_value(json_array_get(ci, 0)), &k->scale, lo, sizeof(lo));
	kmb_unit_format_number(json_number_value(json_array_get(ci, 1)), &k->scale, hi, sizeof(hi));
	snprintf(buf, len, "%s%s [%s, %s]", est > 0 ? "+" : "", e, lo, hi);
}

void kmb_view_p(const json_t *row, char *buf, size_t len)
{
	double p = jnum(row, "p");

	if (!isfinite(p))
		snprintf(buf, len, "-");
	else if (p < 0.001)
		snprintf(buf, len, "<0.001");
	else
		snprintf(buf, len, "%.2g", p);
}

const char *kmb_view_verdict(const json_t *row)
{
	const char *v = row ? jstr(row, "verdict") : NULL;

	return v ? v : "-";
}

const char *kmb_view_mark(const json_t *row)
{
	switch (kmb_verdict_from_name(kmb_view_verdict(row))) {
	case KMB_VERDICT_REGRESSION:
		return "R";
	case KMB_VERDICT_IMPROVEMENT:
		return "I";
	case KMB_VERDICT_NOISY:
		return "?";
	case KMB_VERDICT_UNCHANGED:
		return "";
	default:
		return "-";
	}
}

void kmb_view_metric_label(const struct kmb_view_key *k, char *buf, size_t len)
{
	const char *name = k->scale.name;

	/* A count shown with a suffix (k, M) has no unit to name. */
	if (k->unit.kind == KMB_UNIT_COUNT || !*name)
		snprintf(buf, len, "%s", k->metric);
	else
		snprintf(buf, len, "%s (%s)", k->metric, name);
}

/* ---- the legend ---- */

const char kmb_view_change_text[] =
	"%change is the ratio of the medians, cand / base - 1 (so a time that fell "
	"shows a minus); the verdict says whether that is better or worse";
const char kmb_view_spread_text[] =
	"± is the robust CoV of the samples (1.4826 x the median absolute deviation "
	"over the median), the spread the noise floor is made from";

void kmb_view_rule(const json_t *doc, char *buf, size_t len)
{
	const json_t *r = kmb_compare_report(doc, 0), *f = json_object_get(r, "noise_floor");
	bool calibrated = false;
	size_t i, n = kmb_compare_count(doc);

	for (i = 0; i < n; i++)
		calibrated |= json_is_string(json_object_get(kmb_compare_report(doc, i),
							     "calibration"));
	snprintf(buf, len,
		 "A change counts when p < %g (Mann-Whitney U test) and |%%change| exceeds the "
		 "noise floor: the largest of %g%%, %g x the larger robust CoV of the two "
		 "sides%s. It is then a regression or an improvement; else unchanged, or noisy "
		 "when the runs could not have seen a change of the floor's size (the reason "
		 "is given). Census counts, settings, CPU time under manual timing and "
		 "/proc/vmstat deltas are not judged.",
		 jnum(r, "alpha"), 100 * jnum(f, "min"), jnum(f, "cov_multiplier"),
		 calibrated ? " and this host's calibrated floor (kmb calibrate)" : "");
}

/* Append "75.0% at n=3" for every level not yet in seen. */
static void add_level(json_t *seen, const char *key, double level)
{
	if (isfinite(level) && !json_object_get(seen, key))
		json_object_set_new(seen, key, json_real(level));
}

static void levels_text(const json_t *seen, const char *what, char *buf, size_t len)
{
	const char *key;
	json_t *v;
	size_t used = strlen(buf);
	bool first = true;

	if (!json_object_size(seen))
		return;
	used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s", used ? "; " : "",
				 what);
	json_object_foreach((json_t *)seen, key, v) {
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%.1f%% at %s",
						 first ? " " : ", ", 100 * json_number_value(v),
						 key);
		first = false;
	}
}

void kmb_view_ci_levels(const json_t *doc, char *buf, size_t len)
{
	json_t *medians = json_object(), *shifts = json_object();
	size_t r, i, n = kmb_compare_count(doc);
	const json_t *row;
	char key[64];

	for (r = 0; r < n; r++) {
		json_array_foreach(json_object_get(kmb_compare_report(doc, r), "metrics"), i, row) {
			const json_t *b = json_object_get(row, "base"),
				     *c = json_object_get(row, "cand");

			snprintf(key, sizeof(key), "n=%d", (int)jnum(b, "n"));
			add_level(medians, key, jnum(b, "ci_level"));
			snprintf(key, sizeof(key), "n=%d", (int)jnum(c, "n"));
			add_level(medians, key, jnum(c, "ci_level"));
			snprintf(key, sizeof(key), "%d vs %d", (int)jnum(b, "n"),
				 (int)jnum(c, "n"));
			add_level(shifts, key, jnum(json_object_get(row, "shift"), "level"));
		}
	}
	buf[0] = '\0';
	levels_text(medians, "the intervals of medians are distribution-free, their level set by "
			     "n:", buf, len);
	levels_text(shifts, "of the Hodges-Lehmann shift:", buf, len);
	json_decref(medians);
	json_decref(shifts);
}

json_t *kmb_view_noisy(const json_t *doc)
{
	json_t *out = json_array(), *by = json_object();
	size_t r, i, n = kmb_compare_count(doc);
	const json_t *row;
	char name[200], entry[1400];

	for (r = 0; r < n; r++) {
		json_array_foreach(json_object_get(kmb_compare_report(doc, r), "metrics"), i, row) {
			const char *reason = jstr(row, "reason");
			json_t *group;

			if (strcmp(kmb_view_verdict(row), "noisy"))
				continue;
			if (!reason)
				reason = "no reason given";
			group = json_object_get(by, reason);
			if (!group) {
				group = json_pack("{s:s, s:[]}", "reason", reason, "metrics");
				json_object_set_new(by, reason, group);
				json_array_append(out, group);
			}
			if (n > 1)
				snprintf(entry, sizeof(entry), "%s %s (%s)", jstr(row, "benchmark"),
					 jstr(row, "metric"),
					 kmb_view_side_tag(doc, r + 1, name, sizeof(name)));
			else
				snprintf(entry, sizeof(entry), "%s %s", jstr(row, "benchmark"),
					 jstr(row, "metric"));
			json_array_append_new(json_object_get(group, "metrics"),
					      json_string(entry));
		}
	}
	json_decref(by);
	return out;
}

/* ---- the environment ---- */

/* A value as a line shows it: strings bare, sha256 hashes short, others as JSON. */
static char *value_text(const json_t *v)
{
	const char *s = json_string_value(v);

	if (!v || json_is_null(v))
		return strdup("(none)");
	if (s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64)
		return strndup(s, 12);
	if (s)
		return strdup(s);
	return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

static json_t *words_line(const char *field, const json_t *row)
{
	char *removed = NULL, *added = NULL;
	size_t lr = 0, la = 0, i;
	FILE *r = open_memstream(&removed, &lr), *a = open_memstream(&added, &la);
	const json_t *w;
	json_t *line;

	if (!r || !a) {
		if (r)
			fclose(r);
		if (a)
			fclose(a);
		free(removed);
		free(added);
		return json_sprintf("%s: differs", field);
	}
	json_array_foreach(json_object_get(row, "removed"), i, w)
		fprintf(r, " -%s", json_string_value(w));
	json_array_foreach(json_object_get(row, "added"), i, w)
		fprintf(a, " +%s", json_string_value(w));
	fclose(r);
	fclose(a);
	line = json_sprintf("%s:%s%s%s", field, removed, added,
			    !lr && !la ? " the same words in another order" : "");
	free(removed);
	free(added);
	return line;
}

static json_t *config_line(const json_t *config, size_t max_options)
{
	const json_t *opts = json_object_get(config, "options"), *o;
	char *text = NULL;
	size_t len = 0, i;
	FILE *m;
	json_t *line;
	json_int_t total = json_integer_value(json_object_get(config, "total"));

	if (jstr(config, "note"))
		return json_sprintf("kernel config: differs; %s", jstr(config, "note"));
	m = open_memstream(&text, &len);
	if (!m)
		return json_string("kernel config: differs");
	fprintf(m, "kernel config: %lld CONFIG_ option%s differ%s", (long long)total,
		total == 1 ? "" : "s", total == 1 ? "s" : "");
	json_array_foreach(opts, i, o) {
		char *vb, *vc;

		if (i >= max_options)
			break;
		vb = value_text(json_object_get(o, "base"));
		vc = value_text(json_object_get(o, "cand"));
		fprintf(m, "%s %s %s -> %s", i ? "," : ":", jstr(o, "option"), vb, vc);
		free(vb);
		free(vc);
	}
	if ((json_int_t)i < total)
		fprintf(m, "%s and %lld more", i ? "," : ":", (long long)(total - (json_int_t)i));
	fclose(m);
	line = json_string(text);
	free(text);
	return line ? line : json_string("kernel config: differs");
}

json_t *kmb_view_env_lines(const json_t *report, size_t max_options)
{
	const json_t *env = json_object_get(report, "environment"), *d;
	const json_t *config = json_object_get(env, "kernel_config");
	json_t *lines = json_array();
	size_t i;

	json_array_foreach(json_object_get(env, "diff"), i, d) {
		const char *field = jstr(d, "field");
		char *vb, *vc;

		if (!field)
			continue;
		if (!strcmp(field, "kernel.cmdline") && json_object_get(d, "removed")) {
			json_array_append_new(lines, words_line(field, d));
			continue;
		}
		/* The options that differ say it better than two hashes. */
		if (!strcmp(field, "kernel.config_sha256") && config)
			continue;
		vb = value_text(json_object_get(d, "base"));
		vc = value_text(json_object_get(d, "cand"));
		json_array_append_new(lines, json_sprintf("%s: %s -> %s%s", field, vb, vc,
							  json_is_true(json_object_get(
								  d, "breaks_comparability"))
								  ? " (not comparable)"
								  : ""));
		free(vb);
		free(vc);
	}
	if (config)
		json_array_append_new(lines, config_line(config, max_options));
	return lines;
}

json_t *kmb_view_conditions(const json_t *doc)
{
	json_t *out = json_array(), *by = json_object(), *c;
	size_t side, i, n = kmb_view_nsides(doc);
	char name[200], key[2000];

	for (side = 0; side < n; side++) {
		kmb_view_side_tag(doc, side, name, sizeof(name));
		json_array_foreach(json_object_get(kmb_view_side(doc, side), "conditions"), i, c) {
			const char *when = jstr(c, "when"), *text = jstr(c, "text");
			json_t *entry;

			if (!when || !text)
				continue;
			snprintf(key, sizeof(key), "%s\n%s", when, text);
			entry = json_object_get(by, key);
			if (entry) {
				json_t *sides = json_sprintf("%s, %s", jstr(entry, "sides"), name);

				json_object_set_new(entry, "sides", sides);
				continue;
			}
			entry = json_pack("{s:s, s:s, s:s}", "sides", name, "when", when, "text",
					  text);
			json_object_set_new(by, key, entry);
			json_array_append(out, entry);
		}
	}
	json_decref(by);
	return out;
}

void kmb_view_tally(const json_t *report, char *buf, size_t len)
{
	const json_t *s = json_object_get(report, "tally"), *w = json_object_get(s, "worst");
	size_t used;
	char change[16];

	used = (size_t)snprintf(buf, len,
				"%d regressed, %d improved, %d unchanged, %d noisy (%d judged, %d "
				"not judged)",
				(int)jnum(s, "regressions"), (int)jnum(s, "improvements"),
				(int)jnum(s, "unchanged"), (int)jnum(s, "noisy"),
				(int)jnum(s, "judged"), (int)jnum(s, "not_judged"));
	if (jnum(s, "lost") > 0 && used < len)
		used += (size_t)snprintf(buf + used, len - used,
					 "; %d benchmark(s) ran in base but not in cand",
					 (int)jnum(s, "lost"));
	if (jnum(s, "failed_in_cand") > 0 && used < len)
		used += (size_t)snprintf(buf + used, len - used, "; %d failed in cand",
					 (int)jnum(s, "failed_in_cand"));
	if (json_is_object(w) && used < len) {
		kmb_unit_percent(jnum(w, "relative_change"), true, change, sizeof(change));
		snprintf(buf + used, len - used, "; worst regression: %s %s %s",
			 jstr(w, "benchmark"), jstr(w, "metric"), change);
	}
}

/* ---- words wrapped at a width ---- */

/* Display width of the next character at s (its length in *bytes); controls are '?'. */
static int char_width(const char *s, size_t *bytes, bool *control)
{
	mbstate_t st;
	wchar_t wc;
	size_t n;
	int w;

	memset(&st, 0, sizeof(st));
	n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
	*control = false;
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*bytes = 1;
		*control = true;
		return 1;
	}
	*bytes = n;
	w = wcwidth(wc);
	if (w < 0) {
		*control = true;
		return 1;
	}
	return w;
}

static size_t text_width(const char *s, size_t bytes)
{
	size_t w = 0, k, at = 0;
	bool control;

	while (at < bytes) {
		w += (size_t)char_width(s + at, &k, &control);
		at += k;
	}
	return w;
}

size_t kmb_view_max_width(const char *text)
{
	size_t widest = 0, len, w;

	while (text && *text) {
		len = strcspn(text, "\n");
		w = text_width(text, len);
		widest = w > widest ? w : widest;
		text += len + (text[len] == '\n');
	}
	return widest;
}

static void put_chars(FILE *out, const char *s, size_t bytes)
{
	size_t k, at = 0;
	bool control;

	while (at < bytes) {
		char_width(s + at, &k, &control);
		if (control)
			fputc('?', out);
		else
			fwrite(s + at, 1, k, out);
		at += k;
	}
}

void kmb_view_wrap(FILE *out, const char *first, const char *indent, const char *text,
		   size_t width)
{
	size_t col, room, w, k, len;
	const char *p = text ? text : "";
	bool at_start = true, control;

	if (width < 20)
		width = 20;
	/* A lead-in that leaves no room is wrapped with the text. */
	if (text_width(first, strlen(first)) + 10 > width && *first) {
		char *joined = NULL;

		if (asprintf(&joined, "%s%s", first, p) < 0)
			return;
		kmb_view_wrap(out, "", indent, joined, width);
		free(joined);
		return;
	}
	fputs(first, out);
	col = text_width(first, strlen(first));
	while (*p) {
		while (*p == ' ' || *p == '\n')
			p++;
		if (!*p)
			break;
		len = strcspn(p, " \n");
		w = text_width(p, len);
		if (!at_start && col + 1 + w > width) {
			fprintf(out, "\n%s", indent);
			col = text_width(indent, strlen(indent));
			at_start = true;
		}
		if (!at_start) {
			fputc(' ', out);
			col++;
		}
		/* A word wider than a whole line goes out in pieces. */
		while (col + w > width && len) {
			room = width > col ? width - col : 1;
			for (k = 0; k < len;) {
				size_t b;
				int cw = char_width(p + k, &b, &control);

				if ((size_t)cw > room)
					break;
				room -= (size_t)cw;
				k += b;
			}
			if (!k)
				k = 1;
			put_chars(out, p, k);
			p += k;
			len -= k;
			w = text_width(p, len);
			fprintf(out, "\n%s", indent);
			col = text_width(indent, strlen(indent));
		}
		put_chars(out, p, len);
		col += w;
		p += len;
		at_start = false;
	}
	fputc('\n', out);
}
