// SPDX-License-Identifier: GPL-2.0-only
/* kmb list: every benchmark, grouped by family, and whether it can run here. */
#include "cli.h"
#include "family.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void list_usage(void)
{
	printf("usage: kmb list [--filter REGEX] [--size LIST] [--json]\n\n"
	       "List the benchmarks by family with 'available' or the reason each is\n"
	       "skipped on this host. Sized benchmarks run once per --size of 'kmb bench'.\n\n"
	       "  -f, --filter REGEX   only benchmarks whose name matches (extended regex)\n"
	       "  -s, --size LIST      sizes to check availability for (default as kmb bench)\n"
	       "      --json           machine-readable output\n"
	       "  -h, --help           this help\n");
}

static json_t *instance_json(const struct kmb_instance *inst)
{
	return json_pack("{s:s, s:s, s:b, s:s?}", "name", inst->ctx.name, "summary",
			 inst->ctx.def->summary, "available", !inst->skip_reason[0], "reason",
			 inst->skip_reason[0] ? inst->skip_reason : NULL);
}

/* Reasons in first-seen order with their instance counts. */
struct skip_group {
	const char *reason;
	unsigned count;
};

static unsigned skip_groups(const struct kmb_selection *sel, struct skip_group *groups)
{
	unsigned i, g, n = 0;

	for (i = 0; i < sel->count; i++) {
		const char *reason = sel->items[i].skip_reason;

		if (!reason[0])
			continue;
		for (g = 0; g < n && strcmp(groups[g].reason, reason); g++)
			;
		if (g == n)
			groups[n++] = (struct skip_group){ reason, 0 };
		groups[g].count++;
	}
	return n;
}

static int by_count(const void *a, const void *b)
{
	const struct skip_group *x = a, *y = b;

	return x->count == y->count ? 0 : x->count > y->count ? -1 : 1;
}

static unsigned group_of(const struct skip_group *groups, unsigned n, const char *reason)
{
	unsigned g;

	for (g = 0; g < n && strcmp(groups[g].reason, reason); g++)
		;
	return g;
}

void cli_print_skip_groups(const struct kmb_selection *sel, FILE *out)
{
	struct skip_group *groups = calloc(sel->count + 1, sizeof(*groups));
	unsigned i, g, n, col;

	if (!groups)
		return;
	n = skip_groups(sel, groups);
	qsort(groups, n, sizeof(*groups), by_count);
	for (g = 0; g < n; g++) {
		fprintf(out, "  [%u] %u skipped: %s\n     ", g + 1, groups[g].count,
			groups[g].reason);
		col = 5;
		for (i = 0; i < sel->count; i++) {
			const char *name = sel->items[i].ctx.name;

			if (strcmp(sel->items[i].skip_reason, groups[g].reason))
				continue;
			if (col > 5 && col + strlen(name) + 1 > 100) {
				fprintf(out, "\n     ");
				col = 5;
			}
			col += (unsigned)fprintf(out, " %s", name);
		}
		fputc('\n', out);
	}
	free(groups);
}

static void print_text(const struct kmb_selection *sel)
{
	const struct kmb_family *fam, *shown = NULL;
	struct skip_group *groups = calloc(sel->count + 1, sizeof(*groups));
	unsigned i, ngroups = 0;
	char status[32];

	if (groups) {
		ngroups = skip_groups(sel, groups);
		qsort(groups, ngroups, sizeof(*groups), by_count);
	}

	for (i = 0; i < sel->count; i++) {
		const struct kmb_instance *inst = &sel->items[i];

		for (fam = kmb_families(); fam; fam = fam->next) {
			if (inst->ctx.def >= fam->defs && inst->ctx.def < fam->defs + fam->ndefs)
				break;
		}
		if (fam && fam != shown) {
			printf("%s%s: %s\n", shown ? "\n" : "", fam->name, fam->summary);
			shown = fam;
		}
		if (inst->skip_reason[0])
			snprintf(status, sizeof(status), "skipped [%u]",
				 group_of(groups, ngroups, inst->skip_reason) + 1);
		else
			snprintf(status, sizeof(status), "available");
		printf("  %-40s %-12s %s\n", inst->ctx.name, status, inst->ctx.def->summary);
	}
	free(groups);
	if (sel->runnable < sel->count) {
		printf("\n%u of %u skipped on this host, by reason:\n", sel->count - sel->runnable,
		       sel->count);
		cli_print_skip_groups(sel, stdout);
	}
}

int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "filter", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kmb_select_opts sopts = { 0 };
	struct kmb_selection sel;
	uint64_t sizes[KMB_MAX_SIZES];
	bool as_json = false;
	char err[256];
	int c;
	unsigned i;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			sopts.filter = optarg;
			break;
		case 's':
			sopts.nsizes = kmb_parse_size_list(optarg, sizes, KMB_MAX_SIZES, err,
							   sizeof(err));
			if (sopts.nsizes < 0)
				return cli_usage_error("%s", err);
			if (cli_check_sizes(sizes, sopts.nsizes))
				return KMB_EXIT_USAGE;
			sopts.sizes_given = true;
			break;
		case 'j':
			as_json = true;
			break;
		case 'h':
			list_usage();
			return KMB_EXIT_OK;
		default:
			return cli_getopt_error(c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!sopts.nsizes)
		sopts.nsizes = cli_default_sizes(sizes, KMB_MAX_SIZES, 0);
	sopts.sizes = sizes;
	if (kmb_select(&sopts, &sel, err, sizeof(err)))
		return cli_usage_error("%s", err);
	if (sel.count == 0) {
		kmb_selection_free(&sel);
		return cli_usage_error("no benchmark matches filter '%s'", sopts.filter);
	}
	if (as_json) {
		json_t *arr = json_array();

		for (i = 0; i < sel.count; i++)
			json_array_append_new(arr, instance_json(&sel.items[i]));
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(arr);
	} else {
		print_text(&sel);
	}
	kmb_selection_free(&sel);
	return KMB_EXIT_OK;
}
