// SPDX-License-Identifier: GPL-2.0-only
/* kmb ab: the driver from a series to a report (see ab.h). */
#include "ab.h"
#include "arch.h"
#include "atomic.h"
#include "boot.h"
#include "build.h"
#include "cli.h"
#include "collect.h"
#include "image.h"
#include "paths.h"
#include "proc.h"
#include "report.h"
#include "rundir.h"
#include "series.h"
#include "source.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define AB_FORMAT "kvm-mm-bench/ab"
#define AB_SCHEMA 1
#define KVM_PROBE_S 60

static const char *const side_names[2] = { "base", "patched" };

struct ab_run {
	const struct kmb_ab_opts *o;
	struct kmb_ab_series *s;
	const struct kmb_ab_arch *arch;
	char dir[4096], work[4200], logs[4200];
	int lock_fd;
	json_t *ab;
	char kmb[4096];
	struct kmb_ab_source src;
	bool built;			/* the kernels come from a build here */
	char kernel[2][4300];		/* the image each side boots */
	char kernel_desc[2][700];	/* where it came from, for the labels */
	char moddir[4300];
	const char *accel;
	char accel_reason[600];
	struct kmb_ab_guest guest;
	const char *filter, *sizes;
};

static void save(struct ab_run *r)
{
	char path[4300];

	snprintf(path, sizeof(path), "%s/ab.json", r->dir);
	if (kmb_json_write_atomic(path, r->ab))
		kmb_perr("cannot write %s", path);
}

static int fail(struct ab_run *r, const char *stage, const char *err)
{
	json_object_set_new(r->ab, "status",
			    json_string(kmb_ab_stop ? "interrupted" : "failed"));
	json_object_set_new(r->ab, "error", json_pack("{s:s, s:s}", "stage", stage, "message",
						      err));
	kmb_err("%s: %s", stage, err);
	return -1;
}

static void path_in(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static int copy_file(const char *from, const char *to, char *err, size_t errlen)
{
	char *buf;
	struct stat st;
	int fd = open(from, O_RDONLY | O_CLOEXEC), ret = -1;

	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "cannot read %s: %s", from, strerror(errno));
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf && !kmb_read_all(fd, buf, (size_t)st.st_size) &&
	    !kmb_write_atomic(to, buf, (size_t)st.st_size))
		ret = 0;
	else
		snprintf(err, errlen, "cannot copy %s to %s: %s", from, to, strerror(errno));
	free(buf);
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* ---- the A/B directory ---- */

static int make_dir(struct ab_run *r, char *err, size_t errlen)
{
	const struct kmb_ab_opts *o = r->o;
	char id[300], stamp[32], top[4200], lock[4300];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(id, sizeof(id), "%s_%s_%s", stamp, r->s->name, r->arch->name);
	kmb_sanitize_name(id);
	if (o->out) {
		snprintf(r->dir, sizeof(r->dir), "%s", o->out);
		if (mkdir(r->dir, 0755) && (errno != EEXIST || rmdir(r->dir) || mkdir(r->dir, 0755))) {
			snprintf(err, errlen, "--out %s: must be a new or empty directory (%s)", o->out,
				 strerror(errno));
			return -1;
		}
	} else {
		snprintf(top, sizeof(top), "%s/ab", cli_results_root(o->results));
		if (kmb_mkdir_p(top, 0755)) {
			snprintf(err, errlen, "cannot create %s: %s", top, strerror(errno));
			return -1;
		}
		for (n = 1; n < 100; n++) {
			snprintf(r->dir, sizeof(r->dir), n > 1 ? "%s/%s-%d" : "%s/%s", top, id, n);
			if (!mkdir(r->dir, 0755))
				break;
			if (errno != EEXIST) {
				snprintf(err, errlen, "cannot create %s: %s", r->dir, strerror(errno));
				return -1;
			}
		}
	}
	path_in(lock, sizeof(lock), r->dir, ".lock");
	r->lock_fd = open(lock, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (r->lock_fd < 0 || flock(r->lock_fd, LOCK_EX | LOCK_NB)) {
		snprintf(err, errlen, "cannot lock %s: %s", lock, strerror(errno));
		return -1;
	}
	path_in(r->work, sizeof(r->work), r->dir, "work");
	path_in(r->logs, sizeof(r->logs), r->dir, "logs");
	if (mkdir(r->work, 0700) || mkdir(r->logs, 0755)) {
		snprintf(err, errlen, "cannot create %s/{work,logs}: %s", r->dir, strerror(errno));
		return -1;
	}
	return 0;
}

static json_t *series_json(const struct kmb_ab_series *s)
{
	json_t *steps = json_array(), *params = json_array(), *sysctl = json_array();
	static const char *const kinds[] = { "patch", "revert", "pick" };
	int i;

	for (i = 0; i < s->nsteps; i++)
		json_array_append_new(steps, json_pack("{s:s, s:s}", "kind", kinds[s->steps[i].kind],
						       "name", s->steps[i].name));
	for (i = 0; i < s->nparams; i++)
		json_array_append_new(params, json_string(s->params[i]));
	for (i = 0; i < s->nsysctls; i++)
		json_array_append_new(sysctl, json_sprintf("%s=%s", s->sysctls[i].key,
							   s->sysctls[i].value));
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:s?}", "name", s->name, "dir", s->dir,
			 "steps", steps, "cmdline", params, "sysctl", sysctl, "filter",
			 s->filter[0] ? s->filter : NULL);
}

static json_t *new_record(struct ab_run *r)
{
	char now[32];
	const struct kmb_ab_opts *o = r->o;

	kmb_utc_iso8601(now, sizeof(now));
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:n, s:i, s:s, s:o, s:{s:s?, s:s?, s:I, "
			 "s:b, s:I, s:i}}",
			 "format", AB_FORMAT, "schema_version", AB_SCHEMA, "dir", r->dir, "status",
			 "running", "start_time", now, "end_time", "pid", (int)getpid(), "arch",
			 r->arch->name, "series", series_json(r->s), "bench", "filter", r->filter,
			 "sizes", r->sizes, "repetitions", (json_int_t)o->repetitions,
			 "keep_knobs", r->s->nparams > 0 || r->s->nsysctls > 0, "memory_mib",
			 (json_int_t)o->memory_mib, "smp", o->smp);
}

/* ---- kernels ---- */

/* The fragments of kernel-patches/configs/ every build merges, in this order. */
#define AB_FRAGMENTS 3
static const char *fragment_name(const struct kmb_ab_arch *arch, int i)
{
	static const char *const own[AB_FRAGMENTS] = { "boot.config", NULL, "kmb.config" };

	return own[i] ? own[i] : arch->fragment;
}

static int build_kernels(struct ab_run *r)
{
	const struct kmb_ab_opts *o = r->o;
	char err[2048], tree[4300], obj[4400], log[4300], frag[4][4300], cfg[4400], dst[4300];
	struct kmb_ab_build_opts bo = { .arch = r->arch };
	struct kmb_ab_build_result res;
	json_t *builds = json_object(), *missing = NULL;
	int i, sides = kmb_ab_series_builds(r->s) ? 2 : 1, line;

	json_object_set_new(r->ab, "builds", builds);
	path_in(log, sizeof(log), r->logs, "source.log");
	kmb_ab_progress("source", "%s", o->tree ? o->tree : "Debian's linux-source package");
	if (kmb_ab_source_find(o->tree, o->base_rev, log, &r->src, err, sizeof(err)))
		return fail(r, "source", err);
	json_object_set_new(r->ab, "source", kmb_ab_source_json(&r->src));
	kmb_ab_progress("source", "%s (Linux %s) at %s", r->src.describe, r->src.version,
			r->src.path);
	if (r->src.kind != KMB_AB_SRC_GIT && kmb_ab_series_needs_git(r->s, &line)) {
		snprintf(err, sizeof(err), "%s:%d: revert and pick need a git tree (--tree DIR of "
					   "a git checkout); the source is %s",
			 r->s->file, line, r->src.describe);
		return fail(r, "source", err);
	}
	path_in(tree, sizeof(tree), r->work, "src");
	kmb_ab_progress("copy", "scratch copy of the source in %s", tree);
	if (kmb_ab_source_copy(&r->src, tree, log, err, sizeof(err)))
		return fail(r, "copy", err);
	save(r);

	/* O= right below the source: Kbuild then names sources relatively (ccache hits). */
	path_in(obj, sizeof(obj), tree, ".kmb-build");
	bo.tree = tree;
	bo.objdir = obj;
	bo.base_config = o->base_config ? o->base_config : "tinyconfig";
	bo.jobs = o->jobs;
	bo.nice = o->nice;
	for (i = 0; i < AB_FRAGMENTS; i++) {
		snprintf(frag[i], sizeof(frag[i]), "%s/%s", kmb_file_path(KMB_FILE_KERNEL_CONFIGS),
			 fragment_name(r->arch, i));
		bo.fragments[bo.nfragments++] = frag[i];
	}
	bo.nrequired = 2;
	for (i = 0; i < o->nfragments && bo.nfragments < KMB_AB_MAX_FRAGMENTS; i++)
		bo.fragments[bo.nfragments++] = o->fragments[i];
	path_in(log, sizeof(log), r->logs, "config.log");
	bo.log = log;
	bo.stage = "configure";
	kmb_ab_progress("configure", "%s + kernel-patches/configs (boot, %s, kmb)%s for %s",
			bo.base_config, r->arch->fragment, o->nfragments ? " + yours" : "",
			r->arch->karch);
	if (kmb_ab_configure(&bo, &missing, err, sizeof(err))) {
		json_decref(missing);
		return fail(r, "configure", err);
	}
	json_object_set_new(r->ab, "config", json_pack("{s:s, s:o}", "base", bo.base_config,
							"missing", missing));
	if (json_array_size(missing)) {
		char *list = json_dumps(missing, JSON_COMPACT);

		kmb_ab_progress("configure", "options this kernel does not keep: %s", list);
		free(list);
	}
	for (i = 0; i < sides; i++) {
		char stage[32];

		snprintf(stage, sizeof(stage), "build %s", side_names[i]);
		if (i == 1) {
			path_in(log, sizeof(log), r->logs, "apply.log");
			kmb_ab_progress("apply", "series %s to the scratch copy", r->s->name);
			if (kmb_ab_series_apply(r->s, &r->src, tree, log, err, sizeof(err)))
				return fail(r, "apply", err);
		}
		snprintf(dst, sizeof(dst), "%s/build-%s.log", r->logs, side_names[i]);
		bo.log = dst;
		bo.stage = stage;
		kmb_ab_progress(stage, "make -j%d %s (log %s)", o->jobs, r->arch->target, dst);
		if (kmb_ab_build(&bo, &res, err, sizeof(err)))
			return fail(r, stage, err);
		kmb_ab_progress(stage, "%s in %.1f s wall, %.1f s user, %.1f s sys (%s)",
				res.release, res.wall_s, res.user_s, res.sys_s, res.compiler);
		json_object_set_new(builds, side_names[i], kmb_ab_build_json(&res));
		snprintf(r->kernel[i], sizeof(r->kernel[i]), "%s/kernel-%s", r->work, side_names[i]);
		snprintf(cfg, sizeof(cfg), "%s/.config", obj);
		snprintf(dst, sizeof(dst), "%s/config-%s", r->dir, side_names[i]);
		if (copy_file(res.image, r->kernel[i], err, sizeof(err)) ||
		    copy_file(cfg, dst, err, sizeof(err)))
			return fail(r, stage, err);
		snprintf(r->kernel_desc[i], sizeof(r->kernel_desc[i]), "%s%s%s", r->src.describe,
			 i ? " + " : "", i ? r->s->name : "");
		save(r);
	}
	if (sides == 1) {
		snprintf(r->kernel[1], sizeof(r->kernel[1]), "%s", r->kernel[0]);
		snprintf(r->kernel_desc[1], sizeof(r->kernel_desc[1]), "%s", r->kernel_desc[0]);
	}
	r->built = true;
	return 0;
}

/* Settings only: one kernel for both sides, given or Debian's. */
static int find_kernel(struct ab_run *r)
{
	char err[1024], path[4300], log[4300], pkg[4400], *text;
	struct kmb_ab_cmd c;
	const char *argv[8];

	if (r->o->kernel) {
		if (access(r->o->kernel, R_OK)) {
			snprintf(err, sizeof(err), "--kernel %s: %s", r->o->kernel, strerror(errno));
			return fail(r, "kernel", err);
		}
		snprintf(path, sizeof(path), "%s", r->o->kernel);
	} else {
		snprintf(log, sizeof(log), "%s/fetch-guest-kernel.log", r->logs);
		argv[0] = "bash";
		argv[1] = kmb_file_path(KMB_FILE_FETCH_KERNEL);
		argv[2] = "--arch";
		argv[3] = r->arch->name;
		argv[4] = NULL;
		c = (struct kmb_ab_cmd){ .argv = argv, .log = log };
		kmb_ab_progress("kernel", "Debian's %s kernel (%s)", r->arch->name, argv[1]);
		if (kmb_ab_capture(&c, path, sizeof(path), err, sizeof(err)))
			return fail(r, "kernel", err);
		if (strrchr(path, '\n'))
			memmove(path, strrchr(path, '\n') + 1, strlen(strrchr(path, '\n')));
	}
	snprintf(r->kernel[0], sizeof(r->kernel[0]), "%s", path);
	snprintf(r->kernel[1], sizeof(r->kernel[1]), "%s", path);
	snprintf(pkg, sizeof(pkg), "%s", path);
	if (strrchr(pkg, '/'))
		snprintf(strrchr(pkg, '/'), sizeof(pkg) - (size_t)(strrchr(pkg, '/') - pkg),
			 "/package");
	text = kmb_read_text(pkg);
	snprintf(r->kernel_desc[0], sizeof(r->kernel_desc[0]), "%s%s%s",
		 text ? strtok(text, "\n") : path, text ? " " : "", text ? "(Debian package)" : "");
	free(text);
	snprintf(r->kernel_desc[1], sizeof(r->kernel_desc[1]), "%s", r->kernel_desc[0]);
	kmb_kernel_moddir(path, r->moddir, sizeof(r->moddir));
	json_object_set_new(r->ab, "kernel", json_pack("{s:s, s:s, s:s}", "image", path,
						       "describe", r->kernel_desc[0], "modules",
						       r->moddir));
	kmb_ab_progress("kernel", "%s (%s)", path, r->kernel_desc[0]);
	return 0;
}

/* ---- the sides ---- */

static void side_labels(struct ab_run *r, int i, json_t *manifest, json_t **labels)
{
	const struct kmb_ab_opts *o = r->o;
	char params[4096] = "", sysctl[4096] = "";
	const char *release = json_string_value(json_object_get(
		json_object_get(json_object_get(manifest, "environment"), "kernel"), "release"));
	int k;

	if (i == 1) {
		kmb_ab_series_cmdline(r->s, params, sizeof(params));
		for (k = 0; k < r->s->nsysctls; k++)
			snprintf(sysctl + strlen(sysctl), sizeof(sysctl) - strlen(sysctl), "%s%s=%s",
				 k ? ", " : "", r->s->sysctls[k].key, r->s->sysctls[k].value);
	}
	*labels = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "side", side_names[i], "label",
			    i ? o->label_patched : o->label_base, "release",
			    release ? release : "?", "source", r->kernel_desc[i], "series",
			    i ? r->s->name : "none", "cmdline", params[0] ? params : "-", "sysctl",
			    sysctl[0] ? sysctl : "-");
}

/* Check the run that came out and label its manifest. */
static int accept_run(struct ab_run *r, int i, const char *run_dir, json_t *side, char *err,
		      size_t errlen)
{
	char path[4300];
	json_t *m = kmb_rundir_load_manifest(run_dir, err, errlen), *labels;
	const char *label;

	if (!m)
		return -1;
	label = json_string_value(json_object_get(m, "label"));
	if (!label || strcmp(label, i ? r->o->label_patched : r->o->label_base)) {
		snprintf(err, errlen, "%s/manifest.json: label \"%s\", expected \"%s\"", run_dir,
			 label ? label : "(none)", i ? r->o->label_patched : r->o->label_base);
		json_decref(m);
		return -1;
	}
	side_labels(r, i, m, &labels);
	json_object_set(m, "ab", labels);
	json_object_set_new(side, "labels", labels);
	json_object_set(side, "run_id", json_object_get(m, "run_id"));
	json_object_set(side, "proc_cmdline",
			json_object_get(json_object_get(json_object_get(m, "environment"),
							"kernel"),
					"cmdline"));
	path_in(path, sizeof(path), run_dir, "manifest.json");
	if (kmb_json_write_atomic(path, m)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		json_decref(m);
		return -1;
	}
	json_decref(m);
	return 0;
}

static void decide_accel(struct ab_run *r)
{
	const char *want = r->o->accel ? r->o->accel : "auto";
	struct utsname u;

	uname(&u);
	if (!strcmp(want, "kvm") || !strcmp(want, "tcg")) {
		r->accel = !strcmp(want, "kvm") ? "kvm" : "tcg";
		snprintf(r->accel_reason, sizeof(r->accel_reason), "asked for (--accel %s)", want);
	} else if (!r->arch->native) {
		r->accel = "tcg";
		snprintf(r->accel_reason, sizeof(r->accel_reason),
			 "tcg: the guest is %s, the host %s", r->arch->name, u.machine);
	} else if (access("/dev/kvm", R_OK | W_OK)) {
		r->accel = "tcg";
		snprintf(r->accel_reason, sizeof(r->accel_reason),
			 "tcg: /dev/kvm missing or not accessible: %s", strerror(errno));
	} else {
		r->accel = NULL; /* probe: the first boot tries KVM */
	}
}

static int run_side(struct ab_run *r, int i)
{
	const struct kmb_ab_opts *o = r->o;
	const char *name = side_names[i];
	char err[4096], conf[4400], initrd[4400], log[4300], console[4300], xfer[4400],
		qlog[4300], run_dir[4300], extra[4096] = "", stage[48];
	struct kmb_ab_side_conf sc = {
		.label = i ? o->label_patched : o->label_base,
		.filter = r->filter,
		.sizes = r->sizes,
		.repetitions = o->repetitions,
		.keep_knobs = r->s->nparams > 0 || r->s->nsysctls > 0,
		.sysctls_from = i ? r->s : NULL,
	};
	struct kmb_ab_boot b = { 0 };
	json_t *side = json_object(), *xfer_rec = json_object();
	bool not_ready;
	int rc;

	json_object_set_new(json_object_get(r->ab, "sides"), name, side);
	json_object_set_new(side, "transfer", xfer_rec);
	snprintf(conf, sizeof(conf), "%s/%s/conf", r->work, name);
	snprintf(initrd, sizeof(initrd), "%s/%s/initrd.gz", r->work, name);
	snprintf(log, sizeof(log), "%s/image-%s.log", r->logs, name);
	snprintf(stage, sizeof(stage), "image %s", name);
	kmb_ab_progress("image", "%s: initramfs with kmb (label \"%s\")%s", name, sc.label,
			sc.keep_knobs ? ", --keep-knobs" : "");
	if (kmb_ab_image_build(&r->guest, &sc, conf, initrd, log, err, sizeof(err)))
		return fail(r, stage, err);
	if (i == 1)
		kmb_ab_series_cmdline(r->s, extra, sizeof(extra));
	snprintf(console, sizeof(console), "%s/%s-console.log", r->logs, name);
	snprintf(xfer, sizeof(xfer), "%s/%s/transfer.log", r->work, name);
	snprintf(qlog, sizeof(qlog), "%s/%s-qemu.log", r->logs, name);
	b = (struct kmb_ab_boot){
		.arch = r->arch,
		.kernel = r->kernel[i],
		.initrd = initrd,
		.extra_cmdline = extra,
		.memory_mib = o->memory_mib,
		.smp = o->smp,
		.ready_timeout_s = o->ready_timeout_s,
		.timeout_s = o->timeout_s,
		.verbose = o->verbose,
		.side = name,
		.console_log = console,
		.xfer_log = xfer,
		.qemu_log = qlog,
	};
	snprintf(stage, sizeof(stage), "boot %s", name);
	rc = -1;
	if (!r->accel) {
		/* The first boot is the probe: KVM if the guest comes up under it. */
		b.accel = "kvm";
		b.ready_timeout_s = KVM_PROBE_S < o->ready_timeout_s ? KVM_PROBE_S
								       : o->ready_timeout_s;
		rc = kmb_ab_boot_run(&b, &not_ready, err, sizeof(err));
		b.ready_timeout_s = o->ready_timeout_s;
		if (rc == 0 || !not_ready) {
			r->accel = "kvm";
			snprintf(r->accel_reason, sizeof(r->accel_reason),
				 "kvm: the guest came up under KVM");
			if (rc)
				return fail(r, stage, err);
		} else {
			r->accel = "tcg";
			snprintf(r->accel_reason, sizeof(r->accel_reason),
				 "tcg: under KVM the guest did not come up within %d s (%.300s)",
				 KVM_PROBE_S, err);
			kmb_ab_progress("boot", "%s", r->accel_reason);
		}
	}
	if (rc) {
		b.accel = r->accel;
		if (kmb_ab_boot_run(&b, &not_ready, err, sizeof(err)))
			return fail(r, stage, err);
	}
	json_object_set_new(side, "accel", json_string(r->accel));
	json_object_set_new(side, "accel_reason", json_string(r->accel_reason));
	json_object_set_new(side, "kernel", json_string(r->kernel[i]));
	json_object_set_new(side, "cmdline", json_string(b.cmdline));
	json_object_set_new(side, "clocksource", json_string(b.clocksource));
	json_object_set_new(side, "ready_s", json_real(b.ready_s));
	json_object_set_new(side, "guest_uptime_s", json_real(b.guest_uptime_s));
	json_object_set_new(side, "run_s", json_real(b.run_s));
	save(r);
	snprintf(stage, sizeof(stage), "collect %s", name);
	path_in(run_dir, sizeof(run_dir), r->dir, name);
	if (kmb_ab_collect(xfer, run_dir, r->logs, name, xfer_rec, err, sizeof(err))) {
		char keep[4300];

		/* The raw transfer stays for a look. */
		snprintf(keep, sizeof(keep), "%s/%s-transfer.log", r->logs, name);
		rename(xfer, keep);
		return fail(r, stage, err);
	}
	json_object_set(side, "bench_exit", json_object_get(xfer_rec, "bench_exit"));
	if (accept_run(r, i, run_dir, side, err, sizeof(err))) {
		char benerr[4400], tail[400];

		/* Why kmb bench did not finish its run, in its own words. */
		snprintf(benerr, sizeof(benerr), "%s/%s-bench.err", r->logs, name);
		kmb_ab_tail(benerr, 0, 2, tail, sizeof(tail));
		if (tail[0])
			snprintf(err + strlen(err), sizeof(err) - strlen(err),
				 "; kmb bench in the guest said: %s", tail);
		return fail(r, stage, err);
	}
	kmb_ab_progress("collect", "%s: %zu files, checksums verified, kmb bench exit %lld, "
				   "run %s",
			name, json_array_size(json_object_get(xfer_rec, "files")),
			(long long)json_integer_value(json_object_get(xfer_rec, "bench_exit")),
			run_dir);
	save(r);
	return 0;
}

/* ---- recovery and cleanup ---- */

static bool owner_gone(const char *dir)
{
	char path[4300];
	int fd;
	bool gone;

	path_in(path, sizeof(path), dir, ".lock");
	fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false; /* no lock of ours: not ours to touch */
	gone = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return gone;
}

int kmb_ab_recover(const char *results, bool verbose)
{
	char top[4200], dir[4500], path[4600];
	struct dirent *de;
	struct stat st;
	int n = 0;
	DIR *d;

	snprintf(top, sizeof(top), "%s/ab", results);
	d = opendir(top);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		json_t *ab;
		const char *format, *status;

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", top, de->d_name);
		path_in(path, sizeof(path), dir, "ab.json");
		if (lstat(path, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
			continue;
		ab = json_load_file(path, 0, NULL);
		format = json_string_value(json_object_get(ab, "format"));
		status = json_string_value(json_object_get(ab, "status"));
		if (format && !strcmp(format, AB_FORMAT) && status && !strcmp(status, "running") &&
		    owner_gone(dir)) {
			path_in(path, sizeof(path), dir, "work");
			if (!lstat(path, &st) && S_ISDIR(st.st_mode))
				kmb_rm_rf(path);
			json_object_set_new(ab, "status", json_string("interrupted"));
			json_object_set_new(ab, "end_reason",
					    json_string("kmb ab ended before the A/B finished "
							"(killed or crashed); its scratch tree was "
							"removed later"));
			path_in(path, sizeof(path), dir, "ab.json");
			kmb_json_write_atomic(path, ab);
			if (verbose)
				fprintf(stderr, "%s: marked %s interrupted, removed its work/\n",
					kmb_progname(), dir);
			n++;
		}
		json_decref(ab);
	}
	closedir(d);
	return n;
}

static void finish(struct ab_run *r, int status)
{
	char now[32];

	if (r->work[0] && !r->o->keep_work) {
		kmb_ab_progress("cleanup", "removing the scratch tree %s", r->work);
		kmb_rm_rf(r->work);
	} else if (r->work[0]) {
		kmb_ab_progress("cleanup", "kept the scratch tree %s (--keep-work)", r->work);
	}
	kmb_utc_iso8601(now, sizeof(now));
	json_object_set_new(r->ab, "end_time", json_string(now));
	json_object_set_new(r->ab, "exit_status", json_integer(status));
	if (!strcmp(json_string_value(json_object_get(r->ab, "status")), "running"))
		json_object_set_new(r->ab, "status", json_string("complete"));
	save(r);
	if (r->lock_fd >= 0)
		close(r->lock_fd);
}

/* ---- apply only ---- */

static int apply_only(const struct kmb_ab_opts *o, struct kmb_ab_series *s)
{
	struct kmb_ab_source src;
	char err[4096], log[4300];
	int ret = KMB_EXIT_USAGE;

	if (!access(o->apply_only, F_OK)) {
		kmb_err("--apply-only %s: already exists (give a new path)", o->apply_only);
		return KMB_EXIT_USAGE;
	}
	snprintf(log, sizeof(log), "%s.kmb-apply.log", o->apply_only);
	if (kmb_ab_source_find(o->tree, o->base_rev, log, &src, err, sizeof(err)) ||
	    kmb_ab_source_copy(&src, o->apply_only, log, err, sizeof(err)) ||
	    kmb_ab_series_apply(s, &src, o->apply_only, log, err, sizeof(err))) {
		kmb_err("%s", err);
		kmb_rm_rf(o->apply_only);
	} else {
		kmb_ab_progress("apply", "series %s applied to %s (a %s copy of %s)", s->name,
				o->apply_only, kmb_ab_source_kind_name(src.kind), src.describe);
		ret = KMB_EXIT_OK;
	}
	unlink(log);
	return ret;
}

/* ---- the whole A/B ---- */

static int the_ab(struct ab_run *r)
{
	char err[2048], log[4300];
	int i;

	if (kmb_ab_series_builds(r->s) || r->o->tree) {
		if (build_kernels(r))
			return KMB_EXIT_USAGE;
	} else if (find_kernel(r)) {
		return KMB_EXIT_USAGE;
	}
	if (r->built)
		r->moddir[0] = '\0';
	path_in(log, sizeof(log), r->logs, "guest.log");
	if (kmb_ab_guest_prepare(&r->guest, r->arch, r->o->guest_kmb, log, err, sizeof(err))) {
		fail(r, "guest", err);
		return KMB_EXIT_USAGE;
	}
	snprintf(r->guest.moddir, sizeof(r->guest.moddir), "%s", r->moddir);
	if (!r->arch->native || r->o->guest_kmb)
		kmb_ab_progress("guest", "kmb for %s: %s", r->arch->name, r->guest.kmb);
	decide_accel(r);
	json_object_set_new(r->ab, "sides", json_object());
	for (i = 0; i < 2; i++) {
		if (run_side(r, i))
			return KMB_EXIT_USAGE;
	}
	json_object_set_new(r->ab, "accel", json_pack("{s:s, s:s}", "name", r->accel, "reason",
						      r->accel_reason));
	return 0;
}

static long long bench_exit(const struct ab_run *r, const char *side)
{
	return json_integer_value(json_object_get(
		json_object_get(json_object_get(r->ab, "sides"), side), "bench_exit"));
}

/*
 * The files of kmb's own this A/B will use (lib/paths.h) are there: a missing
 * one is named before the first kernel is built, not after.
 */
static int shipped_check(const struct ab_run *r, char *err, size_t errlen)
{
	int i;

	if (kmb_ab_series_builds(r->s) || r->o->tree) {
		for (i = 0; i < AB_FRAGMENTS; i++) {
			if (kmb_ab_need_file(KMB_FILE_KERNEL_CONFIGS, fragment_name(r->arch, i),
					     err, errlen))
				return -1;
		}
	} else if (!r->o->kernel && kmb_ab_need_file(KMB_FILE_FETCH_KERNEL, NULL, err, errlen)) {
		return -1;
	}
	return kmb_ab_guest_check(r->arch, r->o->guest_kmb, err, errlen);
}

int kmb_ab_main(const struct kmb_ab_opts *given)
{
	struct kmb_ab_opts opts = *given, *o = &opts;
	struct ab_run r = { .o = o, .lock_fd = -1 };
	char err[4096], root[4300], *text;
	int status, rc;
	ssize_t n;

	/* An outer make's jobserver does not reach the kernel's make. */
	unsetenv("MAKEFLAGS");
	unsetenv("MFLAGS");
	unsetenv("MAKELEVEL");
	kmb_ab_install_signals();
	r.arch = kmb_ab_arch_get(o->arch);
	if (!r.arch) {
		kmb_err("no guest setup for arch '%s' (x86_64 and s390x are known)", o->arch);
		return KMB_EXIT_USAGE;
	}
	r.s = calloc(1, sizeof(*r.s));
	snprintf(root, sizeof(root), "%s", kmb_file_path(KMB_FILE_SERIES));
	if (!r.s || kmb_ab_series_load(o->series, root, r.s, err, sizeof(err))) {
		kmb_err("%s", r.s ? err : "out of memory");
		free(r.s);
		return KMB_EXIT_USAGE;
	}
	if (!o->label_patched)
		o->label_patched = r.s->name;
	if (o->apply_only) {
		status = apply_only(o, r.s);
		free(r.s);
		return status;
	}
	if (!kmb_ab_series_builds(r.s) && (o->base_rev && !o->tree)) {
		kmb_err("--base needs --tree");
		free(r.s);
		return KMB_EXIT_USAGE;
	}
	if (o->kernel && (kmb_ab_series_builds(r.s) || o->tree)) {
		kmb_err("--kernel is for series of cmdline/sysctl lines without --tree; series %s "
			"changes the kernel, so it is built from source",
			r.s->name);
		free(r.s);
		return KMB_EXIT_USAGE;
	}
	if (shipped_check(&r, err, sizeof(err))) {
		kmb_err("%s", err);
		free(r.s);
		return KMB_EXIT_USAGE;
	}
	r.filter = o->filter ? o->filter : r.s->filter[0] ? r.s->filter
							   : "^(zeropage|thp|reference)/";
	r.sizes = o->sizes ? o->sizes : "64M";
	n = readlink("/proc/self/exe", r.kmb, sizeof(r.kmb) - 1);
	r.kmb[n > 0 ? n : 0] = '\0';
	kmb_ab_recover(cli_results_root(o->results), true);
	if (make_dir(&r, err, sizeof(err))) {
		kmb_err("%s", err);
		free(r.s);
		return KMB_EXIT_USAGE;
	}
	r.ab = new_record(&r);
	save(&r);
	kmb_ab_series_cmdline(r.s, root, sizeof(root));
	kmb_ab_progress("series", "%s: %d patch/revert/pick step(s), cmdline \"%s\", %d sysctl(s); "
				  "writing %s",
			r.s->name, r.s->nsteps, root, r.s->nsysctls, r.dir);
	status = the_ab(&r);
	if (status == 0) {
		kmb_ab_progress("compare", "kmb compare base patched (text, md, html, json)");
		rc = kmb_ab_report(r.dir, r.ab, r.kmb, err, sizeof(err));
		status = rc;
		if (rc == 2)
			fail(&r, "compare", err);
		else if (status == 0 && bench_exit(&r, "patched") == 1 && bench_exit(&r, "base") == 0)
			status = 1; /* a benchmark failed (its census) on the patched kernel only */
	}
	if (kmb_ab_stop && status != 2) {
		fail(&r, "stop", "stopped by a signal");
		status = KMB_EXIT_USAGE;
	}
	finish(&r, status);
	if (status != KMB_EXIT_USAGE || json_object_get(r.ab, "compare")) {
		snprintf(root, sizeof(root), "%s/report.txt", r.dir);
		text = kmb_read_text(root);
		if (text) {
			fputs("\n", stdout);
			fputs(text, stdout);
			free(text);
		}
		kmb_ab_progress("done", "exit %d; report in %s/report.{txt,md,html,json}, record %s/"
					"ab.json",
				status, r.dir, r.dir);
	} else {
		kmb_ab_progress("done", "failed (exit 2); record and logs in %s", r.dir);
	}
	json_decref(r.ab);
	free(r.s);
	return status;
}
