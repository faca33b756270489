/* report.md and report.html for a results directory: the environment, the
 * measurement method in plain words, one table per mode with transports side
 * by side and the best per size marked, the counters that explain them,
 * failures, CPU cost, copies, the plots and the files; with a baseline also
 * the verdicts, change columns and overlay plots. One walk over the content
 * writes both formats (reportdoc.c). */
#include "report.h"
#include "compare.h"
#include "compare_print.h"
#include "reportdoc.h"
#include "resultset.h"
#include "textfile.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One table: rows = sizes of mode by bytes (in fanout mode, each size with
 * each number of subscribers), columns = transports, cells written by cell:
 * a value cell shows counter (and the late count for paced), the best per
 * row in bold. metric names the compare metric that gives its change
 * columns (NULL: none); explain NULL leaves out the sentence under the heading. */
typedef struct table_spec table_spec;
typedef void cell_writer(rdoc *d, const table_spec *t, const ipcb_result *r, double best);
static cell_writer write_value_cell, write_counters_cell;

struct table_spec {
    const char       *mode;
    const char       *heading;
    const char       *explain;      /* one sentence under the heading */
    enum ipcb_counter counter;
    int               higher_better;
    int               with_late;
    const char       *metric;
    cell_writer      *cell;
};

static const table_spec mode_tables[] = {
    { "latency", "Latency: one-way p50 (µs)",
      "Median time from handing the frame to the transport until the peer can use it.",
      IPCB_C_P50_US, 0, 0, "p50", write_value_cell },
    { "latency", "Latency: one-way p99 (µs)",
      "One frame in a hundred took longer than this.",
      IPCB_C_P99_US, 0, 0, "p99", write_value_cell },
    { "throughput", "Throughput (MB/s)",
      "Payload megabytes (10^6 bytes) per second confirmed by the peer, frames streamed back to back.",
      IPCB_C_MB_PER_S, 1, 0, "throughput", write_value_cell },
    { "paced", "Paced: p99 latency from the intended send time (µs), late frames",
      "Frames sent at a fixed rate; a frame is late when it arrives more than one frame period after it was due.",
      IPCB_C_P99_US, 0, 1, "paced-p99", write_value_cell },
    { "fanout", "Fanout: p50 latency until the last subscriber has the frame (µs)",
      "One sender, several subscribers; the frame counts as delivered when the last one has it.",
      IPCB_C_P50_US, 0, 0, "fanout-p50", write_value_cell },
};

static const table_spec cpu_table = {
    "throughput", "CPU seconds per GiB moved (throughput mode)",
    "User + system CPU time of driver, peer and any daemon or broker together.",
    IPCB_C_CPU_PER_GIB_S, 0, 0, "cpu", write_value_cell,
};

/* "Counters that explain": one table per mode, cells "faults · csw (n=...)". */
static const table_spec counter_tables[] = {
    { "latency", "Latency mode", NULL, IPCB_C_FAULTS_PER_FRAME, 0, 0, NULL, write_counters_cell },
    { "throughput", "Throughput mode", NULL, IPCB_C_FAULTS_PER_FRAME, 0, 0, NULL, write_counters_cell },
    { "paced", "Paced mode", NULL, IPCB_C_FAULTS_PER_FRAME, 0, 0, NULL, write_counters_cell },
    { "fanout", "Fanout mode", NULL, IPCB_C_FAULTS_PER_FRAME, 0, 0, NULL, write_counters_cell },
};

static const char counters_intro[] =
    "Why a figure is what it is. Each cell: page faults per frame · context switches per "
    "frame (driver, peers and any daemon or broker together) and, in brackets, *n* = "
    "frames measured per run × runs: the samples under that benchmark's figures. Many page "
    "faults per frame mean buffers touched while cold (first use); many context switches "
    "mean waiting by sleeping and waking up rather than spinning.";

/* Context facts shown under "Environment", in this order, if present. */
static const struct { const char *label, *key; } env_rows[] = {
    { "Host", "host_name" },              { "Kernel", "kernel" },
    { "CPU model", "cpu_model" },         { "Cores", "num_cpus" },
    { "CPU MHz", "mhz_per_cpu" },         { "CPU governor", "cpu_governor" },
    { "Frequency scaling", "cpu_scaling_enabled" },
    { "Load average (1, 5, 15 min)", "load_avg" },
    { "ipcbench version", "ipcbench_version" },
    { "ipcbench commit", "ipcbench_git_commit" },
    { "Google Benchmark", "lib_benchmark" }, { "xxHash", "lib_xxhash" },
    { "Jansson", "lib_jansson" },         { "libspng", "lib_spng" },
    { "C library", "lib_libc" },
    { "libcurl", "lib_curl" },            { "libmicrohttpd", "lib_microhttpd" },
    { "libdbus-1", "lib_dbus" },
    { "Benchmark library build", "library_build_type" },
    { "Campaign", "campaign" },           { "Verify policy", "verify" },
    { "Paced frame rate (fps)", "fps" },  { "Throughput window (frames)", "window" },
    { "CPU pinning", "pin" },             { "Command", "command" },
};

static const struct { const char *file, *title; } plots[] = {
    { "throughput", "Throughput by frame size" },
    { "latency", "One-way latency by frame size (p50 solid, p99 dashed)" },
    { "cdf", "Latency distribution at one frame size" },
    { "fanout", "Fan-out latency p50 until the last subscriber, by number of subscribers" },
};

static const struct { const char *file, *title; } overlay_plots[] = {
    { "compare-throughput", "Throughput: this run (solid) against the baseline (dashed)" },
    { "compare-latency", "One-way latency p50: this run (solid) against the baseline (dashed)" },
};

static const char method_intro[] =
    "Every benchmark moves image frames from a *driver* process to a *peer* "
    "process over one transport. Each frame carries a small header (sequence "
    "number, length, send time, checksum) followed by the pixels.";

static const char *const method_items[] = {
    "**Latency** (ping-pong): the driver reads `CLOCK_MONOTONIC` just before "
    "it hands a frame to the transport (t0); the peer reads the same clock when "
    "the whole frame is usable on its side (t1), either as its own copy or as a "
    "borrowed view. One-way latency is t1 - t0: both processes run on the same "
    "host and use the same clock, so no clock synchronisation is involved. The "
    "peer sends t1 back, and the driver also records the round trip.",
    "**Throughput** (stream): frames are sent back to back with a bounded "
    "window of frames in flight. Bytes per second and frames per second count "
    "only payload bytes the peer confirmed it received.",
    "**Paced**: frames are sent at a fixed frame rate, as a camera or "
    "compositor would. Latency is measured from the time each frame was "
    "*supposed* to be sent, not from when the driver actually got to send it, "
    "so a transport that falls behind cannot hide its queueing delay "
    "(coordinated omission). A frame is *late* when it is delivered more than "
    "one frame period after that intended time; *dropped* frames never arrived.",
    "**CPU cost**: user + system CPU time of the driver, the peer and any "
    "shared infrastructure (bus daemon, broker), per GiB moved and per frame.",
    "**Copies**: how many times the pixels are copied end to end by the "
    "transport (0 for a zero-copy shared-memory hand-over).",
    "**Verification**: every frame's header is checked (magic, sequence "
    "number, length) and payload checksums are checked according to the verify "
    "policy (all, sample or none). A mismatch fails the benchmark; it is never "
    "folded into a number.",
    "**Statistics**: p50, p90, p99, p99.9, maximum and mean come from all "
    "samples (frames) of one run. p99 needs at least 100 samples in a run and "
    "p99.9 at least 1000; with fewer, a table shows – and *n*, the frames each "
    "run measured. With repetitions, the tables show the median across runs.",
    "**memcpy** (in-process copy) is the reference: the physical limit of "
    "any transport that copies the frame.",
};

static const char fanout_method[] =
    "**Fan-out**: one sender, K subscriber processes. Latency is measured from "
    "t0 until the *last* subscriber has the frame. Broadcast transports "
    "(`qcop`, `qcop-fd`) send each frame once, through the broker, which hands "
    "it to every subscriber; point-to-point ones (`unix`, `tcp`) send the frame "
    "on one connection per subscriber, one after another.";

static const char compare_method[] =
    "**Comparison with a baseline**: each change is the median over the "
    "repetitions of this run against the median of the baseline's. A change "
    "counts as *slower* or *faster* when it exceeds the threshold (latency up "
    "or throughput down is slower) and a two-sided Mann-Whitney U test over "
    "the repetitions of both runs is significant; with too few repetitions for "
    "the test to reach the significance level, the threshold alone decides.";

/* Everything one pass over the report needs. */
typedef struct report_ctx {
    rdoc                   d;
    const ipcb_resultset  *rs;
    const char            *dir;
    const ipcb_resultset  *base;        /* NULL without a baseline */
    const char            *base_label;
    const ipcb_comparison *cmp;         /* NULL if there is none */
    const char            *cmp_err;     /* why there is no comparison */
    const char           **transports;  /* scratch, room for rs->nresults */
    const ipcb_result    **rows;        /* scratch, room for rs->nresults */
} report_ctx;

/* ---- small helpers ------------------------------------------------------- */

/* Appends printf-style text to the string in buf (of size n), truncating. */
static void appendf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t n, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, n - len, fmt, ap);
    va_end(ap);
}

/* A measurement with three or so significant digits, no exponent. */
static void format_value(char *buf, size_t n, double v)
{
    double a = fabs(v);
    snprintf(buf, n, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
}

static void format_bytes(char *buf, size_t n, uint64_t bytes)
{
    static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1000 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1000;
        u++;
    }
    snprintf(buf, n, u ? "%.3g %s" : "%.0f %s", v, units[u]);
}

static int file_exists(const char *dir, const char *name)
{
    char path[PATH_MAX];
    int len = snprintf(path, sizeof path, "%s/%s", dir, name);
    return len > 0 && (size_t)len < sizeof path && access(path, F_OK) == 0;
}

/* transport's result in a table row (row: any result of that row). */
static const ipcb_result *find_cell(const ipcb_resultset *rs, const char *transport,
                                    const ipcb_result *row)
{
    char name[128]; /* as ipcb_result.name */
    ipcb_benchmark_name(name, sizeof name, transport, row);
    return ipcb_resultset_find(rs, name);
}

/* Do any of the rows count subscribers (fanout mode)? */
static int has_subscribers(const ipcb_result *const *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i]->subscribers > 0)
            return 1;
    return 0;
}

/* "1080p (8.29 MB)", and ", 4 subscribers" in fanout mode. */
static void row_label(char *out, size_t n, const ipcb_result *row)
{
    char bytes[32];
    format_bytes(bytes, sizeof bytes, row->bytes);
    int len = snprintf(out, n, "%s (%s)", row->size, bytes);
    if (row->subscribers && len > 0 && (size_t)len < n)
        snprintf(out + len, n - (size_t)len, ", %d subscriber%s", row->subscribers,
                 row->subscribers == 1 ? "" : "s");
}

static int mode_present(const ipcb_resultset *rs, const char *mode)
{
    for (size_t i = 0; i < rs->nresults; i++)
        if (strcmp(rs->results[i].mode, mode) == 0)
            return 1;
    return 0;
}

/* Do any results carry page-fault or context-switch counters? */
static int has_cost_counters(const ipcb_resultset *rs)
{
    for (size_t i = 0; i < rs->nresults; i++) {
        const double *v = rs->results[i].summary.counter;
        if (isfinite(v[IPCB_C_FAULTS_PER_FRAME]) || isfinite(v[IPCB_C_CSW_PER_FRAME]))
            return 1;
    }
    return 0;
}

static size_t count_skipped(const ipcb_resultset *rs)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->nresults; i++)
        n += rs->results[i].skipped != 0;
    return n;
}

/* "campaign, date" of a result set. */
static void describe(const ipcb_resultset *rs, char *out, size_t len)
{
    const char *campaign = ipcb_resultset_context(rs, "campaign");
    const char *date = ipcb_resultset_context(rs, "date");
    char now[32];
    if (!date) {
        time_t t = time(NULL);
        strftime(now, sizeof now, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
        date = now;
    }
    snprintf(out, len, "%s, %s", campaign ? campaign : "results", date);
}

/* ---- sections ------------------------------------------------------------ */

static void write_title(report_ctx *c)
{
    rdoc *d = &c->d;
    char what[256], base[256];
    describe(c->rs, what, sizeof what);
    rd_heading_begin(d, 1, "title");
    rd_textf(d, "ipcbench report: %s", what);
    if (c->base) {
        describe(c->base, base, sizeof base);
        rd_textf(d, " against the baseline %s", base);
    }
    rd_heading_end(d, 1);
    rd_para_begin(d);
    rd_textf(d, "%zu benchmarks, each moving image frames from one process to another "
             "over one transport.", c->rs->nresults);
    if (c->base) {
        rd_text(d, " Baseline: ");
        rd_code(d, c->base_label);
        rd_text(d, ".");
    }
    rd_para_end(d);
}

static void write_nav(report_ctx *c)
{
    const char *ids[12], *titles[12];
    size_t n = 0;
#define NAV(id, title) (ids[n] = (id), titles[n] = (title), n++)
    if (c->base)
        NAV("comparison", "Comparison");
    NAV("environment", "Environment");
    NAV("method", "Method");
    NAV("results", "Results");
    if (has_cost_counters(c->rs))
        NAV("counters", "Counters");
    NAV("failures", "Failures");
    if (count_skipped(c->rs))
        NAV("skipped", "Skipped");
    NAV("cpu-cost", "CPU cost");
    NAV("copies", "Copies");
    NAV("plots", "Plots");
    NAV("files", "Files");
#undef NAV
    rd_nav(&c->d, ids, titles, n);
}

static void comparison_table(report_ctx *c)
{
    rdoc *d = &c->d;
    static const char *const cols[] = { "benchmark", "metric", "baseline", "this run",
                                        "change", "p", "verdict", "note" };
    static const int flags[] = { 0, 0, RD_NUM, RD_NUM, RD_NUM, RD_NUM, 0, 0 };
    rd_table_begin(d);
    rd_header(d, cols, flags, 8);
    for (size_t i = 0; i < c->cmp->nrows; i++) {
        const ipcb_cmp_row *r = &c->cmp->rows[i];
        if (r->verdict == IPCB_V_UNCHANGED || r->verdict == IPCB_V_NA)
            continue;
        ipcb_cmp_cells k;
        ipcb_cmp_row_cells(c->cmp, r, &k);
        int vf = r->verdict == IPCB_V_SLOWER ? RD_SLOWER : r->verdict == IPCB_V_FASTER ? RD_FASTER : 0;
        rd_row_begin(d);
        rd_cell_begin(d, 0);
        rd_code(d, r->name);
        rd_cell_end(d, 0);
        rd_cell(d, 0, k.metric);
        rd_cell(d, RD_NUM, k.base);
        rd_cell(d, RD_NUM, k.new_value);
        rd_cell(d, RD_NUM | vf, k.change);
        rd_cell(d, RD_NUM, k.p);
        rd_cell_begin(d, vf);
        if (r->verdict == IPCB_V_SLOWER)
            rd_strong_begin(d);
        rd_text(d, k.verdict);
        if (r->verdict == IPCB_V_SLOWER)
            rd_strong_end(d);
        rd_cell_end(d, vf);
        rd_cell(d, 0, r->note);
        rd_row_end(d);
    }
    rd_table_end(d);
}

static void write_comparison(report_ctx *c)
{
    rdoc *d = &c->d;
    rd_section_begin(d, "comparison", "Comparison with the baseline");
    if (!c->cmp) {
        rd_para_begin(d);
        rd_text(d, "These results cannot be compared with the baseline: ");
        rd_text(d, c->cmp_err);
        rd_para_end(d);
        rd_section_end(d);
        return;
    }
    char line[1024];
    rd_para_begin(d);
    if (c->cmp->regression) {
        rd_strong_begin(d);
        rd_textf(d, "Regression: %zu slower", c->cmp->count[IPCB_V_SLOWER]);
        rd_strong_end(d);
    } else {
        rd_textf(d, "No regression beyond %g%%.", 100 * c->cmp->opts.threshold);
    }
    ipcb_comparison_summary(c->cmp, line, sizeof line);
    rd_text(d, " ");
    rd_text(d, line);
    rd_text(d, ".");
    rd_para_end(d);
    rd_para_begin(d);
    rd_markup(d, compare_method);
    rd_textf(d, " Here: threshold %g%%, significance level %g", 100 * c->cmp->opts.threshold,
             c->cmp->opts.alpha);
    if (c->cmp->nthreshold_only)
        rd_textf(d, "; %zu comparisons judged by threshold alone", c->cmp->nthreshold_only);
    rd_text(d, ". The tables under Results show every change; ");
    rd_code(d, "ipcbench compare");
    rd_text(d, " gives the same verdicts as a table, Markdown or JSON.");
    rd_para_end(d);
    size_t na = c->cmp->count[IPCB_V_NA];
    size_t notable = c->cmp->nrows - c->cmp->count[IPCB_V_UNCHANGED] - na;
    if (notable)
        comparison_table(c);
    else
        rd_para(d, na ? "Every other comparison is unchanged." : "Every comparison is unchanged.");
    if (na) {
        rd_para_begin(d);
        rd_textf(d, "%zu comparison%s n/a (marked so in the change columns): the value is "
                 "absent on a side, most often a percentile from runs of too few frames "
                 "(p99 needs 100, p99.9 1000). They never count as a regression.", na,
                 na == 1 ? " is" : "s are");
        rd_para_end(d);
    }
    rd_section_end(d);
}

static void write_environment(report_ctx *c)
{
    rdoc *d = &c->d;
    rd_section_begin(d, "environment", "Environment");
    static const char *const one[] = { "fact", "value" };
    static const char *const two[] = { "fact", "baseline", "this run" };
    rd_table_begin(d);
    rd_header(d, c->base ? two : one, NULL, c->base ? 3 : 2);
    for (size_t i = 0; i < sizeof env_rows / sizeof env_rows[0]; i++) {
        const char *v = ipcb_resultset_context(c->rs, env_rows[i].key);
        const char *b = c->base ? ipcb_resultset_context(c->base, env_rows[i].key) : NULL;
        if (!v && !b)
            continue;
        rd_row_begin(d);
        rd_cell(d, 0, env_rows[i].label);
        if (c->base) {
            int differs = !v || !b || strcmp(v, b) != 0;
            rd_cell(d, differs ? RD_DIFF : 0, b ? b : "—");
            rd_cell(d, differs ? RD_DIFF : 0, v ? v : "—");
        } else {
            rd_cell(d, 0, v);
        }
        rd_row_end(d);
    }
    rd_table_end(d);
    if (c->base)
        rd_para(d, "Facts that differ between the two runs are highlighted.");
    rd_section_end(d);
}

static void write_method(report_ctx *c)
{
    rdoc *d = &c->d;
    rd_section_begin(d, "method", "Method");
    rd_para(d, method_intro);
    rd_list_begin(d);
    for (size_t i = 0; i < sizeof method_items / sizeof method_items[0]; i++) {
        rd_item_begin(d);
        rd_markup(d, method_items[i]);
        rd_item_end(d);
    }
    const char *fanout = ipcb_mode_name(IPCB_MODE_FANOUT);
    if (mode_present(c->rs, fanout) || (c->base && mode_present(c->base, fanout))) {
        rd_item_begin(d);
        rd_markup(d, fanout_method);
        rd_item_end(d);
    }
    if (c->base) {
        rd_item_begin(d);
        rd_markup(d, compare_method);
        rd_item_end(d);
    }
    rd_list_end(d);
    rd_section_end(d);
}

/* The best value in a row: lowest or highest among successful cells; NaN if none. */
static double best_in_row(const ipcb_resultset *rs, const table_spec *t, const ipcb_result *row,
                          const char **transports, size_t nt)
{
    double best = NAN;
    for (size_t k = 0; k < nt; k++) {
        const ipcb_result *r = find_cell(rs, transports[k], row);
        double v = r && !r->failed ? r->summary.counter[t->counter] : NAN;
        if (isfinite(v) && (isnan(best) || (t->higher_better ? v > best : v < best)))
            best = v;
    }
    return best;
}

/* The cell of a transport without a result in this row ("—") or whose
 * benchmark failed; returns 1 if it wrote one. */
static int write_no_result_cell(rdoc *d, const ipcb_result *r)
{
    if (r && !r->failed)
        return 0;
    rd_cell(d, RD_NUM, r ? "failed" : "—");
    return 1;
}

/* The counter's value; "–" with the frames per run when the runs measured
 * too few frames for it (a percentile); for paced, the late count after. */
static void write_value_cell(rdoc *d, const table_spec *t, const ipcb_result *r, double best)
{
    if (write_no_result_cell(d, r))
        return;
    double v = r->summary.counter[t->counter];
    char cell[64] = "", notes[48] = "";
    if (isfinite(v)) {
        format_value(cell, sizeof cell, v);
    } else if (ipcb_result_too_few_frames(r, t->counter)) {
        snprintf(cell, sizeof cell, "–");
        snprintf(notes, sizeof notes, "n=%" PRIu64, r->frames_per_run);
    } else {
        rd_cell(d, RD_NUM, "n/a");
        return;
    }
    double late = r->summary.counter[IPCB_C_LATE];
    if (t->with_late && isfinite(late))
        appendf(notes, sizeof notes, "%s%.0f late", notes[0] ? ", " : "", late);
    if (notes[0])
        appendf(cell, sizeof cell, " (%s)", notes);
    rd_cell(d, RD_NUM | (v == best ? RD_BEST : 0), cell);
}

/* "0.02" or "n/a": a counter of the counters table. */
static void format_counter(char *buf, size_t n, double v)
{
    if (isfinite(v))
        format_value(buf, n, v);
    else
        snprintf(buf, n, "n/a");
}

/* "faults · csw (n=frames per run×runs)", and the hypervisor's steal when
 * there was any: a stall no process of the run explains. */
static void write_counters_cell(rdoc *d, const table_spec *t, const ipcb_result *r, double best)
{
    (void)t;
    (void)best;
    if (write_no_result_cell(d, r))
        return;
    char faults[32], csw[32], cell[96];
    format_counter(faults, sizeof faults, r->summary.counter[IPCB_C_FAULTS_PER_FRAME]);
    format_counter(csw, sizeof csw, r->summary.counter[IPCB_C_CSW_PER_FRAME]);
    snprintf(cell, sizeof cell, "%s · %s", faults, csw);
    double steal = r->summary.counter[IPCB_C_STEAL_S];
    if (isfinite(steal) && steal > 0)
        appendf(cell, sizeof cell, " · steal %.0f ms", steal * 1e3);
    if (r->frames_per_run) {
        appendf(cell, sizeof cell, " (n=%" PRIu64, r->frames_per_run);
        if (r->nruns > 1)
            appendf(cell, sizeof cell, "×%zu", r->nruns);
        appendf(cell, sizeof cell, ")");
    }
    rd_cell(d, RD_NUM, cell);
}

/* The change column of a cell: the comparison's change and verdict. */
static void write_change_cell(report_ctx *c, const table_spec *t, const char *name)
{
    const ipcb_metric *m = ipcb_metric_find(t->metric);
    const ipcb_cmp_row *r = c->cmp && m ? ipcb_comparison_find(c->cmp, name, m) : NULL;
    if (!r || !isfinite(r->change)) {
        rd_cell(&c->d, RD_NUM, r ? ipcb_verdict_names[r->verdict] : "—");
        return;
    }
    char text[64];
    int flags = RD_NUM;
    snprintf(text, sizeof text, "%+.1f%%", 100 * r->change);
    if (r->verdict == IPCB_V_SLOWER || r->verdict == IPCB_V_FASTER) {
        appendf(text, sizeof text, " %s", ipcb_verdict_names[r->verdict]);
        flags |= r->verdict == IPCB_V_SLOWER ? RD_SLOWER : RD_FASTER;
    }
    rd_cell_begin(&c->d, flags);
    if (r->verdict == IPCB_V_SLOWER)
        rd_strong_begin(&c->d);
    rd_text(&c->d, text);
    if (r->verdict == IPCB_V_SLOWER)
        rd_strong_end(&c->d);
    rd_cell_end(&c->d, flags);
}

static void write_table(report_ctx *c, const table_spec *t)
{
    rdoc *d = &c->d;
    const ipcb_resultset *rs = c->rs;
    size_t nt = ipcb_resultset_transports(rs, t->mode, c->transports);
    size_t nrows = ipcb_resultset_rows(rs, t->mode, c->rows);
    int fanout = has_subscribers(c->rows, nrows);
    int changes = c->cmp != NULL && t->metric != NULL;
    rd_heading_begin(d, 3, NULL);
    rd_text(d, t->heading);
    rd_heading_end(d, 3);
    if (t->explain) {
        rd_para_begin(d);
        rd_text(d, t->explain);
        rd_text(d, t->higher_better ? " Higher is better" : " Lower is better");
        rd_text(d, fanout ? "; the best per size and number of subscribers is in bold with a ★."
                          : "; the best per size is in bold with a ★.");
        if (changes)
            rd_text(d, " Δ: the change against the baseline, with the verdict where there is one.");
        rd_para_end(d);
    }

    size_t ncols = 1 + nt * (changes ? 2 : 1);
    const char **cols = calloc(ncols, sizeof *cols);
    int *flags = calloc(ncols, sizeof *flags);
    char (*labels)[48] = calloc(nt ? nt : 1, sizeof *labels);
    if (!cols || !flags || !labels) {
        free(cols);
        free(flags);
        free(labels);
        return;
    }
    cols[0] = fanout ? "size, subscribers" : "size";
    for (size_t k = 0, i = 1; k < nt; k++) {
        flags[i] = RD_NUM;
        cols[i++] = c->transports[k];
        if (changes) {
            snprintf(labels[k], sizeof labels[k], "%s Δ", c->transports[k]);
            flags[i] = RD_NUM;
            cols[i++] = labels[k];
        }
    }
    rd_table_begin(d);
    rd_header(d, cols, flags, ncols);
    for (size_t s = 0; s < nrows; s++) {
        const ipcb_result *row = c->rows[s];
        char label[128];
        row_label(label, sizeof label, row);
        rd_row_begin(d);
        rd_cell(d, 0, label);
        double best = best_in_row(rs, t, row, c->transports, nt);
        for (size_t k = 0; k < nt; k++) {
            t->cell(d, t, find_cell(rs, c->transports[k], row), best);
            if (changes) {
                char name[128];
                ipcb_benchmark_name(name, sizeof name, c->transports[k], row);
                write_change_cell(c, t, name);
            }
        }
        rd_row_end(d);
    }
    rd_table_end(d);
    free(cols);
    free(flags);
    free(labels);
}

/* The tables of the modes present; returns how many were written. */
static size_t write_tables(report_ctx *c, const table_spec *tables, size_t n)
{
    size_t written = 0;
    for (size_t i = 0; i < n; i++) {
        if (!mode_present(c->rs, tables[i].mode))
            continue;
        write_table(c, &tables[i]);
        written++;
    }
    return written;
}

static void write_results(report_ctx *c)
{
    rd_section_begin(&c->d, "results", "Results");
    if (!write_tables(c, mode_tables, sizeof mode_tables / sizeof mode_tables[0]))
        rd_para(&c->d, "No ipcbench results (names of the form transport/mode/size) in this file.");
    rd_section_end(&c->d);
}

/* Page faults, context switches and frames per run, per mode; nothing for
 * results without those counters (older files). */
static void write_counters(report_ctx *c)
{
    if (!has_cost_counters(c->rs))
        return;
    rd_section_begin(&c->d, "counters", "Counters that explain");
    rd_para(&c->d, counters_intro);
    write_tables(c, counter_tables, sizeof counter_tables / sizeof counter_tables[0]);
    rd_section_end(&c->d);
}

/* The failed (skipped == 0) or the skipped (skipped == 1) benchmarks, listed. */
static size_t list_failed(rdoc *d, const ipcb_resultset *rs, int skipped)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->nresults; i++) {
        const ipcb_result *r = &rs->results[i];
        if (!r->failed || r->skipped != skipped)
            continue;
        if (n++ == 0)
            rd_list_begin(d);
        rd_item_begin(d);
        rd_code(d, r->name);
        rd_text(d, ": ");
        rd_text(d, r->error);
        rd_item_end(d);
    }
    if (n)
        rd_list_end(d);
    return n;
}

static void write_failures(report_ctx *c)
{
    rdoc *d = &c->d;
    rd_section_begin(d, "failures", "Failures");
    if (!list_failed(d, c->rs, 0))
        rd_para(d, "No benchmark failed.");
    rd_section_end(d);
    if (count_skipped(c->rs)) {
        rd_section_begin(d, "skipped", "Skipped");
        rd_para(d, "Transports not available on this machine, with the reason:");
        list_failed(d, c->rs, 1);
        rd_section_end(d);
    }
}

static void write_cpu_cost(report_ctx *c)
{
    rd_section_begin(&c->d, "cpu-cost", "CPU cost");
    if (mode_present(c->rs, cpu_table.mode))
        write_table(c, &cpu_table);
    else
        rd_para(&c->d, "No throughput results, so no CPU cost per GiB.");
    rd_section_end(&c->d);
}

/* The copy count of a transport: the first result that reports one. */
static double copies_of(const ipcb_resultset *rs, const char *transport)
{
    for (size_t i = 0; i < rs->nresults; i++) {
        const ipcb_result *r = &rs->results[i];
        if (strcmp(r->transport, transport) == 0 && isfinite(r->summary.counter[IPCB_C_COPIES]))
            return r->summary.counter[IPCB_C_COPIES];
    }
    return NAN;
}

static void write_copies(report_ctx *c)
{
    rdoc *d = &c->d;
    static const char *const cols[] = { "transport", "copies per frame" };
    static const int flags[] = { 0, RD_NUM };
    rd_section_begin(d, "copies", "Copies");
    rd_para(d, "How many times the pixels are copied on their way from the driver's buffer "
               "to a frame the peer can use.");
    rd_table_begin(d);
    rd_header(d, cols, flags, 2);
    size_t nt = ipcb_resultset_transports(c->rs, NULL, c->transports);
    for (size_t k = 0; k < nt; k++) {
        double n = copies_of(c->rs, c->transports[k]);
        char text[32] = "n/a";
        if (isfinite(n))
            snprintf(text, sizeof text, "%.0f", n);
        rd_row_begin(d);
        rd_cell(d, 0, c->transports[k]);
        rd_cell(d, RD_NUM, text);
        rd_row_end(d);
    }
    rd_table_end(d);
    rd_section_end(d);
}

static int write_figure(report_ctx *c, const char *file, const char *title)
{
    char rel[64];
    snprintf(rel, sizeof rel, "plots/%s.svg", file);
    return file_exists(c->dir, rel) && rd_figure(&c->d, c->dir, rel, title) == 0;
}

static void write_plots(report_ctx *c)
{
    rd_section_begin(&c->d, "plots", "Plots");
    int any = 0;
    if (c->base)
        for (size_t i = 0; i < sizeof overlay_plots / sizeof overlay_plots[0]; i++)
            any |= write_figure(c, overlay_plots[i].file, overlay_plots[i].title);
    for (size_t i = 0; i < sizeof plots / sizeof plots[0]; i++)
        any |= write_figure(c, plots[i].file, plots[i].title);
    if (!any)
        rd_para(&c->d, "No plots were rendered (they need gnuplot).");
    rd_section_end(&c->d);
}

static void write_files(report_ctx *c)
{
    static const struct { const char *name, *what; } files[] = {
        { "results.json", "Google Benchmark JSON with every run, the ipcbench "
                          "counters and the environment (`compare.py` reads it)" },
        { "results.csv", "one row per benchmark, for spreadsheets and gnuplot" },
        { "histograms", "latency histograms per benchmark, `upper_us count "
                        "cumulative_fraction` per line" },
        { "plots", "the plots as SVG and PNG, and `gnuplot.log`" },
    };
    rdoc *d = &c->d;
    rd_section_begin(d, "files", "Files");
    rd_list_begin(d);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (!file_exists(c->dir, files[i].name))
            continue;
        rd_item_begin(d);
        rd_code(d, files[i].name);
        rd_text(d, ": ");
        rd_markup(d, files[i].what);
        rd_item_end(d);
    }
    rd_item_begin(d);
    rd_markup(d, "`report.md`: this report in Markdown");
    rd_item_end(d);
    rd_item_begin(d);
    rd_markup(d, "`report.html`: this report as one self-contained web page");
    rd_item_end(d);
    rd_list_end(d);
    rd_section_end(d);
}

/* ---- the report ---------------------------------------------------------- */

static int write_report(FILE *f, void *arg)
{
    report_ctx *c = arg;
    c->d.f = f;
    c->d.figures = 0;
    char title[300], what[256];
    describe(c->rs, what, sizeof what);
    snprintf(title, sizeof title, "ipcbench report: %s", what);
    rd_begin(&c->d, title);
    write_title(c);
    write_nav(c);
    if (c->base)
        write_comparison(c);
    write_environment(c);
    write_method(c);
    write_results(c);
    write_counters(c);
    write_failures(c);
    write_cpu_cost(c);
    write_copies(c);
    write_plots(c);
    write_files(c);
    rd_end(&c->d);
    return ferror(f) ? -1 : 0;
}

/* The metrics the report's tables show changes for. */
static void report_compare_opts(ipcb_cmp_opts *o)
{
    ipcb_cmp_opts_default(o);
    o->nmetrics = 0;
    for (size_t i = 0; i < sizeof mode_tables / sizeof mode_tables[0]; i++)
        o->metrics[o->nmetrics++] = ipcb_metric_find(mode_tables[i].metric);
    o->metrics[o->nmetrics++] = ipcb_metric_find(cpu_table.metric);
}

int ipcb_report_write_baseline(const char *dir, const char *baseline, char *err, size_t errlen)
{
    char md[PATH_MAX], html[PATH_MAX];
    if ((size_t)snprintf(md, sizeof md, "%s/report.md", dir) >= sizeof md
        || (size_t)snprintf(html, sizeof html, "%s/report.html", dir) >= sizeof html) {
        ipcb_set_err(err, errlen, "%s: path too long", dir);
        return -1;
    }
    ipcb_resultset rs, base;
    if (ipcb_resultset_load(&rs, dir, err, errlen) != 0)
        return -1;
    if (baseline && ipcb_resultset_load(&base, baseline, err, errlen) != 0) {
        ipcb_resultset_free(&rs);
        return -1;
    }
    report_ctx c = { .rs = &rs, .dir = dir, .base = baseline ? &base : NULL,
                     .base_label = baseline };
    ipcb_comparison cmp;
    char cmp_err[512] = "";
    if (baseline) {
        ipcb_cmp_opts o;
        report_compare_opts(&o);
        if (ipcb_compare(&base, &rs, &o, &cmp, cmp_err, sizeof cmp_err) == 0)
            c.cmp = &cmp;
        c.cmp_err = cmp_err;
    }
    c.transports = calloc(rs.nresults + 1, sizeof *c.transports);
    c.rows = calloc(rs.nresults + 1, sizeof *c.rows);
    int rc = -1;
    if (!c.transports || !c.rows) {
        ipcb_set_err(err, errlen, "out of memory");
    } else {
        c.d.html = 1;
        rc = ipcb_write_atomically(html, write_report, &c, err, errlen);
        c.d.html = 0;
        if (rc == 0)
            rc = ipcb_write_atomically(md, write_report, &c, err, errlen);
    }
    free(c.transports);
    free(c.rows);
    if (c.cmp)
        ipcb_comparison_free(&cmp);
    if (baseline)
        ipcb_resultset_free(&base);
    ipcb_resultset_free(&rs);
    return rc;
}

int ipcb_report_write(const char *dir, char *err, size_t errlen)
{
    return ipcb_report_write_baseline(dir, NULL, err, errlen);
}
