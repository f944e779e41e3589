// SPDX-License-Identifier: GPL-2.0-only
/*
 * One scenario from start to verdict. Everything it creates (QEMUs, cgroups,
 * stress-ng, the private run directory, hugepages) is released in teardown(),
 * which runs on every path; the host_clean invariant then checks that it was.
 */
#include "atomic.h"
#include "image.h"
#include "knob.h"
#include "migrate.h"
#include "procstat.h"
#include "runner.h"
#include "schedule.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define KVM_PROBE_S 20
/* Ticks the balloon must keep its size to count as settled (1 s), and at most (60 s). */
#define SETTLED_TICKS 10
#define SETTLE_MAX_TICKS 600

/* Decided once per kmb run: the first boot is the probe. */
static char accel_cached[8];
static char accel_reason_cached[512];

static int fail(struct kmb_stress *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct kmb_stress *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->error, sizeof(st->error), fmt, ap);
	va_end(ap);
	return -1;
}

static int make_workdir(struct kmb_stress *st)
{
	char err[512];

	if (kmb_workdir_create(&st->wd, st->s->name, st->o->keep_logs, err, sizeof(err)))
		return fail(st, "%s", err);
	return 0;
}

static int make_cgroup(struct kmb_stress *st, struct kmb_cgroup *cg, bool *have, const char *name,
		       uint64_t limit)
{
	char err[512], cgname[96];

	if (!limit)
		return 0;
	snprintf(cgname, sizeof(cgname), "%s-%s", st->s->name, name);
	if (kmb_cgroup_create(cg, cgname, limit, err, sizeof(err)))
		return fail(st, "%s", err);
	*have = true;
	return 0;
}

static int make_cgroups(struct kmb_stress *st)
{
	const struct kmb_scenario *s = st->s;

	return make_cgroup(st, &st->cg_src, &st->have_cg_src, "source",
			   s->host.memcg_limit_source) ||
	       make_cgroup(st, &st->cg_dst, &st->have_cg_dst, "destination",
			   s->host.memcg_limit_destination) ||
	       make_cgroup(st, &st->cg_stress, &st->have_cg_stress, "stress",
			   s->host.stress_ng[0] ? s->host.memcg_limit_stress : 0);
}

/* hugetlb guests need free 2 MiB pages for both QEMUs; the knob is restored. */
static int reserve_hugepages(struct kmb_stress *st)
{
	uint64_t have = 0, need = 2 * (st->s->guest.memory / (2 * KMB_MIB)) + 16;
	char err[512], value[32];

	if (st->s->guest.backend != KMB_BACKEND_HUGETLB)
		return 0;
	kmb_read_u64("/proc/sys/vm/nr_hugepages", &have);
	snprintf(value, sizeof(value), "%llu", (unsigned long long)(have + need));
	if (kmb_knob_set("/proc/sys/vm/nr_hugepages", value, err, sizeof(err)))
		return fail(st, "%s", err);
	return 0;
}

static int boot_with(struct kmb_stress *st, const char *accel, int ready_s)
{
	char dir[4200], err[1024], procs[4200];

	snprintf(dir, sizeof(dir), "%s/source", st->wd.path);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", st->cg_src.path);
	if (kmb_qemu_start(&st->src, &st->img, st->s, accel, "source", dir, false,
			   st->have_cg_src ? procs : NULL, err, sizeof(err)))
		return fail(st, "%s", err);
	if (kmb_agent_connect(&st->agent, st->src.agent_path, st->agent_log, st->t0_ns, 10000, err,
			      sizeof(err)))
		return fail(st, "%s", err);
	st->agent_up = true;
	if (kmb_agent_wait_ready(&st->agent, ready_s * 1000, err, sizeof(err)))
		return fail(st, "%s", err);
	snprintf(st->accel, sizeof(st->accel), "%s", accel);
	snprintf(st->qemu_version, sizeof(st->qemu_version), "%s", kmb_qmp_version(st->src.qmp));
	return 0;
}

static void stop_source(struct kmb_stress *st)
{
	if (st->agent_up)
		kmb_agent_close(&st->agent);
	st->agent_up = false;
	kmb_qemu_stop(&st->src, 1000);
}

/*
 * KVM when a guest really boots under it (a /dev/kvm that exists can still
 * fail to run Linux, as nested software hypervisors do), else TCG.
 *
 * The decision is kept in the state directory too ("<accel>\t<reason>"), keyed
 * by QEMU and kernel: /run is cleared at boot, when the answer may change.
 * Without a state directory of our own it is not kept at all: a fixed name
 * in /tmp could be planted by anyone.
 */
static int accel_file(const struct kmb_stress *st, char *path, size_t len)
{
	const char *state = kmb_state_dir();
	unsigned long h = 5381;
	const char *p;

	if (!state)
		return -1;
	for (p = st->img.kernel; *p; p++)
		h = h * 33 + (unsigned char)*p;
	for (p = st->img.qemu; *p; p++)
		h = h * 33 + (unsigned char)*p;
	snprintf(path, len, "%s/accel-%lx", state, h);
	return 0;
}

static void load_accel(const struct kmb_stress *st)
{
	char path[4200], *text, *tab;

	if (accel_cached[0] || accel_file(st, path, sizeof(path)))
		return;
	text = kmb_read_text(path);
	if (text && (tab = strchr(text, '\t')) &&
	    (!strncmp(text, "kvm\t", 4) || !strncmp(text, "tcg\t", 4))) {
		*tab = '\0';
		snprintf(accel_cached, sizeof(accel_cached), "%s", text);
		tab[strcspn(tab + 1, "\n") + 1] = '\0';
		snprintf(accel_reason_cached, sizeof(accel_reason_cached),
			 "%s (decided earlier "
			 "this boot)",
			 tab + 1);
	}
	free(text);
}

static void save_accel(const struct kmb_stress *st)
{
	char path[4200], line[700];

	if (accel_file(st, path, sizeof(path)))
		return;
	snprintf(line, sizeof(line), "%s\t%s\n", st->accel, st->accel_reason);
	kmb_write_atomic(path, line, strlen(line));
}

static int boot_source(struct kmb_stress *st)
{
	char tail[300];

	load_accel(st);
	if (accel_cached[0]) {
		snprintf(st->accel_reason, sizeof(st->accel_reason), "%s", accel_reason_cached);
		return boot_with(st, accel_cached, (int)st->s->timeouts.boot_s);
	}
	if (access("/dev/kvm", R_OK | W_OK)) {
		snprintf(st->accel_reason, sizeof(st->accel_reason),
			 "kvm: /dev/kvm missing or not accessible: %s", strerror(errno));
	} else if (boot_with(st, "kvm", KVM_PROBE_S) == 0) {
		snprintf(st->accel_reason, sizeof(st->accel_reason),
			 "kvm: a guest booted to the agent within %d s", KVM_PROBE_S);
		goto decided;
	} else {
		kmb_file_tail(st->src.console_path, 2, tail, sizeof(tail));
		snprintf(st->accel_reason, sizeof(st->accel_reason), "kvm: %s; console ends: %s",
			 st->error, tail[0] ? tail : "(empty)");
		st->error[0] = '\0';
		stop_source(st);
	}
	if (boot_with(st, "tcg", (int)st->s->timeouts.boot_s))
		return -1;
decided:
	save_accel(st);
	snprintf(accel_cached, sizeof(accel_cached), "%s", st->accel);
	snprintf(accel_reason_cached, sizeof(accel_reason_cached), "%s", st->accel_reason);
	return 0;
}

static int agent_cmd(struct kmb_stress *st, const char *cmd, char *reply, size_t len, int timeout_s)
{
	char err[512];
	int rc = kmb_agent_cmd(&st->agent, cmd, reply, len, timeout_s * 1000, err, sizeof(err));

	if (rc < 0)
		snprintf(reply, len, "%s", err);
	return rc;
}

static int fill_guest(struct kmb_stress *st)
{
	char cmd[128], reply[256];

	snprintf(cmd, sizeof(cmd), "FILL %llu %llu %u",
		 (unsigned long long)(st->s->guest.fill >> 20),
		 (unsigned long long)(st->s->guest.zero >> 20), st->s->guest.seed);
	if (agent_cmd(st, cmd, reply, sizeof(reply), 300))
		return fail(st, "guest agent FILL failed: %s", reply);
	return 0;
}

/*
 * What the guest populated, by its own count: all of its memory but what
 * its kernel has free once the agent filled its part -- the agent's pages,
 * the kernel's reservations and allocations, the initramfs.
 */
static void count_populated(struct kmb_stress *st)
{
	char reply[256];
	long long free_kib;

	if (agent_cmd(st, "STAT", reply, sizeof(reply), 30))
		return;
	free_kib = kmb_agent_field(reply, "mem_free_kib");
	if (free_kib >= 0 && (uint64_t)free_kib * 1024 < st->s->guest.memory)
		st->populated_guest = (int64_t)(st->s->guest.memory - (uint64_t)free_kib * 1024);
}

/* The guest as it is on the destination after migration: the agent line moves. */
static int check_guest(struct kmb_stress *st, struct kmb_qemu *q)
{
	char err[512], reply[256];

	if (q != &st->src) {
		kmb_agent_close(&st->agent);
		st->agent_up = false;
		if (kmb_agent_connect(&st->agent, q->agent_path, st->agent_log, st->t0_ns, 10000,
				      err, sizeof(err))) {
			snprintf(st->verify_reply, sizeof(st->verify_reply), "%s", err);
			return -1;
		}
		st->agent_up = true;
	}
	if (agent_cmd(st, "PING", reply, sizeof(reply), 30) < 0) {
		snprintf(st->verify_reply, sizeof(st->verify_reply), "no PONG: %s", reply);
		return -1;
	}
	if (st->s->guest.dirty_rate)
		agent_cmd(st, "STOP", reply, sizeof(reply), 30);
	if (st->s->invariants.verify_memory) {
		st->verify_rc =
			agent_cmd(st, "VERIFY", st->verify_reply, sizeof(st->verify_reply), 300);
	}
	return 0;
}

static bool phase_steps_done(const struct kmb_stress *st)
{
	int i;

	for (i = 0; i < st->s->nballoon; i++) {
		if (st->s->balloon[i].when == st->phase && !st->step_done[i])
			return false;
	}
	return true;
}

/*
 * Wait (bounded) until this phase's steps ran and the balloon stopped moving:
 * a step made during postcopy may still be inflating after migration ended.
 */
static void settle_balloon(struct kmb_stress *st, struct kmb_qemu *q)
{
	int64_t prev = -2, now;
	int stable = 0, i;

	if (!st->s->nballoon)
		return;
	for (i = 0; i < SETTLE_MAX_TICKS && (stable < SETTLED_TICKS || !phase_steps_done(st)) &&
		    kmb_stress_now(st) < kmb_stress_total_s(st);
	     i++) {
		kmb_stress_tick(st);
		now = kmb_stress_query_balloon(q);
		stable = now == prev ? stable + 1 : 0;
		prev = now;
	}
}

static void count_oom(struct kmb_stress *st)
{
	struct kmb_cgroup_stat cs;
	char err[256];

	if (st->have_cg_src && !kmb_cgroup_stat(&st->cg_src, &cs, err, sizeof(err)))
		st->oom_kills_qemu += cs.oom_kill;
	if (st->have_cg_dst && !kmb_cgroup_stat(&st->cg_dst, &cs, err, sizeof(err)))
		st->oom_kills_qemu += cs.oom_kill;
	if (st->have_cg_stress && !kmb_cgroup_stat(&st->cg_stress, &cs, err, sizeof(err)))
		st->oom_kills_stress += cs.oom_kill;
}

/*
 * After the balloon settled and before migration: what the source holds of
 * guest RAM is what the guest populated as the host sees it (pages the guest
 * touched and freed stay resident), and the source's peak is watched from
 * here on, VmHWM started afresh.
 */
static void open_source_window(struct kmb_stress *st)
{
	struct kmb_procstat ps;

	st->populated_host =
		kmb_guest_ram_resident(st->src.pid, st->s->guest.memory, st->s->guest.backend);
	if (!kmb_procstat_read(st->src.pid, &ps))
		st->src_rss_start_kib = ps.vm_rss_kib;
	kmb_footprint_open(&st->fp_src, st->src.pid, true);
}

static void close_windows(struct kmb_stress *st)
{
	double now = kmb_stress_now(st);

	kmb_footprint_close(&st->fp_src, st->src.pid, st->s->guest.memory, st->s->guest.backend,
			    now);
	if (st->dst_started)
		kmb_footprint_close(&st->fp_dst, st->dst.pid, st->s->guest.memory,
				    st->s->guest.backend, now);
}

static int run_phases(struct kmb_stress *st)
{
	const struct kmb_scenario *s = st->s;

	if (make_workdir(st) || make_cgroups(st) || reserve_hugepages(st))
		return -1;
	kmb_stress_step(st, "boot", "source QEMU, %llu MiB %s guest",
			(unsigned long long)(s->guest.memory >> 20),
			kmb_backend_name(s->guest.backend));
	if (boot_source(st))
		return -1;
	kmb_stress_step(st, "fill",
			"guest up (%s); the agent writes %llu MiB of pattern and "
			"%llu MiB of zeros",
			st->accel, (unsigned long long)(s->guest.fill >> 20),
			(unsigned long long)(s->guest.zero >> 20));
	if (fill_guest(st))
		return -1;
	count_populated(st);
	kmb_footprint_overhead(&st->fp_src, st->src.pid, s->guest.memory, s->guest.backend);
	kmb_stress_enter(st, KMB_PHASE_BEFORE);
	settle_balloon(st, &st->src);
	if (st->error[0])
		return -1;
	st->balloon_src = kmb_stress_query_balloon(&st->src);
	open_source_window(st);
	if (s->migration.mode == KMB_MIG_NONE) {
		kmb_stress_enter(st, KMB_PHASE_AFTER);
		kmb_stress_step(st, "verify", "the agent checks its memory");
		/* A guest that cannot be verified fails memory_intact, not the harness. */
		check_guest(st, &st->src);
		return 0;
	}
	if (kmb_stress_migrate(st))
		return -1;
	if (!strcmp(st->status, "completed")) {
		int64_t src_final = kmb_stress_query_balloon(&st->src);

		if (src_final >= 0)
			st->balloon_src = src_final;
		kmb_stress_enter(st, KMB_PHASE_AFTER);
		kmb_stress_step(st, "verify", "the agent checks its memory on the destination");
		check_guest(st, &st->dst);
		settle_balloon(st, &st->dst);
		st->balloon_dst = kmb_stress_query_balloon(&st->dst);
	}
	return 0;
}

static void copy_log(const struct kmb_stress *st, const char *from, const char *name)
{
	char *text = kmb_read_text(from), path[4400];

	if (!text)
		return;
	snprintf(path, sizeof(path), "%s/%s", st->o->logdir, name);
	kmb_write_atomic(path, text, strlen(text));
	free(text);
}

/* SIGINT first: stress-ng then stops its workers and writes its YAML. */
static void stop_stress(struct kmb_stress *st)
{
	char err[256];
	int status;

	if (st->stress_pid <= 0)
		return;
	kill(-st->stress_pid, SIGINT);
	if (kmb_spawn_wait(st->stress_pid, 10000, &status, err, sizeof(err)) == 0)
		kill(-st->stress_pid, SIGKILL); /* workers that outlived their parent */
	st->stress_pid = -1;
}

static void destroy_cgroup(struct kmb_stress *st, struct kmb_cgroup *cg, bool have)
{
	char err[512];

	if (have && kmb_cgroup_destroy(cg, err, sizeof(err)))
		json_array_append_new(st->notes, json_pack("{s:f, s:s}", "t", kmb_stress_now(st),
							   "teardown", err));
}

/* A QEMU's events with "t" moved from its QMP connection's clock to the run's. */
static json_t *events_of(const struct kmb_stress *st, const struct kmb_qemu *q)
{
	json_t *events, *e;
	double shift;
	size_t i;

	if (!q->qmp)
		return json_null();
	events = json_deep_copy(kmb_qmp_events(q->qmp));
	shift = ((double)kmb_qmp_connected_ns(q->qmp) - (double)st->t0_ns) / 1e9;
	json_array_foreach(events, i, e) json_object_set_new(
		e, "t", json_real(json_number_value(json_object_get(e, "t")) + shift));
	return events;
}

static void teardown(struct kmb_stress *st)
{
	st->events = json_pack("{s:o, s:o}", "source", events_of(st, &st->src), "destination",
			       events_of(st, &st->dst));
	stop_stress(st);
	if (st->agent_up)
		kmb_agent_close(&st->agent);
	st->agent_up = false;
	kmb_qemu_stop(&st->src, 1000);
	if (st->dst_started)
		kmb_qemu_stop(&st->dst, 1000);
	copy_log(st, st->src.console_path, "source-console.log");
	copy_log(st, st->src.stderr_path, "source-qemu.stderr");
	if (st->dst_started) {
		copy_log(st, st->dst.console_path, "destination-console.log");
		copy_log(st, st->dst.stderr_path, "destination-qemu.stderr");
	}
	destroy_cgroup(st, &st->cg_src, st->have_cg_src);
	destroy_cgroup(st, &st->cg_dst, st->have_cg_dst);
	destroy_cgroup(st, &st->cg_stress, st->have_cg_stress);
	kmb_knob_restore_all();
	if (kmb_workdir_release(&st->wd))
		json_array_append_new(st->notes,
				      json_pack("{s:f, s:s, s:s}", "t", kmb_stress_now(st),
						"teardown", "cannot remove the run directory",
						"path", st->wd.path));
}

static const char *verdict(const struct kmb_stress *st, int failed)
{
	if (st->error[0])
		return "error";
	return failed ? "fail" : "pass";
}

static json_t *bytes_or_null(int64_t v)
{
	return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

static json_t *footprint_json(const struct kmb_footprint *f, bool started)
{
	if (!started)
		return json_null();
	return json_pack("{s:o, s:s, s:I, s:f, s:o, s:s, s:I, s:o}", "overhead",
			 bytes_or_null(f->overhead), "overhead_how", f->overhead_how,
			 "peak_sampled", (json_int_t)f->peak, "peak_sampled_t", f->peak_t, "vm_hwm",
			 bytes_or_null(f->hwm), "vm_hwm_note", f->hwm_note, "peak",
			 (json_int_t)kmb_footprint_peak(f), "guest_ram_end",
			 bytes_or_null(f->guest_ram_end));
}

static json_t *teardown_s(const struct kmb_qemu *q)
{
	return q->teardown_s >= 0 ? json_real(q->teardown_s) : json_null();
}

static json_t *result_json(struct kmb_stress *st, int failed)
{
	json_t *doc = json_pack(
		"{s:s, s:i, s:o, s:s, s:{s:s, s:s}, s:s, s:f, s:s?, s:s, s:s?, s:s?}", "format",
		"kvm-mm-bench/stress", "schema_version", 1, "scenario", kmb_scenario_json(st->s),
		"verdict", verdict(st, failed), "accel", "name", st->accel[0] ? st->accel : "none",
		"reason", st->accel_reason, "qemu_version", st->qemu_version, "wall_s",
		kmb_stress_now(st), "error", st->error[0] ? st->error : NULL, "migration_status",
		st->status, "logs", st->o->logdir, "kept_dir", st->wd.kept ? st->wd.path : NULL);

	json_object_set_new(doc, "memory",
			    json_pack("{s:o, s:o, s:o, s:o}", "populated_guest",
				      bytes_or_null(st->populated_guest), "populated_host",
				      bytes_or_null(st->populated_host), "source",
				      footprint_json(&st->fp_src, st->src.pid > 0), "destination",
				      footprint_json(&st->fp_dst, st->dst_started)));
	json_object_set_new(doc, "hang",
			    st->hang
				    ? json_pack("{s:s, s:s, s:O?, s:f, s:O?, s:f}", "stopped",
						st->hang_side ? st->hang_side : "neither", "report",
						st->hang_report, "source", st->seen_src.reply,
						"source_t", st->seen_src.t, "destination",
						st->seen_dst.reply, "destination_t", st->seen_dst.t)
				    : json_null());
	json_object_set_new(doc, "teardown_s",
			    json_pack("{s:o, s:o}", "source", teardown_s(&st->src), "destination",
				      teardown_s(&st->dst)));
	json_object_set(doc, "phases", st->phases);
	json_object_set(doc, "steps", st->steps);
	json_object_set(doc, "notes", st->notes);
	json_object_set(doc, "events", st->events ? st->events : json_null());
	json_object_set(doc, "agent", st->agent_log);
	json_object_set(doc, "invariants", st->invariants);
	json_object_set(doc, "not_checked", st->not_checked);
	json_object_set(doc, "samples", st->samples);
	return doc;
}

static void init(struct kmb_stress *st, const struct kmb_scenario *s,
		 const struct kmb_stress_opts *o)
{
	memset(st, 0, sizeof(*st));
	st->s = s;
	st->o = o;
	st->t0_ns = kmb_now_ns();
	st->stress_pid = -1;
	st->src.pid = st->dst.pid = -1;
	st->src.teardown_s = st->dst.teardown_s = -1;
	st->src.role = "source";
	st->dst.role = "destination";
	st->wd.lock_fd = -1;
	st->balloon_src = st->balloon_dst = st->balloon_target = -1;
	st->populated_guest = st->populated_host = -1;
	kmb_footprint_init(&st->fp_src);
	kmb_footprint_init(&st->fp_dst);
	st->verify_rc = -1;
	st->agent.fd = -1;
	snprintf(st->status, sizeof(st->status), "none");
	st->samples = json_array();
	st->phases = json_array();
	st->steps = json_array();
	st->notes = json_array();
	st->invariants = json_array();
	st->not_checked = json_array();
	st->agent_log = json_array();
}

static void release(struct kmb_stress *st)
{
	json_decref(st->samples);
	json_decref(st->phases);
	json_decref(st->steps);
	json_decref(st->notes);
	json_decref(st->invariants);
	json_decref(st->not_checked);
	json_decref(st->last_migrate);
	json_decref(st->seen_src.reply);
	json_decref(st->seen_dst.reply);
	json_decref(st->agent_log);
	json_decref(st->events);
}

int kmb_stress_run(const struct kmb_scenario *s, const struct kmb_stress_opts *o, json_t **result)
{
	struct kmb_stress *st = calloc(1, sizeof(*st));
	char err[512];
	int failed = 0, ret;

	if (!st)
		return KMB_EXIT_USAGE;
	init(st, s, o);
	if (o->img)
		st->img = *o->img;
	else if (kmb_image_prepare(&st->img, o->guest_kernel, err, sizeof(err)))
		fail(st, "%s", err);
	if (!st->error[0])
		run_phases(st);
	close_windows(st);
	/* Counted before teardown: the cgroups go away with it. */
	count_oom(st);
	if (!st->error[0])
		failed = kmb_invariants_evaluate(st);
	kmb_stress_step(st, "teardown", "stopping %s", st->dst_started ? "both QEMUs" : "QEMU");
	teardown(st);
	if (!st->error[0])
		failed += kmb_invariants_host_clean(st);
	*result = result_json(st, failed);
	ret = st->error[0] ? KMB_EXIT_USAGE : failed ? KMB_EXIT_FAIL : KMB_EXIT_OK;
	release(st);
	free(st);
	return ret;
}

int kmb_stress_recover(int verbose)
{
	return kmb_workdir_recover(verbose);
}

/* argv[0] as execvp would find it. */
static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char dir[4096], file[4400];
	const char *p, *colon;

	for (p = path ? path : "/usr/bin:/bin"; *p; p = *colon ? colon + 1 : colon) {
		colon = strchrnul(p, ':');
		snprintf(dir, sizeof(dir), "%.*s", (int)(colon - p), p);
		snprintf(file, sizeof(file), "%s/%s", *dir ? dir : ".", prog);
		if (access(file, X_OK) == 0)
			return true;
	}
	return false;
}

int kmb_stress_preflight(const struct kmb_scenario *sc, int n, const char *guest_kernel,
			 struct kmb_guest_image *img, char *err, size_t errlen)
{
	int i;

	if (kmb_image_prepare(img, guest_kernel, err, errlen))
		return -1;
	if (!in_path(img->qemu)) {
		snprintf(err, errlen, "%s: not found (install %s)", img->qemu,
			 strstr(img->qemu, "s390x") ? "qemu-system-misc" : "qemu-system-x86");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (sc[i].host.stress_ng[0] && !in_path("stress-ng")) {
			snprintf(err, errlen,
				 "scenario %s needs stress-ng: not found (install "
				 "stress-ng)",
				 sc[i].name);
			return -1;
		}
	}
	return 0;
}
