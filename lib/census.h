/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Census of a virtual address range: how many of its base pages are mapped,
 * and how many of those map the shared zeropage (4 KiB or huge). This is the
 * proof a benchmark gives that it measured the path it names.
 *
 * Preferred method: the PAGEMAP_SCAN ioctl on /proc/self/pagemap (Linux 6.7+)
 * with PAGE_IS_PFNZERO / PAGE_IS_HUGE / PAGE_IS_PRESENT. Fallback: read
 * /proc/self/pagemap entries and compare PFNs with the zero PFNs found by
 * read-faulting fresh pages (needs CAP_SYS_ADMIN to see PFNs).
 */
#ifndef KMB_CENSUS_H
#define KMB_CENSUS_H

#include <stddef.h>
#include <stdint.h>

enum kmb_census_method {
	KMB_CENSUS_AUTO = 0,	/* PAGEMAP_SCAN if it works, else pagemap PFNs */
	KMB_CENSUS_PAGEMAP_SCAN,
	KMB_CENSUS_PAGEMAP_PFN,
};

struct kmb_census {
	uint64_t pages;		/* base pages in the range */
	uint64_t present;	/* base pages mapped (present in page tables) */
	uint64_t zero;		/* base pages mapping a zeropage (incl. huge) */
	uint64_t zero_huge;	/* base pages mapping the huge zeropage */
	uint64_t huge;		/* base pages mapped by a PMD (THP or huge zero) */
	enum kmb_census_method method; /* what was used */
};

/*
 * Count the pages of [addr, addr+len) (page aligned). Returns 0, or -1 with a
 * reason in err ("census unavailable: ...").
 */
int kmb_census_take(const void *addr, size_t len, enum kmb_census_method method,
		    struct kmb_census *out, char *err, size_t errlen);

/* Which method AUTO resolves to on this host; -1 with reason if none works. */
int kmb_census_probe(enum kmb_census_method *method, char *err, size_t errlen);

const char *kmb_census_method_name(enum kmb_census_method method);

#endif
