/* SPDX-License-Identifier: GPL-2.0-only */
/* What the dashboard's model files share; not an interface for anyone else. */
#ifndef KMB_DASHBOARD_PRIV_H
#define KMB_DASHBOARD_PRIV_H

#include <jansson.h>

#include "dashboard.h"

/* Helpers (dashboard.c): string fields, page slugs, the site's string pool. */
const char *dash_jstr_or(const json_t *o, const char *key, const char *dflt);
const char *dash_jstr(const json_t *o, const char *key);
char *dash_make_slug(const char *text, const char *key, bool always_hash);
const char *dash_pool_add(struct dash_site *s, json_t *str);
/* Reading the results tree (dashboard_runs.c): runs, or their state records. */
int dash_scan_runs(struct dash_site *s, char *err, size_t errlen);
/* The model (dashboard_model.c): lineages, series, then every point's verdict. */
int dash_build_lineages(struct dash_site *s);
int dash_build_series(struct dash_site *s);
void dash_judge(struct dash_site *s);

#endif
