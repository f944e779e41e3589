// SPDX-License-Identifier: GPL-2.0-only
/*
 * Census of a virtual address range (see census.h). Two ways to tell a
 * zeropage mapping from a real one: PAGEMAP_SCAN reports PAGE_IS_PFNZERO per
 * region (Linux 6.7+); older kernels only give PFNs in /proc/self/pagemap,
 * which we compare with the zero PFNs found by read-faulting fresh mappings.
 */
#include "census.h"

#include "uapi.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SCAN_VEC_LEN 512
#define PFN_CHUNK 512
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage/"

static const char pfn_hidden[] = "census unavailable: /proc/self/pagemap hides PFNs "
				 "without CAP_SYS_ADMIN and PAGEMAP_SCAN is not supported";

/* PAGEMAP_SCAN support: 0 not probed yet, 1 works, -1 not (why: scan_errno). */
static int scan_state;
static int scan_errno;

/*
 * Zero PFNs, found once per process: the mm keeps its reference on the huge
 * zero folio until exit, so its PFN cannot change under us, but a forked
 * child holds no such reference, hence the pid.
 */
static struct {
	pid_t pid;	    /* 0: not found yet */
	uint64_t zero;	    /* PFN of the (first) 4 KiB zeropage */
	uint64_t zero_hi;   /* last PFN of the zeropages: s390x and MIPS colour them */
	uint64_t huge;	    /* first PFN of the huge zero folio */
	uint64_t huge_npfn; /* its size in PFNs; 0 when there is none */
} zpfn;

static bool is_small_zero(uint64_t pfn)
{
	return pfn >= zpfn.zero && pfn <= zpfn.zero_hi;
}

const char *kmb_census_method_name(enum kmb_census_method method)
{
	switch (method) {
	case KMB_CENSUS_AUTO:
		return "auto";
	case KMB_CENSUS_PAGEMAP_SCAN:
		return "pagemap_scan";
	case KMB_CENSUS_PAGEMAP_PFN:
		return "pagemap_pfn";
	}
	return "unknown";
}

static int open_pagemap(char *err, size_t errlen)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		snprintf(err, errlen, "census unavailable: cannot open /proc/self/pagemap: %s",
			 strerror(errno));
	return fd;
}

/* An empty scan: old kernels have no pagemap ioctl at all (ENOTTY). */
static int scan_probe(char *err, size_t errlen)
{
	struct pm_scan_arg arg = { .size = sizeof(arg) };
	int fd;

	if (!scan_state) {
		fd = open_pagemap(err, errlen);
		if (fd < 0)
			return -1;
		scan_state = ioctl(fd, PAGEMAP_SCAN, &arg) < 0 ? -1 : 1;
		scan_errno = errno;
		close(fd);
	}
	if (scan_state > 0)
		return 0;
	snprintf(err, errlen,
		 "census unavailable: PAGEMAP_SCAN ioctl failed (needs Linux 6.7+): %s",
		 strerror(scan_errno));
	return -1;
}

static void add_region(struct kmb_census *c, const struct page_region *r, size_t ps)
{
	uint64_t n = (r->end - r->start) / ps;
	bool zero = r->categories & PAGE_IS_PFNZERO;
	bool huge = r->categories & PAGE_IS_HUGE;
	/* 6.18 reports huge zero PMDs PRESENT too; do not rely on it. */
	bool present = zero || (r->categories & PAGE_IS_PRESENT);

	c->present += present ? n : 0;
	c->zero += zero ? n : 0;
	c->zero_huge += zero && huge ? n : 0;
	c->huge += present && huge ? n : 0;
}

/* Holes between VMAs are not reported: pages comes from len, not regions. */
static int take_scan(uintptr_t start, uintptr_t end, struct kmb_census *c, char *err, size_t errlen)
{
	struct page_region vec[SCAN_VEC_LEN];
	struct pm_scan_arg arg;
	long i, n;
	int fd, ret = 0;

	if (scan_probe(err, errlen))
		return -1;
	fd = open_pagemap(err, errlen);
	if (fd < 0)
		return -1;
	while (start < end && !ret) {
		memset(&arg, 0, sizeof(arg));
		arg.size = sizeof(arg);
		arg.start = start;
		arg.end = end;
		arg.vec = (uintptr_t)vec;
		arg.vec_len = SCAN_VEC_LEN;
		arg.return_mask = PAGE_IS_PRESENT | PAGE_IS_PFNZERO | PAGE_IS_HUGE;
		n = ioctl(fd, PAGEMAP_SCAN, &arg);
		if (n < 0) {
			snprintf(err, errlen, "census: PAGEMAP_SCAN of %#lx-%#lx failed: %s",
				 (unsigned long)start, (unsigned long)end, strerror(errno));
			ret = -1;
			break;
		}
		for (i = 0; i < n; i++)
			add_region(c, &vec[i], kmb_page_size());
		/* A full vec stops the walk early; walk_end is where to resume. */
		if (arg.walk_end <= start) {
			snprintf(err, errlen, "census: PAGEMAP_SCAN made no progress at %#lx",
				 (unsigned long)start);
			ret = -1;
		}
		start = arg.walk_end;
	}
	close(fd);
	return ret;
}

static int read_entry(int fd, uintptr_t addr, uint64_t *entry, char *err, size_t errlen)
{
	off_t off = (off_t)(addr / kmb_page_size()) * (off_t)sizeof(*entry);

	errno = 0;
	if (pread(fd, entry, sizeof(*entry), off) == (ssize_t)sizeof(*entry))
		return 0;
	snprintf(err, errlen, "census: cannot read /proc/self/pagemap: %s",
		 errno ? strerror(errno) : "short read");
	return -1;
}

/*
 * PFN that a read fault maps at the first page of a fresh len-byte mapping
 * aligned to align: the zeropage, or the huge one under MADV_HUGEPAGE.
 */
static int fault_pfn(int fd, size_t len, size_t align, int advice, uint64_t *pfn, char *err,
		     size_t errlen)
{
	char *map = mmap(NULL, len + align, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t addr;
	uint64_t entry = 0;
	int ret = 0;

	if (map == MAP_FAILED) {
		snprintf(err, errlen, "census: mmap for zero PFN probe failed: %s",
			 strerror(errno));
		return -1;
	}
	addr = ((uintptr_t)map + align - 1) & ~(uintptr_t)(align - 1);
	if (madvise((void *)addr, len, advice) && advice == MADV_HUGEPAGE)
		ret = 1; /* no THP: there is no huge zeropage to find */
	if (!ret) {
		(void)*(volatile char *)addr;
		ret = read_entry(fd, addr, &entry, err, errlen);
	}
	munmap(map, len + align);
	*pfn = (entry & PM_PRESENT) ? entry & PM_PFN_MASK : 0;
	return ret;
}

/*
 * fault_pfn twice, both mappings alive: the zeropage is one page shared by
 * every reader, so both read faults at the same offset from an align boundary
 * (the same colour where zeropages are coloured) map the same PFN. A kernel
 * that forbids the zeropage (mm_forbids_zeropage) allocates a page for each
 * instead; that PFN is not the zeropage's, and once freed it is reused by the
 * very ranges counted next. *shared says which it was.
 */
static int shared_fault_pfn(int fd, size_t len, size_t align, int advice, uint64_t *pfn,
			    bool *shared, char *err, size_t errlen)
{
	char *keep = mmap(NULL, len + align, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t addr;
	uint64_t first = 0;
	int ret;

	*shared = false;
	if (keep == MAP_FAILED) {
		snprintf(err, errlen, "census: mmap for zero PFN probe failed: %s",
			 strerror(errno));
		return -1;
	}
	addr = ((uintptr_t)keep + align - 1) & ~(uintptr_t)(align - 1);
	if (madvise((void *)addr, len, advice) && advice == MADV_HUGEPAGE) {
		munmap(keep, len + align);
		return 1;
	}
	(void)*(volatile char *)addr;
	ret = read_entry(fd, addr, &first, err, errlen);
	if (!ret)
		ret = fault_pfn(fd, len, align, advice, pfn, err, errlen);
	munmap(keep, len + align);
	first = (first & PM_PRESENT) ? first & PM_PFN_MASK : 0;
	*shared = !ret && first == *pfn;
	return ret;
}

/* Only a huge read fault with use_zero_page=1 maps the huge zero folio. */
static void find_huge_zero(int fd)
{
	char err[128];
	uint64_t pmd_size, use_zero, npfn, pfn;
	bool shared;

	zpfn.huge_npfn = 0;
	if (kmb_read_u64(THP_SYSFS "hpage_pmd_size", &pmd_size) ||
	    kmb_read_u64(THP_SYSFS "use_zero_page", &use_zero) || use_zero != 1)
		return;
	npfn = pmd_size / kmb_page_size();
	if (shared_fault_pfn(fd, pmd_size, pmd_size, MADV_HUGEPAGE, &pfn, &shared, err,
			     sizeof(err)) || !shared)
		return;
	/* THP off for us (or no memory): the fault mapped the 4 KiB zeropage. */
	if (!pfn || is_small_zero(pfn) || !npfn || pfn % npfn)
		return;
	zpfn.huge = pfn;
	zpfn.huge_npfn = npfn;
}

/*
 * Architectures with coloured zeropages (s390x: one per cache colour, 128 of
 * them with 1G) map a virtual address to one of several zero PFNs. Read-fault
 * a range larger than any colouring and take the span of PFNs it got; a span
 * wider than the range itself cannot be zeropages, so keep the single PFN.
 */
static void find_zero_colours(int fd)
{
	size_t ps = kmb_page_size(), n = 1024, i;
	uint64_t lo = zpfn.zero, hi = zpfn.zero, entry, pfn;
	char err[128], *m = mmap(NULL, n * ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	zpfn.zero_hi = zpfn.zero;
	if (m == MAP_FAILED)
		return;
	madvise(m, n * ps, MADV_NOHUGEPAGE);
	for (i = 0; i < n; i++) {
		(void)*(volatile char *)(m + i * ps);
		if (read_entry(fd, (uintptr_t)m + i * ps, &entry, err, sizeof(err)) ||
		    !(entry & PM_PRESENT))
			continue;
		pfn = entry & PM_PFN_MASK;
		lo = pfn < lo ? pfn : lo;
		hi = pfn > hi ? pfn : hi;
	}
	munmap(m, n * ps);
	if (hi - lo < n) {
		zpfn.zero = lo;
		zpfn.zero_hi = hi;
	}
}

static int pfn_probe(char *err, size_t errlen)
{
	size_t ps = kmb_page_size();
	bool shared;
	int fd, ret;

	if (zpfn.pid == getpid())
		return 0;
	fd = open_pagemap(err, errlen);
	if (fd < 0)
		return -1;
	/* 2 MiB apart: the same colour on every architecture that colours. */
	ret = shared_fault_pfn(fd, ps, 2 * KMB_MIB, MADV_NOHUGEPAGE, &zpfn.zero, &shared, err,
			       errlen);
	if (!ret && !zpfn.zero) {
		snprintf(err, errlen, "%s", pfn_hidden);
		ret = -1;
	}
	if (!ret) {
		if (shared) {
			find_zero_colours(fd);
		} else {
			/* Read faults allocate here: no PFN is the zeropage. */
			zpfn.zero = zpfn.zero_hi = UINT64_MAX;
		}
		find_huge_zero(fd);
		zpfn.pid = getpid();
	}
	close(fd);
	return ret;
}

/* Count n pagemap entries; -1 if a present page shows PFN 0 (PFNs hidden). */
static int add_entries(struct kmb_census *c, const uint64_t *ent, size_t n)
{
	uint64_t pfn;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(ent[i] & PM_PRESENT))
			continue;
		pfn = ent[i] & PM_PFN_MASK;
		if (!pfn)
			return -1;
		c->present++;
		if (is_small_zero(pfn)) {
			c->zero++;
		} else if (pfn - zpfn.huge < zpfn.huge_npfn) {
			c->zero++;
			c->zero_huge++;
		}
	}
	return 0;
}

/* pagemap entries do not say whether a PMD maps the page: huge stays 0. */
static int take_pfn(uintptr_t start, size_t len, struct kmb_census *c, char *err, size_t errlen)
{
	uint64_t ent[PFN_CHUNK];
	size_t want, left = len / kmb_page_size();
	off_t off = (off_t)(start / kmb_page_size()) * (off_t)sizeof(ent[0]);
	ssize_t n;
	int fd, ret = 0;

	if (pfn_probe(err, errlen))
		return -1;
	fd = open_pagemap(err, errlen);
	if (fd < 0)
		return -1;
	while (left && !ret) {
		want = left < PFN_CHUNK ? left : PFN_CHUNK;
		errno = 0;
		n = pread(fd, ent, want * sizeof(ent[0]), off) / (ssize_t)sizeof(ent[0]);
		if (n <= 0) {
			snprintf(err, errlen, "census: cannot read /proc/self/pagemap: %s",
				 errno ? strerror(errno) : "short read");
			ret = -1;
		} else if (add_entries(c, ent, (size_t)n)) {
			snprintf(err, errlen, "%s", pfn_hidden);
			ret = -1;
		} else {
			left -= (size_t)n;
			off += n * (off_t)sizeof(ent[0]);
		}
	}
	close(fd);
	return ret;
}

int kmb_census_probe(enum kmb_census_method *method, char *err, size_t errlen)
{
	if (!scan_probe(err, errlen)) {
		*method = KMB_CENSUS_PAGEMAP_SCAN;
		return 0;
	}
	if (!pfn_probe(err, errlen)) {
		*method = KMB_CENSUS_PAGEMAP_PFN;
		return 0;
	}
	return -1;
}

int kmb_census_take(const void *addr, size_t len, enum kmb_census_method method,
		    struct kmb_census *out, char *err, size_t errlen)
{
	uintptr_t start = (uintptr_t)addr;
	size_t ps = kmb_page_size();

	memset(out, 0, sizeof(*out));
	if (!len || start % ps || len % ps || start + len < start) {
		snprintf(err, errlen,
			 "census: range %p+%zu is empty, wraps or is not %zu-byte aligned", addr,
			 len, ps);
		return -1;
	}
	if (method == KMB_CENSUS_AUTO && kmb_census_probe(&method, err, errlen))
		return -1;
	out->pages = len / ps;
	out->method = method;
	switch (method) {
	case KMB_CENSUS_PAGEMAP_SCAN:
		return take_scan(start, start + len, out, err, errlen);
	case KMB_CENSUS_PAGEMAP_PFN:
		return take_pfn(start, len, out, err, errlen);
	default:
		snprintf(err, errlen, "census: unknown method %d", (int)method);
		return -1;
	}
}
