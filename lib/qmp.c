// SPDX-License-Identifier: GPL-2.0-only
/*
 * QMP speaks one JSON object per line. The socket is non-blocking and every
 * wait goes through poll() with a deadline, so a hung or dead QEMU costs a
 * timeout, never a stuck benchmark. Bytes are collected in a buffer and only
 * complete lines are parsed: a message may arrive in any number of pieces.
 *
 * Replies are matched by the "id" we send. A command that timed out leaves
 * its id in "abandoned", so its late reply is dropped instead of being taken
 * for the next command's.
 */
#include "qmp.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define QMP_BUF_INIT 4096
/* Far above any real reply (query-qmp-schema is well under a MiB): a runaway peer. */
#define QMP_MSG_MAX (64 * KMB_MIB)
#define QMP_CONNECT_RETRY_MS 20

static const char qmp_closed[] = "QMP connection closed (QEMU exited?)";

struct kmb_qmp {
	int fd;
	char *buf;
	size_t len, cap;
	size_t scanned;		/* buf[0..scanned) holds no newline */
	uint64_t t0;		/* when the socket connected */
	unsigned long next_id;
	json_t *events;
	json_t *abandoned;	/* ids of commands that timed out: late replies to drop */
	char version[64];
};

static uint64_t deadline_after(int timeout_ms)
{
	return kmb_now_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000ULL;
}

/* Milliseconds until deadline, rounded up so a wait never ends early. */
static int ms_left(uint64_t deadline)
{
	uint64_t now = kmb_now_ns(), ms;

	if (now >= deadline)
		return 0;
	ms = (deadline - now + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void set_closed(struct kmb_qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

/* A QEMU that exits leaves EOF or a reset; both mean the same to the caller. */
static int gone(struct kmb_qmp *q, int e, const char *what, char *err, size_t errlen)
{
	set_closed(q);
	if (!e || e == ECONNRESET || e == EPIPE)
		snprintf(err, errlen, "%s", qmp_closed);
	else
		snprintf(err, errlen, "QMP %s: %s", what, strerror(e));
	return -1;
}

/* Room for one more read; a message may be far larger than QMP_BUF_INIT. */
static int make_room(struct kmb_qmp *q, char *err, size_t errlen)
{
	size_t cap = q->cap * 2;
	char *buf;

	if (q->cap - q->len >= QMP_BUF_INIT / 2)
		return 0;
	if (cap > QMP_MSG_MAX) {
		set_closed(q);
		snprintf(err, errlen, "QMP message larger than %llu MiB",
			 (unsigned long long)(QMP_MSG_MAX / KMB_MIB));
		return -1;
	}
	buf = realloc(q->buf, cap);
	if (!buf) {
		snprintf(err, errlen, "QMP: out of memory");
		return -1;
	}
	q->buf = buf;
	q->cap = cap;
	return 0;
}

/* Wait up to timeout_ms for bytes: 1 got some, 0 timed out, -1 error (err set). */
static int read_more(struct kmb_qmp *q, int timeout_ms, char *err, size_t errlen)
{
	uint64_t deadline = deadline_after(timeout_ms);
	struct pollfd p = { .fd = q->fd, .events = POLLIN };
	ssize_t n;
	int r;

	if (q->fd < 0)
		return gone(q, 0, "recv", err, errlen);
	if (make_room(q, err, errlen))
		return -1;
	for (;;) {
		r = poll(&p, 1, ms_left(deadline));
		if (r < 0 && errno != EINTR)
			return gone(q, errno, "poll", err, errlen);
		if (r > 0) {
			n = recv(q->fd, q->buf + q->len, q->cap - q->len, MSG_DONTWAIT);
			if (n > 0) {
				q->len += n;
				return 1;
			}
			if (n == 0)
				return gone(q, 0, "recv", err, errlen);
			if (errno != EAGAIN && errno != EINTR)
				return gone(q, errno, "recv", err, errlen);
		}
		if (!ms_left(deadline))
			return 0;
	}
}

static bool blank(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++, n--;
	return !n;
}

/*
 * Take the next complete line out of the buffer and parse it. NULL when no
 * line is complete yet, or (with *bad set and err filled) when the line is not
 * a JSON object; a bad line is dropped so the stream stays usable.
 */
static json_t *take_line(struct kmb_qmp *q, bool *bad, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *msg = NULL;
	char *nl;
	size_t n;

	*bad = false;
	while (!msg && !*bad) {
		nl = memchr(q->buf + q->scanned, '\n', q->len - q->scanned);
		if (!nl) {
			q->scanned = q->len;
			return NULL;
		}
		n = nl - q->buf;
		if (!blank(q->buf, n)) {
			msg = json_loadb(q->buf, n, 0, &jerr);
			if (!msg || !json_is_object(msg)) {
				snprintf(err, errlen, "QMP: bad message: %s",
					 msg ? "not a JSON object" : jerr.text);
				json_decref(msg);
				msg = NULL;
				*bad = true;
			}
		}
		memmove(q->buf, nl + 1, q->len - n - 1);
		q->len -= n + 1;
		q->scanned = 0;
	}
	return msg;
}

/* Next message before deadline: 1 with *msg, 0 on timeout, -1 with err. */
static int next_message(struct kmb_qmp *q, uint64_t deadline, json_t **msg, char *err,
			size_t errlen)
{
	bool bad;
	int r;

	for (;;) {
		*msg = take_line(q, &bad, err, errlen);
		if (*msg)
			return 1;
		if (bad)
			return -1;
		r = read_more(q, ms_left(deadline), err, errlen);
		if (r <= 0)
			return r;
	}
}

static bool is_event(const json_t *msg)
{
	return json_is_string(json_object_get(msg, "event"));
}

/* Keep an event with the host's time of arrival; steals msg. */
static void store_event(struct kmb_qmp *q, json_t *msg)
{
	json_object_set_new(msg, "t", json_real((kmb_now_ns() - q->t0) / 1e9));
	/* Some events (STOP, RESUME) carry no data; readers get {} anyway. */
	if (!json_object_get(msg, "data"))
		json_object_set_new(msg, "data", json_object());
	json_array_append_new(q->events, msg);
}

/* A late reply to a command we gave up on: forget the id, drop the reply. */
static bool drop_if_abandoned(struct kmb_qmp *q, json_t *msg)
{
	const char *id = json_string_value(json_object_get(msg, "id"));

	if (!id || !json_object_get(q->abandoned, id))
		return false;
	json_object_del(q->abandoned, id);
	json_decref(msg);
	return true;
}

/*
 * File the complete lines already buffered. After a reply this keeps the
 * buffer empty of events, so a caller polling kmb_qmp_fd() misses none.
 */
static void drain_buffered(struct kmb_qmp *q)
{
	char err[160];
	json_t *msg;
	bool bad;

	while ((msg = take_line(q, &bad, err, sizeof(err))) || bad) {
		if (!msg)
			continue;
		if (is_event(msg))
			store_event(q, msg);
		else if (!drop_if_abandoned(q, msg))
			json_decref(msg);	/* no command waits for it */
	}
}

/*
 * The peer is gone (EPIPE) or broken. What QEMU wrote before it went, like
 * its SHUTDOWN event, still sits in the socket: file it, then close.
 */
static int send_failed(struct kmb_qmp *q, int e, char *err, size_t errlen)
{
	while (read_more(q, 0, err, errlen) > 0)
		drain_buffered(q);
	drain_buffered(q);
	return gone(q, e, "send", err, errlen);
}

/* Write all of buf before deadline without ever raising SIGPIPE. */
static int send_all(struct kmb_qmp *q, const char *command, const char *buf, size_t len,
		    uint64_t deadline, char *err, size_t errlen)
{
	struct pollfd p = { .fd = q->fd, .events = POLLOUT };
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = send(q->fd, buf + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			done += n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return send_failed(q, errno, err, errlen);
		if (!ms_left(deadline) || (poll(&p, 1, ms_left(deadline)) < 0 && errno != EINTR)) {
			/* Half a command in QEMU's buffer would garble the next one. */
			if (done)
				set_closed(q);
			snprintf(err, errlen, "%s: could not send the command in time", command);
			return -1;
		}
	}
	return 0;
}

static void format_error(const char *command, const json_t *error, char *err, size_t errlen)
{
	const char *class = json_string_value(json_object_get(error, "class"));
	const char *desc = json_string_value(json_object_get(error, "desc"));

	snprintf(err, errlen, "%s: %s: %s", command, class ? class : "?", desc ? desc : "?");
}

/* Judge the reply to the command sent with id; steals msg. */
static json_t *take_reply(const char *command, const char *id, json_t *msg, char *err,
			  size_t errlen)
{
	const json_t *error = json_object_get(msg, "error");
	const json_t *mid = json_object_get(msg, "id");
	json_t *ret = json_object_get(msg, "return");

	if (!json_is_string(mid) || strcmp(json_string_value(mid), id)) {
		if (!mid && json_is_object(error))	/* QEMU could not even read the id */
			format_error(command, error, err, errlen);
		else
			snprintf(err, errlen, "%s: reply for id \"%s\", expected \"%s\"", command,
				 json_is_string(mid) ? json_string_value(mid) : "(none)", id);
		ret = NULL;
	} else if (json_is_object(error)) {
		format_error(command, error, err, errlen);
		ret = NULL;
	} else if (!ret) {
		snprintf(err, errlen, "%s: reply has neither return nor error", command);
	}
	json_incref(ret);
	json_decref(msg);
	return ret;
}

static char *request_text(const char *command, const char *id, json_t *args, size_t *len)
{
	json_t *req = json_pack("{s:s, s:s}", "execute", command, "id", id);
	char *text, *line;

	if (!req) {
		json_decref(args);
		return NULL;
	}
	if (args)
		json_object_set_new(req, "arguments", args);
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!text)
		return NULL;
	*len = strlen(text);
	line = realloc(text, *len + 2);
	if (!line) {
		free(text);
		return NULL;
	}
	line[(*len)++] = '\n';
	line[*len] = '\0';
	return line;
}

/*
 * Wait for the reply to id, filing events that come first. A failure that
 * leaves the connection open also abandons id: should the reply still come,
 * the next command must not take it for its own.
 */
static json_t *await_reply(struct kmb_qmp *q, const char *command, const char *id,
			   uint64_t deadline, int timeout_ms, char *err, size_t errlen)
{
	json_t *msg;
	int r;

	for (;;) {
		r = next_message(q, deadline, &msg, err, errlen);
		if (r == 0)
			snprintf(err, errlen, "%s: no reply within %d ms", command, timeout_ms);
		if (r <= 0)
			break;
		if (is_event(msg)) {
			store_event(q, msg);
			continue;
		}
		if (drop_if_abandoned(q, msg))
			continue;
		if (json_object_get(msg, "return") || json_object_get(msg, "error")) {
			json_t *mid = json_object_get(msg, "id");
			bool ours = json_is_string(mid) && !strcmp(json_string_value(mid), id);
			json_t *ret = take_reply(command, id, msg, err, errlen);

			drain_buffered(q);
			if (ours)
				return ret;
			break;
		}
		snprintf(err, errlen, "%s: unexpected QMP message", command);
		json_decref(msg);
		break;
	}
	if (q->fd >= 0)
		json_object_set_new(q->abandoned, id, json_true());
	return NULL;
}

json_t *kmb_qmp_exec(struct kmb_qmp *q, const char *command, json_t *args, int timeout_ms,
		     char *err, size_t errlen)
{
	uint64_t deadline = deadline_after(timeout_ms);
	char id[32], *line;
	size_t len;

	if (args && !json_is_object(args)) {
		json_decref(args);
		snprintf(err, errlen, "%s: arguments must be a JSON object", command);
		return NULL;
	}
	if (!q || q->fd < 0) {
		json_decref(args);
		snprintf(err, errlen, "%s", qmp_closed);
		return NULL;
	}
	snprintf(id, sizeof(id), "kmb-%lu", ++q->next_id);
	line = request_text(command, id, args, &len);
	if (!line) {
		snprintf(err, errlen, "%s: cannot encode the command", command);
		return NULL;
	}
	if (send_all(q, command, line, len, deadline, err, errlen)) {
		free(line);
		return NULL;
	}
	free(line);
	return await_reply(q, command, id, deadline, timeout_ms, err, errlen);
}

static bool retryable(int e)
{
	return e == ENOENT || e == ECONNREFUSED || e == EAGAIN || e == EINTR;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* QEMU creates the socket some time after it starts: retry until deadline. */
static int connect_retry(struct kmb_qmp *q, const char *path, uint64_t deadline, int timeout_ms,
			 char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, e, left;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "QMP socket path too long: %s", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			snprintf(err, errlen, "QMP socket: %s", strerror(errno));
			return -1;
		}
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			q->fd = fd;
			return 0;
		}
		e = errno;
		close(fd);
		left = ms_left(deadline);
		if (!retryable(e) || !left) {
			snprintf(err, errlen, "connect %s: %s", path, strerror(e));
			if (retryable(e))
				snprintf(err + strlen(err), errlen - strlen(err),
					 " (gave up after %d ms)", timeout_ms);
			return -1;
		}
		sleep_ms(left < QMP_CONNECT_RETRY_MS ? left : QMP_CONNECT_RETRY_MS);
	}
}

/* "8.2.2" from {"QMP": {"version": {"qemu": {"major", "minor", "micro"}}}}. */
static void parse_version(struct kmb_qmp *q, const json_t *greeting)
{
	json_int_t major, minor, micro;
	json_t *v = json_object_get(json_object_get(greeting, "version"), "qemu");

	if (json_unpack(v, "{s:I, s:I, s:I}", "major", &major, "minor", &minor, "micro", &micro))
		return;
	snprintf(q->version, sizeof(q->version),
		 "%" JSON_INTEGER_FORMAT ".%" JSON_INTEGER_FORMAT ".%" JSON_INTEGER_FORMAT, major,
		 minor, micro);
}

static int read_greeting(struct kmb_qmp *q, const char *path, uint64_t deadline, int timeout_ms,
			 char *err, size_t errlen)
{
	json_t *msg, *qmp;
	int r = next_message(q, deadline, &msg, err, errlen);

	if (r == 0)
		snprintf(err, errlen, "%s: no QMP greeting within %d ms", path, timeout_ms);
	if (r <= 0)
		return -1;
	qmp = json_object_get(msg, "QMP");
	if (!json_is_object(qmp)) {
		snprintf(err, errlen, "%s: not a QMP greeting", path);
		json_decref(msg);
		return -1;
	}
	parse_version(q, qmp);
	json_decref(msg);
	return 0;
}

static struct kmb_qmp *qmp_alloc(void)
{
	struct kmb_qmp *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->fd = -1;
	q->cap = QMP_BUF_INIT;
	q->buf = malloc(q->cap);
	q->events = json_array();
	q->abandoned = json_object();
	if (!q->buf || !q->events || !q->abandoned) {
		kmb_qmp_close(q);
		return NULL;
	}
	return q;
}

struct kmb_qmp *kmb_qmp_connect(const char *path, int timeout_ms, char *err, size_t errlen)
{
	uint64_t deadline = deadline_after(timeout_ms);
	struct kmb_qmp *q = qmp_alloc();
	json_t *ret;

	if (!q) {
		snprintf(err, errlen, "QMP: out of memory");
		return NULL;
	}
	if (connect_retry(q, path, deadline, timeout_ms, err, errlen))
		goto fail;
	q->t0 = kmb_now_ns();
	if (read_greeting(q, path, deadline, timeout_ms, err, errlen))
		goto fail;
	ret = kmb_qmp_exec(q, "qmp_capabilities", NULL, ms_left(deadline), err, errlen);
	if (!ret)
		goto fail;
	json_decref(ret);
	return q;
fail:
	kmb_qmp_close(q);
	return NULL;
}

void kmb_qmp_close(struct kmb_qmp *q)
{
	if (!q)
		return;
	set_closed(q);
	free(q->buf);
	json_decref(q->events);
	json_decref(q->abandoned);
	free(q);
}

const char *kmb_qmp_version(const struct kmb_qmp *q)
{
	return q ? q->version : "";
}

int kmb_qmp_poll_events(struct kmb_qmp *q, int timeout_ms)
{
	uint64_t deadline = deadline_after(timeout_ms);
	size_t before;
	char err[160];
	int r, fresh;

	if (!q)
		return -1;
	before = json_array_size(q->events);
	drain_buffered(q);
	for (;;) {
		fresh = (int)(json_array_size(q->events) - before);
		if (q->fd < 0)
			return fresh ? fresh : -1;
		/* Once something came, only take what is already there. */
		r = read_more(q, fresh ? 0 : ms_left(deadline), err, sizeof(err));
		drain_buffered(q);
		fresh = (int)(json_array_size(q->events) - before);
		/* A peer that never stops talking must not hold us past the deadline. */
		if (!r || (fresh && !ms_left(deadline)))
			return fresh;
		if (r < 0 && q->fd >= 0)	/* out of memory: the socket is still fine */
			return fresh ? fresh : -1;
	}
}

uint64_t kmb_qmp_connected_ns(const struct kmb_qmp *q)
{
	return q->t0;
}

json_t *kmb_qmp_events(const struct kmb_qmp *q)
{
	return q ? q->events : NULL;
}

json_t *kmb_qmp_wait_event(struct kmb_qmp *q, const char *name, size_t from, int timeout_ms)
{
	uint64_t deadline = deadline_after(timeout_ms);
	bool last = false;
	json_t *ev;
	size_t i;

	if (!q)
		return NULL;
	for (i = from;;) {
		for (; i < json_array_size(q->events); i++) {
			ev = json_array_get(q->events, i);
			if (!strcmp(json_string_value(json_object_get(ev, "event")), name))
				return ev;
		}
		if (last)
			return NULL;
		/* The deadline passed: one more look without waiting, then give up. */
		if (kmb_qmp_poll_events(q, ms_left(deadline)) < 0)
			return NULL;
		last = !ms_left(deadline);
	}
}

int kmb_qmp_fd(const struct kmb_qmp *q)
{
	return q ? q->fd : -1;
}
