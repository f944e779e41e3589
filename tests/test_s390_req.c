// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit test of the portable half of the s390 benchmarks (bench/s390/pv_req.c,
 * bench/s390/zero_mix.c). SIE is not available here, so the s390 KVM paths are
 * verified by their request building and result handling: ioctl numbers and
 * structure layouts against the documented uapi, argument checks, Ultravisor
 * rc/rrc messages, skip reasons, and the Secure Execution image check on
 * files whose layout we know.
 */
#include "check.h"
#include "s390/pv_req.h"
#include "s390/zero_mix.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define KVMIO_TYPE 0xAE

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

/* Documented layouts (Documentation/virt/kvm/api.rst) and the ioctl numbers built from them. */
static void test_layout_and_numbers(void)
{
	CHECK_EQ_U64(sizeof(struct kvm_s390_skeys), 64);
	CHECK_EQ_U64(offsetof(struct kvm_s390_skeys, count), 8);
	CHECK_EQ_U64(offsetof(struct kvm_s390_skeys, skeydata_addr), 16);
	CHECK_EQ_U64(offsetof(struct kvm_s390_skeys, flags), 24);
	CHECK_EQ_U64(sizeof(struct kvm_pv_cmd), 32);
	CHECK_EQ_U64(offsetof(struct kvm_pv_cmd, rc), 4);
	CHECK_EQ_U64(offsetof(struct kvm_pv_cmd, rrc), 6);
	CHECK_EQ_U64(offsetof(struct kvm_pv_cmd, data), 8);
	CHECK_EQ_U64(offsetof(struct kvm_pv_cmd, flags), 16);
	CHECK_EQ_U64(sizeof(struct kvm_s390_pv_sec_parm), 16);
	CHECK_EQ_U64(sizeof(struct kvm_s390_pv_unp), 24);

	CHECK_EQ_U64(KVM_S390_GET_SKEYS, _IOC(_IOC_WRITE, KVMIO_TYPE, 0xb2, 64));
	CHECK_EQ_U64(KVM_S390_SET_SKEYS, _IOC(_IOC_WRITE, KVMIO_TYPE, 0xb3, 64));
	CHECK_EQ_U64(KVM_S390_PV_COMMAND, _IOC(_IOC_READ | _IOC_WRITE, KVMIO_TYPE, 0xc5, 32));
#if defined(__x86_64__) || defined(__s390x__) || defined(__aarch64__)
	/* The asm-generic encoding: the numbers an strace of QEMU shows. */
	CHECK_EQ_U64(KVM_S390_GET_SKEYS, 0x4040aeb2);
	CHECK_EQ_U64(KVM_S390_SET_SKEYS, 0x4040aeb3);
	CHECK_EQ_U64(KVM_S390_PV_COMMAND, 0xc020aec5);
#endif
#if KMB_UAPI_HAS_KEYOP
	CHECK_EQ_U64(sizeof(struct kvm_s390_keyop), 16);
	CHECK_EQ_U64(KVM_S390_KEYOP, _IOC(_IOC_READ | _IOC_WRITE, KVMIO_TYPE, 0x53, 16));
#endif
}

static void test_constants(void)
{
	CHECK_EQ_U64(KVM_CAP_S390_SKEYS, 110);
	CHECK_EQ_U64(KVM_CAP_S390_PROTECTED, 180);
	CHECK_EQ_U64(KVM_CAP_S390_PROTECTED_ASYNC_DISABLE, 224);
	CHECK_EQ_U64(KVM_S390_GET_SKEYS_NONE, 1);
	CHECK_EQ_U64(KVM_S390_SKEYS_MAX, 1048576);
	CHECK_EQ_U64(KMB_PV_ENABLE, KVM_PV_ENABLE);
	CHECK_EQ_U64(KMB_PV_DISABLE, KVM_PV_DISABLE);
	CHECK_EQ_U64(KMB_PV_SET_SEC_PARMS, KVM_PV_SET_SEC_PARMS);
	CHECK_EQ_U64(KMB_PV_UNPACK, KVM_PV_UNPACK);
	CHECK_EQ_U64(KMB_PV_VERIFY, KVM_PV_VERIFY);
	CHECK_EQ_U64(KMB_PV_PREP_RESET, KVM_PV_PREP_RESET);
	CHECK_EQ_U64(KMB_PV_DUMP, KVM_PV_DUMP);
#if KMB_UAPI_HAS_PV_ASYNC
	CHECK_EQ_U64(KMB_PV_ASYNC_CLEANUP_PREPARE, KVM_PV_ASYNC_CLEANUP_PREPARE);
	CHECK_EQ_U64(KMB_PV_ASYNC_CLEANUP_PERFORM, KVM_PV_ASYNC_CLEANUP_PERFORM);
#else
	/* Linux 6.2 appended them to enum pv_cmd_id. */
	CHECK_EQ_U64(KMB_PV_ASYNC_CLEANUP_PREPARE, KVM_PV_DUMP + 1);
	CHECK_EQ_U64(KMB_PV_ASYNC_CLEANUP_PERFORM, KVM_PV_DUMP + 2);
#endif
}

static void test_skeys_req(void)
{
	struct kvm_s390_skeys req;
	uint8_t keys[4] = { 0x00, 0x10, 0xf6, 0x11 };
	char err[256] = "";

	memset(&req, 0xff, sizeof(req));
	CHECK(kmb_skeys_req(&req, 5, 1, keys, err, sizeof(err)) == 0);
	CHECK_EQ_U64(req.start_gfn, 5);
	CHECK_EQ_U64(req.count, 1);
	CHECK_EQ_U64(req.skeydata_addr, (uintptr_t)keys);
	CHECK_EQ_U64(req.flags, 0);
	CHECK_EQ_U64(req.reserved[8], 0);
	CHECK(kmb_skeys_req(&req, 0, KVM_S390_SKEYS_MAX, keys, err, sizeof(err)) == 0);

	err[0] = '\0';
	CHECK(kmb_skeys_req(&req, 0, 0, keys, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "count 0 out of range 1..1048576");
	err[0] = '\0';
	CHECK(kmb_skeys_req(&req, 0, KVM_S390_SKEYS_MAX + 1ULL, keys, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "count 1048577 out of range");
	err[0] = '\0';
	CHECK(kmb_skeys_req(&req, 0, 1, NULL, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "no buffer");

	CHECK(kmb_skeys_check_keys(keys, 3, err, sizeof(err)) == 0);
	CHECK(kmb_skeys_check_keys(keys, 4, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "0x11 at index 3");

	CHECK(kmb_skeys_get_state(0) == KMB_SKEYS_IN_USE);
	CHECK(kmb_skeys_get_state(KVM_S390_GET_SKEYS_NONE) == KMB_SKEYS_NOT_IN_USE);
	CHECK(kmb_skeys_get_state(-1) == KMB_SKEYS_FAILED);
	CHECK(kmb_skeys_get_state(2) == KMB_SKEYS_FAILED);
}

static void test_pv_req(void)
{
	struct kvm_s390_pv_sec_parm parm;
	struct kvm_s390_pv_unp unp;
	struct kvm_pv_cmd cmd;
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
	struct kvm_pv_cmd cmd;
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

static void test_pv_skip(void)
{
	struct kmb_pv_host h = { .image = "/x.img", .cap_protected = 1, .cap_async = 1 };
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
				  .image_err = "/x.img: empty file" };
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
	CHECK(kmb_pv_skip_reason(&h, KMB_PV_TEARDOWN_ASYNC, buf, sizeof(buf)) == NULL);
}

static void test_skey_skip(void)
{
	char buf[256];

	CHECK(kmb_skey_skip_reason(KMB_SKEY_SET_SKEYS, false, -1, buf, sizeof(buf)) == NULL);
	CHECK_STREQ(kmb_skey_skip_reason(KMB_SKEY_KEYOP, false, 1, buf, sizeof(buf)),
		    "KVM_S390_KEYOP not in this kernel's uapi headers");
	CHECK_CONTAINS(kmb_skey_skip_reason(KMB_SKEY_KEYOP, true, 0, buf, sizeof(buf)),
		       "KVM_CHECK_EXTENSION(KVM_CAP_S390_KEYOP) says no");
	CHECK(kmb_skey_skip_reason(KMB_SKEY_KEYOP, true, 1, buf, sizeof(buf)) == NULL);
	CHECK_STREQ(kmb_skey_skip_reason(KMB_SKEY_GUEST_SSKE, true, 1, buf, sizeof(buf)),
		    "needs a runnable vCPU (SIE)");
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

/* A one-page PV IPL parameter block with two components. */
static void put_ipib(uint8_t *img, uint64_t off)
{
	uint8_t *p = img + off;

	put_be32(p, 0x1000);		/* ipl_pl_hdr.len */
	p[7] = 1;			/* ipl_pl_hdr.version */
	put_be32(p + 8, 0x80 + 2 * 24);	/* ipl_pb0_pv.len */
	p[0x0c] = 5;			/* pbt: PV */
	put_be32(p + 0x74, 2);		/* num_comp */
	put_be64(p + 0x88, 0x100);	/* comp 0: tweak prefix, address, size */
	put_be64(p + 0x90, 0x16000);
	put_be64(p + 0x98, 0x1000);
	put_be64(p + 0xa0, 0x200);	/* comp 1 */
	put_be64(p + 0xa8, 0x17000);
	put_be64(p + 0xb0, 0x1000);
}

/* Like pvimg writes it: metadata at 0xc000 names the header and the IPIB. */
static void make_pvimg(uint8_t *img)
{
	memset(img, 0, IMG_SIZE);
	memcpy(img + 0xc000, KMB_SE_META_MAGIC, 8);
	put_be64(img + 0xc008, 0x14000);
	put_be32(img + 0xc010, 1);
	put_be64(img + 0xc014, 0x15000);
	put_header(img, 0x14000, 0x280);
	put_ipib(img, 0x15000);
}

/* Like genprotimg writes it: IPIB and header in the pages after stage3a, no metadata. */
static void make_legacy(uint8_t *img)
{
	memset(img, 0, IMG_SIZE);
	put_ipib(img, 0x12000);
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

static void test_image_good(uint8_t *img)
{
	struct kmb_pv_image layout;
	char err[512] = "";
	int fd;

	make_pvimg(img);
	fd = kmb_pv_image_open(write_file("pvimg.img", img, IMG_SIZE), &layout, err, sizeof(err));
	CHECK(fd >= 0);
	if (fd < 0)
		fprintf(stderr, "pvimg image: %s\n", err);
	close(fd);
	CHECK_EQ_U64(layout.hdr_off, 0x14000);
	CHECK_EQ_U64(layout.hdr_size, 0x280);
	CHECK_EQ_U64(layout.ipib_off, 0x15000);
	CHECK(!layout.legacy);
	CHECK_EQ_U64(layout.ncomp, 2);
	CHECK_EQ_U64(layout.comp[1].tweak, 0x200);
	CHECK_EQ_U64(layout.comp[1].addr, 0x17000);
	CHECK_EQ_U64(layout.comp[1].size, 0x1000);
	CHECK_EQ_U64(layout.load_end, 0x18000);

	make_legacy(img);
	fd = kmb_pv_image_open(write_file("legacy.img", img, IMG_SIZE), &layout, err, sizeof(err));
	CHECK(fd >= 0);
	if (fd < 0)
		fprintf(stderr, "legacy image: %s\n", err);
	close(fd);
	CHECK_EQ_U64(layout.hdr_off, 0x13000);
	CHECK_EQ_U64(layout.ipib_off, 0x12000);
	CHECK(layout.legacy);
	CHECK(kmb_pv_image_check(write_file("legacy.img", img, IMG_SIZE), err, sizeof(err)) == 0);
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
	put_be64(img + 0x15000 + 0xa0, 0x100);
	check_bad("tweak.img", img, IMG_SIZE, "tweak prefix that does not grow");
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
	test_layout_and_numbers();
	test_constants();
	test_skeys_req();
	test_pv_req();
	test_rc_decoding();
	test_pv_skip();
	test_skey_skip();
	test_memslot();
	test_zero_mix();
	test_image();
	CHECK_DONE();
}
