// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmb stress: run scenarios (real QEMU guests under ballooning, host memory
 * pressure and live migration) and judge their invariants; list and check
 * scenario files without running them.
 */
#include "atomic.h"
#include "cli.h"
#include "fatal.h"
#include "knob.h"
#include "paths.h"
#include "runner.h"
#include "rundir.h"
#include "scenario.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCENARIOS 64

struct stress_args {
	const char *names[MAX_SCENARIOS];
	int nnames;
	bool list, check, keep_logs, quiet, json;
	double timeout_s;
	const char *results, *out, *dir, *guest_kernel;
};

static void stress_usage(void)
{
	printf("usage: kmb stress [OPTIONS] [SCENARIO|NAME]...\n"
	       "       kmb stress --list [--json] [SCENARIO|NAME]...\n"
	       "       kmb stress --check SCENARIO|NAME...\n\n"
	       "Boot real QEMU guests, balloon them, put the host under memory pressure,\n"
	       "migrate them (precopy, postcopy, postcopy with pause/recover) and check the\n"
	       "invariants. Without names: the default set (default.list in the scenario\n"
	       "folder, %s).\n\n"
	       "  -l, --list               list the given scenarios (default: every one in the\n"
	       "                           scenario folder) with their descriptions and exit\n"
	       "      --json               with --list: a JSON array, one object per scenario\n"
	       "  -c, --check              validate the given scenario files and exit: 0 when\n"
	       "                           all are valid, 2 with file, line and key otherwise\n"
	       "  -k, --keep-logs          keep the private run directory (consoles, QEMU\n"
	       "                           stderr); its path is printed and kept in the result\n"
	       "  -t, --timeout S          overall limit per scenario, in seconds\n"
	       "  -g, --guest-kernel FILE  guest kernel (default: $KMB_GUEST_KERNEL or the one\n"
	       "                           fetch-guest-kernel cached; 'kmb --paths' shows it)\n"
	       "  -o, --out DIR            write the run into DIR\n"
	       "  -R, --results DIR        results tree (default $KMB_RESULTS or ./results)\n"
	       "      --host-label NAME    this machine's name in the results (default\n"
	       "                           $KMB_HOST_LABEL, else <hostname>-<machine-id hash>)\n"
	       "      --quiet              no progress lines\n"
	       "  -h, --help               this help\n\n"
	       "Writes <run>/stress/<scenario>.json (the resolved scenario, metrics every\n"
	       "100 ms, QMP events, agent lines, invariants) and <run>/logs/<scenario>/\n"
	       "(consoles, QEMU stderr, stress-ng YAML). Exit status: 0 every invariant held,\n"
	       "1 one failed, 2 harness error or invalid scenario.\n",
	       kmb_file_path(KMB_FILE_SCENARIOS));
}

static int parse_args(int argc, char **argv, struct stress_args *a)
{
	static const struct option longopts[] = {
		{ "list", no_argument, NULL, 'l' },
		{ "check", no_argument, NULL, 'c' },
		{ "keep-logs", no_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "guest-kernel", required_argument, NULL, 'g' },
		{ "out", required_argument, NULL, 'o' },
		{ "results", required_argument, NULL, 'R' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "host-label", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long secs;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":lckt:g:o:R:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			a->list = true;
			break;
		case 'c':
			a->check = true;
			break;
		case 'k':
			a->keep_logs = true;
			break;
		case 't':
			if (kmb_parse_uint(optarg, 1, 86400, &secs))
				return cli_usage_error("invalid timeout '%s': seconds, 1..86400",
						       optarg);
			a->timeout_s = (double)secs;
			break;
		case 'g':
			a->guest_kernel = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'R':
			a->results = optarg;
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'j':
			a->json = true;
			break;
		case 'H':
			if (cli_host_label_option(optarg))
				return KMB_EXIT_USAGE;
			break;
		case 'h':
			stress_usage();
			exit(KMB_EXIT_OK);
		default:
			return cli_getopt_error(c, argv);
		}
	}
	for (; optind < argc; optind++) {
		if (a->nnames == MAX_SCENARIOS)
			return cli_usage_error("too many scenarios (at most %d)", MAX_SCENARIOS);
		a->names[a->nnames++] = argv[optind];
	}
	if (a->list && a->check)
		return cli_usage_error("--list and --check exclude each other");
	if (a->check && !a->nnames)
		return cli_usage_error("--check needs the scenario files to check");
	if (a->json && !a->list)
		return cli_usage_error("--json goes with --list");
	return 0;
}

/* Names from default.list (one per line, # comments), pointing into *text. */
static int read_default_list(const char *dir, char **text, const char **names, int *n, int max)
{
	char path[4200], *line, *save = NULL;

	snprintf(path, sizeof(path), "%s/default.list", dir);
	*text = kmb_read_text(path);
	if (!*text) {
		kmb_err("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	for (line = strtok_r(*text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "#")] = '\0';
		line[strcspn(line, " \t\r")] = '\0';
		if (*line && *n < max)
			names[(*n)++] = line;
	}
	return 0;
}

static int default_names(struct stress_args *a, char **text)
{
	return read_default_list(a->dir, text, a->names, &a->nnames, MAX_SCENARIOS);
}

/* A name or path into a loaded scenario; 0, or -1 with the one-line error in err. */
static int load_quiet(const struct stress_args *a, const char *name, struct kmb_scenario *s,
		      char *err, size_t errlen)
{
	char path[4096];

	return kmb_scenario_resolve(name, a->dir, path, sizeof(path), err, errlen) ||
			       kmb_scenario_load(path, s, err, errlen)
		       ? -1
		       : 0;
}

/* The same, with the error printed. */
static int load_one(const struct stress_args *a, const char *name, struct kmb_scenario *s)
{
	char err[1024];

	if (load_quiet(a, name, s, err, sizeof(err))) {
		kmb_err("%s", err);
		return -1;
	}
	return 0;
}

static int load_all(const struct stress_args *a, struct kmb_scenario *sc)
{
	int i;

	for (i = 0; i < a->nnames; i++) {
		if (load_one(a, a->names[i], &sc[i]))
			return -1;
	}
	return 0;
}

/* --check: every file is loaded and validated; each error is its own line. */
static int check_scenarios(const struct stress_args *a)
{
	struct kmb_scenario s;
	int i, bad = 0;

	for (i = 0; i < a->nnames; i++) {
		if (load_one(a, a->names[i], &s))
			bad++;
		else
			printf("%s: ok (%s)\n", s.path, s.name);
	}
	return bad ? KMB_EXIT_USAGE : KMB_EXIT_OK;
}

/* What --list --json says of a scenario: enough to pick one, the file for the rest. */
static json_t *list_item(const struct kmb_scenario *s, const json_t *defaults)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:I, s:s, s:s}", "name", s->name, "description",
			 s->description, "path", s->path, "default",
			 json_object_get(defaults, s->name) != NULL, "memory_bytes",
			 (json_int_t)s->guest.memory, "backend",
			 kmb_backend_name(s->guest.backend), "migration",
			 kmb_mig_mode_name(s->migration.mode));
}

/* The names in default.list as a set (empty when there is none). */
static json_t *default_set(const struct stress_args *a)
{
	const char *names[MAX_SCENARIOS];
	json_t *set = json_object();
	char *text = NULL;
	int i, n = 0;

	if (!read_default_list(a->dir, &text, names, &n, MAX_SCENARIOS))
		for (i = 0; i < n; i++)
			json_object_set_new(set, names[i], json_true());
	free(text);
	return set;
}

/* --list: the given scenarios, or every one in the folder; --json: as an array. */
static int list_scenarios(const struct stress_args *a)
{
	json_t *items = a->json ? json_array() : NULL, *defaults = NULL;
	char **folder = NULL, err[1024];
	struct kmb_scenario s;
	const char *const *names = a->names;
	int i, n = a->nnames, bad = 0;

	if (!n) {
		folder = kmb_scenario_names(a->dir);
		if (!folder) {
			kmb_perr("cannot read %s", a->dir);
			json_decref(items);
			return KMB_EXIT_USAGE;
		}
		names = (const char *const *)folder;
		while (folder[n])
			n++;
	}
	if (items)
		defaults = default_set(a);
	for (i = 0; i < n; i++) {
		if (load_quiet(a, names[i], &s, err, sizeof(err))) {
			/* Every bad file is named, and the others are still listed. */
			kmb_err("%s", err);
			if (items)
				json_array_append_new(items, json_pack("{s:s, s:s}", "name",
								       names[i], "error", err));
			bad++;
		} else if (items) {
			json_array_append_new(items, list_item(&s, defaults));
		} else {
			printf("  %-36s %s\n", s.name, s.description);
		}
	}
	if (items) {
		json_dumpf(items, stdout, JSON_INDENT(2));
		printf("\n");
	}
	json_decref(items);
	json_decref(defaults);
	kmb_scenario_names_free(folder);
	return bad ? KMB_EXIT_USAGE : KMB_EXIT_OK;
}

static int save_result(const struct kmb_rundir *run, const char *name, json_t *doc)
{
	char dir[4200], path[4400];

	snprintf(dir, sizeof(dir), "%s/stress", run->dir);
	kmb_mkdir_p(dir, 0755);
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	if (kmb_json_write_atomic(path, doc)) {
		kmb_perr("cannot write %s", path);
		return -1;
	}
	return 0;
}

static const char *str(const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v ? v : "";
}

static void print_teardown(const json_t *doc)
{
	json_t *t = json_object_get(doc, "teardown_s");
	json_t *src = json_object_get(t, "source"), *dst = json_object_get(t, "destination");

	if (!json_is_number(src) && !json_is_number(dst))
		return;
	printf("    teardown: source QEMU %.2f s", json_number_value(src));
	if (json_is_number(dst))
		printf(", destination QEMU %.2f s", json_number_value(dst));
	printf("\n");
}

static void print_verdict(const struct kmb_scenario *s, const json_t *doc)
{
	json_t *inv;
	size_t i;

	printf("kmb stress: %-34s %-5s %6.1f s  (accel %s)\n", s->name, str(doc, "verdict"),
	       json_number_value(json_object_get(doc, "wall_s")),
	       str(json_object_get(doc, "accel"), "name"));
	if (json_string_value(json_object_get(doc, "error")))
		printf("    error: %s\n", str(doc, "error"));
	json_array_foreach(json_object_get(doc, "invariants"), i, inv)
	{
		char *v = json_dumps(json_object_get(inv, "value"), JSON_ENCODE_ANY);
		char *l = json_dumps(json_object_get(inv, "limit"), JSON_ENCODE_ANY);

		printf("    %-4s %-20s value %s, limit %s: %s\n",
		       json_is_true(json_object_get(inv, "passed")) ? "ok" : "FAIL",
		       str(inv, "name"), v ? v : "null", l ? l : "null", str(inv, "detail"));
		free(v);
		free(l);
	}
	json_array_foreach(json_object_get(doc, "not_checked"), i, inv)
		printf("    --   %-20s not checked: %s\n", str(inv, "name"), str(inv, "reason"));
	print_teardown(doc);
	if (json_string_value(json_object_get(doc, "kept_dir")))
		printf("    kept: %s\n", str(doc, "kept_dir"));
	fflush(stdout);
}

static const json_t *invariant(const json_t *doc, const char *name)
{
	json_t *inv;
	size_t i;

	json_array_foreach(json_object_get(doc, "invariants"), i, inv)
	{
		if (!strcmp(str(inv, "name"), name))
			return inv;
	}
	return NULL;
}

/*
 * "788/560!": MiB of the QEMU's peak RSS over its inflated-memory limit, "!"
 * when over; the limit is "-" when the invariant was not checked, the whole
 * cell when the QEMU never ran.
 */
static void peak_cell(const json_t *doc, const char *side, const char *name, char *buf, size_t len)
{
	const json_t *mem = json_object_get(json_object_get(doc, "memory"), side);
	const json_t *inv = invariant(doc, name);

	if (!json_is_integer(json_object_get(mem, "peak"))) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%lld/",
		 (long long)(json_integer_value(json_object_get(mem, "peak")) >> 20));
	if (inv)
		snprintf(buf + strlen(buf), len - strlen(buf), "%lld%s",
			 (long long)(json_integer_value(json_object_get(inv, "limit")) >> 20),
			 json_is_true(json_object_get(inv, "passed")) ? "" : "!");
	else
		snprintf(buf + strlen(buf), len - strlen(buf), "-");
}

/* One row of the closing table: verdict, wall time, peaks, the invariants that failed. */
static json_t *table_row(const char *name, const json_t *doc)
{
	char failed[512] = "", src[48], dst[48];
	json_t *inv;
	size_t i;

	json_array_foreach(json_object_get(doc, "invariants"), i, inv)
	{
		if (json_is_true(json_object_get(inv, "passed")))
			continue;
		snprintf(failed + strlen(failed), sizeof(failed) - strlen(failed), "%s%s",
			 failed[0] ? ", " : "", str(inv, "name"));
	}
	peak_cell(doc, "source", "source_rss", src, sizeof(src));
	peak_cell(doc, "destination", "destination_rss", dst, sizeof(dst));
	return json_pack("{s:s, s:O, s:O, s:s, s:s, s:s}", "name", name, "verdict",
			 json_object_get(doc, "verdict"), "wall_s", json_object_get(doc, "wall_s"),
			 "source", src, "destination", dst, "failed", failed);
}

static void print_table(const json_t *rows)
{
	json_t *row;
	size_t i;

	printf("\n%-34s %-7s %7s  %-13s %-13s %s\n", "scenario", "verdict", "wall", "src peak/lim",
	       "dst peak/lim", "failed invariants");
	json_array_foreach(rows, i, row)
	{
		const char *v = json_string_value(json_object_get(row, "verdict"));

		printf("%-34s %-7s %6.1fs  %-13s %-13s %s\n", str(row, "name"), v ? v : "error",
		       json_number_value(json_object_get(row, "wall_s")), str(row, "source"),
		       str(row, "destination"), str(row, "failed"));
	}
	printf("(peak/limit: MiB of each QEMU's peak RSS and its inflated-memory limit, - not "
	       "checked; ! over it)\n");
}

static int run_all(struct kmb_rundir *run, const struct stress_args *a, struct kmb_scenario *sc,
		   const struct kmb_guest_image *img)
{
	json_t *verdicts = json_object(), *rows = json_array();
	int i, worst = KMB_EXIT_OK;

	for (i = 0; i < a->nnames; i++) {
		struct kmb_stress_opts o = { .img = img,
					     .timeout_s = a->timeout_s,
					     .keep_logs = a->keep_logs,
					     .quiet = a->quiet,
					     .index = i + 1,
					     .count = a->nnames };
		char logdir[4400];
		json_t *doc = NULL;
		int rc;

		snprintf(logdir, sizeof(logdir), "%s/logs/%s", run->dir, sc[i].name);
		kmb_mkdir_p(logdir, 0755);
		o.logdir = logdir;
		if (!a->quiet)
			printf("kmb stress [%d/%d] %s: %s\n", i + 1, a->nnames, sc[i].name,
			       sc[i].description);
		rc = kmb_stress_run(&sc[i], &o, &doc);
		if (doc) {
			save_result(run, sc[i].name, doc);
			print_verdict(&sc[i], doc);
			json_object_set(verdicts, sc[i].name, json_object_get(doc, "verdict"));
			json_array_append_new(rows, table_row(sc[i].name, doc));
			json_decref(doc);
		} else {
			json_array_append_new(rows, json_pack("{s:s, s:n, s:f, s:s, s:s, s:s}",
							      "name", sc[i].name, "verdict",
							      "wall_s", 0.0, "source", "-",
							      "destination", "-", "failed", ""));
		}
		/* A harness error outranks a failed invariant, which outranks a pass. */
		if (rc == KMB_EXIT_USAGE || (rc == KMB_EXIT_FAIL && worst == KMB_EXIT_OK))
			worst = rc;
	}
	print_table(rows);
	json_object_set_new(run->manifest, "stress", json_pack("{s:o}", "verdicts", verdicts));
	json_decref(rows);
	return worst;
}

int cmd_stress(int argc, char **argv)
{
	static struct kmb_scenario sc[MAX_SCENARIOS];
	struct kmb_guest_image img;
	struct stress_args a = { .dir = kmb_file_path(KMB_FILE_SCENARIOS),
				 .guest_kernel = getenv("KMB_GUEST_KERNEL") };
	char *list_text = NULL, err[1024];
	struct kmb_rundir run;
	int ret;

	if ((ret = parse_args(argc, argv, &a)))
		return ret;
	a.results = cli_results_root(a.results);
	if (a.list)
		return list_scenarios(&a);
	if (a.check)
		return check_scenarios(&a);
	if (!a.nnames && default_names(&a, &list_text))
		return KMB_EXIT_USAGE;
	if (load_all(&a, sc)) {
		free(list_text);
		return KMB_EXIT_USAGE;
	}
	if (kmb_stress_preflight(sc, a.nnames, a.guest_kernel, &img, err, sizeof(err))) {
		kmb_err("%s", err);
		free(list_text);
		return KMB_EXIT_USAGE;
	}
	kmb_rundir_recover(a.results, true);
	if (kmb_rundir_create(&run, a.results, a.out, cli_capture_env(), "kmb stress", err,
			   sizeof(err))) {
		kmb_err("%s", err);
		free(list_text);
		return KMB_EXIT_USAGE;
	}
	kmb_install_fatal_handlers(NULL);
	printf("kmb stress: %d scenario(s); writing %s\n", a.nnames, run.dir);
	ret = run_all(&run, &a, sc, &img);
	if (kmb_rundir_finish(&run, ret == KMB_EXIT_USAGE ? "failed" : "complete", err, sizeof(err)))
		kmb_err("%s", err);
	printf("kmb stress: %s: %s\n",
	       ret == KMB_EXIT_OK     ? "all invariants held"
	       : ret == KMB_EXIT_FAIL ? "an invariant failed"
				      : "harness error",
	       run.dir);
	kmb_rundir_close(&run);
	free(list_text);
	return ret;
}
