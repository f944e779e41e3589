// SPDX-License-Identifier: GPL-2.0-only
/*
 * Invariant evaluation on hand-made run states: each invariant passes when
 * it should, fails with the measured value and the limit when it should not,
 * is listed as not checked (with the reason) when it cannot be judged, a
 * hang names the side that stopped with the last counters of both, and the
 * inflated-memory limits are derived from the measured overhead and what the
 * guest populated, on the peak (sampled or VmHWM).
 */
#include "check.h"
#include "runner.h"
#include "util.h"

static struct kmb_scenario sc;
static struct kmb_stress_opts opts;

static const char *const every_invariant[] = {
	"terminal_state",  "schedule_ran",	"postcopy_used", "memory_intact", "source_rss",
	"destination_rss", "source_rss_growth", "balloon_equal", "oom_kill",
};

static void fresh(struct kmb_stress *st)
{
	memset(st, 0, sizeof(*st));
	st->s = &sc;
	st->o = &opts;
	st->invariants = json_array();
	st->not_checked = json_array();
	st->balloon_src = st->balloon_dst = st->balloon_target = -1;
	st->populated_guest = st->populated_host = -1;
	kmb_footprint_init(&st->fp_src);
	kmb_footprint_init(&st->fp_dst);
	st->verify_rc = -1;
	snprintf(st->status, sizeof(st->status), "completed");
}

static void done(struct kmb_stress *st)
{
	json_decref(st->invariants);
	json_decref(st->not_checked);
}

static json_t *find_in(json_t *list, const char *name)
{
	json_t *inv;
	size_t i;

	json_array_foreach(list, i, inv)
	{
		if (!strcmp(json_string_value(json_object_get(inv, "name")), name))
			return inv;
	}
	return NULL;
}

static json_t *find(struct kmb_stress *st, const char *name)
{
	return find_in(st->invariants, name);
}

static bool passed(struct kmb_stress *st, const char *name)
{
	return json_is_true(json_object_get(find(st, name), "passed"));
}

/* Not judged, with a reason containing why. */
static bool skipped(struct kmb_stress *st, const char *name, const char *why)
{
	const char *reason =
		json_string_value(json_object_get(find_in(st->not_checked, name), "reason"));

	if (!reason || !strstr(reason, why))
		fprintf(stderr, "  %s: not-checked reason '%s', wanted '%s'\n", name,
			reason ? reason : "(none)", why);
	return !find(st, name) && reason && strstr(reason, why);
}

/* Every invariant is either judged or listed as not checked, never both, never neither. */
static void check_all_listed(struct kmb_stress *st)
{
	size_t i;

	for (i = 0; i < KMB_ARRAY_SIZE(every_invariant); i++) {
		bool judged = find(st, every_invariant[i]) != NULL;
		bool listed = find_in(st->not_checked, every_invariant[i]) != NULL;

		if (judged == listed)
			fprintf(stderr, "  %s: judged %d, not checked %d\n", every_invariant[i],
				judged, listed);
		CHECK(judged != listed);
	}
}

static json_int_t value_of(struct kmb_stress *st, const char *name)
{
	return json_integer_value(json_object_get(find(st, name), "value"));
}

static json_int_t limit_of(struct kmb_stress *st, const char *name)
{
	return json_integer_value(json_object_get(find(st, name), "limit"));
}

static void footprint(struct kmb_footprint *f, uint64_t overhead_mib, uint64_t peak_mib,
		      int64_t hwm_mib)
{
	f->overhead = (int64_t)(overhead_mib * KMB_MIB);
	f->peak = peak_mib * KMB_MIB;
	f->peak_t = 12.5;
	f->samples = 100;
	f->hwm = hwm_mib < 0 ? -1 : hwm_mib * (int64_t)KMB_MIB;
}

/* A postcopy migration of a 1G guest ballooned to 512M before it, all good. */
static void good_run(struct kmb_stress *st)
{
	fresh(st);
	st->saw_postcopy = true;
	st->step_done[0] = true;
	st->verify_rc = 0;
	snprintf(st->verify_reply, sizeof(st->verify_reply), "OK VERIFY pages=10 bad=0");
	st->src_rss_start_kib = 700 * 1024;
	st->src_rss_max_kib = 720 * 1024;
	st->balloon_src = st->balloon_dst = 512 * KMB_MIB;
	st->dst_started = true;
	/* The guest counts 410M in use, the host holds 420M of its RAM. */
	st->populated_guest = 410 * KMB_MIB;
	st->populated_host = 420 * KMB_MIB;
	/* Limits: 100M overhead (the source's, also for the destination) + 420M + 64M. */
	footprint(&st->fp_src, 100, 530, 525);
	footprint(&st->fp_dst, 60, 500, 505);
}

static void test_all_pass(void)
{
	struct kmb_stress st;

	good_run(&st);
	CHECK(kmb_invariants_evaluate(&st) == 0);
	CHECK(passed(&st, "terminal_state") && passed(&st, "postcopy_used"));
	CHECK(passed(&st, "memory_intact") && passed(&st, "schedule_ran"));
	CHECK(passed(&st, "source_rss") && passed(&st, "destination_rss"));
	CHECK(passed(&st, "source_rss_growth") && passed(&st, "balloon_equal"));
	CHECK(passed(&st, "oom_kill"));
	CHECK_EQ_U64(limit_of(&st, "source_rss"), 584 * KMB_MIB);
	CHECK_EQ_U64(limit_of(&st, "destination_rss"), 584 * KMB_MIB);
	CHECK_EQ_U64(value_of(&st, "source_rss"), 530 * KMB_MIB);
	CHECK_EQ_U64(value_of(&st, "destination_rss"), 505 * KMB_MIB);
	check_all_listed(&st);
	done(&st);
}

static void test_inflated_allocated(void)
{
	struct kmb_stress st;
	json_t *parts;
	const char *detail;

	/* The destination allocated the 512M the balloon holds: 900M > 584M. */
	good_run(&st);
	footprint(&st.fp_dst, 60, 900, 880);
	CHECK(kmb_invariants_evaluate(&st) == 1);
	CHECK(!passed(&st, "destination_rss") && passed(&st, "source_rss"));
	CHECK_EQ_U64(value_of(&st, "destination_rss"), 900 * KMB_MIB);
	CHECK_EQ_U64(limit_of(&st, "destination_rss"), 584 * KMB_MIB);
	detail = json_string_value(json_object_get(find(&st, "destination_rss"), "detail"));
	CHECK(detail && strstr(detail, "allocated on the destination") &&
	      strstr(detail, "512 MiB"));
	parts = json_object_get(find(&st, "destination_rss"), "parts");
	CHECK_EQ_U64(json_integer_value(json_object_get(parts, "overhead")), 100 * KMB_MIB);
	CHECK_EQ_U64(json_integer_value(json_object_get(parts, "populated")), 420 * KMB_MIB);
	CHECK_EQ_U64(json_integer_value(json_object_get(parts, "inflated")), 512 * KMB_MIB);
	done(&st);

	/* A source peak between two samples is caught by VmHWM. */
	good_run(&st);
	footprint(&st.fp_src, 100, 560, 800);
	CHECK(kmb_invariants_evaluate(&st) == 1 && !passed(&st, "source_rss"));
	CHECK_EQ_U64(value_of(&st, "source_rss"), 800 * KMB_MIB);
	detail = json_string_value(json_object_get(find(&st, "source_rss"), "detail"));
	CHECK(detail && strstr(detail, "allocated on the source"));
	done(&st);

	/* The guest's own count is the larger one: the limit follows it. */
	good_run(&st);
	st.populated_guest = 480 * KMB_MIB;
	st.populated_host = -1;
	CHECK(kmb_invariants_evaluate(&st) == 0);
	CHECK_EQ_U64(limit_of(&st, "source_rss"), (100 + 480 + 64) * KMB_MIB);
	done(&st);

	/* A scenario may loosen (or tighten) each side's slack. */
	good_run(&st);
	footprint(&st.fp_dst, 60, 900, 880);
	sc.invariants.destination_rss_slack = 400 * KMB_MIB;
	CHECK(kmb_invariants_evaluate(&st) == 0);
	CHECK_EQ_U64(limit_of(&st, "destination_rss"), 920 * KMB_MIB);
	sc.invariants.destination_rss_slack = 64 * KMB_MIB;
	done(&st);
}

static void test_not_checked(void)
{
	struct kmb_stress st;

	/* No balloon: nothing inflated, nothing scheduled. */
	sc.nballoon = 0;
	sc.invariants.inflated_unallocated = false;
	good_run(&st);
	CHECK(kmb_invariants_evaluate(&st) == 0);
	CHECK(skipped(&st, "source_rss", "no balloon"));
	CHECK(skipped(&st, "destination_rss", "no balloon"));
	CHECK(skipped(&st, "schedule_ran", "nothing scheduled"));
	check_all_listed(&st);
	done(&st);
	sc.nballoon = 1;
	sc.invariants.inflated_unallocated = true;

	/* An overhead that could not be measured is said so, not passed. */
	good_run(&st);
	st.fp_src.overhead = -1;
	st.fp_dst.overhead = -1;
	snprintf(st.fp_src.overhead_how, sizeof(st.fp_src.overhead_how), "no mapping");
	snprintf(st.fp_dst.overhead_how, sizeof(st.fp_dst.overhead_how), "no mapping");
	CHECK(kmb_invariants_evaluate(&st) == 0);
	CHECK(skipped(&st, "source_rss", "no mapping"));
	done(&st);

	/* Unknown populated memory likewise. */
	good_run(&st);
	st.populated_guest = st.populated_host = -1;
	CHECK(kmb_invariants_evaluate(&st) == 0);
	CHECK(skipped(&st, "destination_rss", "populated is unknown"));
	done(&st);

	/* Precopy: postcopy_used does not apply; no limit: source_rss_growth neither. */
	sc.migration.mode = KMB_MIG_PRECOPY;
	sc.invariants.source_rss_growth_max = 0;
	good_run(&st);
	CHECK(kmb_invariants_evaluate(&st) == 0);
	CHECK(skipped(&st, "postcopy_used", "precopy"));
	CHECK(skipped(&st, "source_rss_growth", "no limit"));
	check_all_listed(&st);
	done(&st);
	sc.migration.mode = KMB_MIG_POSTCOPY;
	sc.invariants.source_rss_growth_max = 64 * KMB_MIB;
}

static void test_failures_carry_values(void)
{
	struct kmb_stress st;
	json_t *inv;

	/* Source RSS grew by 100M against a 64M limit. */
	good_run(&st);
	st.src_rss_max_kib = 800 * 1024;
	CHECK(kmb_invariants_evaluate(&st) == 1);
	inv = find(&st, "source_rss_growth");
	CHECK_EQ_U64(json_integer_value(json_object_get(inv, "value")), 100 * KMB_MIB);
	CHECK_EQ_U64(json_integer_value(json_object_get(inv, "limit")), 64 * KMB_MIB);
	done(&st);

	/* Two corrupted pages, balloon sizes that differ, an unexpected OOM kill. */
	good_run(&st);
	st.verify_rc = 1;
	snprintf(st.verify_reply, sizeof(st.verify_reply), "ERR VERIFY bad=2 first_bad_page=7");
	st.balloon_dst = 768 * KMB_MIB;
	st.oom_kills_qemu = 1;
	CHECK(kmb_invariants_evaluate(&st) == 3);
	CHECK(json_integer_value(json_object_get(find(&st, "memory_intact"), "value")) == 2);
	CHECK(!passed(&st, "balloon_equal") && !passed(&st, "oom_kill"));
	done(&st);
}

/* A query-migrate answer with a long capability list, as QEMU's are. */
static json_t *long_answer(const char *status, int requests)
{
	json_t *m = json_pack("{s:s, s:{s:i, s:I, s:I, s:i}}", "status", status, "ram",
			      "postcopy-requests", requests, "transferred", (json_int_t)123456789,
			      "remaining", (json_int_t)987654321, "dirty-sync-count", 2);
	char key[32];
	int i;

	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "padding-field-%02d", i);
		json_object_set_new(m, key, json_integer(i));
	}
	return m;
}

static void test_hang(void)
{
	struct kmb_stress st;
	const char *detail;
	json_t *inv;

	/* A postcopy that stopped progressing is a hang, naming the side, all counters. */
	good_run(&st);
	snprintf(st.status, sizeof(st.status), "postcopy-active");
	st.hang = true;
	st.hang_side = "destination";
	snprintf(st.hang_report, sizeof(st.hang_report),
		 "the destination QEMU (pid 42) stopped answering QMP at t=14.0 s");
	st.migration_start_t = 10;
	st.last_progress_t = 14;
	st.migration_end_t = 44.2;
	st.seen_src.reply = long_answer("postcopy-active", 42);
	st.seen_src.t = 44.1;
	st.seen_dst.reply = long_answer("postcopy-active", 0);
	st.seen_dst.t = 13.9;
	CHECK(kmb_invariants_evaluate(&st) == 1);
	inv = find(&st, "terminal_state");
	CHECK_STREQ(json_string_value(json_object_get(inv, "value")), "hang");
	CHECK_STREQ(json_string_value(json_object_get(inv, "stopped")), "destination");
	detail = json_string_value(json_object_get(inv, "detail"));
	CHECK(detail && strstr(detail, "destination QEMU (pid 42) stopped answering") &&
	      strstr(detail, "padding-field-39") && strstr(detail, "\"postcopy-requests\":42") &&
	      strstr(detail, "\"postcopy-requests\":0"));
	CHECK(detail && strlen(detail) > 1024);
	CHECK(json_is_object(json_object_get(inv, "last_source")) &&
	      json_is_object(json_object_get(inv, "last_destination")));
	/* The consequences are not a second failure. */
	CHECK(skipped(&st, "memory_intact", "migration did not complete"));
	CHECK(skipped(&st, "balloon_equal", "migration did not complete"));
	check_all_listed(&st);
	done(&st);

	/* A scenario that expects the hang (a QEMU stopped on purpose) passes with it. */
	sc.invariants.terminal = KMB_TERM_HANG;
	sc.invariants.verify_memory = false;
	sc.invariants.balloon_equal = false;
	st.invariants = json_array();
	st.not_checked = json_array();
	CHECK(kmb_invariants_evaluate(&st) == 0);
	CHECK(passed(&st, "terminal_state"));
	done(&st);
	json_decref(st.seen_src.reply);
	json_decref(st.seen_dst.reply);
	/* ... and fails without it. */
	good_run(&st);
	CHECK(kmb_invariants_evaluate(&st) == 1 && !passed(&st, "terminal_state"));
	done(&st);
	sc.invariants.terminal = KMB_TERM_COMPLETED;
	sc.invariants.verify_memory = true;
	sc.invariants.balloon_equal = true;
}

static void test_terminal_states(void)
{
	struct kmb_stress st;

	/* Expected to fail or pause (destination killed): paused passes, completed does not. */
	sc.invariants.terminal = KMB_TERM_FAILED_OR_PAUSED;
	good_run(&st);
	snprintf(st.status, sizeof(st.status), "postcopy-paused");
	kmb_invariants_evaluate(&st);
	CHECK(passed(&st, "terminal_state"));
	done(&st);
	good_run(&st);
	kmb_invariants_evaluate(&st);
	CHECK(!passed(&st, "terminal_state"));
	done(&st);
	sc.invariants.terminal = KMB_TERM_COMPLETED;

	/* A postcopy scenario that ended in precopy did not test postcopy. */
	good_run(&st);
	st.saw_postcopy = false;
	CHECK(kmb_invariants_evaluate(&st) == 1 && !passed(&st, "postcopy_used"));
	done(&st);
}

static void test_schedule(void)
{
	struct kmb_stress st;

	/* A balloon step during postcopy that never ran fails schedule_ran. */
	sc.balloon[0] = (struct kmb_balloon_step){ .when = KMB_PHASE_POSTCOPY,
						   .delay_s = 1,
						   .target = 512 * KMB_MIB };
	good_run(&st);
	st.step_done[0] = false;
	CHECK(kmb_invariants_evaluate(&st) == 1 && !passed(&st, "schedule_ran"));
	done(&st);
	/* Once it ran on the destination, its target is what the destination must show. */
	good_run(&st);
	st.balloon_src = KMB_GIB;
	st.balloon_target = 512 * KMB_MIB;
	st.balloon_target_phase = KMB_PHASE_POSTCOPY;
	CHECK(kmb_invariants_evaluate(&st) == 0);
	/*
	 * QEMU does not discard what the balloon takes while an incoming
	 * postcopy runs: the destination may hold it, the source may not.
	 */
	CHECK_EQ_U64(limit_of(&st, "destination_rss"), (100 + 420 + 512 + 64) * KMB_MIB);
	CHECK_EQ_U64(json_integer_value(json_object_get(
			     json_object_get(find(&st, "destination_rss"), "parts"),
			     "inflated_during_postcopy")),
		     512 * KMB_MIB);
	CHECK_EQ_U64(limit_of(&st, "source_rss"), 584 * KMB_MIB);
	done(&st);
	sc.balloon[0].when = KMB_PHASE_BEFORE;
	sc.balloon[0].delay_s = 0;
}

int main(void)
{
	kmb_scenario_defaults(&sc);
	snprintf(sc.name, sizeof(sc.name), "unit");
	sc.guest.memory = KMB_GIB;
	sc.nballoon = 1;
	sc.balloon[0] =
		(struct kmb_balloon_step){ .when = KMB_PHASE_BEFORE, .target = 512 * KMB_MIB };
	sc.migration.mode = KMB_MIG_POSTCOPY;
	sc.invariants.terminal = KMB_TERM_COMPLETED;
	sc.invariants.verify_memory = true;
	sc.invariants.source_rss_growth_max = 64 * KMB_MIB;
	sc.invariants.inflated_unallocated = true;
	sc.invariants.balloon_equal = true;
	sc.invariants.oom_kill_expected = false;
	test_all_pass();
	test_inflated_allocated();
	test_not_checked();
	test_failures_carry_values();
	test_hang();
	test_terminal_states();
	test_schedule();
	CHECK_DONE();
}
