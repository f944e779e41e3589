// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit test of the page census: build mappings whose state we know (zeropage,
 * written, untouched, huge zeropage) and check each method counts them right.
 *
 * What a read fault maps depends on the host: where the kernel forbids the
 * shared zeropage (mm_forbids_zeropage()), read-faulted pages are private,
 * and every method must count them so (the PFN method must not take the PFN
 * of a private page for the zero PFN). The zeropage branch runs where it is
 * allowed, and in a guest (tests/guest-bench.test) on every host.
 *
 *   test_census         4 KiB pages
 *   test_census huge    the huge zeropage (THP)
 */
#include "caps.h"
#include "census.h"
#include "check.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage/"

static size_t ps;
static bool allowed; /* read faults map the shared zeropage here */

static void read_pages(char *p, size_t first, size_t last)
{
	for (size_t i = first; i <= last; i++)
		(void)*(volatile char *)(p + i * ps);
}

static void write_pages(char *p, size_t first, size_t last)
{
	for (size_t i = first; i <= last; i++)
		*(volatile char *)(p + i * ps) = 1;
}

static char *map_pages(size_t n, int advice)
{
	char *p = mmap(NULL, n * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		CHECK_SKIP("mmap of %zu pages failed", n);
	madvise(p, n * ps, advice);
	return p;
}

static struct kmb_census take(const void *addr, size_t len, enum kmb_census_method m)
{
	struct kmb_census c;
	char err[256] = "";

	if (kmb_census_take(addr, len, m, &c, err, sizeof(err))) {
		fprintf(stderr, "census (%s) failed: %s\n", kmb_census_method_name(m), err);
		CHECK(0);
	}
	CHECK(c.method == m);
	return c;
}

/* 0..15 read (zeropage), 16..23 written, 24..63 untouched. */
static void test_small(enum kmb_census_method m)
{
	char *p = map_pages(64, MADV_NOHUGEPAGE);
	struct kmb_census c;

	read_pages(p, 0, 15);
	write_pages(p, 16, 23);
	c = take(p, 64 * ps, m);
	CHECK_EQ_U64(c.pages, 64);
	CHECK_EQ_U64(c.present, 24);
	CHECK_EQ_U64(c.zero, 16);
	CHECK_EQ_U64(c.zero_huge, 0);
	CHECK_EQ_U64(c.huge, 0);

	write_pages(p, 0, 7);
	c = take(p, 64 * ps, m);
	CHECK_EQ_U64(c.zero, 8);
	CHECK_EQ_U64(c.present, 24);

	madvise(p + 16 * ps, 8 * ps, MADV_DONTNEED);
	c = take(p, 64 * ps, m);
	CHECK_EQ_U64(c.present, 16);
	CHECK_EQ_U64(c.zero, 8);
	munmap(p, 64 * ps);
}

/* Where read faults allocate: the read pages are private, none is a zeropage. */
static void test_small_forbidden(enum kmb_census_method m)
{
	char *p = map_pages(64, MADV_NOHUGEPAGE);
	struct kmb_census c;

	read_pages(p, 0, 15);
	write_pages(p, 16, 23);
	c = take(p, 64 * ps, m);
	CHECK_EQ_U64(c.pages, 64);
	CHECK_EQ_U64(c.present, 24);
	CHECK_EQ_U64(c.zero, 0);
	CHECK_EQ_U64(c.zero_huge, 0);
	madvise(p, 8 * ps, MADV_DONTNEED);
	c = take(p, 64 * ps, m);
	CHECK_EQ_U64(c.present, 16);
	CHECK_EQ_U64(c.zero, 0);
	munmap(p, 64 * ps);
}

/* Alternating zero/written pages: more regions than one PAGEMAP_SCAN vec. */
static void test_many_regions(enum kmb_census_method m)
{
	size_t n = 2048;
	char *p = map_pages(n, MADV_NOHUGEPAGE);
	struct kmb_census c;

	for (size_t i = 0; i < n; i += 2) {
		read_pages(p, i, i);
		write_pages(p, i + 1, i + 1);
	}
	c = take(p, n * ps, m);
	CHECK_EQ_U64(c.pages, n);
	CHECK_EQ_U64(c.present, n);
	CHECK_EQ_U64(c.zero, allowed ? n / 2 : 0);
	munmap(p, n * ps);
}

static bool huge_zero_possible(void)
{
	char buf[128] = "", sel[32];
	uint64_t use_zero = 0;

	if (kmb_read_line(THP_SYSFS "enabled", buf, sizeof(buf)) ||
	    kmb_read_u64(THP_SYSFS "use_zero_page", &use_zero))
		return false;
	kmb_sysfs_selected(buf, sel, sizeof(sel));
	/* A parent may have turned THP off for us (inherited across exec). */
	return strcmp(sel, "never") && use_zero == 1 && prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 0;
}

/* 4 MiB, 2 MiB aligned, MADV_HUGEPAGE; NULL when THP cannot apply. */
static char *map_huge(char **base)
{
	size_t len = 4 * KMB_MIB, align = 2 * KMB_MIB;
	char *p =
		mmap(NULL, len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	*base = p;
	p = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (madvise(p, len, MADV_HUGEPAGE)) {
		munmap(*base, len + align);
		return NULL;
	}
	return p;
}

static void test_huge_zero(enum kmb_census_method m)
{
	size_t half = 2 * KMB_MIB, npages = 4 * KMB_MIB / ps;
	struct kmb_census c;
	char *base, *p;

	if (!huge_zero_possible() || !(p = map_huge(&base))) {
		printf("skip %s huge zeropage case: THP off (sysfs or prctl), use_zero_page != 1 "
		       "or MADV_HUGEPAGE failed\n",
		       kmb_census_method_name(m));
		return;
	}
	(void)*(volatile char *)p;
	(void)*(volatile char *)(p + half);
	c = take(p, 2 * half, m);
	CHECK_EQ_U64(c.pages, npages);
	CHECK_EQ_U64(c.present, npages);
	CHECK_EQ_U64(c.zero, npages);
	CHECK_EQ_U64(c.zero_huge, npages);
	if (m == KMB_CENSUS_PAGEMAP_SCAN)
		CHECK_EQ_U64(c.huge, npages);

	/* The kernel replaces the huge zero PMD by a THP, or splits it. */
	*(volatile char *)p = 1;
	c = take(p, half, m);
	CHECK_EQ_U64(c.zero_huge, 0);
	c = take(p, 2 * half, m);
	CHECK_EQ_U64(c.zero_huge, npages / 2);
	CHECK(c.zero <= npages - 1);
	CHECK_EQ_U64(c.present, npages);
	munmap(base, 2 * half + half);
}

/*
 * Where the huge zeropage is not used, a read fault on a THP range maps a
 * private page (a THP, or 4 KiB pages if none could be had): none is zero.
 */
static void test_huge_private(enum kmb_census_method m)
{
	struct kmb_census c;
	char *base, *p;

	p = map_huge(&base);
	if (!p)
		CHECK_SKIP("MADV_HUGEPAGE failed: cannot check what a THP read fault maps");
	(void)*(volatile char *)p;
	c = take(p, 2 * KMB_MIB, m);
	CHECK(c.present >= 1);
	CHECK_EQ_U64(c.zero, 0);
	CHECK_EQ_U64(c.zero_huge, 0);
	munmap(base, 6 * KMB_MIB);
}

static void test_args(void)
{
	struct kmb_census c;
	char err[256] = "";
	char *p = map_pages(2, MADV_NOHUGEPAGE);

	CHECK(kmb_census_take(p + 1, ps, KMB_CENSUS_AUTO, &c, err, sizeof(err)) == -1);
	CHECK(err[0] != '\0' && !strchr(err, '\n'));
	err[0] = '\0';
	CHECK(kmb_census_take(p, 0, KMB_CENSUS_AUTO, &c, err, sizeof(err)) == -1);
	CHECK(err[0] != '\0');
	err[0] = '\0';
	CHECK(kmb_census_take(p, ps + 1, KMB_CENSUS_AUTO, &c, err, sizeof(err)) == -1);
	CHECK(err[0] != '\0');
	err[0] = '\0';
	CHECK(kmb_census_take(p, ps, (enum kmb_census_method)99, &c, err, sizeof(err)) == -1);
	CHECK(err[0] != '\0');
	CHECK_STREQ(kmb_census_method_name(KMB_CENSUS_AUTO), "auto");
	CHECK_STREQ(kmb_census_method_name(KMB_CENSUS_PAGEMAP_SCAN), "pagemap_scan");
	CHECK_STREQ(kmb_census_method_name(KMB_CENSUS_PAGEMAP_PFN), "pagemap_pfn");
	munmap(p, 2 * ps);
}

static void check_same(const struct kmb_census *a, const struct kmb_census *b)
{
	CHECK_EQ_U64(a->pages, b->pages);
	CHECK_EQ_U64(a->present, b->present);
	CHECK_EQ_U64(a->zero, b->zero);
	CHECK_EQ_U64(a->zero_huge, b->zero_huge);
}

/* Mixed pages, a hole between VMAs and (if THP allows) a huge zero PMD. */
static void test_methods_agree(void)
{
	char *p = map_pages(64, MADV_NOHUGEPAGE), *base = NULL, *h = NULL;
	struct kmb_census a, b;

	read_pages(p, 0, 15);
	write_pages(p, 16, 23);
	munmap(p + 40 * ps, 8 * ps);
	a = take(p, 64 * ps, KMB_CENSUS_PAGEMAP_SCAN);
	b = take(p, 64 * ps, KMB_CENSUS_PAGEMAP_PFN);
	check_same(&a, &b);
	CHECK_EQ_U64(a.pages, 64);
	munmap(p, 64 * ps);

	if (allowed && huge_zero_possible() && (h = map_huge(&base))) {
		(void)*(volatile char *)h;
		*(volatile char *)(h + 2 * KMB_MIB) = 1;
		a = take(h, 4 * KMB_MIB, KMB_CENSUS_PAGEMAP_SCAN);
		b = take(h, 4 * KMB_MIB, KMB_CENSUS_PAGEMAP_PFN);
		check_same(&a, &b);
		munmap(base, 6 * KMB_MIB);
	}
}

/* Can method m count a one-page mapping here? Print why not. */
static bool usable(enum kmb_census_method m)
{
	char *p = map_pages(1, MADV_NOHUGEPAGE);
	struct kmb_census c;
	char err[256];
	int ret;

	if (m == KMB_CENSUS_PAGEMAP_PFN && geteuid() != 0) {
		printf("skip method %s: not root, PFNs are hidden\n", kmb_census_method_name(m));
		munmap(p, ps);
		return false;
	}
	ret = kmb_census_take(p, ps, m, &c, err, sizeof(err));
	munmap(p, ps);
	if (ret)
		printf("skip method %s: %s\n", kmb_census_method_name(m), err);
	return !ret;
}

static void run_small(enum kmb_census_method m)
{
	if (allowed) {
		test_small(m);
	} else {
		test_small_forbidden(m);
	}
	test_many_regions(m);
}

static void run_huge(enum kmb_census_method m)
{
	const char *why;

	if (kmb_cap_has(KMB_CAP_HUGE_ZEROPAGE, &why))
		test_huge_zero(m);
	else
		test_huge_private(m);
}

int main(int argc, char **argv)
{
	static const enum kmb_census_method methods[] = { KMB_CENSUS_PAGEMAP_SCAN,
							  KMB_CENSUS_PAGEMAP_PFN };
	const struct kmb_zeropage_policy *pol;
	bool huge = argc > 1 && !strcmp(argv[1], "huge");
	bool ok[KMB_ARRAY_SIZE(methods)];
	enum kmb_census_method probed;
	const char *why;
	char err[256];
	size_t i, n = 0;

	ps = kmb_page_size();
	test_args();
	for (i = 0; i < KMB_ARRAY_SIZE(methods); i++)
		n += ok[i] = usable(methods[i]);
	if (!n)
		CHECK_SKIP("neither PAGEMAP_SCAN nor pagemap PFNs are available");
	pol = kmb_zeropage_policy();
	/* With a working census the probe must decide. */
	CHECK(pol->policy != KMB_ZEROPAGE_UNKNOWN);
	allowed = pol->policy == KMB_ZEROPAGE_ALLOWED;
	if (huge) {
		if (!kmb_cap_has(KMB_CAP_THP, &why))
			CHECK_SKIP("transparent hugepages: %s", why);
		if (!huge_zero_possible())
			CHECK_SKIP("THP is [never] or off for this process, or use_zero_page is "
				   "0: neither branch can be checked without changing knobs");
		printf("USES: huge zeropage %s here (%s)\n",
		       kmb_cap_has(KMB_CAP_HUGE_ZEROPAGE, &why) ? "used" : "not used",
		       kmb_cap_has(KMB_CAP_HUGE_ZEROPAGE, &why) ? "read faults map it" : why);
	} else {
		printf("USES: shared zeropage %s here (%s; %s)\n",
		       kmb_zeropage_policy_name(pol->policy), pol->method, pol->evidence);
	}
	for (i = 0; i < KMB_ARRAY_SIZE(methods); i++) {
		if (!ok[i])
			continue;
		printf("method %s\n", kmb_census_method_name(methods[i]));
		if (huge)
			run_huge(methods[i]);
		else
			run_small(methods[i]);
	}
	/* AUTO prefers PAGEMAP_SCAN whenever it works. */
	CHECK(kmb_census_probe(&probed, err, sizeof(err)) == 0);
	CHECK(probed == (ok[0] ? KMB_CENSUS_PAGEMAP_SCAN : KMB_CENSUS_PAGEMAP_PFN));
	if (ok[0] && ok[1])
		test_methods_agree();
	else
		printf("note: only one census method here, nothing to compare it with\n");
	CHECK_DONE();
}
