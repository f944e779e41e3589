// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmb: the front end. `kmb COMMAND [OPTIONS]` dispatches to a subcommand, the
 * way git and perf do. Every start first puts back host knobs that a killed
 * kmb left changed (see lib/knob.h).
 */
#include "cli.h"
#include "gbench.h"
#include "env.h"
#include "cgroup.h"
#include "hostlabel.h"
#include "knob.h"
#include "paths.h"
#include "runner.h"
#include "util.h"

#include "config.h"
#include "kmb-version.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct kmb_command commands[] = {
	{ "bench", "run the microbenchmarks and write a run directory", cmd_bench },
	{ "list", "list the benchmarks and whether each can run here", cmd_list },
	{ "env", "show the environment recorded with every run", cmd_env },
	{ "compare", "compare two runs and judge every metric", cmd_compare },
	{ "baseline", "name a run as a baseline, list baselines", cmd_baseline },
	{ "dashboard", "build the static trend site over all runs", cmd_dashboard },
	{ "calibrate", "this host's noise floor per metric, from A/A runs", cmd_calibrate },
	{ "stress", "migrate ballooned guests under memory pressure, check invariants",
	  cmd_stress },
	{ "ab", "build, boot and compare a base and a patched kernel", cmd_ab },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: kmb [--version] [--paths] [--help] COMMAND [OPTIONS]\n\n"
		     "Benchmarks and stress for the memory-management paths KVM guests use.\n\n"
		     "Commands:\n");
	for (i = 0; i < KMB_ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'kmb COMMAND --help' for a command's options.\n");
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", kmb_progname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s --help')\n", kmb_progname());
	return KMB_EXIT_USAGE;
}

int cli_getopt_error(int c, char **argv)
{
	if (c == ':')
		return cli_usage_error("option '%s' needs a value", argv[optind - 1]);
	return cli_usage_error("unknown option '%s'", argv[optind - 1]);
}

const char *cli_results_root(const char *given)
{
	const char *env = getenv("KMB_RESULTS");

	if (given && *given)
		return given;
	return env && *env ? env : "results";
}

/* --host-label of this command, which outranks $KMB_HOST_LABEL and the default. */
static const char *host_label_given;

int cli_host_label_option(const char *label)
{
	if (!kmb_host_label_valid(label))
		return cli_usage_error("invalid host label '%s': 1 to %d characters of "
				       "[A-Za-z0-9._-], not starting with '.' or '-'",
				       label, KMB_HOST_LABEL_MAX);
	host_label_given = label;
	return 0;
}

json_t *cli_capture_env(void)
{
	json_t *env = kmb_env_capture();
	json_t *build = json_object_get(env, "build");

	if (env && host_label_given) {
		json_object_set_new(env, "host_label", json_string(host_label_given));
		json_object_set_new(env, "host_label_source", json_string("--host-label"));
	}

	if (build)
		json_object_set_new(build, "benchmark",
				    json_pack("{s:s, s:s}", "version", gb_library_version(),
					      "build_type", gb_library_build_type()));
	return env;
}

int cli_check_sizes(const uint64_t *sizes, int n)
{
	uint64_t avail = kmb_mem_available();
	char a[32], b[32];
	int i;

	for (i = 0; i < n; i++) {
		kmb_format_size(sizes[i], a, sizeof(a));
		if (sizes[i] < 2 * KMB_MIB || sizes[i] % (2 * KMB_MIB))
			return cli_usage_error("--size %s: sizes are multiples of 2M (whole huge "
					       "pages), at least 2M",
					       a);
		if (avail && sizes[i] > avail) {
			snprintf(b, sizeof(b), "%.1f GiB", (double)avail / KMB_GIB);
			return cli_usage_error("--size %s: more than the %s of memory available "
					       "here",
					       a, b);
		}
	}
	return 0;
}

/*
 * --paths: where this kmb finds its scenarios, guest files and kmb ab's
 * files, and why there ("-" for the source tree an installed kmb has not).
 */
static void print_paths(void)
{
	int f;

	for (f = 0; f < KMB_FILE_COUNT; f++)
		printf("%-20s %s (%s)\n", kmb_file_name(f),
		       *kmb_file_path(f) ? kmb_file_path(f) : "-", kmb_file_origin(f));
}

int main(int argc, char **argv)
{
	const char *label = getenv("KMB_HOST_LABEL");
	static char progname[64];
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return KMB_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return KMB_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kmb (kvm-mm-bench) %s (git %s)\n", PACKAGE_VERSION, KMB_GIT_COMMIT);
		return KMB_EXIT_OK;
	}
	if (!strcmp(argv[1], "--paths")) {
		print_paths();
		return KMB_EXIT_OK;
	}
	if (label && *label && !kmb_host_label_valid(label)) {
		kmb_err("invalid $KMB_HOST_LABEL '%s': 1 to %d characters of [A-Za-z0-9._-], "
			"not starting with '.' or '-'",
			label, KMB_HOST_LABEL_MAX);
		return KMB_EXIT_USAGE;
	}
	for (i = 0; i < KMB_ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		snprintf(progname, sizeof(progname), "kmb %s", commands[i].name);
		kmb_set_progname(progname);
		/* Put back what a killed kmb left: knobs, cgroups, run directories. */
		kmb_knob_recover(1);
		kmb_cgroup_recover(1);
		kmb_stress_recover(1);
		return commands[i].run(argc - 1, argv + 1);
	}
	kmb_err("unknown command '%s' (see 'kmb --help')", argv[1]);
	return KMB_EXIT_USAGE;
}
