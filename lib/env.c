// SPDX-License-Identifier: GPL-2.0-only
/* Generated at build time; absent when this file is compiled on its own. */
#if defined(__has_include)
#if __has_include("config.h")
#include "config.h"
#endif
#if __has_include("kmb-version.h")
#include "kmb-version.h"
#endif
#endif

#include "env.h"
#include "caps.h"
#include "conditions.h"
#include "hostlabel.h"
#include "kconfig.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <mntent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#ifdef PACKAGE_VERSION
#define KMB_TOOL_VERSION PACKAGE_VERSION
#else
#define KMB_TOOL_VERSION "unknown"
#endif
#ifndef KMB_GIT_COMMIT
#define KMB_GIT_COMMIT "unknown"
#endif

#if defined(__clang__)
#define KMB_COMPILER "clang " __VERSION__
#elif defined(__GNUC__)
#define KMB_COMPILER "gcc " __VERSION__
#else
#define KMB_COMPILER "unknown"
#endif

/* gcc defines __SANITIZE_ADDRESS__; clang only answers __has_feature. */
#if defined(__SANITIZE_ADDRESS__)
#define KMB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KMB_ASAN 1
#endif
#endif
#ifndef KMB_ASAN
#define KMB_ASAN 0
#endif

#define THP_DIR "/sys/kernel/mm/transparent_hugepage/"
#define KSM_DIR "/sys/kernel/mm/ksm/"

/* json_string() refuses invalid UTF-8; such a field becomes null like a missing one. */
static json_t *jstr(const char *s)
{
	json_t *j = s ? json_string(s) : NULL;

	return j ? j : json_null();
}

static void put(json_t *obj, const char *key, json_t *value)
{
	json_object_set_new(obj, key, value ? value : json_null());
}

static void rtrim(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* Value of the first "key<spaces>: value" line of /proc/cpuinfo; -1 if none. */
static int cpuinfo_field(const char *info, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *line, *colon, *end;

	for (line = info; line && *line; line = end[0] ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		colon = memchr(line, ':', (size_t)(end - line));
		if (!colon || strncmp(line, key, klen) ||
		    strspn(line + klen, " \t") != (size_t)(colon - line) - klen)
			continue;
		colon += 1 + strspn(colon + 1, " \t");
		snprintf(buf, len, "%.*s", (int)(end - colon), colon);
		rtrim(buf);
		return 0;
	}
	return -1;
}

/* x86 and arm name the model; s390x gives the machine type instead. */
static json_t *cpu_model(const char *info)
{
	static const char *const keys[] = { "model name", "machine", "processor 0" };
	char val[256];
	size_t i;

	for (i = 0; info && i < KMB_ARRAY_SIZE(keys); i++) {
		if (!cpuinfo_field(info, keys[i], val, sizeof(val)))
			return jstr(val);
	}
	return json_null();
}

static json_t *cpu_json(void)
{
	char *info = kmb_read_text("/proc/cpuinfo");
	long count = sysconf(_SC_NPROCESSORS_ONLN);
	json_t *cpu = json_object();
	char val[256];

	put(cpu, "model", cpu_model(info));
	put(cpu, "count", count > 0 ? json_integer(count) : json_null());
	if (info && !cpuinfo_field(info, "vendor_id", val, sizeof(val)))
		put(cpu, "vendor_id", jstr(val));
	free(info);
	return cpu;
}

/* "MemTotal:  123 kB" in bytes, null when the line is missing. */
static json_t *meminfo_bytes(const char *key)
{
	char *text = kmb_read_text("/proc/meminfo"), *p;
	unsigned long long kib;
	json_t *val = json_null();

	p = text ? strstr(text, key) : NULL;
	if (p && sscanf(p + strlen(key), " %llu", &kib) == 1)
		val = json_integer((json_int_t)(kib * 1024));
	free(text);
	return val;
}

static json_t *memory_json(void)
{
	json_t *mem = json_object();

	put(mem, "total_bytes", meminfo_bytes("MemTotal:"));
	put(mem, "available_bytes", meminfo_bytes("MemAvailable:"));
	return mem;
}

static json_t *kernel_json(const struct utsname *uts)
{
	json_t *k = json_object();
	char *cmdline = kmb_read_text("/proc/cmdline");
	char hex[KMB_KCONFIG_HEX_LEN], source[KMB_KCONFIG_SOURCE_LEN];
	bool have_config = kmb_kconfig_sha256(hex, sizeof(hex), source, sizeof(source)) == 0;

	if (cmdline)
		rtrim(cmdline);
	put(k, "release", jstr(uts ? uts->release : NULL));
	put(k, "version", jstr(uts ? uts->version : NULL));
	put(k, "cmdline", jstr(cmdline));
	put(k, "config_sha256", have_config ? jstr(hex) : json_null());
	put(k, "config_source", have_config ? jstr(source) : json_null());
	free(cmdline);
	return k;
}

/* A knob as the kernel shows it: bracketed choice, integer, or plain text. */
static json_t *knob_json(const char *path)
{
	char line[256], word[64], *end;
	long long num;

	if (kmb_read_line(path, line, sizeof(line)))
		return json_null();
	rtrim(line);
	if (strchr(line, '[')) {
		kmb_sysfs_selected(line, word, sizeof(word));
		return jstr(word);
	}
	errno = 0;
	num = strtoll(line, &end, 10);
	if (!errno && end != line && !*end)
		return json_integer(num);
	return jstr(line);
}

static json_t *mm_json(void)
{
	static const struct {
		const char *key, *path;
	} knobs[] = {
		{ "thp_enabled", THP_DIR "enabled" },
		{ "thp_defrag", THP_DIR "defrag" },
		{ "thp_use_zero_page", THP_DIR "use_zero_page" },
		{ "thp_shmem_enabled", THP_DIR "shmem_enabled" },
		{ "ksm_run", KSM_DIR "run" },
		{ "ksm_use_zero_pages", KSM_DIR "use_zero_pages" },
		{ "ksm_pages_to_scan", KSM_DIR "pages_to_scan" },
		{ "ksm_sleep_millisecs", KSM_DIR "sleep_millisecs" },
		{ "overcommit_memory", "/proc/sys/vm/overcommit_memory" },
		{ "overcommit_ratio", "/proc/sys/vm/overcommit_ratio" },
		{ "unprivileged_userfaultfd", "/proc/sys/vm/unprivileged_userfaultfd" },
		{ "numa_balancing", "/proc/sys/kernel/numa_balancing" },
		{ "zone_reclaim_mode", "/proc/sys/vm/zone_reclaim_mode" },
	};
	json_t *mm = json_object();
	size_t i;

	for (i = 0; i < KMB_ARRAY_SIZE(knobs); i++)
		put(mm, knobs[i].key, knob_json(knobs[i].path));
	put(mm, "swap_total_bytes", meminfo_bytes("SwapTotal:"));
	return mm;
}

/* Hybrid: v1 controllers plus an empty cgroup2 tree (systemd's "unified" mount). */
static const char *cgroup_version(void)
{
	FILE *f = setmntent("/proc/self/mounts", "r");
	bool v1 = false, v2 = false;
	struct mntent *m;

	if (!f)
		return "none";
	while ((m = getmntent(f))) {
		v1 |= !strcmp(m->mnt_type, "cgroup");
		v2 |= !strcmp(m->mnt_type, "cgroup2");
	}
	endmntent(f);
	if (v1 && v2)
		return "hybrid";
	return v1 ? "v1" : v2 ? "v2" : "none";
}

static json_t *cgroup_json(void)
{
	json_t *cg = json_object();

	put(cg, "version", jstr(cgroup_version()));
	put(cg, "memory_controller", json_boolean(kmb_cap_has(KMB_CAP_MEMCG, NULL)));
	return cg;
}

/*
 * s390x: which work KVM_S390_SET_SKEYS (and a guest's first storage-key
 * instruction) does on this kernel, so that skey results are only compared
 * between kernels that do the same:
 *  - "s390_enable_skey" up to Linux 6.19 (arch/s390/mm/gmap.c): KSM off, the
 *    zeropages of the whole process unshared (since 6.10), and a walk of the
 *    whole mm that resets the key of every present page;
 *  - "gmap_enable_skeys" from Linux 7.0 (arch/s390/kvm/gmap.c): zeropages
 *    unshared and KSM off for the whole process, then a walk of KVM's own DAT
 *    tables only.
 * KVM_CAP_S390_KEYOP (247) came in the same series as gmap_enable_skeys()
 * ("KVM: s390: Switch to new gmap" ... "KVM: s390: Storage key manipulation
 * IOCTL", merged for 7.0), so it tells the two apart; a kernel carrying one
 * without the other would fool this, and user space cannot see it. NULL off
 * s390x.
 */
static json_t *s390_skeys_json(void)
{
#ifdef __s390x__
	const char *path = NULL;
	char evidence[160];
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), keyop;

	if (kvm < 0) {
		snprintf(evidence, sizeof(evidence), "cannot open /dev/kvm: %s", strerror(errno));
	} else {
		keyop = ioctl(kvm, KVM_CHECK_EXTENSION, 247 /* KVM_CAP_S390_KEYOP */);
		close(kvm);
		if (keyop < 0)
			snprintf(evidence, sizeof(evidence),
				 "KVM_CHECK_EXTENSION(KVM_CAP_S390_KEYOP) failed: %s", strerror(errno));
		else
			snprintf(evidence, sizeof(evidence), "KVM_CAP_S390_KEYOP %s",
				 keyop > 0 ? "present (Linux 7.0 gmap)" : "absent");
		if (keyop >= 0)
			path = keyop > 0 ? "gmap_enable_skeys" : "s390_enable_skey";
	}
	return json_pack("{s:s?, s:s}", "set_skeys", path, "evidence", evidence);
#else
	return NULL;
#endif
}

static json_t *tool_json(void)
{
	json_t *tool = json_object();

	put(tool, "name", jstr("kvm-mm-bench"));
	put(tool, "version", jstr(KMB_TOOL_VERSION));
	put(tool, "git_commit", jstr(KMB_GIT_COMMIT));
	return tool;
}

static json_t *build_json(void)
{
	json_t *build = json_object();

	put(build, "compiler", jstr(KMB_COMPILER));
#ifdef __GLIBC__
	put(build, "libc", jstr(gnu_get_libc_version()));
#else
	put(build, "libc", json_null());
#endif
	put(build, "jansson", jstr(jansson_version_str()));
	put(build, "cflags_sanitizers", json_boolean(KMB_ASAN));
	return build;
}

json_t *kmb_env_capture(void)
{
	json_t *env = json_object(), *s390;
	struct utsname uts;
	bool have_uts = uname(&uts) == 0;

	if (!env)
		return NULL;
	put(env, "host", jstr(have_uts ? uts.nodename : NULL));
	kmb_host_label_capture(env);
	put(env, "arch", jstr(have_uts ? uts.machine : NULL));
	put(env, "cpu", cpu_json());
	put(env, "memory", memory_json());
	put(env, "page_size", json_integer((json_int_t)kmb_page_size()));
	put(env, "kernel", kernel_json(have_uts ? &uts : NULL));
	put(env, "mm", mm_json());
	put(env, "cgroup", cgroup_json());
	put(env, "zeropage", kmb_zeropage_policy_json());
	put(env, "conditions", kmb_conditions_capture());
	put(env, "capabilities", kmb_caps_json());
	if ((s390 = s390_skeys_json()))
		put(env, "s390_skeys", s390);
	put(env, "tool", tool_json());
	put(env, "build", build_json());
	return env;
}

/* ---- printing ---- */

/* A scalar as text; missing and null fields print as "n/a". */
static const char *text(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	return "n/a";
}

static const char *str(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "n/a";
}

static const json_t *get(const json_t *env, const char *obj, const char *key)
{
	return json_object_get(json_object_get(env, obj), key);
}

static void print_kv(FILE *out, const char *label, const json_t *v)
{
	char buf[32];

	fprintf(out, " %s=%s", label, text(v, buf, sizeof(buf)));
}

static const char *human_bytes(const json_t *v, char *buf, size_t len)
{
	double b;

	if (!json_is_integer(v))
		return "n/a";
	b = (double)json_integer_value(v);
	if (b >= KMB_GIB)
		snprintf(buf, len, "%.1f GiB", b / KMB_GIB);
	else if (b >= KMB_MIB)
		snprintf(buf, len, "%.1f MiB", b / KMB_MIB);
	else
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT " B", json_integer_value(v));
	return buf;
}

static void print_system(const json_t *env, FILE *out)
{
	char a[32], b[32];

	fprintf(out, "host: %s (%s, page size %s)\n", str(json_object_get(env, "host")),
		str(json_object_get(env, "arch")),
		text(json_object_get(env, "page_size"), b, sizeof(b)));
	fprintf(out, "host label: %s (from %s)\n", str(json_object_get(env, "host_label")),
		str(json_object_get(env, "host_label_source")));
	fprintf(out, "kernel: %s %s\n", str(get(env, "kernel", "release")),
		str(get(env, "kernel", "version")));
	fprintf(out, "cmdline: %s\n", str(get(env, "kernel", "cmdline")));
	fprintf(out, "config: sha256 %s (%s)\n", str(get(env, "kernel", "config_sha256")),
		str(get(env, "kernel", "config_source")));
	fprintf(out, "cpu: %s x %s\n", str(get(env, "cpu", "model")),
		text(get(env, "cpu", "count"), b, sizeof(b)));
	fprintf(out, "memory: %s total / ",
		human_bytes(get(env, "memory", "total_bytes"), a, sizeof(a)));
	fprintf(out, "%s available\n",
		human_bytes(get(env, "memory", "available_bytes"), a, sizeof(a)));
}

static void print_mm(const json_t *env, FILE *out)
{
	const json_t *mm = json_object_get(env, "mm");
	char a[32];

	fprintf(out, "thp:");
	print_kv(out, "enabled", json_object_get(mm, "thp_enabled"));
	print_kv(out, "defrag", json_object_get(mm, "thp_defrag"));
	print_kv(out, "use_zero_page", json_object_get(mm, "thp_use_zero_page"));
	print_kv(out, "shmem_enabled", json_object_get(mm, "thp_shmem_enabled"));
	fprintf(out, "\nksm:");
	print_kv(out, "run", json_object_get(mm, "ksm_run"));
	print_kv(out, "use_zero_pages", json_object_get(mm, "ksm_use_zero_pages"));
	print_kv(out, "pages_to_scan", json_object_get(mm, "ksm_pages_to_scan"));
	print_kv(out, "sleep_millisecs", json_object_get(mm, "ksm_sleep_millisecs"));
	fprintf(out, "\novercommit:");
	print_kv(out, "memory", json_object_get(mm, "overcommit_memory"));
	print_kv(out, "ratio", json_object_get(mm, "overcommit_ratio"));
	fprintf(out, "\nvm:");
	print_kv(out, "unprivileged_userfaultfd", json_object_get(mm, "unprivileged_userfaultfd"));
	print_kv(out, "numa_balancing", json_object_get(mm, "numa_balancing"));
	print_kv(out, "zone_reclaim_mode", json_object_get(mm, "zone_reclaim_mode"));
	fprintf(out, " swap=%s\n",
		human_bytes(json_object_get(mm, "swap_total_bytes"), a, sizeof(a)));
	fprintf(out, "cgroup: %s, memory controller %s\n", str(get(env, "cgroup", "version")),
		json_is_true(get(env, "cgroup", "memory_controller")) ? "present" : "missing");
	fprintf(out, "zeropage: %s (%s: %s)", str(get(env, "zeropage", "policy")),
		str(get(env, "zeropage", "method")), str(get(env, "zeropage", "evidence")));
	if (json_is_string(get(env, "zeropage", "cmdline")))
		fprintf(out, "; kernel command line: %s", str(get(env, "zeropage", "cmdline")));
	fputc('\n', out);
}

/* jansson's iterators take a non-const object; nothing here modifies it. */
static void print_caps(const json_t *env, FILE *out)
{
	json_t *caps = (json_t *)json_object_get(env, "capabilities"), *cap;
	const char *name;
	int width = 0;

	fprintf(out, "capabilities:\n");
	json_object_foreach(caps, name, cap) {
		if ((int)strlen(name) > width)
			width = (int)strlen(name);
	}
	json_object_foreach(caps, name, cap) {
		const char *reason = json_string_value(json_object_get(cap, "reason"));

		if (json_is_true(json_object_get(cap, "available")))
			fprintf(out, "  %-*s  available\n", width, name);
		else
			fprintf(out, "  %-*s  missing: %s\n", width, name, reason ? reason : "?");
	}
}

static void print_build(const json_t *env, FILE *out)
{
	const json_t *bench = get(env, "build", "benchmark");

	fprintf(out, "tool: %s %s (git %s)\n", str(get(env, "tool", "name")),
		str(get(env, "tool", "version")), str(get(env, "tool", "git_commit")));
	fprintf(out, "build: %s, libc %s, jansson %s, sanitizers %s\n",
		str(get(env, "build", "compiler")), str(get(env, "build", "libc")),
		str(get(env, "build", "jansson")),
		json_is_true(get(env, "build", "cflags_sanitizers")) ? "on" : "off");
	if (json_is_object(bench))
		fprintf(out, "benchmark library: %s (%s)\n", str(json_object_get(bench, "version")),
			str(json_object_get(bench, "build_type")));
}

static void print_conditions(const json_t *env, FILE *out)
{
	const json_t *c = json_object_get(env, "conditions"), *w;
	size_t i;

	json_array_foreach(json_object_get(c, "warnings"), i, w)
		fprintf(out, "warning: %s\n", json_string_value(w));
}

void kmb_env_print(const json_t *env, FILE *out)
{
	print_system(env, out);
	print_mm(env, out);
	print_conditions(env, out);
	print_caps(env, out);
	if (json_object_get(env, "s390_skeys"))
		fprintf(out, "s390 KVM_S390_SET_SKEYS: %s (%s)\n",
			str(get(env, "s390_skeys", "set_skeys")),
			str(get(env, "s390_skeys", "evidence")));
	print_build(env, out);
}
