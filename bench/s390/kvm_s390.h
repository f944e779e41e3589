/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checked wrappers over the KVM ioctls of the s390x benchmarks, in the style
 * of kvmtool and the KVM selftests' kvm_util: one ioctl each, every return
 * checked, and a failure says which ioctl failed with which errno ("KVM_RUN
 * failed: errno 14 (Bad address)"). Each returns what the ioctl returned (an
 * fd, a value, 0), or -1 with the message in err. s390x only; the ioctls
 * every architecture has are in lib/kvm_util.h, the ABI in s390_uapi.h.
 */
#ifndef KMB_KVM_S390_H
#define KMB_KVM_S390_H

#include "child.h"

#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "s390/pv_req.h"

#include "kvm_util.h"	/* open, create_vm (type 0, not UCONTROL), check_extension, memslot */

struct kvm_run;

/* Returns 0 (keys in use) or KVM_S390_GET_SKEYS_NONE, like the ioctl. */
int kmb_kvm_get_skeys(int vm, struct kmb_s390_skeys *req, char *err, size_t errlen);
int kmb_kvm_set_skeys(int vm, struct kmb_s390_skeys *req, char *err, size_t errlen);
int kmb_kvm_keyop(int vm, struct kmb_s390_keyop *op, char *err, size_t errlen);
/*
 * KVM_S390_PV_COMMAND, repeated on EINTR (kmb_pv_cmd_issue); a failure names
 * the command and decodes rc/rrc.
 */
int kmb_kvm_pv_cmd(int vm, uint32_t id, uint64_t data, char *err, size_t errlen);
/*
 * The guest memory limit, KVM_S390_VM_MEM_LIMIT_SIZE, before any vCPU
 * exists: it decides the type of the guest's ASCE (a segment table up to
 * 2 GiB, a region table above), as QEMU sets it to the machine's memory
 * (hw/s390x/s390-virtio-ccw.c, s390_memory_init -> kvm_s390_set_mem_limit).
 */
int kmb_kvm_set_mem_limit(int vm, uint64_t limit, char *err, size_t errlen);
int kmb_kvm_create_vcpu(int vm, unsigned long id, char *err, size_t errlen);
/* Map the vCPU's struct kvm_run; NULL with err on failure. */
struct kvm_run *kmb_kvm_map_run(int kvm, int vcpu, size_t *len, char *err, size_t errlen);
int kmb_kvm_set_mp_state(int vcpu, uint32_t state, char *err, size_t errlen);
int kmb_kvm_set_regs(int vcpu, const struct kmb_s390_regs *regs, char *err, size_t errlen);
/*
 * KVM_RUN, bounded by ms milliseconds (a SIGALRM that interrupts it): 0 on
 * an exit to user space, 1 when the time ran out, -1 on error.
 */
int kmb_kvm_run_bounded(int vcpu, unsigned ms, char *err, size_t errlen);

/*
 * KVM_CHECK_EXTENSION on /dev/kvm, without creating a VM: the value, or -1
 * with why in err (no /dev/kvm, no permission).
 */
int kmb_kvm_probe_cap(long cap, const char *name, char *err, size_t errlen);

/* Guest memory for one memslot: anonymous, 1 MiB aligned, no THP. */
int kmb_kvm_map_guest(struct kmb_region *r, uint64_t size, char *err, size_t errlen);

#endif
