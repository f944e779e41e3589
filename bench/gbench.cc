// SPDX-License-Identifier: GPL-2.0-only
/*
 * The C interface of gbench.h over Google Benchmark. This is the project's only
 * C++: it converts between the C handles and benchmark::State /
 * benchmark::internal::Benchmark and builds the argv Google Benchmark parses.
 */
#include "gbench.h"

#include <benchmark/benchmark.h>

#include <sstream>
#include <unistd.h>
#include <string>
#include <vector>

#include "config.h"

namespace {

benchmark::State &as_state(gb_state *st)
{
	return *reinterpret_cast<benchmark::State *>(st);
}

benchmark::internal::Benchmark *as_bench(gb_bench *b)
{
	return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

std::string build_type;

/*
 * File output keeps every repetition and drops Google Benchmark's aggregates:
 * the samples are what `kmb compare` and compare.py need, and the aggregates'
 * CoV of a constant counter is 0/0, written as NaN, which is not JSON.
 */
class RepetitionsJSONReporter : public benchmark::JSONReporter {
public:
	void ReportRuns(const std::vector<Run> &runs) override
	{
		std::vector<Run> kept;

		for (const auto &run : runs) {
			if (run.run_type != Run::RT_Aggregate)
				kept.push_back(run);
		}
		if (!kept.empty())
			JSONReporter::ReportRuns(kept);
	}
};

} // namespace

extern "C" {

gb_bench *gb_register(const char *name, gb_run_fn fn, void *data)
{
	auto *b = benchmark::RegisterBenchmark(name, [fn, data](benchmark::State &st) {
		fn(reinterpret_cast<gb_state *>(&st), data);
	});
	return reinterpret_cast<gb_bench *>(b);
}

void gb_arg(gb_bench *b, int64_t value)
{
	as_bench(b)->Arg(value);
}

void gb_use_manual_time(gb_bench *b)
{
	as_bench(b)->UseManualTime();
}

void gb_iterations(gb_bench *b, int64_t n)
{
	as_bench(b)->Iterations(n);
}

void gb_repetitions(gb_bench *b, int n)
{
	as_bench(b)->Repetitions(n);
}

void gb_time_unit(gb_bench *b, enum gb_time_unit unit)
{
	static const benchmark::TimeUnit units[] = { benchmark::kNanosecond,
						     benchmark::kMicrosecond,
						     benchmark::kMillisecond, benchmark::kSecond };
	as_bench(b)->Unit(units[unit]);
}

bool gb_keep_running(gb_state *st)
{
	return as_state(st).KeepRunning();
}

void gb_set_iteration_time(gb_state *st, double seconds)
{
	as_state(st).SetIterationTime(seconds);
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

int gb_run(const struct gb_run_options *opts)
{
	/*
	 * Static: Google Benchmark keeps pointers into argv (the executable name
	 * printed in every later context), so the strings must outlive the run.
	 */
	static std::vector<std::string> args;
	static std::vector<char *> argv;

	args.assign({ "kmb" });
	argv.clear();
	int argc;

	args.push_back("--benchmark_repetitions=" + std::to_string(opts->repetitions));
	/* Keep every repetition in the output: the samples are what compare uses. */
	args.push_back("--benchmark_report_aggregates_only=false");
	args.push_back("--benchmark_display_aggregates_only=false");
	if (opts->random_interleaving)
		args.push_back("--benchmark_enable_random_interleaving=true");
	if (opts->json_out) {
		args.push_back(std::string("--benchmark_out=") + opts->json_out);
		args.push_back("--benchmark_out_format=json");
	}
	for (auto &a : args)
		argv.push_back(&a[0]);
	argv.push_back(nullptr);
	argc = static_cast<int>(args.size());
	benchmark::Initialize(&argc, argv.data());
	if (benchmark::ReportUnrecognizedArguments(argc, argv.data()))
		return -1;

	std::ostringstream sink;
	/* Counters as name=value: the families report different ones. */
	benchmark::ConsoleReporter console(isatty(STDOUT_FILENO)
						   ? benchmark::ConsoleReporter::OO_Color
						   : benchmark::ConsoleReporter::OO_None);
	RepetitionsJSONReporter file;
	if (opts->quiet) {
		console.SetOutputStream(&sink);
		console.SetErrorStream(&sink);
	}
	size_t ran = opts->json_out ? benchmark::RunSpecifiedBenchmarks(&console, &file)
				    : benchmark::RunSpecifiedBenchmarks(&console);
	return static_cast<int>(ran);
}

void gb_clear(void)
{
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
