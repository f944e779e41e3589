/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The s390 KVM ABI the skey and teardown_pv benchmarks use, under kmb's own
 * names, with the values written in the kernel's uapi text. Two reasons not
 * to take them from <linux/kvm.h>:
 *  - the header the build host has is not the ABI: Debian 12 ships 6.1
 *    headers, which lack KVM_S390_KEYOP (Linux 7.0) and the asynchronous
 *    PV cleanup commands (Linux 6.2); and since Linux 6.9 the s390 structures
 *    live in arch/s390/include/uapi/asm/kvm.h, so an x86 <linux/kvm.h> of 6.9
 *    or later declares KVM_S390_GET_SKEYS without struct kvm_s390_skeys (see
 *    github.com/kernelslacker/trinity pull 50, "Linux 6.9 cleaned up ...");
 *  - a test that compares the code with the header it is compiled with
 *    passes whatever both say. tests/test_s390_req.c checks every value here
 *    against literals copied from the uapi text of the version named beside
 *    it, and bench/s390/kvm_s390.c asserts at compile time that the s390x
 *    headers it is built with agree wherever they declare the same thing.
 *
 * Only fixed-width types: the layouts are those of s390x (big-endian, 8-byte
 * aligned u64), which for these structures match every 64-bit Linux ABI.
 */
#ifndef KMB_S390_UAPI_H
#define KMB_S390_UAPI_H

#include <linux/ioctl.h>
#include <stdint.h>

#define KMB_KVMIO 0xAE

/* ---- include/uapi/linux/kvm.h (Linux 7.0): capabilities ---- */
#define KMB_KVM_CAP_S390_SKEYS 110
#define KMB_KVM_CAP_S390_PROTECTED 180		/* Linux 5.7 */
#define KMB_KVM_CAP_S390_PROTECTED_ASYNC_DISABLE 224	/* Linux 6.2 */
#define KMB_KVM_CAP_S390_KEYOP 247			/* Linux 7.0 */

/* ---- include/uapi/linux/kvm.h: struct kvm_run exit reasons, MP states ---- */
#define KMB_KVM_EXIT_INTR 10
#define KMB_KVM_EXIT_S390_SIEIC 13
#define KMB_KVM_MP_STATE_OPERATING 7
#define KMB_KVM_MP_STATE_LOAD 8

/* ---- storage keys: KVM_S390_GET_SKEYS / KVM_S390_SET_SKEYS ---- */
/*
 * struct kvm_s390_skeys: include/uapi/linux/kvm.h up to Linux 6.8,
 * arch/s390/include/uapi/asm/kvm.h since 6.9; the layout never changed.
 */
struct kmb_s390_skeys {
	uint64_t start_gfn;
	uint64_t count;
	uint64_t skeydata_addr;
	uint32_t flags;
	uint32_t reserved[9];
};
#define KMB_S390_GET_SKEYS_NONE 1
#define KMB_S390_SKEYS_MAX 1048576
#define KMB_KVM_S390_GET_SKEYS _IOW(KMB_KVMIO, 0xb2, struct kmb_s390_skeys)
#define KMB_KVM_S390_SET_SKEYS _IOW(KMB_KVMIO, 0xb3, struct kmb_s390_skeys)

/*
 * struct kvm_s390_keyop, KVM_S390_KEYOP and its operations: Linux 7.0
 * (commit "KVM: s390: Storage key manipulation IOCTL"). The uapi struct is
 * {__u64 guest_addr; __u8 key; __u8 operation;}: 16 bytes with the tail
 * padding the pad member makes explicit here.
 */
struct kmb_s390_keyop {
	uint64_t guest_addr;
	uint8_t key;
	uint8_t operation;
	uint8_t pad[6];
};
#define KMB_S390_KEYOP_ISKE 0x01
#define KMB_S390_KEYOP_RRBE 0x02
#define KMB_S390_KEYOP_SSKE 0x03
#define KMB_KVM_S390_KEYOP _IOWR(KMB_KVMIO, 0x53, struct kmb_s390_keyop)

/* ---- protected virtualization: KVM_S390_PV_COMMAND (Linux 5.7) ---- */
/* struct kvm_pv_cmd and friends: same files as struct kvm_s390_skeys. */
struct kmb_pv_cmd {
	uint32_t cmd;		/* enum kmb_pv_cmd_id */
	uint16_t rc;		/* Ultravisor return code */
	uint16_t rrc;		/* Ultravisor return reason code */
	uint64_t data;		/* an address or 0 */
	uint32_t flags;		/* 0 */
	uint32_t reserved[3];
};
struct kmb_pv_sec_parm {
	uint64_t origin;
	uint64_t length;
};
struct kmb_pv_unp {
	uint64_t addr;
	uint64_t size;
	uint64_t tweak;
};
#define KMB_KVM_S390_PV_COMMAND _IOWR(KMB_KVMIO, 0xc5, struct kmb_pv_cmd)

/* enum pv_cmd_id; the last two were appended in Linux 6.2. */
enum kmb_pv_cmd_id {
	KMB_PV_ENABLE = 0,
	KMB_PV_DISABLE = 1,
	KMB_PV_SET_SEC_PARMS = 2,
	KMB_PV_UNPACK = 3,
	KMB_PV_VERIFY = 4,
	KMB_PV_PREP_RESET = 5,
	KMB_PV_UNSHARE_ALL = 6,
	KMB_PV_INFO = 7,
	KMB_PV_DUMP = 8,
	KMB_PV_ASYNC_CLEANUP_PREPARE = 9,
	KMB_PV_ASYNC_CLEANUP_PERFORM = 10,
};

/* ---- arch/s390/include/uapi/asm/kvm.h: VM attributes, registers ---- */
/* KVM_SET_DEVICE_ATTR on the VM fd: group KVM_S390_VM_MEM_CTRL. */
#define KMB_S390_VM_MEM_CTRL 0
#define KMB_S390_VM_MEM_LIMIT_SIZE 2

/* s390's struct kvm_regs, for KVM_SET_REGS on a vCPU. */
struct kmb_s390_regs {
	uint64_t gprs[16];
};
#define KMB_KVM_S390_SET_REGS _IOW(KMB_KVMIO, 0x82, struct kmb_s390_regs)

#endif
