// SPDX-License-Identifier: GPL-2.0-only
#include "kvm_util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int kmb_kvm_fail(const char *what, char *err, size_t errlen)
{
	int e = errno;

	snprintf(err, errlen, "%s failed: errno %d (%s)", what, e, strerror(e));
	errno = e;
	return -1;
}

int kmb_kvm_ioctl(int fd, unsigned long req, void *arg, const char *name, char *err, size_t errlen)
{
	int ret = ioctl(fd, req, arg);

	return ret < 0 ? kmb_kvm_fail(name, err, errlen) : ret;
}

int kmb_kvm_open(char *err, size_t errlen)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	return fd < 0 ? kmb_kvm_fail("open(/dev/kvm)", err, errlen) : fd;
}

int kmb_kvm_create_vm(int kvm, unsigned long type, char *err, size_t errlen)
{
	int fd = ioctl(kvm, KVM_CREATE_VM, type);
	size_t n;

	if (fd >= 0)
		return fd;
	kmb_kvm_fail("KVM_CREATE_VM", err, errlen);
	n = strlen(err);
#ifdef __s390x__
	/* s390_enable_sie() wants page tables with PGSTEs, chosen at exec time. */
	if (errno == EINVAL && n < errlen)
		snprintf(err + n, errlen - n,
			 " (no PGSTE page tables in this process: link with "
			 "-Wl,--s390-pgste as QEMU does, or set sysctl vm.allocate_pgste=1)");
#else
	(void)n;
#endif
	return -1;
}

int kmb_kvm_check_extension(int fd, long cap, const char *name, char *err, size_t errlen)
{
	char what[96];
	int ret = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	snprintf(what, sizeof(what), "KVM_CHECK_EXTENSION(%s)", name);
	return ret < 0 ? kmb_kvm_fail(what, err, errlen) : ret;
}

int kmb_kvm_set_memslot(int vm, uint32_t slot, uint64_t gpa, void *hva, uint64_t size, char *err,
			size_t errlen)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return kmb_kvm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION",
			     err, errlen);
}
