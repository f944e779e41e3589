// SPDX-License-Identifier: GPL-2.0-only
/* Small helpers the dashboard's files share: hashes, string fields, slugs, links. */
#include "dashboard_priv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t dash_hash(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

const char *dash_jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

const char *dash_jstr_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = dash_jstr(o, key);

	return s && *s ? s : dflt;
}

/* A string the model keeps for as long as the site lives. */
const char *dash_pool_add(struct dash_site *s, json_t *str)
{
	json_array_append_new(s->pool, str);
	return json_string_value(str);
}

/*
 * A file name stem: the readable part sanitized and cut, plus a hash of the
 * whole key when that was not lossless, so different keys never collide.
 */
char *dash_make_slug(const char *text, const char *key, bool always_hash)
{
	char buf[160], *out;
	size_t n = strlen(text);
	bool lossy = always_hash || n > 100;

	snprintf(buf, sizeof(buf), "%.100s", text);
	for (n = 0; buf[n]; n++) {
		if (buf[n] == '/')
			buf[n] = '_';
	}
	kmb_sanitize_name(buf);
	lossy = lossy || strcmp(buf, text);
	if (!lossy)
		return strdup(buf);
	if (asprintf(&out, "%s-%08llx", buf,
		     (unsigned long long)(dash_hash(key, strlen(key)) & 0xffffffffULL)) < 0)
		return NULL;
	return out;
}

const char *dash_series_page(const struct dash_series *s, char *buf, size_t len)
{
	snprintf(buf, len, "series/%s.html", s->slug);
	return buf;
}

void dash_manifest_href(const struct dash_site *site, const struct dash_run *r, char *buf,
			size_t len, bool from_root)
{
	snprintf(buf, len, "%s%s/%s/manifest.json", from_root ? "" : "../", site->runs_href, r->id);
}

