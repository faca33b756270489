/* A small C interface to Google Benchmark (implemented in gbench.cc, the only
 * C++ file): register benchmarks with C callbacks, drive the iteration loop,
 * report manual time, bytes, items and named counters, and run with flags. */
#ifndef IPCB_GBENCH_H
#define IPCB_GBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gb_state gb_state; /* a benchmark::State */
typedef struct gb_bench gb_bench; /* a benchmark::internal::Benchmark */
typedef void (*gb_fn)(gb_state *st, void *ctx);

/* Counter flags (mirror benchmark::Counter::Flags). */
enum {
    GB_COUNTER_DEFAULT        = 0,
    GB_COUNTER_IS_RATE        = 1 << 0,
    GB_COUNTER_AVG_ITERATIONS = 1 << 3,
    GB_COUNTER_INVARIANT      = 1 << 2,
};
enum gb_time_unit { GB_NS, GB_US, GB_MS, GB_S };

/* Parse and remove --benchmark_* flags from argv (benchmark::Initialize).
 * Returns -1 (with a message on stderr) if an unknown --benchmark_ flag is left. */
int  gb_initialize(int *argc, char **argv);
/* Adds a key/value to the "context" object of the JSON output. */
void gb_add_context(const char *key, const char *value);

gb_bench *gb_register(const char *name, gb_fn fn, void *ctx);
void gb_use_manual_time(gb_bench *b);
void gb_repetitions(gb_bench *b, int n);
void gb_min_time(gb_bench *b, double seconds);  /* not with gb_iterations */
void gb_iterations(gb_bench *b, int64_t n);     /* fixed count, not with min time */
void gb_time_unit(gb_bench *b, enum gb_time_unit u);

/* Inside a benchmark function. */
bool    gb_keep_running(gb_state *st);                 /* State::KeepRunning */
bool    gb_keep_running_batch(gb_state *st, int64_t n);/* State::KeepRunningBatch */
int64_t gb_max_iterations(const gb_state *st);
int64_t gb_iterations_done(const gb_state *st);
void    gb_set_iteration_time(gb_state *st, double seconds); /* adds manual time */
void    gb_set_bytes_processed(gb_state *st, int64_t bytes);
void    gb_set_items_processed(gb_state *st, int64_t items);
void    gb_set_counter(gb_state *st, const char *name, double value, unsigned flags);
void    gb_set_label(gb_state *st, const char *label);
void    gb_skip_with_error(gb_state *st, const char *msg);
bool    gb_error_occurred(const gb_state *st);

/* The harness, not Google Benchmark's calibration, decides how many
 * iterations (frames) a run measures. With calibration switched off (the CLI
 * passes a --benchmark_min_time any real run exceeds), Google Benchmark asks
 * for one iteration; gb_frames_begin starts the timer and makes the run report
 * exactly n iterations (KeepRunningBatch may run past what was asked), and
 * gb_frames_end stops the timer. Every repetition of a benchmark must report
 * the same n: Google Benchmark 1.7.1 aborts otherwise. */
void    gb_frames_begin(gb_state *st, int64_t n);
void    gb_frames_end(gb_state *st);
/* Skip (fail) a run so that it reports n iterations like its siblings. */
void    gb_skip_with_error_frames(gb_state *st, const char *msg, int64_t n);

/* One run (a repetition) or aggregate (median, mean, ...) as Google
 * Benchmark reports it, valid during the on_runs call. */
typedef struct gb_report gb_report;
const char *gb_report_name(const gb_report *r);      /* e.g. "unix/latency/64/manual_time" */
const char *gb_report_aggregate(const gb_report *r); /* "" for a run, else "median", "mean", ... */
bool        gb_report_error(const gb_report *r, const char **message);
int64_t     gb_report_repetitions(const gb_report *r);
int64_t     gb_report_iterations(const gb_report *r);
bool        gb_report_counter(const gb_report *r, const char *name, double *value);

/* What a run shows while it runs. Google Benchmark reports each benchmark
 * once its repetitions are done: one batch with the runs, then one with the
 * aggregates (when there are two or more runs without error). */
typedef struct gb_display {
    bool  verbose;                   /* Google Benchmark's console table on stdout */
    void (*before_print)(void *arg); /* verbose: before each table line (may be NULL) */
    void (*on_runs)(const gb_report *const *runs, size_t n, void *arg); /* each batch (may be NULL) */
    void *arg;
} gb_display;

/* Runs every registered benchmark (respecting --benchmark_filter), showing
 * them as display says (NULL: nothing on the console; the --benchmark_out
 * file is always complete). Returns the number run. */
size_t gb_run(const gb_display *display);
void   gb_shutdown(void);

#ifdef __cplusplus
}
#endif
#endif
