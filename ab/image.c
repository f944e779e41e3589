// SPDX-License-Identifier: GPL-2.0-only
#include "image.h"
#include "atomic.h"
#include "proc.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KMB_SRCDIR
#define KMB_SRCDIR "."
#endif
#ifndef KMB_GUEST_DIR
#define KMB_GUEST_DIR "stress/guest"
#endif

const char *kmb_ab_srcdir(void)
{
	const char *env = getenv("KMB_SRCDIR");

	return env && *env ? env : KMB_SRCDIR;
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void add_libdir(struct kmb_ab_guest *g, const char *fmt, const char *a)
{
	if (g->nlibdirs < KMB_AB_MAX_LIBDIRS)
		snprintf(g->libdirs[g->nlibdirs++], sizeof(g->libdirs[0]), fmt, a);
}

/* Run a helper script of the source tree; its last stdout line into out. */
static int run_script(const char *script, const char *const *args, const char *log, char *out,
		      size_t outlen, char *err, size_t errlen)
{
	char path[4200], buf[8192], *last;
	const char *argv[16];
	struct kmb_ab_cmd c = { .argv = argv, .log = log };
	int n = 0;

	snprintf(path, sizeof(path), "%s/scripts/%s", kmb_ab_srcdir(), script);
	argv[n++] = "bash";
	argv[n++] = path;
	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (kmb_ab_capture(&c, buf, sizeof(buf), err, errlen)) {
		char tail[400];

		kmb_ab_tail(log, 0, 3, tail, sizeof(tail));
		snprintf(err + strlen(err), errlen - strlen(err), " (%s)", tail);
		return -1;
	}
	last = strrchr(buf, '\n');
	snprintf(out, outlen, "%s", last ? last + 1 : buf);
	return 0;
}

static int prepare_native(struct kmb_ab_guest *g, const char *guest_kmb, char *err,
			  size_t errlen)
{
	const char *agent = getenv("KMB_GUEST_AGENT");
	ssize_t n;

	if (guest_kmb) {
		snprintf(g->kmb, sizeof(g->kmb), "%s", guest_kmb);
	} else {
		n = readlink("/proc/self/exe", g->kmb, sizeof(g->kmb) - 1);
		if (n <= 0) {
			snprintf(err, errlen, "cannot find this kmb: %s", strerror(errno));
			return -1;
		}
		g->kmb[n] = '\0';
	}
	snprintf(g->agent, sizeof(g->agent), "%s",
		 agent && *agent ? agent : KMB_GUEST_DIR "/kmb-agent");
	if (!is_file(g->agent)) {
		snprintf(err, errlen, "no guest agent at %s (run make)", g->agent);
		return -1;
	}
	snprintf(g->busybox, sizeof(g->busybox), "/bin/busybox");
	if (!is_file(g->busybox)) {
		snprintf(err, errlen, "/bin/busybox missing (apt-get install busybox-static)");
		return -1;
	}
	snprintf(g->readelf, sizeof(g->readelf), "readelf");
	add_libdir(g, "/lib/%s-linux-gnu", g->arch->name);
	add_libdir(g, "/usr/lib/%s-linux-gnu", g->arch->name);
	add_libdir(g, "/lib64%s", "");
	add_libdir(g, "/usr/lib64%s", "");
	add_libdir(g, "/lib%s", "");
	add_libdir(g, "/usr/lib%s", "");
	return 0;
}

/* kmb, the agent, busybox and the libraries for a foreign guest arch. */
static int prepare_cross(struct kmb_ab_guest *g, const char *guest_kmb, const char *log,
			 char *err, size_t errlen)
{
	const char *arch = g->arch->name;
	char dir[4096], sysroot[4096];

	kmb_ab_progress("guest", "preparing kmb, busybox and libraries for %s", arch);
	if (run_script("cross-sysroot", (const char *const[]){ "--arch", arch, NULL }, log,
		       sysroot, sizeof(sysroot), err, errlen))
		return -1;
	if (guest_kmb) {
		char *slash;

		snprintf(g->kmb, sizeof(g->kmb), "%s", guest_kmb);
		snprintf(dir, sizeof(dir), "%s", guest_kmb);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
		snprintf(g->agent, sizeof(g->agent), "%s/kmb-agent", dir);
		if (!is_file(g->agent))
			snprintf(g->agent, sizeof(g->agent), "%s/stress/guest/kmb-agent", dir);
	} else {
		kmb_ab_progress("guest", "cross-building kmb for %s (cached per source)", arch);
		if (run_script("cross-build-kmb", (const char *const[]){ "--arch", arch, NULL },
			       log, dir, sizeof(dir), err, errlen))
			return -1;
		snprintf(g->kmb, sizeof(g->kmb), "%s/kmb", dir);
		snprintf(g->agent, sizeof(g->agent), "%s/kmb-agent", dir);
	}
	if (!is_file(g->kmb) || !is_file(g->agent)) {
		snprintf(err, errlen, "no %s kmb and kmb-agent at %s", arch, dir);
		return -1;
	}
	if (run_script("fetch-guest-busybox", (const char *const[]){ "--arch", arch, NULL }, log,
		       g->busybox, sizeof(g->busybox), err, errlen))
		return -1;
	snprintf(g->readelf, sizeof(g->readelf), "%s-linux-gnu-readelf", arch);
	add_libdir(g, "/usr/%s-linux-gnu/lib", arch);
	add_libdir(g, "/usr/%s-linux-gnu/lib64", arch);
	snprintf(dir, sizeof(dir), "%s/usr/lib/%s-linux-gnu", sysroot, arch);
	add_libdir(g, "%s", dir);
	snprintf(dir, sizeof(dir), "%s/lib/%s-linux-gnu", sysroot, arch);
	add_libdir(g, "%s", dir);
	return 0;
}

int kmb_ab_guest_prepare(struct kmb_ab_guest *g, const struct kmb_ab_arch *arch,
			 const char *guest_kmb, const char *log, char *err, size_t errlen)
{
	memset(g, 0, sizeof(*g));
	g->arch = arch;
	if (guest_kmb && !is_file(guest_kmb)) {
		snprintf(err, errlen, "--guest-kmb %s: not a file", guest_kmb);
		return -1;
	}
	return arch->native ? prepare_native(g, guest_kmb, err, errlen)
			    : prepare_cross(g, guest_kmb, log, err, errlen);
}

void kmb_ab_kernel_moddir(const char *kernel, char *buf, size_t len)
{
	char base[4096], *slash;
	struct dirent *de;
	DIR *d;

	buf[0] = '\0';
	snprintf(base, sizeof(base), "%s", kernel);
	slash = strrchr(base, '/');
	if (!slash)
		return;
	snprintf(slash, sizeof(base) - (size_t)(slash - base), "/lib/modules");
	d = opendir(base);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char dep[4400];

		snprintf(dep, sizeof(dep), "%s/%s/modules.dep", base, de->d_name);
		if (de->d_name[0] != '.' && is_file(dep)) {
			snprintf(buf, len, "%s/%s", base, de->d_name);
			break;
		}
	}
	closedir(d);
}

static int write_conf(const char *dir, const char *name, const char *value, char *err,
		      size_t errlen)
{
	char path[4300];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (kmb_write_atomic(path, value, strlen(value))) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int kmb_ab_image_build(const struct kmb_ab_guest *g, const struct kmb_ab_side_conf *c,
		       const char *confdir, const char *out, const char *log, char *err,
		       size_t errlen)
{
	char reps[32], sysctl[KMB_AB_MAX_SYSCTLS * 520] = "", script[4200], init[4200],
		mkinitramfs[4200];
	const char *argv[64];
	struct kmb_ab_cmd cmd = { .argv = argv, .log = log };
	int n = 0, i;

	if (kmb_mkdir_p(confdir, 0755)) {
		snprintf(err, errlen, "cannot create %s: %s", confdir, strerror(errno));
		return -1;
	}
	snprintf(reps, sizeof(reps), "%ld", c->repetitions);
	for (i = 0; c->sysctls_from && i < c->sysctls_from->nsysctls; i++) {
		const struct kmb_ab_sysctl *s = &c->sysctls_from->sysctls[i];

		snprintf(sysctl + strlen(sysctl), sizeof(sysctl) - strlen(sysctl), "%s=%s\n",
			 s->key, s->value);
	}
	if (write_conf(confdir, "label", c->label, err, errlen) ||
	    write_conf(confdir, "repetitions", reps, err, errlen) ||
	    write_conf(confdir, "filter", c->filter ? c->filter : "", err, errlen) ||
	    write_conf(confdir, "sizes", c->sizes ? c->sizes : "", err, errlen) ||
	    write_conf(confdir, "sysctl", sysctl, err, errlen) ||
	    write_conf(confdir, "xfer", g->arch->xfer_dev, err, errlen) ||
	    (c->keep_knobs && write_conf(confdir, "keep_knobs", "1\n", err, errlen)))
		return -1;
	snprintf(script, sizeof(script), "%s/ab/guest/mkimage", kmb_ab_srcdir());
	snprintf(init, sizeof(init), "%s/ab/guest/init", kmb_ab_srcdir());
	snprintf(mkinitramfs, sizeof(mkinitramfs), "%s/stress/guest/mkinitramfs",
		 kmb_ab_srcdir());
	argv[n++] = "bash";
	argv[n++] = script;
	argv[n++] = "--kmb";
	argv[n++] = g->kmb;
	argv[n++] = "--agent";
	argv[n++] = g->agent;
	argv[n++] = "--busybox";
	argv[n++] = g->busybox;
	argv[n++] = "--init";
	argv[n++] = init;
	argv[n++] = "--conf";
	argv[n++] = confdir;
	argv[n++] = "--readelf";
	argv[n++] = g->readelf;
	argv[n++] = "--mkinitramfs";
	argv[n++] = mkinitramfs;
	for (i = 0; i < g->nlibdirs; i++) {
		argv[n++] = "--libdir";
		argv[n++] = g->libdirs[i];
	}
	if (g->moddir[0] && g->arch->modules[0]) {
		argv[n++] = "--modules";
		argv[n++] = g->moddir;
		for (i = 0; g->arch->modules[i] && n < 58; i++) {
			argv[n++] = "--module";
			argv[n++] = g->arch->modules[i];
		}
	}
	argv[n++] = "-o";
	argv[n++] = out;
	argv[n] = NULL;
	return kmb_ab_run(&cmd, err, errlen) ? -1 : 0;
}
