// SPDX-License-Identifier: GPL-2.0-only
#include "image.h"
#include "atomic.h"
#include "paths.h"
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

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int kmb_ab_need_file(enum kmb_file f, const char *name, char *err, size_t errlen)
{
	const char *origin = kmb_file_origin(f), *why;
	char path[PATH_MAX + 256];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s%s", kmb_file_path(f), name ? "/" : "", name ? name : "");
	if (stat(path, &st))
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a file";
	else if (access(path, R_OK))
		why = strerror(errno);
	else
		return 0;
	snprintf(err, errlen, "%s %s: %s (%s%s; kmb --paths lists where kmb looks)",
		 kmb_file_name(f), path, why, origin,
		 f == KMB_FILE_AGENT && !strcmp(origin, "build tree") ? ", run make" : "");
	return -1;
}

/*
 * The kvm-mm-bench sources a cross build of kmb compiles: $KMB_SRCDIR or the
 * build tree's source; an installed kmb has none.
 */
static int source_tree(const char *arch, char *err, size_t errlen)
{
	const char *src = kmb_file_path(KMB_FILE_SOURCE_TREE);
	char probe[PATH_MAX + 32];

	if (!*src) {
		snprintf(err, errlen,
			 "--arch %s without --guest-kmb cross-builds kmb from the kvm-mm-bench "
			 "sources, which an installed kmb does not have: set $KMB_SRCDIR to a "
			 "source tree (or run the kmb built in one), or give --guest-kmb FILE "
			 "(a kmb built for %s, with its kmb-agent beside it)",
			 arch, arch);
		return -1;
	}
	snprintf(probe, sizeof(probe), "%s/configure.ac", src);
	if (!is_file(probe)) {
		snprintf(err, errlen,
			 "--arch %s: %s (%s) is no kvm-mm-bench source tree (no configure.ac) "
			 "to cross-build kmb from; or give --guest-kmb FILE",
			 arch, src, kmb_file_origin(KMB_FILE_SOURCE_TREE));
		return -1;
	}
	return 0;
}

int kmb_ab_guest_check(const struct kmb_ab_arch *arch, const char *guest_kmb, char *err,
		       size_t errlen)
{
	if (guest_kmb && !is_file(guest_kmb)) {
		snprintf(err, errlen, "--guest-kmb %s: not a file", guest_kmb);
		return -1;
	}
	if (kmb_ab_need_file(KMB_FILE_AB_MKIMAGE, NULL, err, errlen) ||
	    kmb_ab_need_file(KMB_FILE_AB_INIT, NULL, err, errlen) ||
	    kmb_ab_need_file(KMB_FILE_MKINITRAMFS, NULL, err, errlen))
		return -1;
	if (arch->native)
		return kmb_ab_need_file(KMB_FILE_AGENT, NULL, err, errlen);
	if (kmb_ab_need_file(KMB_FILE_CROSS_SYSROOT, NULL, err, errlen) ||
	    kmb_ab_need_file(KMB_FILE_FETCH_BUSYBOX, NULL, err, errlen))
		return -1;
	if (guest_kmb)
		return 0;
	if (kmb_ab_need_file(KMB_FILE_CROSS_BUILD_KMB, NULL, err, errlen))
		return -1;
	return source_tree(arch->name, err, errlen);
}

static void add_libdir(struct kmb_ab_guest *g, const char *fmt, const char *a)
{
	if (g->nlibdirs < KMB_AB_MAX_LIBDIRS)
		snprintf(g->libdirs[g->nlibdirs++], sizeof(g->libdirs[0]), fmt, a);
}

/* Run one of kmb's helper scripts; its last stdout line into out. */
static int run_script(enum kmb_file script, const char *const *args, const char *log, char *out,
		      size_t outlen, char *err, size_t errlen)
{
	char buf[8192], *last;
	const char *argv[16];
	struct kmb_ab_cmd c = { .argv = argv, .log = log };
	int n = 0;

	argv[n++] = "bash";
	argv[n++] = kmb_file_path(script);
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
	if (kmb_ab_need_file(KMB_FILE_AGENT, NULL, err, errlen))
		return -1;
	snprintf(g->agent, sizeof(g->agent), "%s", kmb_file_path(KMB_FILE_AGENT));
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
	if (run_script(KMB_FILE_CROSS_SYSROOT, (const char *const[]){ "--arch", arch, NULL }, log,
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
		if (source_tree(arch, err, errlen))
			return -1;
		kmb_ab_progress("guest", "cross-building kmb for %s from %s (cached per source)",
				arch, kmb_file_path(KMB_FILE_SOURCE_TREE));
		if (run_script(KMB_FILE_CROSS_BUILD_KMB,
			       (const char *const[]){ "--arch", arch, "--srcdir",
						      kmb_file_path(KMB_FILE_SOURCE_TREE), NULL },
			       log, dir, sizeof(dir), err, errlen))
			return -1;
		snprintf(g->kmb, sizeof(g->kmb), "%s/kmb", dir);
		snprintf(g->agent, sizeof(g->agent), "%s/kmb-agent", dir);
	}
	if (!is_file(g->kmb) || !is_file(g->agent)) {
		snprintf(err, errlen, "no %s kmb and kmb-agent at %s", arch, dir);
		return -1;
	}
	if (run_script(KMB_FILE_FETCH_BUSYBOX, (const char *const[]){ "--arch", arch, NULL }, log,
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
	char reps[32], sysctl[KMB_AB_MAX_SYSCTLS * 520] = "";
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
	argv[n++] = "bash";
	argv[n++] = kmb_file_path(KMB_FILE_AB_MKIMAGE);
	argv[n++] = "--kmb";
	argv[n++] = g->kmb;
	argv[n++] = "--agent";
	argv[n++] = g->agent;
	argv[n++] = "--busybox";
	argv[n++] = g->busybox;
	argv[n++] = "--init";
	argv[n++] = kmb_file_path(KMB_FILE_AB_INIT);
	argv[n++] = "--conf";
	argv[n++] = confdir;
	argv[n++] = "--readelf";
	argv[n++] = g->readelf;
	argv[n++] = "--mkinitramfs";
	argv[n++] = kmb_file_path(KMB_FILE_MKINITRAMFS);
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
