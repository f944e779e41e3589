// SPDX-License-Identifier: GPL-2.0-only
/*
 * Invariant evaluation on hand-made run states: each invariant passes when
 * it should, fails with the measured value and the limit when it should not,
 * and a hang is reported with the last migration counters.
 */
#include "check.h"
#include "runner.h"
#include "util.h"

static struct kmb_scenario sc;
static struct kmb_stress_opts opts;

static void fresh(struct kmb_stress *st)
{
	memset(st, 0, sizeof(*st));
	st->s = &sc;
	st->o = &opts;
	st->invariants = json_array();
	st->balloon_src = st->balloon_dst = st->balloon_target = -1;
	st->verify_rc = -1;
	snprintf(st->status, sizeof(st->status), "completed");
}

static json_t *find(struct kmb_stress *st, const char *name)
{
	json_t *inv;
	size_t i;

	json_array_foreach(st->invariants, i, inv) {
		if (!strcmp(json_string_value(json_object_get(inv, "name")), name))
			return inv;
	}
	return NULL;
}

static bool passed(struct kmb_stress *st, const char *name)
{
	return json_is_true(json_object_get(find(st, name), "passed"));
}

/* A postcopy migration of a 1G guest ballooned to 512M, all good. */
static void good_run(struct kmb_stress *st)
{
	fresh(st);
	st->saw_postcopy = true;
	st->verify_rc = 0;
	snprintf(st->verify_reply, sizeof(st->verify_reply), "OK VERIFY pages=10 bad=0");
	st->src_rss_start_kib = 700 * 1024;
	st->src_rss_max_kib = 720 * 1024;
	st->dst_rss_final_kib = 600 * 1024;
	st->balloon_src = st->balloon_dst = 512 * KMB_MIB;
}

static void test_all_pass(void)
{
	struct kmb_stress st;

	good_run(&st);
	CHECK(kmb_invariants_evaluate(&st) == 0);
	CHECK(passed(&st, "terminal_state") && passed(&st, "postcopy_used"));
	CHECK(passed(&st, "memory_intact") && passed(&st, "destination_rss"));
	CHECK(passed(&st, "source_rss_growth") && passed(&st, "balloon_equal"));
	CHECK(passed(&st, "oom_kill"));
	json_decref(st.invariants);
}

static void test_failures_carry_values(void)
{
	struct kmb_stress st;
	json_t *inv;

	/* Inflated memory allocated on the destination: 900M > 512M + 128M slack. */
	good_run(&st);
	st.dst_rss_final_kib = 900 * 1024;
	CHECK(kmb_invariants_evaluate(&st) == 1);
	inv = find(&st, "destination_rss");
	CHECK(!passed(&st, "destination_rss"));
	CHECK_EQ_U64(json_integer_value(json_object_get(inv, "value")), 900 * KMB_MIB);
	CHECK_EQ_U64(json_integer_value(json_object_get(inv, "limit")), 640 * KMB_MIB);
	json_decref(st.invariants);

	/* Source RSS grew by 100M against a 64M limit. */
	good_run(&st);
	st.src_rss_max_kib = 800 * 1024;
	CHECK(kmb_invariants_evaluate(&st) == 1);
	inv = find(&st, "source_rss_growth");
	CHECK_EQ_U64(json_integer_value(json_object_get(inv, "value")), 100 * KMB_MIB);
	CHECK_EQ_U64(json_integer_value(json_object_get(inv, "limit")), 64 * KMB_MIB);
	json_decref(st.invariants);

	/* Two corrupted pages, balloon sizes that differ, an unexpected OOM kill. */
	good_run(&st);
	st.verify_rc = 1;
	snprintf(st.verify_reply, sizeof(st.verify_reply), "ERR VERIFY bad=2 first_bad_page=7");
	st.balloon_dst = 768 * KMB_MIB;
	st.oom_kills_qemu = 1;
	CHECK(kmb_invariants_evaluate(&st) == 3);
	CHECK(json_integer_value(json_object_get(find(&st, "memory_intact"), "value")) == 2);
	CHECK(!passed(&st, "balloon_equal") && !passed(&st, "oom_kill"));
	json_decref(st.invariants);
}

static void test_terminal_states(void)
{
	struct kmb_stress st;
	const char *detail;

	/* A postcopy that stopped progressing is a hang, with its last counters. */
	good_run(&st);
	snprintf(st.status, sizeof(st.status), "postcopy-active");
	st.hang = true;
	st.last_migrate = json_pack("{s:s, s:{s:i}}", "status", "postcopy-active", "ram",
				    "postcopy-requests", 42);
	kmb_invariants_evaluate(&st);
	CHECK_STREQ(json_string_value(json_object_get(find(&st, "terminal_state"), "value")),
		    "hang");
	detail = json_string_value(json_object_get(find(&st, "terminal_state"), "detail"));
	CHECK(detail && strstr(detail, "postcopy-requests") && strstr(detail, "42"));
	json_decref(st.last_migrate);
	json_decref(st.invariants);

	/* Expected to fail or pause (destination killed): paused passes, completed does not. */
	sc.invariants.terminal = KMB_TERM_FAILED_OR_PAUSED;
	good_run(&st);
	snprintf(st.status, sizeof(st.status), "postcopy-paused");
	kmb_invariants_evaluate(&st);
	CHECK(passed(&st, "terminal_state"));
	json_decref(st.invariants);
	good_run(&st);
	kmb_invariants_evaluate(&st);
	CHECK(!passed(&st, "terminal_state"));
	json_decref(st.invariants);
	sc.invariants.terminal = KMB_TERM_COMPLETED;

	/* A postcopy scenario that ended in precopy did not test postcopy. */
	good_run(&st);
	st.saw_postcopy = false;
	CHECK(kmb_invariants_evaluate(&st) == 1 && !passed(&st, "postcopy_used"));
	json_decref(st.invariants);
}

static void test_schedule(void)
{
	struct kmb_stress st;

	/* A balloon step during postcopy that never ran fails schedule_ran. */
	sc.nballoon = 1;
	sc.balloon[0] = (struct kmb_balloon_step){ .when = KMB_PHASE_POSTCOPY, .delay_s = 1,
						   .target = 512 * KMB_MIB };
	good_run(&st);
	CHECK(kmb_invariants_evaluate(&st) == 1 && !passed(&st, "schedule_ran"));
	json_decref(st.invariants);
	/* Once it ran on the destination, its target is what the destination must show. */
	good_run(&st);
	st.step_done[0] = true;
	st.balloon_src = KMB_GIB;
	st.balloon_target = 512 * KMB_MIB;
	st.balloon_target_phase = KMB_PHASE_POSTCOPY;
	CHECK(kmb_invariants_evaluate(&st) == 0);
	json_decref(st.invariants);
	sc.nballoon = 0;
}

int main(void)
{
	kmb_scenario_defaults(&sc);
	snprintf(sc.name, sizeof(sc.name), "unit");
	sc.guest.memory = KMB_GIB;
	sc.migration.mode = KMB_MIG_POSTCOPY;
	sc.invariants.terminal = KMB_TERM_COMPLETED;
	sc.invariants.verify_memory = true;
	sc.invariants.source_rss_growth_max = 64 * KMB_MIB;
	sc.invariants.destination_rss_slack = 128 * KMB_MIB;
	sc.invariants.balloon_equal = true;
	sc.invariants.oom_kill_expected = false;
	test_all_pass();
	test_failures_carry_values();
	test_terminal_states();
	test_schedule();
	CHECK_DONE();
}
