/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A QMP client over a unix socket: greeting, capabilities negotiation,
 * synchronous commands, and every asynchronous event kept with its time of
 * arrival. One connection per QEMU; not thread-safe.
 */
#ifndef KMB_QMP_H
#define KMB_QMP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct kmb_qmp;

/*
 * Connect to path, retrying until timeout_ms (QEMU creates the socket a bit
 * after it starts), read the greeting and send qmp_capabilities. NULL with a
 * one-line reason in err.
 */
struct kmb_qmp *kmb_qmp_connect(const char *path, int timeout_ms, char *err, size_t errlen);
void kmb_qmp_close(struct kmb_qmp *q);

/* QEMU's version from the greeting ("8.2.2"), or "". */
const char *kmb_qmp_version(const struct kmb_qmp *q);

/*
 * Execute a command; args may be NULL (stolen reference otherwise). Returns
 * the "return" value (new reference; an empty object for {}), or NULL with
 * err = "<command>: <error class>: <desc>" or the I/O problem (timeout,
 * connection closed: QEMU died).
 */
json_t *kmb_qmp_exec(struct kmb_qmp *q, const char *command, json_t *args, int timeout_ms,
		     char *err, size_t errlen);

/*
 * Read whatever events are pending without blocking (or wait up to timeout_ms
 * for at least one). Returns the number of new events, -1 when the connection
 * is gone.
 */
int kmb_qmp_poll_events(struct kmb_qmp *q, int timeout_ms);

/*
 * Events received so far: array of {"event": NAME, "data": {...},
 * "timestamp": {"seconds", "microseconds"} (QEMU's), "t": seconds since
 * kmb_qmp_connect on the host's monotonic clock}. Borrowed reference.
 */
json_t *kmb_qmp_events(const struct kmb_qmp *q);

/* Wait until an event named name arrives (after index from), up to timeout_ms;
 * returns it (borrowed) or NULL on timeout / connection loss. */
json_t *kmb_qmp_wait_event(struct kmb_qmp *q, const char *name, size_t from, int timeout_ms);

/* When the connection was made (kmb_now_ns clock): events' "t" counts from it. */
uint64_t kmb_qmp_connected_ns(const struct kmb_qmp *q);

/* The socket's fd (for poll), -1 when closed. */
int kmb_qmp_fd(const struct kmb_qmp *q);

#endif
