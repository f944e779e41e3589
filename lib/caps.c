// SPDX-License-Identifier: GPL-2.0-only
#include "caps.h"
#include "census.h"
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

/* Some configurations (mm_forbids_zeropage, s390 with KVM guests) never map it. */
static bool probe_zeropage(char *reason, size_t len)
{
	size_t ps = kmb_page_size();
	struct kmb_census census;
	char err[200];
	char *p;
	bool ok;

	if (!kmb_cap_has(KMB_CAP_PAGEMAP_CENSUS, NULL)) {
		snprintf(reason, len, "cannot tell: no page census method works here");
		return false;
	}
	p = map_anon(ps);
	if (!p) {
		snprintf(reason, len, "cannot tell: mmap: %s", strerror(errno));
		return false;
	}
	madvise(p, ps, MADV_NOHUGEPAGE);
	(void)*(volatile char *)p;
	ok = kmb_census_take(p, ps, KMB_CENSUS_AUTO, &census, err, sizeof(err)) == 0;
	munmap(p, ps);
	if (!ok)
		snprintf(reason, len, "cannot tell: %s", err);
	else if (census.zero != 1)
		snprintf(reason, len,
			 "read faults do not map the shared zeropage here (mm_forbids_zeropage?)");
	return ok && census.zero == 1;
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
		snprintf(reason, len,
			 "no " THP_DIR "/enabled (kernel without CONFIG_TRANSPARENT_HUGEPAGE)");
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

static bool probe_huge_zeropage(char *reason, size_t len)
{
	const char *path = THP_DIR "/use_zero_page";
	uint64_t val;

	if (!kmb_cap_has(KMB_CAP_THP, NULL)) {
		snprintf(reason, len, "transparent hugepages unavailable");
		return false;
	}
	if (!file_exists(path)) {
		snprintf(reason, len, "no %s (Linux 3.8+)", path);
		return false;
	}
	if ((kmb_read_u64(path, &val) == 0 && val == 1) || file_writable(path))
		return true;
	snprintf(reason, len, "%s is 0 and setting it needs root", path);
	return false;
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
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), ver, vm;

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
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		snprintf(reason, len, "KVM_CREATE_VM: %s", strerror(errno));
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

static void __attribute__((noreturn)) kvm_probe_child(int fd)
{
	struct kvm_answers a = { 0 };
	int vm;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	vm = kvm_create_vm(a.reason, sizeof(a.reason));
	if (vm >= 0) {
		a.vm_ok = 1;
#ifdef __s390x__
		/* In every uapi header since Linux 5.7. */
		a.ext_skeys = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_S390_SKEYS);
		a.ext_pv = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_S390_PROTECTED);
#endif
		close(vm);
	}
	_exit(kmb_write_all(fd, &a, sizeof(a)) ? 1 : 0);
}

static const struct kvm_answers *kvm_probe(void)
{
	static struct kvm_answers a;
	static bool probed;
	int pfd[2], status;
	pid_t pid;

	if (probed)
		return &a;
	probed = true;
	if (pipe2(pfd, O_CLOEXEC)) {
		snprintf(a.reason, sizeof(a.reason), "cannot tell: pipe2: %s", strerror(errno));
		return &a;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		kvm_probe_child(pfd[1]);
	}
	close(pfd[1]);
	if (pid < 0 || kmb_read_all(pfd[0], &a, sizeof(a))) {
		memset(&a, 0, sizeof(a));
		snprintf(a.reason, sizeof(a.reason), "cannot tell: the KVM probe process %s",
			 pid < 0 ? "could not be forked" : "died without an answer");
	}
	close(pfd[0]);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
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
