/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Request building, argument checks, result decoding and skip logic for the
 * s390 KVM ioctls of the skey and teardown_pv families, and the check of a
 * Secure Execution image. Portable on purpose: <linux/kvm.h> declares the
 * s390 structures on every architecture, so tests/test_s390_req.c verifies all
 * of this on x86, while the ioctls themselves only run on IBM Z
 * (bench/s390/skey.c, bench/s390/pv_teardown.c).
 */
#ifndef KMB_PV_REQ_H
#define KMB_PV_REQ_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Values of include/uapi/linux/kvm.h for headers older than the feature
 * (Debian 12 ships 6.1). Whether the running kernel has it is probed.
 */
#ifndef KVM_CAP_S390_SKEYS
#define KVM_CAP_S390_SKEYS 110
#endif
#ifndef KVM_CAP_S390_PROTECTED
#define KVM_CAP_S390_PROTECTED 180
#endif
#ifdef KVM_CAP_S390_PROTECTED_ASYNC_DISABLE
#define KMB_UAPI_HAS_PV_ASYNC 1
#else
#define KMB_UAPI_HAS_PV_ASYNC 0
#define KVM_CAP_S390_PROTECTED_ASYNC_DISABLE 224	/* Linux 6.2 */
#endif
#ifndef KVM_S390_GET_SKEYS_NONE
#define KVM_S390_GET_SKEYS_NONE 1
#endif
#ifndef KVM_S390_SKEYS_MAX
#define KVM_S390_SKEYS_MAX 1048576
#endif
/* KVM_S390_KEYOP (Linux 7.0) is used only where the headers declare it. */
#ifdef KVM_S390_KEYOP
#define KMB_UAPI_HAS_KEYOP 1
#else
#define KMB_UAPI_HAS_KEYOP 0
#endif

/*
 * enum pv_cmd_id of the uapi. An enum cannot be tested with #ifdef, and 6.1
 * headers lack the last two (Linux 6.2), so the project uses its own names;
 * the unit test checks them against the header where it has them.
 */
enum kmb_pv_cmd {
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

/* Ultravisor return codes common to every UV call (arch/s390/include/asm/uv.h). */
#define KMB_UVC_RC_EXECUTED 0x0001
#define KMB_UVC_RC_INV_CMD 0x0002
#define KMB_UVC_RC_INV_STATE 0x0003
#define KMB_UVC_RC_INV_LEN 0x0005
#define KMB_UVC_RC_NO_RESUME 0x0007
#define KMB_UVC_RC_MORE_DATA 0x0100
#define KMB_UVC_RC_NEED_DESTROY 0x8000

/* ---- storage keys ---- */

/*
 * Argument of KVM_S390_GET_SKEYS / KVM_S390_SET_SKEYS: count keys from
 * start_gfn in keys[]. The kernel rejects a count outside
 * 1..KVM_S390_SKEYS_MAX with -EINVAL; so does this, with the reason.
 * Returns 0, or -1 with err.
 */
int kmb_skeys_req(struct kvm_s390_skeys *req, uint64_t start_gfn, uint64_t count, uint8_t *keys,
		  char *err, size_t errlen);
/* Keys for SET: the lowest-order bit of a key is reserved and must be 0. */
int kmb_skeys_check_keys(const uint8_t *keys, uint64_t count, char *err, size_t errlen);

enum kmb_skeys_state {
	KMB_SKEYS_IN_USE,	/* 0: keys returned, the guest uses storage keys */
	KMB_SKEYS_NOT_IN_USE,	/* KVM_S390_GET_SKEYS_NONE: never enabled */
	KMB_SKEYS_FAILED,	/* -1 (errno) or an unknown value */
};
/* What KVM_S390_GET_SKEYS's return value (of ioctl()) says. */
enum kmb_skeys_state kmb_skeys_get_state(int ret);

/* How the first storage-key operation of a benchmark is triggered. */
enum kmb_skey_trigger {
	KMB_SKEY_SET_SKEYS,	/* KVM_S390_SET_SKEYS, count 1 */
	KMB_SKEY_KEYOP,		/* KVM_S390_KEYOP SSKE (Linux 7.0) */
	KMB_SKEY_GUEST_SSKE,	/* an SSKE executed by the guest */
};

#define KMB_SKIP_NO_KEYOP_UAPI "KVM_S390_KEYOP not in this kernel's uapi headers"
#define KMB_SKIP_GUEST_SSKE "needs a runnable vCPU (SIE)"

/*
 * Why a trigger cannot run: NULL if it can, else a reason (in buf or a
 * constant). cap_keyop is KVM_CHECK_EXTENSION(KVM_CAP_S390_KEYOP), or -1 if
 * it could not be asked.
 */
const char *kmb_skey_skip_reason(enum kmb_skey_trigger trigger, bool uapi_has_keyop,
				 int cap_keyop, char *buf, size_t len);

/* ---- guest memory ---- */

#define KMB_S390_SEGMENT (1ULL << 20)

/*
 * KVM_SET_USER_MEMORY_REGION on s390 wants the slot's user address and size
 * on segment (1 MiB) boundaries; it says only EINVAL. 0, or -1 with err.
 */
int kmb_s390_memslot_check(uint64_t hva, uint64_t size, char *err, size_t errlen);

/* ---- protected virtualization commands ---- */

/* KVM_S390_PV_COMMAND argument: cmd, data (an address or 0), flags 0. */
void kmb_pv_cmd_req(struct kvm_pv_cmd *cmd, uint32_t id, uint64_t data);
/* KVM_PV_SET_SEC_PARMS: the SE header in user memory, 0x1a0..8 KiB. 0 or -1 with err. */
int kmb_pv_sec_parm_req(struct kvm_s390_pv_sec_parm *p, const void *hdr, uint64_t len,
			char *err, size_t errlen);
/* KVM_PV_UNPACK of one component: page-aligned guest address and size. */
int kmb_pv_unp_req(struct kvm_s390_pv_unp *u, uint64_t addr, uint64_t size, uint64_t tweak,
		   char *err, size_t errlen);

/* "KVM_PV_UNPACK", or "pv command 42" for an unknown one (in a static buffer). */
const char *kmb_pv_cmd_name(uint32_t id);
bool kmb_pv_rc_ok(uint16_t rc);
/*
 * "rc 0x0001 (executed)", "rc 0x0003 (invalid state) rrc 0x0010", or for a
 * code with no name "rc 0x0123 rrc 0x0004". rc 0 means KVM failed before it
 * made an Ultravisor call.
 */
void kmb_pv_rc_str(uint16_t rc, uint16_t rrc, char *buf, size_t len);
/* One line for a failed command: "KVM_S390_PV_COMMAND(KVM_PV_UNPACK): <errno>, rc ..." */
void kmb_pv_cmd_error(const struct kvm_pv_cmd *cmd, int errnum, char *buf, size_t len);

/* ---- teardown_pv skip logic ---- */

#define KMB_SKIP_NO_PV_IMAGE "needs a Secure Execution image (--pv-image FILE)"

enum kmb_pv_teardown {
	KMB_PV_TEARDOWN_DISABLE,	/* KVM_PV_DISABLE */
	KMB_PV_TEARDOWN_ASYNC,		/* KVM_PV_ASYNC_CLEANUP_PREPARE + _PERFORM */
};

/* What the host offers; each cap is KVM_CHECK_EXTENSION's answer, -1 if not asked. */
struct kmb_pv_host {
	const char *image;	/* SE image path; NULL or "" if none was given */
	const char *image_err;	/* kmb_pv_image_check()'s message, NULL if the image is good */
	const char *kvm_err;	/* why /dev/kvm could not be asked, or NULL */
	int cap_protected;	/* KVM_CAP_S390_PROTECTED */
	int cap_async;		/* KVM_CAP_S390_PROTECTED_ASYNC_DISABLE */
	uint64_t image_end;	/* guest memory the image needs (kmb_pv_image.load_end) */
	uint64_t vm_size;	/* the benchmark's VM size */
};

/* NULL if the teardown can run, else why not (in buf or a constant). */
const char *kmb_pv_skip_reason(const struct kmb_pv_host *host, enum kmb_pv_teardown how,
			       char *buf, size_t len);

/* ---- Secure Execution boot images ---- */

#define KMB_SE_PAGE 0x1000ULL
#define KMB_SE_HDR_MAGIC "IBMSecEx"
#define KMB_SE_META_MAGIC "SeImgLnx"
#define KMB_SE_META_OFF 0xc000ULL	/* pvimg: image metadata (stage3a BSS) */
#define KMB_SE_SCAN_END 0x17000ULL	/* genprotimg: last page searched for the header */
#define KMB_SE_HDR_VERSION 0x100
#define KMB_SE_HDR_MIN 0x1a0		/* the fixed part of a v1 header */
#define KMB_SE_HDR_MAX 0x2000		/* what KVM_PV_SET_SEC_PARMS accepts */
#define KMB_PV_MAX_COMPS 160		/* what fits in a one-page IPL parameter block */

struct kmb_pv_comp {
	uint64_t tweak;		/* tweak prefix */
	uint64_t addr;		/* guest address (= file offset: the image loads at 0) */
	uint64_t size;
};

/* Where the parts of an SE boot image are, as the kernel needs them. */
struct kmb_pv_image {
	uint64_t file_size;
	uint64_t hdr_off;	/* SE header */
	uint32_t hdr_size;
	uint64_t ipib_off;	/* IPL parameter block with the component list */
	bool legacy;		/* found by scanning (genprotimg), not via metadata (pvimg) */
	unsigned ncomp;
	struct kmb_pv_comp comp[KMB_PV_MAX_COMPS];
	uint64_t load_end;	/* guest memory the image needs: end of the last component */
};

/*
 * Check that path is a Secure Execution boot image this harness can boot:
 * readable regular non-empty file, SE header found, header and IPL parameter
 * block consistent. Returns 0, or -1 with a one-line reason in err.
 */
int kmb_pv_image_check(const char *path, char *err, size_t errlen);
/* The same, keeping the layout; returns an open fd (caller closes) or -1. */
int kmb_pv_image_open(const char *path, struct kmb_pv_image *img, char *err, size_t errlen);

#endif
