// SPDX-License-Identifier: GPL-2.0-only
/* What a fatal signal does in kmb (fatal.h). */
#include "fatal.h"
#include "knob.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void (*cleanup_hook)(void);

static void on_fatal_signal(int sig)
{
	int saved = errno;

	kmb_knob_restore_all();
	if (cleanup_hook)
		cleanup_hook();
	errno = saved;
	/*
	 * SA_RESETHAND put the default action back and sig stays blocked until
	 * we return: the process then dies by it, and the exit status says so.
	 */
	raise(sig);
}

void kmb_install_fatal_handlers(void (*cleanup)(void))
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	static bool registered;
	struct sigaction sa, old;
	size_t i;

	cleanup_hook = cleanup;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	/* A second signal must not cut the first one's restore short. */
	for (i = 0; i < KMB_ARRAY_SIZE(sigs); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (i = 0; i < KMB_ARRAY_SIZE(sigs); i++) {
		/* Leave signals ignored by whoever started us (nohup) ignored. */
		if (!sigaction(sigs[i], NULL, &old) && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
	if (!registered)
		registered = !atexit(kmb_knob_restore_all);
}
