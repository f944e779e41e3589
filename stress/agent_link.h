/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of the guest agent's line protocol (stress/guest/README.md):
 * a unix socket connected to the QEMU chardev that backs the guest's second
 * serial port. Lines are short, one command at a time.
 */
#ifndef KMB_AGENT_LINK_H
#define KMB_AGENT_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define KMB_AGENT_PROTO 1

struct kmb_agent {
	int fd;
	char buf[4096];
	size_t len;
	json_t *log;	/* every line both ways: [{"t", "dir": "in"|"out", "line"}] */
	uint64_t t0_ns;
};

/*
 * Connect to the chardev socket, retrying until timeout_ms; 0 or -1 (err).
 * Every line both ways is appended to log (a JSON array the caller owns),
 * its time "t" in seconds since t0_ns (kmb_now_ns clock: the run's start).
 */
int kmb_agent_connect(struct kmb_agent *a, const char *path, json_t *log, uint64_t t0_ns,
		      int timeout_ms, char *err, size_t errlen);
void kmb_agent_close(struct kmb_agent *a);

/* Wait for "KMBAGENT <v> READY ..."; checks the protocol version. */
int kmb_agent_wait_ready(struct kmb_agent *a, int timeout_ms, char *err, size_t errlen);

/*
 * Send one command line and wait for its reply ("OK <CMD> ...", "PONG" or
 * "ERR <CMD> ..."), skipping repeated READY lines. The reply line is copied
 * to reply. Returns 0 for OK/PONG, 1 for ERR (reply says why), -1 for I/O
 * failure or timeout (err).
 */
int kmb_agent_cmd(struct kmb_agent *a, const char *cmd, char *reply, size_t replylen,
		  int timeout_ms, char *err, size_t errlen);

/* Send a command without waiting for its reply (DIRTY ... 0 runs until STOP). */
int kmb_agent_send(struct kmb_agent *a, const char *cmd);

/* Value of key=value in a reply line, as an integer; -1 if absent. */
long long kmb_agent_field(const char *reply, const char *key);

#endif
