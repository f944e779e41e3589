/* SPDX-License-Identifier: GPL-2.0-only */
/* Memory figures of a process from /proc/<pid>/status. */
#ifndef KMB_PROCSTAT_H
#define KMB_PROCSTAT_H

#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

struct kmb_procstat {
	uint64_t vm_rss_kib, rss_anon_kib, rss_file_kib, rss_shmem_kib;
	uint64_t vm_pte_kib, vm_hwm_kib, vm_swap_kib;
	uint64_t hugetlb_kib;	/* HugetlbPages: hugetlb memory mapped, not in VmRSS */
};

/* 0, or -1 when the process is gone (or the file is unreadable). */
int kmb_procstat_read(pid_t pid, struct kmb_procstat *st);
json_t *kmb_procstat_json(const struct kmb_procstat *st);

#endif
