// SPDX-License-Identifier: GPL-2.0-only
#include "build.h"
#include "proc.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_MAKE_ARGS 24

struct make_argv {
	const char *argv[MAX_MAKE_ARGS + 8];
	char obj[4200], arch[64], cross[128], cc[160], hostcc[160], jobs[32];
	char basedir[4200];
	const char *env[3];
	int n;
};

static bool use_ccache(void)
{
	const char *off = getenv("KMB_AB_NO_CCACHE");

	return !(off && *off && strcmp(off, "0")) && kmb_ab_have("ccache");
}

/* make -C tree O=obj ARCH=.. [CROSS_COMPILE=..] CC=.. HOSTCC=.. */
static void make_base(struct make_argv *m, const struct kmb_ab_build_opts *o)
{
	bool ccache = use_ccache();

	m->n = 0;
	m->argv[m->n++] = "make";
	m->argv[m->n++] = "-C";
	m->argv[m->n++] = o->tree;
	snprintf(m->obj, sizeof(m->obj), "O=%s", o->objdir);
	m->argv[m->n++] = m->obj;
	snprintf(m->arch, sizeof(m->arch), "ARCH=%s", o->arch->karch);
	m->argv[m->n++] = m->arch;
	if (o->arch->cross[0]) {
		snprintf(m->cross, sizeof(m->cross), "CROSS_COMPILE=%s", o->arch->cross);
		m->argv[m->n++] = m->cross;
	}
	/* The same CC for configuring and building, or Kconfig runs again. */
	snprintf(m->cc, sizeof(m->cc), "CC=%s%sgcc", ccache ? "ccache " : "", o->arch->cross);
	m->argv[m->n++] = m->cc;
	snprintf(m->hostcc, sizeof(m->hostcc), "HOSTCC=%sgcc", ccache ? "ccache " : "");
	m->argv[m->n++] = m->hostcc;
	m->argv[m->n++] = "KBUILD_BUILD_USER=kmb";
	m->argv[m->n++] = "KBUILD_BUILD_HOST=kmb-ab";
	/*
	 * Every A/B builds in a scratch copy of its own. kbuild's paths are
	 * relative already (the build directory lies inside the copy); these
	 * cover the rest, absolute paths and the working directory that ccache
	 * hashes for builds with debug info, so one A/B's objects serve the
	 * next A/B of the same source and config.
	 */
	m->env[0] = NULL;
	if (ccache) {
		snprintf(m->basedir, sizeof(m->basedir), "CCACHE_BASEDIR=%s", o->tree);
		m->env[0] = m->basedir;
		m->env[1] = "CCACHE_NOHASHDIR=true";
		m->env[2] = NULL;
	}
}

static int make_run(struct make_argv *m, const struct kmb_ab_build_opts *o, int nice,
		    const char *const *targets, char *err, size_t errlen)
{
	struct kmb_ab_cmd c = { .argv = m->argv, .log = o->log, .nice = nice, .stage = o->stage,
				.heartbeat_s = 60, .env = m->env };
	int n = m->n;

	while (*targets && n < MAX_MAKE_ARGS + 6)
		m->argv[n++] = *targets++;
	m->argv[n] = NULL;
	return kmb_ab_run(&c, err, errlen) ? -1 : 0;
}

/* Value of CONFIG_name in .config text: "y", "m", a value, or "n" (unset/absent). */
static void config_value(const char *text, const char *name, char *buf, size_t len)
{
	char key[160];
	const char *p;
	size_t klen;

	snprintf(key, sizeof(key), "\n%s=", name);
	klen = strlen(key);
	p = strstr(text, key);
	if (!p && !strncmp(text, key + 1, klen - 1))
		p = text - 1;
	if (!p) {
		snprintf(buf, len, "n");
		return;
	}
	p += klen;
	snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p);
}

/*
 * Every option a fragment sets, checked against the final .config. A
 * required one that did not hold is an error; wanted ones go to missing.
 */
static int check_fragment(const char *fragment, const char *config, bool required,
			  json_t *missing, char *err, size_t errlen)
{
	char *text = kmb_read_text(fragment), *line, *save, name[128], want[128], have[128];

	if (!text) {
		snprintf(err, errlen, "cannot read %s: %s", fragment, strerror(errno));
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *eq = strchr(line, '=');

		if (!strncmp(line, "CONFIG_", 7) && eq && eq - line < (long)sizeof(name)) {
			snprintf(name, sizeof(name), "%.*s", (int)(eq - line), line);
			snprintf(want, sizeof(want), "%s", eq + 1);
		} else if (sscanf(line, "# %127s is not set", name) == 1 &&
			   !strncmp(name, "CONFIG_", 7)) {
			snprintf(want, sizeof(want), "n");
		} else {
			continue;
		}
		config_value(config, name, have, sizeof(have));
		if (!strcmp(want, have))
			continue;
		if (required) {
			snprintf(err, errlen, "the kernel config has %s=%s, but the guest needs "
					      "%s=%s (%s); does this kernel version or arch have it?",
				 name, have, name, want, fragment);
			free(text);
			return -1;
		}
		json_array_append_new(missing, json_sprintf("%s=%s (now: %s)", name, want, have));
	}
	free(text);
	return 0;
}

int kmb_ab_configure(const struct kmb_ab_build_opts *o, json_t **missing, char *err,
		     size_t errlen)
{
	struct make_argv m;
	char config[4300], merge[4300], *text;
	const char *argv[KMB_AB_MAX_FRAGMENTS + 8];
	struct kmb_ab_cmd c = { .argv = argv, .cwd = o->tree, .log = o->log };
	int i, n = 0;

	*missing = json_array();
	make_base(&m, o);
	if (make_run(&m, o, 0, (const char *const[]){ o->base_config, NULL }, err, errlen))
		return -1;
	snprintf(merge, sizeof(merge), "%s/scripts/kconfig/merge_config.sh", o->tree);
	snprintf(config, sizeof(config), "%s/.config", o->objdir);
	argv[n++] = "sh";
	argv[n++] = merge;
	argv[n++] = "-m";
	argv[n++] = "-O";
	argv[n++] = o->objdir;
	argv[n++] = config;
	for (i = 0; i < o->nfragments; i++)
		argv[n++] = o->fragments[i];
	argv[n] = NULL;
	if (kmb_ab_run(&c, err, errlen))
		return -1;
	make_base(&m, o);
	if (make_run(&m, o, 0, (const char *const[]){ "olddefconfig", NULL }, err, errlen))
		return -1;
	text = kmb_read_text(config);
	if (!text) {
		snprintf(err, errlen, "no %s after olddefconfig", config);
		return -1;
	}
	for (i = 0; i < o->nfragments; i++) {
		if (check_fragment(o->fragments[i], text, i < o->nrequired, *missing, err,
				   errlen)) {
			free(text);
			return -1;
		}
	}
	free(text);
	return 0;
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int kmb_ab_build(const struct kmb_ab_build_opts *o, struct kmb_ab_build_result *r, char *err,
		 size_t errlen)
{
	struct rusage before, after;
	struct make_argv m;
	uint64_t t0;
	int ret;

	memset(r, 0, sizeof(*r));
	r->compiler = use_ccache() ? "ccache gcc" : "gcc";
	make_base(&m, o);
	snprintf(m.jobs, sizeof(m.jobs), "-j%d", o->jobs > 0 ? o->jobs : 1);
	getrusage(RUSAGE_CHILDREN, &before);
	t0 = kmb_now_ns();
	ret = make_run(&m, o, o->nice, (const char *const[]){ m.jobs, o->arch->target, NULL },
		       err, errlen);
	r->wall_s = (double)(kmb_now_ns() - t0) / 1e9;
	getrusage(RUSAGE_CHILDREN, &after);
	r->user_s = tv_s(after.ru_utime) - tv_s(before.ru_utime);
	r->sys_s = tv_s(after.ru_stime) - tv_s(before.ru_stime);
	if (ret && !kmb_ab_stop) {
		char tail[600];

		kmb_ab_tail(o->log, 0, 6, tail, sizeof(tail));
		snprintf(err, errlen, "kernel build failed (log %s): %s", o->log, tail);
		return -1;
	}
	if (ret)
		return -1;
	snprintf(r->image, sizeof(r->image), "%s/%s", o->objdir, o->arch->image);
	if (access(r->image, R_OK)) {
		snprintf(err, errlen, "the build made no %s", r->image);
		return -1;
	}
	make_base(&m, o);
	m.argv[m.n++] = "-s";
	m.argv[m.n++] = "kernelrelease";
	m.argv[m.n] = NULL;
	{
		struct kmb_ab_cmd c = { .argv = m.argv, .log = o->log };

		if (kmb_ab_capture(&c, r->release, sizeof(r->release), err, errlen))
			return -1;
	}
	return 0;
}

json_t *kmb_ab_build_json(const struct kmb_ab_build_result *r)
{
	return json_pack("{s:f, s:f, s:f, s:s, s:s}", "wall_s", r->wall_s, "user_s", r->user_s,
			 "sys_s", r->sys_s, "release", r->release, "compiler",
			 r->compiler ? r->compiler : "gcc");
}
