// SPDX-License-Identifier: GPL-2.0-only
#include "workdir.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_NAME "lock"
#define KEPT_NAME "kept"
/* The tree is <dir>/{source,destination}/<files>: anything deeper is not ours. */
#define WORKDIR_DEPTH 4

/*
 * Unix socket paths must fit in sun_path (108 bytes): $TMPDIR when it is
 * short, else /tmp, never a possibly deep state directory.
 */
static const char *run_base(void)
{
	const char *tmp = getenv("TMPDIR");

	return tmp && *tmp && strlen(tmp) <= 32 ? tmp : "/tmp";
}


int kmb_workdir_create(struct kmb_workdir *w, const char *name, bool keep, char *err, size_t errlen)
{
	char note[96];
	int dfd, kfd;

	memset(w, 0, sizeof(*w));
	w->lock_fd = -1;
	snprintf(w->path, sizeof(w->path), "%s/" KMB_WORKDIR_PREFIX "%d-%.24s-XXXXXX", run_base(),
		 (int)getpid(), name);
	if (!mkdtemp(w->path)) {
		snprintf(err, errlen, "cannot create %s: %s", w->path, strerror(errno));
		w->path[0] = '\0';
		return -1;
	}
	dfd = open(w->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0)
		w->lock_fd = openat(dfd, LOCK_NAME,
				    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (w->lock_fd < 0 || flock(w->lock_fd, LOCK_EX | LOCK_NB)) {
		snprintf(err, errlen, "cannot lock %s/" LOCK_NAME ": %s", w->path, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	if (keep) {
		kfd = openat(dfd, KEPT_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			     0600);
		snprintf(note, sizeof(note), "kept by kmb stress --keep-logs (pid %d)\n",
			 (int)getpid());
		if (kfd < 0 || kmb_write_all(kfd, note, strlen(note))) {
			snprintf(err, errlen, "cannot mark %s kept: %s", w->path, strerror(errno));
			if (kfd >= 0)
				close(kfd);
			close(dfd);
			return -1;
		}
		close(kfd);
		w->kept = true;
	}
	close(dfd);
	return 0;
}

int kmb_workdir_release(struct kmb_workdir *w)
{
	const char *name;
	int parent, ret = 0;

	if (w->path[0] && !w->kept) {
		parent = kmb_open_parent(w->path, &name);
		ret = parent >= 0 ? kmb_remove_tree_at(parent, name, WORKDIR_DEPTH) : -1;
		if (parent >= 0)
			close(parent);
	}
	if (w->lock_fd >= 0)
		close(w->lock_fd);
	w->lock_fd = -1;
	return ret;
}

/* The PID in "kmb-stress-<pid>-...", or 0. */
static pid_t owner_pid(const char *name)
{
	size_t plen = strlen(KMB_WORKDIR_PREFIX);
	char *end;
	long pid;

	if (strncmp(name, KMB_WORKDIR_PREFIX, plen))
		return 0;
	errno = 0;
	pid = strtol(name + plen, &end, 10);
	return !errno && *end == '-' && pid > 0 && pid <= INT32_MAX ? (pid_t)pid : 0;
}

static bool alive(pid_t pid)
{
	return pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH;
}

/*
 * Whether the entry is a leftover of a dead kmb run of this user; then its
 * directory fd is returned in *dfd and its lock held in *lock (-1 if there
 * is no lock file, as older kmb versions made none).
 */
static bool leftover(int base, const char *name, int *dfd, int *lock)
{
	struct stat before, opened;
	pid_t pid = owner_pid(name);

	*dfd = *lock = -1;
	if (!pid || alive(pid))
		return false;
	if (fstatat(base, name, &before, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(before.st_mode) ||
	    before.st_uid != geteuid())
		return false;
	*dfd = openat(base, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*dfd < 0)
		return false;
	if (fstat(*dfd, &opened) || opened.st_dev != before.st_dev ||
	    opened.st_ino != before.st_ino || opened.st_uid != geteuid() ||
	    faccessat(*dfd, KEPT_NAME, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		goto no;
	*lock = openat(*dfd, LOCK_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*lock >= 0 && flock(*lock, LOCK_EX | LOCK_NB))
		goto no;
	if (*lock < 0 && errno != ENOENT)
		goto no;
	return true;
no:
	if (*lock >= 0)
		close(*lock);
	close(*dfd);
	*dfd = *lock = -1;
	return false;
}

int kmb_workdir_recover(int verbose)
{
	const char *base_path = run_base();
	int base, dfd, lock, removed = 0;
	struct dirent *de;
	DIR *d;

	base = open(base_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (base < 0)
		return 0;
	d = fdopendir(dup(base));
	while (d && (de = readdir(d))) {
		struct stat now, held;
		int ret;

		if (!leftover(base, de->d_name, &dfd, &lock))
			continue;
		ret = kmb_remove_contents_at(dfd, WORKDIR_DEPTH - 1);
		/* Still the directory that was checked, not one put in its place since. */
		if (!ret && !fstat(dfd, &held) &&
		    !fstatat(base, de->d_name, &now, AT_SYMLINK_NOFOLLOW) &&
		    now.st_ino == held.st_ino && now.st_dev == held.st_dev)
			ret = unlinkat(base, de->d_name, AT_REMOVEDIR);
		else
			ret = -1;
		if (lock >= 0)
			close(lock);
		close(dfd);
		if (!ret) {
			removed++;
			if (verbose)
				fprintf(stderr,
					"kmb: removed %s/%s left by a kmb that died (pid %d)\n",
					base_path, de->d_name, (int)owner_pid(de->d_name));
		}
	}
	if (d)
		closedir(d);
	close(base);
	return removed;
}
