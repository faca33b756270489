// The Google Benchmark shim (the project's only C++ file): implements the C
// interface of gbench.h over benchmark::State/Benchmark/RunSpecifiedBenchmarks,
// so C code can register and run benchmarks. No C++ exception reaches C.

#include "gbench.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <iterator>
#include <vector>
#include <exception>
#include <unistd.h>

namespace {

benchmark::State &S(gb_state *st) { return *reinterpret_cast<benchmark::State *>(st); }
const benchmark::State &S(const gb_state *st)
{
    return *reinterpret_cast<const benchmark::State *>(st);
}
benchmark::internal::Benchmark *B(gb_bench *b)
{
    return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

// Runs f, turning any exception into a message on stderr; returns false then.
template <class F> bool guarded(const char *what, F &&f)
{
    try {
        f();
        return true;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "gbench: %s: %s\n", what, e.what());
    } catch (...) {
        std::fprintf(stderr, "gbench: %s: unknown C++ exception\n", what);
    }
    return false;
}

// The display: Google Benchmark's console table only when verbose (each line
// after a C hook, e.g. to clear a progress line, and without NaN counters,
// which it would print as "-nan"), and every batch of runs handed to C.
class Display : public benchmark::ConsoleReporter {
public:
    explicit Display(const gb_display &d)
        : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Color : OO_None), d_(d) {}

    bool ReportContext(const Context &context) override
    {
        if (!d_.verbose) return true;
        if (d_.before_print) d_.before_print(d_.arg);
        return ConsoleReporter::ReportContext(context);
    }
    void ReportRuns(const std::vector<Run> &reports) override
    {
        if (d_.verbose) {
            if (d_.before_print) d_.before_print(d_.arg);
            ConsoleReporter::ReportRuns(without_nan(reports));
        }
        if (d_.on_runs) {
            std::vector<const gb_report *> runs;
            for (const Run &r : reports) runs.push_back(reinterpret_cast<const gb_report *>(&r));
            d_.on_runs(runs.data(), runs.size(), d_.arg);
        }
    }

private:
    static std::vector<Run> without_nan(const std::vector<Run> &reports)
    {
        std::vector<Run> copy = reports;
        for (Run &r : copy)
            for (auto it = r.counters.begin(); it != r.counters.end();)
                it = std::isnan(it->second.value) ? r.counters.erase(it) : std::next(it);
        return copy;
    }
    gb_display d_;
};

const benchmark::BenchmarkReporter::Run &R(const gb_report *r)
{
    return *reinterpret_cast<const benchmark::BenchmarkReporter::Run *>(r);
}

} // namespace

extern "C" {

int gb_initialize(int *argc, char **argv)
{
    if (!argc || *argc < 1 || !argv) {
        std::fprintf(stderr, "gbench: gb_initialize needs argv[0]\n");
        return -1;
    }
    bool ok = guarded("initialize", [&] { benchmark::Initialize(argc, argv); });
    // Prints "<prog>: error: unrecognized command-line flag: <flag>" per leftover.
    if (!ok || benchmark::ReportUnrecognizedArguments(*argc, argv)) return -1;
    return 0;
}

void gb_add_context(const char *key, const char *value)
{
    guarded("add_context", [&] { benchmark::AddCustomContext(key, value ? value : ""); });
}

gb_bench *gb_register(const char *name, gb_fn fn, void *ctx)
{
    benchmark::internal::Benchmark *b = nullptr;
    guarded("register", [&] {
        b = benchmark::RegisterBenchmark(name, [fn, ctx](benchmark::State &st) {
            fn(reinterpret_cast<gb_state *>(&st), ctx);
        });
    });
    return reinterpret_cast<gb_bench *>(b);
}

void gb_use_manual_time(gb_bench *b) { B(b)->UseManualTime(); }
void gb_repetitions(gb_bench *b, int n) { B(b)->Repetitions(n); }
void gb_min_time(gb_bench *b, double seconds) { B(b)->MinTime(seconds); }
void gb_iterations(gb_bench *b, int64_t n) { B(b)->Iterations(n); }

void gb_time_unit(gb_bench *b, enum gb_time_unit u)
{
    benchmark::TimeUnit unit = benchmark::kNanosecond;
    switch (u) {
    case GB_NS: unit = benchmark::kNanosecond; break;
    case GB_US: unit = benchmark::kMicrosecond; break;
    case GB_MS: unit = benchmark::kMillisecond; break;
    case GB_S: unit = benchmark::kSecond; break;
    }
    B(b)->Unit(unit);
}

bool gb_keep_running(gb_state *st) { return S(st).KeepRunning(); }
bool gb_keep_running_batch(gb_state *st, int64_t n) { return S(st).KeepRunningBatch(n); }
int64_t gb_max_iterations(const gb_state *st) { return S(st).max_iterations; }
int64_t gb_iterations_done(const gb_state *st) { return S(st).iterations(); }
void gb_set_iteration_time(gb_state *st, double seconds) { S(st).SetIterationTime(seconds); }

void gb_set_bytes_processed(gb_state *st, int64_t bytes)
{
    guarded("set_bytes_processed", [&] { S(st).SetBytesProcessed(bytes); });
}

void gb_set_items_processed(gb_state *st, int64_t items)
{
    guarded("set_items_processed", [&] { S(st).SetItemsProcessed(items); });
}

void gb_set_counter(gb_state *st, const char *name, double value, unsigned flags)
{
    using C = benchmark::Counter;
    int f = C::kDefaults;
    if (flags & GB_COUNTER_IS_RATE) f |= C::kIsRate;
    if (flags & GB_COUNTER_AVG_ITERATIONS) f |= C::kAvgIterations;
    if (flags & GB_COUNTER_INVARIANT) f |= C::kIsIterationInvariant;
    guarded("set_counter", [&] { S(st).counters[name] = C(value, static_cast<C::Flags>(f)); });
}

void gb_set_label(gb_state *st, const char *label)
{
    guarded("set_label", [&] { S(st).SetLabel(label); });
}

void gb_skip_with_error(gb_state *st, const char *msg)
{
    // Google Benchmark 1.7.1 aborts the whole program (ComputeStats) when the
    // repetitions of a benchmark report different iteration counts, and a run
    // skipped before its loop started reports 0. Starting the loop first makes
    // a skipped repetition report the same count as the others.
    guarded("skip_with_error", [&] {
        if (S(st).iterations() == 0)
            S(st).KeepRunning();
        S(st).SkipWithError(msg);
    });
}

bool gb_error_occurred(const gb_state *st) { return S(st).error_occurred(); }

void gb_frames_begin(gb_state *st, int64_t n)
{
    // Before the first KeepRunning call the state has not started; one batch
    // of n starts the timer and sets iterations() to n, however many
    // iterations Google Benchmark asked for (at most n: calibration is off).
    if (S(st).iterations() == 0 && n > 0)
        S(st).KeepRunningBatch(n);
}

void gb_frames_end(gb_state *st)
{
    // The batch left nothing to run: this call stops the timer and ends the loop.
    while (!S(st).error_occurred() && S(st).KeepRunningBatch(1))
        ;
}

void gb_skip_with_error_frames(gb_state *st, const char *msg, int64_t n)
{
    guarded("skip_with_error", [&] {
        if (S(st).iterations() == 0)
            S(st).KeepRunningBatch(n > 0 ? n : 1);
        S(st).SkipWithError(msg);
    });
}

size_t gb_run(const gb_display *display)
{
    size_t n = 0;
    // With a display reporter only, RunSpecifiedBenchmarks still creates the
    // file reporter from --benchmark_out / --benchmark_out_format itself.
    guarded("run", [&] {
        gb_display quiet = {};
        Display out(display ? *display : quiet);
        n = benchmark::RunSpecifiedBenchmarks(&out);
    });
    return n;
}

const char *gb_report_name(const gb_report *r)
{
    const char *name = "";
    guarded("report_name", [&] {
        static thread_local std::string text;
        text = R(r).run_name.str();
        name = text.c_str();
    });
    return name;
}

const char *gb_report_aggregate(const gb_report *r)
{
    return R(r).run_type == benchmark::BenchmarkReporter::Run::RT_Aggregate
               ? R(r).aggregate_name.c_str() : "";
}

bool gb_report_error(const gb_report *r, const char **message)
{
    if (message) *message = R(r).error_message.c_str();
    return R(r).error_occurred;
}

int64_t gb_report_repetitions(const gb_report *r) { return R(r).repetitions; }
int64_t gb_report_iterations(const gb_report *r) { return R(r).iterations; }

bool gb_report_counter(const gb_report *r, const char *name, double *value)
{
    auto it = R(r).counters.find(name);
    if (it == R(r).counters.end()) return false;
    *value = it->second.value;
    return true;
}

void gb_shutdown(void) { benchmark::Shutdown(); }

} // extern "C"
