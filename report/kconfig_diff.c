// SPDX-License-Identifier: GPL-2.0-only
/* CONFIG_ options that differ between two runs (kconfig_diff.h). */
#include "kconfig_diff.h"
#include "kconfig.h"
#include "util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Words of option names that touch what kmb measures (memory management,
 * KVM, s390 storage keys and protected VMs): these options are listed first,
 * so a report that can show only some shows those.
 */
static const char *const relevant_words[] = {
	"MM", "THP", "KSM", "KVM", "SWAP", "ZSWAP", "NUMA", "LRU", "PREEMPT", "HUGETLB",
	"HUGETLBFS", "MEMCG", "USERFAULTFD", "COMPACTION", "MIGRATION", "BALLOON", "PGSTE",
	"PAGE", "ZERO", "TRANSPARENT", "PROTECTED",
};

static bool relevant(const char *option)
{
	const char *p = option + (strncmp(option, "CONFIG_", 7) ? 0 : 7);
	size_t i, len;

	while (*p) {
		len = strcspn(p, "_");
		for (i = 0; i < KMB_ARRAY_SIZE(relevant_words); i++) {
			if (len == strlen(relevant_words[i]) && !strncmp(p, relevant_words[i], len))
				return true;
		}
		p += len + (p[len] == '_');
	}
	return false;
}

static int cmp_options(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "option"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "option"));
	bool rx = relevant(x), ry = relevant(y);

	if (rx != ry)
		return rx ? -1 : 1;
	return strcmp(x, y);
}

/* Absent and "is not set" mean the same: the option is off. */
static bool same(const json_t *a, const json_t *b)
{
	const char *sa = json_string_value(a), *sb = json_string_value(b);

	if (!sa || !strcmp(sa, "n"))
		return !sb || !strcmp(sb, "n");
	return sb && !strcmp(sa, sb);
}

static void add_diffs(json_t *rows, const json_t *from, const json_t *to, bool from_is_base)
{
	const char *name;
	json_t *v;

	json_object_foreach((json_t *)from, name, v) {
		json_t *w = json_object_get(to, name);

		/* Options in both are taken once, from the base's side. */
		if ((!from_is_base && w) || same(v, w))
			continue;
		json_array_append_new(rows, json_pack("{s:s, s:O?, s:O?}", "option", name, "base",
						      from_is_base ? v : w, "cand",
						      from_is_base ? w : v));
	}
}

json_t *kmb_kconfig_diff_text(const char *base, const char *cand, size_t limit)
{
	json_t *ob, *oc, *rows, *out, **v;
	size_t n, i;

	if (!base || !cand)
		return NULL;
	ob = kmb_kconfig_options(base);
	oc = kmb_kconfig_options(cand);
	rows = json_array();
	add_diffs(rows, ob, oc, true);
	add_diffs(rows, oc, ob, false);
	n = json_array_size(rows);
	v = calloc(n ? n : 1, sizeof(*v));
	out = json_pack("{s:i, s:[]}", "total", (json_int_t)n, "options");
	for (i = 0; v && i < n; i++)
		v[i] = json_array_get(rows, i);
	if (v)
		qsort(v, n, sizeof(*v), cmp_options);
	for (i = 0; v && i < n && i < limit; i++)
		json_array_append(json_object_get(out, "options"), v[i]);
	free(v);
	json_decref(rows);
	json_decref(ob);
	json_decref(oc);
	return out;
}

static const char *config_hash(const struct kmb_result *r)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(r->manifest, "environment"), "kernel"),
		"config_sha256"));
}

/* The run's copy of its kernel config, or NULL with the reason in err. */
static char *config_text(const struct kmb_result *r, const char *side, char *err, size_t errlen)
{
	const char *copy = json_string_value(json_object_get(r->manifest, "kernel_config_copy"));
	const char *slash = strrchr(r->bench_path, '/');
	char path[8400], why[8600];
	char *text;

	if (!copy) {
		snprintf(err, errlen, "the %s run kept no copy of its kernel config", side);
		return NULL;
	}
	/* A plain name next to the run's bench.json, never a path elsewhere. */
	if (!*copy || strchr(copy, '/') || copy[0] == '.') {
		snprintf(err, errlen, "the %s run names its kernel config copy '%s', not a file "
				      "of the run",
			 side, copy);
		return NULL;
	}
	/* The run's directory: where its bench.json is, else the run itself. */
	if (r->bench_path[0])
		snprintf(path, sizeof(path), "%.*s/%s", slash ? (int)(slash - r->bench_path) : 1,
			 slash ? r->bench_path : ".", copy);
	else
		snprintf(path, sizeof(path), "%s/%s", r->path, copy);
	text = kmb_kconfig_load(path, why, sizeof(why));
	if (!text)
		snprintf(err, errlen, "%s", why);
	return text;
}

json_t *kmb_kconfig_diff(const struct kmb_result *base, const struct kmb_result *cand,
			 size_t limit)
{
	const char *hb = base->manifest ? config_hash(base) : NULL;
	const char *hc = cand->manifest ? config_hash(cand) : NULL;
	char err[8800] = "";
	char *tb, *tc = NULL;
	json_t *out;

	if (!hb || !hc || !strcmp(hb, hc))
		return NULL;
	tb = config_text(base, "base", err, sizeof(err));
	if (tb)
		tc = config_text(cand, "candidate", err, sizeof(err));
	out = tb && tc ? kmb_kconfig_diff_text(tb, tc, limit)
		       : json_pack("{s:n, s:[], s:s}", "total", "options", "note", err);
	free(tb);
	free(tc);
	return out;
}
