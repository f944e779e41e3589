// SPDX-License-Identifier: GPL-2.0-only
/* /proc/<pid>/status figures: growth after touching memory, a dead pid, the JSON. */
#include "check.h"
#include "procstat.h"
#include "util.h"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_rss_grows(void)
{
	struct kmb_procstat before, after;
	size_t len = 64 * KMB_MIB;
	char *mem;

	CHECK(kmb_procstat_read(getpid(), &before) == 0);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED);
	if (mem == MAP_FAILED)
		return;
	memset(mem, 0x5a, len);
	CHECK(kmb_procstat_read(getpid(), &after) == 0);
	printf("VmRSS %llu -> %llu KiB, RssAnon %llu -> %llu KiB, VmHWM %llu KiB\n",
	       (unsigned long long)before.vm_rss_kib, (unsigned long long)after.vm_rss_kib,
	       (unsigned long long)before.rss_anon_kib, (unsigned long long)after.rss_anon_kib,
	       (unsigned long long)after.vm_hwm_kib);
	CHECK(after.vm_rss_kib >= before.vm_rss_kib + 60 * 1024);
	CHECK(after.rss_anon_kib >= before.rss_anon_kib + 60 * 1024);
	CHECK(after.vm_hwm_kib >= after.vm_rss_kib);
	CHECK(after.vm_pte_kib > 0);
	munmap(mem, len);
}

static void test_dead_pid(void)
{
	struct kmb_procstat st;
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK(pid > 0);
	if (pid < 0)
		return;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(kmb_procstat_read(pid, &st) == -1);
}

static void test_json(void)
{
	static const char *const keys[] = { "vm_rss_kib",    "rss_anon_kib", "rss_file_kib",
					    "rss_shmem_kib", "vm_pte_kib",   "vm_hwm_kib",
					    "vm_swap_kib",   "hugetlb_kib" };
	struct kmb_procstat st = { 1, 2, 3, 4, 5, 6, 7, 8 };
	json_t *j = kmb_procstat_json(&st);
	size_t i;

	CHECK(j && json_is_object(j));
	if (!j)
		return;
	CHECK_EQ_U64(json_object_size(j), KMB_ARRAY_SIZE(keys));
	for (i = 0; i < KMB_ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(j, keys[i]);

		CHECK(json_is_integer(v));
		CHECK_EQ_U64(json_integer_value(v), i + 1);
	}
	json_decref(j);
}

int main(void)
{
	test_rss_grows();
	test_dead_pid();
	test_json();
	CHECK_DONE();
}
