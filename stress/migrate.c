// SPDX-License-Identifier: GPL-2.0-only
#include "migrate.h"
#include "procstat.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 100

double kmb_stress_total_s(const struct kmb_stress *st)
{
	return st->o->timeout_s > 0 ? st->o->timeout_s : st->s->timeouts.total_s;
}

double kmb_stress_now(const struct kmb_stress *st)
{
	return (double)(kmb_now_ns() - st->t0_ns) / 1e9;
}

static void note(struct kmb_stress *st, const char *what)
{
	json_array_append_new(st->notes, json_pack("{s:f, s:s}", "t", kmb_stress_now(st), "what",
						   what));
}

int64_t kmb_stress_query_balloon(struct kmb_qemu *q)
{
	char err[256];
	json_t *r;
	int64_t actual = -1;

	if (!q->qmp)
		return -1;
	r = kmb_qmp_exec(q->qmp, "query-balloon", NULL, 5000, err, sizeof(err));
	if (json_is_integer(json_object_get(r, "actual")))
		actual = json_integer_value(json_object_get(r, "actual"));
	json_decref(r);
	return actual;
}

int kmb_stress_balloon(struct kmb_stress *st, struct kmb_qemu *q, uint64_t target)
{
	char err[256], what[128];
	json_t *r;

	r = kmb_qmp_exec(q->qmp, "balloon", json_pack("{s:I}", "value", (json_int_t)target), 5000,
			 err, sizeof(err));
	snprintf(what, sizeof(what), "balloon %s to %llu MiB%s%s", q->role,
		 (unsigned long long)(target >> 20), r ? "" : ": ", r ? "" : err);
	note(st, what);
	json_decref(r);
	return r ? 0 : -1;
}

static uint64_t step_target(const struct kmb_stress *st, const struct kmb_balloon_step *b)
{
	if (b->target)
		return b->target;
	return (uint64_t)((double)st->s->guest.memory * b->target_pct / 100.0);
}

/* stress-ng in its own cgroup and process group; argv split on blanks. */
static void start_stress(struct kmb_stress *st)
{
	char args[512], yaml[4200], log[4200], procs[4200], err[256], *save = NULL, *tok;
	const char *argv[64];
	struct kmb_spawn_opts o;
	int n = 0;

	snprintf(args, sizeof(args), "%s", st->s->host.stress_ng);
	snprintf(yaml, sizeof(yaml), "%s/stress-ng.yaml", st->o->logdir);
	argv[n++] = "stress-ng";
	for (tok = strtok_r(args, " \t", &save); tok && n < 60; tok = strtok_r(NULL, " \t", &save))
		argv[n++] = tok;
	argv[n++] = "--yaml";
	argv[n++] = yaml;
	argv[n] = NULL;
	kmb_spawn_opts_init(&o, argv);
	o.new_pgrp = true;
	o.package = "stress-ng";
	snprintf(log, sizeof(log), "%s/stress-ng.log", st->o->logdir);
	o.stdout_path = log;
	o.stderr_path = log;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", st->cg_stress.path);
	o.cgroup_procs = st->have_cg_stress ? procs : NULL;
	if (kmb_spawn(&o, &st->stress_pid, err, sizeof(err))) {
		snprintf(st->error, sizeof(st->error), "%s", err);
		return;
	}
	st->stress_started = true;
	note(st, "stress-ng started");
}

/* The guest runs on the destination from postcopy on: its balloon is there. */
static struct kmb_qemu *phase_qemu(struct kmb_stress *st)
{
	return st->phase >= KMB_PHASE_POSTCOPY ? &st->dst : &st->src;
}

static void fire_due(struct kmb_stress *st)
{
	double since = kmb_stress_now(st) - st->phase_t;
	int i;

	for (i = 0; i < st->s->nballoon; i++) {
		const struct kmb_balloon_step *b = &st->s->balloon[i];

		if (st->step_done[i] || b->when != st->phase || since < b->delay_s)
			continue;
		st->step_done[i] = true;
		st->balloon_target = (int64_t)step_target(st, b);
		st->balloon_target_phase = b->when;
		kmb_stress_balloon(st, phase_qemu(st), step_target(st, b));
	}
	for (i = 0; i < st->s->nfaults; i++) {
		const struct kmb_fault *f = &st->s->faults[i];

		if (st->fault_done[i] || f->when != st->phase || since < f->delay_s)
			continue;
		st->fault_done[i] = true;
		if (f->kind == KMB_FAULT_KILL_SOURCE) {
			kmb_qemu_kill(&st->src);
			st->src_killed = true;
			note(st, "fault: source QEMU killed");
		} else {
			kmb_qemu_kill(&st->dst);
			st->dst_killed = true;
			note(st, "fault: destination QEMU killed");
		}
	}
	if (!st->stress_started && st->s->host.stress_ng[0] && st->s->host.stress_when == st->phase)
		start_stress(st);
}

void kmb_stress_enter(struct kmb_stress *st, enum kmb_phase phase)
{
	st->phase = phase;
	st->phase_t = kmb_stress_now(st);
	json_array_append_new(st->phases, json_pack("{s:s, s:f}", "phase", kmb_phase_name(phase),
						    "t", st->phase_t));
	fire_due(st);
}

static json_t *proc_json(struct kmb_qemu *q, uint64_t *rss_kib)
{
	struct kmb_procstat ps;

	if (q->pid <= 0 || q->reaped || kmb_procstat_read(q->pid, &ps))
		return json_null();
	*rss_kib = ps.vm_rss_kib;
	return kmb_procstat_json(&ps);
}

static json_t *cgroup_json(struct kmb_cgroup *cg, bool have)
{
	struct kmb_cgroup_stat cs;
	char err[256];

	if (!have || kmb_cgroup_stat(cg, &cs, err, sizeof(err)))
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "usage", (json_int_t)cs.usage, "peak",
			 (json_int_t)cs.peak, "oom", (json_int_t)cs.oom, "oom_kill",
			 (json_int_t)cs.oom_kill, "max_events", (json_int_t)cs.max_events);
}

static json_t *query_migrate(struct kmb_qemu *q)
{
	char err[256];
	json_t *r;

	if (!q->qmp || q->reaped)
		return json_null();
	r = kmb_qmp_exec(q->qmp, "query-migrate", NULL, 2000, err, sizeof(err));
	return r ? r : json_null();
}

/* Track status and postcopy progress from the source's query-migrate. */
static void track(struct kmb_stress *st, json_t *mig)
{
	json_t *ram = json_object_get(mig, "ram");
	const char *status = json_string_value(json_object_get(mig, "status"));
	uint64_t transferred = (uint64_t)json_integer_value(json_object_get(ram, "transferred"));
	uint64_t requests =
		(uint64_t)json_integer_value(json_object_get(ram, "postcopy-requests"));

	if (!status)
		return;
	snprintf(st->status, sizeof(st->status), "%s", status);
	if (transferred != st->transferred || requests != st->postcopy_requests ||
	    strcmp(status, "postcopy-active"))
		st->last_progress_t = kmb_stress_now(st);
	st->transferred = transferred;
	st->postcopy_requests = requests;
	json_decref(st->last_migrate);
	st->last_migrate = json_incref(mig);
}

static void sample(struct kmb_stress *st)
{
	uint64_t src_rss = 0, dst_rss = 0;
	json_t *src_mig = query_migrate(&st->src);
	json_t *dst_mig = st->dst_started ? query_migrate(&st->dst) : json_null();
	json_t *src_proc = proc_json(&st->src, &src_rss);
	json_t *dst_proc = st->dst_started ? proc_json(&st->dst, &dst_rss) : json_null();

	if (st->migrating)
		track(st, src_mig);
	if (st->migrating && src_rss > st->src_rss_max_kib)
		st->src_rss_max_kib = src_rss;
	if (dst_rss)
		st->dst_rss_final_kib = dst_rss;
	st->src_rss_now_kib = src_rss;
	if (st->src.qmp)
		kmb_qmp_poll_events(st->src.qmp, 0);
	if (st->dst.qmp)
		kmb_qmp_poll_events(st->dst.qmp, 0);
	json_array_append_new(
		st->samples,
		json_pack("{s:f, s:s, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o}}", "t",
			  kmb_stress_now(st), "phase", kmb_phase_name(st->phase), "src_migrate",
			  src_mig, "dst_migrate", dst_mig, "src_proc", src_proc, "dst_proc", dst_proc,
			  "cgroups", "source", cgroup_json(&st->cg_src, st->have_cg_src),
			  "destination", cgroup_json(&st->cg_dst, st->have_cg_dst), "stress",
			  cgroup_json(&st->cg_stress, st->have_cg_stress)));
}

static void progress(struct kmb_stress *st)
{
	double now = kmb_stress_now(st);
	json_t *ram = json_object_get(st->last_migrate, "ram");
	double total = (double)json_integer_value(json_object_get(ram, "total"));
	double remaining = (double)json_integer_value(json_object_get(ram, "remaining"));

	if (st->o->quiet || now - st->last_progress_line < 1.0)
		return;
	st->last_progress_line = now;
	printf("  [%s %5.1fs] %-9s %-16s %3.0f%%  src RSS %4llu MiB  dst RSS %4llu MiB\n",
	       st->s->name, now, kmb_phase_name(st->phase), st->migrating ? st->status : "-",
	       total > 0 ? 100 * (total - remaining) / total : 0,
	       (unsigned long long)(st->src_rss_now_kib >> 10),
	       (unsigned long long)(st->dst_rss_final_kib >> 10));
	fflush(stdout);
}

void kmb_stress_tick(struct kmb_stress *st)
{
	struct timespec nap = { .tv_nsec = TICK_MS * 1000 * 1000 };

	nanosleep(&nap, NULL);
	sample(st);
	fire_due(st);
	progress(st);
}

static bool postcopy_mode(const struct kmb_stress *st)
{
	return st->s->migration.mode == KMB_MIG_POSTCOPY ||
	       st->s->migration.mode == KMB_MIG_POSTCOPY_RECOVER;
}

/* MIGRATION events on both sides for the record; postcopy-ram where it is used. */
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
	json_t *caps = json_pack("{s:[{s:s, s:b}]}", "capabilities", "capability", "events",
				 "state", 1);

	if (postcopy_mode(st))
		json_array_append_new(json_object_get(caps, "capabilities"),
				      json_pack("{s:s, s:b}", "capability", "postcopy-ram",
						"state", 1));
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

	snprintf(dir, sizeof(dir), "%s/destination", st->dir);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", st->cg_dst.path);
	if (kmb_qemu_start(&st->dst, &st->img, st->s, st->accel, "destination", dir, true,
			   st->have_cg_dst ? procs : NULL, err, sizeof(err))) {
		snprintf(st->error, sizeof(st->error), "%s", err);
		return -1;
	}
	st->dst_started = true;
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
	json_t *ram = json_object_get(st->last_migrate, "ram");
	json_int_t syncs = json_integer_value(json_object_get(ram, "dirty-sync-count"));

	return syncs > st->s->migration.postcopy_after_passes;
}

static void drive_postcopy(struct kmb_stress *st)
{
	if (!st->postcopy_requested && !strcmp(st->status, "active") && passes_done(st)) {
		st->postcopy_requested = exec_ok(st, &st->src, "migrate-start-postcopy", NULL) == 0;
		note(st, "migrate-start-postcopy");
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
		note(st, "migrate-pause");
		if (exec_ok(st, &st->src, "migrate-pause", NULL) == 0)
			st->recovering = true;
	}
}

static void try_resume(struct kmb_stress *st)
{
	if (!st->recovering || st->resumed || strcmp(st->status, "postcopy-paused"))
		return;
	note(st, "migrate-recover + migrate resume");
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
	return !strcmp(st->status, "postcopy-active") &&
	       kmb_stress_now(st) - st->last_progress_t > st->s->timeouts.hang_s;
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
