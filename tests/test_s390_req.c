// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit test of the portable half of the s390 benchmarks (bench/s390/pv_req.c,
 * sske_guest.c, zero_mix.c). SIE is not available here, so the s390 KVM
 * paths are verified by their request building and result handling: kmb's
 * copy of the ABI against literal values from the kernel's uapi text (never
 * against the header this is compiled with, which would agree with anything
 * it was copied from), the guest's bytes against their encoding and against
 * how KVM decodes them, argument checks, Ultravisor rc/rrc messages, skip
 * reasons, and the Secure Execution image check on files whose layout we
 * know. tests/cross-s390x.test runs it big-endian on s390x too.
 */
#include "check.h"
#include "s390/pv_req.h"
#include "s390/sske_guest.h"
#include "s390/zero_mix.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Check that s holds part; a function so each argument is evaluated once. */
static void check_contains(const char *s, const char *part, int line)
{
	if (s && strstr(s, part))
		return;
	fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, line,
		s ? s : "(null)", part);
	check_failures++;
}

#define CHECK_CONTAINS(s, part) check_contains((s), (part), __LINE__)

/*
 * Layouts, from the uapi text: struct kvm_s390_skeys, kvm_pv_cmd,
 * kvm_s390_pv_sec_parm, kvm_s390_pv_unp (include/uapi/linux/kvm.h in Linux
 * 5.7-6.8, arch/s390/include/uapi/asm/kvm.h since 6.9, unchanged), struct
 * kvm_s390_keyop {__u64 guest_addr; __u8 key; __u8 operation;} (Linux 7.0
 * include/uapi/linux/kvm.h) and s390's struct kvm_regs {__u64 gprs[16];}.
 */
static void test_layouts(void)
{
	CHECK_EQ_U64(sizeof(struct kmb_s390_skeys), 64);
	CHECK_EQ_U64(offsetof(struct kmb_s390_skeys, start_gfn), 0);
	CHECK_EQ_U64(offsetof(struct kmb_s390_skeys, count), 8);
	CHECK_EQ_U64(offsetof(struct kmb_s390_skeys, skeydata_addr), 16);
	CHECK_EQ_U64(offsetof(struct kmb_s390_skeys, flags), 24);
	CHECK_EQ_U64(offsetof(struct kmb_s390_skeys, reserved), 28);
	CHECK_EQ_U64(sizeof(struct kmb_pv_cmd), 32);
	CHECK_EQ_U64(offsetof(struct kmb_pv_cmd, rc), 4);
	CHECK_EQ_U64(offsetof(struct kmb_pv_cmd, rrc), 6);
	CHECK_EQ_U64(offsetof(struct kmb_pv_cmd, data), 8);
	CHECK_EQ_U64(offsetof(struct kmb_pv_cmd, flags), 16);
	CHECK_EQ_U64(offsetof(struct kmb_pv_cmd, reserved), 20);
	CHECK_EQ_U64(sizeof(struct kmb_pv_sec_parm), 16);
	CHECK_EQ_U64(offsetof(struct kmb_pv_sec_parm, length), 8);
	CHECK_EQ_U64(sizeof(struct kmb_pv_unp), 24);
	CHECK_EQ_U64(offsetof(struct kmb_pv_unp, size), 8);
	CHECK_EQ_U64(offsetof(struct kmb_pv_unp, tweak), 16);
	CHECK_EQ_U64(sizeof(struct kmb_s390_keyop), 16);
	CHECK_EQ_U64(offsetof(struct kmb_s390_keyop, key), 8);
	CHECK_EQ_U64(offsetof(struct kmb_s390_keyop, operation), 9);
	CHECK_EQ_U64(sizeof(struct kmb_s390_regs), 128);
}

/*
 * ioctl numbers, written out: _IOW/_IOWR(KVMIO = 0xAE, nr, size) in the
 * asm-generic encoding s390x, x86_64 and arm64 share (dir << 30 | size << 16
 * | type << 8 | nr): what an strace of QEMU on IBM Z shows. The numbers and
 * sizes are those of Linux 7.0's include/uapi/linux/kvm.h:
 *   KVM_S390_GET_SKEYS  _IOW(KVMIO, 0xb2, struct kvm_s390_skeys)
 *   KVM_S390_SET_SKEYS  _IOW(KVMIO, 0xb3, struct kvm_s390_skeys)
 *   KVM_S390_PV_COMMAND _IOWR(KVMIO, 0xc5, struct kvm_pv_cmd)
 *   KVM_S390_KEYOP      _IOWR(KVMIO, 0x53, struct kvm_s390_keyop)
 *   KVM_SET_REGS        _IOW(KVMIO, 0x82, struct kvm_regs)
 *   KVM_SET_DEVICE_ATTR _IOW(KVMIO, 0xe1, struct kvm_device_attr)
 *   KVM_CHECK_EXTENSION _IO(KVMIO, 0x03)
 * The last two kmb takes from <linux/kvm.h>, so the header is checked.
 */
static void test_ioctl_numbers(void)
{
#if defined(__x86_64__) || defined(__s390x__) || defined(__aarch64__)
	CHECK_EQ_U64(KMB_KVM_S390_GET_SKEYS, 0x4040aeb2);
	CHECK_EQ_U64(KMB_KVM_S390_SET_SKEYS, 0x4040aeb3);
	CHECK_EQ_U64(KMB_KVM_S390_PV_COMMAND, 0xc020aec5);
	CHECK_EQ_U64(KMB_KVM_S390_KEYOP, 0xc010ae53);
	CHECK_EQ_U64(KMB_KVM_S390_SET_REGS, 0x4080ae82);
	CHECK_EQ_U64(KVM_SET_DEVICE_ATTR, 0x4018aee1);
	CHECK_EQ_U64(KVM_CHECK_EXTENSION, 0xae03);
	CHECK_EQ_U64(sizeof(struct kvm_device_attr), 24);
#else
	printf("note: ioctl encodings not checked on this architecture\n");
#endif
}

/* Constants, from the uapi text of the version named. */
static void test_constants(void)
{
	CHECK_EQ_U64(KMB_KVM_CAP_S390_SKEYS, 110);
	CHECK_EQ_U64(KMB_KVM_CAP_S390_PROTECTED, 180);		/* 5.7 */
	CHECK_EQ_U64(KMB_KVM_CAP_S390_PROTECTED_ASYNC_DISABLE, 224);	/* 6.2 */
	CHECK_EQ_U64(KMB_KVM_CAP_S390_KEYOP, 247);		/* 7.0 */
	CHECK_EQ_U64(KMB_S390_KEYOP_ISKE, 1);			/* 7.0 */
	CHECK_EQ_U64(KMB_S390_KEYOP_RRBE, 2);
	CHECK_EQ_U64(KMB_S390_KEYOP_SSKE, 3);
	CHECK_EQ_U64(KMB_S390_GET_SKEYS_NONE, 1);
	CHECK_EQ_U64(KMB_S390_SKEYS_MAX, 1048576);
	CHECK_EQ_U64(KMB_KVM_EXIT_INTR, 10);
	CHECK_EQ_U64(KMB_KVM_EXIT_S390_SIEIC, 13);
	CHECK_EQ_U64(KMB_KVM_MP_STATE_OPERATING, 7);
	CHECK_EQ_U64(KMB_KVM_MP_STATE_LOAD, 8);
	CHECK_EQ_U64(KMB_S390_VM_MEM_CTRL, 0);			/* asm/kvm.h */
	CHECK_EQ_U64(KMB_S390_VM_MEM_LIMIT_SIZE, 2);
	/* enum pv_cmd_id; the last two appended in 6.2 */
	CHECK_EQ_U64(KMB_PV_ENABLE, 0);
	CHECK_EQ_U64(KMB_PV_DISABLE, 1);
	CHECK_EQ_U64(KMB_PV_SET_SEC_PARMS, 2);
	CHECK_EQ_U64(KMB_PV_UNPACK, 3);
	CHECK_EQ_U64(KMB_PV_VERIFY, 4);
	CHECK_EQ_U64(KMB_PV_PREP_RESET, 5);
	CHECK_EQ_U64(KMB_PV_UNSHARE_ALL, 6);
	CHECK_EQ_U64(KMB_PV_INFO, 7);
	CHECK_EQ_U64(KMB_PV_DUMP, 8);
	CHECK_EQ_U64(KMB_PV_ASYNC_CLEANUP_PREPARE, 9);
	CHECK_EQ_U64(KMB_PV_ASYNC_CLEANUP_PERFORM, 10);
	CHECK_EQ_U64(KMB_PV_LOWER_2G, 0x80000000);
}

/*
 * The parts of struct kvm_run the s390x code reads from the system header:
 * psw_mask/psw_addr after apic_base, and the s390_sieic exit at the union.
 * From the uapi text (Linux 6.1 and 7.0 alike): u8, u8, u8[6]; u32
 * exit_reason (8); u8, u8, u16 (12-15); u64 cr8 (16); u64 apic_base (24);
 * #ifdef __KVM_S390 u64 psw_mask (32), psw_addr (40); the union (48):
 * {u8 icptcode; u16 ipa; u32 ipb}.
 */
static void test_kvm_run_layout(void)
{
#ifdef __s390x__
	CHECK_EQ_U64(offsetof(struct kvm_run, exit_reason), 8);
	CHECK_EQ_U64(offsetof(struct kvm_run, psw_mask), 32);
	CHECK_EQ_U64(offsetof(struct kvm_run, psw_addr), 40);
	CHECK_EQ_U64(offsetof(struct kvm_run, s390_sieic.icptcode), 48);
	CHECK_EQ_U64(offsetof(struct kvm_run, s390_sieic.ipa), 50);
	CHECK_EQ_U64(offsetof(struct kvm_run, s390_sieic.ipb), 52);
#endif
}

static void test_skeys_req(void)
{
	struct kmb_s390_skeys req;
	uint8_t keys[4] = { 0x00, 0x10, 0xf6, 0x11 };
	char err[256] = "";

	memset(&req, 0xff, sizeof(req));
	CHECK(kmb_skeys_req(&req, 5, 1, keys, err, sizeof(err)) == 0);
	CHECK_EQ_U64(req.start_gfn, 5);
	CHECK_EQ_U64(req.count, 1);
	CHECK_EQ_U64(req.skeydata_addr, (uintptr_t)keys);
	CHECK_EQ_U64(req.flags, 0);
	CHECK_EQ_U64(req.reserved[8], 0);
	CHECK(kmb_skeys_req(&req, 0, KMB_S390_SKEYS_MAX, keys, err, sizeof(err)) == 0);

	err[0] = '\0';
	CHECK(kmb_skeys_req(&req, 0, 0, keys, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "count 0 out of range 1..1048576");
	err[0] = '\0';
	CHECK(kmb_skeys_req(&req, 0, KMB_S390_SKEYS_MAX + 1ULL, keys, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "count 1048577 out of range");
	err[0] = '\0';
	CHECK(kmb_skeys_req(&req, 0, 1, NULL, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "no buffer");

	CHECK(kmb_skeys_check_keys(keys, 3, err, sizeof(err)) == 0);
	CHECK(kmb_skeys_check_keys(keys, 4, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "0x11 at index 3");

	CHECK(kmb_skeys_get_state(0) == KMB_SKEYS_IN_USE);
	CHECK(kmb_skeys_get_state(KMB_S390_GET_SKEYS_NONE) == KMB_SKEYS_NOT_IN_USE);
	CHECK(kmb_skeys_get_state(-1) == KMB_SKEYS_FAILED);
	CHECK(kmb_skeys_get_state(2) == KMB_SKEYS_FAILED);
}

static void test_keyop(void)
{
	struct kmb_s390_keyop op;
	uint8_t keys[64];
	char err[256] = "";
	unsigned i;

	memset(&op, 0xff, sizeof(op));
	kmb_keyop_req(&op, 0x5000, 0x38, KMB_S390_KEYOP_SSKE);
	CHECK_EQ_U64(op.guest_addr, 0x5000);
	CHECK_EQ_U64(op.key, 0x38);
	CHECK_EQ_U64(op.operation, 3);
	for (i = 0; i < sizeof(op.pad); i++)
		CHECK_EQ_U64(op.pad[i], 0);

	/* Every access-control key with and without fetch protection, no R/C. */
	CHECK_EQ_U64(kmb_keyop_key(0), 0x00);
	CHECK_EQ_U64(kmb_keyop_key(1), 0x08);
	CHECK_EQ_U64(kmb_keyop_key(2), 0x10);
	CHECK_EQ_U64(kmb_keyop_key(31), 0xf8);
	CHECK_EQ_U64(kmb_keyop_key(32), 0x00);
	for (i = 0; i < sizeof(keys); i++) {
		CHECK_EQ_U64(kmb_keyop_key(i) & 0x07, 0);
		keys[i] = kmb_keyop_key(i) | (i & 1 ? 0x06 : 0);	/* R and C set by use */
	}
	CHECK(kmb_keyop_verify(keys, sizeof(keys), err, sizeof(err)) == 0);
	keys[40] ^= 0x10;
	CHECK(kmb_keyop_verify(keys, sizeof(keys), err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "guest page 40 is 0x50 after KVM_S390_KEYOP set 0x40");
}

static int fake_calls, fake_fail_times, fake_errno;

static int fake_pv_ioctl(void *ctx, struct kmb_pv_cmd *cmd)
{
	(void)ctx;
	fake_calls++;
	if (fake_calls <= fake_fail_times) {
		cmd->rc = 0;
		errno = fake_errno;
		return -1;
	}
	cmd->rc = KMB_UVC_RC_EXECUTED;
	return 0;
}

/* QEMU's __s390_pv_cmd loops on EINTR; so does kmb_pv_cmd_issue, and only on EINTR. */
static void test_pv_cmd_retry(void)
{
	struct kmb_pv_cmd cmd;

	kmb_pv_cmd_req(&cmd, KMB_PV_UNPACK, 0);
	fake_calls = 0, fake_fail_times = 2, fake_errno = EINTR;
	CHECK(kmb_pv_cmd_issue(fake_pv_ioctl, NULL, &cmd) == 0);
	CHECK_EQ_U64(fake_calls, 3);
	CHECK_EQ_U64(cmd.rc, KMB_UVC_RC_EXECUTED);
	fake_calls = 0, fake_fail_times = 1, fake_errno = EINVAL;
	CHECK(kmb_pv_cmd_issue(fake_pv_ioctl, NULL, &cmd) == -1);
	CHECK_EQ_U64(fake_calls, 1);
	CHECK_EQ_U64(errno, EINVAL);
}

static void test_pv_req(void)
{
	struct kmb_pv_sec_parm parm;
	struct kmb_pv_unp unp;
	struct kmb_pv_cmd cmd;
	char hdr[KMB_SE_HDR_MIN], err[256] = "";

	memset(&cmd, 0xff, sizeof(cmd));
	kmb_pv_cmd_req(&cmd, KMB_PV_ASYNC_CLEANUP_PREPARE, 0x1234);
	CHECK_EQ_U64(cmd.cmd, 9);
	CHECK_EQ_U64(cmd.data, 0x1234);
	CHECK_EQ_U64(cmd.flags, 0);
	CHECK_EQ_U64(cmd.rc, 0);
	CHECK_EQ_U64(cmd.rrc, 0);
	CHECK_EQ_U64(cmd.reserved[0] | cmd.reserved[1] | cmd.reserved[2], 0);

	CHECK(kmb_pv_sec_parm_req(&parm, hdr, sizeof(hdr), err, sizeof(err)) == 0);
	CHECK_EQ_U64(parm.origin, (uintptr_t)hdr);
	CHECK_EQ_U64(parm.length, sizeof(hdr));
	CHECK(kmb_pv_sec_parm_req(&parm, hdr, 16, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "SE header of 16 bytes: KVM_PV_SET_SEC_PARMS takes 416 to 8192");
	CHECK(kmb_pv_sec_parm_req(&parm, hdr, 8193, err, sizeof(err)) == -1);
	CHECK(kmb_pv_sec_parm_req(&parm, NULL, sizeof(hdr), err, sizeof(err)) == -1);

	CHECK(kmb_pv_unp_req(&unp, 0x16000, 0x2000, 0x77, err, sizeof(err)) == 0);
	CHECK_EQ_U64(unp.addr, 0x16000);
	CHECK_EQ_U64(unp.size, 0x2000);
	CHECK_EQ_U64(unp.tweak, 0x77);
	CHECK(kmb_pv_unp_req(&unp, 0x16800, 0x1000, 0, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "multiples of 4 KiB");
	CHECK(kmb_pv_unp_req(&unp, 0x16000, 0, 0, err, sizeof(err)) == -1);

	CHECK_STREQ(kmb_pv_cmd_name(KMB_PV_DISABLE), "KVM_PV_DISABLE");
	CHECK_STREQ(kmb_pv_cmd_name(KMB_PV_ASYNC_CLEANUP_PERFORM), "KVM_PV_ASYNC_CLEANUP_PERFORM");
	CHECK_STREQ(kmb_pv_cmd_name(42), "pv command 42");
}

static void test_rc_decoding(void)
{
	struct kmb_pv_cmd cmd;
	char buf[256];

	CHECK(kmb_pv_rc_ok(0x0001));
	CHECK(!kmb_pv_rc_ok(0x0000));
	CHECK(!kmb_pv_rc_ok(0x0003));
	kmb_pv_rc_str(0x0001, 0, buf, sizeof(buf));
	CHECK_STREQ(buf, "rc 0x0001 (executed)");
	kmb_pv_rc_str(0x0003, 0x0010, buf, sizeof(buf));
	CHECK_STREQ(buf, "rc 0x0003 (invalid state) rrc 0x0010");
	kmb_pv_rc_str(0x0005, 0, buf, sizeof(buf));
	CHECK_STREQ(buf, "rc 0x0005 (invalid length) rrc 0x0000");
	kmb_pv_rc_str(0x8000, 0x0001, buf, sizeof(buf));
	CHECK_STREQ(buf, "rc 0x8000 (needs destroy) rrc 0x0001");
	kmb_pv_rc_str(0x0000, 0, buf, sizeof(buf));
	CHECK_STREQ(buf, "rc 0x0000 (no Ultravisor call made) rrc 0x0000");
	kmb_pv_rc_str(0x0123, 0x0004, buf, sizeof(buf));
	CHECK_STREQ(buf, "rc 0x0123 rrc 0x0004");

	kmb_pv_cmd_req(&cmd, KMB_PV_UNPACK, 0);
	cmd.rc = 0x0102;
	cmd.rrc = 0x0007;
	kmb_pv_cmd_error(&cmd, EINVAL, buf, sizeof(buf));
	CHECK_CONTAINS(buf, "KVM_S390_PV_COMMAND(KVM_PV_UNPACK) failed: errno 22 (");
	CHECK_CONTAINS(buf, "rc 0x0102 rrc 0x0007");
}

#define GIB (1ULL << 30)

static void test_pv_skip(void)
{
	struct kmb_pv_host h = { .image = "/x.img", .cap_protected = 1, .cap_async = 1,
				 .vm_size = 4 * GIB };
	char buf[256];

	CHECK(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_ASYNC, buf, sizeof(buf)) == NULL);
	h.cap_async = 0;
	CHECK(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_DISABLE, buf, sizeof(buf)) == NULL);
	CHECK_CONTAINS(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_ASYNC, buf, sizeof(buf)),
		       "KVM_CHECK_EXTENSION(KVM_CAP_S390_PROTECTED_ASYNC_DISABLE) says no");
	h.cap_protected = 0;
	CHECK_CONTAINS(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_DISABLE, buf, sizeof(buf)),
		       "KVM_CHECK_EXTENSION(KVM_CAP_S390_PROTECTED) says no");
	h.kvm_err = "no /dev/kvm";
	CHECK_STREQ(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_DISABLE, buf, sizeof(buf)),
		    "needs kvm: no /dev/kvm");
	/* No image beats every other reason: it is the one the user can fix here. */
	h.image = NULL;
	CHECK_STREQ(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_ASYNC, buf, sizeof(buf)),
		    "needs a Secure Execution image (--pv-image FILE)");
	h.image = "";
	CHECK_STREQ(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_DISABLE, buf, sizeof(buf)),
		    KMB_SKIP_NO_PV_IMAGE);
	h = (struct kmb_pv_host){ .image = "/x.img", .cap_protected = 1, .cap_async = 1,
				  .image_err = "/x.img: empty file", .vm_size = 4 * GIB };
	CHECK_STREQ(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_DISABLE, buf, sizeof(buf)),
		    "/x.img: empty file");
	h.cap_protected = 0;
	CHECK_STREQ(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_DISABLE, buf, sizeof(buf)),
		    "/x.img: empty file");
	h.cap_protected = 1;
	h.image_err = NULL;
	h.image_end = 64 << 20;
	h.vm_size = 32 << 20;
	CHECK_CONTAINS(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_DISABLE, buf, sizeof(buf)),
		       "needs 67108864 bytes of guest memory, more than the VM's 33554432");
	h.vm_size = 64 << 20;
	CHECK(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_DISABLE, buf, sizeof(buf)) == NULL);

	/* Lazy destroy: only above 2 GiB, as PREPARE and QEMU have it; not for DISABLE. */
	CHECK_CONTAINS(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_ASYNC, buf, sizeof(buf)),
		       "lazy destroy needs a VM larger than 2 GiB");
	h.vm_size = 2 * GIB;
	CHECK_CONTAINS(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_ASYNC, buf, sizeof(buf)),
		       "2 GiB or less (segment-table ASCE)");
	CHECK(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_DISABLE, buf, sizeof(buf)) == NULL);
	h.vm_size = 2 * GIB + (1 << 20);
	CHECK(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_ASYNC, buf, sizeof(buf)) == NULL);
}

static void test_skey_skip(void)
{
	char buf[256];

	CHECK(kmb_skey_skip_reason(KMB_SKEY_SET_SKEYS, -1, buf, sizeof(buf)) == NULL);
	CHECK(kmb_skey_skip_reason(KMB_SKEY_GUEST_SSKE, 0, buf, sizeof(buf)) == NULL);
	CHECK_CONTAINS(kmb_skey_skip_reason(KMB_SKEY_KEYOP, 0, buf, sizeof(buf)),
		       "KVM_CHECK_EXTENSION(KVM_CAP_S390_KEYOP) says no (Linux 7.0+)");
	CHECK_CONTAINS(kmb_skey_skip_reason(KMB_SKEY_KEYOP, -1, buf, sizeof(buf)),
		       "cannot ask KVM for KVM_CAP_S390_KEYOP");
	CHECK(kmb_skey_skip_reason(KMB_SKEY_KEYOP, 1, buf, sizeof(buf)) == NULL);
}

/* ---- the SSKE guest ---- */

static uint64_t be64_at(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* How SIE reports an intercepted 4-byte instruction: ipa the first halfword, ipb bytes 2-3 << 16. */
static void intercept_of(const uint8_t *insn, uint16_t *ipa, uint32_t *ipb)
{
	*ipa = (uint16_t)(insn[0] << 8 | insn[1]);
	*ipb = (uint32_t)(insn[2] << 8 | insn[3]) << 16;
}

static void test_guest_image(void)
{
	static uint8_t mem[KMB_GUEST_RESERVED];
	struct kmb_s390_regs regs;
	uint32_t ipb;
	uint16_t ipa;

	memset(mem, 0, sizeof(mem));
	kmb_sske_guest_write(mem);
	/* Program-new PSW: disabled wait, 64-bit (PSW_MASK_WAIT | PSW_MASK_EA | PSW_MASK_BA). */
	CHECK_EQ_U64(be64_at(mem + 0x1d0), 0x0002000180000000ULL);
	CHECK_EQ_U64(be64_at(mem + 0x1d8), KMB_GUEST_WAIT_PSW_ADDR);
	CHECK_EQ_U64(mem[0x1d0], 0x00);	/* big-endian in guest memory, on any host */
	CHECK_EQ_U64(mem[0x1d1], 0x02);
	/* The run PSW: EA | BA only, no DAT (0x04...), no I/O, external or wait bits. */
	CHECK_EQ_U64(KMB_GUEST_PSW_MASK, 0x0000000180000000ULL);
	CHECK_EQ_U64(KMB_GUEST_PSW_MASK & 0x0400000000000000ULL, 0);

	/* sske %r1,%r2 = B22B 0012; diag %r0,%r0,0x501 = 8300 0501 */
	CHECK_EQ_U64(be64_at(mem + 0x2000), 0xb22b001283000501ULL);
	CHECK_EQ_U64(KMB_GUEST_ENTRY_SSKE, 0x2000);
	CHECK_EQ_U64(KMB_GUEST_ENTRY_EXIT, 0x2004);

	/* KVM's view of the SSKE intercept (priv.c handle_sske, kvm_s390_get_regs_rre). */
	intercept_of(mem + KMB_GUEST_ENTRY_SSKE, &ipa, &ipb);
	CHECK_EQ_U64(ipa, 0xb22b);
	CHECK_EQ_U64(ipb >> 28, 0);				/* m3: no MR/MC/NQ */
	CHECK_EQ_U64((ipb & 0x00f00000) >> 20, 1);		/* r1: the key */
	CHECK_EQ_U64((ipb & 0x000f0000) >> 16, 2);		/* r2: the address */
	/* ... and of the diagnose (diag.c, kvm_s390_get_base_disp_rs). */
	intercept_of(mem + KMB_GUEST_ENTRY_EXIT, &ipa, &ipb);
	CHECK_EQ_U64(ipa >> 8, 0x83);
	CHECK_EQ_U64(ipb >> 28, 0);				/* no base register */
	CHECK_EQ_U64((ipb & 0x0fff0000) >> 16, 0x501);		/* the code */

	kmb_sske_guest_regs(&regs);
	CHECK_EQ_U64(regs.gprs[1], 0x30);
	CHECK_EQ_U64(regs.gprs[1] & 0x01, 0);			/* reserved key bit clear */
	CHECK_EQ_U64(regs.gprs[2], 0x4000);
	CHECK_EQ_U64(regs.gprs[2] % 4096, 0);
	CHECK(regs.gprs[2] >= KMB_GUEST_CODE + 4096);		/* not the lowcore or code */
}

static void test_guest_exits(void)
{
	static uint8_t lowcore[0x2000];
	struct kmb_guest_exit done = { 13, 4, 0x8300, 0x05010000 };
	struct kmb_guest_exit wait = { 13, 0x1c, 0, 0 };
	struct kmb_guest_exit virtio = { 13, 4, 0x8300, 0x05000000 };
	struct kmb_guest_exit validity = { 13, 0x20, 0, 0 };
	struct kmb_guest_exit intr = { 10, 0, 0, 0 };
	char buf[256];

	CHECK(kmb_sske_guest_stop(&done) == KMB_GUEST_DONE);
	CHECK(kmb_sske_guest_stop(&wait) == KMB_GUEST_PGM_WAIT);
	CHECK(kmb_sske_guest_stop(&virtio) == KMB_GUEST_OTHER);
	CHECK(kmb_sske_guest_stop(&validity) == KMB_GUEST_OTHER);
	CHECK(kmb_sske_guest_stop(&intr) == KMB_GUEST_OTHER);

	/* A special-operation exception at the SSKE, as the lowcore would show it. */
	memset(lowcore, 0, sizeof(lowcore));
	lowcore[0x8f] = 0x13;
	lowcore[0x153] = 0x01;	/* old PSW: mask 0x0000000180000000, address 0x2004 */
	lowcore[0x154] = 0x80;
	lowcore[0x15e] = 0x20;
	lowcore[0x15f] = 0x04;
	kmb_sske_guest_describe(&wait, lowcore, buf, sizeof(buf));
	CHECK_CONTAINS(buf, "program interruption 0x0013 (special operation)");
	CHECK_CONTAINS(buf, "PSW 0x0000000180000000 0x0000000000002004");
	kmb_sske_guest_describe(&validity, NULL, buf, sizeof(buf));
	CHECK_CONTAINS(buf, "KVM_EXIT_S390_SIEIC, intercept code 0x20");
	kmb_sske_guest_describe(&intr, NULL, buf, sizeof(buf));
	CHECK_CONTAINS(buf, "exit reason 10");
}

static void test_memslot(void)
{
	char err[256] = "";

	CHECK(kmb_s390_memslot_check(0x3ff00000000ULL, 1ULL << 30, err, sizeof(err)) == 0);
	CHECK(kmb_s390_memslot_check(0x100000, 0x100000, err, sizeof(err)) == 0);
	CHECK(kmb_s390_memslot_check(0x100000, 0, err, sizeof(err)) == -1);
	CHECK(kmb_s390_memslot_check(0x100000, 1536 * 1024, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "multiple of 1 MiB, not 1572864 bytes");
	CHECK(kmb_s390_memslot_check(0x101000, 0x100000, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "1 MiB boundary, not at 0x101000");
}

static void test_zero_mix(void)
{
	static const unsigned pcts[] = { 0, 1, 33, 50, 99, 100 };
	uint64_t n, i, count;
	size_t p;

	CHECK_EQ_U64(kmb_zero_mix_count(262144, 50), 131072);
	CHECK_EQ_U64(kmb_zero_mix_count(262144, 100), 262144);
	CHECK_EQ_U64(kmb_zero_mix_count(262144, 0), 0);
	CHECK_EQ_U64(kmb_zero_mix_count(3, 50), 2);	/* 1.5 rounds half up */
	CHECK(kmb_zero_mix_is_zero(0, 50) && !kmb_zero_mix_is_zero(1, 50));
	CHECK(kmb_zero_mix_is_zero(2, 50) && !kmb_zero_mix_is_zero(3, 50));
	for (p = 0; p < sizeof(pcts) / sizeof(pcts[0]); p++) {
		for (n = 0; n < 300; n += 7) {
			for (count = 0, i = 0; i < n; i++)
				count += kmb_zero_mix_is_zero(i, pcts[p]);
			CHECK_EQ_U64(count, kmb_zero_mix_count(n, pcts[p]));
		}
	}
}

/* ---- Secure Execution image check ---- */

static char tmpdir[4096];

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, (uint32_t)v);
}

static const char *write_file(const char *name, const void *data, size_t len)
{
	static char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len))
		CHECK_SKIP("cannot write %s: %s", path, strerror(errno));
	close(fd);
	return path;
}

#define IMG_SIZE 0x18000

/* An SE header: magic, version 0x100, size; the rest does not matter here. */
static void put_header(uint8_t *img, uint64_t off, uint32_t size)
{
	memcpy(img + off, KMB_SE_HDR_MAGIC, 8);
	put_be32(img + off + 8, KMB_SE_HDR_VERSION);
	put_be32(img + off + 12, size);
}

/*
 * A one-page PV IPL parameter block with two components, the layout of
 * struct ipl_pb0_pv (s390-tools include/boot/ipl.h): pv_hdr_addr and
 * pv_hdr_size as the tool left them.
 */
static void put_ipib(uint8_t *img, uint64_t off, uint64_t hdr_addr, uint64_t hdr_size)
{
	uint8_t *p = img + off;

	put_be32(p, 0x1000);		/* ipl_pl_hdr.len */
	p[7] = 1;			/* ipl_pl_hdr.version */
	put_be32(p + 8, 0x80 + 2 * 24);	/* ipl_pb0_pv.len */
	p[0x0c] = 5;			/* pbt: PV */
	put_be32(p + 0x74, 2);		/* num_comp */
	put_be64(p + 0x78, hdr_addr);	/* pv_hdr_addr */
	put_be64(p + 0x80, hdr_size);	/* pv_hdr_size */
	put_be64(p + 0x88, 0x100);	/* comp 0: tweak prefix, address, size */
	put_be64(p + 0x90, 0x16000);
	put_be64(p + 0x98, 0x1000);
	put_be64(p + 0xa0, 0x200);	/* comp 1 */
	put_be64(p + 0xa8, 0x17000);
	put_be64(p + 0xb0, 0x1000);
}

/* struct stage3a_args at off: offsets relative to off, as stage3a reads them. */
static void put_args(uint8_t *img, uint64_t off, uint64_t hdr, uint64_t hdr_size, uint64_t ipib)
{
	put_be64(img + off, hdr - off);
	put_be64(img + off + 8, hdr_size);
	put_be64(img + off + 16, ipib - off);
}

/* Like pvimg writes it: metadata at 0xc000 names the header and the IPIB. */
static void make_pvimg(uint8_t *img)
{
	memset(img, 0, IMG_SIZE);
	memcpy(img + 0xc000, KMB_SE_META_MAGIC, 8);
	put_be64(img + 0xc008, 0x14000);
	put_be32(img + 0xc010, 1);
	put_be64(img + 0xc014, 0x15000);
	put_args(img, 0x13fe8, 0x14000, 0x280, 0x15000);
	put_header(img, 0x14000, 0x280);
	put_ipib(img, 0x15000, 0x14000, 0x280);
}

/*
 * Like genprotimg writes it (genprotimg/src/pv/pv_stage3.c, stage3a_set_data):
 * the arguments are the loader's last 24 bytes, the one-page IPIB starts on
 * the next page boundary with pv_hdr_addr 0 (stage3a fills it in), the header
 * follows on the page after; no metadata.
 */
static void make_legacy(uint8_t *img)
{
	memset(img, 0, IMG_SIZE);
	put_args(img, 0x11a10, 0x13000, 0x280, 0x12000);
	put_ipib(img, 0x12000, 0, 0x280);
	put_header(img, 0x13000, 0x280);
}

static void check_bad(const char *name, const uint8_t *img, size_t len, const char *want)
{
	const char *path = write_file(name, img, len);
	char err[512] = "";

	CHECK(kmb_pv_image_check(path, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, want);
	CHECK_CONTAINS(err, path);
}

static void test_image_basic(uint8_t *img)
{
	char missing[4200], e_missing[512] = "", e_empty[512] = "", e_random[512] = "";
	uint32_t x = 12345;
	size_t i;

	snprintf(missing, sizeof(missing), "%s/does-not-exist.img", tmpdir);
	CHECK(kmb_pv_image_check(missing, e_missing, sizeof(e_missing)) == -1);
	CHECK_CONTAINS(e_missing, "no such file");
	CHECK(kmb_pv_image_check(write_file("empty.img", "", 0), e_empty, sizeof(e_empty)) == -1);
	CHECK_CONTAINS(e_empty, "empty file");
	for (i = 0; i < IMG_SIZE; i++) {
		x = x * 1103515245 + 12345;
		img[i] = (uint8_t)(x >> 16);
	}
	CHECK(kmb_pv_image_check(write_file("random.img", img, IMG_SIZE), e_random,
				 sizeof(e_random)) == -1);
	CHECK_CONTAINS(e_random, "not a Secure Execution image");
	CHECK(strcmp(e_missing, e_empty) && strcmp(e_empty, e_random) &&
	      strcmp(e_missing, e_random));
	CHECK(!strchr(e_missing, '\n') && !strchr(e_empty, '\n') && !strchr(e_random, '\n'));
	CHECK(kmb_pv_image_check(tmpdir, e_random, sizeof(e_random)) == -1);
	CHECK_CONTAINS(e_random, "not a regular file");
}

static int open_layout(const char *name, const uint8_t *img, size_t len,
		       struct kmb_pv_image *layout)
{
	char err[512] = "";
	int fd = kmb_pv_image_open(write_file(name, img, len), layout, err, sizeof(err));

	CHECK(fd >= 0);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", name, err);
		return -1;
	}
	close(fd);
	return 0;
}

static void test_image_good(uint8_t *img)
{
	struct kmb_pv_image layout;

	make_pvimg(img);
	if (!open_layout("pvimg.img", img, IMG_SIZE, &layout)) {
		CHECK_EQ_U64(layout.hdr_off, 0x14000);
		CHECK_EQ_U64(layout.hdr_size, 0x280);
		CHECK_EQ_U64(layout.ipib_off, 0x15000);
		CHECK(!layout.legacy);
		CHECK(layout.have_args);
		CHECK_EQ_U64(layout.args_off, 0x13fe8);
		CHECK_EQ_U64(layout.ncomp, 2);
		CHECK_EQ_U64(layout.comp[1].tweak, 0x200);
		CHECK_EQ_U64(layout.comp[1].addr, 0x17000);
		CHECK_EQ_U64(layout.comp[1].size, 0x1000);
		CHECK_EQ_U64(layout.comp[1].unpack_size, 0x1000);
		CHECK_EQ_U64(layout.load_end, 0x18000);
		CHECK_EQ_U64(layout.unpack_pages, 2);
	}
	/* pvimg metadata alone is enough; the arguments only have to agree. */
	make_pvimg(img);
	memset(img + 0x13fe8, 0, 24);
	if (!open_layout("pvimg-noargs.img", img, IMG_SIZE, &layout)) {
		CHECK(!layout.have_args);
		CHECK_EQ_U64(layout.ipib_off, 0x15000);
		CHECK_EQ_U64(layout.hdr_size, 0x280);
	}

	make_legacy(img);
	if (!open_layout("legacy.img", img, IMG_SIZE, &layout)) {
		CHECK_EQ_U64(layout.hdr_off, 0x13000);
		CHECK_EQ_U64(layout.ipib_off, 0x12000);
		CHECK_EQ_U64(layout.args_off, 0x11a10);
		CHECK_EQ_U64(layout.hdr_size, 0x280);
		CHECK(layout.legacy);
	}
	/* Where stage3a says, not where a page before the header would be. */
	make_legacy(img);
	memset(img + 0x12000, 0, 0x1000);
	put_ipib(img, 0x10000, 0, 0x280);
	put_args(img, 0xfe00, 0x13000, 0x280, 0x10000);
	memset(img + 0x11a10, 0, 24);
	if (!open_layout("legacy-moved.img", img, IMG_SIZE, &layout))
		CHECK_EQ_U64(layout.ipib_off, 0x10000);

	/* A component whose size is no page multiple is unpacked rounded up, as QEMU does. */
	make_pvimg(img);
	put_be64(img + 0x15000 + 0x98, 0x800);
	if (!open_layout("short-comp.img", img, IMG_SIZE, &layout)) {
		CHECK_EQ_U64(layout.comp[0].size, 0x800);
		CHECK_EQ_U64(layout.comp[0].unpack_size, 0x1000);
		CHECK_EQ_U64(layout.unpack_pages, 2);
	}
	/* ... also the last one, in a file that ends in the middle of its page. */
	make_pvimg(img);
	put_be64(img + 0x15000 + 0xb0, 0x10);
	if (!open_layout("short-file.img", img, 0x17010, &layout)) {
		CHECK_EQ_U64(layout.comp[1].unpack_size, 0x1000);
		CHECK_EQ_U64(layout.load_end, 0x18000);
	}
}

static void test_image_bad(uint8_t *img)
{
	memset(img, 0, IMG_SIZE);
	put_header(img, 0, 0x280);
	check_bad("bare-header.img", img, IMG_SIZE, "an SE header alone");

	make_pvimg(img);
	put_be64(img + 0xc008, 0x13000);
	check_bad("bad-meta.img", img, IMG_SIZE, "points to an SE header at 0x13000");

	make_pvimg(img);
	put_be32(img + 0x14008, 0x200);
	check_bad("bad-version.img", img, IMG_SIZE, "SE header version 0x200");

	make_pvimg(img);
	check_bad("truncated.img", img, 0x14100, "claims 640 bytes");

	make_pvimg(img);
	put_be32(img + 0x1400c, 0x3000);
	check_bad("huge-header.img", img, IMG_SIZE, "claims 12288 bytes; KVM takes 416 to 8192");

	make_pvimg(img);
	img[0x1500c] = 2;
	check_bad("not-pv-ipib.img", img, IMG_SIZE, "no valid PV IPL parameter block at 0x15000");

	make_pvimg(img);
	put_be64(img + 0x15000 + 0xa8, 0x18000);
	check_bad("comp-beyond.img", img, IMG_SIZE, "component 1 (0x1000 bytes at 0x18000)");

	make_pvimg(img);
	put_be64(img + 0x15000 + 0xa8, 0x17800);
	check_bad("comp-unaligned.img", img, IMG_SIZE, "does not start on a 4 KiB page");

	make_pvimg(img);
	put_be64(img + 0x15000 + 0xa8, 0x16000);
	check_bad("comp-overlap.img", img, IMG_SIZE, "overlaps an earlier component");

	make_pvimg(img);
	put_be64(img + 0x15000 + 0xa0, 0x100);
	check_bad("tweak.img", img, IMG_SIZE, "tweak prefix that does not grow");

	/* The IPIB's own header fields, which QEMU uses, must not contradict the image. */
	make_pvimg(img);
	put_be64(img + 0x15000 + 0x78, 0x13000);
	check_bad("ipib-hdr-addr.img", img, IMG_SIZE,
		  "names an SE header of 640 bytes at 0x13000, not the 640 bytes at 0x14000");
	make_pvimg(img);
	put_be64(img + 0x15000 + 0x80, 0x300);
	check_bad("ipib-hdr-size.img", img, IMG_SIZE, "names an SE header of 768 bytes");

	/* The stage3a arguments: required without metadata, consistent with it. */
	make_legacy(img);
	memset(img + 0x11a10, 0, 24);
	check_bad("legacy-noargs.img", img, IMG_SIZE, "no stage3a loader arguments");
	make_legacy(img);
	put_args(img, 0x11a10, 0x13000, 0x300, 0x12000);
	check_bad("args-size.img", img, IMG_SIZE,
		  "the stage3a arguments give the SE header 768 bytes, the header itself 640");
	make_pvimg(img);
	put_args(img, 0x13fe8, 0x14000, 0x280, 0x16000);
	check_bad("args-ipib.img", img, IMG_SIZE,
		  "metadata puts the IPL parameter block at 0x15000, the stage3a arguments at "
		  "0x16000");
}

static void test_image(void)
{
	const char *base = getenv("KMB_TEST_TMP");
	static uint8_t img[IMG_SIZE];

	snprintf(tmpdir, sizeof(tmpdir), "%s/s390-req.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir))
		CHECK_SKIP("mkdtemp(%s): %s", tmpdir, strerror(errno));
	test_image_basic(img);
	test_image_good(img);
	test_image_bad(img);
	/* Keep the files of a failed run for a look. */
	if (!check_failures && kmb_rm_rf(tmpdir))
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(void)
{
	test_layouts();
	test_ioctl_numbers();
	test_constants();
	test_kvm_run_layout();
	test_skeys_req();
	test_keyop();
	test_pv_cmd_retry();
	test_pv_req();
	test_rc_decoding();
	test_pv_skip();
	test_skey_skip();
	test_guest_image();
	test_guest_exits();
	test_memslot();
	test_zero_mix();
	test_image();
	CHECK_DONE();
}
