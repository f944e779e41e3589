// SPDX-License-Identifier: GPL-2.0-only
#include "paths.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Set by the Makefile: the configured directories and the tree kmb was built in. */
#ifndef KMB_BINDIR
#define KMB_BINDIR "/usr/local/bin"
#endif
#ifndef KMB_PKGDATADIR
#define KMB_PKGDATADIR "/usr/local/share/kvm-mm-bench"
#endif
#ifndef KMB_PKGLIBEXECDIR
#define KMB_PKGLIBEXECDIR "/usr/local/libexec/kvm-mm-bench"
#endif
#ifndef KMB_BUILD_DIR
#define KMB_BUILD_DIR ""
#endif
#ifndef KMB_SOURCE_DIR
#define KMB_SOURCE_DIR ""
#endif

enum where { IN_PKGDATADIR, IN_PKGLIBEXECDIR };

struct file_def {
	const char *name;
	const char *env;       /* the variable that overrides it */
	const char *build;     /* in the build tree: "src:" or "build:" and the relative path */
	enum where where;      /* installed: in which directory */
	const char *installed; /* and its name there; NULL: not installed */
};

static const struct file_def defs[KMB_FILE_COUNT] = {
	[KMB_FILE_SCENARIOS] = { "scenarios", "KMB_SCENARIO_DIR", "src:stress/scenarios",
				 IN_PKGDATADIR, "scenarios" },
	[KMB_FILE_AGENT] = { "guest-agent", "KMB_GUEST_AGENT", "build:stress/guest/kmb-agent",
			     IN_PKGLIBEXECDIR, "kmb-agent" },
	[KMB_FILE_MKINITRAMFS] = { "mkinitramfs", "KMB_MKINITRAMFS", "src:stress/guest/mkinitramfs",
				   IN_PKGLIBEXECDIR, "mkinitramfs" },
	[KMB_FILE_FETCH_KERNEL] = { "fetch-guest-kernel", "KMB_FETCH_GUEST_KERNEL",
				    "src:scripts/fetch-guest-kernel", IN_PKGLIBEXECDIR,
				    "fetch-guest-kernel" },
	[KMB_FILE_SERIES] = { "kernel-series", "KMB_SERIES_DIR", "src:kernel-patches",
			      IN_PKGDATADIR, "kernel-patches" },
	[KMB_FILE_KERNEL_CONFIGS] = { "kernel-configs", "KMB_KERNEL_CONFIG_DIR",
				      "src:kernel-patches/configs", IN_PKGDATADIR,
				      "kernel-patches/configs" },
	[KMB_FILE_AB_MKIMAGE] = { "ab-mkimage", "KMB_AB_MKIMAGE", "src:ab/guest/mkimage",
				  IN_PKGLIBEXECDIR, "ab/mkimage" },
	[KMB_FILE_AB_INIT] = { "ab-init", "KMB_AB_INIT", "src:ab/guest/init", IN_PKGLIBEXECDIR,
			       "ab/init" },
	[KMB_FILE_CROSS_SYSROOT] = { "cross-sysroot", "KMB_CROSS_SYSROOT",
				     "src:scripts/cross-sysroot", IN_PKGLIBEXECDIR,
				     "cross-sysroot" },
	[KMB_FILE_CROSS_BUILD_KMB] = { "cross-build-kmb", "KMB_CROSS_BUILD_KMB",
				       "src:scripts/cross-build-kmb", IN_PKGLIBEXECDIR,
				       "cross-build-kmb" },
	[KMB_FILE_FETCH_BUSYBOX] = { "fetch-guest-busybox", "KMB_FETCH_GUEST_BUSYBOX",
				     "src:scripts/fetch-guest-busybox", IN_PKGLIBEXECDIR,
				     "fetch-guest-busybox" },
	/* Compiled by cross-build-kmb; an installation has no sources. */
	[KMB_FILE_SOURCE_TREE] = { "source-tree", "KMB_SRCDIR", "src:", IN_PKGDATADIR, NULL },
};

static struct {
	bool done;
	char path[KMB_FILE_COUNT][PATH_MAX];
	char origin[KMB_FILE_COUNT][64];
} cache;

/*
 * Split an absolute path into its components, resolving "." and ".."
 * lexically; returns the count, or -1 if there are too many.
 */
static int components(const char *path, char *buf, size_t len, char **out, int max)
{
	char *save = NULL, *c;
	int n = 0;

	snprintf(buf, len, "%s", path);
	for (c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			n -= n > 0;
			continue;
		}
		if (n == max)
			return -1;
		out[n++] = c;
	}
	return n;
}

/*
 * dir as it lies from bindir, applied to base (the running binary's
 * directory): /usr/local/bin and /usr/local/share/x give <base>/../share/x,
 * written without the "..". -1 when a path does not fit.
 */
static int relocate(const char *base, const char *bindir, const char *dir, char *out, size_t len)
{
	char bbuf[PATH_MAX], dbuf[PATH_MAX], basebuf[PATH_MAX], *b[128], *d[128], *o[256];
	int nb = components(bindir, bbuf, sizeof(bbuf), b, 128);
	int nd = components(dir, dbuf, sizeof(dbuf), d, 128);
	int no = components(base, basebuf, sizeof(basebuf), o, 256);
	int common = 0, i;
	size_t used = 0;

	if (nb < 0 || nd < 0 || no < 0)
		return -1;
	while (common < nb && common < nd && !strcmp(b[common], d[common]))
		common++;
	/* Up from bindir to the common part, then down into dir. */
	if (nb - common > no)
		return -1;
	no -= nb - common;
	for (i = common; i < nd && no < 256; i++)
		o[no++] = d[i];
	out[0] = '\0';
	for (i = 0; i < no; i++) {
		int w = snprintf(out + used, len - used, "/%s", o[i]);

		if (w < 0 || (size_t)w >= len - used)
			return -1;
		used += (size_t)w;
	}
	if (!no)
		snprintf(out, len, "/");
	return 0;
}

int kmb_path_relative(const char *from, const char *to, char *out, size_t len)
{
	char fbuf[PATH_MAX], tbuf[PATH_MAX], *f[128], *t[128];
	int nf = components(from, fbuf, sizeof(fbuf), f, 128);
	int nt = components(to, tbuf, sizeof(tbuf), t, 128);
	int common = 0, i, w;
	size_t used = 0;

	if (nf < 0 || nt < 0 || !len)
		return -1;
	while (common < nf && common < nt && !strcmp(f[common], t[common]))
		common++;
	out[0] = '\0';
	for (i = common; i < nf + nt - common; i++) {
		const char *part = i < nf ? ".." : t[i - nf + common];

		w = snprintf(out + used, len - used, "%s%s", used ? "/" : "", part);
		if (w < 0 || (size_t)w >= len - used)
			return -1;
		used += (size_t)w;
	}
	if (!used)
		snprintf(out, len, ".");
	return 0;
}

/* The running binary's directory (symbolic links resolved), or "" when unknown. */
static void exe_dir(char *buf, size_t len)
{
	char exe[PATH_MAX], *slash;

	buf[0] = '\0';
	if (!realpath("/proc/self/exe", exe))
		return;
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	snprintf(buf, len, "%s", exe[0] ? exe : "/");
}

/* The running kmb is the one in the build directory it was compiled for. */
static bool in_build_tree(const char *self)
{
	char build[PATH_MAX];

	return KMB_BUILD_DIR[0] && self[0] && realpath(KMB_BUILD_DIR, build) &&
	       !strcmp(build, self);
}

static void resolve(void)
{
	char self[PATH_MAX], dir[PATH_MAX];
	bool build;
	struct stat st;
	int f;

	exe_dir(self, sizeof(self));
	build = in_build_tree(self);
	for (f = 0; f < KMB_FILE_COUNT; f++) {
		const struct file_def *d = &defs[f];
		const char *env = getenv(d->env);
		const char *conf = d->where == IN_PKGDATADIR ? KMB_PKGDATADIR : KMB_PKGLIBEXECDIR;

		if (env && *env) {
			snprintf(cache.path[f], sizeof(cache.path[f]), "%s", env);
			snprintf(cache.origin[f], sizeof(cache.origin[f]), "$%s", d->env);
		} else if (build) {
			bool src = !strncmp(d->build, "src:", 4);
			const char *rel = strchr(d->build, ':') + 1;

			snprintf(cache.path[f], sizeof(cache.path[f]), "%s%s%s",
				 src ? KMB_SOURCE_DIR : KMB_BUILD_DIR, *rel ? "/" : "", rel);
			snprintf(cache.origin[f], sizeof(cache.origin[f]), "build tree");
		} else if (!d->installed) {
			cache.path[f][0] = '\0';
			snprintf(cache.origin[f], sizeof(cache.origin[f]), "not installed");
		} else {
			/* Where the binary is now, if the installed directory is there too. */
			if (!self[0] || relocate(self, KMB_BINDIR, conf, dir, sizeof(dir)) ||
			    stat(dir, &st) || !S_ISDIR(st.st_mode))
				snprintf(dir, sizeof(dir), "%s", conf);
			snprintf(cache.path[f], sizeof(cache.path[f]), "%s/%s", dir, d->installed);
			snprintf(cache.origin[f], sizeof(cache.origin[f]), "installed");
		}
	}
	cache.done = true;
}

const char *kmb_file_path(enum kmb_file f)
{
	if (!cache.done)
		resolve();
	return cache.path[f];
}

const char *kmb_file_origin(enum kmb_file f)
{
	if (!cache.done)
		resolve();
	return cache.origin[f];
}

const char *kmb_file_name(enum kmb_file f)
{
	return defs[f].name;
}
