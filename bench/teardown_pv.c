// SPDX-License-Identifier: GPL-2.0-only
/*
 * teardown_pv: tearing down a booted s390x protected (Secure Execution) VM
 * synchronously (KVM_PV_DISABLE) or lazily (KVM_PV_ASYNC_CLEANUP_PREPARE in
 * the foreground, _PERFORM in the background). Needs --pv-image; lazy
 * destroy needs a VM larger than 2 GiB. The operation is in
 * bench/s390/teardown_pv_kvm.c; this table is built everywhere so other hosts
 * list the benchmarks with their skip reason. Guest memory is only populated
 * where the guest touches it, so a large VM costs little host memory.
 */
#include "s390/s390_bench.h"

static const struct pv_case disable_case = { KMB_PV_TEARDOWN_DISABLE };
static const struct pv_case async_case = { KMB_PV_TEARDOWN_ASYNC };

static const struct kmb_bench_def teardown_pv_defs[] = {
	{
		.name = "teardown_pv/disable",
		.description = "tear down a booted protected VM with KVM_PV_DISABLE (synchronous)",
		.needs = KMB_NEED(KMB_CAP_PAGEMAP_CENSUS) | KMB_NEED(KMB_CAP_S390_PV),
		.sized = true,
		.default_sizes = "1G,4G",
		.unit = GB_MS,
		.iterations = 1,
		.probe = KMB_S390_ONLY(kmb_pv_teardown_probe),
		.run = KMB_S390_ONLY(kmb_pv_teardown_run),
		.data = &disable_case,
	},
	{
		.name = "teardown_pv/async_cleanup",
		.description = "lazy destroy: KVM_PV_ASYNC_CLEANUP_PREPARE (foreground) + _PERFORM "
			   "(background, GiB/s); VMs above 2 GiB only, as QEMU",
		.needs = KMB_NEED(KMB_CAP_PAGEMAP_CENSUS) | KMB_NEED(KMB_CAP_S390_PV),
		.sized = true,
		/* PREPARE refuses 2 GiB and less; memory above 2 GiB is the lazy part. */
		.default_sizes = "4G,16G",
		.unit = GB_MS,
		.iterations = 1,
		.probe = KMB_S390_ONLY(kmb_pv_teardown_probe),
		.run = KMB_S390_ONLY(kmb_pv_teardown_run),
		.data = &async_case,
	},
};

KMB_FAMILY(teardown_pv, "s390x protected VM teardown: KVM_PV_DISABLE vs lazy destroy",
	   teardown_pv_defs)

