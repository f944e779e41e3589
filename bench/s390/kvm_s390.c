// SPDX-License-Identifier: GPL-2.0-only
#include "kvm_s390.h"
#include "kvm_util.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef __s390x__

/*
 * kmb's copy of the ABI (s390_uapi.h) against the s390x headers this is built
 * with, wherever they declare the same thing. tests/test_s390_req.c checks
 * the copy against the uapi text itself, also where these headers are too
 * old to say (KEYOP, the asynchronous cleanup commands).
 */
#define SAME_LAYOUT(kmb, sys)                                                        \
	_Static_assert(sizeof(struct kmb) == sizeof(struct sys), #sys " size")
#define SAME_VALUE(kmb, sys) _Static_assert((long)(kmb) == (long)(sys), #sys)
SAME_LAYOUT(kmb_s390_skeys, kvm_s390_skeys);
SAME_LAYOUT(kmb_pv_cmd, kvm_pv_cmd);
SAME_LAYOUT(kmb_pv_sec_parm, kvm_s390_pv_sec_parm);
SAME_LAYOUT(kmb_pv_unp, kvm_s390_pv_unp);
SAME_LAYOUT(kmb_s390_regs, kvm_regs);
SAME_VALUE(KMB_KVM_S390_GET_SKEYS, KVM_S390_GET_SKEYS);
SAME_VALUE(KMB_KVM_S390_SET_SKEYS, KVM_S390_SET_SKEYS);
SAME_VALUE(KMB_KVM_S390_PV_COMMAND, KVM_S390_PV_COMMAND);
SAME_VALUE(KMB_KVM_S390_SET_REGS, KVM_SET_REGS);
SAME_VALUE(KMB_S390_GET_SKEYS_NONE, KVM_S390_GET_SKEYS_NONE);
SAME_VALUE(KMB_S390_SKEYS_MAX, KVM_S390_SKEYS_MAX);
SAME_VALUE(KMB_KVM_CAP_S390_SKEYS, KVM_CAP_S390_SKEYS);
SAME_VALUE(KMB_KVM_CAP_S390_PROTECTED, KVM_CAP_S390_PROTECTED);
SAME_VALUE(KMB_KVM_EXIT_INTR, KVM_EXIT_INTR);
SAME_VALUE(KMB_KVM_EXIT_S390_SIEIC, KVM_EXIT_S390_SIEIC);
SAME_VALUE(KMB_KVM_MP_STATE_OPERATING, KVM_MP_STATE_OPERATING);
SAME_VALUE(KMB_KVM_MP_STATE_LOAD, KVM_MP_STATE_LOAD);
SAME_VALUE(KMB_S390_VM_MEM_CTRL, KVM_S390_VM_MEM_CTRL);
SAME_VALUE(KMB_S390_VM_MEM_LIMIT_SIZE, KVM_S390_VM_MEM_LIMIT_SIZE);
SAME_VALUE(KMB_PV_ENABLE, KVM_PV_ENABLE);
SAME_VALUE(KMB_PV_DISABLE, KVM_PV_DISABLE);
SAME_VALUE(KMB_PV_SET_SEC_PARMS, KVM_PV_SET_SEC_PARMS);
SAME_VALUE(KMB_PV_UNPACK, KVM_PV_UNPACK);
SAME_VALUE(KMB_PV_VERIFY, KVM_PV_VERIFY);
SAME_VALUE(KMB_PV_PREP_RESET, KVM_PV_PREP_RESET);
SAME_VALUE(KMB_PV_UNSHARE_ALL, KVM_PV_UNSHARE_ALL);
SAME_VALUE(KMB_PV_INFO, KVM_PV_INFO);
SAME_VALUE(KMB_PV_DUMP, KVM_PV_DUMP);
#ifdef KVM_CAP_S390_PROTECTED_ASYNC_DISABLE	/* Linux 6.2 headers, with the commands */
SAME_VALUE(KMB_KVM_CAP_S390_PROTECTED_ASYNC_DISABLE, KVM_CAP_S390_PROTECTED_ASYNC_DISABLE);
SAME_VALUE(KMB_PV_ASYNC_CLEANUP_PREPARE, KVM_PV_ASYNC_CLEANUP_PREPARE);
SAME_VALUE(KMB_PV_ASYNC_CLEANUP_PERFORM, KVM_PV_ASYNC_CLEANUP_PERFORM);
#endif
#ifdef KVM_S390_KEYOP				/* Linux 7.0 headers */
SAME_LAYOUT(kmb_s390_keyop, kvm_s390_keyop);
SAME_VALUE(KMB_KVM_S390_KEYOP, KVM_S390_KEYOP);
SAME_VALUE(KMB_KVM_CAP_S390_KEYOP, KVM_CAP_S390_KEYOP);
SAME_VALUE(KMB_S390_KEYOP_SSKE, KVM_S390_KEYOP_SSKE);
#endif

#define SEGMENT KMB_S390_SEGMENT

int kmb_kvm_get_skeys(int vm, struct kmb_s390_skeys *req, char *err, size_t errlen)
{
	return kmb_kvm_ioctl(vm, KMB_KVM_S390_GET_SKEYS, req, "KVM_S390_GET_SKEYS", err, errlen);
}

int kmb_kvm_set_skeys(int vm, struct kmb_s390_skeys *req, char *err, size_t errlen)
{
	return kmb_kvm_ioctl(vm, KMB_KVM_S390_SET_SKEYS, req, "KVM_S390_SET_SKEYS", err, errlen);
}

int kmb_kvm_keyop(int vm, struct kmb_s390_keyop *op, char *err, size_t errlen)
{
	return kmb_kvm_ioctl(vm, KMB_KVM_S390_KEYOP, op, "KVM_S390_KEYOP", err, errlen);
}

static int pv_ioctl(void *ctx, struct kmb_pv_cmd *cmd)
{
	return ioctl(*(const int *)ctx, KMB_KVM_S390_PV_COMMAND, cmd);
}

int kmb_kvm_pv_cmd(int vm, uint32_t id, uint64_t data, char *err, size_t errlen)
{
	struct kmb_pv_cmd cmd;
	int ret;

	kmb_pv_cmd_req(&cmd, id, data);
	ret = kmb_pv_cmd_issue(pv_ioctl, &vm, &cmd);
	if (ret < 0)
		kmb_pv_cmd_error(&cmd, errno, err, errlen);
	return ret;
}

int kmb_kvm_set_mem_limit(int vm, uint64_t limit, char *err, size_t errlen)
{
	struct kvm_device_attr attr = {
		.group = KMB_S390_VM_MEM_CTRL,
		.attr = KMB_S390_VM_MEM_LIMIT_SIZE,
		.addr = (uint64_t)(uintptr_t)&limit,
	};

	return kmb_kvm_ioctl(vm, KVM_SET_DEVICE_ATTR, &attr,
			     "KVM_SET_DEVICE_ATTR(KVM_S390_VM_MEM_LIMIT_SIZE)", err, errlen);
}

int kmb_kvm_create_vcpu(int vm, unsigned long id, char *err, size_t errlen)
{
	int fd = ioctl(vm, KVM_CREATE_VCPU, id);

	return fd < 0 ? kmb_kvm_fail("KVM_CREATE_VCPU", err, errlen) : fd;
}

struct kvm_run *kmb_kvm_map_run(int kvm, int vcpu, size_t *len, char *err, size_t errlen)
{
	int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	void *run;

	if (size < 0) {
		kmb_kvm_fail("KVM_GET_VCPU_MMAP_SIZE", err, errlen);
		return NULL;
	}
	run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED) {
		kmb_kvm_fail("mmap of the vCPU's kvm_run", err, errlen);
		return NULL;
	}
	*len = (size_t)size;
	return run;
}

int kmb_kvm_set_mp_state(int vcpu, uint32_t state, char *err, size_t errlen)
{
	struct kvm_mp_state mp = { .mp_state = state };

	return kmb_kvm_ioctl(vcpu, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE", err, errlen);
}

int kmb_kvm_set_regs(int vcpu, const struct kmb_s390_regs *regs, char *err, size_t errlen)
{
	return kmb_kvm_ioctl(vcpu, KMB_KVM_S390_SET_REGS, (void *)regs, "KVM_SET_REGS", err,
			     errlen);
}

static void on_alarm(int sig)
{
	(void)sig;	/* only there to make KVM_RUN return EINTR */
}

static void arm_timer(unsigned ms)
{
	struct itimerval it = { .it_value = { .tv_sec = ms / 1000,
					      .tv_usec = (ms % 1000) * 1000 } };
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * KVM_RUN returns EINTR (exit reason KVM_EXIT_INTR) when a signal is pending:
 * __vcpu_run stops entering SIE once signal_pending() (kvm-s390.c).
 */
int kmb_kvm_run_bounded(int vcpu, unsigned ms, char *err, size_t errlen)
{
	int ret, e;

	arm_timer(ms);
	ret = ioctl(vcpu, KVM_RUN, 0);
	e = errno;
	arm_timer(0);
	if (ret == 0)
		return 0;
	errno = e;
	return e == EINTR ? 1 : kmb_kvm_fail("KVM_RUN", err, errlen);
}

int kmb_kvm_probe_cap(long cap, const char *name, char *err, size_t errlen)
{
	int kvm = kmb_kvm_open(err, errlen), ret;

	if (kvm < 0)
		return -1;
	ret = kmb_kvm_check_extension(kvm, cap, name, err, errlen);
	close(kvm);
	return ret;
}

int kmb_kvm_map_guest(struct kmb_region *r, uint64_t size, char *err, size_t errlen)
{
	uintptr_t start;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if (kmb_s390_memslot_check(0, size, err, errlen))
		return -1;
	r->map_len = size + SEGMENT;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		      0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return kmb_kvm_fail("mmap of the guest memory", err, errlen);
	}
	start = ((uintptr_t)r->map + SEGMENT - 1) & ~(uintptr_t)(SEGMENT - 1);
	r->addr = (char *)start;
	r->len = size;
	if (madvise(r->addr, size, MADV_NOHUGEPAGE)) {
		kmb_region_unmap(r);
		return kmb_kvm_fail("madvise(MADV_NOHUGEPAGE)", err, errlen);
	}
	return 0;
}

/* ---- measurements in a child process ---- */

struct child_head {
	int32_t ret;
	char err[508];
};

#endif /* __s390x__ */
