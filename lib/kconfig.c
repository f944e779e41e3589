// SPDX-License-Identifier: GPL-2.0-only
/* Kernel config: hash it for the environment, keep a gzip copy with the results. */
#include "kconfig.h"
#include "atomic.h"
#include "env.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <zlib.h>

#define GZ_CHUNK 65536

struct kconfig {
	char *text;
	size_t len;
	char source[KMB_KCONFIG_SOURCE_LEN];
};

/*
 * Inflate gz (closed here) into a NUL-terminated buffer of at most max bytes;
 * NULL with *why set when it is unreadable, larger or empty. gzread passes
 * plain files through, so this reads both config sources.
 */
static char *gz_slurp(gzFile gz, size_t max, size_t *len, const char **why)
{
	size_t used = 0, cap = 0;
	char *buf = NULL, *bigger;
	int n;

	do {
		if (used + GZ_CHUNK + 1 > cap) {
			cap = used + GZ_CHUNK + 1;
			bigger = realloc(buf, cap);
			if (!bigger) {
				n = -1;
				break;
			}
			buf = bigger;
		}
		n = gzread(gz, buf + used, GZ_CHUNK);
		if (n > 0)
			used += (size_t)n;
	} while (n > 0 && used <= max);
	gzclose(gz);
	if (n < 0 || used > max || !used) {
		*why = n < 0	 ? "not a readable gzip file"
		       : used ? "inflates to more than a kernel config can be"
			      : "empty";
		free(buf);
		return NULL;
	}
	buf[used] = '\0';
	*len = used;
	return buf;
}

static char *gz_read_all(const char *path, size_t *len)
{
	gzFile gz = gzopen(path, "rb");
	const char *why;

	return gz ? gz_slurp(gz, KMB_KCONFIG_MAX_TEXT, len, &why) : NULL;
}

/* Fill kc from /proc/config.gz, else /boot/config-<release>; -1 if neither reads. */
static int kconfig_read(struct kconfig *kc)
{
	struct utsname uts;

	snprintf(kc->source, sizeof(kc->source), "/proc/config.gz");
	kc->text = gz_read_all(kc->source, &kc->len);
	if (kc->text)
		return 0;
	if (uname(&uts))
		return -1;
	snprintf(kc->source, sizeof(kc->source), "/boot/config-%s", uts.release);
	kc->text = gz_read_all(kc->source, &kc->len);
	return kc->text ? 0 : -1;
}

static int sha256_hex(const void *data, size_t len, char *hex, size_t hexlen)
{
	uint8_t md[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;
	unsigned int i;

	if (hexlen < 2 * SHA256_DIGEST_SIZE + 1)
		return -1;
	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, md);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* windowBits 31 = 15 plus the gzip wrapper, so `zcat` reads the result. */
static int gzip_buf(const char *in, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream zs = { 0 };
	uLong bound;
	int ret;

	if (len > UINT_MAX ||
	    deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&zs, (uLong)len);
	*out = malloc(bound);
	if (!*out) {
		deflateEnd(&zs);
		return -1;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = *out;
	zs.avail_out = (uInt)bound;
	ret = deflate(&zs, Z_FINISH);
	*outlen = zs.total_out;
	deflateEnd(&zs);
	if (ret != Z_STREAM_END) {
		free(*out);
		return -1;
	}
	return 0;
}

int kmb_kconfig_sha256(char *hex, size_t hexlen, char *source, size_t srclen)
{
	struct kconfig kc;
	int ret;

	if (kconfig_read(&kc))
		return -1;
	ret = sha256_hex(kc.text, kc.len, hex, hexlen);
	if (!ret)
		snprintf(source, srclen, "%s", kc.source);
	free(kc.text);
	return ret;
}

int kmb_kconfig_save(const char *path)
{
	struct kconfig kc;
	unsigned char *gz;
	size_t gzlen;
	int ret, saved;

	if (kconfig_read(&kc))
		return 1;
	ret = gzip_buf(kc.text, kc.len, &gz, &gzlen);
	free(kc.text);
	if (ret) {
		errno = ENOMEM;
		return -1;
	}
	ret = kmb_write_atomic(path, gz, gzlen) ? -1 : 0;
	saved = errno;
	free(gz);
	errno = saved;
	return ret;
}

char *kmb_kconfig_load(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	const char *why;
	struct stat st;
	size_t len;
	gzFile gz;
	char *buf;

	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 errno == ELOOP ? "a symbolic link" : strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > KMB_KCONFIG_MAX_FILE) {
		snprintf(err, errlen, "%s: %s", path,
			 !S_ISREG(st.st_mode) ? "not a regular file"
					      : "larger than a kernel config can be");
		close(fd);
		return NULL;
	}
	gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	buf = gz_slurp(gz, KMB_KCONFIG_MAX_TEXT, &len, &why);
	if (!buf)
		snprintf(err, errlen, "%s: %s", path, why);
	return buf;
}

json_t *kmb_kconfig_options(const char *text)
{
	json_t *opts = json_object();
	const char *line = text, *end;
	char name[256], value[1024];

	for (; line && *line; line = end ? end + 1 : NULL) {
		size_t len, k;

		end = strchr(line, '\n');
		len = end ? (size_t)(end - line) : strlen(line);
		if (!strncmp(line, "CONFIG_", 7)) {
			const char *eq = memchr(line, '=', len);

			if (!eq || (size_t)(eq - line) >= sizeof(name))
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)(eq - line), line);
			snprintf(value, sizeof(value), "%.*s", (int)(len - (size_t)(eq - line) - 1),
				 eq + 1);
			json_object_set_new(opts, name, json_string(value));
		} else if (!strncmp(line, "# CONFIG_", 9) && len > 13 &&
			   !strncmp(line + len - 11, " is not set", 11)) {
			k = len - 2 - 11;
			if (k >= sizeof(name))
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)k, line + 2);
			json_object_set_new(opts, name, json_string("n"));
		}
	}
	return opts;
}
