/* SPDX-License-Identifier: GPL-2.0-only */
/* The kmb front end: one entry point per subcommand. */
#ifndef KMB_CLI_H
#define KMB_CLI_H

#include <stdint.h>
#include <jansson.h>

struct kmb_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

int cmd_bench(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_env(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_dashboard(int argc, char **argv);
int cmd_stress(int argc, char **argv);
int cmd_ab(int argc, char **argv);

/* Print "kmb CMD: <msg> (see 'kmb CMD --help')" and return KMB_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * getopt_long's ':' (missing value) and '?' (unknown option) as the usage
 * error every subcommand gives. Call with opterr = 0 and ":" leading optstring.
 */
int cli_getopt_error(int c, char **argv);

/* The results tree: given (--results), else $KMB_RESULTS, else ./results. */
const char *cli_results_root(const char *given);

/* The default benchmark sizes for this host; returns the count. */
int cli_default_sizes(uint64_t *sizes, int max, int quick);

/* Environment with the benchmark library facts added (build.benchmark). */
json_t *cli_capture_env(void);

#endif
