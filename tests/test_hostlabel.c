// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host label: two machines with one hostname get two labels, the same
 * machine always the same one, and the hash is the documented one (a change
 * would split every host's series and baseline in a fleet's results tree).
 */
#include "check.h"
#include "hostlabel.h"

#include <stdbool.h>

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

static void check_valid(void)
{
	char long_label[KMB_HOST_LABEL_MAX + 2];

	CHECK(kmb_host_label_valid("vm-d40f4255"));
	CHECK(kmb_host_label_valid("lpar3.perf_lab"));
	CHECK(kmb_host_label_valid("_none_"));
	CHECK(!kmb_host_label_valid(""));
	CHECK(!kmb_host_label_valid(NULL));
	CHECK(!kmb_host_label_valid(".hidden"));
	CHECK(!kmb_host_label_valid("-option"));
	CHECK(!kmb_host_label_valid("a/b"));
	CHECK(!kmb_host_label_valid("a b"));
	CHECK(!kmb_host_label_valid("caf\xc3\xa9"));
	memset(long_label, 'x', sizeof(long_label) - 1);
	long_label[KMB_HOST_LABEL_MAX] = '\0';
	CHECK(kmb_host_label_valid(long_label));
	long_label[KMB_HOST_LABEL_MAX] = 'x';
	long_label[KMB_HOST_LABEL_MAX + 1] = '\0';
	CHECK(!kmb_host_label_valid(long_label));
}

static void check_derive(void)
{
	char a[KMB_HOST_LABEL_MAX + 1], b[KMB_HOST_LABEL_MAX + 1], c[KMB_HOST_LABEL_MAX + 1];
	char host[80];

	/* Known answers: HMAC-SHA256(key = machine ID, "kvm-mm-bench host label"). */
	CHECK_STREQ(kmb_host_label_derive("cloud", ID_A "\n", a, sizeof(a)), "machine-id");
	CHECK_STREQ(a, "cloud-f4d72803");
	CHECK_STREQ(kmb_host_label_derive("cloud", ID_B, b, sizeof(b)), "machine-id");
	CHECK_STREQ(b, "cloud-a5abcbbf");
	/* The same machine, the same label; the ID itself is not in it. */
	kmb_host_label_derive("cloud", ID_A, c, sizeof(c));
	CHECK_STREQ(a, c);
	CHECK(!strstr(a, "01234567"));

	/* No usable machine ID: the hostname alone. */
	CHECK_STREQ(kmb_host_label_derive("cloud", NULL, a, sizeof(a)), "hostname");
	CHECK_STREQ(a, "cloud");
	CHECK_STREQ(kmb_host_label_derive("cloud", "", a, sizeof(a)), "hostname");
	CHECK_STREQ(kmb_host_label_derive("cloud", "uninitialized\n", a, sizeof(a)), "hostname");
	CHECK_STREQ(kmb_host_label_derive("cloud", ID_A "0", a, sizeof(a)), "hostname");
	CHECK_STREQ(kmb_host_label_derive("cloud", ID_A "\n\n", a, sizeof(a)), "hostname");
	CHECK_STREQ(kmb_host_label_derive("cloud", "0123456789abcdef", a, sizeof(a)), "hostname");

	/* Hostnames that are no file name: made one, and every label is valid. */
	kmb_host_label_derive("(none)", ID_A, a, sizeof(a));
	CHECK_STREQ(a, "_none_-f4d72803");
	kmb_host_label_derive("-x", NULL, a, sizeof(a));
	CHECK(kmb_host_label_valid(a));
	kmb_host_label_derive("", ID_A, a, sizeof(a));
	CHECK_STREQ(a, "host-f4d72803");
	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	kmb_host_label_derive(host, ID_A, a, sizeof(a));
	CHECK(kmb_host_label_valid(a));
	CHECK(strlen(a) == KMB_HOST_LABEL_MAX);
	CHECK(!strcmp(a + strlen(a) - 9, "-f4d72803"));
}

static void check_of(void)
{
	json_t *old = json_pack("{s:s}", "host", "cloud");
	json_t *now = json_pack("{s:s, s:s}", "host", "cloud", "host_label", "cloud-f4d72803");
	json_t *none = json_object();

	CHECK_STREQ(kmb_host_label_of(old), "cloud");
	CHECK_STREQ(kmb_host_label_of(now), "cloud-f4d72803");
	CHECK(kmb_host_label_of(none) == NULL);
	CHECK(kmb_host_label_of(NULL) == NULL);
	json_decref(old);
	json_decref(now);
	json_decref(none);
}

/* This host: a valid label, from the variable when it is set. */
static void check_this_host(void)
{
	char a[KMB_HOST_LABEL_MAX + 1];
	const char *src;

	unsetenv("KMB_HOST_LABEL");
	src = kmb_host_label(a, sizeof(a));
	CHECK(kmb_host_label_valid(a));
	CHECK(!strcmp(src, "machine-id") || !strcmp(src, "hostname"));
	setenv("KMB_HOST_LABEL", "rack7-node3", 1);
	CHECK_STREQ(kmb_host_label(a, sizeof(a)), "$KMB_HOST_LABEL");
	CHECK_STREQ(a, "rack7-node3");
	unsetenv("KMB_HOST_LABEL");
}

int main(void)
{
	check_valid();
	check_derive();
	check_of();
	check_this_host();
	CHECK_DONE();
}
