// SPDX-License-Identifier: GPL-2.0-only
#include "compare.h"

int kmb_render_html(const json_t *report, FILE *out, char *err, size_t errlen)
{
	(void)report;
	(void)out;
	snprintf(err, errlen, "html output is not available in this build");
	return -1;
}
