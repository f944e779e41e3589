// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmb-agent: the stress guest's agent. Built static (gcc -static -O2) and
 * started by the initramfs /init, it talks to the host over one serial line
 * with a versioned line protocol (see stress/guest/README.md):
 *
 *   -> KMBAGENT 1 READY mem_total_kib=<n>     (repeated every 2 s until a
 *                                               first command arrives)
 *   <- FILL <pattern_mib> <zero_mib> <seed> [read]
 *   <- DIRTY <mib_per_s> <seconds>            (seconds 0: until STOP)
 *   <- VERIFY | STAT | PING | STOP | QUIT
 *   <- CORRUPT <page>                          (self-test of VERIFY)
 *   -> OK <CMD> key=value... | PONG | ERR <CMD> <reason> [key=value...]
 *
 * Usage: kmb-agent [DEVICE]   DEVICE defaults to /dev/ttyS1; "-" uses
 * stdin/stdout, which lets the agent be tested on the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PROTO_VERSION 1
#define LINE_MAX_LEN 256
#define MAX_TOKENS 8
#define READY_REPEAT_MS 2000
/* DIRTY works in batches so that it can answer PING/STAT/STOP in between. */
#define DIRTY_BATCH 256
#define DIRTY_IDLE_MS 10
/* Far above any guest; keeps the size arithmetic from overflowing. */
#define MAX_FILL_MIB (1ULL << 30)

struct reader {
	int fd;
	char buf[LINE_MAX_LEN];
	size_t len;
	bool overflow; /* dropping the rest of a line that is too long */
	bool eof;
};

struct fill {
	uint8_t *pattern; /* pattern pages, each its own seeded stream */
	uint32_t *gen;	  /* per pattern page: how often DIRTY rewrote it */
	size_t pattern_pages;
	uint8_t *zero; /* zero pages: must read back as zero */
	size_t zero_pages;
	uint64_t seed;
	size_t dirty_cursor; /* DIRTY goes round-robin, on from here */
	bool valid;
};

static int out_fd = 1;
static size_t page_size;
static struct fill fill;
static bool dirty_stop;
static bool quit;

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void reply(const char *fmt, ...)
{
	char line[LINE_MAX_LEN + 64];
	va_list ap;
	size_t off = 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	while (off < (size_t)n) {
		ssize_t w = write(out_fd, line + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the host is gone; nothing to tell */
		off += w;
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- the pattern: splitmix64 keys a page, xorshift64 fills it ---- */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The key depends on the generation, so a page DIRTY missed or lost reads wrong. */
static uint64_t page_key(size_t page, uint32_t gen)
{
	return mix64(fill.seed ^ mix64(page ^ ((uint64_t)gen << 40))) | 1;
}

static uint64_t xorshift64(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	return x ^ (x << 17);
}

static void page_write(size_t page)
{
	uint64_t *p = (uint64_t *)(fill.pattern + page * page_size);
	uint64_t x = page_key(page, fill.gen[page]);
	size_t i;

	for (i = 0; i < page_size / sizeof(*p); i++) {
		x = xorshift64(x);
		p[i] = x;
	}
}

static bool page_ok(size_t page)
{
	const uint64_t *p = (const uint64_t *)(fill.pattern + page * page_size);
	uint64_t x = page_key(page, fill.gen[page]);
	size_t i;

	for (i = 0; i < page_size / sizeof(*p); i++) {
		x = xorshift64(x);
		if (p[i] != x)
			return false;
	}
	return true;
}

static bool zero_page_ok(size_t page)
{
	const uint64_t *p = (const uint64_t *)(fill.zero + page * page_size);
	size_t i;

	for (i = 0; i < page_size / sizeof(*p); i++)
		if (p[i])
			return false;
	return true;
}

/* ---- /proc ---- */

/* A "Key: <n>" (meminfo) or "key <n>" (vmstat) value; -1 when absent. */
static long long proc_value(const char *path, const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0 && (line[klen] == ':' || line[klen] == ' ')) {
			v = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* ---- commands ---- */

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

static void *map_anon(size_t bytes)
{
	void *p;

	if (!bytes)
		return NULL;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void fill_release(void)
{
	if (fill.pattern)
		munmap(fill.pattern, fill.pattern_pages * page_size);
	if (fill.gen)
		munmap(fill.gen, fill.pattern_pages * sizeof(*fill.gen));
	if (fill.zero)
		munmap(fill.zero, fill.zero_pages * page_size);
	memset(&fill, 0, sizeof(fill));
}

static bool fill_map(uint64_t pattern_mib, uint64_t zero_mib)
{
	size_t per_mib = (1 << 20) / page_size;

	fill.pattern_pages = pattern_mib * per_mib;
	fill.zero_pages = zero_mib * per_mib;
	fill.pattern = map_anon(fill.pattern_pages * page_size);
	fill.gen = map_anon(fill.pattern_pages * sizeof(*fill.gen));
	fill.zero = map_anon(fill.zero_pages * page_size);
	return (fill.pattern || !pattern_mib) && (fill.gen || !pattern_mib) &&
	       (fill.zero || !zero_mib);
}

/*
 * Zero pages are written by default, so the guest really allocates them and
 * the host sees allocated zero pages (what migration's zero-page detection
 * and balloon accounting are about); "read" only read-faults them, which maps
 * the guest's shared zero page and allocates nothing.
 */
static void zero_touch(bool read_only)
{
	size_t i;

	for (i = 0; i < fill.zero_pages; i++) {
		volatile uint8_t *p = fill.zero + i * page_size;

		if (read_only)
			(void)*p;
		else
			*p = 0;
	}
}

static void cmd_fill(char **tok, int ntok)
{
	uint64_t pattern_mib, zero_mib, seed;
	long long avail_kib = proc_value("/proc/meminfo", "MemAvailable");
	bool read_only = ntok == 5 && strcmp(tok[4], "read") == 0;
	double t0;
	size_t i;

	if ((ntok != 4 && !read_only) || !parse_u64(tok[1], &pattern_mib) ||
	    !parse_u64(tok[2], &zero_mib) || !parse_u64(tok[3], &seed)) {
		reply("ERR FILL usage: FILL <pattern_mib> <zero_mib> <seed> [read]");
		return;
	}
	fill_release();
	/* Refuse what cannot fit rather than let the guest OOM-kill the agent. */
	if (pattern_mib > MAX_FILL_MIB || zero_mib > MAX_FILL_MIB ||
	    (avail_kib >= 0 &&
	     (pattern_mib + (read_only ? 0 : zero_mib)) * 1024 > (uint64_t)avail_kib)) {
		reply("ERR FILL too-large mem_available_kib=%lld", avail_kib);
		return;
	}
	if (!fill_map(pattern_mib, zero_mib)) {
		fill_release();
		reply("ERR FILL mmap errno=%d", errno);
		return;
	}
	t0 = now_ms();
	fill.seed = seed;
	for (i = 0; i < fill.pattern_pages; i++)
		page_write(i);
	zero_touch(read_only);
	fill.valid = true;
	reply("OK FILL pattern_pages=%zu zero_pages=%zu seed=%" PRIu64 " zero=%s ms=%.0f",
	      fill.pattern_pages, fill.zero_pages, seed, read_only ? "read" : "write",
	      now_ms() - t0);
}

static void cmd_verify(void)
{
	size_t i, bad = 0, first_bad = 0;
	double t0 = now_ms();

	if (!fill.valid) {
		reply("ERR VERIFY no-fill");
		return;
	}
	/* Pages are numbered pattern first, then zero pages after them. */
	for (i = 0; i < fill.pattern_pages + fill.zero_pages; i++) {
		bool ok =
			i < fill.pattern_pages ? page_ok(i) : zero_page_ok(i - fill.pattern_pages);

		if (!ok && !bad++)
			first_bad = i;
	}
	if (bad)
		reply("ERR VERIFY bad=%zu first_bad_page=%zu pages=%zu", bad, first_bad,
		      fill.pattern_pages + fill.zero_pages);
	else
		reply("OK VERIFY pages=%zu bad=0 pattern_pages=%zu zero_pages=%zu ms=%.0f",
		      fill.pattern_pages + fill.zero_pages, fill.pattern_pages, fill.zero_pages,
		      now_ms() - t0);
}

/* Flip one byte, so the host can check that VERIFY does find damage. */
static void cmd_corrupt(char **tok, int ntok)
{
	uint64_t page;

	if (ntok != 2 || !parse_u64(tok[1], &page)) {
		reply("ERR CORRUPT usage: CORRUPT <page>");
		return;
	}
	if (!fill.valid || page >= fill.pattern_pages + fill.zero_pages) {
		reply("ERR CORRUPT no-such-page");
		return;
	}
	if (page < fill.pattern_pages)
		fill.pattern[page * page_size + page_size / 2] ^= 0x5a;
	else
		fill.zero[(page - fill.pattern_pages) * page_size + page_size / 2] ^= 0x5a;
	reply("OK CORRUPT page=%" PRIu64, page);
}

/*
 * The balloon's size is what its driver took: the vmstat counters count
 * every page enqueued and dequeued (CONFIG_MEMORY_BALLOON). Without them the
 * field is left out, and MemTotal still shows an inflated balloon unless the
 * device offers deflate-on-oom.
 */
static void cmd_stat(void)
{
	long long inflate = proc_value("/proc/vmstat", "balloon_inflate");
	long long deflate = proc_value("/proc/vmstat", "balloon_deflate");
	char balloon[64] = "";

	if (inflate >= 0 && deflate >= 0)
		snprintf(balloon, sizeof(balloon), " balloon_pages=%lld", inflate - deflate);
	reply("OK STAT mem_total_kib=%lld mem_free_kib=%lld mem_available_kib=%lld%s "
	      "pattern_pages=%zu zero_pages=%zu",
	      proc_value("/proc/meminfo", "MemTotal"), proc_value("/proc/meminfo", "MemFree"),
	      proc_value("/proc/meminfo", "MemAvailable"), balloon, fill.pattern_pages,
	      fill.zero_pages);
}

static void dirty_pages(size_t n)
{
	while (n--) {
		size_t page = fill.dirty_cursor;

		fill.gen[page]++;
		page_write(page);
		fill.dirty_cursor = (page + 1) % fill.pattern_pages;
	}
}

static int reader_wait(struct reader *r, int timeout_ms);
static bool reader_line(struct reader *r, char *line);
static void handle_busy(char *line);

static void cmd_dirty(struct reader *r, char **tok, int ntok)
{
	uint64_t rate, seconds;
	double pages_per_ms, t0 = now_ms(), t;
	uint64_t done = 0;
	char line[LINE_MAX_LEN];

	if (ntok != 3 || !parse_u64(tok[1], &rate) || !parse_u64(tok[2], &seconds) || !rate ||
	    rate > MAX_FILL_MIB || seconds > MAX_FILL_MIB) {
		reply("ERR DIRTY usage: DIRTY <mib_per_s> <seconds> (0 seconds: until STOP)");
		return;
	}
	if (!fill.valid || !fill.pattern_pages) {
		reply("ERR DIRTY no-fill");
		return;
	}
	pages_per_ms = rate * (double)((1 << 20) / page_size) / 1e3;
	dirty_stop = false;
	while (!dirty_stop && !r->eof) {
		uint64_t target;

		t = now_ms() - t0;
		if (seconds && t >= seconds * 1e3)
			break;
		target = (uint64_t)(pages_per_ms * t);
		if (target > done) {
			uint64_t n = target - done < DIRTY_BATCH ? target - done : DIRTY_BATCH;

			dirty_pages(n);
			done += n;
		}
		/* Caught up: sleep in poll(); behind: only peek at the line. */
		reader_wait(r, target > done ? 0 : DIRTY_IDLE_MS);
		while (reader_line(r, line))
			handle_busy(line);
	}
	t = now_ms() - t0;
	reply("OK DIRTY pages=%" PRIu64 " ms=%.0f target_mib_s=%" PRIu64 " rate_mib_s=%.1f", done,
	      t, rate, t > 0 ? done * (double)page_size / (1 << 20) / (t / 1e3) : 0.0);
}

static int tokenize(char *line, char **tok)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " \t", &save); t && n < MAX_TOKENS;
	     t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	return n;
}

/* STOP has its own reply; DIRTY's own "OK DIRTY" follows it. */
static void stop_dirty(void)
{
	reply("OK STOP");
	dirty_stop = true;
}

/*
 * While DIRTY runs: liveness and progress only. Every reply still starts
 * with "OK <CMD>" or "ERR <CMD>", so the host can match it to its command.
 */
static void handle_busy(char *line)
{
	char *tok[MAX_TOKENS];
	int n = tokenize(line, tok);

	if (!n)
		return;
	if (!strcmp(tok[0], "PING"))
		reply("PONG");
	else if (!strcmp(tok[0], "STAT"))
		cmd_stat();
	else if (!strcmp(tok[0], "STOP"))
		stop_dirty();
	else
		reply("ERR %.32s busy", tok[0]);
}

static void handle(struct reader *r, char *line)
{
	char *tok[MAX_TOKENS];
	int n = tokenize(line, tok);

	if (!n)
		return;
	if (!strcmp(tok[0], "PING")) {
		reply("PONG");
	} else if (!strcmp(tok[0], "FILL")) {
		cmd_fill(tok, n);
	} else if (!strcmp(tok[0], "DIRTY")) {
		cmd_dirty(r, tok, n);
	} else if (!strcmp(tok[0], "VERIFY")) {
		cmd_verify();
	} else if (!strcmp(tok[0], "STAT")) {
		cmd_stat();
	} else if (!strcmp(tok[0], "CORRUPT")) {
		cmd_corrupt(tok, n);
	} else if (!strcmp(tok[0], "STOP")) {
		reply("ERR STOP not-dirtying");
	} else if (!strcmp(tok[0], "QUIT")) {
		reply("OK QUIT");
		quit = true;
	} else {
		reply("ERR %.32s unknown-command", tok[0]);
	}
}

/* ---- the line ---- */

/*
 * Wait up to timeout_ms for input and take it in; returns the bytes read.
 * Callers take every complete line out after each call, so a full buffer
 * holds a line that is too long: it is dropped up to its newline.
 */
static int reader_wait(struct reader *r, int timeout_ms)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	char *nl;
	ssize_t n;

	if (r->len == sizeof(r->buf)) {
		r->len = 0;
		r->overflow = true;
	}
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	n = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		r->eof = true;
	if (n <= 0)
		return 0;
	r->len += n;
	if (r->overflow) {
		nl = memchr(r->buf, '\n', r->len);
		if (!nl) {
			r->len = 0;
			return n;
		}
		r->len -= nl + 1 - r->buf;
		memmove(r->buf, nl + 1, r->len);
		r->overflow = false;
		reply("ERR LINE too-long");
	}
	return n;
}

/* Take one complete line out of the buffer, without its CR/LF. */
static bool reader_line(struct reader *r, char *line)
{
	char *nl = memchr(r->buf, '\n', r->len);
	size_t len;

	if (!nl)
		return false;
	len = nl - r->buf;
	memcpy(line, r->buf, len);
	line[len] = '\0';
	if (len && line[len - 1] == '\r')
		line[len - 1] = '\0';
	r->len -= len + 1;
	memmove(r->buf, nl + 1, r->len);
	return true;
}

/* Raw, no echo: the host reads only what the agent writes. */
static void make_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		return; /* not a tty (a pipe in host tests) */
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	tcsetattr(fd, TCSANOW, &t);
}

/* hvc0 appears only once virtio_console has probed: give it time. */
static int open_line(const char *dev)
{
	int i, fd = -1;

	for (i = 0; i < 100 && fd < 0; i++) {
		fd = open(dev, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			usleep(100 * 1000);
	}
	return fd;
}

static void ready(void)
{
	reply("KMBAGENT %d READY mem_total_kib=%lld", PROTO_VERSION,
	      proc_value("/proc/meminfo", "MemTotal"));
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/ttyS1";
	struct reader r = { .fd = 0 };
	char line[LINE_MAX_LEN];
	bool commanded = false;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	page_size = sysconf(_SC_PAGESIZE);
	if (strcmp(dev, "-")) {
		r.fd = open_line(dev);
		if (r.fd < 0) {
			fprintf(stderr, "kmb-agent: cannot open %s: %s\n", dev, strerror(errno));
			return 1;
		}
		make_raw(r.fd);
		out_fd = r.fd;
	}
	fprintf(stderr, "kmb-agent: protocol %d on %s\n", PROTO_VERSION, dev);
	ready();
	/* Until the host speaks it may not have been connected: say READY again. */
	while (!quit && !r.eof) {
		if (!reader_wait(&r, commanded ? -1 : READY_REPEAT_MS) && !commanded)
			ready();
		while (!quit && reader_line(&r, line)) {
			commanded = true;
			handle(&r, line);
		}
	}
	return 0;
}
