// SPDX-License-Identifier: GPL-2.0-only
/*
 * skey: enabling storage keys on a fresh s390x VM whose memory has a
 * fraction f of zeropage-mapped pages, by KVM_S390_SET_SKEYS or by the
 * guest's own SSKE, and KVM_S390_KEYOP with keys already on (the operations
 * are in bench/s390/skey_kvm.c). Built everywhere so other hosts list these
 * benchmarks with their skip reason; skey_proxy is the portable stand-in.
 */
#include "s390/s390_bench.h"

#define SKEY_NEEDS                                                                    \
	(KMB_NEED(KMB_CAP_KVM) | KMB_NEED(KMB_CAP_S390_SKEYS) |                       \
	 KMB_NEED(KMB_CAP_PAGEMAP_CENSUS))

#define SKEY_CASE(id, trig, pct) static const struct skey_case id = { trig, pct }

SKEY_CASE(set_f0, KMB_SKEY_SET_SKEYS, 0);
SKEY_CASE(set_f50, KMB_SKEY_SET_SKEYS, 50);
SKEY_CASE(set_f100, KMB_SKEY_SET_SKEYS, 100);
SKEY_CASE(sske_f0, KMB_SKEY_GUEST_SSKE, 0);
SKEY_CASE(sske_f100, KMB_SKEY_GUEST_SSKE, 100);
SKEY_CASE(keyop_sske, KMB_SKEY_KEYOP, 0);

#define SKEY_DEF(name_, description_, case_)                                              \
	{                                                                             \
		.name = "skey/" name_, .description = description_, .needs = SKEY_NEEDS,      \
		.sized = true, .default_sizes = "256M,1G", .unit = GB_US,             \
		.probe = KMB_S390_ONLY(kmb_skey_probe), .run = KMB_S390_ONLY(kmb_skey_run), \
		.data = &case_,                                                       \
	}

static const struct kmb_bench_def skey_defs[] = {
	SKEY_DEF("set_skeys_f0", "enabling keys: first KVM_S390_SET_SKEYS on a VM with no "
		 "zeropage pages, vs the second", set_f0),
	SKEY_DEF("set_skeys_f50", "enabling keys: first KVM_S390_SET_SKEYS on a VM with every "
		 "other page on the zeropage, vs the second", set_f50),
	SKEY_DEF("set_skeys_f100", "enabling keys: first KVM_S390_SET_SKEYS on a VM with every "
		 "page on the zeropage, vs the second", set_f100),
	SKEY_DEF("guest_sske_f0", "enabling keys: first guest SSKE (intercepted) on a VM with "
		 "no zeropage pages, vs the second", sske_f0),
	SKEY_DEF("guest_sske_f100", "enabling keys: first guest SSKE (intercepted) on a VM with "
		 "every page on the zeropage, vs the second", sske_f100),
	SKEY_DEF("keyop_sske", "KVM_S390_KEYOP SSKE per page with keys already on (a key "
		 "operation, not an enablement; Linux 7.0+)", keyop_sske),
};

KMB_FAMILY(skey, "s390x storage keys: enabling them (first key operation vs keys already on) "
	   "and KEYOP with keys on", skey_defs)
