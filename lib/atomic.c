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
#include <string.h>
#include <unistd.h>

void kmb_tmp_name(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;

	snprintf(buf, len, "%.*s.%s" KMB_TMP_INFIX "%d", dirlen, path, path + dirlen,
		 (int)getpid());
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

int kmb_commit_file(const char *tmp_path, const char *path)
{
	int fd = open(tmp_path, O_RDONLY | O_CLOEXEC);
	int saved;

	if (fd < 0)
		return -1;
	if (fsync(fd)) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	if (rename(tmp_path, path))
		return -1;
	return fsync_parent(path);
}

int kmb_write_atomic(const char *path, const void *buf, size_t len)
{
	char tmp[4096];
	int fd, saved;

	kmb_tmp_name(path, tmp, sizeof(tmp));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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

/* ".name.tmp.<pid>": return the pid, or 0 if the name is not one of ours. */
static pid_t tmp_owner(const char *name)
{
	const char *infix = strstr(name, KMB_TMP_INFIX);
	long pid;

	if (name[0] != '.' || !infix)
		return 0;
	if (kmb_parse_uint(infix + strlen(KMB_TMP_INFIX), 1, 1L << 30, &pid))
		return 0;
	return (pid_t)pid;
}

int kmb_remove_stale_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int removed = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		pid_t pid = tmp_owner(de->d_name);
		char path[4096];

		if (!pid || pid == getpid())
			continue;
		if (kill(pid, 0) == 0 || errno == EPERM)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (!unlink(path))
			removed++;
	}
	closedir(d);
	return removed;
}
