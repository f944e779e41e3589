// SPDX-License-Identifier: GPL-2.0-only
#include "sske_guest.h"

#include <stdio.h>
#include <string.h>

/*
 * The code, big-endian as the machine reads it:
 *   B22B 0012   SSKE %r1,%r2 (RRF-c: opcode, M3 0, R1 1, R2 2): set the whole
 *               key of the page addressed by r2 to bits 56-62 of r1
 *   8300 0501   DIAGNOSE %r0,%r0,0x501 (RS-a: R1 0, R3 0, B2 0, D2 0x501)
 * KVM reads SSKE's operands as the intercept gives them (priv.c, handle_sske:
 * m3 = ipb >> 28; kvm_s390_get_regs_rre: r1 = ipb bits 8-11, r2 bits 12-15)
 * and the diagnose code as base + displacement (diag.c, kvm_s390_handle_diag:
 * kvm_s390_get_base_disp_rs() & 0xffff).
 */
static const uint8_t guest_code[] = {
	0xb2, 0x2b, 0x00, 0x12,
	0x83, 0x00, 0x05, 0x01,
};

static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void kmb_sske_guest_write(uint8_t *mem)
{
	put_be64(mem + KMB_LC_PGM_NEW_PSW, KMB_GUEST_WAIT_PSW_MASK);
	put_be64(mem + KMB_LC_PGM_NEW_PSW + 8, KMB_GUEST_WAIT_PSW_ADDR);
	memcpy(mem + KMB_GUEST_CODE, guest_code, sizeof(guest_code));
}

void kmb_sske_guest_regs(struct kmb_s390_regs *regs)
{
	memset(regs, 0, sizeof(*regs));
	regs->gprs[1] = KMB_GUEST_KEY;
	regs->gprs[2] = KMB_GUEST_TARGET;
}

enum kmb_guest_stop kmb_sske_guest_stop(const struct kmb_guest_exit *e)
{
	if (e->reason != KMB_KVM_EXIT_S390_SIEIC)
		return KMB_GUEST_OTHER;
	/* The selftests' ucall test: icptcode 4, ipa >> 8 == 0x83, ipb >> 16 == 0x501. */
	if (e->icptcode == KMB_ICPT_INST && e->ipa >> 8 == 0x83 && e->ipb >> 16 == 0x501)
		return KMB_GUEST_DONE;
	if (e->icptcode == KMB_ICPT_WAIT)
		return KMB_GUEST_PGM_WAIT;
	return KMB_GUEST_OTHER;
}

static const char *pgm_name(unsigned code)
{
	switch (code & 0x7f) {
	case 0x01:
		return "operation";
	case 0x02:
		return "privileged operation";
	case 0x05:
		return "addressing";
	case 0x06:
		return "specification";
	case 0x13:
		return "special operation";
	default:
		return "see the Principles of Operation";
	}
}

void kmb_sske_guest_describe(const struct kmb_guest_exit *e, const uint8_t *lowcore, char *buf,
			     size_t len)
{
	unsigned code;

	switch (kmb_sske_guest_stop(e)) {
	case KMB_GUEST_DONE:
		snprintf(buf, len, "the guest reached its final DIAGNOSE 0x501");
		return;
	case KMB_GUEST_PGM_WAIT:
		if (!lowcore) {
			snprintf(buf, len, "the guest took a program interruption");
			return;
		}
		code = (unsigned)lowcore[KMB_LC_PGM_CODE] << 8 | lowcore[KMB_LC_PGM_CODE + 1];
		snprintf(buf, len,
			 "the guest took program interruption 0x%04x (%s) with PSW 0x%016llx "
			 "0x%016llx",
			 code, pgm_name(code),
			 (unsigned long long)get_be64(lowcore + KMB_LC_PGM_OLD_PSW),
			 (unsigned long long)get_be64(lowcore + KMB_LC_PGM_OLD_PSW + 8));
		return;
	case KMB_GUEST_OTHER:
	default:
		break;
	}
	if (e->reason == KMB_KVM_EXIT_S390_SIEIC)
		snprintf(buf, len,
			 "unexpected exit from the guest: KVM_EXIT_S390_SIEIC, intercept code "
			 "0x%02x, ipa 0x%04x, ipb 0x%08x",
			 e->icptcode, e->ipa, e->ipb);
	else
		snprintf(buf, len, "unexpected exit from the guest: exit reason %u", e->reason);
}
