/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading results back: a run directory, a bench.json, or a baseline name
 * (results/baselines/NAME, a link to a run). Every malformed, foreign or
 * incomplete input is rejected with one line naming the file and the field.
 */
#ifndef KMB_RESULTS_H
#define KMB_RESULTS_H

#include <stddef.h>
#include <jansson.h>

struct kmb_result {
	char path[4096];	/* the run directory or file actually read */
	char bench_path[4200];	/* its bench.json */
	json_t *manifest;	/* NULL when a bare bench.json without manifest was given */
	json_t *bench;		/* Google Benchmark's document */
	/*
	 * Samples per benchmark and metric, one value per repetition:
	 * {"zeropage/read_fault/1G": {"real_time": {"unit": "ms", "values": [...]},
	 *                             "ns_per_page": {"unit": "", "values": [...],
	 *                                             "direction": "lower"}}}
	 * Benchmark names without Google Benchmark's suffixes. "direction" is
	 * "lower" or "higher" (is better) as the emitter declared it in the
	 * context ("kmb_metric_direction:<metric>"); a metric without one has
	 * "not_judged" with the reason instead.
	 */
	json_t *samples;
	json_t *errors;		/* {"benchmark": "message"} for failed/skipped ones */
};

/*
 * Open spec: a directory (run), a file (bench.json, with the manifest next to
 * it when there is one), or a baseline name under <results>/baselines/.
 * Returns 0, or -1 with a one-line reason in err.
 */
int kmb_result_open(const char *spec, const char *results, struct kmb_result *r, char *err,
		    size_t errlen);
void kmb_result_close(struct kmb_result *r);

/* Parse and validate a Google Benchmark document already loaded; 0 or -1 (err). */
int kmb_result_read_bench(json_t *doc, const char *path, json_t **samples, json_t **errors,
			  char *err, size_t errlen);

/*
 * The direction a metric's name suggests ("lower", "higher" or NULL): only
 * for files kmb did not write, which declare nothing.
 */
const char *kmb_metric_direction_guess(const char *metric);

/*
 * Benchmark name without the suffixes Google Benchmark appends
 * ("/iterations:8", "/manual_time", "/real_time", "/repeats:N").
 */
void kmb_bench_base_name(const char *name, char *buf, size_t len);

/* Path of baseline NAME under results; -1 if the name is not a valid name. */
int kmb_baseline_path(const char *results, const char *name, char *buf, size_t len);

/*
 * The run directory baseline NAME names, into run. The link's target is
 * relative to <results>/baselines (kmb baseline set writes "../runs/<id>", so
 * a tree mounted at another path keeps its baselines) or, in trees from
 * before, absolute; an absolute target that is gone is looked for under
 * <results>/runs by its last component. Returns 0; -1 with err when NAME is
 * invalid, is not a link, or names no directory; err is empty when there is
 * no baseline NAME at all (errno ENOENT).
 */
int kmb_baseline_resolve(const char *results, const char *name, char *run, size_t len,
			 char *err, size_t errlen);

#endif
