// SPDX-License-Identifier: GPL-2.0-only
/* Environment capture: fields that must hold on any Linux host. */
#include "caps.h"
#include "check.h"
#include "env.h"
#include "kconfig.h"
#include "util.h"

#include <ctype.h>
#include <nettle/sha2.h>
#include <stdbool.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

static const char *const cap_names[] = {
	"pagemap_census", "pagemap_scan", "zeropage",	      "madv_populate", "thp",
	"huge_zeropage",  "userfaultfd",  "ksm",	      "ksm_zero_pages", "kvm",
	"s390_skeys",	  "s390_pv",	  "process_mrelease", "memcg",	       "root",
};

static const char *field(const json_t *env, const char *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(env, obj), key));
}

static void check_uname(const json_t *env)
{
	struct utsname uts;

	CHECK(uname(&uts) == 0);
	CHECK(json_string_length(json_object_get(env, "host")) > 0);
	CHECK_STREQ(json_string_value(json_object_get(env, "host")), uts.nodename);
	CHECK_STREQ(json_string_value(json_object_get(env, "arch")), uts.machine);
	CHECK_STREQ(field(env, "kernel", "release"), uts.release);
	CHECK_STREQ(field(env, "kernel", "version"), uts.version);
}

static void check_cmdline(const json_t *env)
{
	char *cmdline = kmb_read_text("/proc/cmdline");
	size_t n;

	CHECK(cmdline != NULL);
	if (!cmdline)
		return;
	n = strlen(cmdline);
	while (n && isspace((unsigned char)cmdline[n - 1]))
		cmdline[--n] = '\0';
	CHECK_STREQ(field(env, "kernel", "cmdline"), cmdline);
	free(cmdline);
}

/* Read the bracketed word without kmb_sysfs_selected, so a bug there shows. */
static void check_thp(const json_t *env)
{
	char line[256], *open, *close;

	if (kmb_read_line("/sys/kernel/mm/transparent_hugepage/enabled", line, sizeof(line))) {
		CHECK(json_is_null(json_object_get(json_object_get(env, "mm"), "thp_enabled")));
		return;
	}
	open = strchr(line, '[');
	close = open ? strchr(open, ']') : NULL;
	CHECK(open && close);
	if (!open || !close)
		return;
	*close = '\0';
	CHECK_STREQ(field(env, "mm", "thp_enabled"), open + 1);
}

static void check_caps(const json_t *env)
{
	const json_t *caps = json_object_get(env, "capabilities");
	size_t i;

	CHECK(json_is_object(caps));
	CHECK_EQ_U64(json_object_size(caps), KMB_ARRAY_SIZE(cap_names));
	CHECK_EQ_U64(KMB_ARRAY_SIZE(cap_names), KMB_CAP_COUNT);
	for (i = 0; i < KMB_ARRAY_SIZE(cap_names); i++) {
		const json_t *cap = json_object_get(caps, cap_names[i]);
		const json_t *avail = json_object_get(cap, "available");
		const json_t *reason = json_object_get(cap, "reason");

		CHECK_STREQ(kmb_cap_name((enum kmb_cap)i), cap_names[i]);
		CHECK(json_is_boolean(avail));
		if (json_is_true(avail))
			CHECK(reason == NULL);
		else
			CHECK(json_string_length(reason) > 0);
	}
	CHECK(json_is_true(json_object_get(json_object_get(caps, "root"), "available")) ==
	      (geteuid() == 0));
}

static char *gunzip(const char *path, size_t *len)
{
	gzFile gz = gzopen(path, "rb");
	size_t used = 0;
	char *buf = NULL, *bigger;
	int n = -1;

	if (!gz)
		return NULL;
	for (;;) {
		bigger = realloc(buf, used + 65536);
		if (!bigger)
			break;
		buf = bigger;
		n = gzread(gz, buf + used, 65536);
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	gzclose(gz);
	if (n != 0) {
		free(buf);
		return NULL;
	}
	*len = used;
	return buf;
}

static bool starts_with_gzip_magic(const char *path)
{
	unsigned char magic[2] = { 0 };
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return false;
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

static void check_sha256(const char *data, size_t len, const char *want)
{
	uint8_t md[SHA256_DIGEST_SIZE];
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	struct sha256_ctx ctx;
	unsigned int i;

	sha256_init(&ctx);
	sha256_update(&ctx, len, (const uint8_t *)data);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, md);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	CHECK_STREQ(want, hex);
}

static void check_saved_config(const json_t *env)
{
	const char *base = getenv("KMB_TEST_TMP");
	char dir[512], path[600];
	size_t len;
	char *text;
	int ret;

	snprintf(dir, sizeof(dir), "%s/test_env.XXXXXX", base && *base ? base : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/config.gz", dir);
	ret = kmb_kconfig_save(path);
	CHECK(ret == 0 || ret == 1);
	if (ret == 1)
		CHECK(field(env, "kernel", "config_sha256") == NULL);
	if (ret == 0) {
		CHECK(starts_with_gzip_magic(path));
		text = gunzip(path, &len);
		CHECK(text != NULL && len > 0);
		if (text)
			check_sha256(text, len, field(env, "kernel", "config_sha256"));
		free(text);
	}
	unlink(path);
	CHECK(rmdir(dir) == 0);
}

int main(void)
{
	json_t *env = kmb_env_capture();

	CHECK(json_is_object(env));
	if (!env)
		CHECK_DONE();
	check_uname(env);
	check_cmdline(env);
	check_thp(env);
	check_caps(env);
	check_saved_config(env);
	kmb_env_print(env, stdout);
	json_decref(env);
	CHECK_DONE();
}
