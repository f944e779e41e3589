/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capabilities: what this host can do, probed at run time. Benchmarks and
 * scenarios declare the capabilities they need; a missing one turns into a skip
 * with the probe's reason, never a silent pass or a crash.
 */
#ifndef KMB_CAPS_H
#define KMB_CAPS_H

#include <stdbool.h>
#include <jansson.h>

enum kmb_cap {
	KMB_CAP_PAGEMAP_CENSUS,	/* a census method works (PAGEMAP_SCAN or PFNs) */
	KMB_CAP_PAGEMAP_SCAN,	/* the PAGEMAP_SCAN ioctl with PAGE_IS_PFNZERO */
	KMB_CAP_ZEROPAGE,	/* read faults map the shared zeropage here */
	KMB_CAP_MADV_POPULATE,	/* MADV_POPULATE_READ/WRITE (5.14+) */
	KMB_CAP_THP,		/* transparent hugepages can be enabled */
	KMB_CAP_HUGE_ZEROPAGE,	/* THP use_zero_page available (and settable) */
	KMB_CAP_USERFAULTFD,	/* userfaultfd with UFFDIO_ZEROPAGE/COPY */
	KMB_CAP_KSM,		/* KSM present and its knobs writable */
	KMB_CAP_KSM_ZERO_PAGES,	/* KSM use_zero_pages knob exists */
	KMB_CAP_KVM,		/* /dev/kvm opens and KVM_CREATE_VM works */
	KMB_CAP_S390_SKEYS,	/* s390x KVM_S390_SET_SKEYS (s390x only) */
	KMB_CAP_S390_PV,	/* s390x KVM_CAP_S390_PROTECTED (s390x only) */
	KMB_CAP_PROCESS_MRELEASE, /* the process_mrelease syscall */
	KMB_CAP_MEMCG,		/* a memory cgroup controller (v1 or v2) */
	KMB_CAP_ROOT,		/* running as root (sysfs knobs writable) */
	KMB_CAP_COUNT
};

/*
 * Whether read faults on anonymous memory map the shared zeropage here: a fact
 * of the environment (recorded in every manifest as "zeropage"), found by
 * behaviour, not by knobs. "forbidden" is mm_forbids_zeropage(): s390 KVM
 * processes before Linux 6.10 ("s390/mm: Re-enable the shared zeropage for
 * !PV and !skeys KVM guests"), some hypervisors' guest kernels.
 */
enum kmb_zeropage_policy_kind {
	KMB_ZEROPAGE_UNKNOWN,
	KMB_ZEROPAGE_ALLOWED,
	KMB_ZEROPAGE_FORBIDDEN,
};

struct kmb_zeropage_policy {
	enum kmb_zeropage_policy_kind policy;
	char method[96];	/* how it was found ("read faults on 16 fresh pages, ...") */
	char evidence[160];	/* what the probe saw */
	char cmdline[160];	/* kernel command-line parameters naming the zeropage */
};

/* Probed once per process. */
const struct kmb_zeropage_policy *kmb_zeropage_policy(void);
const char *kmb_zeropage_policy_name(enum kmb_zeropage_policy_kind kind);
/* {"policy": "allowed"|"forbidden"|"unknown", "method", "evidence", "cmdline"?} */
json_t *kmb_zeropage_policy_json(void);

/* Probe once (cached); true if available, else *reason says why not. */
bool kmb_cap_has(enum kmb_cap cap, const char **reason);
/* Short stable name ("pagemap_scan"). */
const char *kmb_cap_name(enum kmb_cap cap);
/* {"name": {"available": bool, "reason": "..."}} for every capability. */
json_t *kmb_caps_json(void);

#endif
