// SPDX-License-Identifier: GPL-2.0-only
/* kmb env: the environment that every run records in its manifest. */
#include "cli.h"
#include "env.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>

static void env_usage(void)
{
	printf("usage: kmb env [--json]\n\n"
	       "Show the environment recorded in every run's manifest.json: host, CPU,\n"
	       "kernel release, command line and config hash, THP/KSM/userfaultfd/overcommit\n"
	       "settings, cgroup version, capabilities (with the reason for each missing\n"
	       "one), tool and library versions and build types.\n\n"
	       "      --json   the manifest's \"environment\" object\n"
	       "  -h, --help   this help\n");
}

int cmd_env(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool as_json = false;
	json_t *env;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			as_json = true;
			break;
		case 'h':
			env_usage();
			return KMB_EXIT_OK;
		default:
			return cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	env = cli_capture_env();
	if (as_json) {
		json_dumpf(env, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
	} else {
		kmb_env_print(env, stdout);
	}
	json_decref(env);
	return KMB_EXIT_OK;
}
