// SPDX-License-Identifier: GPL-2.0-only
#include "caps.h"
#include "census.h"
#include "child.h"
#include "knob.h"
#include "kvm_util.h"
#include "uapi.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/* Same number on every architecture (the unified syscall table, Linux 5.15). */
#ifndef __NR_process_mrelease
#define __NR_process_mrelease 448
#endif

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"
#define KSM_DIR "/sys/kernel/mm/ksm"
#define KVM_API_VERSION_EXPECTED 12

/* A probe fills reason (at most len bytes) and returns false when the capability is missing. */
typedef bool (*cap_probe_fn)(char *reason, size_t len);

struct cap_state {
	bool probed;
	bool available;
	char reason[256];
};

static struct cap_state cap_states[KMB_CAP_COUNT];

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Root bypasses permission bits, but not a read-only mount: access() sees both. */
static bool file_writable(const char *path)
{
	return geteuid() == 0 && access(path, W_OK) == 0;
}

/* The census method is probed once and shared by the two census capabilities. */
static int census_method(enum kmb_census_method *method, char *err, size_t len)
{
	static bool probed;
	static int ret;
	static enum kmb_census_method cached;
	static char cached_err[256];

	if (!probed) {
		cached_err[0] = '\0';
		ret = kmb_census_probe(&cached, cached_err, sizeof(cached_err));
		probed = true;
	}
	*method = cached;
	snprintf(err, len, "%s", cached_err[0] ? cached_err : "no census method works here");
	return ret;
}

static bool probe_pagemap_census(char *reason, size_t len)
{
	enum kmb_census_method method;

	return census_method(&method, reason, len) == 0;
}

static bool probe_pagemap_scan(char *reason, size_t len)
{
	enum kmb_census_method method;

	if (census_method(&method, reason, len) == 0 && method == KMB_CENSUS_PAGEMAP_SCAN)
		return true;
	snprintf(reason, len, "PAGEMAP_SCAN ioctl not supported (Linux 6.7+)");
	return false;
}

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A probe's answer, as a child process hands it back (lib/child.h). */
struct probe_answer {
	bool ok;
	char reason[256];
};

static int probe_child(const void *arg, void *out, char *err, size_t errlen)
{
	cap_probe_fn probe = *(const cap_probe_fn *)arg;
	struct probe_answer *a = out;

	(void)err;
	(void)errlen;
	a->ok = probe(a->reason, sizeof(a->reason));
	return 0;
}

/*
 * Run a probe in a forked child: for probes that change knobs for a moment
 * or leave marks on the process (THP state of the mm), which the benchmarks
 * run later in this process must not inherit.
 */
static bool probe_in_child(cap_probe_fn probe, char *reason, size_t len)
{
	struct probe_answer a = { false, "" };
	char err[256];

	if (kmb_in_child(probe_child, &probe, &a, sizeof(a), err, sizeof(err))) {
		snprintf(reason, len, "cannot tell: %s", err);
		return false;
	}
	a.reason[sizeof(a.reason) - 1] = '\0';
	if (!a.ok)
		snprintf(reason, len, "%s", a.reason);
	return a.ok;
}

/*
 * Parameters on the kernel command line that name the zeropage: some
 * hypervisors' guest kernels take one that forbids it ("pvm_no_zero_page=1").
 * The policy is probed by behaviour; these only say why it is what it is.
 */
static void cmdline_zeropage_params(char *buf, size_t len)
{
	char *text = kmb_read_text("/proc/cmdline"), *tok, *save = NULL;
	size_t used = 0;

	buf[0] = '\0';
	if (!text)
		return;
	for (tok = strtok_r(text, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		size_t keylen = strcspn(tok, "=");
		char key[128];

		/* The parameter's name, not its value, must name the zeropage. */
		snprintf(key, sizeof(key), "%.*s", (int)keylen, tok);
		if (!strcasestr(key, "zero_page") && !strcasestr(key, "zeropage"))
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 used ? " " : "", tok);
	}
	free(text);
}

#define POLICY_PAGES 16

/*
 * Read-fault POLICY_PAGES fresh 4 KiB pages and count them: all on the
 * zeropage is "allowed", all private "forbidden" (mm_forbids_zeropage(): s390
 * KVM processes before Linux 6.10, some hypervisors' guest kernels).
 */
static void probe_policy(struct kmb_zeropage_policy *pol)
{
	size_t ps = kmb_page_size(), len = POLICY_PAGES * ps;
	struct kmb_census census;
	char err[200], params[160];
	const char *why;
	char *p;
	size_t i;

	memset(pol, 0, sizeof(*pol));
	pol->policy = KMB_ZEROPAGE_UNKNOWN;
	cmdline_zeropage_params(params, sizeof(params));
	snprintf(pol->cmdline, sizeof(pol->cmdline), "%s", params);
	if (!kmb_cap_has(KMB_CAP_PAGEMAP_CENSUS, &why)) {
		snprintf(pol->evidence, sizeof(pol->evidence), "cannot tell: %s", why);
		return;
	}
	p = map_anon(len);
	if (!p) {
		snprintf(pol->evidence, sizeof(pol->evidence), "cannot tell: mmap: %s",
			 strerror(errno));
		return;
	}
	madvise(p, len, MADV_NOHUGEPAGE);
	for (i = 0; i < POLICY_PAGES; i++)
		(void)*(volatile char *)(p + i * ps);
	if (kmb_census_take(p, len, KMB_CENSUS_AUTO, &census, err, sizeof(err))) {
		snprintf(pol->evidence, sizeof(pol->evidence), "cannot tell: %s", err);
		munmap(p, len);
		return;
	}
	munmap(p, len);
	snprintf(pol->method, sizeof(pol->method), "read faults on %d fresh pages, %s census",
		 POLICY_PAGES, kmb_census_method_name(census.method));
	if (census.zero == POLICY_PAGES)
		pol->policy = KMB_ZEROPAGE_ALLOWED;
	else if (census.present == POLICY_PAGES && census.zero == 0)
		pol->policy = KMB_ZEROPAGE_FORBIDDEN;
	snprintf(pol->evidence, sizeof(pol->evidence),
		 "%llu of %d read-faulted pages present, %llu on the shared zeropage",
		 (unsigned long long)census.present, POLICY_PAGES,
		 (unsigned long long)census.zero);
}

const struct kmb_zeropage_policy *kmb_zeropage_policy(void)
{
	static struct kmb_zeropage_policy pol;
	static bool probed;

	if (!probed) {
		probe_policy(&pol);
		probed = true;
	}
	return &pol;
}

const char *kmb_zeropage_policy_name(enum kmb_zeropage_policy_kind kind)
{
	switch (kind) {
	case KMB_ZEROPAGE_ALLOWED:
		return "allowed";
	case KMB_ZEROPAGE_FORBIDDEN:
		return "forbidden";
	case KMB_ZEROPAGE_UNKNOWN:
		break;
	}
	return "unknown";
}

json_t *kmb_zeropage_policy_json(void)
{
	const struct kmb_zeropage_policy *pol = kmb_zeropage_policy();

	return json_pack("{s:s, s:s, s:s, s:s?}", "policy", kmb_zeropage_policy_name(pol->policy),
			 "method", pol->method[0] ? pol->method : "none", "evidence",
			 pol->evidence, "cmdline", pol->cmdline[0] ? pol->cmdline : NULL);
}

static bool probe_zeropage(char *reason, size_t len)
{
	const struct kmb_zeropage_policy *pol = kmb_zeropage_policy();

	switch (pol->policy) {
	case KMB_ZEROPAGE_ALLOWED:
		return true;
	case KMB_ZEROPAGE_FORBIDDEN:
		snprintf(reason, len,
			 "read faults map a private page: the shared zeropage is forbidden for "
			 "this process (%s%s); run these benchmarks on a kernel that maps it "
			 "(make check runs them in a guest)",
			 pol->cmdline[0] ? "kernel command line: " : "mm_forbids_zeropage()",
			 pol->cmdline);
		return false;
	case KMB_ZEROPAGE_UNKNOWN:
		break;
	}
	snprintf(reason, len, "cannot tell whether read faults map the shared zeropage: %s",
		 pol->evidence);
	return false;
}

static bool probe_madv_populate(char *reason, size_t len)
{
	size_t sz = 2 * kmb_page_size();
	char *p = map_anon(sz);
	int err = 0;

	if (!p) {
		snprintf(reason, len, "cannot tell: mmap: %s", strerror(errno));
		return false;
	}
	if (madvise(p, sz, MADV_POPULATE_READ) || madvise(p, sz, MADV_POPULATE_WRITE))
		err = errno;
	munmap(p, sz);
	if (err == EINVAL)
		snprintf(reason, len, "MADV_POPULATE_READ/WRITE not supported (Linux 5.14+)");
	else if (err)
		snprintf(reason, len, "MADV_POPULATE_READ/WRITE failed: %s", strerror(err));
	return err == 0;
}

static bool probe_thp(char *reason, size_t len)
{
	char line[128], word[32];

	if (kmb_read_line(THP_DIR "/enabled", line, sizeof(line))) {
		/*
		 * hugepage_init() creates the directory only when the kernel has
		 * THP and has_transparent_hugepage() says the machine can map
		 * PMDs (s390: EDAT-1, which not every CPU model offers).
		 */
		snprintf(reason, len,
			 "no " THP_DIR "/enabled: a kernel without CONFIG_TRANSPARENT_HUGEPAGE, "
			 "or a machine without huge page support (has_transparent_hugepage(); "
			 "on s390 EDAT-1)");
		return false;
	}
	kmb_sysfs_selected(line, word, sizeof(word));
	if (strcmp(word, "never"))
		return true;
	if (file_writable(THP_DIR "/enabled"))
		return true;
	snprintf(reason, len, "THP is [%s] and enabling it needs root (" THP_DIR "/enabled)", word);
	return false;
}

/* THP enabled for MADV_HUGEPAGE ranges and the huge zeropage on, for this process. */
static int thp_allow_huge_zero(char *reason, size_t len)
{
	char line[128], mode[32], err[256];
	uint64_t use_zero = 0;

	if (kmb_read_line(THP_DIR "/enabled", line, sizeof(line))) {
		snprintf(reason, len, "cannot read " THP_DIR "/enabled");
		return -1;
	}
	kmb_sysfs_selected(line, mode, sizeof(mode));
	if (!strcmp(mode, "never") && kmb_knob_set(THP_DIR "/enabled", "madvise", err, sizeof(err))) {
		snprintf(reason, len, "THP is [never] and cannot be enabled: %s", err);
		return -1;
	}
	if (kmb_read_u64(THP_DIR "/use_zero_page", &use_zero) ||
	    (use_zero != 1 && kmb_knob_set(THP_DIR "/use_zero_page", "1", err, sizeof(err)))) {
		snprintf(reason, len, THP_DIR "/use_zero_page is %llu and cannot be set: %s",
			 (unsigned long long)use_zero, err);
		return -1;
	}
	return 0;
}

/*
 * Runs in a child (probe_in_child): knobs switched on for the probe are the
 * child's own and put back before it exits. A read fault at the start of a
 * PMD-aligned MADV_HUGEPAGE range must map the huge zeropage, as the thp
 * family's census will require; the knobs alone can say yes while the kernel
 * allocates (mm_forbids_zeropage() covers the huge zeropage too).
 */
static bool huge_zero_read_fault(char *reason, size_t len)
{
	uint64_t pmd = 0;
	struct kmb_census census;
	char err[200], *map, *p;
	bool ok = false;

	if (prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) > 0) {
		snprintf(reason, len, "THP is disabled for this process (prctl PR_SET_THP_DISABLE "
				      "by a parent)");
		return false;
	}
	if (kmb_read_u64(THP_DIR "/hpage_pmd_size", &pmd) || !pmd) {
		snprintf(reason, len, "cannot read " THP_DIR "/hpage_pmd_size");
		return false;
	}
	if (thp_allow_huge_zero(reason, len))
		goto out;
	map = mmap(NULL, 2 * pmd, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		snprintf(reason, len, "cannot tell: mmap: %s", strerror(errno));
		goto out;
	}
	p = (char *)(((uintptr_t)map + pmd - 1) & ~(uintptr_t)(pmd - 1));
	if (madvise(p, pmd, MADV_HUGEPAGE)) {
		snprintf(reason, len, "MADV_HUGEPAGE: %s", strerror(errno));
	} else {
		(void)*(volatile char *)p;
		if (kmb_census_take(p, pmd, KMB_CENSUS_AUTO, &census, err, sizeof(err)))
			snprintf(reason, len, "cannot tell: %s", err);
		else if (census.zero_huge == pmd / kmb_page_size())
			ok = true;
		else if (census.zero)
			snprintf(reason, len,
				 "a read fault on a THP range mapped the 4 KiB zeropage, not the "
				 "huge one (no huge page could be had, or THP fell back)");
		else if (census.present)
			snprintf(reason, len,
				 "a read fault on a THP range mapped %s private page: the huge "
				 "zeropage is not used here (%s)",
				 census.present > 1 ? "a huge" : "a",
				 kmb_zeropage_policy()->policy == KMB_ZEROPAGE_FORBIDDEN
					 ? "the shared zeropage is forbidden for this process"
					 : "mm_forbids_zeropage()?");
		else
			snprintf(reason, len, "a read fault on a THP range mapped nothing");
	}
	munmap(map, 2 * pmd);
out:
	kmb_knob_restore_all();
	return ok;
}

static bool probe_huge_zeropage(char *reason, size_t len)
{
	const char *why;

	if (!kmb_cap_has(KMB_CAP_THP, &why)) {
		snprintf(reason, len, "transparent hugepages unavailable: %s", why);
		return false;
	}
	if (!file_exists(THP_DIR "/use_zero_page")) {
		snprintf(reason, len, "no " THP_DIR "/use_zero_page (Linux 3.8+)");
		return false;
	}
	if (!kmb_cap_has(KMB_CAP_PAGEMAP_CENSUS, &why)) {
		snprintf(reason, len, "cannot tell without a page census: %s", why);
		return false;
	}
	return probe_in_child(huge_zero_read_fault, reason, len);
}

static int uffd_open(char *reason, size_t len)
{
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd >= 0)
		return fd;
	if (errno == ENOSYS)
		snprintf(reason, len, "userfaultfd syscall not supported (CONFIG_USERFAULTFD)");
	else if (errno == EPERM)
		snprintf(reason, len,
			 "userfaultfd: EPERM (set vm.unprivileged_userfaultfd=1 or run as root)");
	else
		snprintf(reason, len, "userfaultfd: %s", strerror(errno));
	return -1;
}

/* The ioctls a MISSING-mode registration of anonymous memory offers. */
static int uffd_range_ioctls(int fd, uint64_t *ioctls, char *reason, size_t len)
{
	size_t ps = kmb_page_size();
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	char *p = map_anon(ps);
	int ret = -1;

	if (!p) {
		snprintf(reason, len, "cannot tell: mmap: %s", strerror(errno));
		return -1;
	}
	reg.range.start = (uintptr_t)p;
	reg.range.len = ps;
	if (ioctl(fd, UFFDIO_REGISTER, &reg)) {
		snprintf(reason, len, "UFFDIO_REGISTER (missing mode): %s", strerror(errno));
	} else {
		*ioctls = reg.ioctls;
		ioctl(fd, UFFDIO_UNREGISTER, &reg.range);
		ret = 0;
	}
	munmap(p, ps);
	return ret;
}

static bool probe_userfaultfd(char *reason, size_t len)
{
	const uint64_t need = (1ULL << _UFFDIO_ZEROPAGE) | (1ULL << _UFFDIO_COPY);
	struct uffdio_api api = { .api = UFFD_API };
	uint64_t ioctls = 0;
	int fd = uffd_open(reason, len), ret = -1;

	if (fd < 0)
		return false;
	if (ioctl(fd, UFFDIO_API, &api))
		snprintf(reason, len, "UFFDIO_API handshake failed: %s", strerror(errno));
	else
		ret = uffd_range_ioctls(fd, &ioctls, reason, len);
	close(fd);
	if (ret)
		return false;
	if ((ioctls & need) == need)
		return true;
	snprintf(reason, len, "UFFDIO_ZEROPAGE/UFFDIO_COPY not offered for anonymous memory");
	return false;
}

static bool probe_ksm(char *reason, size_t len)
{
	if (!file_exists(KSM_DIR "/run")) {
		snprintf(reason, len, "no " KSM_DIR "/run (kernel without CONFIG_KSM)");
		return false;
	}
	if (file_writable(KSM_DIR "/run"))
		return true;
	snprintf(reason, len, KSM_DIR "/run is not writable (run as root)");
	return false;
}

static bool probe_ksm_zero_pages(char *reason, size_t len)
{
	if (file_exists(KSM_DIR "/use_zero_pages"))
		return true;
	snprintf(reason, len, "no " KSM_DIR "/use_zero_pages (CONFIG_KSM, Linux 4.11+)");
	return false;
}

/* A fresh VM fd, or -1 with the failing step in reason. */
static int kvm_create_vm(char *reason, size_t len)
{
	char err[200];
	int kvm = kmb_kvm_open(err, sizeof(err)), ver, vm;

	if (kvm < 0) {
		if (errno == ENOENT)
			snprintf(reason, len,
				 "no /dev/kvm (modprobe kvm; nested: enable it in the host)");
		else if (errno == EACCES || errno == EPERM)
			snprintf(reason, len,
				 "cannot open /dev/kvm: %s (join group kvm or run as root)",
				 strerror(errno));
		else
			snprintf(reason, len, "cannot open /dev/kvm: %s", strerror(errno));
		return -1;
	}
	ver = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION_EXPECTED) {
		if (ver < 0)
			snprintf(reason, len, "KVM_GET_API_VERSION: %s", strerror(errno));
		else
			snprintf(reason, len, "KVM_GET_API_VERSION returned %d, expected %d", ver,
				 KVM_API_VERSION_EXPECTED);
		close(kvm);
		return -1;
	}
	vm = kmb_kvm_create_vm(kvm, 0, reason, len);
	close(kvm);
	return vm;
}

/*
 * The KVM probes create a VM. On s390 up to the Linux 7.0 gmap rewrite, a
 * process's first KVM_CREATE_VM marks every mapping of it VM_NOHUGEPAGE for
 * the rest of its life (kvm_arch_init_vm -> s390_enable_sie -> thp_split_mm,
 * arch/s390/mm/gmap.c), which would spoil the THP benchmarks run after it in
 * kmb. So one forked child does every KVM probe and hands the answers back.
 */
struct kvm_answers {
	int32_t vm_ok;		/* KVM_CREATE_VM worked */
	int32_t ext_skeys;	/* KVM_CHECK_EXTENSION on that VM, 0 elsewhere than s390x */
	int32_t ext_pv;
	char reason[200];	/* why vm_ok is 0 */
};

static int kvm_probe_child(const void *arg, void *out, char *err, size_t errlen)
{
	struct kvm_answers *a = out;
	int vm;

	(void)arg;
	(void)err;
	(void)errlen;
	vm = kvm_create_vm(a->reason, sizeof(a->reason));
	if (vm >= 0) {
		a->vm_ok = 1;
#ifdef __s390x__
		/* In every uapi header since Linux 5.7. */
		a->ext_skeys = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_S390_SKEYS);
		a->ext_pv = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_S390_PROTECTED);
#endif
		close(vm);
	}
	return 0;
}

static const struct kvm_answers *kvm_probe(void)
{
	static struct kvm_answers a;
	static bool probed;
	char err[256];

	if (probed)
		return &a;
	probed = true;
	if (kmb_in_child(kvm_probe_child, NULL, &a, sizeof(a), err, sizeof(err))) {
		memset(&a, 0, sizeof(a));
		snprintf(a.reason, sizeof(a.reason), "cannot tell: the KVM probe: %s", err);
	}
	a.reason[sizeof(a.reason) - 1] = '\0';
	return &a;
}

static bool probe_kvm(char *reason, size_t len)
{
	const struct kvm_answers *a = kvm_probe();

	if (!a->vm_ok)
		snprintf(reason, len, "%s", a->reason);
	return a->vm_ok;
}

#ifdef __s390x__
static bool probe_vm_extension(int32_t answer, const char *name, char *reason, size_t len)
{
	const char *why;

	if (!kmb_cap_has(KMB_CAP_KVM, &why)) {
		snprintf(reason, len, "needs kvm: %s", why);
		return false;
	}
	if (answer > 0)
		return true;
	snprintf(reason, len, "KVM_CHECK_EXTENSION(%s) says no", name);
	return false;
}
#else
static bool probe_not_s390(char *reason, size_t len)
{
	struct utsname uts;

	if (uname(&uts))
		snprintf(uts.machine, sizeof(uts.machine), "unknown");
	snprintf(reason, len, "s390x only (this host is %s)", uts.machine);
	return false;
}
#endif

static bool probe_s390_skeys(char *reason, size_t len)
{
#ifdef __s390x__
	return probe_vm_extension(kvm_probe()->ext_skeys, "KVM_CAP_S390_SKEYS", reason, len);
#else
	return probe_not_s390(reason, len);
#endif
}

static bool probe_s390_pv(char *reason, size_t len)
{
#ifdef __s390x__
	return probe_vm_extension(kvm_probe()->ext_pv, "KVM_CAP_S390_PROTECTED", reason, len);
#else
	return probe_not_s390(reason, len);
#endif
}

/* An invalid pidfd gets EBADF from a kernel that has the syscall, ENOSYS otherwise. */
static bool probe_process_mrelease(char *reason, size_t len)
{
	if (syscall(__NR_process_mrelease, -1, 0) < 0 && errno == EBADF)
		return true;
	if (errno == ENOSYS)
		snprintf(reason, len, "process_mrelease syscall not supported (Linux 5.15+)");
	else
		snprintf(reason, len, "process_mrelease(-1): unexpected %s", strerror(errno));
	return false;
}

static bool has_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	const char *p = text;

	while ((p = strstr(p, word))) {
		bool starts = p == text || p[-1] == ' ' || p[-1] == '\n';
		bool ends = p[n] == '\0' || p[n] == ' ' || p[n] == '\n';

		if (starts && ends)
			return true;
		p += n;
	}
	return false;
}

static bool probe_memcg(char *reason, size_t len)
{
	char *v2 = kmb_read_text("/sys/fs/cgroup/cgroup.controllers");
	bool ok = v2 && has_word(v2, "memory");

	free(v2);
	if (ok || file_exists("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
		return true;
	snprintf(reason, len,
		 "no memory cgroup controller (v2 cgroup.controllers or v1 /sys/fs/cgroup/memory)");
	return false;
}

static bool probe_root(char *reason, size_t len)
{
	if (geteuid() == 0)
		return true;
	snprintf(reason, len, "not running as root (sysfs knobs cannot be changed)");
	return false;
}

static const struct {
	const char *name;
	cap_probe_fn probe;
} caps[KMB_CAP_COUNT] = {
	[KMB_CAP_PAGEMAP_CENSUS] = { "pagemap_census", probe_pagemap_census },
	[KMB_CAP_PAGEMAP_SCAN] = { "pagemap_scan", probe_pagemap_scan },
	[KMB_CAP_ZEROPAGE] = { "zeropage", probe_zeropage },
	[KMB_CAP_MADV_POPULATE] = { "madv_populate", probe_madv_populate },
	[KMB_CAP_THP] = { "thp", probe_thp },
	[KMB_CAP_HUGE_ZEROPAGE] = { "huge_zeropage", probe_huge_zeropage },
	[KMB_CAP_USERFAULTFD] = { "userfaultfd", probe_userfaultfd },
	[KMB_CAP_KSM] = { "ksm", probe_ksm },
	[KMB_CAP_KSM_ZERO_PAGES] = { "ksm_zero_pages", probe_ksm_zero_pages },
	[KMB_CAP_KVM] = { "kvm", probe_kvm },
	[KMB_CAP_S390_SKEYS] = { "s390_skeys", probe_s390_skeys },
	[KMB_CAP_S390_PV] = { "s390_pv", probe_s390_pv },
	[KMB_CAP_PROCESS_MRELEASE] = { "process_mrelease", probe_process_mrelease },
	[KMB_CAP_MEMCG] = { "memcg", probe_memcg },
	[KMB_CAP_ROOT] = { "root", probe_root },
};

bool kmb_cap_has(enum kmb_cap cap, const char **reason)
{
	struct cap_state *st;

	if ((unsigned)cap >= KMB_CAP_COUNT) {
		if (reason)
			*reason = "unknown capability";
		return false;
	}
	st = &cap_states[cap];
	if (!st->probed) {
		st->reason[0] = '\0';
		st->available = caps[cap].probe(st->reason, sizeof(st->reason));
		if (!st->available && !st->reason[0])
			snprintf(st->reason, sizeof(st->reason), "unavailable");
		st->probed = true;
	}
	if (reason)
		*reason = st->available ? NULL : st->reason;
	return st->available;
}

const char *kmb_cap_name(enum kmb_cap cap)
{
	return (unsigned)cap < KMB_CAP_COUNT ? caps[cap].name : "unknown";
}

json_t *kmb_caps_json(void)
{
	json_t *obj = json_object();
	int cap;

	for (cap = 0; obj && cap < KMB_CAP_COUNT; cap++) {
		const char *reason;
		json_t *entry = json_object();
		bool ok = kmb_cap_has(cap, &reason);

		json_object_set_new(entry, "available", json_boolean(ok));
		if (!ok)
			json_object_set_new(entry, "reason", json_string(reason));
		json_object_set_new(obj, caps[cap].name, entry);
	}
	return obj;
}
