// SPDX-License-Identifier: GPL-2.0-only
#include "collect.h"
#include "atomic.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TRANSFER (1024UL * 1024 * 1024)

/* run/<a>[/<b>..] or log/<a>: short, no dot files, nothing that climbs out. */
static bool valid_name(const char *name)
{
	const char *p = name;
	int parts = 0;

	if (strncmp(name, "run/", 4) && strncmp(name, "log/", 4))
		return false;
	if (strlen(name) > 200)
		return false;
	p += 4;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || *p == '.' || ++parts > 4)
			return false;
		for (size_t i = 0; i < n; i++) {
			if (!isalnum((unsigned char)p[i]) && !strchr("._-", p[i]))
				return false;
		}
		p += n;
		if (*p == '/')
			p++;
		if (!*p && p[-1] == '/')
			return false;
	}
	return parts > 0 && (!strncmp(name, "run/", 4) || parts == 1);
}

static void hex(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

struct incoming {
	char name[256];
	size_t bytes;
	char sha[80];
	int line;
	struct base64_decode_ctx b64;
	unsigned char *data;
	size_t len, cap;
};

static int pfail(char *err, size_t errlen, int line, const char *fmt, const char *a,
		 const char *b)
{
	char msg[600];

	snprintf(msg, sizeof(msg), fmt, a, b);
	snprintf(err, errlen, "transfer line %d: %s", line, msg);
	return -1;
}

static int start_file(struct incoming *f, const char *args, int line, json_t *record,
		      char *err, size_t errlen)
{
	unsigned long long bytes;
	char name[256], sha[80];
	json_t *files = json_object_get(record, "files"), *e;
	size_t i;

	if (sscanf(args, "%255s %llu %79s", name, &bytes, sha) != 3 || strlen(sha) != 64)
		return pfail(err, errlen, line, "malformed file header '%s'%s", args, "");
	for (i = 0; i < 64; i++) {
		if (!isxdigit((unsigned char)sha[i]))
			return pfail(err, errlen, line, "malformed checksum in '%s'%s", args, "");
	}
	if (!valid_name(name))
		return pfail(err, errlen, line, "refusing file name '%s'%s", name,
			     " (only run/<path> and log/<name> of plain names)");
	if (bytes > KMB_AB_MAX_FILE)
		return pfail(err, errlen, line, "%s is too large (%s)", name, args);
	json_array_foreach(files, i, e) {
		if (!strcmp(json_string_value(json_object_get(e, "name")), name))
			return pfail(err, errlen, line, "%s sent twice%s", name, "");
	}
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->sha, sizeof(f->sha), "%s", sha);
	for (i = 0; f->sha[i]; i++)
		f->sha[i] = (char)tolower((unsigned char)f->sha[i]);
	f->bytes = (size_t)bytes;
	f->line = line;
	f->cap = f->bytes + 64;
	f->data = malloc(f->cap);
	if (!f->data)
		return pfail(err, errlen, line, "out of memory for %s%s", name, "");
	base64_decode_init(&f->b64);
	return 0;
}

static int add_base64(struct incoming *f, const char *text, size_t n, int line, char *err,
		      size_t errlen)
{
	size_t out = BASE64_DECODE_LENGTH(n);

	if (f->len + out > f->cap)
		return pfail(err, errlen, line, "%s: more data than the %s bytes announced",
			     f->name, "announced");
	if (!base64_decode_update(&f->b64, &out, f->data + f->len, n, text))
		return pfail(err, errlen, line, "%s: not base64 here%s", f->name, "");
	f->len += out;
	return 0;
}

static int end_file(struct incoming *f, int line, kmb_ab_file_cb cb, void *ctx,
		    json_t *record, char *err, size_t errlen)
{
	unsigned char digest[SHA256_DIGEST_SIZE];
	struct sha256_ctx sha;
	char got[2 * SHA256_DIGEST_SIZE + 1], msg[200];
	int ret;

	if (!base64_decode_final(&f->b64))
		return pfail(err, errlen, line, "%s: base64 ends mid-group%s", f->name, "");
	if (f->len != f->bytes) {
		snprintf(msg, sizeof(msg), "%zu bytes received, %zu announced", f->len, f->bytes);
		return pfail(err, errlen, line, "%s: %s", f->name, msg);
	}
	sha256_init(&sha);
	sha256_update(&sha, f->len, f->data);
	sha256_digest(&sha, sizeof(digest), digest);
	hex(digest, sizeof(digest), got);
	if (strcmp(got, f->sha)) {
		snprintf(msg, sizeof(msg), "sha256 %s, announced %s", got, f->sha);
		return pfail(err, errlen, line, "%s: checksum mismatch: %s", f->name, msg);
	}
	ret = cb ? cb(ctx, f->name, f->data, f->len, err, errlen) : 0;
	if (!ret)
		json_array_append_new(json_object_get(record, "files"),
				      json_pack("{s:s, s:I, s:s}", "name", f->name, "bytes",
						(json_int_t)f->len, "sha256", got));
	return ret;
}

int kmb_ab_transfer_parse(const char *text, size_t len, kmb_ab_file_cb cb, void *ctx,
			  json_t *record, char *err, size_t errlen)
{
	struct incoming f = { .data = NULL };
	bool in_file = false, ready = false, done = false;
	size_t pos = 0;
	int line = 0, ret = -1;
	char buf[8192];

	json_object_set_new(record, "files", json_array());
	json_object_set_new(record, "sysctl", json_array());
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t raw = nl ? (size_t)(nl - (text + pos)) : len - pos, n = raw;

		line++;
		if (raw >= sizeof(buf)) {
			/* Progress lines may be long; file content never is. */
			if (!in_file) {
				pos += raw + 1;
				continue;
			}
			pfail(err, errlen, line, "line longer than %s bytes%s", "8191", "");
			goto out;
		}
		memcpy(buf, text + pos, raw);
		while (n && buf[n - 1] == '\r')
			n--;
		buf[n] = '\0';
		pos += raw + 1;
		if (in_file) {
			if (!strcmp(buf, "KMB-AB-FILE-END")) {
				if (end_file(&f, line, cb, ctx, record, err, errlen))
					goto out;
				free(f.data);
				f.data = NULL;
				in_file = false;
			} else if (!strncmp(buf, "KMB-AB-", 7)) {
				pfail(err, errlen, line, "%s cut off by '%s'", f.name, buf);
				goto out;
			} else if (add_base64(&f, buf, n, line, err, errlen)) {
				goto out;
			}
			continue;
		}
		if (!strncmp(buf, "KMB-AB-READY", 12)) {
			ready = true;
			json_object_set_new(record, "ready", json_string(buf + 12 + (buf[12] == ' ')));
		} else if (!strncmp(buf, "KMB-AB-SYSCTL ", 14)) {
			json_array_append_new(json_object_get(record, "sysctl"),
					      json_string(buf + 14));
		} else if (!strncmp(buf, "KMB-AB-FILE ", 12)) {
			if (start_file(&f, buf + 12, line, record, err, errlen))
				goto out;
			in_file = true;
		} else if (!strncmp(buf, "KMB-AB-EXIT ", 12)) {
			json_object_set_new(record, "bench_exit",
					    json_integer(strtol(buf + 12, NULL, 10)));
		} else if (!strcmp(buf, "KMB-AB-DONE")) {
			done = true;
			break;
		}
	}
	if (!ready)
		snprintf(err, errlen, "nothing from the guest's /init on the transfer line");
	else if (in_file)
		snprintf(err, errlen, "the transfer of %s was cut off (the guest stopped while "
				      "sending)", f.name);
	else if (!done)
		snprintf(err, errlen, "the transfer is incomplete (no KMB-AB-DONE after line %d)",
			 line);
	else
		ret = 0;
out:
	free(f.data);
	return ret;
}

struct sink {
	const char *run_dir, *log_dir, *side;
};

static int write_file(void *ctx, const char *name, const unsigned char *data, size_t len,
		      char *err, size_t errlen)
{
	const struct sink *s = ctx;
	char path[4400], dir[4400], *slash;

	if (!strncmp(name, "run/", 4))
		snprintf(path, sizeof(path), "%s/%s", s->run_dir, name + 4);
	else
		snprintf(path, sizeof(path), "%s/%s-%s", s->log_dir, s->side, name + 4);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (kmb_mkdir_p(dir, 0755) || kmb_write_atomic(path, data, len)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int kmb_ab_collect(const char *xfer_log, const char *run_dir, const char *log_dir,
		   const char *side, json_t *record, char *err, size_t errlen)
{
	struct sink s = { run_dir, log_dir, side };
	struct stat st;
	char *text;
	int fd, ret;

	fd = open(xfer_log, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (unsigned long)st.st_size > MAX_TRANSFER) {
		snprintf(err, errlen, "%s: %s", xfer_log,
			 fd < 0 ? strerror(errno) : "not a regular file of a sane size");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text || kmb_read_all(fd, text, (size_t)st.st_size)) {
		snprintf(err, errlen, "cannot read %s: %s", xfer_log, strerror(errno));
		free(text);
		close(fd);
		return -1;
	}
	close(fd);
	text[st.st_size] = '\0';
	if (kmb_mkdir_p(run_dir, 0755)) {
		snprintf(err, errlen, "cannot create %s: %s", run_dir, strerror(errno));
		free(text);
		return -1;
	}
	ret = kmb_ab_transfer_parse(text, (size_t)st.st_size, write_file, &s, record, err, errlen);
	free(text);
	return ret;
}
