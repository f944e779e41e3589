// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmb baseline: named pointers to runs (results/baselines/NAME, a symbolic
 * link), so `kmb compare NAME run` and the nightly job can refer to them.
 */
#include "cli.h"
#include "results.h"
#include "rundir.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void baseline_usage(void)
{
	printf("usage: kmb baseline set NAME RUN [--results DIR]\n"
	       "       kmb baseline list [--results DIR]\n"
	       "       kmb baseline show NAME [--results DIR]\n"
	       "       kmb baseline for-host RUN\n"
	       "       kmb baseline previous RUN [--results DIR]\n\n"
	       "A baseline is a name for a complete run: results/baselines/NAME links to\n"
	       "it. 'kmb compare NAME RUN' then compares against it.\n\n"
	       "  set NAME RUN     point NAME at RUN (a complete run directory)\n"
	       "  list             every baseline and the run it names\n"
	       "  show NAME        the run directory NAME names (exit 1: none, or not usable)\n"
	       "  for-host RUN     the nightly baseline name of RUN's host (nightly-<host>)\n"
	       "  previous RUN     the latest complete run of RUN's host started before it\n"
	       "                   (exit 1: there is none)\n\n"
	       "  -R, --results DIR   results tree (default $KMB_RESULTS or ./results)\n"
	       "  -h, --help          this help\n");
}

static int show_baseline(const char *results, const char *name)
{
	char path[4200], target[PATH_MAX], err[512];
	json_t *m;

	if (kmb_baseline_path(results, name, path, sizeof(path)))
		return cli_usage_error("invalid baseline name '%s'", name);
	m = kmb_rundir_load_manifest(path, err, sizeof(err));
	if (!m || !realpath(path, target)) {
		json_decref(m);
		return KMB_EXIT_FAIL;
	}
	json_decref(m);
	printf("%s\n", target);
	return KMB_EXIT_OK;
}

static const char *host_of(const json_t *manifest)
{
	return json_string_value(
		json_object_get(json_object_get(manifest, "environment"), "host"));
}

static int for_host(const char *run)
{
	char err[512], name[300];
	json_t *m = kmb_rundir_load_manifest(run, err, sizeof(err));

	if (!m) {
		kmb_err("%s", err);
		return KMB_EXIT_USAGE;
	}
	snprintf(name, sizeof(name), "nightly-%s", host_of(m) ? host_of(m) : "host");
	kmb_sanitize_name(name);
	json_decref(m);
	printf("%s\n", name);
	return KMB_EXIT_OK;
}

/* Runs sort by start time, then by directory name (ids start with the time). */
static int before(const char *ta, const char *da, const char *tb, const char *db)
{
	int c = strcmp(ta, tb);

	return c < 0 || (c == 0 && strcmp(da, db) < 0);
}

static int previous_run(const char *results, const char *run)
{
	char err[512], runs[4200], path[4500], best[4500] = "", best_t[64] = "";
	const char *host, *start, *self;
	struct dirent *de;
	json_t *mine = kmb_rundir_load_manifest(run, err, sizeof(err)), *m;
	DIR *d;

	if (!mine) {
		kmb_err("%s", err);
		return KMB_EXIT_USAGE;
	}
	host = host_of(mine);
	start = json_string_value(json_object_get(mine, "start_time"));
	self = strrchr(run, '/') ? strrchr(run, '/') + 1 : run;
	snprintf(runs, sizeof(runs), "%s/runs", results);
	d = opendir(runs);
	while (d && host && start && (de = readdir(d))) {
		const char *t;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, self))
			continue;
		snprintf(path, sizeof(path), "%s/%s", runs, de->d_name);
		m = kmb_rundir_load_manifest(path, err, sizeof(err));
		t = json_string_value(json_object_get(m, "start_time"));
		if (m && t && host_of(m) && !strcmp(host_of(m), host) &&
		    before(t, de->d_name, start, self) &&
		    (!best[0] || before(best_t, best, t, de->d_name))) {
			snprintf(best, sizeof(best), "%s", path);
			snprintf(best_t, sizeof(best_t), "%s", t);
		}
		json_decref(m);
	}
	if (d)
		closedir(d);
	json_decref(mine);
	if (!best[0])
		return KMB_EXIT_FAIL;
	printf("%s\n", best);
	return KMB_EXIT_OK;
}

static int set_baseline(const char *results, const char *name, const char *run)
{
	char link_path[4200], tmp[4300], target[PATH_MAX], err[512], dir[4200];
	json_t *m;

	if (kmb_baseline_path(results, name, link_path, sizeof(link_path)))
		return cli_usage_error("invalid baseline name '%s'", name);
	if (!realpath(run, target)) {
		kmb_err("%s: %s", run, strerror(errno));
		return KMB_EXIT_USAGE;
	}
	m = kmb_rundir_load_manifest(target, err, sizeof(err));
	if (!m) {
		kmb_err("%s", err);
		return KMB_EXIT_USAGE;
	}
	json_decref(m);
	snprintf(dir, sizeof(dir), "%s/baselines", results);
	if (kmb_mkdir_p(dir, 0755)) {
		kmb_perr("cannot create %s", dir);
		return KMB_EXIT_USAGE;
	}
	/* Replace atomically: a reader sees the old baseline or the new one. */
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%d", dir, name, (int)getpid());
	unlink(tmp);
	if (symlink(target, tmp) || rename(tmp, link_path)) {
		kmb_perr("cannot write %s", link_path);
		unlink(tmp);
		return KMB_EXIT_USAGE;
	}
	printf("baseline %s -> %s\n", name, target);
	return KMB_EXIT_OK;
}

static int list_baselines(const char *results)
{
	char dir[4200], path[4500], target[PATH_MAX], err[512];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/baselines", results);
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return KMB_EXIT_OK;
		kmb_perr("cannot read %s", dir);
		return KMB_EXIT_USAGE;
	}
	while ((de = readdir(d))) {
		ssize_t n;
		json_t *m;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		m = kmb_rundir_load_manifest(path, err, sizeof(err));
		printf("%-20s %s%s%s\n", de->d_name, target, m ? "" : "  (unusable: ",
		       m ? "" : err);
		if (!m)
			printf(")\n");
		json_decref(m);
	}
	closedir(d);
	return KMB_EXIT_OK;
}

int cmd_baseline(int argc, char **argv)
{
	const char *results = NULL, *args[4];
	int i, nargs = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			baseline_usage();
			return KMB_EXIT_OK;
		} else if (!strcmp(argv[i], "-R") || !strcmp(argv[i], "--results")) {
			if (++i == argc)
				return cli_usage_error("option '%s' needs a value", argv[i - 1]);
			results = argv[i];
		} else if (argv[i][0] == '-') {
			return cli_usage_error("unknown option '%s'", argv[i]);
		} else if (nargs < 4) {
			args[nargs++] = argv[i];
		} else {
			return cli_usage_error("too many arguments");
		}
	}
	results = cli_results_root(results);
	if (nargs == 3 && !strcmp(args[0], "set"))
		return set_baseline(results, args[1], args[2]);
	if (nargs == 1 && !strcmp(args[0], "list"))
		return list_baselines(results);
	if (nargs == 2 && !strcmp(args[0], "show"))
		return show_baseline(results, args[1]);
	if (nargs == 2 && !strcmp(args[0], "for-host"))
		return for_host(args[1]);
	if (nargs == 2 && !strcmp(args[0], "previous"))
		return previous_run(results, args[1]);
	return cli_usage_error("expected 'set NAME RUN', 'list', 'show NAME', 'for-host RUN' or "
			       "'previous RUN'");
}
