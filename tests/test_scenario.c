// SPDX-License-Identifier: GPL-2.0-only
/*
 * stress/scenario: every shipped scenario loads, values and defaults come out
 * as written, and every kind of bad input is refused with a one-line error
 * that names the file, the line and the offending key or value.
 *
 * Usage: test_scenario [SCENARIO_DIR]. The directory defaults to
 * $KMB_SCENARIO_DIR, then $KMB_TEST_HELPERS/../stress/scenarios (make check),
 * then stress/scenarios. Bad-input fixtures are in tests/data/scenarios.
 */
#include "check.h"
#include "scenario.h"
#include "util.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

static char scenario_dir[4096];
static char data_dir[4096];

static void find_dirs(int argc, char **argv)
{
	const char *helpers = getenv("KMB_TEST_HELPERS");
	const char *env = getenv("KMB_SCENARIO_DIR");

	if (argc > 1)
		snprintf(scenario_dir, sizeof(scenario_dir), "%s", argv[1]);
	else if (env && *env)
		snprintf(scenario_dir, sizeof(scenario_dir), "%s", env);
	else if (helpers && *helpers)
		snprintf(scenario_dir, sizeof(scenario_dir), "%s/../stress/scenarios", helpers);
	else
		snprintf(scenario_dir, sizeof(scenario_dir), "stress/scenarios");
	if (helpers && *helpers)
		snprintf(data_dir, sizeof(data_dir), "%s/data/scenarios", helpers);
	else
		snprintf(data_dir, sizeof(data_dir), "tests/data/scenarios");
}

static const char *in_dir(const char *dir, const char *file)
{
	static char buf[2][4200];
	static int which;

	which ^= 1;
	snprintf(buf[which], sizeof(buf[which]), "%s/%s", dir, file);
	return buf[which];
}

static int load(const char *dir, const char *file, struct kmb_scenario *s, char *err, size_t errlen)
{
	int rc = kmb_scenario_load(in_dir(dir, file), s, err, errlen);

	if (rc)
		fprintf(stderr, "  (%s: %s)\n", file, err);
	return rc;
}

/* Every .ini in the scenario directory loads and is named after its file. */
static void test_shipped(void)
{
	struct kmb_scenario s;
	struct dirent *d;
	char err[512], base[256];
	int count = 0;
	DIR *dir = opendir(scenario_dir);

	if (!dir) {
		fprintf(stderr,
			"%s: cannot open; run from the source tree or set "
			"KMB_SCENARIO_DIR\n",
			scenario_dir);
		exit(1);
	}
	while ((d = readdir(dir))) {
		size_t n = strlen(d->d_name);

		if (n <= 4 || strcmp(d->d_name + n - 4, ".ini"))
			continue;
		snprintf(base, sizeof(base), "%.*s", (int)(n - 4), d->d_name);
		CHECK(load(scenario_dir, d->d_name, &s, err, sizeof(err)) == 0);
		CHECK_STREQ(s.name, base);
		CHECK(s.description[0] != '\0');
		count++;
	}
	closedir(dir);
	CHECK(count >= 11);
}

/* default.list names every scenario except the two make check uses. */
static void test_default_list(void)
{
	char *text = kmb_read_text(in_dir(scenario_dir, "default.list"));
	char *line, *save = NULL, path[4096], err[512];
	struct kmb_scenario s;
	int count = 0;

	CHECK(text != NULL);
	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		CHECK(strcmp(line, "smoke") && strcmp(line, "rss-limit-violation"));
		CHECK(kmb_scenario_resolve(line, scenario_dir, path, sizeof(path), err,
					   sizeof(err)) == 0);
		CHECK(kmb_scenario_load(path, &s, err, sizeof(err)) == 0);
		CHECK_STREQ(s.name, line);
		count++;
	}
	free(text);
	CHECK(count == 9);
}

static void test_balloon_postcopy(void)
{
	struct kmb_scenario s;
	char err[512];

	CHECK(load(scenario_dir, "balloon-postcopy.ini", &s, err, sizeof(err)) == 0);
	CHECK_STREQ(s.name, "balloon-postcopy");
	CHECK_EQ_U64(s.guest.memory, KMB_GIB);
	CHECK_EQ_U64(s.guest.fill, 256 * KMB_MIB);
	CHECK_EQ_U64(s.guest.zero, 64 * KMB_MIB);
	CHECK(s.guest.backend == KMB_BACKEND_ANONYMOUS);
	CHECK(s.nballoon == 1);
	CHECK(s.balloon[0].when == KMB_PHASE_BEFORE);
	CHECK(s.balloon[0].delay_s == 0);
	CHECK_EQ_U64(s.balloon[0].target, 512 * KMB_MIB);
	CHECK(s.migration.mode == KMB_MIG_POSTCOPY);
	CHECK(s.migration.postcopy_after_passes == 0);
	CHECK(s.nfaults == 0);
	CHECK(s.timeouts.boot_s == 120 && s.timeouts.migration_s == 300);
	CHECK(s.invariants.terminal == KMB_TERM_COMPLETED);
	CHECK(s.invariants.verify_memory);
	/* On by default with a balloon; the slack far below what the balloon holds. */
	CHECK(s.invariants.inflated_unallocated);
	CHECK(s.invariants.destination_rss_slack < s.guest.memory - s.balloon[0].target);
	CHECK(s.invariants.source_rss_slack < s.guest.memory - s.balloon[0].target);
	CHECK(!s.invariants.oom_kill_expected);
}

static void test_kill_destination(void)
{
	struct kmb_scenario s;
	char err[512];

	CHECK(load(scenario_dir, "kill-destination-during-postcopy.ini", &s, err, sizeof(err)) ==
	      0);
	CHECK(s.migration.mode == KMB_MIG_POSTCOPY);
	CHECK(s.nfaults == 1);
	CHECK(s.faults[0].kind == KMB_FAULT_KILL && s.faults[0].side == KMB_SIDE_DESTINATION);
	CHECK(s.faults[0].when == KMB_PHASE_POSTCOPY);
	CHECK(s.faults[0].delay_s == 1);
	CHECK(s.invariants.terminal == KMB_TERM_FAILED_OR_PAUSED);
	CHECK(!s.invariants.verify_memory);
	CHECK(s.invariants.host_clean);
}

static void test_other_shipped_values(void)
{
	struct kmb_scenario s;
	char err[512];

	CHECK(load(scenario_dir, "postcopy-under-oom-pressure.ini", &s, err, sizeof(err)) == 0);
	CHECK(strstr(s.host.stress_ng, "--vm-keep") != NULL);
	CHECK(s.host.stress_when == KMB_PHASE_POSTCOPY);
	CHECK_EQ_U64(s.host.memcg_limit_stress, KMB_GIB);
	CHECK(s.invariants.oom_kill_expected);
	CHECK(load(scenario_dir, "postcopy-recover.ini", &s, err, sizeof(err)) == 0);
	CHECK(s.migration.mode == KMB_MIG_POSTCOPY_RECOVER);
	CHECK(s.migration.pause_after_s == 2);
	CHECK(load(scenario_dir, "balloon-inflate-during-postcopy.ini", &s, err, sizeof(err)) == 0);
	CHECK(s.balloon[0].when == KMB_PHASE_POSTCOPY && s.balloon[0].delay_s == 1);
	CHECK(load(scenario_dir, "backend-hugetlb.ini", &s, err, sizeof(err)) == 0);
	CHECK(s.guest.backend == KMB_BACKEND_HUGETLB);
	CHECK_EQ_U64(s.guest.memory, 512 * KMB_MIB);
	CHECK(load(scenario_dir, "rss-limit-violation.ini", &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.invariants.source_rss_growth_max, KMB_MIB);
	CHECK(s.guest.dirty_rate > 0);
	CHECK(load(scenario_dir, "smoke.ini", &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.guest.memory, 256 * KMB_MIB);
	CHECK(s.timeouts.total_s < 600);
}

static void check_defaults(const struct kmb_scenario *s)
{
	CHECK_EQ_U64(s->guest.memory, KMB_GIB);
	CHECK(s->guest.vcpus == 1);
	CHECK(s->guest.backend == KMB_BACKEND_ANONYMOUS);
	CHECK_EQ_U64(s->guest.fill, 256 * KMB_MIB);
	CHECK_EQ_U64(s->guest.zero, 0);
	CHECK_EQ_U64(s->guest.dirty_rate, 0);
	CHECK(s->nballoon == 0 && s->nfaults == 0);
	CHECK_EQ_U64(s->host.memcg_limit_source, 0);
	CHECK_EQ_U64(s->host.memcg_limit_destination, 0);
	CHECK_STREQ(s->host.stress_ng, "");
	CHECK(s->host.stress_when == KMB_PHASE_BEFORE);
	CHECK(s->migration.mode == KMB_MIG_PRECOPY);
	CHECK(s->migration.postcopy_after_passes == 1);
	CHECK_EQ_U64(s->migration.bandwidth, 0);
	CHECK_EQ_U64(s->migration.downtime_limit_ms, 300);
	CHECK(s->timeouts.boot_s == 120 && s->timeouts.migration_s == 300);
	CHECK(s->timeouts.hang_s == 30 && s->timeouts.total_s == 600);
	CHECK(s->invariants.terminal == KMB_TERM_COMPLETED);
	CHECK(s->invariants.verify_memory);
	CHECK_EQ_U64(s->invariants.source_rss_growth_max, 0);
	CHECK_EQ_U64(s->invariants.source_rss_slack, 64 * KMB_MIB);
	CHECK_EQ_U64(s->invariants.destination_rss_slack, 64 * KMB_MIB);
	CHECK(s->invariants.balloon_equal);
	CHECK(!s->invariants.oom_kill_expected);
	CHECK(s->invariants.host_clean);
	/* No balloon step: nothing inflated to check. */
	CHECK(!s->invariants.inflated_unallocated);
}

/* An empty file is a valid scenario: every key has its default. */
static void test_defaults(void)
{
	struct kmb_scenario s;
	char err[512];

	kmb_scenario_defaults(&s);
	check_defaults(&s);
	CHECK(load(data_dir, "empty.ini", &s, err, sizeof(err)) == 0);
	check_defaults(&s);
	CHECK_STREQ(s.name, "empty");
	CHECK_STREQ(s.path, in_dir(data_dir, "empty.ini"));
}

/* Values the shipped files do not use, written to a temporary file. */
static int load_text(const char *text, struct kmb_scenario *s, char *err, size_t errlen)
{
	char path[] = "/tmp/kmb-scenario-XXXXXX.ini";
	int fd = mkstemps(path, 4), rc;
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

	CHECK(f != NULL);
	if (!f)
		return -2;
	fputs(text, f);
	fclose(f);
	rc = kmb_scenario_load(path, s, err, errlen);
	unlink(path);
	return rc;
}

static void test_value_syntax(void)
{
	struct kmb_scenario s;
	char err[512];

	CHECK(load_text("[scenario]\nname = my.test_1\n"
			"[guest]\nmemory = 2GiB\nvcpus = 4\nbackend = memfd\nzero = 0M\n"
			"dirty_rate = 8M\nseed = 4294967295\n"
			"[balloon]\nstep = before:75%\nstep = precopy+1.5s:1G\nstep = "
			"after+300ms:50%\n"
			"[migration]\nmode = postcopy-recover\npostcopy_after_passes = 3\n"
			"bandwidth = 100M\ndowntime_limit = 1.5s\npause_after = 500ms\n"
			"[faults]\nkill = source:precopy+2m\nkill = destination:postcopy\n"
			"[timeouts]\nboot = 1m\nhang = 0.5s\ntotal = 1h\n"
			"[invariants]\nterminal = postcopy-paused ; inline comment\n"
			"host_clean = FALSE\noom_kill = 0\n",
			&s, err, sizeof(err)) == 0);
	if (err[0])
		fprintf(stderr, "  (%s)\n", err);
	CHECK_STREQ(s.name, "my.test_1");
	CHECK_EQ_U64(s.guest.memory, 2 * KMB_GIB);
	CHECK(s.guest.vcpus == 4);
	CHECK(s.guest.backend == KMB_BACKEND_MEMFD);
	CHECK_EQ_U64(s.guest.zero, 0);
	CHECK(s.guest.seed == 4294967295U);
	CHECK(s.nballoon == 3);
	CHECK(s.balloon[0].target == 0 && s.balloon[0].target_pct == 75);
	CHECK(s.balloon[1].when == KMB_PHASE_PRECOPY && s.balloon[1].delay_s == 1.5);
	CHECK(s.balloon[2].when == KMB_PHASE_AFTER && s.balloon[2].delay_s > 0.299 &&
	      s.balloon[2].delay_s < 0.301);
	CHECK(s.migration.postcopy_after_passes == 3);
	CHECK_EQ_U64(s.migration.bandwidth, 100 * KMB_MIB);
	CHECK_EQ_U64(s.migration.downtime_limit_ms, 1500);
	CHECK(s.migration.pause_after_s == 0.5);
	CHECK(s.nfaults == 2);
	CHECK(s.faults[0].side == KMB_SIDE_SOURCE && s.faults[0].delay_s == 120);
	CHECK(s.faults[1].side == KMB_SIDE_DESTINATION && s.faults[1].delay_s == 0);
	CHECK(s.timeouts.boot_s == 60 && s.timeouts.hang_s == 0.5 && s.timeouts.total_s == 3600);
	CHECK(s.invariants.terminal == KMB_TERM_POSTCOPY_PAUSED);
	/* Not completing: memory and balloon cannot be compared unless asked for. */
	CHECK(!s.invariants.verify_memory && !s.invariants.balloon_equal);
	CHECK(!s.invariants.host_clean && !s.invariants.oom_kill_expected);

	CHECK(load_text("[migration]\nmode = none\n[host]\nstress_ng = \"\"\n", &s, err,
			sizeof(err)) == 0);
	CHECK(s.migration.mode == KMB_MIG_NONE);
	CHECK_STREQ(s.host.stress_ng, "");
}

struct bad_case {
	const char *file;
	int line;	     /* 0: the error names no line */
	const char *want[3]; /* substrings of the error */
};

static const struct bad_case bad_cases[] = {
	{ "unknown-section.ini", 4, { "unknown section [gust]" } },
	{ "unknown-empty-section.ini", 4, { "unknown section [ballon]" } },
	{ "unknown-key.ini", 3, { "unknown key 'memroy'", "[guest]" } },
	{ "key-outside-section.ini", 1, { "'memory'", "section" } },
	{ "invalid-size.ini", 3, { "invalid size '12Q'", "guest.memory" } },
	{ "bad-phase.ini", 5, { "invalid phase 'during'", "balloon.step", "during:512M" } },
	{ "bad-target.ini", 2, { "'150%'", "balloon.step" } },
	{ "bad-boolean.ini", 3, { "invalid boolean 'maybe'", "invariants.verify_memory" } },
	{ "bad-duration.ini", 2, { "'120'", "timeouts.boot" } },
	{ "duplicate-key.ini", 4, { "duplicate key guest.memory", "line 2" } },
	{ "syntax-error.ini", 2, { "memory 1G" } },
	{ "indented-line.ini", 3, { "indented" } },
	{ "indented-after-section.ini", 4, { "indented" } },
	{ "invalid-utf8.ini", 3, { "invalid UTF-8" } },
	{ "fill-zero-overflow.ini", 0, { "guest.fill", "exceed guest.memory" } },
	{ "stress-ng-too-many.ini", 2, { "host.stress_ng has 57 arguments", "56" } },
	{ "long-line.ini", 2, { "longer than" } },
	{ "binary.ini", 1, { "binary" } },
	{ "fill-exceeds-memory.ini", 0, { "guest.fill (200M)", "guest.zero (100M)", "256M" } },
	{ "balloon-too-small.ini", 7, { "balloon.step 'before:512M'", "672M" } },
	{ "postcopy-step-precopy.ini", 5, { "balloon.step 'postcopy+1s:512M'", "postcopy" } },
	{ "kill-without-migration.ini", 4, { "faults.kill 'source:precopy'", "none" } },
	{ "kill-completed.ini", 4, { "faults.kill", "completed" } },
	{ "hugetlb-unaligned.ini", 2, { "guest.memory 1025M", "hugetlb" } },
	{ "does-not-exist.ini", 0, { "cannot open", "No such file" } },
};

static bool zeroed(const struct kmb_scenario *s)
{
	static const struct kmb_scenario zero;

	return !memcmp(s, &zero, sizeof(zero));
}

static void test_bad_inputs(void)
{
	struct kmb_scenario s;
	char err[512], prefix[4200];
	size_t i, j;

	for (i = 0; i < KMB_ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		const char *path = in_dir(data_dir, c->file);
		bool ok;

		memset(&s, 0xa5, sizeof(s));
		CHECK(kmb_scenario_load(path, &s, err, sizeof(err)) == -1);
		if (c->line)
			snprintf(prefix, sizeof(prefix), "%s:%d: ", path, c->line);
		else
			snprintf(prefix, sizeof(prefix), "%s: ", path);
		ok = !strncmp(err, prefix, strlen(prefix)) && !strchr(err, '\n');
		for (j = 0; j < KMB_ARRAY_SIZE(c->want) && c->want[j]; j++)
			ok = ok && strstr(err, c->want[j]);
		if (!ok)
			fprintf(stderr, "%s: unexpected error '%s'\n", c->file, err);
		CHECK(ok);
		/* Nothing half-filled to run by mistake. */
		CHECK(zeroed(&s));
	}
}

static void test_inconsistent(void)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "[guest]\nmemory = 32M\nfill = 0\n", "64M..64G" },
		{ "[guest]\nvcpus = 65\n", "guest.vcpus" },
		{ "[guest]\nfill = 0\ndirty_rate = 8M\n", "guest.dirty_rate" },
		{ "[guest]\nfill = 1536K\n", "whole" },
		{ "[balloon]\nstep = precopy:700M\nstep = before:800M\n", "time order" },
		{ "[balloon]\nstep = before:2G\n", "exceeds guest.memory" },
		{ "[migration]\nmode = precopy\npause_after = 2s\n", "migration.pause_after" },
		{ "[migration]\nmode = precopy\npostcopy_after_passes = 2\n",
		  "postcopy_after_passes" },
		{ "[migration]\nmode = none\nbandwidth = 1G\n", "migration.bandwidth" },
		{ "[host]\nstress_when = postcopy\n", "host.stress_ng is empty" },
		{ "[host]\nstress_ng = --vm 1\nstress_when = postcopy\n", "host.stress_when" },
		{ "[host]\nstress_ng = --vm-bytes '1G'\n", "quotes" },
		{ "[invariants]\noom_kill = yes\n", "invariants.oom_kill" },
		{ "[invariants]\nterminal = postcopy-paused\n", "invariants.terminal" },
		{ "[timeouts]\nhang = 400s\n", "timeouts.hang" },
		{ "[timeouts]\ntotal = 60s\n", "timeouts.total" },
		{ "[timeouts]\nboot = 0s\n", "timeouts.boot" },
		{ "[migration]\ndowntime_limit = 0.1ms\n", "downtime_limit" },
		{ "[scenario]\nname = a/b\n", "scenario.name" },
		{ "[guest]\nmode = precopy\n", "keys there: memory" },
		{ "[invariants]\ninflated_unallocated = yes\n", "needs a balloon.step" },
		{ "[invariants]\ndestination_rss_slack = 1G\n", "inflated_unallocated is no" },
		{ "[guest]\nmemory = 1G\nfill = 256M\n[balloon]\nstep = before:512M\n"
		  "[invariants]\ninflated_unallocated = no\nsource_rss_slack = 1M\n",
		  "invariants.source_rss_slack is set" },
		{ "[migration]\nmode = postcopy\n[faults]\nstop = destination:postcopy\n",
		  "faults.stop 'destination:postcopy' rules out invariants.terminal completed" },
		{ "[migration]\nmode = none\n[invariants]\nterminal = hang\n",
		  "needs a migration" },
		{ "[faults]\nstop = both:precopy\n", "invalid side 'both' in faults.stop" },
		/* Sizes whose sum wraps around 2^64 once passed. */
		{ "[guest]\nfill = 16777215T\nzero = 1T\n", "exceed guest.memory" },
		{ "[guest]\nmemory = 64G\nfill = 8388608T\nzero = 8388608T\n",
		  "exceed guest.memory" },
		/* The result JSON holds UTF-8 only: Latin-1 once made it fail to be written. */
		{ "[scenario]\ndescription = caf\xe9\n",
		  "invalid UTF-8" },
		{ "[host]\nstress_ng = --vm \xff\n", "invalid UTF-8" },
	};
	struct kmb_scenario s;
	char err[512];
	size_t i;

	for (i = 0; i < KMB_ARRAY_SIZE(cases); i++) {
		bool ok = load_text(cases[i].text, &s, err, sizeof(err)) == -1 &&
			  strstr(err, cases[i].want) && !strchr(err, '\n');

		if (!ok)
			fprintf(stderr, "'%s': unexpected error '%s'\n", cases[i].text, err);
		CHECK(ok);
	}
}

static void test_resolve(void)
{
	char path[4096], err[1024], expect[4200];
	const char *file = in_dir(scenario_dir, "smoke.ini");

	CHECK(kmb_scenario_resolve("smoke", scenario_dir, path, sizeof(path), err, sizeof(err)) ==
	      0);
	snprintf(expect, sizeof(expect), "%s/smoke.ini", scenario_dir);
	CHECK_STREQ(path, expect);
	/* "smoke.ini" that is not in the current directory is the name smoke. */
	CHECK(kmb_scenario_resolve("smoke.ini", scenario_dir, path, sizeof(path), err,
				   sizeof(err)) == 0);
	CHECK_STREQ(path, expect);
	/* A path is taken as it is, wherever it points. */
	CHECK(kmb_scenario_resolve(file, "/nonexistent", path, sizeof(path), err, sizeof(err)) ==
	      0);
	CHECK_STREQ(path, file);
	CHECK(kmb_scenario_resolve(in_dir(data_dir, "empty.ini"), scenario_dir, path, sizeof(path),
				   err, sizeof(err)) == 0);
	/* An unknown name says where names come from and lists them. */
	CHECK(kmb_scenario_resolve("no-such-scenario", scenario_dir, path, sizeof(path), err,
				   sizeof(err)) == -1);
	CHECK(strstr(err, "unknown scenario 'no-such-scenario'") != NULL);
	CHECK(strstr(err, scenario_dir) != NULL);
	CHECK(strstr(err, "smoke") != NULL && strstr(err, "balloon-postcopy") != NULL);
	CHECK(strstr(err, "default.list") == NULL);
	CHECK(kmb_scenario_resolve("./no-such.ini", scenario_dir, path, sizeof(path), err,
				   sizeof(err)) == -1);
	CHECK(strstr(err, "no-such.ini") != NULL);
	CHECK(kmb_scenario_resolve(scenario_dir, scenario_dir, path, sizeof(path), err,
				   sizeof(err)) == -1);
	CHECK(kmb_scenario_resolve("", scenario_dir, path, sizeof(path), err, sizeof(err)) == -1);
	CHECK(kmb_scenario_resolve("../smoke", scenario_dir, path, sizeof(path), err,
				   sizeof(err)) == -1);
	/* Too small a buffer is an error, not a truncated path. */
	CHECK(kmb_scenario_resolve("smoke", scenario_dir, path, 8, err, sizeof(err)) == -1);
}

/* faults.stop, terminal hang, the inflated-memory keys. */
static void test_hang_and_inflated_keys(void)
{
	struct kmb_scenario s;
	char err[512];

	CHECK(load_text("[guest]\nmemory = 1G\nfill = 256M\n"
			"[balloon]\nstep = before:75%\n"
			"[migration]\nmode = postcopy\n"
			"[faults]\nstop = destination:postcopy+1s\n"
			"[timeouts]\nhang = 10s\n"
			"[invariants]\nterminal = hang\nsource_rss_slack = 32M\n"
			"destination_rss_slack = 1G\n",
			&s, err, sizeof(err)) == 0);
	if (err[0])
		fprintf(stderr, "  (%s)\n", err);
	CHECK(s.nfaults == 1 && s.faults[0].kind == KMB_FAULT_STOP &&
	      s.faults[0].side == KMB_SIDE_DESTINATION && s.faults[0].delay_s == 1);
	CHECK(s.invariants.terminal == KMB_TERM_HANG);
	CHECK(!s.invariants.verify_memory && !s.invariants.balloon_equal);
	CHECK(s.invariants.inflated_unallocated);
	CHECK_EQ_U64(s.invariants.source_rss_slack, 32 * KMB_MIB);
	CHECK_EQ_U64(s.invariants.destination_rss_slack, KMB_GIB);
	CHECK_EQ_U64(kmb_balloon_step_bytes(&s, &s.balloon[0]), 768 * KMB_MIB);
	CHECK_STREQ(kmb_terminal_name(KMB_TERM_HANG), "hang");
	CHECK_STREQ(kmb_fault_kind_name(KMB_FAULT_STOP), "stop");
	CHECK_STREQ(kmb_side_name(KMB_SIDE_SOURCE), "source");

	/* A balloon turns the check on; a scenario may turn it off. */
	CHECK(load_text("[guest]\nmemory = 1G\nfill = 256M\n[balloon]\nstep = before:512M\n"
			"[invariants]\ninflated_unallocated = no\n",
			&s, err, sizeof(err)) == 0);
	CHECK(!s.invariants.inflated_unallocated);
}

/* The result's scenario object: every key after defaults, sizes in bytes. */
static void test_json(void)
{
	static const char *const want[][2] = {
		{ "scenario", "name" },		   { "scenario", "description" },
		{ "guest", "memory" },		   { "guest", "vcpus" },
		{ "guest", "backend" },		   { "guest", "fill" },
		{ "guest", "zero" },		   { "guest", "dirty_rate" },
		{ "guest", "seed" },		   { "balloon", "step" },
		{ "host", "memcg_limit_source" },  { "host", "memcg_limit_destination" },
		{ "host", "stress_ng" },	   { "host", "stress_when" },
		{ "host", "memcg_limit_stress" },  { "migration", "mode" },
		{ "migration", "postcopy_after_passes" }, { "migration", "bandwidth" },
		{ "migration", "downtime_limit" }, { "migration", "pause_after" },
		{ "faults", "kill" },		   { "faults", "stop" },
		{ "timeouts", "boot" },		   { "timeouts", "migration" },
		{ "timeouts", "hang" },		   { "timeouts", "total" },
		{ "invariants", "terminal" },	   { "invariants", "verify_memory" },
		{ "invariants", "source_rss_growth_max" },
		{ "invariants", "inflated_unallocated" },
		{ "invariants", "source_rss_slack" },
		{ "invariants", "destination_rss_slack" },
		{ "invariants", "balloon_equal" }, { "invariants", "oom_kill" },
		{ "invariants", "host_clean" },
	};
	struct kmb_scenario s;
	char err[512];
	json_t *j, *step;
	size_t i, keys = 0;
	const char *section;
	json_t *obj;

	CHECK(load(scenario_dir, "balloon-postcopy.ini", &s, err, sizeof(err)) == 0);
	j = kmb_scenario_json(&s);
	CHECK(j != NULL);
	for (i = 0; i < KMB_ARRAY_SIZE(want); i++) {
		bool has = json_object_get(json_object_get(j, want[i][0]), want[i][1]) != NULL;

		if (!has)
			fprintf(stderr, "  scenario JSON lacks %s.%s\n", want[i][0], want[i][1]);
		CHECK(has);
	}
	json_object_foreach(j, section, obj) {
		if (json_is_object(obj))
			keys += json_object_size(obj);
	}
	CHECK_EQ_U64(keys, KMB_ARRAY_SIZE(want));
	CHECK_STREQ(json_string_value(json_object_get(j, "name")), "balloon-postcopy");
	CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(j, "guest"), "memory")),
		     KMB_GIB);
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(j, "migration"), "mode")),
		    "postcopy");
	CHECK(json_number_value(json_object_get(json_object_get(j, "migration"),
						"downtime_limit")) == 0.001);
	step = json_array_get(json_object_get(json_object_get(j, "balloon"), "step"), 0);
	CHECK_EQ_U64(json_integer_value(json_object_get(step, "target")), 512 * KMB_MIB);
	CHECK_STREQ(json_string_value(json_object_get(step, "when")), "before");
	CHECK(json_is_true(json_object_get(json_object_get(j, "invariants"),
					   "inflated_unallocated")));
	json_decref(j);
}

/* A FIFO named as a scenario is refused at once, not read from (which would block). */
static void test_fifo(void)
{
	char dir[] = "/tmp/kmb-fifo-XXXXXX", path[64], err[512];
	struct kmb_scenario s;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/x.ini", dir);
	CHECK(mkfifo(path, 0600) == 0);
	alarm(20); /* a hang fails the test instead of stalling make check */
	CHECK(kmb_scenario_load(path, &s, err, sizeof(err)) == -1);
	alarm(0);
	CHECK(strstr(err, "not a regular file") != NULL);
	unlink(path);
	rmdir(dir);
}

/* The folder scan behind --list and the unknown-name message. */
static void test_folder_scan(void)
{
	char **names = kmb_scenario_names(scenario_dir);
	bool smoke = false;
	int n;

	CHECK(names != NULL);
	for (n = 0; names && names[n]; n++) {
		smoke |= !strcmp(names[n], "smoke");
		CHECK(!strstr(names[n], ".ini"));
		CHECK(n == 0 || strcmp(names[n - 1], names[n]) < 0);
	}
	CHECK(smoke && n >= 11);
	kmb_scenario_names_free(names);
	CHECK(kmb_scenario_names("/nonexistent-dir") == NULL);
}

static void test_names(void)
{
	CHECK_STREQ(kmb_phase_name(KMB_PHASE_POSTCOPY), "postcopy");
	CHECK_STREQ(kmb_phase_name((enum kmb_phase)42), "unknown");
	CHECK_STREQ(kmb_mig_mode_name(KMB_MIG_POSTCOPY_RECOVER), "postcopy-recover");
	CHECK_STREQ(kmb_backend_name(KMB_BACKEND_HUGETLB), "hugetlb");
}

int main(int argc, char **argv)
{
	find_dirs(argc, argv);
	test_shipped();
	test_default_list();
	test_balloon_postcopy();
	test_kill_destination();
	test_other_shipped_values();
	test_defaults();
	test_value_syntax();
	test_bad_inputs();
	test_inconsistent();
	test_resolve();
	test_names();
	test_hang_and_inflated_keys();
	test_json();
	test_fifo();
	test_folder_scan();
	CHECK_DONE();
}
