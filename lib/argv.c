// SPDX-License-Identifier: GPL-2.0-only
/* An argv built argument by argument (see argv.h). */
#include "argv.h"

#include <stdarg.h>
#include <stdio.h>

void kmb_argv_add(struct kmb_argv *a, const char *s)
{
	if (a->n < KMB_ARGV_MAX - 1) {
		a->argv[a->n++] = s;
		a->argv[a->n] = NULL;
	}
}

void kmb_argv_addf(struct kmb_argv *a, const char *fmt, ...)
{
	va_list ap;

	if (a->nstore == KMB_ARGV_FORMATTED)
		return;
	va_start(ap, fmt);
	vsnprintf(a->store[a->nstore], sizeof(a->store[0]), fmt, ap);
	va_end(ap);
	kmb_argv_add(a, a->store[a->nstore++]);
}
