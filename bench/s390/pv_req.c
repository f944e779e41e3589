// SPDX-License-Identifier: GPL-2.0-only
#include "pv_req.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- storage keys ---- */

int kmb_skeys_req(struct kmb_s390_skeys *req, uint64_t start_gfn, uint64_t count, uint8_t *keys,
		  char *err, size_t errlen)
{
	memset(req, 0, sizeof(*req));
	if (count < 1 || count > KMB_S390_SKEYS_MAX) {
		snprintf(err, errlen, "storage key count %llu out of range 1..%u",
			 (unsigned long long)count, (unsigned)KMB_S390_SKEYS_MAX);
		return -1;
	}
	if (!keys) {
		snprintf(err, errlen, "no buffer for %llu storage keys", (unsigned long long)count);
		return -1;
	}
	req->start_gfn = start_gfn;
	req->count = count;
	req->skeydata_addr = (uint64_t)(uintptr_t)keys;
	return 0;
}

int kmb_skeys_check_keys(const uint8_t *keys, uint64_t count, char *err, size_t errlen)
{
	uint64_t i;

	for (i = 0; i < count; i++) {
		if (!(keys[i] & 0x01))
			continue;
		snprintf(err, errlen,
			 "storage key 0x%02x at index %llu has the reserved low-order bit set",
			 keys[i], (unsigned long long)i);
		return -1;
	}
	return 0;
}

enum kmb_skeys_state kmb_skeys_get_state(int ret)
{
	if (ret == 0)
		return KMB_SKEYS_IN_USE;
	if (ret == KMB_S390_GET_SKEYS_NONE)
		return KMB_SKEYS_NOT_IN_USE;
	return KMB_SKEYS_FAILED;
}

void kmb_keyop_req(struct kmb_s390_keyop *op, uint64_t guest_addr, uint8_t key,
		   uint8_t operation)
{
	memset(op, 0, sizeof(*op));
	op->guest_addr = guest_addr;
	op->key = key;
	op->operation = operation;
}

uint8_t kmb_keyop_key(uint64_t page)
{
	return (uint8_t)((page << 3) & KMB_SKEY_ACC_F_MASK);
}

int kmb_keyop_verify(const uint8_t *keys, uint64_t count, char *err, size_t errlen)
{
	uint64_t i;

	for (i = 0; i < count; i++) {
		uint8_t want = kmb_keyop_key(i);

		if ((keys[i] & KMB_SKEY_ACC_F_MASK) == want)
			continue;
		snprintf(err, errlen,
			 "storage key of guest page %llu is 0x%02x after KVM_S390_KEYOP set 0x%02x "
			 "(access-control and fetch-protection bits differ)",
			 (unsigned long long)i, keys[i], want);
		return -1;
	}
	return 0;
}

const char *kmb_skey_skip_reason(enum kmb_skey_trigger trigger, int cap_keyop, char *buf,
				 size_t len)
{
	if (trigger != KMB_SKEY_KEYOP || cap_keyop > 0)
		return NULL;	/* the s390_skeys capability covers the others */
	snprintf(buf, len, "%s",
		 cap_keyop < 0 ? "cannot ask KVM for KVM_CAP_S390_KEYOP"
			       : "KVM_CHECK_EXTENSION(KVM_CAP_S390_KEYOP) says no (Linux 7.0+)");
	return buf;
}

/* ---- guest memory ---- */

int kmb_s390_memslot_check(uint64_t hva, uint64_t size, char *err, size_t errlen)
{
	if (size && !(size % KMB_S390_SEGMENT) && !(hva % KMB_S390_SEGMENT))
		return 0;
	if (!size || size % KMB_S390_SEGMENT)
		snprintf(err, errlen,
			 "a KVM memslot on s390 is a multiple of 1 MiB, not %llu bytes",
			 (unsigned long long)size);
	else
		snprintf(err, errlen,
			 "a KVM memslot on s390 starts on a 1 MiB boundary, not at 0x%llx",
			 (unsigned long long)hva);
	return -1;
}

/* ---- protected virtualization commands ---- */

void kmb_pv_cmd_req(struct kmb_pv_cmd *cmd, uint32_t id, uint64_t data)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->cmd = id;
	cmd->data = data;
}

int kmb_pv_sec_parm_req(struct kmb_pv_sec_parm *p, const void *hdr, uint64_t len,
			char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (!hdr || len < KMB_SE_HDR_MIN || len > KMB_SE_HDR_MAX) {
		snprintf(err, errlen, "SE header of %llu bytes: KVM_PV_SET_SEC_PARMS takes %u to %u",
			 (unsigned long long)len, KMB_SE_HDR_MIN, KMB_SE_HDR_MAX);
		return -1;
	}
	p->origin = (uint64_t)(uintptr_t)hdr;
	p->length = len;
	return 0;
}

int kmb_pv_unp_req(struct kmb_pv_unp *u, uint64_t addr, uint64_t size, uint64_t tweak,
		   char *err, size_t errlen)
{
	memset(u, 0, sizeof(*u));
	if (!size || (addr | size) & (KMB_S390_PAGE - 1)) {
		snprintf(err, errlen,
			 "unpack of 0x%llx bytes at 0x%llx: address and size must be non-zero "
			 "multiples of 4 KiB",
			 (unsigned long long)size, (unsigned long long)addr);
		return -1;
	}
	u->addr = addr;
	u->size = size;
	u->tweak = tweak;
	return 0;
}

int kmb_pv_cmd_issue(kmb_pv_ioctl_fn fn, void *ctx, struct kmb_pv_cmd *cmd)
{
	int ret;

	do
		ret = fn(ctx, cmd);
	while (ret < 0 && errno == EINTR);
	return ret;
}

static const char *const pv_cmd_names[] = {
	[KMB_PV_ENABLE] = "KVM_PV_ENABLE",
	[KMB_PV_DISABLE] = "KVM_PV_DISABLE",
	[KMB_PV_SET_SEC_PARMS] = "KVM_PV_SET_SEC_PARMS",
	[KMB_PV_UNPACK] = "KVM_PV_UNPACK",
	[KMB_PV_VERIFY] = "KVM_PV_VERIFY",
	[KMB_PV_PREP_RESET] = "KVM_PV_PREP_RESET",
	[KMB_PV_UNSHARE_ALL] = "KVM_PV_UNSHARE_ALL",
	[KMB_PV_INFO] = "KVM_PV_INFO",
	[KMB_PV_DUMP] = "KVM_PV_DUMP",
	[KMB_PV_ASYNC_CLEANUP_PREPARE] = "KVM_PV_ASYNC_CLEANUP_PREPARE",
	[KMB_PV_ASYNC_CLEANUP_PERFORM] = "KVM_PV_ASYNC_CLEANUP_PERFORM",
};

const char *kmb_pv_cmd_name(uint32_t id)
{
	static __thread char unknown[32];

	if (id < sizeof(pv_cmd_names) / sizeof(pv_cmd_names[0]))
		return pv_cmd_names[id];
	snprintf(unknown, sizeof(unknown), "pv command %u", id);
	return unknown;
}

bool kmb_pv_rc_ok(uint16_t rc)
{
	return rc == KMB_UVC_RC_EXECUTED;
}

static const struct {
	uint16_t rc;
	const char *text;
} uv_rcs[] = {
	{ 0, "no Ultravisor call made" },
	{ KMB_UVC_RC_EXECUTED, "executed" },
	{ KMB_UVC_RC_INV_CMD, "invalid command" },
	{ KMB_UVC_RC_INV_STATE, "invalid state" },
	{ KMB_UVC_RC_INV_LEN, "invalid length" },
	{ KMB_UVC_RC_NO_RESUME, "no resume" },
	{ KMB_UVC_RC_MORE_DATA, "more data" },
	{ KMB_UVC_RC_NEED_DESTROY, "needs destroy" },
};

static const char *uv_rc_text(uint16_t rc)
{
	size_t i;

	for (i = 0; i < sizeof(uv_rcs) / sizeof(uv_rcs[0]); i++)
		if (uv_rcs[i].rc == rc)
			return uv_rcs[i].text;
	return NULL;
}

/* The reason code adds nothing to a success; anything else keeps it. */
void kmb_pv_rc_str(uint16_t rc, uint16_t rrc, char *buf, size_t len)
{
	const char *text = uv_rc_text(rc);

	if (!text)
		snprintf(buf, len, "rc 0x%04x rrc 0x%04x", rc, rrc);
	else if (kmb_pv_rc_ok(rc) && !rrc)
		snprintf(buf, len, "rc 0x%04x (%s)", rc, text);
	else
		snprintf(buf, len, "rc 0x%04x (%s) rrc 0x%04x", rc, text, rrc);
}

void kmb_pv_cmd_error(const struct kmb_pv_cmd *cmd, int errnum, char *buf, size_t len)
{
	char rc[64];

	kmb_pv_rc_str(cmd->rc, cmd->rrc, rc, sizeof(rc));
	snprintf(buf, len, "KVM_S390_PV_COMMAND(%s) failed: errno %d (%s), %s",
		 kmb_pv_cmd_name(cmd->cmd), errnum, strerror(errnum), rc);
}

/* ---- teardown_pv skip logic ---- */

static const char *cap_reason(int cap, const char *name, const char *why, char *buf, size_t len)
{
	if (cap > 0)
		return NULL;
	snprintf(buf, len, "KVM_CHECK_EXTENSION(%s) says no (%s)", name, why);
	return buf;
}

const char *kmb_pv_skip_reason(const struct kmb_pv_host *host, enum kmb_pv_teardown how,
			       char *buf, size_t len)
{
	const char *why;

	/* The image first: it is what the user gave, and can fix, here. */
	if (!host->image || !host->image[0])
		return KMB_SKIP_NO_PV_IMAGE;
	if (host->image_err) {
		snprintf(buf, len, "%s", host->image_err);
		return buf;
	}
	if (how == KMB_PV_TEARDOWN_ASYNC && host->vm_size <= KMB_PV_LOWER_2G) {
		snprintf(buf, len,
			 "lazy destroy needs a VM larger than 2 GiB: KVM_PV_ASYNC_CLEANUP_PREPARE "
			 "refuses a VM whose memory limit is 2 GiB or less (segment-table ASCE), "
			 "and QEMU does not try it either");
		return buf;
	}
	if (host->kvm_err) {
		snprintf(buf, len, "needs kvm: %s", host->kvm_err);
		return buf;
	}
	why = cap_reason(host->cap_protected, "KVM_CAP_S390_PROTECTED",
			 "no Secure Execution host: IBM z15 or later, prot_virt=1", buf, len);
	if (!why && how == KMB_PV_TEARDOWN_ASYNC)
		why = cap_reason(host->cap_async, "KVM_CAP_S390_PROTECTED_ASYNC_DISABLE",
				 "Linux 6.2+ with kvm.async_destroy=1", buf, len);
	if (why)
		return why;
	if (host->image_end > host->vm_size) {
		snprintf(buf, len,
			 "the Secure Execution image needs %llu bytes of guest memory, more than "
			 "the VM's %llu",
			 (unsigned long long)host->image_end, (unsigned long long)host->vm_size);
		return buf;
	}
	return NULL;
}

/* ---- Secure Execution boot images ---- */

/*
 * The layout of an SE boot image, which is loaded into guest memory at
 * address 0, so guest addresses are file offsets:
 *  - a stage3a loader, whose last 24 bytes are its arguments (struct
 *    stage3a_args: big-endian u64 hdr_offs, hdr_size, ipib_offs, the offsets
 *    relative to the arguments themselves). At IPL it writes
 *    args + hdr_offs and hdr_size into the IPL parameter block's
 *    pv_hdr_addr and pv_hdr_size and hands the block to diag 308 (s390-tools
 *    genprotimg/boot/stage3a.c, start(); genprotimg/src/pv/pv_stage3.c,
 *    stage3a_set_data(); rust/pvimg, the stage3a arguments);
 *  - after the loader, the IPL parameter block of type PV (5) listing the
 *    encrypted components, and the SE header ("IBMSecEx", big-endian u32
 *    version 0x100, u32 size);
 *  - images written by pvimg also carry metadata at 0xc000: "SeImgLnx",
 *    big-endian u64 header offset, u32 version, u64 IPIB offset (s390-tools
 *    rust/pv/src/brcb.rs, SeImgMetaData). Older genprotimg images have none;
 *    their header is found on a page boundary by scanning, as
 *    seek_se_hdr_start() in the same file does.
 * QEMU boots it (hw/s390x/s390-virtio-ccw.c, s390_machine_protect) with the
 * header at the IPIB's pv_hdr_addr/pv_hdr_size (hw/s390x/ipl.c,
 * s390_ipl_prepare_pv_header) and each component unpacked at its address
 * with its size rounded up to a page (s390_ipl_pv_unpack). So does kmb, with
 * the values stage3a would have written.
 */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint64_t page_align(uint64_t v)
{
	return (v + KMB_SE_PAGE - 1) & ~(KMB_SE_PAGE - 1);
}

static bool magic_at(int fd, uint64_t off, const char *magic)
{
	char buf[8];

	return kmb_pread_all(fd, buf, sizeof(buf), off) == 0 && !memcmp(buf, magic, sizeof(buf));
}

/* pvimg metadata: 1 found (offsets set), 0 absent, -1 inconsistent. */
static int find_by_metadata(int fd, const char *path, struct kmb_pv_image *img, char *err,
			    size_t errlen)
{
	uint8_t meta[28];

	if (kmb_pread_all(fd, meta, sizeof(meta), KMB_SE_META_OFF) ||
	    memcmp(meta, KMB_SE_META_MAGIC, 8))
		return 0;
	img->hdr_off = be64(meta + 8);
	img->ipib_off = be64(meta + 20);
	if (magic_at(fd, img->hdr_off, KMB_SE_HDR_MAGIC))
		return 1;
	snprintf(err, errlen,
		 "%s: the image metadata at 0x%llx points to an SE header at 0x%llx, but "
		 "\"" KMB_SE_HDR_MAGIC "\" is not there (corrupt or truncated image)",
		 path, KMB_SE_META_OFF, (unsigned long long)img->hdr_off);
	return -1;
}

/* genprotimg: the first page boundary holding the header magic. */
static int find_by_scan(int fd, struct kmb_pv_image *img)
{
	uint64_t off;

	for (off = KMB_SE_PAGE; off <= KMB_SE_SCAN_END; off += KMB_SE_PAGE) {
		if (!magic_at(fd, off, KMB_SE_HDR_MAGIC))
			continue;
		img->hdr_off = off;
		img->legacy = true;
		return 1;
	}
	return 0;
}

static int find_header(int fd, const char *path, struct kmb_pv_image *img, char *err,
		       size_t errlen)
{
	int found = find_by_metadata(fd, path, img, err, errlen);

	if (found)
		return found < 0 ? -1 : 0;
	if (find_by_scan(fd, img))
		return 0;
	if (magic_at(fd, 0, KMB_SE_HDR_MAGIC))
		snprintf(err, errlen,
			 "%s: an SE header alone (as pvextract-hdr writes it), not a bootable "
			 "Secure Execution image",
			 path);
	else
		snprintf(err, errlen,
			 "%s: not a Secure Execution image (no \"" KMB_SE_HDR_MAGIC "\" header "
			 "where image metadata at 0x%llx points, nor on a page boundary from "
			 "0x1000 to 0x%llx)",
			 path, KMB_SE_META_OFF, KMB_SE_SCAN_END);
	return -1;
}

/* The header's own size field; the IPIB's pv_hdr_size must agree with it. */
static int check_header(int fd, const char *path, const struct kmb_pv_image *img,
			uint32_t *own_size, char *err, size_t errlen)
{
	uint8_t head[16];
	uint32_t version;

	if (kmb_pread_all(fd, head, sizeof(head), img->hdr_off)) {
		snprintf(err, errlen, "%s: SE header at 0x%llx is cut off", path,
			 (unsigned long long)img->hdr_off);
		return -1;
	}
	version = be32(head + 8);
	*own_size = be32(head + 12);
	if (version != KMB_SE_HDR_VERSION) {
		snprintf(err, errlen, "%s: SE header version 0x%x, this harness knows 0x%x", path,
			 version, KMB_SE_HDR_VERSION);
		return -1;
	}
	if (*own_size < KMB_SE_HDR_MIN || *own_size > KMB_SE_HDR_MAX ||
	    img->hdr_off + *own_size > img->file_size) {
		snprintf(err, errlen,
			 "%s: SE header at 0x%llx claims %u bytes; KVM takes %u to %u and the "
			 "file ends at 0x%llx",
			 path, (unsigned long long)img->hdr_off, *own_size, KMB_SE_HDR_MIN,
			 KMB_SE_HDR_MAX, (unsigned long long)img->file_size);
		return -1;
	}
	return 0;
}

/*
 * The stage3a arguments: 24 bytes at some p before the header with
 * p + hdr_offs == the header's offset and a header size KVM accepts. The
 * loader ends before the IPIB and the header (both "must be located AFTER
 * the stage3a loader"), so everything below the header is searched. Returns
 * 1 found (args_off, ipib offset and header size set), 0 not found.
 */
/* Loaders are a few pages; a header offset beyond this is not searched below. */
#define KMB_SE_ARGS_SEARCH_END (1ULL << 20)

static int find_stage3a_args(int fd, struct kmb_pv_image *img, uint64_t *args_ipib,
			     uint32_t *args_hdr_size)
{
	uint64_t end = img->hdr_off, p;
	uint8_t *buf;
	int found = 0;

	if (end < KMB_SE_ARGS_SIZE || end > KMB_SE_ARGS_SEARCH_END)
		return 0;
	buf = malloc(end);
	if (!buf || kmb_pread_all(fd, buf, end, 0)) {
		free(buf);
		return 0;
	}
	for (p = 0; p + KMB_SE_ARGS_SIZE <= end && !found; p++) {
		uint64_t hdr_offs = be64(buf + p), hdr_size = be64(buf + p + 8);
		uint64_t ipib_offs = be64(buf + p + 16);

		if (p + hdr_offs != end || hdr_size < KMB_SE_HDR_MIN || hdr_size > KMB_SE_HDR_MAX ||
		    ipib_offs > UINT64_MAX - p)
			continue;
		img->args_off = p;
		*args_ipib = p + ipib_offs;
		*args_hdr_size = (uint32_t)hdr_size;
		found = 1;
	}
	free(buf);
	return found;
}

/*
 * Where the IPIB is and how big the header is for KVM_PV_SET_SEC_PARMS:
 * what stage3a computes from its arguments. pvimg's metadata names the IPIB
 * as well; if the arguments are there, they must agree with it.
 */
static int locate_ipib(int fd, const char *path, struct kmb_pv_image *img, char *err,
		       size_t errlen)
{
	uint32_t own_size, args_hdr_size = 0;
	uint64_t args_ipib = 0;

	if (check_header(fd, path, img, &own_size, err, errlen))
		return -1;
	img->have_args = find_stage3a_args(fd, img, &args_ipib, &args_hdr_size);
	if (img->legacy && !img->have_args) {
		snprintf(err, errlen,
			 "%s: no stage3a loader arguments before the SE header at 0x%llx: cannot "
			 "tell where the IPL parameter block is",
			 path, (unsigned long long)img->hdr_off);
		return -1;
	}
	if (img->have_args && !img->legacy && args_ipib != img->ipib_off) {
		snprintf(err, errlen,
			 "%s: the image metadata puts the IPL parameter block at 0x%llx, the stage3a "
			 "arguments at 0x%llx",
			 path, (unsigned long long)img->ipib_off, (unsigned long long)args_ipib);
		return -1;
	}
	if (img->have_args)
		img->ipib_off = args_ipib;
	img->hdr_size = img->have_args ? args_hdr_size : own_size;
	if (img->hdr_size != own_size) {
		snprintf(err, errlen,
			 "%s: the stage3a arguments give the SE header %u bytes, the header itself "
			 "%u",
			 path, img->hdr_size, own_size);
		return -1;
	}
	return 0;
}

/* IPL parameter block of type PV: struct ipl_pb0_pv after the 8-byte list header. */
#define IPIB_PBT 0x0c
#define IPIB_PBT_PV 5
#define IPIB_NUM_COMP 0x74
#define IPIB_HDR_ADDR 0x78
#define IPIB_HDR_SIZE 0x80
#define IPIB_COMPS 0x88
#define IPIB_COMP_SIZE 24

static int check_comp(const struct kmb_pv_image *img, unsigned i, const char *path, char *err,
		      size_t errlen)
{
	const struct kmb_pv_comp *c = &img->comp[i];
	const char *what = NULL;
	unsigned j;

	/* QEMU's ipl_valid_pv_components: page-aligned address, growing tweak. */
	if (!c->size || c->addr & (KMB_SE_PAGE - 1))
		what = "does not start on a 4 KiB page or is empty";
	else if (c->addr + c->unpack_size < c->addr ||
		 c->addr + c->unpack_size > page_align(img->file_size))
		what = "lies beyond the end of the file";
	else if (i && c->tweak <= img->comp[i - 1].tweak)
		what = "has a tweak prefix that does not grow";
	for (j = 0; !what && j < i; j++) {
		const struct kmb_pv_comp *o = &img->comp[j];

		if (c->addr < o->addr + o->unpack_size && o->addr < c->addr + c->unpack_size)
			what = "overlaps an earlier component";
	}
	if (!what)
		return 0;
	snprintf(err, errlen, "%s: component %u (0x%llx bytes at 0x%llx) %s", path, i,
		 (unsigned long long)c->size, (unsigned long long)c->addr, what);
	return -1;
}

static void load_comps(struct kmb_pv_image *img, const uint8_t *ipib)
{
	unsigned i;

	img->load_end = 0;
	img->unpack_pages = 0;
	for (i = 0; i < img->ncomp; i++) {
		const uint8_t *p = ipib + IPIB_COMPS + i * IPIB_COMP_SIZE;
		struct kmb_pv_comp *c = &img->comp[i];

		c->tweak = be64(p);
		c->addr = be64(p + 8);
		c->size = be64(p + 16);
		c->unpack_size = c->size > UINT64_MAX - KMB_SE_PAGE ? 0 : page_align(c->size);
		if (c->addr + c->unpack_size > img->load_end)
			img->load_end = c->addr + c->unpack_size;
		img->unpack_pages += c->unpack_size / KMB_SE_PAGE;
	}
}

/*
 * pv_hdr_addr and pv_hdr_size as the file has them: genprotimg leaves 0
 * there for stage3a to fill in, pvimg writes the final values. Whatever is
 * there must not contradict what stage3a would write.
 */
static int check_ipib_header_fields(const uint8_t *ipib, const struct kmb_pv_image *img,
				    const char *path, char *err, size_t errlen)
{
	uint64_t addr = be64(ipib + IPIB_HDR_ADDR), size = be64(ipib + IPIB_HDR_SIZE);

	if ((!addr || addr == img->hdr_off) && (!size || size == img->hdr_size))
		return 0;
	snprintf(err, errlen,
		 "%s: the IPL parameter block names an SE header of %llu bytes at 0x%llx, not "
		 "the %u bytes at 0x%llx",
		 path, (unsigned long long)size, (unsigned long long)addr, img->hdr_size,
		 (unsigned long long)img->hdr_off);
	return -1;
}

static int check_ipib(int fd, const char *path, struct kmb_pv_image *img, char *err,
		      size_t errlen)
{
	uint8_t ipib[KMB_SE_PAGE];
	uint32_t len, n;
	unsigned i;

	if (kmb_pread_all(fd, ipib, IPIB_COMPS, img->ipib_off)) {
		snprintf(err, errlen, "%s: no IPL parameter block at 0x%llx", path,
			 (unsigned long long)img->ipib_off);
		return -1;
	}
	len = be32(ipib);
	n = be32(ipib + IPIB_NUM_COMP);
	if (ipib[IPIB_PBT] != IPIB_PBT_PV || n < 1 || n > KMB_PV_MAX_COMPS ||
	    len < IPIB_COMPS + n * IPIB_COMP_SIZE || len > KMB_SE_PAGE ||
	    kmb_pread_all(fd, ipib, len, img->ipib_off)) {
		snprintf(err, errlen,
			 "%s: no valid PV IPL parameter block at 0x%llx (type %u, %u components, "
			 "%u bytes)",
			 path, (unsigned long long)img->ipib_off, ipib[IPIB_PBT], n, len);
		return -1;
	}
	if (check_ipib_header_fields(ipib, img, path, err, errlen))
		return -1;
	img->ncomp = n;
	load_comps(img, ipib);
	for (i = 0; i < n; i++)
		if (check_comp(img, i, path, err, errlen))
			return -1;
	return 0;
}

static int open_image(const char *path, struct kmb_pv_image *img, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			snprintf(err, errlen, "%s: no such file", path);
		else
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	img->file_size = (uint64_t)st.st_size;
	return fd;
}

/* An open file that a read fails on (EIO, a revoked mount) is unreadable, not "not SE". */
static int check_readable(int fd, const char *path, char *err, size_t errlen)
{
	char c;

	if (pread(fd, &c, 1, 0) == 1)
		return 0;
	snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
	return -1;
}

int kmb_pv_image_open(const char *path, struct kmb_pv_image *img, char *err, size_t errlen)
{
	int fd;

	memset(img, 0, sizeof(*img));
	fd = open_image(path, img, err, errlen);
	if (fd < 0)
		return -1;
	if (!img->file_size) {
		snprintf(err, errlen, "%s: empty file, not a Secure Execution image", path);
		goto fail;
	}
	if (check_readable(fd, path, err, errlen) || find_header(fd, path, img, err, errlen) ||
	    locate_ipib(fd, path, img, err, errlen) || check_ipib(fd, path, img, err, errlen))
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

int kmb_pv_image_check(const char *path, char *err, size_t errlen)
{
	struct kmb_pv_image img;
	int fd = kmb_pv_image_open(path, &img, err, errlen);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}
