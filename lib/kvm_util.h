/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checked wrappers over the KVM ioctls every architecture has, in the style
 * of kvmtool and the KVM selftests' kvm_util: one ioctl each, every return
 * checked, and a failure says which ioctl failed with which errno
 * ("KVM_CREATE_VM failed: errno 22 (Invalid argument)"). Each returns what
 * the ioctl returned (an fd, a value, 0), or -1 with the message in err.
 * The s390x-only ones are in bench/s390/kvm_s390.h.
 */
#ifndef KMB_KVM_UTIL_H
#define KMB_KVM_UTIL_H

#include <stddef.h>
#include <stdint.h>

int kmb_kvm_open(char *err, size_t errlen);
/* type 0: a normal VM. */
int kmb_kvm_create_vm(int kvm, unsigned long type, char *err, size_t errlen);
int kmb_kvm_check_extension(int fd, long cap, const char *name, char *err, size_t errlen);
int kmb_kvm_set_memslot(int vm, uint32_t slot, uint64_t gpa, void *hva, uint64_t size, char *err,
			size_t errlen);

/* ioctl(fd, req, arg), failing with "<name> failed: errno N (text)"; errno kept. */
int kmb_kvm_ioctl(int fd, unsigned long req, void *arg, const char *name, char *err, size_t errlen);
/* Format "<what> failed: errno N (text)" into err; returns -1, errno kept. */
int kmb_kvm_fail(const char *what, char *err, size_t errlen);

#endif
