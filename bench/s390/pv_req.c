// SPDX-License-Identifier: GPL-2.0-only
#include "pv_req.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- storage keys ---- */

int kmb_skeys_req(struct kvm_s390_skeys *req, uint64_t start_gfn, uint64_t count, uint8_t *keys,
		  char *err, size_t errlen)
{
	memset(req, 0, sizeof(*req));
	if (count < 1 || count > KVM_S390_SKEYS_MAX) {
		snprintf(err, errlen, "storage key count %llu out of range 1..%u",
			 (unsigned long long)count, (unsigned)KVM_S390_SKEYS_MAX);
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
	if (ret == KVM_S390_GET_SKEYS_NONE)
		return KMB_SKEYS_NOT_IN_USE;
	return KMB_SKEYS_FAILED;
}

const char *kmb_skey_skip_reason(enum kmb_skey_trigger trigger, bool uapi_has_keyop,
				 int cap_keyop, char *buf, size_t len)
{
	switch (trigger) {
	case KMB_SKEY_SET_SKEYS:
		return NULL;	/* the s390_skeys capability covers it */
	case KMB_SKEY_KEYOP:
		if (!uapi_has_keyop)
			return KMB_SKIP_NO_KEYOP_UAPI;
		if (cap_keyop > 0)
			return NULL;
		snprintf(buf, len, "%s",
			 cap_keyop < 0 ? "cannot ask KVM for KVM_CAP_S390_KEYOP"
				       : "KVM_CHECK_EXTENSION(KVM_CAP_S390_KEYOP) says no (Linux 7.0+)");
		return buf;
	case KMB_SKEY_GUEST_SSKE:
	default:
		return KMB_SKIP_GUEST_SSKE;
	}
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

void kmb_pv_cmd_req(struct kvm_pv_cmd *cmd, uint32_t id, uint64_t data)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->cmd = id;
	cmd->data = data;
}

int kmb_pv_sec_parm_req(struct kvm_s390_pv_sec_parm *p, const void *hdr, uint64_t len,
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

int kmb_pv_unp_req(struct kvm_s390_pv_unp *u, uint64_t addr, uint64_t size, uint64_t tweak,
		   char *err, size_t errlen)
{
	memset(u, 0, sizeof(*u));
	if (!size || (addr | size) & (KMB_SE_PAGE - 1)) {
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

void kmb_pv_cmd_error(const struct kvm_pv_cmd *cmd, int errnum, char *buf, size_t len)
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
 * Where the SE header is (s390-tools, rust/pv and pvattest/tools/pvextract-hdr):
 *  - images written by pvimg carry metadata at 0xc000: magic "SeImgLnx",
 *    then big-endian u64 header offset, u32 version, u64 IPIB offset;
 *  - images written by the older genprotimg have none: the header sits on a
 *    page boundary after the stage3a loader (scanned here from 0x1000 to
 *    0x17000), and the one-page IPL parameter block directly before it.
 * The header starts with "IBMSecEx", a big-endian u32 version (0x100) and a
 * big-endian u32 size. The IPIB (an IPL parameter block of type PV, 5) lists
 * the encrypted components with their addresses; the image is laid out as
 * it is loaded into guest memory at address 0, so addresses are file offsets.
 */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Read exactly len bytes at off; 0, or -1 (short file or error). */
static int read_at(int fd, uint64_t off, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

static bool magic_at(int fd, uint64_t off, const char *magic)
{
	char buf[8];

	return read_at(fd, off, buf, sizeof(buf)) == 0 && !memcmp(buf, magic, sizeof(buf));
}

/* pvimg metadata: 1 found (offsets set), 0 absent, -1 inconsistent. */
static int find_by_metadata(int fd, const char *path, struct kmb_pv_image *img, char *err,
			    size_t errlen)
{
	uint8_t meta[28];

	if (read_at(fd, KMB_SE_META_OFF, meta, sizeof(meta)) ||
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
		img->ipib_off = off - KMB_SE_PAGE;
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

static int check_header(int fd, const char *path, struct kmb_pv_image *img, char *err,
			size_t errlen)
{
	uint8_t head[16];
	uint32_t version;

	if (read_at(fd, img->hdr_off, head, sizeof(head))) {
		snprintf(err, errlen, "%s: SE header at 0x%llx is cut off", path,
			 (unsigned long long)img->hdr_off);
		return -1;
	}
	version = be32(head + 8);
	img->hdr_size = be32(head + 12);
	if (version != KMB_SE_HDR_VERSION) {
		snprintf(err, errlen, "%s: SE header version 0x%x, this harness knows 0x%x", path,
			 version, KMB_SE_HDR_VERSION);
		return -1;
	}
	if (img->hdr_size < KMB_SE_HDR_MIN || img->hdr_size > KMB_SE_HDR_MAX ||
	    img->hdr_off + img->hdr_size > img->file_size) {
		snprintf(err, errlen,
			 "%s: SE header at 0x%llx claims %u bytes; KVM takes %u to %u and the "
			 "file ends at 0x%llx",
			 path, (unsigned long long)img->hdr_off, img->hdr_size, KMB_SE_HDR_MIN,
			 KMB_SE_HDR_MAX, (unsigned long long)img->file_size);
		return -1;
	}
	return 0;
}

/* IPL parameter block of type PV: offsets of struct ipl_pb0_pv after the 8-byte list header. */
#define IPIB_PBT 0x0c
#define IPIB_PBT_PV 5
#define IPIB_NUM_COMP 0x74
#define IPIB_COMPS 0x88
#define IPIB_COMP_SIZE 24

static int check_comp(const struct kmb_pv_image *img, unsigned i, const char *path, char *err,
		      size_t errlen)
{
	const struct kmb_pv_comp *c = &img->comp[i];
	uint64_t file_end = (img->file_size + KMB_SE_PAGE - 1) & ~(KMB_SE_PAGE - 1);
	const char *what = NULL;

	if (!c->size || (c->addr | c->size) & (KMB_SE_PAGE - 1))
		what = "is not a non-empty run of whole 4 KiB pages";
	else if (c->addr + c->size > file_end || c->addr + c->size < c->addr)
		what = "lies beyond the end of the file";
	else if (i && c->tweak <= img->comp[i - 1].tweak)
		what = "has a tweak prefix that does not grow";
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
	for (i = 0; i < img->ncomp; i++) {
		const uint8_t *p = ipib + IPIB_COMPS + i * IPIB_COMP_SIZE;
		struct kmb_pv_comp *c = &img->comp[i];

		c->tweak = be64(p);
		c->addr = be64(p + 8);
		c->size = be64(p + 16);
		if (c->addr + c->size > img->load_end)
			img->load_end = c->addr + c->size;
	}
}

static int check_ipib(int fd, const char *path, struct kmb_pv_image *img, char *err,
		      size_t errlen)
{
	uint8_t ipib[KMB_SE_PAGE];
	uint32_t len, n;
	unsigned i;

	if (read_at(fd, img->ipib_off, ipib, IPIB_COMPS)) {
		snprintf(err, errlen, "%s: no IPL parameter block at 0x%llx", path,
			 (unsigned long long)img->ipib_off);
		return -1;
	}
	len = be32(ipib);
	n = be32(ipib + IPIB_NUM_COMP);
	if (ipib[IPIB_PBT] != IPIB_PBT_PV || n < 1 || n > KMB_PV_MAX_COMPS ||
	    len < IPIB_COMPS + n * IPIB_COMP_SIZE || len > KMB_SE_PAGE ||
	    read_at(fd, img->ipib_off, ipib, len)) {
		snprintf(err, errlen,
			 "%s: no valid PV IPL parameter block at 0x%llx (type %u, %u components, "
			 "%u bytes)",
			 path, (unsigned long long)img->ipib_off, ipib[IPIB_PBT], n, len);
		return -1;
	}
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
	    check_header(fd, path, img, err, errlen) || check_ipib(fd, path, img, err, errlen))
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
