// SPDX-License-Identifier: GPL-2.0-only
/*
 * The C interface of gbench.h over Google Benchmark. This is the project's only
 * C++: it converts between the C handles and benchmark::State, and drives the
 * repetitions.
 *
 * kmb runs the repetitions itself, one Google Benchmark run of one repetition
 * at a time, instead of passing --benchmark_repetitions: it decides the order
 * (interleaved rounds), can add repetitions (gb_more_fn) and reports progress.
 * It also keeps clear of a defect of Google Benchmark 1.7 (Debian 12): with
 * several repetitions, ComputeStats() reads reports[0].statistics, which is
 * never set for a repetition that reported an error; when the first of them
 * failed and two others did not, the aggregates were built from an
 * uninitialised pointer (fixed upstream in "Skip errored runs when computing
 * repetition statistics"). A single repetition per run never gets there.
 */
#include "gbench.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "config.h"
#include "metric.h"

namespace {

using Run = benchmark::BenchmarkReporter::Run;

benchmark::State &as_state(gb_state *st)
{
	return *reinterpret_cast<benchmark::State *>(st);
}

/* A registered benchmark: everything needed to hand it to Google Benchmark again. */
struct Bench {
	std::string name;
	gb_run_fn fn;
	void *data;
	std::vector<int64_t> args;
	bool manual_time = false;
	int64_t iterations = 0;
	benchmark::TimeUnit unit = benchmark::kNanosecond;
	int repetitions = 0; /* 0: the run's default */
};

std::vector<std::unique_ptr<Bench>> registered;
std::string build_type;
/* Every metric's declared direction, by name: what the emitter said it means. */
std::map<std::string, std::string> directions;

const char *direction_of(unsigned flags)
{
	if (flags & GB_LOWER_IS_BETTER)
		return "lower";
	if (flags & GB_HIGHER_IS_BETTER)
		return "higher";
	return "none";
}

/*
 * The display reporter of every run: collects the runs of each repetition and
 * passes them on to Google Benchmark's console when that is wanted. (A file
 * reporter would need --benchmark_out; the JSON is rendered at the end.)
 */
class Collector : public benchmark::BenchmarkReporter {
	benchmark::ConsoleReporter *console;
	bool context_shown = false;

public:
	std::vector<Run> runs;

	explicit Collector(benchmark::ConsoleReporter *console_) : console(console_)
	{
	}
	bool ReportContext(const Context &context) override
	{
		if (!console || context_shown)
			return true;
		context_shown = true;
		return console->ReportContext(context);
	}
	void ReportRuns(const std::vector<Run> &reports) override
	{
		for (const auto &run : reports) {
			if (run.run_type != Run::RT_Aggregate)
				runs.push_back(run);
		}
		if (console)
			console->ReportRuns(reports);
	}
};

void register_with_library(const Bench &b)
{
	auto *gb = benchmark::RegisterBenchmark(b.name.c_str(), [&b](benchmark::State &st) {
		b.fn(reinterpret_cast<gb_state *>(&st), b.data);
	});
	for (int64_t a : b.args)
		gb->Arg(a);
	if (b.manual_time)
		gb->UseManualTime();
	if (b.iterations)
		gb->Iterations(b.iterations);
	gb->Unit(b.unit);
}

double seconds_since(std::chrono::steady_clock::time_point t0)
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/* The whole document: Google Benchmark's own JSON writer over the collected runs. */
char *render_json(const std::vector<Run> &runs)
{
	std::ostringstream out, err;
	benchmark::JSONReporter json;

	json.SetOutputStream(&out);
	json.SetErrorStream(&err);
	json.ReportContext(benchmark::BenchmarkReporter::Context());
	for (const auto &run : runs)
		json.ReportRuns(std::vector<Run>{ run });
	json.Finalize();
	return strdup(out.str().c_str());
}

} // namespace

extern "C" {

gb_bench *gb_register(const char *name, gb_run_fn fn, void *data)
{
	auto b = std::make_unique<Bench>();

	b->name = name;
	b->fn = fn;
	b->data = data;
	registered.push_back(std::move(b));
	return reinterpret_cast<gb_bench *>(registered.back().get());
}

void gb_arg(gb_bench *b, int64_t value)
{
	reinterpret_cast<Bench *>(b)->args.push_back(value);
}

void gb_use_manual_time(gb_bench *b)
{
	reinterpret_cast<Bench *>(b)->manual_time = true;
}

void gb_iterations(gb_bench *b, int64_t n)
{
	reinterpret_cast<Bench *>(b)->iterations = n;
}

void gb_repetitions(gb_bench *b, int n)
{
	reinterpret_cast<Bench *>(b)->repetitions = n;
}

void gb_time_unit(gb_bench *b, enum gb_time_unit unit)
{
	static const benchmark::TimeUnit units[] = { benchmark::kNanosecond,
						     benchmark::kMicrosecond,
						     benchmark::kMillisecond, benchmark::kSecond };
	reinterpret_cast<Bench *>(b)->unit = units[unit];
}

bool gb_keep_running(gb_state *st)
{
	return as_state(st).KeepRunning();
}

void gb_set_iteration_time(gb_state *st, double seconds)
{
	as_state(st).SetIterationTime(seconds);
}

int64_t gb_planned_iterations(gb_state *st)
{
	return static_cast<int64_t>(as_state(st).max_iterations);
}

int64_t gb_range(gb_state *st, size_t index)
{
	return as_state(st).range(index);
}

void gb_counter(gb_state *st, const char *name, double value, unsigned flags)
{
	int f = benchmark::Counter::kDefaults;

	if (flags & GB_COUNTER_RATE)
		f |= benchmark::Counter::kIsRate;
	if (flags & GB_COUNTER_AVG_ITERATIONS)
		f |= benchmark::Counter::kAvgIterations;
	if (flags & GB_COUNTER_ITERATION_INVARIANT)
		f |= benchmark::Counter::kIsIterationInvariant;
	as_state(st).counters[name] =
		benchmark::Counter(value, static_cast<benchmark::Counter::Flags>(f));
	directions.emplace(name, direction_of(flags));
}

void gb_set_label(gb_state *st, const char *label)
{
	as_state(st).SetLabel(label);
}

/*
 * Google Benchmark 1.7 has no SkipWithMessage (1.8 does); a skip is reported
 * as an error whose message starts with "skipped: " so readers can tell the two.
 */
void gb_skip(gb_state *st, const char *message)
{
	std::string msg = std::string("skipped: ") + message;
	as_state(st).SkipWithError(msg.c_str());
}

void gb_error(gb_state *st, const char *message)
{
	as_state(st).SkipWithError(message);
}

bool gb_failed(gb_state *st)
{
	return as_state(st).error_occurred();
}

void gb_add_context(const char *key, const char *value)
{
	benchmark::AddCustomContext(key, value);
}

double gb_result_counter(const struct gb_run_result *r, const char *name, bool *found)
{
	const Run *run = static_cast<const Run *>(r->priv);
	auto it = run->counters.find(name);

	if (found)
		*found = it != run->counters.end();
	return it == run->counters.end() ? 0 : it->second.value;
}

void gb_result_add_counter(const struct gb_run_result *r, const char *name, double value)
{
	/* The run is the collector's own: priv is const only for the callback's readers. */
	Run *run = const_cast<Run *>(static_cast<const Run *>(r->priv));

	run->counters[name] = benchmark::Counter(value);
	directions.emplace(name, "none");
}

int gb_run(const struct gb_run_options *opts)
{
	/*
	 * Static: Google Benchmark keeps a pointer to argv[0] (the executable
	 * name of every later context), so the string must outlive the run.
	 */
	static char arg0[] = "kmb";
	static char *argv[] = { arg0, nullptr };
	static bool initialised;
	int argc = 1;

	if (!initialised) {
		benchmark::Initialize(&argc, argv);
		initialised = true;
	}

	benchmark::ConsoleReporter console(isatty(STDOUT_FILENO)
						   ? benchmark::ConsoleReporter::OO_Color
						   : benchmark::ConsoleReporter::OO_None);
	Collector collector(opts->console ? &console : nullptr);
	std::vector<int> done(registered.size(), 0);
	std::vector<size_t> order;
	std::mt19937 rng(std::random_device{}());
	auto wanted = [&](size_t i) {
		int reps = registered[i]->repetitions ? registered[i]->repetitions
						      : opts->repetitions;
		if (opts->more)
			return opts->more((unsigned)i, done[i], opts->arg);
		return done[i] < reps;
	};

	for (int round = 0;; round++) {
		order.clear();
		for (size_t i = 0; i < registered.size(); i++) {
			if (wanted(i))
				order.push_back(i);
		}
		if (order.empty())
			break;
		if (opts->random_interleaving)
			std::shuffle(order.begin(), order.end(), rng);
		for (size_t i : order) {
			const Bench &b = *registered[i];
			auto t0 = std::chrono::steady_clock::now();
			size_t before = collector.runs.size();

			benchmark::ClearRegisteredBenchmarks();
			register_with_library(b);
			if (opts->before)
				opts->before((unsigned)i, opts->arg);
			benchmark::RunSpecifiedBenchmarks(&collector);
			benchmark::ClearRegisteredBenchmarks();
			for (size_t k = before; k < collector.runs.size(); k++) {
				Run &run = collector.runs[k];
				struct gb_run_result res = {};

				run.family_index = (int64_t)i;
				run.per_family_instance_index = 0;
				run.repetition_index = done[i];
				res.bench = (unsigned)i;
				res.name = b.name.c_str();
				res.repetition = done[i];
				res.round = round;
				res.error = run.error_occurred;
				res.message = run.error_message.c_str();
				res.real_time = run.GetAdjustedRealTime();
				res.time_unit = benchmark::GetTimeUnitString(run.time_unit);
				res.seconds = seconds_since(t0);
				res.priv = &run;
				if (opts->progress)
					opts->progress(&res, opts->arg);
			}
			done[i]++;
		}
	}
	/* Every run carries the repetition count its benchmark ended with. */
	for (auto &run : collector.runs)
		run.repetitions = done[(size_t)run.family_index];
	/*
	 * The library's own times: real_time is what manual timing measured,
	 * lower is better; cpu_time also covers the untimed setup.
	 */
	directions.emplace("real_time", "lower");
	directions.emplace("cpu_time", "none");
	for (const auto &d : directions)
		benchmark::AddCustomContext(KMB_METRIC_DIRECTION_KEY + d.first, d.second);
	if (opts->json)
		*opts->json = render_json(collector.runs);
	size_t ran = 0;
	for (int n : done)
		ran += n > 0;
	return static_cast<int>(ran);
}

void gb_clear(void)
{
	registered.clear();
	benchmark::ClearRegisteredBenchmarks();
}

/*
 * The library's build type is only visible in its JSON context, so run one
 * empty benchmark through the JSON reporter into memory and read it back.
 */
const char *gb_library_build_type(void)
{
	if (!build_type.empty())
		return build_type.c_str();

	std::ostringstream out, err;
	benchmark::JSONReporter json;
	json.SetOutputStream(&out);
	json.SetErrorStream(&err);
	benchmark::ClearRegisteredBenchmarks();
	benchmark::RegisterBenchmark("kmb_build_type_probe", [](benchmark::State &st) {
		for (auto _ : st)
			benchmark::DoNotOptimize(st.iterations());
	})->Iterations(1);
	benchmark::RunSpecifiedBenchmarks(&json, "kmb_build_type_probe");
	benchmark::ClearRegisteredBenchmarks();

	std::string text = out.str();
	std::string key = "\"library_build_type\": \"";
	size_t at = text.find(key);
	if (at == std::string::npos) {
		build_type = "unknown";
	} else {
		at += key.size();
		build_type = text.substr(at, text.find('"', at) - at);
	}
	return build_type.c_str();
}

const char *gb_library_version(void)
{
#ifdef KMB_BENCHMARK_VERSION
	return KMB_BENCHMARK_VERSION;
#else
	return "unknown";
#endif
}

} /* extern "C" */
