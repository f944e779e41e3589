// SPDX-License-Identifier: GPL-2.0-only
#include "source.h"
#include "proc.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define GIT_IDENTITY "-c", "user.name=kmb ab", "-c", "user.email=kmb-ab@localhost", "-c", \
		     "commit.gpgSign=false"

void kmb_ab_cache_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg && *xdg)
		snprintf(buf, len, "%s/kvm-mm-bench", xdg);
	else
		snprintf(buf, len, "%s/.cache/kvm-mm-bench", home && *home ? home : "/tmp");
}

const char *kmb_ab_source_kind_name(enum kmb_ab_source_kind kind)
{
	switch (kind) {
	case KMB_AB_SRC_GIT:
		return "git";
	case KMB_AB_SRC_DIR:
		return "directory";
	default:
		return "debian-package";
	}
}

json_t *kmb_ab_source_json(const struct kmb_ab_source *src)
{
	return json_pack("{s:s, s:s, s:s?, s:s, s:s}", "kind", kmb_ab_source_kind_name(src->kind),
			 "path", src->path, "rev", src->rev[0] ? src->rev : NULL, "describe",
			 src->describe, "version", src->version);
}

/* VERSION.PATCHLEVEL.SUBLEVEL of a kernel Makefile; -1 if it is not one. */
static int makefile_version(const char *tree, char *buf, size_t len)
{
	char path[4200], *text, *line;
	long v[3] = { -1, -1, -1 };
	static const char *const keys[] = { "VERSION", "PATCHLEVEL", "SUBLEVEL" };
	int i;

	snprintf(path, sizeof(path), "%s/Makefile", tree);
	text = kmb_read_text(path);
	if (!text)
		return -1;
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		for (i = 0; i < 3; i++) {
			size_t n = strlen(keys[i]);

			if (!strncmp(line, keys[i], n) && (line[n] == ' ' || line[n] == '=') &&
			    v[i] < 0) {
				char *eq = strchr(line, '=');

				if (eq)
					v[i] = strtol(eq + 1, NULL, 10);
			}
		}
	}
	free(text);
	if (v[0] < 0 || v[1] < 0)
		return -1;
	snprintf(buf, len, "%ld.%ld.%ld", v[0], v[1], v[2] < 0 ? 0 : v[2]);
	return 0;
}

static int find_git(const char *tree, const char *base, const char *log,
		    struct kmb_ab_source *src, char *err, size_t errlen)
{
	char top[4096], spec[300], dirty[256], why[512];
	struct kmb_ab_cmd c = { .log = log };

	c.argv = (const char *const[]){ "git", "-C", tree, "rev-parse", "--show-toplevel", NULL };
	/* Only a work tree's top: a plain directory inside another repository is plain. */
	if (kmb_ab_capture(&c, top, sizeof(top), why, sizeof(why)) || strcmp(top, tree))
		return 1;
	snprintf(src->path, sizeof(src->path), "%s", top);
	snprintf(spec, sizeof(spec), "%s^{commit}", base ? base : "HEAD");
	c.argv = (const char *const[]){ "git", "-C", top, "rev-parse", "--verify", "--quiet",
					spec, NULL };
	if (kmb_ab_capture(&c, src->rev, sizeof(src->rev), why, sizeof(why)) || !src->rev[0]) {
		snprintf(err, errlen, "%s: '%s' is not a commit of this git tree", top,
			 base ? base : "HEAD");
		return -1;
	}
	c.argv = (const char *const[]){ "git", "-C", top, "describe", "--always", "--tags",
					src->rev, NULL };
	if (kmb_ab_capture(&c, src->describe, sizeof(src->describe), why, sizeof(why)))
		snprintf(src->describe, sizeof(src->describe), "%.12s", src->rev);
	c.argv = (const char *const[]){ "git", "-C", top, "status", "--porcelain",
					"--untracked-files=no", NULL };
	if (!base && !kmb_ab_capture(&c, dirty, sizeof(dirty), why, sizeof(why)) && dirty[0])
		kmb_ab_progress("source", "warning: %s has uncommitted changes; both sides are "
					  "built from its HEAD (%s) without them",
				top, src->describe);
	src->kind = KMB_AB_SRC_GIT;
	return 0;
}

/* The newest /usr/src/linux-source-*.tar.xz, or -1. */
static int debian_tarball(char *buf, size_t len)
{
	const char *pattern = getenv("KMB_LINUX_SOURCE_TARBALL");
	glob_t g;
	size_t i, best = 0;

	if (pattern && *pattern) {
		snprintf(buf, len, "%s", pattern);
		return access(buf, R_OK);
	}
	if (glob("/usr/src/linux-source-*.tar.xz", 0, NULL, &g) || g.gl_pathc == 0) {
		globfree(&g);
		return -1;
	}
	for (i = 1; i < g.gl_pathc; i++) {
		if (strverscmp(g.gl_pathv[i], g.gl_pathv[best]) > 0)
			best = i;
	}
	snprintf(buf, len, "%s", g.gl_pathv[best]);
	globfree(&g);
	return 0;
}

/* Remove half-finished unpacks (we hold the cache lock, so nobody unpacks now). */
static void remove_stale_unpacks(const char *dir)
{
	char path[4400];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, ".unpack.", 8)) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			kmb_rm_rf(path);
		}
	}
	closedir(d);
}

static int unpack_debian(const char *tarball, const char *final, const char *top,
			 const char *log, char *err, size_t errlen)
{
	char tmp[4200], from[4400];
	struct kmb_ab_cmd c = { .log = log };
	int ret;

	snprintf(tmp, sizeof(tmp), "%s/.unpack.XXXXXX", top);
	if (!mkdtemp(tmp)) {
		snprintf(err, errlen, "cannot create a directory in %s: %s", top, strerror(errno));
		return -1;
	}
	kmb_ab_progress("unpack", "%s into %s", tarball, final);
	c.argv = (const char *const[]){ "tar", "-xf", tarball, "-C", tmp, NULL };
	ret = kmb_ab_run(&c, err, errlen);
	if (ret == 0) {
		/* The tarball holds one directory, linux-source-X.Y: it becomes final/. */
		const char *base = strrchr(tarball, '/') ? strrchr(tarball, '/') + 1 : tarball;
		char name[256], dst[4400];

		snprintf(name, sizeof(name), "%s", base);
		if (strstr(name, ".tar"))
			*strstr(name, ".tar") = '\0';
		snprintf(from, sizeof(from), "%s/%s", tmp, name);
		snprintf(dst, sizeof(dst), "%s/%s", final, name);
		if (access(from, F_OK)) {
			snprintf(err, errlen, "%s does not unpack into %s/", tarball, name);
			ret = -1;
		} else if (mkdir(final, 0755) || rename(from, dst)) {
			snprintf(err, errlen, "cannot move the unpacked tree to %s: %s", dst,
				 strerror(errno));
			rmdir(final);
			ret = -1;
		}
	}
	kmb_rm_rf(tmp);
	return ret ? -1 : 0;
}

static int find_debian(const char *log, struct kmb_ab_source *src, char *err, size_t errlen)
{
	char tarball[4096], pkg[256], version[128] = "", cache[4096], top[4200], final[4600],
		why[256], lockpath[4300];
	struct kmb_ab_cmd c = { .log = log };
	const char *base;
	int lock, ret = 0;

	if (debian_tarball(tarball, sizeof(tarball))) {
		snprintf(err, errlen, "no kernel source: install Debian's linux-source package "
				      "(scripts/setup --with-kernel) or give --tree DIR");
		return -1;
	}
	base = strrchr(tarball, '/') ? strrchr(tarball, '/') + 1 : tarball;
	snprintf(pkg, sizeof(pkg), "%s", base);
	if (strstr(pkg, ".tar"))
		*strstr(pkg, ".tar") = '\0';
	{
		char pkgarg[300];

		snprintf(pkgarg, sizeof(pkgarg), "%s", pkg);
		c.argv = (const char *const[]){ "dpkg-query", "-W", "-f", "${Version}", pkgarg,
						NULL };
		if (kmb_ab_capture(&c, version, sizeof(version), why, sizeof(why)) || !version[0]) {
			struct stat st;

			stat(tarball, &st);
			snprintf(version, sizeof(version), "mtime-%lld", (long long)st.st_mtime);
		}
	}
	kmb_ab_cache_dir(cache, sizeof(cache));
	snprintf(top, sizeof(top), "%s/kernel-source", cache);
	if (kmb_mkdir_p(top, 0755)) {
		snprintf(err, errlen, "cannot create %s: %s", top, strerror(errno));
		return -1;
	}
	snprintf(final, sizeof(final), "%s/%s_%s", top, pkg, version);
	kmb_sanitize_name(final + strlen(top) + 1);
	snprintf(lockpath, sizeof(lockpath), "%s/.lock", top);
	lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0 || flock(lock, LOCK_EX)) {
		snprintf(err, errlen, "cannot lock %s: %s", lockpath, strerror(errno));
		if (lock >= 0)
			close(lock);
		return -1;
	}
	remove_stale_unpacks(top);
	if (access(final, F_OK))
		ret = unpack_debian(tarball, final, top, log, err, errlen);
	close(lock);
	if (ret)
		return -1;
	snprintf(src->path, sizeof(src->path), "%s/%s", final, pkg);
	snprintf(src->describe, sizeof(src->describe), "%s %s (Debian package)", pkg, version);
	src->kind = KMB_AB_SRC_DEBIAN;
	return 0;
}

int kmb_ab_source_find(const char *tree, const char *base, const char *log,
		       struct kmb_ab_source *src, char *err, size_t errlen)
{
	char real[PATH_MAX];
	int r;

	memset(src, 0, sizeof(*src));
	if (!tree) {
		if (base) {
			snprintf(err, errlen, "--base needs a git tree (--tree DIR)");
			return -1;
		}
		if (find_debian(log, src, err, errlen))
			return -1;
	} else {
		if (!realpath(tree, real)) {
			snprintf(err, errlen, "kernel tree %s: %s", tree, strerror(errno));
			return -1;
		}
		r = kmb_ab_have("git") ? find_git(real, base, log, src, err, errlen) : 1;
		if (r < 0)
			return -1;
		if (r > 0) {
			if (base) {
				snprintf(err, errlen, "--base %s: %s is not a git tree", base, real);
				return -1;
			}
			src->kind = KMB_AB_SRC_DIR;
			snprintf(src->path, sizeof(src->path), "%s", real);
			snprintf(src->describe, sizeof(src->describe), "directory %s", real);
		}
	}
	if (makefile_version(src->path, src->version, sizeof(src->version))) {
		snprintf(err, errlen, "%s: no kernel Makefile (VERSION/PATCHLEVEL) there",
			 src->path);
		return -1;
	}
	return 0;
}

int kmb_ab_source_copy(const struct kmb_ab_source *src, const char *dst, const char *log,
		       char *err, size_t errlen)
{
	struct kmb_ab_cmd c = { .log = log };
	char probe[4200], probe2[4200];

	if (src->kind == KMB_AB_SRC_GIT) {
		c.argv = (const char *const[]){ "git", "clone", "-q", "--shared", "--no-checkout",
						src->path, dst, NULL };
		if (kmb_ab_run(&c, err, errlen))
			return -1;
		c.argv = (const char *const[]){ "git", "-C", dst, "checkout", "-q", "--detach",
						src->rev, NULL };
		if (kmb_ab_run(&c, err, errlen))
			return -1;
	} else {
		c.argv = (const char *const[]){ "cp", "-a", "--reflink=auto", src->path, dst, NULL };
		if (kmb_ab_run(&c, err, errlen))
			return -1;
	}
	/* A tree built in place cannot build out of tree (O=): clean the copy. */
	snprintf(probe, sizeof(probe), "%s/.config", dst);
	snprintf(probe2, sizeof(probe2), "%s/include/config", dst);
	if (!access(probe, F_OK) || !access(probe2, F_OK)) {
		kmb_ab_progress("copy", "the source was built in place; make mrproper in the copy");
		c.argv = (const char *const[]){ "make", "-C", dst, "-s", "mrproper", NULL };
		if (kmb_ab_run(&c, err, errlen))
			return -1;
	}
	return 0;
}

static int apply_step(const struct kmb_ab_series *s, const struct kmb_ab_step *st, bool git,
		      const char *tree, const char *log, char *err, size_t errlen)
{
	struct kmb_ab_cmd c = { .log = log };
	char msg[512], why[1024];
	int ret = 0;

	if (st->kind == KMB_AB_PATCH && git) {
		c.argv = (const char *const[]){ "git", "-C", tree, "apply", "--index", st->arg,
						NULL };
		ret = kmb_ab_run(&c, why, sizeof(why));
		if (!ret) {
			snprintf(msg, sizeof(msg), "kmb ab: %s: %s", s->name, st->name);
			c.argv = (const char *const[]){ "git", "-C", tree, GIT_IDENTITY, "commit",
							"-q", "--no-verify", "-m", msg, NULL };
			ret = kmb_ab_run(&c, why, sizeof(why));
		}
	} else if (st->kind == KMB_AB_PATCH) {
		c.argv = (const char *const[]){ "patch", "-p1", "--batch", "--forward",
						"--no-backup-if-mismatch", "-r", "-", "-d", tree,
						"-i", st->arg, NULL };
		ret = kmb_ab_run(&c, why, sizeof(why));
	} else if (st->kind == KMB_AB_REVERT) {
		c.argv = (const char *const[]){ "git", "-C", tree, GIT_IDENTITY, "revert",
						"--no-edit", st->arg, NULL };
		ret = kmb_ab_run(&c, why, sizeof(why));
	} else {
		c.argv = (const char *const[]){ "git", "-C", tree, GIT_IDENTITY, "cherry-pick",
						"-x", st->arg, NULL };
		ret = kmb_ab_run(&c, why, sizeof(why));
	}
	if (ret) {
		static const char *const verbs[] = { "does not apply", "cannot be reverted",
						     "cannot be picked" };

		snprintf(err, errlen, "%s:%d: %s %s %s", s->file, st->line,
			 st->kind == KMB_AB_PATCH ? "patch" : "commit", st->name,
			 verbs[st->kind]);
		snprintf(err + strlen(err), errlen - strlen(err), " (%s)", why);
		return -1;
	}
	return 0;
}

int kmb_ab_series_apply(const struct kmb_ab_series *s, const struct kmb_ab_source *src,
			const char *tree, const char *log, char *err, size_t errlen)
{
	bool git = src->kind == KMB_AB_SRC_GIT;
	int i, line;

	if (!git && kmb_ab_series_needs_git(s, &line)) {
		snprintf(err, errlen, "%s:%d: revert and pick need a git tree (--tree DIR of a git "
				      "checkout); the source here is %s",
			 s->file, line, src->describe);
		return -1;
	}
	for (i = 0; i < s->nsteps; i++) {
		kmb_ab_progress("apply", "%s %s",
				s->steps[i].kind == KMB_AB_PATCH ? "patch"
				: s->steps[i].kind == KMB_AB_REVERT ? "revert" : "pick",
				s->steps[i].name);
		if (apply_step(s, &s->steps[i], git, tree, log, err, errlen))
			return -1;
	}
	return 0;
}
