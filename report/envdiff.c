// SPDX-License-Identifier: GPL-2.0-only
#include "envdiff.h"
#include "util.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct env_field {
	const char *path;	/* dotted path inside the manifest */
	bool breaks;		/* a difference breaks comparability */
	const char *why;	/* the warning when it does */
};

/* What a kernel developer expects to differ (kernel) is shown, not warned about. */
static const struct env_field fields[] = {
	{ "environment.host", true, "different hosts" },
	{ "environment.arch", true, "different architectures" },
	{ "environment.cpu.model", true, "different CPU models" },
	{ "environment.cpu.count", true, "different CPU counts" },
	{ "environment.memory.total_bytes", false, NULL },
	{ "environment.kernel.release", false, NULL },
	{ "environment.kernel.version", false, NULL },
	{ "environment.kernel.cmdline", false, NULL },
	{ "environment.kernel.config_sha256", false, NULL },
	{ "environment.mm.thp_enabled", false, NULL },
	{ "environment.mm.thp_defrag", false, NULL },
	{ "environment.mm.thp_use_zero_page", false, NULL },
	{ "environment.mm.ksm_run", false, NULL },
	{ "environment.mm.ksm_use_zero_pages", false, NULL },
	{ "environment.mm.overcommit_memory", false, NULL },
	{ "environment.mm.unprivileged_userfaultfd", false, NULL },
	{ "environment.mm.numa_balancing", false, NULL },
	{ "environment.mm.swap_total_bytes", false, NULL },
	{ "environment.cgroup.version", false, NULL },
	{ "environment.zeropage.policy", false, NULL },
	{ "environment.tool.version", false, NULL },
	{ "environment.tool.git_commit", false, NULL },
	{ "environment.build.compiler", false, NULL },
	{ "environment.build.libc", false, NULL },
	{ "environment.build.jansson", false, NULL },
	{ "environment.build.cflags_sanitizers", true, "one build has sanitizers on" },
	{ "environment.build.benchmark.version", false, NULL },
	{ "environment.build.benchmark.build_type", true,
	  "Google Benchmark debug vs release build" },
	{ "bench.sizes", true, "different benchmark sizes" },
	{ "bench.quick", true, "a --quick run against a full one" },
	{ "bench.repetitions", false, NULL },
};

static json_t *lookup(const json_t *root, const char *path)
{
	char part[64];
	const char *dot;

	while (root && (dot = strchr(path, '.'))) {
		snprintf(part, sizeof(part), "%.*s", (int)(dot - path), path);
		root = json_object_get(root, part);
		path = dot + 1;
	}
	return root ? json_object_get(root, path) : NULL;
}

/*
 * The words of a kernel command line as the kernel splits them: at blanks,
 * except inside double quotes (param="a b").
 */
static json_t *cmdline_words(const char *s)
{
	json_t *words = json_array();
	const char *start;
	bool quoted;

	while (s && *s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		start = s;
		for (quoted = false; *s && (quoted || (*s != ' ' && *s != '\t' && *s != '\n'));
		     s++) {
			if (*s == '"')
				quoted = !quoted;
		}
		json_array_append_new(words, json_stringn(start, (size_t)(s - start)));
	}
	return words;
}

/* The words of a not in b, each as often as a has it more than b, in a's order. */
static json_t *words_only_in(const json_t *a, const json_t *b)
{
	json_t *left = json_deep_copy(b), *out = json_array(), *w, *x;
	size_t i, k;

	json_array_foreach(a, i, w) {
		bool found = false;

		json_array_foreach(left, k, x) {
			if (json_equal(w, x)) {
				json_array_remove(left, k);
				found = true;
				break;
			}
		}
		if (!found)
			json_array_append(out, w);
	}
	json_decref(left);
	return out;
}

/*
 * The command line's row says which parameters were removed and added: a
 * one-word difference in two 600-character lines is hard to see.
 */
static void add_cmdline_words(json_t *row, const json_t *vb, const json_t *vc)
{
	json_t *wb = cmdline_words(json_string_value(vb)),
	       *wc = cmdline_words(json_string_value(vc));

	json_object_set_new(row, "removed", words_only_in(wb, wc));
	json_object_set_new(row, "added", words_only_in(wc, wb));
	json_decref(wb);
	json_decref(wc);
}

static void add_capability_diffs(json_t *diff, const json_t *b, const json_t *c)
{
	json_t *cb = lookup(b, "environment.capabilities"), *cc, *v;
	const char *name;
	char field[128];

	json_object_foreach(cb, name, v) {
		bool ab = json_is_true(json_object_get(v, "available"));

		cc = json_object_get(lookup(c, "environment.capabilities"), name);
		if (!cc || ab == json_is_true(json_object_get(cc, "available")))
			continue;
		snprintf(field, sizeof(field), "capability.%s", name);
		json_array_append_new(diff, json_pack("{s:s, s:s, s:s, s:b}", "field", field,
						      "base", ab ? "available" : "missing", "cand",
						      ab ? "missing" : "available",
						      "breaks_comparability", 0));
	}
}

/*
 * The host label tells machines apart that share a hostname and a CPU model
 * (lib/hostlabel.h). Runs from before labels have none: then the hostname
 * alone decides, as it did.
 */
static void add_host_label_diff(json_t *diff, json_t *warnings, const json_t *b, const json_t *c)
{
	json_t *lb = lookup(b, "environment.host_label"), *lc = lookup(c, "environment.host_label");

	if (!lb || !lc || json_equal(lb, lc))
		return;
	json_array_append_new(diff, json_pack("{s:s, s:O, s:O, s:b}", "field", "host_label", "base",
					      lb, "cand", lc, "breaks_comparability", 1));
	json_array_append_new(warnings,
			      json_string("not comparable: different machines (host labels)"));
}

/*
 * Differences that make only some benchmarks incomparable, each with its
 * scope (a prefix of benchmark names, or "zeropage" for those that need the
 * shared zeropage):
 *  - the zeropage policy: the difference between an s390 kernel before and
 *    after "s390/mm: Re-enable the shared zeropage for !PV and !skeys KVM
 *    guests"; zeropage benchmarks measure another path (or none) across it;
 *  - what KVM_S390_SET_SKEYS does, which changed with the Linux 7.0 gmap
 *    rewrite (lib/env.c, s390_skeys_json): the skey benchmarks on either
 *    side of it time different work.
 * Both are said only when both runs know the fact.
 */
static json_t *scoped_warnings(json_t *diff, const json_t *b, const json_t *c)
{
	const char *pb = json_string_value(lookup(b, "environment.zeropage.policy"));
	const char *pc = json_string_value(lookup(c, "environment.zeropage.policy"));
	const char *kb = json_string_value(lookup(b, "environment.s390_skeys.set_skeys"));
	const char *kc = json_string_value(lookup(c, "environment.s390_skeys.set_skeys"));
	json_t *out = json_array();

	if (pb && pc && strcmp(pb, pc))
		json_array_append_new(
			out, json_pack("{s:s, s:o}", "scope", "zeropage", "text",
				       json_sprintf("not comparable for zeropage benchmarks: the "
						    "shared zeropage is %s in base and %s in cand",
						    pb, pc)));
	if (kb && kc && strcmp(kb, kc)) {
		json_array_append_new(diff, json_pack("{s:s, s:s, s:s, s:b, s:s}", "field",
						      "s390_skeys.set_skeys", "base", kb, "cand",
						      kc, "breaks_comparability", 0, "scope",
						      "skey/"));
		json_array_append_new(
			out, json_pack("{s:s, s:o}", "scope", "skey/", "text",
				       json_sprintf("not comparable for skey/*: KVM_S390_SET_SKEYS "
						    "runs %s in the base and %s in the candidate, "
						    "which do different work",
						    kb, kc)));
	}
	return out;
}

json_t *kmb_env_diff(const json_t *b, const json_t *c)
{
	json_t *diff = json_array(), *warnings = json_array(), *row;
	size_t i;

	if (!b || !c) {
		json_array_append_new(warnings,
				      json_string("environment unknown: no manifest.json for the "
						  "base or the candidate (a bare bench.json)"));
		return json_pack("{s:o, s:o, s:[]}", "diff", diff, "warnings", warnings,
				 "scoped_warnings");
	}
	for (i = 0; i < KMB_ARRAY_SIZE(fields); i++) {
		json_t *vb = lookup(b, fields[i].path), *vc = lookup(c, fields[i].path);

		if (json_equal(vb, vc) || (!vb && !vc))
			continue;
		row = json_pack("{s:s, s:O?, s:O?, s:b}", "field",
				fields[i].path +
					(strncmp(fields[i].path, "environment.", 12) ? 0 : 12),
				"base", vb, "cand", vc, "breaks_comparability", fields[i].breaks);
		if (!strcmp(fields[i].path, "environment.kernel.cmdline"))
			add_cmdline_words(row, vb, vc);
		json_array_append_new(diff, row);
		if (fields[i].breaks)
			json_array_append_new(warnings, json_sprintf("not comparable: %s",
								     fields[i].why));
	}
	add_capability_diffs(diff, b, c);
	add_host_label_diff(diff, warnings, b, c);
	return json_pack("{s:o, s:o, s:o}", "diff", diff, "warnings", warnings, "scoped_warnings",
			 scoped_warnings(diff, b, c));
}
