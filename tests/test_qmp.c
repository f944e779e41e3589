// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/qmp against a fake QMP server thread (framing, events, errors, ids,
 * timeouts, a vanishing peer), then against a real QEMU when one is installed.
 */
#include "check.h"

#include <stdbool.h>
#include "qmp.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BIG_LEN (200 * 1024)

static char dir[4096];

static char *path_in_dir(const char *name)
{
	static char buf[4][4200];
	static int which;

	which = (which + 1) % 4;
	snprintf(buf[which], sizeof(buf[which]), "%s/%s", dir, name);
	return buf[which];
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int elapsed_ms(uint64_t since)
{
	return (int)((kmb_now_ns() - since) / 1000000);
}

/* ---- the fake server ---- */

static int bind_path(int fd, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

enum script {
	SCRIPT_MAIN,		/* every kind of message, then hangs up mid-command */
	SCRIPT_QUIT,		/* answers quit like QEMU does, then closes */
	SCRIPT_NOT_QMP,		/* greets with something that is not a QMP greeting */
	SCRIPT_SILENT,		/* accepts and never says anything */
};

struct fake {
	char path[4200];
	enum script script;
	int bind_delay_ms;	/* create the socket late: the client has to retry */
	int fd;
	char buf[8192];
	size_t len;
	char slow_id[64];	/* a command answered only when the next one comes */
	pthread_t thread;
};

static void srv_send(struct fake *f, const char *text)
{
	size_t len = strlen(text), done = 0;
	ssize_t n;

	while (done < len) {
		n = send(f->fd, text + done, len - done, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		done += n;
	}
}

static void srv_send_json(struct fake *f, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);

	srv_send(f, text);
	srv_send(f, "\r\n");
	free(text);
	json_decref(msg);
}

static void srv_reply(struct fake *f, json_t *ret, const char *id)
{
	srv_send_json(f, json_pack("{s:o, s:s}", "return", ret, "id", id));
}

static void srv_event(struct fake *f, const char *name)
{
	srv_send_json(f, json_pack("{s:s, s:{s:i, s:i}}", "event", name, "timestamp", "seconds",
				   1700000000, "microseconds", 5));
}

/* One request line, or NULL when the client is gone (or 5 s of silence). */
static json_t *srv_read(struct fake *f)
{
	char *nl;
	ssize_t n;
	json_t *msg;

	while (!(nl = memchr(f->buf, '\n', f->len))) {
		n = recv(f->fd, f->buf + f->len, sizeof(f->buf) - f->len, 0);
		if (n <= 0)
			return NULL;
		f->len += n;
	}
	msg = json_loadb(f->buf, nl - f->buf, 0, NULL);
	f->len -= nl + 1 - f->buf;
	memmove(f->buf, nl + 1, f->len);
	return msg;
}

static void srv_split_reply(struct fake *f, const char *id)
{
	char text[256], c;
	size_t half;

	snprintf(text, sizeof(text), "{\"return\": {\"part\": \"two writes\"}, \"id\": \"%s\"}\n",
		 id);
	half = strlen(text) / 2;
	c = text[half];
	text[half] = '\0';
	srv_send(f, text);
	sleep_ms(50);
	text[half] = c;
	/* The rest, and an event in the same write: it must not be lost. */
	srv_send(f, text + half);
	srv_event(f, "AFTER");
}

static void srv_big_reply(struct fake *f, const char *id)
{
	char *s = malloc(BIG_LEN + 1);

	memset(s, 'x', BIG_LEN);
	s[BIG_LEN] = '\0';
	srv_reply(f, json_pack("{s:s}", "s", s), id);
	free(s);
}

/* Answer one command of SCRIPT_MAIN; false to hang up. */
static bool srv_main_command(struct fake *f, const char *cmd, const char *id, json_t *args)
{
	if (f->slow_id[0]) {
		srv_reply(f, json_pack("{s:s}", "late", "yes"), f->slow_id);
		f->slow_id[0] = '\0';
	}
	if (!strcmp(cmd, "echo")) {
		srv_reply(f, args ? json_incref(args) : json_object(), id);
	} else if (!strcmp(cmd, "fail")) {
		srv_send_json(f, json_pack("{s:{s:s, s:s}, s:s}", "error", "class", "GenericError",
					   "desc", "it failed", "id", id));
	} else if (!strcmp(cmd, "event-first")) {
		srv_event(f, "EARLY");
		srv_reply(f, json_pack("{s:b}", "ok", 1), id);
	} else if (!strcmp(cmd, "split")) {
		srv_split_reply(f, id);
	} else if (!strcmp(cmd, "big")) {
		srv_big_reply(f, id);
	} else if (!strcmp(cmd, "wrong-id")) {
		srv_reply(f, json_object(), "not-yours");
	} else if (!strcmp(cmd, "garbage")) {
		srv_send(f, "this is not json\n");
		srv_reply(f, json_object(), id);
	} else if (!strcmp(cmd, "slow")) {
		snprintf(f->slow_id, sizeof(f->slow_id), "%s", id);
	} else if (!strcmp(cmd, "emit")) {
		srv_reply(f, json_object(), id);
		sleep_ms(100);
		srv_event(f, "LATER");
	} else if (!strcmp(cmd, "hangup")) {
		return false;
	} else {
		srv_send_json(f,
			      json_pack("{s:{s:s, s:s}, s:s}", "error", "class", "CommandNotFound",
					"desc", "The command has not been found", "id", id));
	}
	return true;
}

static void srv_session(struct fake *f)
{
	const char *cmd, *id;
	json_t *req;
	bool more = true;

	if (f->script == SCRIPT_SILENT) {
		while ((req = srv_read(f)))
			json_decref(req);
		return;
	}
	if (f->script == SCRIPT_NOT_QMP) {
		srv_send(f, "{\"hello\": \"world\"}\n");
		return;
	}
	srv_send(f, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 2, \"minor\": 2, \"major\": 8},"
		    " \"package\": \"fake\"}, \"capabilities\": [\"oob\"]}}\r\n");
	while (more && (req = srv_read(f))) {
		cmd = json_string_value(json_object_get(req, "execute"));
		id = json_string_value(json_object_get(req, "id"));
		if (!cmd || !id) {
			more = false;
		} else if (!strcmp(cmd, "qmp_capabilities")) {
			srv_reply(f, json_object(), id);
		} else if (f->script == SCRIPT_QUIT && !strcmp(cmd, "quit")) {
			srv_event(f, "SHUTDOWN");
			srv_reply(f, json_object(), id);
			/* Still in the socket when the client next writes to it. */
			sleep_ms(50);
			srv_event(f, "GOODBYE");
			more = false;
		} else {
			more = srv_main_command(f, cmd, id, json_object_get(req, "arguments"));
		}
		json_decref(req);
	}
}

static void *srv_thread(void *arg)
{
	struct fake *f = arg;
	struct timeval tv = { 5, 0 };
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sleep_ms(f->bind_delay_ms);
	if (lfd < 0 || bind_path(lfd, f->path) || listen(lfd, 1)) {
		perror("fake QMP server");
		exit(1);
	}
	f->fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	close(lfd);
	unlink(f->path);
	if (f->fd < 0)
		return NULL;
	/* Never outlive a client that stopped talking. */
	setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	srv_session(f);
	close(f->fd);
	return NULL;
}

static struct fake *fake_start(const char *name, enum script script, int bind_delay_ms)
{
	struct fake *f = calloc(1, sizeof(*f));

	snprintf(f->path, sizeof(f->path), "%s", path_in_dir(name));
	f->script = script;
	f->bind_delay_ms = bind_delay_ms;
	f->fd = -1;
	if (pthread_create(&f->thread, NULL, srv_thread, f)) {
		perror("pthread_create");
		exit(1);
	}
	return f;
}

static void fake_join(struct fake *f)
{
	pthread_join(f->thread, NULL);
	free(f);
}

/* ---- tests against the fake ---- */

static void test_connect_failures(void)
{
	char err[256] = "";
	uint64_t t = kmb_now_ns();
	struct fake *f;
	int fd;

	/* Nothing there: retried until the timeout, then the reason. */
	CHECK(!kmb_qmp_connect(path_in_dir("none.sock"), 200, err, sizeof(err)));
	CHECK(strstr(err, "No such file or directory (gave up after 200 ms)"));
	CHECK(elapsed_ms(t) >= 200); /* it waited the whole timeout */

	/* A socket nobody listens on (QEMU not yet listening, or a stale one). */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0 && !bind_path(fd, path_in_dir("stale.sock")));
	CHECK(!kmb_qmp_connect(path_in_dir("stale.sock"), 100, err, sizeof(err)));
	CHECK(strstr(err, "Connection refused"));
	close(fd);

	f = fake_start("notqmp.sock", SCRIPT_NOT_QMP, 0);
	CHECK(!kmb_qmp_connect(f->path, 3000, err, sizeof(err)));
	CHECK(strstr(err, "not a QMP greeting"));
	fake_join(f);

	f = fake_start("silent.sock", SCRIPT_SILENT, 0);
	t = kmb_now_ns();
	CHECK(!kmb_qmp_connect(f->path, 300, err, sizeof(err)));
	CHECK(strstr(err, "no QMP greeting within 300 ms"));
	CHECK(elapsed_ms(t) >= 300);
	fake_join(f);
}

static void test_replies(struct kmb_qmp *q)
{
	char err[256] = "";
	json_t *r;

	r = kmb_qmp_exec(q, "echo", json_pack("{s:s, s:i}", "a", "b", "n", 7), 2000, err,
			 sizeof(err));
	CHECK(r && !strcmp(json_string_value(json_object_get(r, "a")), "b"));
	CHECK(r && json_integer_value(json_object_get(r, "n")) == 7);
	json_decref(r);

	r = kmb_qmp_exec(q, "echo", NULL, 2000, err, sizeof(err));
	CHECK(json_is_object(r) && json_object_size(r) == 0);
	json_decref(r);

	CHECK(!kmb_qmp_exec(q, "fail", NULL, 2000, err, sizeof(err)));
	CHECK_STREQ(err, "fail: GenericError: it failed");

	CHECK(!kmb_qmp_exec(q, "echo", json_pack("[i]", 1), 2000, err, sizeof(err)));
	CHECK_STREQ(err, "echo: arguments must be a JSON object");

	r = kmb_qmp_exec(q, "split", NULL, 2000, err, sizeof(err));
	CHECK(r && !strcmp(json_string_value(json_object_get(r, "part")), "two writes"));
	json_decref(r);

	r = kmb_qmp_exec(q, "big", NULL, 2000, err, sizeof(err));
	CHECK(r && json_string_length(json_object_get(r, "s")) == BIG_LEN);
	json_decref(r);
}

static void test_bad_replies(struct kmb_qmp *q)
{
	char err[256] = "";
	uint64_t t;
	json_t *r;

	CHECK(!kmb_qmp_exec(q, "wrong-id", NULL, 2000, err, sizeof(err)));
	CHECK(strstr(err, "wrong-id: reply for id \"not-yours\", expected \"kmb-"));

	CHECK(!kmb_qmp_exec(q, "garbage", NULL, 2000, err, sizeof(err)));
	CHECK(strstr(err, "QMP: bad message: "));
	/* garbage's own reply follows the junk; it must not answer this one. */
	r = kmb_qmp_exec(q, "echo", json_pack("{s:i}", "after", 1), 2000, err, sizeof(err));
	CHECK(r && json_integer_value(json_object_get(r, "after")) == 1);
	json_decref(r);

	t = kmb_now_ns();
	CHECK(!kmb_qmp_exec(q, "slow", NULL, 150, err, sizeof(err)));
	CHECK_STREQ(err, "slow: no reply within 150 ms");
	CHECK(elapsed_ms(t) >= 150);
	/* The late reply to slow arrives first now and is dropped. */
	r = kmb_qmp_exec(q, "echo", json_pack("{s:i}", "mine", 1), 2000, err, sizeof(err));
	CHECK(r && json_integer_value(json_object_get(r, "mine")) == 1 &&
	      !json_object_get(r, "late"));
	json_decref(r);

	CHECK(!kmb_qmp_exec(q, "no-such", NULL, 2000, err, sizeof(err)));
	CHECK(strstr(err, "no-such: CommandNotFound: "));
}

static void test_events(struct kmb_qmp *q)
{
	char err[256] = "";
	json_t *r, *ev, *events = kmb_qmp_events(q);
	double last = -1;
	size_t i, n = json_array_size(events);
	uint64_t t;

	r = kmb_qmp_exec(q, "event-first", NULL, 2000, err, sizeof(err));
	CHECK(r && json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	CHECK(json_array_size(events) == n + 1);
	ev = kmb_qmp_wait_event(q, "EARLY", n, 0);
	CHECK(ev && json_integer_value(json_object_get(json_object_get(ev, "timestamp"),
						       "seconds")) == 1700000000);
	CHECK(ev && json_is_object(json_object_get(ev, "data")));

	CHECK(kmb_qmp_poll_events(q, 0) == 0);
	n = json_array_size(events);
	r = kmb_qmp_exec(q, "emit", NULL, 2000, err, sizeof(err));
	json_decref(r);
	CHECK(kmb_qmp_wait_event(q, "LATER", n, 2000));
	t = kmb_now_ns();
	CHECK(!kmb_qmp_wait_event(q, "LATER", n + 1, 100));
	CHECK(elapsed_ms(t) >= 100);

	/* Arrival times on the host clock, in order. */
	for (i = 0; i < json_array_size(events); i++) {
		ev = json_object_get(json_array_get(events, i), "t");
		CHECK(json_is_real(ev) && json_real_value(ev) >= last);
		last = json_real_value(ev);
	}
	CHECK(kmb_qmp_wait_event(q, "AFTER", 0, 0));
}

static void test_hangup(struct kmb_qmp *q)
{
	char err[256] = "";

	CHECK(kmb_qmp_fd(q) >= 0);
	CHECK(!kmb_qmp_exec(q, "hangup", NULL, 2000, err, sizeof(err)));
	CHECK_STREQ(err, "QMP connection closed (QEMU exited?)");
	CHECK(kmb_qmp_fd(q) == -1);
	CHECK(kmb_qmp_poll_events(q, 100) == -1);
	CHECK(!kmb_qmp_wait_event(q, "NEVER", 0, 100));
	err[0] = '\0';
	CHECK(!kmb_qmp_exec(q, "echo", json_object(), 2000, err, sizeof(err)));
	CHECK_STREQ(err, "QMP connection closed (QEMU exited?)");
}

static void test_fake(void)
{
	/* Late socket: the client must retry through ENOENT. */
	struct fake *f = fake_start("main.sock", SCRIPT_MAIN, 150);
	char err[256] = "";
	struct kmb_qmp *q = kmb_qmp_connect(f->path, 3000, err, sizeof(err));

	CHECK(q);
	if (!q) {
		fprintf(stderr, "connect: %s\n", err);
		exit(1);
	}
	CHECK_STREQ(kmb_qmp_version(q), "8.2.2");
	test_replies(q);
	test_bad_replies(q);
	test_events(q);
	test_hangup(q);
	kmb_qmp_close(q);
	fake_join(f);
}

/* Look at the events already filed, without reading the socket. */
static bool has_event(struct kmb_qmp *q, const char *name)
{
	json_t *events = kmb_qmp_events(q);
	size_t i;

	for (i = 0; i < json_array_size(events); i++) {
		if (!strcmp(json_string_value(json_object_get(json_array_get(events, i), "event")),
			    name))
			return true;
	}
	return false;
}

/*
 * Sending to a peer that closed must be an error, not a SIGPIPE, and what
 * the peer said before it went must not be lost.
 */
static void test_send_after_close(void)
{
	struct fake *f = fake_start("quit.sock", SCRIPT_QUIT, 0);
	char err[256] = "";
	struct kmb_qmp *q = kmb_qmp_connect(f->path, 3000, err, sizeof(err));
	json_t *r;

	CHECK(q);
	if (!q)
		return;
	r = kmb_qmp_exec(q, "quit", NULL, 2000, err, sizeof(err));
	CHECK(json_is_object(r));
	json_decref(r);
	CHECK(kmb_qmp_wait_event(q, "SHUTDOWN", 0, 0));
	fake_join(f);
	CHECK(!has_event(q, "GOODBYE"));
	CHECK(!kmb_qmp_exec(q, "query-status", NULL, 2000, err, sizeof(err)));
	CHECK_STREQ(err, "QMP connection closed (QEMU exited?)");
	CHECK(has_event(q, "GOODBYE"));
	CHECK(kmb_qmp_fd(q) == -1);
	kmb_qmp_close(q);
}

/* ---- a real QEMU ---- */

static const char *status_of(struct kmb_qmp *q, char *err, size_t errlen, char *buf, size_t len)
{
	json_t *r = kmb_qmp_exec(q, "query-status", NULL, 3000, err, errlen);
	const char *s = json_string_value(json_object_get(r, "status"));

	snprintf(buf, len, "%s", s ? s : "");
	json_decref(r);
	return buf;
}

static void qemu_commands(struct kmb_qmp *q)
{
	char err[256] = "", status[64];
	json_t *r, *ev;
	size_t n;

	printf("QEMU %s\n", kmb_qmp_version(q));
	CHECK(kmb_qmp_version(q)[0]);
	CHECK(status_of(q, err, sizeof(err), status, sizeof(status))[0]);
	r = kmb_qmp_exec(q, "query-migrate", NULL, 3000, err, sizeof(err));
	CHECK(json_is_object(r));
	json_decref(r);
	CHECK(!kmb_qmp_exec(q, "kmb-no-such-command", NULL, 3000, err, sizeof(err)));
	CHECK(strstr(err, "CommandNotFound"));

	n = json_array_size(kmb_qmp_events(q));
	json_decref(kmb_qmp_exec(q, "stop", NULL, 3000, err, sizeof(err)));
	ev = kmb_qmp_wait_event(q, "STOP", n, 3000);
	CHECK(ev && json_real_value(json_object_get(ev, "t")) > 0);
	CHECK(ev && json_is_object(json_object_get(ev, "timestamp")));
	CHECK_STREQ(status_of(q, err, sizeof(err), status, sizeof(status)), "paused");
	n = json_array_size(kmb_qmp_events(q));
	json_decref(kmb_qmp_exec(q, "cont", NULL, 3000, err, sizeof(err)));
	CHECK(kmb_qmp_wait_event(q, "RESUME", n, 3000));
	CHECK_STREQ(status_of(q, err, sizeof(err), status, sizeof(status)), "running");
}

/* quit answers (or QEMU is gone first); then the socket reaches EOF. */
static void qemu_quit(struct kmb_qmp *q)
{
	char err[256] = "";
	uint64_t t = kmb_now_ns();
	json_t *r = kmb_qmp_exec(q, "quit", NULL, 3000, err, sizeof(err));

	CHECK(r || !strcmp(err, "QMP connection closed (QEMU exited?)"));
	json_decref(r);
	/* A bound on the wait, not on QEMU's speed: a QEMU that never quits fails below. */
	while (kmb_qmp_poll_events(q, 100) >= 0 && elapsed_ms(t) < 30000)
		;
	CHECK(kmb_qmp_fd(q) == -1);
}

/* Whether PATH has an executable name: only its absence is a reason to skip. */
static bool on_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path ? path : "/usr/bin:/bin"), *d, *save = NULL;
	char full[4096];
	bool found = false;

	for (d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		snprintf(full, sizeof(full), "%s/%s", *d ? d : ".", name);
		found = access(full, X_OK) == 0;
	}
	free(copy);
	return found;
}

static void test_qemu(void)
{
	const char *sock = path_in_dir("qmp.sock");
	char qmp_arg[4300], err[256] = "";
	const char *const argv[] = { "qemu-system-x86_64", "-machine", "none", "-nodefaults",
				     "-display", "none", "-qmp", qmp_arg, NULL };
	struct kmb_spawn_opts o;
	uint64_t t = kmb_now_ns();
	struct kmb_qmp *q;
	int status = -1;
	pid_t pid;

	snprintf(qmp_arg, sizeof(qmp_arg), "unix:%s,server=on,wait=off", sock);
	kmb_spawn_opts_init(&o, argv);
	o.stdout_path = path_in_dir("qemu.log");
	o.stderr_path = path_in_dir("qemu.log");
	o.new_pgrp = true;
	o.package = "qemu-system-x86";
	if (!on_path("qemu-system-x86_64"))
		CHECK_SKIP("the real QEMU part needs qemu-system-x86_64 (apt-get install qemu-system-x86)");
	if (kmb_spawn(&o, &pid, err, sizeof(err))) {
		fprintf(stderr, "spawn: %s\n", err);
		CHECK(!"QEMU starts");
		return;
	}
	printf("USES: qemu-system-x86_64 -machine none, QMP over a unix socket\n");
	q = kmb_qmp_connect(sock, 5000, err, sizeof(err));
	CHECK(q);
	if (q) {
		qemu_commands(q);
		qemu_quit(q);
	} else {
		fprintf(stderr, "connect: %s\n", err);
		kill(-pid, SIGKILL);
	}
	kmb_qmp_close(q);
	/* Reaped either way: a QEMU that did not quit is killed, and that is a failure. */
	CHECK(kmb_spawn_wait(pid, 30000, &status, err, sizeof(err)) == 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
	printf("real QEMU part: %d ms\n", elapsed_ms(t));
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	bool qemu = argc > 1 && !strcmp(argv[1], "qemu");

	/* A unix socket path has to fit in 108 bytes. */
	if (!tmp || !*tmp || strlen(tmp) > 60)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/kmb-test-qmp.XXXXXX", tmp);
	if (!mkdtemp(dir))
		CHECK_SKIP("cannot create a temporary directory under %s", tmp);
	/* SIGPIPE stays fatal, as in any caller: the library must not raise it. */
	signal(SIGPIPE, SIG_DFL);
	/* A hang is a failure, not a stuck make check. */
	alarm(120);
	if (qemu) {
		/* "test_qmp qemu" (tests/qmp-qemu.test): the real QEMU, a skip of its own. */
		test_qemu();
	} else {
		test_connect_failures();
		test_fake();
		test_send_after_close();
	}
	kmb_rm_rf(dir);
	CHECK_DONE();
}
