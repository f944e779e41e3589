// SPDX-License-Identifier: GPL-2.0-only
#include "footprint.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One mapping of /proc/<pid>/smaps while it is read. */
struct vma {
	bool candidate;
	uint64_t kib;
};

/*
 * The guest RAM mapping, as QEMU makes it: memory-backend-ram is private
 * anonymous memory ("rw-p", no name), memory-backend-memfd a shared mapping
 * of "/memfd:<id> (deleted)" ("rw-s"). TCG's code buffer can have the same
 * size, but it is executable ("rwxp"), so permissions tell them apart.
 */
static bool is_guest_ram(const char *line, uint64_t size, enum kmb_backend backend)
{
	unsigned long long start, end;
	char perms[8];
	int path = 0;

	if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &start, &end, perms, &path) < 3 ||
	    end - start != size)
		return false;
	if (backend == KMB_BACKEND_ANONYMOUS)
		return !strcmp(perms, "rw-p") && (!path || !line[path] || line[path] == '\n');
	return !strcmp(perms, "rw-s") && path && !strncmp(line + path, "/memfd:", 7);
}

/* A mapping's header line: "start-end perms offset dev inode [path]". */
static bool is_header(const char *line)
{
	const char *sp = strchr(line, ' ');

	return sp && memchr(line, '-', (size_t)(sp - line)) &&
	       !memchr(line, ':', (size_t)(sp - line));
}

int64_t kmb_guest_ram_resident(pid_t pid, uint64_t size, enum kmb_backend backend)
{
	char path[64], *line = NULL;
	struct vma cur = { 0 };
	size_t cap = 0;
	int found = 0;
	uint64_t kib = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		unsigned long long v;

		if (is_header(line)) {
			cur.candidate = is_guest_ram(line, size, backend);
			found += cur.candidate;
			continue;
		}
		if (!cur.candidate)
			continue;
		/* Rss leaves hugetlb pages out; they are counted on their own lines. */
		if (sscanf(line, "Rss: %llu kB", &v) == 1 ||
		    sscanf(line, "Shared_Hugetlb: %llu kB", &v) == 1 ||
		    sscanf(line, "Private_Hugetlb: %llu kB", &v) == 1)
			kib += v;
	}
	free(line);
	fclose(f);
	return found == 1 ? (int64_t)(kib * 1024) : -1;
}

uint64_t kmb_footprint_bytes(const struct kmb_procstat *ps)
{
	return (ps->vm_rss_kib + ps->hugetlb_kib) * 1024;
}

void kmb_footprint_init(struct kmb_footprint *f)
{
	memset(f, 0, sizeof(*f));
	f->overhead = -1;
	f->hwm = -1;
	f->guest_ram_end = -1;
}

int kmb_footprint_overhead(struct kmb_footprint *f, pid_t pid, uint64_t size,
			   enum kmb_backend backend)
{
	struct kmb_procstat ps;
	int64_t ram = kmb_guest_ram_resident(pid, size, backend);
	uint64_t total;

	if (kmb_procstat_read(pid, &ps)) {
		snprintf(f->overhead_how, sizeof(f->overhead_how), "QEMU pid %d is gone", (int)pid);
		return -1;
	}
	if (ram < 0) {
		snprintf(f->overhead_how, sizeof(f->overhead_how),
			 "no single guest RAM mapping of %" PRIu64 " MiB in /proc/%d/smaps",
			 size >> 20, (int)pid);
		return -1;
	}
	total = kmb_footprint_bytes(&ps);
	f->overhead = total > (uint64_t)ram ? (int64_t)(total - (uint64_t)ram) : 0;
	snprintf(f->overhead_how, sizeof(f->overhead_how),
		 "VmRSS + hugetlb %" PRIu64 " MiB less %" PRIu64 " MiB of resident guest RAM",
		 total >> 20, (uint64_t)ram >> 20);
	return 0;
}

/* Writing 5 to clear_refs sets the peak RSS to the current RSS (since Linux 4.0). */
static int reset_hwm(pid_t pid, char *note, size_t len)
{
	char path[64];
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ok = fd >= 0 && write(fd, "5", 1) == 1;
	if (!ok)
		snprintf(note, len, "VmHWM could not be reset (%s: %s)", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

void kmb_footprint_open(struct kmb_footprint *f, pid_t pid, bool reset)
{
	f->open = true;
	f->hwm_usable = !reset || reset_hwm(pid, f->hwm_note, sizeof(f->hwm_note)) == 0;
}

void kmb_footprint_sample(struct kmb_footprint *f, const struct kmb_procstat *ps, double t)
{
	uint64_t now = kmb_footprint_bytes(ps);

	if (!f->open)
		return;
	f->samples++;
	if (now > f->peak) {
		f->peak = now;
		f->peak_t = t;
	}
}

void kmb_footprint_close(struct kmb_footprint *f, pid_t pid, uint64_t size,
			 enum kmb_backend backend, double t)
{
	struct kmb_procstat ps;

	if (!f->open)
		return;
	if (!kmb_procstat_read(pid, &ps))
		kmb_footprint_sample(f, &ps,
				     t); /* a last sample, also for a window without ticks */
	f->open = false;
	if (kmb_procstat_read(pid, &ps)) {
		if (!f->hwm_note[0])
			snprintf(f->hwm_note, sizeof(f->hwm_note),
				 "VmHWM not read: QEMU had exited");
		return;
	}
	/* Hugetlb pages are not in VmHWM; those held now stand in for their peak. */
	if (f->hwm_usable)
		f->hwm = (int64_t)((ps.vm_hwm_kib + ps.hugetlb_kib) * 1024);
	f->guest_ram_end = kmb_guest_ram_resident(pid, size, backend);
}

uint64_t kmb_footprint_peak(const struct kmb_footprint *f)
{
	return f->hwm > 0 && (uint64_t)f->hwm > f->peak ? (uint64_t)f->hwm : f->peak;
}
