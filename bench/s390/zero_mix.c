// SPDX-License-Identifier: GPL-2.0-only
#include "zero_mix.h"
#include "util.h"

#include <stdio.h>

/* Zeropage pages among the first n: floor((n * pct + 50) / 100). */
static uint64_t zeros_below(uint64_t n, unsigned pct)
{
	return (n * pct + 50) / 100;
}

/*
 * Page i is a zeropage one when the running count steps at i. This spreads
 * them evenly and makes the total come out at exactly round(n * pct / 100).
 */
bool kmb_zero_mix_is_zero(uint64_t i, unsigned pct)
{
	return zeros_below(i + 1, pct) > zeros_below(i, pct);
}

uint64_t kmb_zero_mix_count(uint64_t pages, unsigned pct)
{
	return zeros_below(pages, pct);
}

void kmb_zero_mix_fill(char *addr, size_t len, unsigned pct)
{
	size_t ps = kmb_page_size();
	uint64_t i, n = len / ps;

	for (i = 0; i < n; i++) {
		volatile char *p = addr + i * ps;

		if (kmb_zero_mix_is_zero(i, pct))
			(void)*p;
		else
			*p = 1;
	}
}

/* The usual reason read faults found no zeropage, for the error message. */
static const char *zero_hint(const struct kmb_census *c, uint64_t want)
{
	if (c->huge)
		return " (transparent hugepages mapped huge pages there)";
	if (want && c->zero == 0)
		return " (read faults did not map the shared zeropage: mm_forbids_zeropage, e.g. "
		       "s390 with storage keys enabled, or a KVM process before Linux 6.10)";
	return "";
}

int kmb_zero_mix_check_before(const struct kmb_census *c, unsigned pct, char *err,
			      size_t errlen)
{
	uint64_t want = kmb_zero_mix_count(c->pages, pct);

	if (c->zero == want && c->present == c->pages && c->zero_huge == 0 && c->huge == 0)
		return 0;
	snprintf(err, errlen,
		 "census before the unshare: expected %llu of %llu pages on the shared zeropage "
		 "(%u %%) and all present, found %llu on a zeropage (%llu huge), %llu present%s",
		 (unsigned long long)want, (unsigned long long)c->pages, pct,
		 (unsigned long long)c->zero, (unsigned long long)c->zero_huge,
		 (unsigned long long)c->present, zero_hint(c, want));
	return -1;
}

int kmb_zero_mix_check_after(const struct kmb_census *c, const char *op, char *err,
			     size_t errlen)
{
	if (c->zero == 0 && c->present == c->pages)
		return 0;
	snprintf(err, errlen,
		 "census after %s: expected every page present and none on a zeropage, found "
		 "%llu of %llu present, %llu on a zeropage",
		 op, (unsigned long long)c->present, (unsigned long long)c->pages,
		 (unsigned long long)c->zero);
	return -1;
}
