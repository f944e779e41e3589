// SPDX-License-Identifier: GPL-2.0-only
/* Side conditions of a run (conditions.h). */
#include "conditions.h"
#include "util.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CPU_DIR "/sys/devices/system/cpu"
#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

static json_t *text_or_null(const char *path)
{
	char line[256];

	return kmb_read_line(path, line, sizeof(line)) ? json_null() : json_string(line);
}

/* The distinct scaling governors of the online CPUs. */
static json_t *governors(void)
{
	json_t *out = json_array(), *g;
	char path[300], line[64];
	struct dirent *de;
	DIR *d = opendir(CPU_DIR);
	size_t i;
	bool seen;

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "cpu", 3) || !strchr("0123456789", de->d_name[3]) ||
		    !de->d_name[3])
			continue;
		snprintf(path, sizeof(path), CPU_DIR "/%s/cpufreq/scaling_governor", de->d_name);
		if (kmb_read_line(path, line, sizeof(line)))
			continue;
		seen = false;
		json_array_foreach(out, i, g)
			seen = seen || !strcmp(json_string_value(g), line);
		if (!seen)
			json_array_append_new(out, json_string(line));
	}
	if (d)
		closedir(d);
	return out;
}

int kmb_conditions_load(double *loadavg1, long *procs_running)
{
	char *stat = kmb_read_text("/proc/stat"), *p;
	char line[128];

	*procs_running = -1;
	if (kmb_read_line("/proc/loadavg", line, sizeof(line)) || sscanf(line, "%lf", loadavg1) != 1)
		*loadavg1 = -1;
	if (stat && (p = strstr(stat, "\nprocs_running ")))
		*procs_running = strtol(p + 15, NULL, 10);
	free(stat);
	return *loadavg1 < 0 ? -1 : 0;
}

json_t *kmb_conditions_busy_warning(double loadavg1, long procs_running, long cpus)
{
	if (cpus < 1)
		cpus = 1;
	/* procs_running counts kmb itself. */
	if (loadavg1 > 0.5 * (double)cpus || procs_running > 1 + cpus / 2)
		return json_sprintf("the host was busy: load average %.2f on %ld CPU(s), %ld "
				    "runnable tasks: timings may be slower and noisier",
				    loadavg1, cpus, procs_running);
	return NULL;
}

/* /proc/cpuinfo's "hypervisor" flag (x86), /sys/hypervisor/type, DMI names. */
static json_t *hypervisor(bool *guest)
{
	char *info = kmb_read_text("/proc/cpuinfo");
	bool flag = false;
	json_t *type = text_or_null("/sys/hypervisor/type");
	json_t *vendor = text_or_null("/sys/class/dmi/id/sys_vendor");
	json_t *product = text_or_null("/sys/class/dmi/id/product_name");

	if (info) {
		char *f = strstr(info, "\nflags");

		if (f) {
			char *end = strchr(f + 1, '\n');

			if (end)
				*end = '\0';
			flag = strstr(f, " hypervisor") != NULL;
		}
		/* s390: "VM00 Control Program" names z/VM, KVM a KVM guest. */
		flag = flag || strstr(info, "Control Program") || strstr(info, "KVM/Linux");
	}
	free(info);
	*guest = flag || json_is_string(type);
	return json_pack("{s:b, s:o, s:o, s:o}", "cpuinfo_flag", flag, "type", type, "vendor",
			 vendor, "product", product);
}

/* Free page reporting hands freed memory to the hypervisor: page faults then cost more. */
static json_t *free_page_reporting(bool *active)
{
	char *cmdline = kmb_read_text("/proc/cmdline");
	bool param = cmdline && strstr(cmdline, "page_reporting.") != NULL;
	bool balloon = access("/sys/bus/virtio/drivers/virtio_balloon", F_OK) == 0;
	json_t *order = text_or_null("/sys/module/page_reporting/parameters/page_reporting_order");

	free(cmdline);
	/* The driver directory lists a device only when one is bound. */
	if (balloon) {
		DIR *d = opendir("/sys/bus/virtio/drivers/virtio_balloon");
		struct dirent *de;

		balloon = false;
		while (d && (de = readdir(d)))
			balloon = balloon || !strncmp(de->d_name, "virtio", 6);
		if (d)
			closedir(d);
	}
	*active = param || balloon;
	return json_pack("{s:b, s:b, s:o}", "cmdline_parameter", param, "virtio_balloon", balloon,
			 "order", order);
}

static bool daemon_active(const char *enabled_path, const char *want_not)
{
	char line[128], word[32];

	if (kmb_read_line(enabled_path, line, sizeof(line)))
		return false;
	kmb_sysfs_selected(line, word, sizeof(word));
	return strcmp(word, want_not) != 0;
}

json_t *kmb_conditions_capture(void)
{
	json_t *warnings = json_array(), *govs = governors(), *g, *w;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), running;
	bool guest, reporting, khugepaged, ksmd;
	double load1;
	double la[3] = { -1, -1, -1 };
	char line[128], smt[32] = "";
	json_t *hv = hypervisor(&guest), *fpr = free_page_reporting(&reporting);
	size_t i;

	if (!kmb_read_line("/proc/loadavg", line, sizeof(line)))
		sscanf(line, "%lf %lf %lf", &la[0], &la[1], &la[2]);
	kmb_conditions_load(&load1, &running);
	kmb_read_line(CPU_DIR "/smt/control", smt, sizeof(smt));
	khugepaged = daemon_active(THP_DIR "/enabled", "never");
	ksmd = daemon_active("/sys/kernel/mm/ksm/run", "0");

	json_array_foreach(govs, i, g) {
		if (strcmp(json_string_value(g), "performance"))
			json_array_append_new(warnings,
					      json_sprintf("CPU frequency governor %s: clock speed "
							   "varies with load (performance holds it)",
							   json_string_value(g)));
	}
	if (!strcmp(smt, "on"))
		json_array_append_new(warnings, json_string("SMT is on: a sibling thread shares "
							     "the core with the benchmark"));
	if ((w = kmb_conditions_busy_warning(load1, running, cpus)))
		json_array_append_new(warnings, w);
	if (guest)
		json_array_append_new(warnings, json_string("this host is a guest of a hypervisor: "
							     "page faults and TLB misses cost more "
							     "and vary with the host below"));
	if (reporting)
		json_array_append_new(warnings,
				      json_string("free page reporting or a virtio balloon is "
						  "active: freed memory goes back to the "
						  "hypervisor and faults on it cost more"));
	if (ksmd)
		json_array_append_new(warnings, json_string("ksmd is running (ksm/run != 0): it "
							     "scans memory beside the benchmarks"));
	return json_pack("{s:o, s:s, s:[f,f,f], s:I, s:i, s:o, s:o, s:b, s:b, s:o}", "governors",
			 govs, "smt", smt[0] ? smt : "unknown", "loadavg", la[0], la[1], la[2],
			 "procs_running", (json_int_t)running, "cpus", (int)cpus, "hypervisor", hv,
			 "free_page_reporting", fpr, "khugepaged", khugepaged, "ksmd", ksmd,
			 "warnings", warnings);
}
