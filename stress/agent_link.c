// SPDX-License-Identifier: GPL-2.0-only
#include "agent_link.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int connect_once(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	close(fd);
	return -1;
}

int kmb_agent_connect(struct kmb_agent *a, const char *path, json_t *log, uint64_t t0_ns,
		      int timeout_ms, char *err, size_t errlen)
{
	uint64_t deadline = kmb_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct timespec nap = { .tv_nsec = 20 * 1000 * 1000 };

	memset(a, 0, sizeof(*a));
	a->t0_ns = t0_ns;
	a->log = log ? json_incref(log) : json_array();
	for (;;) {
		a->fd = connect_once(path);
		if (a->fd >= 0)
			return 0;
		if ((errno != ENOENT && errno != ECONNREFUSED) || kmb_now_ns() > deadline)
			break;
		nanosleep(&nap, NULL);
	}
	snprintf(err, errlen, "cannot connect to the guest agent socket %s: %s", path,
		 strerror(errno));
	return -1;
}

void kmb_agent_close(struct kmb_agent *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	json_decref(a->log);
	a->log = NULL;
}

static void log_line(struct kmb_agent *a, const char *dir, const char *line)
{
	json_array_append_new(a->log, json_pack("{s:f, s:s, s:s}", "t",
						(double)(kmb_now_ns() - a->t0_ns) / 1e9, "dir",
						dir, "line", line));
}

/* Next complete line into out; 0, or -1 on timeout/EOF (err). */
static int read_line(struct kmb_agent *a, char *out, size_t outlen, uint64_t deadline, char *err,
		     size_t errlen)
{
	for (;;) {
		char *nl = memchr(a->buf, '\n', a->len);
		struct pollfd pfd = { .fd = a->fd, .events = POLLIN };
		int64_t left_ms;
		ssize_t n;

		if (nl) {
			size_t linelen = (size_t)(nl - a->buf);

			*nl = '\0';
			if (linelen && a->buf[linelen - 1] == '\r')
				a->buf[linelen - 1] = '\0';
			snprintf(out, outlen, "%s", a->buf);
			memmove(a->buf, nl + 1, a->len - linelen - 1);
			a->len -= linelen + 1;
			log_line(a, "in", out);
			return 0;
		}
		if (a->len == sizeof(a->buf))
			a->len = 0; /* an overlong line: drop it */
		left_ms = ((int64_t)deadline - (int64_t)kmb_now_ns()) / 1000000;
		if (left_ms <= 0) {
			snprintf(err, errlen, "guest agent: no reply in time");
			return -1;
		}
		if (poll(&pfd, 1, (int)(left_ms > 1000 ? 1000 : left_ms)) < 0 && errno != EINTR) {
			snprintf(err, errlen, "guest agent: poll: %s", strerror(errno));
			return -1;
		}
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		n = read(a->fd, a->buf + a->len, sizeof(a->buf) - a->len);
		if (n <= 0) {
			snprintf(err, errlen, "guest agent: connection closed (QEMU exited?)");
			return -1;
		}
		a->len += (size_t)n;
	}
}

int kmb_agent_wait_ready(struct kmb_agent *a, int timeout_ms, char *err, size_t errlen)
{
	uint64_t deadline = kmb_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	char line[512];
	int version;

	for (;;) {
		if (read_line(a, line, sizeof(line), deadline, err, errlen)) {
			snprintf(err, errlen, "guest agent: no READY line within %d s",
				 timeout_ms / 1000);
			return -1;
		}
		if (sscanf(line, "KMBAGENT %d READY", &version) != 1)
			continue; /* console noise or a stale reply */
		if (version != KMB_AGENT_PROTO) {
			snprintf(err, errlen, "guest agent speaks protocol %d, kmb knows %d",
				 version, KMB_AGENT_PROTO);
			return -1;
		}
		return 0;
	}
}

static bool is_reply(const char *line, const char *word)
{
	size_t n = strlen(word);

	if (!strcmp(word, "PING"))
		return !strcmp(line, "PONG") || !strncmp(line, "ERR PING", 8);
	return (!strncmp(line, "OK ", 3) && !strncmp(line + 3, word, n) &&
		(line[3 + n] == ' ' || !line[3 + n])) ||
	       (!strncmp(line, "ERR ", 4) && !strncmp(line + 4, word, n));
}

int kmb_agent_cmd(struct kmb_agent *a, const char *cmd, char *reply, size_t replylen,
		  int timeout_ms, char *err, size_t errlen)
{
	uint64_t deadline = kmb_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	char word[32], line[512];
	size_t len = strlen(cmd);

	snprintf(word, sizeof(word), "%.*s", (int)strcspn(cmd, " "), cmd);
	log_line(a, "out", cmd);
	if (send(a->fd, cmd, len, MSG_NOSIGNAL) != (ssize_t)len ||
	    send(a->fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		snprintf(err, errlen, "guest agent: cannot send %s: %s", word, strerror(errno));
		return -1;
	}
	for (;;) {
		if (read_line(a, line, sizeof(line), deadline, err, errlen)) {
			snprintf(err, errlen, "guest agent: no reply to %s within %d s", word,
				 timeout_ms / 1000);
			return -1;
		}
		if (is_reply(line, word))
			break;
	}
	snprintf(reply, replylen, "%s", line);
	return strncmp(line, "ERR", 3) ? 0 : 1;
}

int kmb_agent_send(struct kmb_agent *a, const char *cmd)
{
	size_t len = strlen(cmd);

	log_line(a, "out", cmd);
	if (send(a->fd, cmd, len, MSG_NOSIGNAL) != (ssize_t)len ||
	    send(a->fd, "\n", 1, MSG_NOSIGNAL) != 1)
		return -1;
	return 0;
}

long long kmb_agent_field(const char *reply, const char *key)
{
	size_t n = strlen(key);
	const char *p = reply;

	while ((p = strstr(p, key))) {
		if ((p == reply || p[-1] == ' ') && p[n] == '=')
			return strtoll(p + n + 1, NULL, 10);
		p += n;
	}
	return -1;
}
