// SPDX-License-Identifier: GPL-2.0-only
#include "hostlabel.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <nettle/hmac.h>

/* The message the machine ID keys: any fixed string of this application's own. */
#define APP_ID "kvm-mm-bench host label"
#define HASH_DIGITS 8

bool kmb_host_label_valid(const char *label)
{
	size_t n = label ? strlen(label) : 0;
	const char *c;

	if (n == 0 || n > KMB_HOST_LABEL_MAX || label[0] == '.' || label[0] == '-')
		return false;
	for (c = label; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_' && *c != '-')
			return false;
	}
	return true;
}

/* 32 hex digits and at most a trailing newline: what machine-id(5) allows. */
static bool machine_id_ok(const char *id, size_t *len)
{
	size_t n = 0;

	if (!id)
		return false;
	while (isxdigit((unsigned char)id[n]))
		n++;
	*len = n;
	return n == 32 && (id[n] == '\0' || (id[n] == '\n' && id[n + 1] == '\0'));
}

const char *kmb_host_label_derive(const char *hostname, const char *machine_id, char *buf,
				  size_t len)
{
	uint8_t mac[SHA256_DIGEST_SIZE];
	struct hmac_sha256_ctx ctx;
	char host[KMB_HOST_LABEL_MAX + 1];
	size_t idlen, room;

	/* Room for "-" and the digits; a hostname is at most 64 characters anyway. */
	room = KMB_HOST_LABEL_MAX - 1 - HASH_DIGITS;
	snprintf(host, sizeof(host), "%.*s", (int)room, hostname && *hostname ? hostname : "host");
	kmb_sanitize_name(host);
	/* A label never starts with '.' or '-' (nor does a valid hostname). */
	if (host[0] == '.' || host[0] == '-')
		host[0] = '_';
	if (!machine_id_ok(machine_id, &idlen)) {
		snprintf(buf, len, "%s", host);
		return "hostname";
	}
	hmac_sha256_set_key(&ctx, idlen, (const uint8_t *)machine_id);
	hmac_sha256_update(&ctx, strlen(APP_ID), (const uint8_t *)APP_ID);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	snprintf(buf, len, "%s-%02x%02x%02x%02x", host, mac[0], mac[1], mac[2], mac[3]);
	return "machine-id";
}

const char *kmb_host_label(char *buf, size_t len)
{
	static const char *const id_files[] = { "/etc/machine-id", "/var/lib/dbus/machine-id" };
	const char *env = getenv("KMB_HOST_LABEL"), *source = "hostname";
	struct utsname u;
	size_t i, idlen;
	char *id;

	if (env && *env && kmb_host_label_valid(env)) {
		snprintf(buf, len, "%s", env);
		return "$KMB_HOST_LABEL";
	}
	if (uname(&u))
		snprintf(u.nodename, sizeof(u.nodename), "host");
	for (i = 0; i < KMB_ARRAY_SIZE(id_files); i++) {
		id = kmb_read_text(id_files[i]);
		if (machine_id_ok(id, &idlen)) {
			source = kmb_host_label_derive(u.nodename, id, buf, len);
			free(id);
			return source;
		}
		free(id);
	}
	return kmb_host_label_derive(u.nodename, NULL, buf, len);
}

void kmb_host_label_capture(json_t *env)
{
	char label[KMB_HOST_LABEL_MAX + 1];
	const char *source = kmb_host_label(label, sizeof(label));

	json_object_set_new(env, "host_label", json_string(label));
	json_object_set_new(env, "host_label_source", json_string(source));
}

const char *kmb_host_label_of(const json_t *env)
{
	const char *label = json_string_value(json_object_get(env, "host_label"));

	return label && *label ? label : json_string_value(json_object_get(env, "host"));
}
