// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmb baseline: named pointers to runs (results/baselines/NAME, a symbolic
 * link relative to its directory), so `kmb compare NAME run` and the nightly
 * job can refer to them.
 */
#include "cli.h"
#include "hostlabel.h"
#include "paths.h"
#include "results.h"
#include "rundir.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void baseline_usage(void)
{
	printf("usage: kmb baseline set NAME RUN [--results DIR]\n"
	       "       kmb baseline list [--json] [--results DIR]\n"
	       "       kmb baseline show NAME [--results DIR]\n"
	       "       kmb baseline for-host RUN\n"
	       "       kmb baseline previous RUN [--results DIR]\n\n"
	       "A baseline is a name for a complete run: results/baselines/NAME is a link to\n"
	       "it, relative (../runs/<run-id>), so the tree may be mounted anywhere.\n"
	       "'kmb compare NAME RUN' then compares against it.\n\n"
	       "  set NAME RUN     point NAME at RUN (a complete run directory)\n"
	       "  list             every baseline and the run it names\n"
	       "  show NAME        the run directory NAME names (exit 1: none, or not usable)\n"
	       "  for-host RUN     the nightly baseline name of RUN's host: nightly-<host label>\n"
	       "                   (environment.host_label; runs without one: their hostname)\n"
	       "  previous RUN     the latest complete run of the same kind (benchmarks or\n"
	       "                   stress) with RUN's host label started before it (exit 1:\n"
	       "                   there is none)\n\n"
	       "  -R, --results DIR   results tree (default $KMB_RESULTS or ./results)\n"
	       "      --json          list: a JSON array, one object per baseline\n"
	       "  -h, --help          this help\n");
}

static int show_baseline(const char *results, const char *name)
{
	char run[4200], target[PATH_MAX], err[600];
	json_t *m;

	if (kmb_baseline_path(results, name, run, sizeof(run)))
		return cli_usage_error("invalid baseline name '%s'", name);
	if (kmb_baseline_resolve(results, name, run, sizeof(run), err, sizeof(err)))
		return KMB_EXIT_FAIL;
	m = kmb_rundir_load_manifest(run, err, sizeof(err));
	if (!m || !realpath(run, target)) {
		json_decref(m);
		return KMB_EXIT_FAIL;
	}
	json_decref(m);
	printf("%s\n", target);
	return KMB_EXIT_OK;
}

static const char *label_of(const json_t *manifest)
{
	return kmb_host_label_of(json_object_get(manifest, "environment"));
}

static int for_host(const char *run)
{
	char err[512], name[300];
	json_t *m = kmb_rundir_load_manifest(run, err, sizeof(err));

	if (!m) {
		kmb_err("%s", err);
		return KMB_EXIT_USAGE;
	}
	snprintf(name, sizeof(name), "nightly-%s", label_of(m) ? label_of(m) : "host");
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

/* A benchmark run has a bench.json; a kmb stress run has none. */
static bool is_bench_run(const char *dir)
{
	char path[4500];

	snprintf(path, sizeof(path), "%s/bench.json", dir);
	return access(path, F_OK) == 0;
}

/* Only a run of the same kind compares: a benchmark run with a benchmark run. */
static int previous_run(const char *results, const char *run)
{
	char err[512], runs[4200], path[4500], best[4500] = "", best_t[64] = "";
	const char *label, *start, *self;
	bool bench = is_bench_run(run);
	struct dirent *de;
	json_t *mine = kmb_rundir_load_manifest(run, err, sizeof(err)), *m;
	DIR *d;

	if (!mine) {
		kmb_err("%s", err);
		return KMB_EXIT_USAGE;
	}
	label = label_of(mine);
	start = json_string_value(json_object_get(mine, "start_time"));
	self = strrchr(run, '/') ? strrchr(run, '/') + 1 : run;
	snprintf(runs, sizeof(runs), "%s/runs", results);
	d = opendir(runs);
	while (d && label && start && (de = readdir(d))) {
		const char *t;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, self))
			continue;
		snprintf(path, sizeof(path), "%s/%s", runs, de->d_name);
		m = kmb_rundir_load_manifest(path, err, sizeof(err));
		t = json_string_value(json_object_get(m, "start_time"));
		if (m && t && label_of(m) && !strcmp(label_of(m), label) &&
		    is_bench_run(path) == bench && before(t, de->d_name, start, self) &&
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

/*
 * The link's target: "../runs/<id>" for a run of this tree's runs/ (as seen
 * through any symbolic links on the way), else the path from baselines/ to
 * the run, so that the tree keeps working wherever it is mounted.
 */
static int link_target(const char *results, const char *dir, const char *run, char *out,
		       size_t len)
{
	char runs[4200], real_runs[PATH_MAX], real_dir[PATH_MAX], parent[PATH_MAX];
	const char *slash = strrchr(run, '/');

	snprintf(runs, sizeof(runs), "%s/runs", results);
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - run), run);
	if (realpath(runs, real_runs) && !strcmp(real_runs, parent)) {
		snprintf(out, len, "../runs/%s", slash + 1);
		return 0;
	}
	if (!realpath(dir, real_dir))
		return -1;
	return kmb_path_relative(real_dir, run, out, len);
}

static int set_baseline(const char *results, const char *name, const char *run)
{
	char link_path[4200], tmp[4300], target[PATH_MAX], rel[PATH_MAX], err[512], dir[4200];
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
	if (link_target(results, dir, target, rel, sizeof(rel))) {
		kmb_perr("cannot resolve %s", dir);
		return KMB_EXIT_USAGE;
	}
	/* Replace atomically: a reader sees the old baseline or the new one. */
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%d", dir, name, (int)getpid());
	unlink(tmp);
	if (symlink(rel, tmp) || rename(tmp, link_path)) {
		kmb_perr("cannot write %s", link_path);
		unlink(tmp);
		return KMB_EXIT_USAGE;
	}
	printf("baseline %s -> %s\n", name, target);
	return KMB_EXIT_OK;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_hidden(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* One baseline as --json lists it: the link, the run it names, and whether it is usable. */
static json_t *baseline_json(const char *results, const char *name)
{
	char link[4200], target[PATH_MAX] = "", run[4200], real[PATH_MAX], err[600] = "";
	json_t *m = NULL, *env, *item, *facts;
	ssize_t n;

	kmb_baseline_path(results, name, link, sizeof(link));
	n = readlink(link, target, sizeof(target) - 1);
	target[n < 0 ? 0 : n] = '\0';
	if (!kmb_baseline_resolve(results, name, run, sizeof(run), err, sizeof(err)))
		m = kmb_rundir_load_manifest(run, err, sizeof(err));
	else if (!err[0])
		snprintf(err, sizeof(err), "baseline %s: %s", name, strerror(errno));
	env = json_object_get(m, "environment");
	item = json_pack("{s:s, s:s, s:s?, s:b}", "name", name, "target", target, "run",
			 m && realpath(run, real) ? real : NULL, "usable", m != NULL);
	if (m) {
		facts = json_pack("{s:O?, s:s?, s:O?, s:O?, s:O?}", "run_id",
				  json_object_get(m, "run_id"), "host_label", kmb_host_label_of(env),
				  "kernel", json_object_get(json_object_get(env, "kernel"), "release"),
				  "start_time", json_object_get(m, "start_time"), "status",
				  json_object_get(m, "status"));
		json_object_update(item, facts);
		json_decref(facts);
	} else
		json_object_set_new(item, "error", json_string(err));
	json_decref(m);
	return item;
}

static int list_baselines(const char *results, bool json)
{
	char dir[4200], path[4500], target[PATH_MAX], run[4200], err[600];
	json_t *items = json ? json_array() : NULL;
	struct dirent **names;
	int i, n;

	snprintf(dir, sizeof(dir), "%s/baselines", results);
	n = scandir(dir, &names, not_hidden, by_name);
	if (n < 0 && errno != ENOENT) {
		kmb_perr("cannot read %s", dir);
		json_decref(items);
		return KMB_EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		json_t *m = NULL;
		ssize_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len >= 0 && items) {
			json_array_append_new(items, baseline_json(results, name));
		} else if (len >= 0) {
			target[len] = '\0';
			err[0] = '\0';
			if (!kmb_baseline_resolve(results, name, run, sizeof(run), err, sizeof(err)))
				m = kmb_rundir_load_manifest(run, err, sizeof(err));
			printf("%-20s %s%s%s%s\n", name, target, m ? "" : "  (unusable: ",
			       m ? "" : err, m ? "" : ")");
			json_decref(m);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	if (items) {
		json_dumpf(items, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(items);
	}
	return KMB_EXIT_OK;
}

int cmd_baseline(int argc, char **argv)
{
	const char *results = NULL, *args[4];
	bool json = false;
	int i, nargs = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			baseline_usage();
			return KMB_EXIT_OK;
		} else if (!strcmp(argv[i], "-R") || !strcmp(argv[i], "--results")) {
			if (++i == argc)
				return cli_usage_error("option '%s' needs a value", argv[i - 1]);
			results = argv[i];
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] == '-') {
			return cli_usage_error("unknown option '%s'", argv[i]);
		} else if (nargs < 4) {
			args[nargs++] = argv[i];
		} else {
			return cli_usage_error("too many arguments");
		}
	}
	results = cli_results_root(results);
	if (json && !(nargs == 1 && !strcmp(args[0], "list")))
		return cli_usage_error("--json goes with 'list'");
	if (nargs == 3 && !strcmp(args[0], "set"))
		return set_baseline(results, args[1], args[2]);
	if (nargs == 1 && !strcmp(args[0], "list"))
		return list_baselines(results, json);
	if (nargs == 2 && !strcmp(args[0], "show"))
		return show_baseline(results, args[1]);
	if (nargs == 2 && !strcmp(args[0], "for-host"))
		return for_host(args[1]);
	if (nargs == 2 && !strcmp(args[0], "previous"))
		return previous_run(results, args[1]);
	return cli_usage_error("expected 'set NAME RUN', 'list', 'show NAME', 'for-host RUN' or "
			       "'previous RUN'");
}
