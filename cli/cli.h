/* SPDX-License-Identifier: GPL-2.0-only */
/* The kmb front end: one entry point per subcommand. */
#ifndef KMB_CLI_H
#define KMB_CLI_H

#include <stdint.h>
#include <stdio.h>
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
int cmd_calibrate(int argc, char **argv);
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

/*
 * Sizes given with --size: each a multiple of 2 MiB (the THP families map
 * whole huge pages) and no larger than the available memory. 0, or the
 * usage error's return value after printing it.
 */
int cli_check_sizes(const uint64_t *sizes, int n);


struct kmb_selection;
/*
 * The skipped instances of a selection grouped by identical reason, one
 * "[n] reason" block per reason with its benchmark names, most common first.
 */
void cli_print_skip_groups(const struct kmb_selection *sel, FILE *out);

/*
 * Environment with the benchmark library facts added (build.benchmark) and
 * the host label given with --host-label, if any.
 */
json_t *cli_capture_env(void);

/* --host-label LABEL: checked (a usage error if invalid) and kept for cli_capture_env. */
int cli_host_label_option(const char *label);

#endif
