// SPDX-License-Identifier: GPL-2.0-only
#include "atomic.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

/*
 * ".<name>.tmp.<pid>.<random>" next to path: the pid says whose it is (the
 * sweep of dead writers' leftovers), the random part makes the name
 * unguessable, so nobody can plant a link under it ahead of us.
 */
static int tmp_name(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	unsigned long rnd;
	int n;

	if (getentropy(&rnd, sizeof(rnd)))
		rnd = (unsigned long)kmb_now_ns() ^ ((unsigned long)getpid() << 16);
	n = snprintf(buf, len, "%.*s.%s" KMB_TMP_INFIX "%d.%08lx", dirlen, path, path + dirlen,
		     (int)getpid(), rnd & 0xffffffffUL);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * A new temporary file of ours: O_EXCL and O_NOFOLLOW, so that a file or a
 * link someone else put under the name is never written through.
 */
static int open_tmp(const char *path, char *tmp, size_t len)
{
	int fd, tries;

	for (tries = 0; tries < 16; tries++) {
		if (tmp_name(path, tmp, len))
			return -1;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* fsync the directory holding path, so the rename itself is durable. */
static int fsync_parent(const char *path)
{
	char copy[4096];
	int fd, ret;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

int kmb_write_atomic(const char *path, const void *buf, size_t len)
{
	char tmp[4200];
	int fd, saved;

	fd = open_tmp(path, tmp, sizeof(tmp));
	if (fd < 0)
		return -1;
	if (kmb_write_all(fd, buf, len) || fsync(fd))
		goto fail;
	if (close(fd)) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path)) {
		fd = -1;
		goto fail;
	}
	return fsync_parent(path);
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

int kmb_json_write_atomic(const char *path, const json_t *json)
{
	char *text = json_dumps(json, JSON_INDENT(2) | JSON_SORT_KEYS);
	char *file = NULL;
	int ret, saved;

	/* Files end with a newline; json_dumps leaves none. */
	if (!text || asprintf(&file, "%s\n", text) < 0) {
		free(text);
		errno = ENOMEM;
		return -1;
	}
	free(text);
	ret = kmb_write_atomic(path, file, strlen(file));
	saved = errno;
	free(file);
	errno = saved;
	return ret;
}

/* ".name.tmp.<pid>[.<random>]": return the pid, or 0 if the name is not one of ours. */
static pid_t tmp_owner(const char *name)
{
	const char *infix = strstr(name, KMB_TMP_INFIX);
	char digits[16];
	size_t n;
	long pid;

	if (name[0] != '.' || !infix)
		return 0;
	infix += strlen(KMB_TMP_INFIX);
	n = strcspn(infix, ".");
	if (!n || n >= sizeof(digits))
		return 0;
	memcpy(digits, infix, n);
	digits[n] = '\0';
	if (kmb_parse_uint(digits, 1, 1L << 30, &pid))
		return 0;
	return (pid_t)pid;
}

/*
 * Only a regular file of our own user, left by a writer that is gone: a link
 * or another user's file under such a name is never removed. The checks and
 * the unlink are relative to the directory's fd, and unlink does not follow
 * a link, so a name swapped in between cannot redirect the removal.
 */
int kmb_remove_stale_tmp(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	struct stat st;
	int removed = 0;
	DIR *d;

	if (dfd < 0)
		return 0;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		pid_t pid = tmp_owner(de->d_name);

		if (!pid || pid == getpid())
			continue;
		if (kill(pid, 0) == 0 || errno == EPERM)
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid())
			continue;
		if (!unlinkat(dfd, de->d_name, 0))
			removed++;
	}
	closedir(d);
	return removed;
}
