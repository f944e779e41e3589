/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checked wrappers over the KVM ioctls of the s390x benchmarks, in the style
 * of kvmtool and the KVM selftests' kvm_util: one ioctl each, every return
 * checked, and a failure says which ioctl failed with which errno ("KVM_RUN
 * failed: errno 14 (Bad address)"). Each returns what the ioctl returned (an
 * fd, a value, 0), or -1 with the message in err. s390x only; the ioctls
 * every architecture has are in lib/kvm_util.h.
 */
#ifndef KMB_KVM_S390_H
#define KMB_KVM_S390_H

#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "s390/pv_req.h"

#include "kvm_util.h"	/* open, create_vm (type 0, not UCONTROL), check_extension, memslot */

/* Returns 0 (keys in use) or KVM_S390_GET_SKEYS_NONE, like the ioctl. */
int kmb_kvm_get_skeys(int vm, struct kvm_s390_skeys *req, char *err, size_t errlen);
int kmb_kvm_set_skeys(int vm, struct kvm_s390_skeys *req, char *err, size_t errlen);
#if KMB_UAPI_HAS_KEYOP
int kmb_kvm_keyop(int vm, struct kvm_s390_keyop *op, char *err, size_t errlen);
#endif
/* KVM_S390_PV_COMMAND; a failure names the command and decodes rc/rrc. */
int kmb_kvm_pv_cmd(int vm, uint32_t id, uint64_t data, char *err, size_t errlen);
int kmb_kvm_create_vcpu(int vm, unsigned long id, char *err, size_t errlen);
/* Map the vCPU's struct kvm_run; NULL with err on failure. */
struct kvm_run *kmb_kvm_map_run(int kvm, int vcpu, size_t *len, char *err, size_t errlen);
int kmb_kvm_set_mp_state(int vcpu, uint32_t state, char *err, size_t errlen);
/* KVM_RUN: 0 on an exit, 1 when a signal interrupted it (EINTR), -1 on error. */
int kmb_kvm_run(int vcpu, char *err, size_t errlen);

/*
 * KVM_CHECK_EXTENSION on /dev/kvm, without creating a VM: the value, or -1
 * with why in err (no /dev/kvm, no permission).
 */
int kmb_kvm_probe_cap(long cap, const char *name, char *err, size_t errlen);

/* Guest memory for one memslot: anonymous, 1 MiB aligned, no THP. */
int kmb_kvm_map_guest(struct kmb_region *r, uint64_t size, char *err, size_t errlen);

/*
 * Run fn in a forked child and bring its result (outlen bytes at out) back
 * through a pipe. Storage keys and protected virtualization change the whole
 * mm for the rest of its life (no shared zeropage any more, keys on), so every
 * such measurement runs in a fresh process and leaves this one as it was.
 * Returns fn's return value, or -1 with err if the child died.
 */
typedef int (*kmb_child_fn)(const void *arg, void *out, char *err, size_t errlen);
int kmb_in_child(kmb_child_fn fn, const void *arg, void *out, size_t outlen, char *err,
		 size_t errlen);

#endif
