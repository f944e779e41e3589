// SPDX-License-Identifier: GPL-2.0-only
/* Repetitions and progress of a kmb bench run (reps.h). */
#include "reps.h"
#include "conditions.h"
#include "stats.h"
#include "units.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum stop { GOING, STOP_FIXED, STOP_PRECISION, STOP_MAX, STOP_BUDGET, STOP_FAILED };

static const char *const stop_names[] = { "running", "fixed", "precision", "max", "budget",
					  "failed" };

struct bench_state {
	const char *name;
	double *v;		/* the judged metric, one per repetition */
	size_t n, cap;
	bool per_page;		/* the judged metric is ns_per_page, else real_time */
	const char *unit;	/* real_time's time unit */
	double seconds;		/* wall time of its repetitions so far */
	int reps;
	bool failed;
	enum stop stop;
	double halfwidth;	/* relative, of the median's CI; NAN: unknown */
};

struct kmb_reps {
	struct kmb_reps_opts o;
	unsigned n, finished;
	struct bench_state *b;
	uint64_t start_ns;
	int round;
	FILE *out;
	double max_load;	/* load average (1 min) seen at round boundaries */
	long max_running;	/* runnable tasks seen there */
	unsigned done_reps;	/* repetitions finished */
	bool status_shown;	/* the status line is on the screen */
};

/* The status line goes before a line that stays. */
static void clear_status(struct kmb_reps *r)
{
	if (r->status_shown) {
		fputs("\r\033[K", r->out);
		r->status_shown = false;
	}
}

struct kmb_reps *kmb_reps_new(const struct kmb_reps_opts *o, unsigned n, const char *const *names,
			      FILE *out)
{
	struct kmb_reps *r = calloc(1, sizeof(*r));
	unsigned i;

	if (!r)
		return NULL;
	r->o = *o;
	r->n = n;
	r->out = out;
	r->start_ns = kmb_now_ns();
	r->b = calloc(n ? n : 1, sizeof(*r->b));
	if (!r->b) {
		free(r);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		r->b[i].name = names[i];
		r->b[i].halfwidth = NAN;
	}
	return r;
}

void kmb_reps_free(struct kmb_reps *r)
{
	unsigned i;

	if (!r)
		return;
	if (r->out)
		clear_status(r);
	for (i = 0; i < r->n; i++)
		free(r->b[i].v);
	free(r->b);
	free(r);
}

static double elapsed_s(const struct kmb_reps *r)
{
	return (double)(kmb_now_ns() - r->start_ns) / 1e9;
}

/* Relative half-width of the CI of the median; NAN while it cannot be had. */
static double halfwidth(const struct bench_state *b, double alpha)
{
	struct kmb_interval ci;

	if (b->n < 2 || kmb_stats_median_ci(b->v, b->n, alpha, &ci) || ci.estimate == 0)
		return NAN;
	return (ci.hi - ci.lo) / 2 / fabs(ci.estimate);
}

/* Repetitions a benchmark still running will have at most. */
static int target_reps(const struct kmb_reps *r)
{
	return r->o.precision > 0 ? r->o.max : r->o.min;
}

/*
 * Seconds the benchmarks still running need: their mean repetition x what is
 * left. One that has not run yet counts with the mean repetition of those
 * that have, so the first round does not promise too little.
 */
static double eta_s(const struct kmb_reps *r)
{
	double left = 0, seen_s = 0;
	int seen_reps = 0, unseen = 0;
	unsigned i;

	for (i = 0; i < r->n; i++) {
		const struct bench_state *b = &r->b[i];
		int more;

		seen_s += b->seconds;
		seen_reps += b->reps;
		if (b->stop != GOING)
			continue;
		if (!b->reps) {
			unseen++;
			continue;
		}
		more = target_reps(r) - b->reps;
		left += b->seconds / b->reps * (more > 0 ? more : 0);
	}
	if (seen_reps)
		left += seen_s / seen_reps * target_reps(r) * unseen;
	if (r->o.precision > 0 && r->o.budget_s > 0)
		left = fmin(left, fmax(0, r->o.budget_s - elapsed_s(r)));
	return left;
}

/* "45 s", "12 min", "1.5 h": a duration at the precision an estimate has. */
static void duration(double s, char *buf, size_t len)
{
	if (s < 90)
		snprintf(buf, len, "%.0f s", s);
	else if (s < 5400)
		snprintf(buf, len, "%.0f min", s / 60);
	else
		snprintf(buf, len, "%.1f h", s / 3600);
}

static void show_status(struct kmb_reps *r, const char *name)
{
	char el[32], left[32];

	if (!r->o.status_line || !r->out)
		return;
	duration(elapsed_s(r), el, sizeof(el));
	duration(eta_s(r), left, sizeof(left));
	fprintf(r->out, "\r\033[Kround %d: %u repetitions done, %u/%u benchmarks finished, %s, "
			"about %s left (%.40s)",
		r->round + 1, r->done_reps, r->finished, r->n, el, left, name);
	fflush(r->out);
	r->status_shown = true;
}

static void print_done(struct kmb_reps *r, struct bench_state *b)
{
	double median, cov;
	char value[48], el[32], left[32];
	struct kmb_unit u;

	r->finished++;
	if (!r->out)
		return;
	clear_status(r);
	fprintf(r->out, "[%u/%u] %-42s ", r->finished, r->n, b->name);
	if (b->failed) {
		fprintf(r->out, "FAILED");
	} else if (b->n) {
		median = kmb_stats_median(b->v, b->n);
		cov = kmb_stats_robust_cov(b->v, b->n);
		u = kmb_unit_of(b->per_page ? "ns_per_page" : "real_time",
				b->per_page ? "" : b->unit);
		kmb_unit_format_auto(median, &u, value, sizeof(value));
		fprintf(r->out, "%10s%-5s CoV %5.1f%%", value, b->per_page ? "/page" : "",
			isnan(cov) ? 0 : 100 * cov);
	} else {
		fprintf(r->out, "skipped");
	}
	duration(elapsed_s(r), el, sizeof(el));
	duration(eta_s(r), left, sizeof(left));
	fprintf(r->out, "  n=%d%s  %s, about %s left\n", b->reps,
		b->stop == STOP_BUDGET ? " (time budget)" : b->stop == STOP_MAX ? " (max)" : "",
		el, left);
	fflush(r->out);
}

void kmb_reps_progress(const struct gb_run_result *res, void *arg)
{
	struct kmb_reps *r = arg;
	struct bench_state *b;
	bool found = false;
	double v;

	if (res->bench >= r->n)
		return;
	if (res->round > r->round) {
		double load;
		long running;

		if (!kmb_conditions_load(&load, &running)) {
			r->max_load = fmax(r->max_load, load);
			r->max_running = running > r->max_running ? running : r->max_running;
		}
	}
	if (res->round > r->round && r->out) {
		char el[32], left[32];

		clear_status(r);
		duration(elapsed_s(r), el, sizeof(el));
		duration(eta_s(r), left, sizeof(left));
		fprintf(r->out, "kmb bench: round %d done, %u/%u benchmarks finished, %s elapsed, "
				"about %s left\n",
			r->round + 1, r->finished, r->n, el, left);
		fflush(r->out);
	}
	r->round = res->round;
	r->done_reps++;
	b = &r->b[res->bench];
	b->reps++;
	b->seconds += res->seconds;
	if (res->error) {
		if (strncmp(res->message, "skipped: ", 9)) {
			b->failed = true;
			if (r->out) {
				clear_status(r);
				fprintf(r->out, "  FAILED %s (repetition %d): %s\n", res->name,
					res->repetition + 1, res->message);
			}
		}
		return;
	}
	v = gb_result_counter(res, "ns_per_page", &found);
	b->per_page = found;
	b->unit = res->time_unit;
	if (!found)
		v = res->real_time;
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 16;
		double *nv = realloc(b->v, cap * sizeof(*nv));

		if (!nv)
			return;
		b->v = nv;
		b->cap = cap;
	}
	b->v[b->n++] = v;
	show_status(r, res->name);
}

bool kmb_reps_more(unsigned bench, int done, void *arg)
{
	struct kmb_reps *r = arg;
	struct bench_state *b = bench < r->n ? &r->b[bench] : NULL;

	if (!b || b->stop != GOING)
		return false;
	if (b->failed)
		b->stop = STOP_FAILED;
	else if (done < r->o.min)
		return true;
	else if (r->o.precision <= 0)
		b->stop = STOP_FIXED;
	else if ((b->halfwidth = halfwidth(b, r->o.alpha)) <= r->o.precision)
		b->stop = STOP_PRECISION;
	else if (done >= r->o.max)
		b->stop = STOP_MAX;
	else if (r->o.budget_s > 0 && elapsed_s(r) >= r->o.budget_s)
		b->stop = STOP_BUDGET;
	else
		return true;
	if (isnan(b->halfwidth))
		b->halfwidth = halfwidth(b, r->o.alpha);
	print_done(r, b);
	return false;
}

json_t *kmb_reps_json(const struct kmb_reps *r)
{
	json_t *benches = json_object();
	unsigned i;

	for (i = 0; i < r->n; i++) {
		const struct bench_state *b = &r->b[i];

		json_object_set_new(benches, b->name,
				    json_pack("{s:i, s:f, s:o, s:s}", "repetitions", b->reps,
					      "seconds", b->seconds, "ci_halfwidth",
					      isnan(b->halfwidth) ? json_null()
								  : json_real(b->halfwidth),
					      "stopped", stop_names[b->stop]));
	}
	json_t *busy = kmb_conditions_busy_warning(r->max_load, r->max_running,
						    sysconf(_SC_NPROCESSORS_ONLN));

	return json_pack("{s:s, s:i, s:i, s:f, s:f, s:f, s:{s:f, s:I}, s:o*, s:o}", "mode",
			 r->o.precision > 0 ? "adaptive" : "fixed", "min", r->o.min, "max",
			 r->o.max, "precision", r->o.precision, "budget_s", r->o.budget_s,
			 "elapsed_s", elapsed_s(r), "load_during_run", "max_loadavg1", r->max_load,
			 "max_procs_running", (json_int_t)r->max_running, "busy_warning", busy,
			 "benchmarks", benches);
}
