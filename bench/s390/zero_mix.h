/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A VM's memory as storage-key enablement finds it: a fraction of the pages
 * maps the shared zeropage (read by the guest, never written) and the rest
 * are private pages. The portable proxy (bench/skey_proxy.c) and the s390x
 * benchmark (bench/s390/skey_kvm.c) both build it with these helpers, so the two
 * measure exactly the same layout. Portable: built on every architecture.
 *
 * The zeropage pages are spread evenly (for 50 % every other page), not
 * bunched at one end, so the unshare walks a mixed range as a guest's is.
 */
#ifndef KMB_ZERO_MIX_H
#define KMB_ZERO_MIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "census.h"

/* Is page i (0-based) one of the zeropage ones at pct percent? */
bool kmb_zero_mix_is_zero(uint64_t i, unsigned pct);

/* How many of n pages are zeropage ones: round(n * pct / 100), half up. */
uint64_t kmb_zero_mix_count(uint64_t pages, unsigned pct);

/* Untimed setup: read-fault the zeropage pages, write the others. */
void kmb_zero_mix_fill(char *addr, size_t len, unsigned pct);

/*
 * Census checks; 0, or -1 with the reason in err. Before: exactly the
 * expected zeropage count, every other page present and private, no huge
 * mapping. After an unshare: every page present, none on a zeropage.
 */
int kmb_zero_mix_check_before(const struct kmb_census *c, unsigned pct, char *err,
			      size_t errlen);
int kmb_zero_mix_check_after(const struct kmb_census *c, const char *op, char *err,
			     size_t errlen);

#endif
