/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host label: the name a machine's runs go by in a shared results tree.
 * Cloud images and cloned hosts often share a hostname (and a CPU model), so
 * the hostname alone would merge several machines into one series and one
 * nightly baseline. The default label is "<hostname>-<8 hex digits>", the
 * digits a keyed hash (HMAC-SHA256) of /etc/machine-id: machine-id(5) asks
 * that the ID itself is not published, and results trees are shared.
 * $KMB_HOST_LABEL, or --host-label on kmb bench and kmb stress, overrides it
 * (to keep a series across a reinstall, or to name a host by its role).
 *
 * Recorded in every manifest as environment.host_label (with
 * environment.host_label_source); runs written before it existed have only
 * environment.host, which readers take as the label (kmb_host_label_of).
 */
#ifndef KMB_HOSTLABEL_H
#define KMB_HOSTLABEL_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define KMB_HOST_LABEL_MAX 64

/* 1..64 characters of [A-Za-z0-9._-], not starting with '.' or '-'. */
bool kmb_host_label_valid(const char *label);

/*
 * The default label from a hostname and the contents of a machine-id file
 * (NULL or not 32 hex digits: none), into buf (at least KMB_HOST_LABEL_MAX + 1
 * bytes). Returns the source: "machine-id", or "hostname" when there is no
 * usable machine ID.
 */
const char *kmb_host_label_derive(const char *hostname, const char *machine_id, char *buf,
				  size_t len);

/*
 * This host's label: $KMB_HOST_LABEL when set and valid (kmb rejects an
 * invalid one before it gets here), else the default from uname and /etc/machine-id
 * (then /var/lib/dbus/machine-id). Returns the source ("$KMB_HOST_LABEL",
 * "machine-id" or "hostname").
 */
const char *kmb_host_label(char *buf, size_t len);

/* Set environment.host_label and host_label_source in an environment object. */
void kmb_host_label_capture(json_t *env);

/*
 * The label of a run from the "environment" object of its manifest:
 * host_label, else host (runs from before labels), else NULL.
 */
const char *kmb_host_label_of(const json_t *env);

#endif
