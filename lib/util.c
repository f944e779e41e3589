// SPDX-License-Identifier: GPL-2.0-only
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *progname = "kmb";

void kmb_set_progname(const char *name)
{
	progname = name;
}

const char *kmb_progname(void)
{
	return progname;
}

void kmb_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void kmb_perr(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved));
}

static int unit_shift(const char *suffix, unsigned *shift)
{
	static const struct {
		const char *name;
		unsigned shift;
	} units[] = {
		{ "", 0 },    { "B", 0 },    { "K", 10 },   { "KB", 10 },  { "KIB", 10 },
		{ "M", 20 },  { "MB", 20 },  { "MIB", 20 }, { "G", 30 },   { "GB", 30 },
		{ "GIB", 30 }, { "T", 40 },  { "TB", 40 },  { "TIB", 40 },
	};
	char up[8];
	size_t i, n = strlen(suffix);

	if (n >= sizeof(up))
		return -1;
	for (i = 0; i <= n; i++)
		up[i] = (char)toupper((unsigned char)suffix[i]);
	for (i = 0; i < KMB_ARRAY_SIZE(units); i++) {
		if (!strcmp(up, units[i].name)) {
			*shift = units[i].shift;
			return 0;
		}
	}
	return -1;
}

int kmb_parse_size(const char *text, uint64_t *bytes, char *err, size_t errlen)
{
	unsigned long long num;
	unsigned shift;
	char *end;

	if (!text || !isdigit((unsigned char)text[0])) {
		snprintf(err, errlen, "invalid size '%s': expected a number with an optional K/M/G/T suffix",
			 text ? text : "");
		return -1;
	}
	errno = 0;
	num = strtoull(text, &end, 10);
	if (errno || unit_shift(end, &shift)) {
		snprintf(err, errlen, "invalid size '%s': expected a number with an optional K/M/G/T suffix",
			 text);
		return -1;
	}
	if (num == 0) {
		snprintf(err, errlen, "invalid size '%s': must be greater than zero", text);
		return -1;
	}
	if (shift && num > (UINT64_MAX >> shift)) {
		snprintf(err, errlen, "invalid size '%s': too large", text);
		return -1;
	}
	*bytes = (uint64_t)num << shift;
	return 0;
}

void kmb_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char suffix[] = { 'T', 'G', 'M', 'K' };
	static const unsigned shift[] = { 40, 30, 20, 10 };
	size_t i;

	for (i = 0; i < KMB_ARRAY_SIZE(shift); i++) {
		uint64_t unit = 1ULL << shift[i];

		if (bytes >= unit && bytes % unit == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(bytes / unit), suffix[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)bytes);
}

int kmb_parse_size_list(const char *text, uint64_t *out, int max, char *err, size_t errlen)
{
	char *copy = strdup(text), *save = NULL, *tok;
	int n = 0;

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max) {
			snprintf(err, errlen, "too many sizes in '%s' (at most %d)", text, max);
			n = -1;
			break;
		}
		if (kmb_parse_size(tok, &out[n], err, errlen)) {
			n = -1;
			break;
		}
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty size list '%s'", text);
		n = -1;
	}
	free(copy);
	return n;
}

int kmb_parse_uint(const char *text, long min, long max, long *out)
{
	char *end;
	long v;

	if (!text || !isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

uint64_t kmb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void kmb_utc_iso8601(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *kmb_read_text(const char *path)
{
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		if (used + 1 >= cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger)
				goto fail;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

int kmb_read_line(const char *path, char *buf, size_t len)
{
	char *text = kmb_read_text(path);
	size_t n;

	if (!text)
		return -1;
	n = strcspn(text, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	free(text);
	return 0;
}

int kmb_read_u64(const char *path, uint64_t *val)
{
	char line[64], *end;

	if (kmb_read_line(path, line, sizeof(line)))
		return -1;
	errno = 0;
	*val = strtoull(line, &end, 10);
	if (errno || end == line)
		return -1;
	return 0;
}

enum xfer { XFER_READ, XFER_WRITE, XFER_PREAD, XFER_PWRITE };

/*
 * All of len bytes, retrying short transfers and EINTR; an early end of file
 * is an error too (errno EIO): the caller wanted len bytes. Async-signal-safe.
 */
static int xfer_all(enum xfer how, int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		switch (how) {
		case XFER_READ:
			n = read(fd, p, len);
			break;
		case XFER_WRITE:
			n = write(fd, p, len);
			break;
		case XFER_PREAD:
			n = pread(fd, p, len, (off_t)off);
			break;
		default:
			n = pwrite(fd, p, len, (off_t)off);
			break;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int kmb_write_all(int fd, const void *buf, size_t len)
{
	return xfer_all(XFER_WRITE, fd, (void *)buf, len, 0);
}

int kmb_read_all(int fd, void *buf, size_t len)
{
	return xfer_all(XFER_READ, fd, buf, len, 0);
}

int kmb_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	return xfer_all(XFER_PREAD, fd, buf, len, off);
}

int kmb_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	return xfer_all(XFER_PWRITE, fd, (void *)buf, len, off);
}

int kmb_write_string(const char *path, const char *value)
{
	size_t len = strlen(value);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int saved;

	if (fd < 0)
		return -1;
	n = write(fd, value, len);
	saved = errno;
	close(fd);
	if (n != (ssize_t)len) {
		errno = n < 0 ? saved : EIO;
		return -1;
	}
	return 0;
}

void kmb_sysfs_selected(const char *text, char *buf, size_t len)
{
	const char *open = strchr(text, '['), *close = open ? strchr(open, ']') : NULL;
	size_t n;

	if (open && close) {
		n = (size_t)(close - open - 1);
		text = open + 1;
	} else {
		n = strcspn(text, "\n");
	}
	if (n >= len)
		n = len - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
}

uint64_t kmb_mem_available(void)
{
	char *text = kmb_read_text("/proc/meminfo");
	unsigned long long kib = 0;
	char *p;

	if (!text)
		return 0;
	p = strstr(text, "MemAvailable:");
	if (p)
		sscanf(p, "MemAvailable: %llu kB", &kib);
	free(text);
	return (uint64_t)kib * 1024;
}

size_t kmb_page_size(void)
{
	static size_t size;

	if (!size)
		size = (size_t)sysconf(_SC_PAGESIZE);
	return size;
}

void kmb_sanitize_name(char *s)
{
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			*s = '_';
	}
}

int kmb_mkdir_p(const char *path, unsigned mode)
{
	char buf[4096];
	size_t i, len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, (mode_t)mode) && errno != EEXIST)
			return -1;
		buf[i] = path[i];
	}
	return 0;
}


/* Every entry of the directory open at fd; the names are read before any is removed. */
int kmb_remove_contents_at(int fd, int depth)
{
	int dfd = dup(fd), ret = 0;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			char **more = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof(*names));

			if (!more) {
				ret = -1;
				break;
			}
			names = more;
		}
		if (!(names[n] = strdup(de->d_name))) {
			ret = -1;
			break;
		}
		n++;
	}
	closedir(d);
	for (i = 0; i < n; i++) {
		if (kmb_remove_tree_at(fd, names[i], depth))
			ret = -1;
		free(names[i]);
	}
	free(names);
	return ret;
}

/*
 * Remove name under the directory open at parent. A directory is entered
 * through openat(O_NOFOLLOW) and must be the one fstatat saw: a symlink put
 * in its place is never followed, only unlinked itself.
 */
int kmb_remove_tree_at(int parent, const char *name, int depth)
{
	struct stat before, opened;
	int fd, ret;

	if (fstatat(parent, name, &before, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(before.st_mode))
		return unlinkat(parent, name, 0);
	if (depth <= 0)
		return -1;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &opened) || opened.st_dev != before.st_dev ||
	    opened.st_ino != before.st_ino) {
		close(fd);
		return -1;
	}
	ret = kmb_remove_contents_at(fd, depth - 1);
	close(fd);
	if (unlinkat(parent, name, AT_REMOVEDIR))
		ret = -1;
	return ret;
}

/* parent directory and last component of path */
int kmb_open_parent(const char *path, const char **name)
{
	char parent[4096];
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*name = path;
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	*name = slash + 1;
	return open(*parent ? parent : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int kmb_rm_rf(const char *path)
{
	const char *name;
	int parent = kmb_open_parent(path, &name), ret;

	if (parent < 0)
		return errno == ENOENT ? 0 : -1;
	ret = kmb_remove_tree_at(parent, name, KMB_RM_RF_DEPTH);
	close(parent);
	return ret;
}


void kmb_kernel_moddir(const char *kernel, char *buf, size_t len)
{
	char base[4096], *slash;
	struct dirent *de;
	struct stat st;
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
		if (de->d_name[0] != '.' && !stat(dep, &st) && S_ISREG(st.st_mode)) {
			snprintf(buf, len, "%s/%s", base, de->d_name);
			break;
		}
	}
	closedir(d);
}
