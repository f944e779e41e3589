// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the QMP client (lib/qmp.c) reading what a QMP server
 * sends: the greeting, replies, errors and events, in any framing.
 *
 * Input: byte 0 holds flags (bit 0: the server closes its end at once, so
 * commands fail to send, instead of only ending its output); byte 1 the
 * number of operations, then one byte per operation (exec, poll, wait for an
 * event, read the events); the rest is the byte stream the server sends. It
 * sits in one end of a socketpair; kmb_qmp_connect() gets the other end in
 * place of a connected socket (connect() to FUZZ_QMP_PATH is replaced, the
 * link has -Wl,--wrap=connect), so everything after the connect is the real
 * client: greeting, qmp_capabilities, commands, events. The server's output
 * always ends, so no wait runs into its timeout.
 */
#include "fuzz.h"
#include "qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#define FUZZ_QMP_PATH "kmb-fuzz-qmp.sock"
/* What fits into the socket's buffer without a reader. */
#define STREAM_MAX (60 * 1024)
#define OPS_MAX 12
#define TIMEOUT_MS 5000

int __real_connect(int fd, const struct sockaddr *addr, socklen_t len);
int __wrap_connect(int fd, const struct sockaddr *addr, socklen_t len);

/* The client's end of the socketpair the next connect() hands over. */
static int client_end = -1;

int __wrap_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	const struct sockaddr_un *sa = (const struct sockaddr_un *)addr;

	if (addr->sa_family != AF_UNIX || strcmp(sa->sun_path, FUZZ_QMP_PATH))
		return __real_connect(fd, addr, len);
	if (client_end < 0) {
		errno = ECONNREFUSED;
		return -1;
	}
	if (dup3(client_end, fd, O_CLOEXEC) < 0 || fcntl(fd, F_SETFL, O_NONBLOCK)) {
		perror("fuzz connect");
		abort();
	}
	close(client_end);
	client_end = -1;
	return 0;
}

static void check_events(const struct kmb_qmp *q)
{
	json_t *events = kmb_qmp_events(q), *ev;
	size_t i;

	FUZZ_ASSERT(json_is_array(events));
	json_array_foreach(events, i, ev) {
		FUZZ_ASSERT(json_is_string(json_object_get(ev, "event")));
		FUZZ_ASSERT(json_object_get(ev, "data"));
		FUZZ_ASSERT(json_is_real(json_object_get(ev, "t")));
	}
}

static void exec(struct kmb_qmp *q, const char *command, json_t *args)
{
	char err[512] = "";
	json_t *ret = kmb_qmp_exec(q, command, args, TIMEOUT_MS, err, sizeof(err));

	FUZZ_ASSERT(ret || err[0]);
	json_decref(ret);
}

static void run_op(struct kmb_qmp *q, uint8_t op)
{
	static const char *const events[] = { "MIGRATION", "STOP", "SHUTDOWN",
					      "BALLOON_CHANGE", "RESUME" };
	unsigned arg = op / 8;

	switch (op % 8) {
	case 0:
		exec(q, "query-migrate", NULL);
		break;
	case 1:
		exec(q, "balloon", json_pack("{s:I}", "value", (json_int_t)KMB_GIB));
		break;
	case 2:
		exec(q, "migrate-set-capabilities",
		     json_pack("{s:[{s:s, s:b}]}", "capabilities", "capability", "postcopy-ram",
			       "state", 1));
		break;
	case 3:
		kmb_qmp_poll_events(q, 0);
		break;
	case 4:
		kmb_qmp_poll_events(q, TIMEOUT_MS);
		break;
	case 5:
		kmb_qmp_wait_event(q, events[arg % KMB_ARRAY_SIZE(events)], arg % 3, TIMEOUT_MS);
		break;
	case 6:
		kmb_qmp_wait_event(q, events[arg % KMB_ARRAY_SIZE(events)], 0, 0);
		break;
	default:
		check_events(q);
		break;
	}
}

static void send_stream(int fd, const uint8_t *data, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = send(fd, data + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror("fuzz QMP server send");
			abort();
		}
		done += (size_t)n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *ops;
	struct kmb_qmp *q;
	char err[512] = "";
	size_t nops, i;
	int sv[2];

	if (size < 2)
		return 0;
	nops = data[1] % (OPS_MAX + 1);
	if (size < 2 + nops || size - 2 - nops > STREAM_MAX)
		return 0;
	ops = data + 2;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		perror("socketpair");
		abort();
	}
	send_stream(sv[1], ops + nops, size - 2 - nops);
	/* The server's output ends here; with bit 0 it is gone altogether. */
	if (data[0] & 1) {
		close(sv[1]);
		sv[1] = -1;
	} else {
		shutdown(sv[1], SHUT_WR);
	}
	client_end = sv[0];
	q = kmb_qmp_connect(FUZZ_QMP_PATH, TIMEOUT_MS, err, sizeof(err));
	FUZZ_ASSERT(client_end < 0);
	if (!q) {
		FUZZ_ASSERT(err[0]);
	} else {
		FUZZ_ASSERT(strlen(kmb_qmp_version(q)) < 64);
		for (i = 0; i < nops; i++)
			run_op(q, ops[i]);
		check_events(q);
		kmb_qmp_close(q);
	}
	if (sv[1] >= 0)
		close(sv[1]);
	return 0;
}
