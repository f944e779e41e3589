/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Run a function in a forked child and bring its fixed-size result back
 * through a pipe. For work that changes the whole process for the rest of its
 * life (a KVM VM on s390 marks every mapping VM_NOHUGEPAGE; storage keys and
 * protected virtualization change the mm) or that switches host knobs for a
 * moment: kmb itself stays as it was. The child gets the default action for
 * SIGINT/SIGTERM/SIGHUP (the parent restores knobs, not it), dies with the
 * parent, and does not run the parent's atexit handlers.
 */
#ifndef KMB_CHILD_H
#define KMB_CHILD_H

#include <stddef.h>

/* Fills out (outlen bytes) and err; returns 0 or a failure code of its own. */
typedef int (*kmb_child_fn)(const void *arg, void *out, char *err, size_t errlen);

/*
 * fn's return value with out filled, or -1 with err when the child could not
 * be forked or died without an answer.
 */
int kmb_in_child(kmb_child_fn fn, const void *arg, void *out, size_t outlen, char *err,
		 size_t errlen);

#endif
