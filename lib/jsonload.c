// SPDX-License-Identifier: GPL-2.0-only
#include "jsonload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "not a regular file";
}

/* The whole file into a malloc'd buffer; NULL with err set. */
static char *read_regular(const char *path, size_t max_bytes, size_t *len, int *missing,
			  char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	size_t got = 0;
	char *buf = NULL;
	ssize_t n;

	if (missing)
		*missing = fd < 0 && errno == ENOENT;
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s, not a result file", path, kind_of(st.st_mode));
		goto fail;
	}
	if ((uint64_t)st.st_size > max_bytes) {
		snprintf(err, errlen, "%s: %lld bytes, more than the %zu MiB a result file may have",
			 path, (long long)st.st_size, max_bytes >> 20);
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	/* The size may change while we read: stop at the limit, whatever stat said. */
	while (got <= max_bytes) {
		if (got == (size_t)st.st_size) {
			char probe;

			n = read(fd, &probe, 1);
			if (n == 0)
				break;
			if (n > 0) {
				snprintf(err, errlen, "%s: grew while it was read", path);
				goto fail;
			}
		} else {
			n = read(fd, buf + got, (size_t)st.st_size - got);
			if (n == 0) {
				snprintf(err, errlen, "%s: shrank while it was read", path);
				goto fail;
			}
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

json_t *kmb_json_load(const char *path, size_t max_bytes, int *missing, char *err, size_t errlen)
{
	json_error_t jerr;
	size_t len = 0;
	char *text = read_regular(path, max_bytes, &len, missing, err, errlen);
	json_t *doc;

	if (!text)
		return NULL;
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (!doc)
		snprintf(err, errlen, "%s: invalid JSON at line %d: %s", path, jerr.line, jerr.text);
	return doc;
}
