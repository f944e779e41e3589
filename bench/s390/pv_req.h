/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Request building, argument checks, result decoding and skip logic for the
 * s390 KVM ioctls of the skey and teardown_pv families, and the check of a
 * Secure Execution image. Portable on purpose: it uses kmb's own copy of the
 * ABI (s390_uapi.h), so tests/test_s390_req.c verifies all of it on any
 * architecture, while the ioctls themselves only run on IBM Z
 * (bench/s390/skey_kvm.c, bench/s390/teardown_pv_kvm.c).
 */
#ifndef KMB_PV_REQ_H
#define KMB_PV_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s390_uapi.h"

/* Ultravisor return codes common to every UV call (arch/s390/include/asm/uv.h). */
#define KMB_UVC_RC_EXECUTED 0x0001
#define KMB_UVC_RC_INV_CMD 0x0002
#define KMB_UVC_RC_INV_STATE 0x0003
#define KMB_UVC_RC_INV_LEN 0x0005
#define KMB_UVC_RC_NO_RESUME 0x0007
#define KMB_UVC_RC_MORE_DATA 0x0100
#define KMB_UVC_RC_NEED_DESTROY 0x8000

#define KMB_S390_PAGE 0x1000ULL

/* ---- storage keys ---- */

/*
 * Argument of KVM_S390_GET_SKEYS / KVM_S390_SET_SKEYS: count keys from
 * start_gfn in keys[]. The kernel rejects a count outside
 * 1..KVM_S390_SKEYS_MAX with -EINVAL; so does this, with the reason.
 * Returns 0, or -1 with err.
 */
int kmb_skeys_req(struct kmb_s390_skeys *req, uint64_t start_gfn, uint64_t count, uint8_t *keys,
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

/*
 * The bits of a storage key that only a key-setting operation changes: the
 * access-control bits and the fetch-protection bit. Reference (0x04) and
 * change (0x02) follow accesses; 0x01 is reserved.
 */
#define KMB_SKEY_ACC_F_MASK 0xf8

/* KVM_S390_KEYOP request: operation on the key of the page at guest_addr. */
void kmb_keyop_req(struct kmb_s390_keyop *op, uint64_t guest_addr, uint8_t key,
		   uint8_t operation);
/* The key the keyop benchmark sets on guest page i: every ACC/F value in turn. */
uint8_t kmb_keyop_key(uint64_t page);
/*
 * Compare keys read back with KVM_S390_GET_SKEYS from gfn 0 with
 * kmb_keyop_key() on the access-control and fetch-protection bits. 0, or -1
 * with the first page that differs in err.
 */
int kmb_keyop_verify(const uint8_t *keys, uint64_t count, char *err, size_t errlen);

/* How a benchmark reaches the storage-key code. */
enum kmb_skey_trigger {
	/* The first KVM_S390_SET_SKEYS: enables keys (kvm_s390_set_skeys). */
	KMB_SKEY_SET_SKEYS,
	/*
	 * The first SSKE the guest executes: intercepted, and enables keys
	 * (priv.c, handle_sske -> kvm_s390_skey_check_enable).
	 */
	KMB_SKEY_GUEST_SSKE,
	/*
	 * KVM_S390_KEYOP SSKE with keys already enabled. KEYOP only sets a key
	 * (kvm_s390_keyop -> dat_cond_set_storage_key, Linux 7.0); enabling
	 * is left to KVM_S390_SET_SKEYS, as the kernel's own KEYOP selftest
	 * (tools/testing/selftests/kvm/s390/keyop.c) does before any KEYOP.
	 */
	KMB_SKEY_KEYOP,
};

/*
 * Why a trigger cannot run: NULL if it can, else a reason (in buf).
 * cap_keyop is KVM_CHECK_EXTENSION(KVM_CAP_S390_KEYOP), or -1 if it could
 * not be asked.
 */
const char *kmb_skey_skip_reason(enum kmb_skey_trigger trigger, int cap_keyop, char *buf,
				 size_t len);

/* ---- guest memory ---- */

#define KMB_S390_SEGMENT (1ULL << 20)

/*
 * KVM_SET_USER_MEMORY_REGION on s390 wants the slot's user address and size
 * on segment (1 MiB) boundaries; it says only EINVAL. 0, or -1 with err.
 */
int kmb_s390_memslot_check(uint64_t hva, uint64_t size, char *err, size_t errlen);

/* ---- protected virtualization commands ---- */

/* KVM_S390_PV_COMMAND argument: cmd, data (an address or 0), flags 0. */
void kmb_pv_cmd_req(struct kmb_pv_cmd *cmd, uint32_t id, uint64_t data);
/* KVM_PV_SET_SEC_PARMS: the SE header in user memory, 0x1a0..8 KiB. 0 or -1 with err. */
int kmb_pv_sec_parm_req(struct kmb_pv_sec_parm *p, const void *hdr, uint64_t len,
			char *err, size_t errlen);
/* KVM_PV_UNPACK of one component: page-aligned guest address and size. */
int kmb_pv_unp_req(struct kmb_pv_unp *u, uint64_t addr, uint64_t size, uint64_t tweak,
		   char *err, size_t errlen);

/*
 * Issue a PV command through fn (the ioctl), again as long as it fails with
 * EINTR, as QEMU's __s390_pv_cmd (target/s390x/kvm/pv.c) does: the kernel
 * gives up a long command (unpack, destroy) when a signal is pending. Returns
 * fn's last return value; errno is that of the last failure.
 */
typedef int (*kmb_pv_ioctl_fn)(void *ctx, struct kmb_pv_cmd *cmd);
int kmb_pv_cmd_issue(kmb_pv_ioctl_fn fn, void *ctx, struct kmb_pv_cmd *cmd);

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
void kmb_pv_cmd_error(const struct kmb_pv_cmd *cmd, int errnum, char *buf, size_t len);

/* ---- teardown_pv skip logic ---- */

#define KMB_SKIP_NO_PV_IMAGE "needs a Secure Execution image (--pv-image FILE)"

/*
 * Guest memory below this guest address is destroyed synchronously by
 * KVM_PV_ASYNC_CLEANUP_PREPARE (kvm_s390_pv_set_aside: kvm_s390_destroy_lower_2g
 * from Linux 6.2, gmap_pv_destroy_range(gmap, 0, 2 GiB) since the 7.0 gmap rewrite), and a VM
 * of at most this size has a segment-table ASCE, for which PREPARE returns
 * EINVAL (gmap_alloc/gmap_create: limit < _REGION3_SIZE).
 */
#define KMB_PV_LOWER_2G (2ULL << 30)

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
	uint64_t vm_size;	/* the benchmark's VM size (and memory limit) */
};

/* NULL if the teardown can run, else why not (in buf or a constant). */
const char *kmb_pv_skip_reason(const struct kmb_pv_host *host, enum kmb_pv_teardown how,
			       char *buf, size_t len);

/* ---- Secure Execution boot images ---- */

#define KMB_SE_PAGE KMB_S390_PAGE
#define KMB_SE_HDR_MAGIC "IBMSecEx"
#define KMB_SE_META_MAGIC "SeImgLnx"
#define KMB_SE_META_OFF 0xc000ULL	/* pvimg: image metadata (stage3a BSS) */
#define KMB_SE_SCAN_END 0x17000ULL	/* genprotimg: last page searched for the header */
#define KMB_SE_HDR_VERSION 0x100
#define KMB_SE_HDR_MIN 0x1a0		/* the fixed part of a v1 header */
#define KMB_SE_HDR_MAX 0x2000		/* what KVM_PV_SET_SEC_PARMS accepts */
#define KMB_SE_ARGS_SIZE 24		/* struct stage3a_args */
#define KMB_PV_MAX_COMPS 160		/* what fits in a one-page IPL parameter block */

struct kmb_pv_comp {
	uint64_t tweak;		/* tweak prefix */
	uint64_t addr;		/* guest address (= file offset: the image loads at 0) */
	uint64_t size;		/* as the IPL parameter block says */
	uint64_t unpack_size;	/* size rounded up to 4 KiB, as QEMU unpacks it */
};

/* Where the parts of an SE boot image are, as the kernel needs them. */
struct kmb_pv_image {
	uint64_t file_size;
	uint64_t hdr_off;	/* SE header */
	uint32_t hdr_size;	/* what KVM_PV_SET_SEC_PARMS gets: the IPIB's pv_hdr_size */
	uint64_t ipib_off;	/* IPL parameter block with the component list */
	bool have_args;		/* the stage3a loader's arguments were found */
	uint64_t args_off;	/* ... at this offset */
	bool legacy;		/* found by scanning (genprotimg), not via metadata (pvimg) */
	unsigned ncomp;
	struct kmb_pv_comp comp[KMB_PV_MAX_COMPS];
	uint64_t load_end;	/* guest memory the image needs: end of the last component */
	uint64_t unpack_pages;	/* pages KVM_PV_UNPACK imports: the sum of the components */
};

/*
 * Check that path is a Secure Execution boot image this harness can boot:
 * readable regular non-empty file, SE header found, header, stage3a
 * arguments and IPL parameter block consistent. Returns 0, or -1 with a
 * one-line reason in err.
 */
int kmb_pv_image_check(const char *path, char *err, size_t errlen);
/* The same, keeping the layout; returns an open fd (caller closes) or -1. */
int kmb_pv_image_open(const char *path, struct kmb_pv_image *img, char *err, size_t errlen);

#endif
