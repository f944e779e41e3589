/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The smallest guest that executes one SSKE and then tells the host it is
 * done, for skey/guest_sske. It is set up the way the KVM selftests' s390
 * library sets up a vCPU (tools/testing/selftests/kvm/lib/s390/processor.c,
 * vm_arch_vcpu_add: registers with KVM_SET_REGS, the PSW in kvm_run's
 * psw_mask/psw_addr) and ends the way their ucall does
 * (lib/s390/ucall.c: DIAGNOSE 0x501, which KVM does not handle and passes
 * to user space as KVM_EXIT_S390_SIEIC, intercept code 4, ipa 0x83xx, ipb
 * 0x0501xxxx). Unlike the selftests it runs with DAT off: SSKE takes a real
 * address, so there is nothing for page tables to translate, and without
 * them there are none to get wrong. Portable: the bytes are built and the
 * exits decoded here, where tests/test_s390_req.c checks them on any host.
 *
 * Guest memory (absolute = real: prefix 0, DAT off):
 *   0x0000-0x1fff  lowcore; only the program-new PSW is set, to a disabled
 *                  wait, so a program interruption stops the vCPU visibly
 *   0x2000         sske %r1,%r2 ; diag %r0,%r0,0x501
 *   0x4000-        the memory under test; SSKE sets the key of its first page
 */
#ifndef KMB_SSKE_GUEST_H
#define KMB_SSKE_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "s390_uapi.h"

#define KMB_GUEST_CODE 0x2000ULL
#define KMB_GUEST_ENTRY_SSKE KMB_GUEST_CODE		/* the timed runs */
#define KMB_GUEST_ENTRY_EXIT (KMB_GUEST_CODE + 4)	/* the diag alone: warm-up */
#define KMB_GUEST_RESERVED 0x4000ULL			/* lowcore and code */
#define KMB_GUEST_TARGET KMB_GUEST_RESERVED
/* Access-control key 3, no fetch protection: any valid key would do. */
#define KMB_GUEST_KEY 0x30

/*
 * PSW masks (arch/s390/include/uapi/asm/ptrace.h): 64-bit addressing
 * (PSW_MASK_EA | PSW_MASK_BA), supervisor state, DAT and the I/O, external
 * and machine-check interruptions off. The wait PSW adds PSW_MASK_WAIT: with
 * every interruption masked, a disabled wait, which KVM hands to user space
 * (interrupt.c, kvm_s390_handle_wait: "disabled wait" -> -EOPNOTSUPP ->
 * KVM_EXIT_S390_SIEIC with intercept code 0x1c).
 */
#define KMB_GUEST_PSW_MASK 0x0000000180000000ULL
#define KMB_GUEST_WAIT_PSW_MASK 0x0002000180000000ULL
#define KMB_GUEST_WAIT_PSW_ADDR 0x0badULL

/* z/Architecture lowcore offsets (arch/s390/include/asm/lowcore.h). */
#define KMB_LC_PGM_ILC 0x8c
#define KMB_LC_PGM_CODE 0x8e
#define KMB_LC_PGM_OLD_PSW 0x150
#define KMB_LC_PGM_NEW_PSW 0x1d0

/* SIE interception codes user space sees (arch/s390/include/asm/kvm_host.h). */
#define KMB_ICPT_INST 0x04
#define KMB_ICPT_WAIT 0x1c

/* Write the lowcore's program-new PSW and the code into guest memory at mem. */
void kmb_sske_guest_write(uint8_t *mem);
/* General registers at entry: r1 the key, r2 the address of the target page. */
void kmb_sske_guest_regs(struct kmb_s390_regs *regs);

/* How KVM_RUN came back to user space. */
struct kmb_guest_exit {
	uint32_t reason;	/* kvm_run.exit_reason */
	uint8_t icptcode;	/* kvm_run.s390_sieic, when reason is SIEIC */
	uint16_t ipa;
	uint32_t ipb;
};

enum kmb_guest_stop {
	KMB_GUEST_DONE,		/* the final DIAGNOSE 0x501 */
	KMB_GUEST_PGM_WAIT,	/* the disabled wait of the program-new PSW */
	KMB_GUEST_OTHER,	/* anything else */
};

enum kmb_guest_stop kmb_sske_guest_stop(const struct kmb_guest_exit *e);
/*
 * One line for a stop that is not KMB_GUEST_DONE. lowcore is guest page 0
 * (after a program interruption it holds the code and the old PSW), or NULL.
 */
void kmb_sske_guest_describe(const struct kmb_guest_exit *e, const uint8_t *lowcore, char *buf,
			     size_t len);

#endif
