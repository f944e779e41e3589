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
#define KPF_ZERO_PAGE 24 /* include/uapi/linux/kernel-page-flags.h */

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
	pid_t pid;	    /* 0: not probed yet */
	bool have_zero;	    /* read faults map a (verified) 4 KiB zeropage */
	uint64_t zero;	    /* PFN of the (first) 4 KiB zeropage */
	uint64_t zero_hi;   /* last PFN of the zeropages: s390x and MIPS colour them */
	uint64_t huge;	    /* first PFN of the huge zero folio */
	uint64_t huge_npfn; /* its size in PFNs; 0 when there is none */
} zpfn;

static bool is_small_zero(uint64_t pfn)
{
	return zpfn.have_zero && pfn >= zpfn.zero && pfn <= zpfn.zero_hi;
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
 * Whether /proc/kpageflags (root only) marks pfn as a zero page (KPF_ZERO_PAGE
 * is set for the 4 KiB zeropages and the huge zero folio alike): 1 yes, 0 no,
 * -1 cannot tell.
 */
static int kpageflags_zero(uint64_t pfn)
{
	uint64_t flags;
	ssize_t n;
	int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = pread(fd, &flags, sizeof(flags), (off_t)(pfn * sizeof(flags)));
	close(fd);
	if (n != (ssize_t)sizeof(flags))
		return -1;
	return (flags >> KPF_ZERO_PAGE) & 1;
}

/* A read-only anonymous mapping of len bytes aligned to align, or NULL. */
static char *map_aligned(size_t len, size_t align, char **base)
{
	char *map = mmap(NULL, len + align, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (map == MAP_FAILED)
		return NULL;
	*base = map;
	return (char *)(((uintptr_t)map + align - 1) & ~(uintptr_t)(align - 1));
}

/*
 * Read-fault n pages (one every step bytes) of two live mappings at the same
 * alignment and read their pagemap entries. A PFN both map at the same index
 * is shared, so it is a zero page: two private pages never share a PFN while
 * both mappings live. This is what makes a candidate trustworthy where read
 * faults allocate (mm_forbids_zeropage) and the PFNs of fresh private pages
 * are often contiguous, which a span test alone would take for zeropages.
 * Returns 0 with ent[2][n] filled, or -1 with err set.
 */
static int fault_twice(int fd, size_t n, size_t step, size_t align, int advice,
		       uint64_t (*ent)[PFN_CHUNK], char *err, size_t errlen)
{
	size_t len = n * step, k, i;
	char *base[2] = { NULL, NULL }, *m[2];
	int ret = 0;

	for (k = 0; k < 2; k++) {
		m[k] = map_aligned(len, align, &base[k]);
		if (!m[k]) {
			snprintf(err, errlen, "census: mmap for the zero PFN probe failed: %s",
				 strerror(errno));
			ret = -1;
			break;
		}
		madvise(m[k], len, advice);
		for (i = 0; i < n; i++)
			(void)*(volatile char *)(m[k] + i * step);
	}
	for (k = 0; k < 2 && !ret; k++) {
		for (i = 0; i < n && !ret; i++)
			ret = read_entry(fd, (uintptr_t)(m[k] + i * step), &ent[k][i], err,
					 errlen);
	}
	for (k = 0; k < 2; k++) {
		if (base[k])
			munmap(base[k], len + align);
	}
	return ret;
}

static uint64_t entry_pfn(uint64_t entry)
{
	return (entry & PM_PRESENT) ? entry & PM_PFN_MASK : 0;
}

/*
 * The 4 KiB zeropages. Architectures with coloured zeropages (s390x: one per
 * cache colour, 128 of them with 1G) map a virtual address to one of several
 * zero PFNs, so fault a range larger than any colouring twice and take the
 * span of the PFNs shared between the two. None shared: read faults allocate
 * here, and no PFN counts as a zeropage. kpageflags, where readable, must
 * agree.
 */
static int find_small_zero(int fd, char *err, size_t errlen)
{
	static uint64_t ent[2][PFN_CHUNK];
	size_t ps = kmb_page_size(), n = PFN_CHUNK, i;
	uint64_t lo = UINT64_MAX, hi = 0, a, b;

	zpfn.have_zero = false;
	if (fault_twice(fd, n, ps, n * ps, MADV_NOHUGEPAGE, ent, err, errlen))
		return -1;
	for (i = 0; i < n; i++) {
		a = entry_pfn(ent[0][i]);
		b = entry_pfn(ent[1][i]);
		if (((ent[0][i] & PM_PRESENT) && !a) || ((ent[1][i] & PM_PRESENT) && !b)) {
			snprintf(err, errlen, "%s", pfn_hidden);
			return -1;
		}
		if (!a || a != b)
			continue;
		lo = a < lo ? a : lo;
		hi = a > hi ? a : hi;
	}
	if (lo == UINT64_MAX || hi - lo >= n || !kpageflags_zero(lo) || !kpageflags_zero(hi))
		return 0;
	zpfn.zero = lo;
	zpfn.zero_hi = hi;
	zpfn.have_zero = true;
	return 0;
}

/*
 * The huge zero folio: the PFN a read fault maps at the start of two
 * MADV_HUGEPAGE ranges, when they share it and it is PMD-aligned. THP off
 * for us, use_zero_page=0 or a forbidden zeropage leave it unknown.
 */
static void find_huge_zero(int fd)
{
	static uint64_t ent[2][PFN_CHUNK];
	char err[128];
	uint64_t pmd_size, npfn, pfn;

	zpfn.huge_npfn = 0;
	if (kmb_read_u64(THP_SYSFS "hpage_pmd_size", &pmd_size))
		return;
	npfn = pmd_size / kmb_page_size();
	if (!npfn || fault_twice(fd, 1, pmd_size, pmd_size, MADV_HUGEPAGE, ent, err, sizeof(err)))
		return;
	pfn = entry_pfn(ent[0][0]);
	if (!pfn || pfn != entry_pfn(ent[1][0]) || pfn % npfn || is_small_zero(pfn) ||
	    !kpageflags_zero(pfn))
		return;
	zpfn.huge = pfn;
	zpfn.huge_npfn = npfn;
}

static int pfn_probe(char *err, size_t errlen)
{
	int fd, ret;

	if (zpfn.pid == getpid())
		return 0;
	fd = open_pagemap(err, errlen);
	if (fd < 0)
		return -1;
	ret = find_small_zero(fd, err, errlen);
	if (!ret) {
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
