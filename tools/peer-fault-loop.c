// SPDX-License-Identifier: GPL-2.0-only
/*
 * A peer for scripts/peer-check, written apart from kmb's own benchmark code:
 * the loop will-it-scale's page_fault1 runs in one process (mmap a private
 * anonymous range, write one byte per page, munmap it), repeated, timed as a
 * whole (mmap and munmap included, as page_fault1 counts them). Prints the
 * mean over the rounds in nanoseconds per page: "ns_per_page <value>".
 *
 * usage: peer-fault-loop MIB ROUNDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE), mib, rounds, r;
	size_t len, off;
	double t0, total = 0;
	char *p;

	if (argc != 3 || (mib = atol(argv[1])) <= 0 || (rounds = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: peer-fault-loop MIB ROUNDS\n");
		return 2;
	}
	len = (size_t)mib << 20;
	for (r = 0; r < rounds; r++) {
		t0 = now_ns();
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		for (off = 0; off < len; off += (size_t)page)
			p[off] = 1;
		munmap(p, len);
		total += now_ns() - t0;
	}
	printf("ns_per_page %.3f\n", total / (double)rounds / (double)(len / (size_t)page));
	return 0;
}
