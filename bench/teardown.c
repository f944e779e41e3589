// SPDX-License-Identifier: GPL-2.0-only
/*
 * teardown: how long the caller waits when a populated address range goes
 * away, and how fast its memory comes back. s390 protected guests made this
 * matter ("lazy destroy": KVM_PV_ASYNC_CLEANUP_PREPARE returns at once, the
 * secure pages are freed later); the portable variants here compare the same
 * two shapes everywhere: synchronous teardown (munmap, process exit, closing
 * a VM) against teardown handed to someone else (a reaper thread,
 * process_mrelease on a killed child).
 *
 * Every variant populates its range untimed, proves with RssAnon (and a
 * PAGEMAP_SCAN census where the range is ours) that the memory was there and
 * was freed, and reports the foreground latency as the manual time.
 * This file: the shared runner, munmap, deferred and the table;
 * teardown_child.c: exit and process_mrelease; teardown_kvm.c: kvm_vm_close.
 */
#include "census.h"
#include "mem.h"
#include "teardown.h"
#include "util.h"
#include "uapi.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* ---- shared helpers ---- */

void td_extra(struct td_result *res, const char *name, double value, unsigned direction)
{
	if (res->nextra >= TD_MAX_EXTRA)
		return;
	res->extra[res->nextra].name = name;
	res->extra[res->nextra].value = value;
	res->extra[res->nextra].direction = direction;
	res->nextra++;
}

/* open/read into a stack buffer: no malloc that would move RssAnon itself. */
int td_rss_anon_kib(pid_t pid, uint64_t *kib)
{
	char path[64], buf[4096], *field;
	ssize_t n;
	int fd;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	field = strstr(buf, "\nRssAnon:");
	if (!field)
		return -2;
	*kib = strtoull(field + strlen("\nRssAnon:"), NULL, 10);
	return 0;
}

/*
 * RssAnon is kept in per-CPU batched counters and the process has a little
 * anonymous memory of its own that may move meanwhile: accept 1/64 less.
 */
uint64_t td_rss_need_kib(uint64_t size)
{
	uint64_t kib = size / KMB_KIB;

	return kib - kib / 64;
}

/* Drop the over-mapped head and tail so exactly [start, start+len) stays. */
static void trim_mapping(char *map, size_t map_len, char *start, size_t len)
{
	if (start > map)
		munmap(map, (size_t)(start - map));
	if (start + len < map + map_len)
		munmap(start + len, (size_t)(map + map_len - (start + len)));
}

/*
 * 2 MiB aligned (s390 memslots need 1 MiB) base pages: THP would make the
 * teardown cost depend on the host's THP setting, not on the page count.
 */
int td_map_populated(size_t len, void **addr, char *err, size_t errlen)
{
	size_t map_len = len + KMB_HPAGE_SIZE;
	char *map, *start;

	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		snprintf(err, errlen, "mmap of %zu bytes failed: %s", map_len, strerror(errno));
		return -1;
	}
	start = (char *)(((uintptr_t)map + KMB_HPAGE_SIZE - 1) & ~(uintptr_t)(KMB_HPAGE_SIZE - 1));
	trim_mapping(map, map_len, start, len);
	if (madvise(start, len, MADV_NOHUGEPAGE)) {
		snprintf(err, errlen, "madvise(MADV_NOHUGEPAGE) failed: %s", strerror(errno));
		munmap(start, len);
		return -1;
	}
	/* Kernels before 5.14 lack MADV_POPULATE_WRITE: one write per page. */
	if (madvise(start, len, MADV_POPULATE_WRITE)) {
		if (errno != EINVAL) {
			snprintf(err, errlen, "madvise(MADV_POPULATE_WRITE) failed: %s",
				 strerror(errno));
			munmap(start, len);
			return -1;
		}
		kmb_touch_write(start, len, kmb_page_size());
	}
	*addr = start;
	return 0;
}

/*
 * Pinning keeps the scheduler out of the figures: a thread we wake must not
 * preempt us on our CPU, one we keep waiting must not run elsewhere.
 */
int td_pin_here(struct td_pin *pin, char *err, size_t errlen)
{
	cpu_set_t one;

	pin->active = false;
	pin->cpu = sched_getcpu();
	if (pin->cpu >= 0 && !sched_getaffinity(0, sizeof(pin->saved), &pin->saved)) {
		CPU_ZERO(&one);
		CPU_SET(pin->cpu, &one);
		if (!sched_setaffinity(0, sizeof(one), &one)) {
			pin->active = true;
			return 0;
		}
	}
	snprintf(err, errlen, "cannot pin to CPU %d: %s", pin->cpu, strerror(errno));
	return -1;
}

void td_unpin(struct td_pin *pin)
{
	if (pin->active)
		sched_setaffinity(0, sizeof(pin->saved), &pin->saved);
	pin->active = false;
}

int td_pin_other_cpu(const struct td_pin *pin)
{
	int cpu;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (cpu != pin->cpu && CPU_ISSET(cpu, &pin->saved))
			return cpu;
	return -1;
}

/* ---- the runner ---- */

struct td_totals {
	uint64_t fg_ns, bg_ns, pages, iterations;
	uint64_t rss_before_min, rss_freed_min;
	struct td_result extra_sum; /* names and summed values */
};

static void add_result(struct td_totals *t, const struct td_result *res)
{
	unsigned i;

	t->fg_ns += res->fg_ns;
	t->bg_ns += res->bg_ns;
	t->pages += res->pages;
	if (!t->iterations++ || res->rss_before_kib < t->rss_before_min)
		t->rss_before_min = res->rss_before_kib;
	if (t->iterations == 1 || res->rss_freed_kib < t->rss_freed_min)
		t->rss_freed_min = res->rss_freed_kib;
	for (i = 0; i < res->nextra; i++) {
		t->extra_sum.extra[i].name = res->extra[i].name;
		t->extra_sum.extra[i].value += res->extra[i].value;
		t->extra_sum.extra[i].direction = res->extra[i].direction;
	}
	t->extra_sum.nextra = res->nextra;
}

/*
 * Per-iteration figures averaged over the repetition's iterations; the RSS
 * proof as its worst case, so one reading vouches for all of them.
 */
static void report(gb_state *st, const struct td_totals *t)
{
	double bytes = (double)t->pages * (double)kmb_page_size();
	double fg_s = (double)t->fg_ns / 1e9, bg_s = (double)t->bg_ns / 1e9;
	double n = (double)t->iterations;
	unsigned i;

	/*
	 * Two measurements, each judged once: the foreground (ns_per_page) and,
	 * for a deferred teardown, the background (bg_gib_per_s). The rest are
	 * the same numbers in other units, shown but not judged twice.
	 */
	gb_counter(st, "ns_per_page", (double)t->fg_ns / (double)t->pages, GB_LOWER_IS_BETTER);
	gb_counter(st, "gib_per_s", bytes / KMB_GIB / (t->bg_ns ? bg_s : fg_s), GB_COUNTER_PLAIN);
	gb_counter(st, "pages", (double)t->pages / n, GB_COUNTER_PLAIN);
	gb_counter(st, "rss_before_kib", (double)t->rss_before_min, GB_COUNTER_PLAIN);
	gb_counter(st, "rss_freed_kib", (double)t->rss_freed_min, GB_COUNTER_PLAIN);
	if (t->bg_ns) {
		gb_counter(st, "fg_latency_ns", (double)t->fg_ns / n, GB_COUNTER_PLAIN);
		gb_counter(st, "bg_gib_per_s", bytes / KMB_GIB / bg_s, GB_HIGHER_IS_BETTER);
		gb_counter(st, "bg_seconds", bg_s / n, GB_COUNTER_PLAIN);
	}
	for (i = 0; i < t->extra_sum.nextra; i++)
		gb_counter(st, t->extra_sum.extra[i].name, t->extra_sum.extra[i].value / n,
			   t->extra_sum.extra[i].direction);
}

struct td_job {
	const struct kmb_bench_ctx *ctx;
	td_iteration_fn fn;
	struct td_totals *totals;
};

/* One variant's iteration; the foreground latency is the timed part. */
static int td_iteration(void *arg, uint64_t *ns, char *err, size_t errlen)
{
	const struct td_job *job = arg;
	struct td_result res = { 0 };

	if (job->fn(job->ctx, &res, err, errlen))
		return -1;
	*ns = res.fg_ns;
	add_result(job->totals, &res);
	return 0;
}

void td_run(gb_state *st, const struct kmb_bench_ctx *ctx, td_iteration_fn fn)
{
	struct td_totals totals = { 0 };
	struct td_job job = { ctx, fn, &totals };

	if (!kmb_iterate(st, ctx, td_iteration, &job) && totals.iterations)
		report(st, &totals);
}

/* ---- a populated range of our own, with its proof ---- */

static int check_grown(uint64_t before, uint64_t after, size_t len, char *err, size_t errlen)
{
	if (after >= before && after - before >= td_rss_need_kib(len))
		return 0;
	snprintf(err, errlen,
		 "census: RssAnon went from %llu to %llu KiB when populating %llu KiB, expected "
		 "it to grow by at least %llu KiB",
		 (unsigned long long)before, (unsigned long long)after,
		 (unsigned long long)(len / KMB_KIB), (unsigned long long)td_rss_need_kib(len));
	return -1;
}

static int check_present(struct td_range *r, char *err, size_t errlen)
{
	struct kmb_census c;

	if (kmb_census_take(r->addr, r->len, KMB_CENSUS_AUTO, &c, err, errlen))
		return -1;
	if (c.present == c.pages && c.zero == 0)
		return 0;
	snprintf(err, errlen,
		 "census before the teardown: %llu of %llu pages present, %llu on a zeropage; "
		 "expected every page present and private",
		 (unsigned long long)c.present, (unsigned long long)c.pages,
		 (unsigned long long)c.zero);
	return -1;
}

int td_range_prepare(struct td_range *r, size_t len, char *err, size_t errlen)
{
	uint64_t rss0;

	r->len = len;
	if (td_rss_anon_kib(0, &rss0)) {
		snprintf(err, errlen, "cannot read RssAnon from /proc/self/status");
		return -1;
	}
	if (td_map_populated(len, &r->addr, err, errlen))
		return -1;
	if (td_rss_anon_kib(0, &r->rss_kib))
		snprintf(err, errlen, "cannot read RssAnon from /proc/self/status");
	else if (!check_grown(rss0, r->rss_kib, len, err, errlen) && !check_present(r, err, errlen))
		return 0;
	munmap(r->addr, len);
	return -1;
}

int td_range_check_freed(const struct td_range *r, struct td_result *res, char *err, size_t errlen)
{
	uint64_t now = r->rss_kib;

	td_rss_anon_kib(0, &now);
	res->pages = r->len / kmb_page_size();
	res->rss_before_kib = r->rss_kib;
	res->rss_freed_kib = now < r->rss_kib ? r->rss_kib - now : 0;
	if (res->rss_freed_kib >= td_rss_need_kib(r->len))
		return 0;
	snprintf(err, errlen,
		 "census after the teardown: RssAnon went from %llu to %llu KiB, expected a "
		 "drop of at least %llu KiB",
		 (unsigned long long)r->rss_kib, (unsigned long long)now,
		 (unsigned long long)td_rss_need_kib(r->len));
	return -1;
}

/* ---- teardown/munmap ---- */

static int munmap_iteration(const struct kmb_bench_ctx *ctx, struct td_result *res, char *err,
			    size_t errlen)
{
	struct td_range r;
	uint64_t t0;

	if (td_range_prepare(&r, ctx->size, err, errlen))
		return -1;
	t0 = kmb_now_ns();
	if (munmap(r.addr, r.len)) {
		snprintf(err, errlen, "munmap failed: %s", strerror(errno));
		return -1;
	}
	res->fg_ns = kmb_now_ns() - t0;
	return td_range_check_freed(&r, res, err, errlen);
}

static void run_munmap(gb_state *st, const struct kmb_bench_ctx *ctx)
{
	td_run(st, ctx, munmap_iteration);
}

/* ---- teardown/deferred: a reaper thread munmaps what it is handed ---- */

struct td_reaper {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	void *addr; /* one-slot queue: the range handed over, or NULL */
	size_t len;
	bool waiting; /* asleep in pthread_cond_wait */
	bool stop;
	int error;	  /* errno of a failed munmap */
	uint64_t done_ns; /* when its last munmap returned; under lock */
};

static void *reaper_main(void *arg)
{
	struct td_reaper *r = arg;

	pthread_mutex_lock(&r->lock);
	while (!r->stop || r->addr) {
		if (r->addr) {
			void *addr = r->addr;

			r->addr = NULL;
			pthread_mutex_unlock(&r->lock);
			if (munmap(addr, r->len))
				r->error = errno;
			pthread_mutex_lock(&r->lock);
			r->done_ns = kmb_now_ns();
			continue;
		}
		r->waiting = true;
		pthread_cond_wait(&r->wake, &r->lock);
		r->waiting = false;
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static int reaper_start(struct td_reaper *r, char *err, size_t errlen)
{
	int ret;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	ret = pthread_create(&r->thread, NULL, reaper_main, r);
	if (!ret)
		return 0;
	snprintf(err, errlen, "pthread_create of the reaper failed: %s", strerror(ret));
	return -1;
}

/* Stop and join it; returns the errno of a failed munmap, else 0. */
static int reaper_stop(struct td_reaper *r)
{
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	return r->error;
}

/* The hand-off must include the wakeup: let the reaper fall asleep first. */
static void reaper_wait_idle(struct td_reaper *r)
{
	struct timespec nap = { .tv_nsec = 100 * 1000 };
	bool idle;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		idle = r->waiting;
		pthread_mutex_unlock(&r->lock);
		if (idle)
			return;
		nanosleep(&nap, NULL);
	}
}

/* The timed foreground part: queue push and wakeup. */
static void reaper_hand_off(struct td_reaper *r, void *addr, size_t len)
{
	pthread_mutex_lock(&r->lock);
	r->addr = addr;
	r->len = len;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
}

/* Seconds to wait for size bytes to be freed in the background. */
static unsigned free_timeout_s(uint64_t size)
{
	return 10 + (unsigned)(size / KMB_GIB) * 10;
}

/* When the reaper's last munmap returned, 0 while it is still at work. */
static uint64_t reaper_done_ns(struct td_reaper *r)
{
	uint64_t done;

	pthread_mutex_lock(&r->lock);
	done = r->addr ? 0 : r->done_ns;
	pthread_mutex_unlock(&r->lock);
	return done;
}

/*
 * Poll RssAnon until it has dropped by the range's size and the reaper is
 * done; *end_ns is when the reaper's munmap returned. The counters drop
 * during the zap, before munmap returns, so the poll proves the memory
 * freed and the reaper's clock (not the poll interval) says when. Polling
 * slowly also spares the reaper: a thread of ours running in this mm makes
 * its TLB flushes IPIs.
 */
static int wait_freed(struct td_reaper *reaper, const struct td_range *r, uint64_t *end_ns,
		      char *err, size_t errlen)
{
	uint64_t deadline = kmb_now_ns() + free_timeout_s(r->len) * 1000000000ULL;
	struct timespec nap = { .tv_nsec = 100 * 1000 };
	uint64_t need = td_rss_need_kib(r->len), now = r->rss_kib, done_ns;

	for (;;) {
		if (td_rss_anon_kib(0, &now)) {
			snprintf(err, errlen, "cannot read RssAnon from /proc/self/status");
			return -1;
		}
		done_ns = reaper_done_ns(reaper);
		if (done_ns && now <= r->rss_kib && r->rss_kib - now >= need) {
			*end_ns = done_ns;
			return 0;
		}
		if (kmb_now_ns() > deadline)
			break;
		nanosleep(&nap, NULL);
	}
	snprintf(err, errlen,
		 "RssAnon dropped from %llu to %llu KiB within %u s of handing %llu KiB to the "
		 "reaper (%s), expected a drop of at least %llu KiB",
		 (unsigned long long)r->rss_kib, (unsigned long long)now, free_timeout_s(r->len),
		 (unsigned long long)(r->len / KMB_KIB),
		 done_ns ? "its munmap returned" : "still in munmap", (unsigned long long)need);
	return -1;
}

/*
 * The reaper gets a CPU other than ours when there is one: woken on our CPU
 * it would preempt us, and the hand-off would include its time slice.
 * Returns whether it got one.
 */
static bool reaper_move_away(struct td_reaper *reaper, const struct td_pin *pin)
{
	int cpu = td_pin_other_cpu(pin);
	cpu_set_t other;

	if (cpu < 0)
		return false;
	CPU_ZERO(&other);
	CPU_SET(cpu, &other);
	return pthread_setaffinity_np(reaper->thread, sizeof(other), &other) == 0;
}

static int hand_off_and_wait(struct td_reaper *reaper, struct td_range *r, struct td_result *res,
			     char *err, size_t errlen)
{
	uint64_t t0, t1, end;

	reaper_wait_idle(reaper);
	t0 = kmb_now_ns();
	reaper_hand_off(reaper, r->addr, r->len);
	t1 = kmb_now_ns();
	if (wait_freed(reaper, r, &end, err, errlen))
		return -1;
	res->fg_ns = t1 - t0;
	res->bg_ns = end - t0;
	return 0;
}

static int deferred_measure(struct td_reaper *reaper, const struct kmb_bench_ctx *ctx,
			    struct td_result *res, char *err, size_t errlen)
{
	struct td_pin pin;
	struct td_range r;
	bool own_cpu;
	int ret;

	if (td_range_prepare(&r, ctx->size, err, errlen))
		return -1;
	if (td_pin_here(&pin, err, errlen)) {
		munmap(r.addr, r.len);
		return -1;
	}
	own_cpu = reaper_move_away(reaper, &pin);
	ret = hand_off_and_wait(reaper, &r, res, err, errlen);
	td_unpin(&pin);
	if (ret)
		return -1;
	td_extra(res, "reaper_own_cpu", own_cpu ? 1.0 : 0.0, 0);
	return td_range_check_freed(&r, res, err, errlen);
}

static int deferred_iteration(const struct kmb_bench_ctx *ctx, struct td_result *res, char *err,
			      size_t errlen)
{
	struct td_reaper reaper;
	int ret, munmap_err;

	/* Started before the census so its stack is in the RssAnon baseline. */
	if (reaper_start(&reaper, err, errlen))
		return -1;
	ret = deferred_measure(&reaper, ctx, res, err, errlen);
	munmap_err = reaper_stop(&reaper);
	if (munmap_err && !ret) {
		snprintf(err, errlen, "munmap in the reaper failed: %s", strerror(munmap_err));
		ret = -1;
	}
	return ret;
}

static void run_deferred(gb_state *st, const struct kmb_bench_ctx *ctx)
{
	td_run(st, ctx, deferred_iteration);
}

/* ---- the family ---- */

#define TD_NEEDS KMB_NEED(KMB_CAP_PAGEMAP_CENSUS)

static const struct kmb_bench_def teardown_defs[] = {
	{
		.name = "teardown/munmap",
		.description = "synchronous teardown: munmap of a populated anonymous range",
		.needs = TD_NEEDS,
		.sized = true,
		.default_sizes = "256M",
		.unit = GB_MS,
		.iterations = 1,
		.run = run_munmap,
	},
	{
		.name = "teardown/exit",
		.description = "synchronous teardown: a child's exit, from the signal until waitpid",
		.sized = true,
		.default_sizes = "256M",
		.unit = GB_MS,
		.iterations = 1,
		.run = td_run_exit,
	},
	{
		.name = "teardown/deferred",
		.description = "hand the range to a reaper thread; background GiB/s until RSS drops",
		.needs = TD_NEEDS,
		.sized = true,
		.default_sizes = "256M",
		.unit = GB_MS,
		.iterations = 1,
		.run = run_deferred,
	},
	{
		.name = "teardown/process_mrelease",
		.description = "SIGKILL a populated child, then process_mrelease reaps its memory",
		.needs = KMB_NEED(KMB_CAP_PROCESS_MRELEASE),
		.sized = true,
		.default_sizes = "256M",
		.unit = GB_MS,
		.iterations = 1,
		.run = td_run_process_mrelease,
	},
	{
		.name = "teardown/kvm_vm_close",
		.description = "close a KVM VM fd whose memslot maps a populated range, then munmap it",
		.needs = TD_NEEDS | KMB_NEED(KMB_CAP_KVM),
		.sized = true,
		.default_sizes = "256M",
		.unit = GB_MS,
		.iterations = 1,
		.run = td_run_kvm_vm_close,
	},
};

KMB_FAMILY(teardown, "synchronous vs deferred teardown of populated memory (lazy destroy)",
	   teardown_defs)
