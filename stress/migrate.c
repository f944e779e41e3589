// SPDX-License-Identifier: GPL-2.0-only
/*
 * The migration itself: both QEMUs get the "events" capability (MIGRATION
 * events for the record) and, in postcopy modes, "postcopy-ram"; the source
 * gets the bandwidth and downtime parameters; the destination listens with
 * migrate-incoming on a socket in the private run directory. While the
 * schedule ticks, the driver switches to postcopy after the configured
 * passes, breaks and recovers it (postcopy-recover), and stops at a terminal
 * state, at the migration timeout, or at a hang: no progress in the stream
 * for timeouts.hang, reported with the side that stopped and the last
 * counters of both.
 */
#include "migrate.h"
#include "schedule.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool postcopy_mode(const struct kmb_stress *st)
{
	return st->s->migration.mode == KMB_MIG_POSTCOPY ||
	       st->s->migration.mode == KMB_MIG_POSTCOPY_RECOVER;
}

/* States in which the stream must move: anything else is setup, switchover or a pause. */
static bool streaming(const char *status)
{
	return !strcmp(status, "active") || !strcmp(status, "postcopy-active");
}

static uint64_t ram_counter(json_t *mig, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(json_object_get(mig, "ram"), key));
}

static void seen(struct kmb_stress *st, struct kmb_mig_seen *s, json_t *mig)
{
	if (!mig)
		return;
	json_decref(s->reply);
	s->reply = json_incref(mig);
	s->t = kmb_stress_now(st);
}

void kmb_stress_track(struct kmb_stress *st, json_t *src_mig, json_t *dst_mig)
{
	const char *status = json_string_value(json_object_get(src_mig, "status"));
	uint64_t transferred = ram_counter(src_mig, "transferred");
	uint64_t requests = ram_counter(src_mig, "postcopy-requests");
	uint64_t syncs = ram_counter(src_mig, "dirty-sync-count");

	seen(st, &st->seen_dst, dst_mig);
	if (!status)
		return; /* the source did not answer: nothing moved that we know of */
	seen(st, &st->seen_src, src_mig);
	if (transferred != st->transferred || requests != st->postcopy_requests ||
	    syncs != st->syncs || strcmp(status, st->status) || !streaming(status))
		st->last_progress_t = kmb_stress_now(st);
	snprintf(st->status, sizeof(st->status), "%s", status);
	st->transferred = transferred;
	st->postcopy_requests = requests;
	st->syncs = syncs;
	json_decref(st->last_migrate);
	st->last_migrate = json_incref(src_mig);
}

static int exec_ok(struct kmb_stress *st, struct kmb_qemu *q, const char *cmd, json_t *args)
{
	char err[512];
	json_t *r = kmb_qmp_exec(q->qmp, cmd, args, 10000, err, sizeof(err));

	if (!r) {
		snprintf(st->error, sizeof(st->error), "%s QEMU: %s", q->role, err);
		return -1;
	}
	json_decref(r);
	return 0;
}

static int set_capabilities(struct kmb_stress *st, struct kmb_qemu *q)
{
	json_t *caps =
		json_pack("{s:[{s:s, s:b}]}", "capabilities", "capability", "events", "state", 1);

	if (postcopy_mode(st))
		json_array_append_new(
			json_object_get(caps, "capabilities"),
			json_pack("{s:s, s:b}", "capability", "postcopy-ram", "state", 1));
	return exec_ok(st, q, "migrate-set-capabilities", caps);
}

static int set_parameters(struct kmb_stress *st)
{
	json_t *p = json_object();

	/* The limit holds in postcopy too: its background transfer is otherwise unlimited. */
	if (st->s->migration.bandwidth) {
		json_object_set_new(p, "max-bandwidth",
				    json_integer((json_int_t)st->s->migration.bandwidth));
		if (postcopy_mode(st))
			json_object_set_new(p, "max-postcopy-bandwidth",
					    json_integer((json_int_t)st->s->migration.bandwidth));
	}
	if (st->s->migration.downtime_limit_ms)
		json_object_set_new(p, "downtime-limit",
				    json_integer((json_int_t)st->s->migration.downtime_limit_ms));
	return exec_ok(st, &st->src, "migrate-set-parameters", p);
}

static int start_destination(struct kmb_stress *st)
{
	char dir[4200], err[1024], procs[4200];

	snprintf(dir, sizeof(dir), "%s/destination", st->wd.path);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", st->cg_dst.path);
	if (kmb_qemu_start(&st->dst, &st->img, st->s, st->accel, "destination", dir, true,
			   st->have_cg_dst ? procs : NULL, err, sizeof(err))) {
		snprintf(st->error, sizeof(st->error), "%s", err);
		return -1;
	}
	st->dst_started = true;
	/* Before any guest page arrives it holds nothing but itself. */
	kmb_footprint_overhead(&st->fp_dst, st->dst.pid, st->s->guest.memory, st->s->guest.backend);
	kmb_footprint_open(&st->fp_dst, st->dst.pid, false);
	return 0;
}

static int start_migration(struct kmb_stress *st, const char *sock, bool resume)
{
	char uri[4300];

	snprintf(uri, sizeof(uri), "unix:%s/%s", st->dst.dir, sock);
	if (resume) {
		if (exec_ok(st, &st->dst, "migrate-recover", json_pack("{s:s}", "uri", uri)))
			return -1;
		return exec_ok(st, &st->src, "migrate",
			       json_pack("{s:s, s:b}", "uri", uri, "resume", 1));
	}
	if (exec_ok(st, &st->dst, "migrate-incoming", json_pack("{s:s}", "uri", uri)))
		return -1;
	return exec_ok(st, &st->src, "migrate", json_pack("{s:s}", "uri", uri));
}

/* Precopy passes done: ram.dirty-sync-count is 1 during the first pass. */
static bool passes_done(const struct kmb_stress *st)
{
	return st->syncs > (uint64_t)st->s->migration.postcopy_after_passes;
}

static void drive_postcopy(struct kmb_stress *st)
{
	if (!st->postcopy_requested && !strcmp(st->status, "active") && passes_done(st)) {
		st->postcopy_requested = exec_ok(st, &st->src, "migrate-start-postcopy", NULL) == 0;
		kmb_stress_note(st, "migrate-start-postcopy");
	}
	if (st->phase == KMB_PHASE_PRECOPY && !strcmp(st->status, "postcopy-active")) {
		st->saw_postcopy = true;
		kmb_stress_enter(st, KMB_PHASE_POSTCOPY);
	}
}

/* postcopy-recover: pause into postcopy, then resume over a new socket. */
static void drive_recover(struct kmb_stress *st)
{
	double since = kmb_stress_now(st) - st->phase_t;

	if (st->s->migration.mode != KMB_MIG_POSTCOPY_RECOVER || st->recovering)
		return;
	if (st->phase == KMB_PHASE_POSTCOPY && since >= st->s->migration.pause_after_s &&
	    !strcmp(st->status, "postcopy-active")) {
		kmb_stress_note(st, "migrate-pause");
		if (exec_ok(st, &st->src, "migrate-pause", NULL) == 0)
			st->recovering = true;
	}
}

static void try_resume(struct kmb_stress *st)
{
	if (!st->recovering || st->resumed || strcmp(st->status, "postcopy-paused"))
		return;
	kmb_stress_note(st, "migrate-recover + migrate resume");
	st->resumed = start_migration(st, "recover.sock", true) == 0;
	if (!st->resumed)
		st->recovering = false;
	st->last_progress_t = kmb_stress_now(st);
}

static bool terminal(struct kmb_stress *st)
{
	const char *s = st->status;

	if (!strcmp(s, "completed") || !strcmp(s, "failed") || !strcmp(s, "cancelled"))
		return true;
	if (!strcmp(s, "postcopy-paused") && !st->recovering)
		return true;
	if (st->src_killed || !kmb_qemu_alive(&st->src)) {
		snprintf(st->status, sizeof(st->status), "source-died");
		return true;
	}
	return false;
}

static bool hung(struct kmb_stress *st)
{
	return streaming(st->status) &&
	       kmb_stress_now(st) - st->last_progress_t > st->s->timeouts.hang_s;
}

static const char *state_words(char state)
{
	switch (state) {
	case 'T':
	case 't':
		return "stopped";
	case 'Z':
		return "a zombie";
	case 'D':
		return "in uninterruptible sleep";
	case '?':
		return "gone";
	default:
		return NULL;
	}
}

/* "the destination QEMU (pid 123) stopped answering QMP at t=14.1 s (process stopped)" */
static int describe_side(struct kmb_stress *st, struct kmb_qemu *q, char *buf, size_t len)
{
	const char *words = state_words(kmb_qemu_state(q));
	double since;

	if (!q->silent_since_ns && !words)
		return 0;
	since = q->silent_since_ns ? (double)(q->silent_since_ns - st->t0_ns) / 1e9 : -1;
	snprintf(buf, len, "the %s QEMU (pid %d) %s", q->role, (int)q->pid,
		 since >= 0 ? "stopped answering QMP" : "answers QMP");
	if (since >= 0)
		snprintf(buf + strlen(buf), len - strlen(buf), " at t=%.1f s", since);
	if (words)
		snprintf(buf + strlen(buf), len - strlen(buf), "; its process is %s", words);
	return 1;
}

/*
 * Which side stopped: one that stopped answering QMP (or whose process is
 * stopped) is named; when both answer, the stream itself stalled, and the
 * counters say whether the source still had pages to send.
 */
static void describe_hang(struct kmb_stress *st)
{
	char src[300] = "", dst[300] = "";
	int s = describe_side(st, &st->src, src, sizeof(src));
	int d = st->dst_started && describe_side(st, &st->dst, dst, sizeof(dst));
	uint64_t remaining = ram_counter(st->last_migrate, "remaining");
	const char *side = s && d ? "both" : s ? "source" : d ? "destination" : "neither";

	if (s || d)
		snprintf(st->hang_report, sizeof(st->hang_report), "%s%s%s", src,
			 s && d ? "; " : "", dst);
	else if (remaining)
		snprintf(st->hang_report, sizeof(st->hang_report),
			 "both QEMUs answer QMP, but the stream stalled with %llu bytes still to "
			 "send",
			 (unsigned long long)remaining);
	else
		snprintf(st->hang_report, sizeof(st->hang_report),
			 "both QEMUs answer QMP; the source has sent every page, but the "
			 "destination never completed (a page it waits for is not re-sent)");
	kmb_stress_note(st, "hang: %s stopped: %s", side, st->hang_report);
	st->hang_side = side;
}

int kmb_stress_migrate(struct kmb_stress *st)
{
	double deadline;

	if (start_destination(st) || set_capabilities(st, &st->src) ||
	    set_capabilities(st, &st->dst) || set_parameters(st))
		return -1;
	if (st->s->guest.dirty_rate) {
		char cmd[64];

		/* Rewrites go on during the whole migration; STOP ends them afterwards. */
		snprintf(cmd, sizeof(cmd), "DIRTY %llu 0",
			 (unsigned long long)(st->s->guest.dirty_rate >> 20));
		kmb_agent_send(&st->agent, cmd);
	}
	st->src_rss_max_kib = st->src_rss_start_kib;
	st->migration_start_t = kmb_stress_now(st);
	st->last_progress_t = st->migration_start_t;
	st->migrating = true;
	kmb_stress_step(st, "migrate", "%s to a new QEMU%s",
			kmb_mig_mode_name(st->s->migration.mode),
			st->s->migration.bandwidth ? " (bandwidth limited)" : "");
	if (start_migration(st, "migrate.sock", false))
		return -1;
	kmb_stress_enter(st, KMB_PHASE_PRECOPY);
	deadline = st->migration_start_t + st->s->timeouts.migration_s;
	/* The scenario's total limit (or --timeout) bounds the migration too. */
	if (kmb_stress_total_s(st) < deadline)
		deadline = kmb_stress_total_s(st);
	for (;;) {
		kmb_stress_tick(st);
		if (st->error[0])
			return -1;
		if (postcopy_mode(st))
			drive_postcopy(st);
		drive_recover(st);
		try_resume(st);
		if (terminal(st))
			break;
		if (hung(st)) {
			st->hang = true;
			describe_hang(st);
			break;
		}
		if (kmb_stress_now(st) > deadline) {
			st->timed_out = true;
			break;
		}
	}
	st->migration_end_t = kmb_stress_now(st);
	st->migrating = false;
	return 0;
}
