// SPDX-License-Identifier: GPL-2.0-only
#include "procstat.h"
#include "util.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The status lines we keep, in struct order; all are "Name:\t  123 kB". */
static const struct {
	const char *status;
	const char *json;
	size_t offset;
} fields[] = {
	{ "VmRSS", "vm_rss_kib", offsetof(struct kmb_procstat, vm_rss_kib) },
	{ "RssAnon", "rss_anon_kib", offsetof(struct kmb_procstat, rss_anon_kib) },
	{ "RssFile", "rss_file_kib", offsetof(struct kmb_procstat, rss_file_kib) },
	{ "RssShmem", "rss_shmem_kib", offsetof(struct kmb_procstat, rss_shmem_kib) },
	{ "VmPTE", "vm_pte_kib", offsetof(struct kmb_procstat, vm_pte_kib) },
	{ "VmHWM", "vm_hwm_kib", offsetof(struct kmb_procstat, vm_hwm_kib) },
	{ "VmSwap", "vm_swap_kib", offsetof(struct kmb_procstat, vm_swap_kib) },
	{ "HugetlbPages", "hugetlb_kib", offsetof(struct kmb_procstat, hugetlb_kib) },
};

static uint64_t get(const struct kmb_procstat *st, size_t i)
{
	return *(const uint64_t *)((const char *)st + fields[i].offset);
}

static void set(struct kmb_procstat *st, size_t i, uint64_t val)
{
	*(uint64_t *)((char *)st + fields[i].offset) = val;
}

static void parse_line(const char *line, struct kmb_procstat *st)
{
	size_t i, n = strcspn(line, ":");

	if (!line[n])
		return;
	for (i = 0; i < KMB_ARRAY_SIZE(fields); i++) {
		if (n == strlen(fields[i].status) && !strncmp(line, fields[i].status, n)) {
			set(st, i, strtoull(line + n + 1, NULL, 10));
			return;
		}
	}
}

/* Fields a kernel lacks (RssAnon before 4.5, any Vm* of a kernel thread) stay 0. */
int kmb_procstat_read(pid_t pid, struct kmb_procstat *st)
{
	char path[64], *text, *line, *save = NULL;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	text = kmb_read_text(path);
	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		parse_line(line, st);
	free(text);
	return 0;
}

json_t *kmb_procstat_json(const struct kmb_procstat *st)
{
	json_t *obj = json_object();
	size_t i;

	for (i = 0; obj && i < KMB_ARRAY_SIZE(fields); i++)
		json_object_set_new(obj, fields[i].json, json_integer((json_int_t)get(st, i)));
	return obj;
}
