// SPDX-License-Identifier: GPL-2.0-only
/*
 * uffd: how postcopy live migration places pages on the destination. QEMU
 * resolves a missing page with UFFDIO_ZEROPAGE when the source page is zero
 * and with UFFDIO_COPY otherwise, one host page per ioctl. These two cases
 * time exactly that over a registered range, page by page.
 */
#include "mem.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

static int uffd_open(char *err, size_t errlen)
{
	/* User-mode-only faults are allowed without privilege on 5.11+. */
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);

	if (fd < 0)
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		snprintf(err, errlen, "userfaultfd() failed: %s", strerror(errno));
	return fd;
}

static int uffd_prepare(struct kmb_region *r, const struct kmb_bench_ctx *ctx, char *err,
			size_t errlen)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };

	(void)ctx;
	r->fd = uffd_open(err, errlen);
	if (r->fd < 0)
		return -1;
	if (ioctl(r->fd, UFFDIO_API, &api)) {
		snprintf(err, errlen, "ioctl(UFFDIO_API) failed: %s", strerror(errno));
		return -1;
	}
	reg.range.start = (uintptr_t)r->addr;
	reg.range.len = r->len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(r->fd, UFFDIO_REGISTER, &reg)) {
		snprintf(err, errlen, "ioctl(UFFDIO_REGISTER) failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void uffd_release(struct kmb_region *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static int uffd_place_zero(struct kmb_region *r, char *err, size_t errlen)
{
	size_t page = kmb_page_size(), off;

	for (off = 0; off < r->len; off += page) {
		struct uffdio_zeropage zp = {
			.range = { .start = (uintptr_t)r->addr + off, .len = page },
		};

		if (ioctl(r->fd, UFFDIO_ZEROPAGE, &zp)) {
			snprintf(err, errlen, "ioctl(UFFDIO_ZEROPAGE) at +%zu failed: %s", off,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int uffd_place_copy(struct kmb_region *r, char *err, size_t errlen)
{
	static char zeros[65536] __attribute__((aligned(4096)));
	size_t page = kmb_page_size(), off;

	if (page > sizeof(zeros)) {
		snprintf(err, errlen, "page size %zu larger than the copy buffer", page);
		return -1;
	}
	for (off = 0; off < r->len; off += page) {
		struct uffdio_copy copy = {
			.dst = (uintptr_t)r->addr + off,
			.src = (uintptr_t)zeros,
			.len = page,
		};

		if (ioctl(r->fd, UFFDIO_COPY, &copy)) {
			snprintf(err, errlen, "ioctl(UFFDIO_COPY) at +%zu failed: %s", off,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

static const struct kmb_page_op uffd_zeropage = {
	.thp = KMB_THP_OFF,
	.prepare = uffd_prepare,
	.before = KMB_STATE_UNPOPULATED,
	.op = uffd_place_zero,
	.after = KMB_STATE_ZERO,
	.release = uffd_release,
	.op_name = "UFFDIO_ZEROPAGE (one per page)",
};

static const struct kmb_page_op uffd_copy = {
	.thp = KMB_THP_OFF,
	.prepare = uffd_prepare,
	.before = KMB_STATE_UNPOPULATED,
	.op = uffd_place_copy,
	.after = KMB_STATE_PRIVATE,
	.release = uffd_release,
	.op_name = "UFFDIO_COPY (one per page)",
};

#define UFFD_NEEDS (KMB_NEED(KMB_CAP_PAGEMAP_CENSUS) | KMB_NEED(KMB_CAP_USERFAULTFD))

static const struct kmb_bench_def uffd_defs[] = {
	{
		.name = "uffd/zeropage",
		.description = "postcopy placement of zero pages: UFFDIO_ZEROPAGE per page",
		.needs = UFFD_NEEDS | KMB_NEED(KMB_CAP_ZEROPAGE),
		.sized = true,
		.unit = GB_MS,
		.run = kmb_run_page_op,
		.data = &uffd_zeropage,
	},
	{
		.name = "uffd/copy",
		.description = "postcopy placement of a zero page by UFFDIO_COPY per page",
		.needs = UFFD_NEEDS,
		.sized = true,
		.unit = GB_MS,
		.run = kmb_run_page_op,
		.data = &uffd_copy,
	},
};

KMB_FAMILY(uffd, "userfaultfd page placement, as postcopy migration does it", uffd_defs)
