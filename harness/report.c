/* report.md for a results directory: the environment, the measurement method
 * in plain words, one table per mode with transports side by side and the best
 * per size marked, failures, CPU cost, copies, the plots and the files. */
#include "report.h"
#include "resultset.h"
#include "textfile.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One table: rows = sizes of mode by bytes, columns = transports, cells =
 * counter (and the late count for paced); the best cell per row in bold. */
typedef struct table_spec {
    const char       *mode;
    const char       *heading;
    const char       *explain;      /* one sentence under the heading */
    enum ipcb_counter counter;
    int               higher_better;
    int               with_late;
} table_spec;

static const table_spec mode_tables[] = {
    { "latency", "Latency: one-way p50 (µs)",
      "Median time from handing the frame to the transport until the peer can use it.",
      IPCB_C_P50_US, 0, 0 },
    { "latency", "Latency: one-way p99 (µs)",
      "One frame in a hundred took longer than this.",
      IPCB_C_P99_US, 0, 0 },
    { "throughput", "Throughput (MB/s)",
      "Payload megabytes (10^6 bytes) per second confirmed by the peer, frames streamed back to back.",
      IPCB_C_MB_PER_S, 1, 0 },
    { "paced", "Paced: p99 latency from the intended send time (µs), late frames",
      "Frames sent at a fixed rate; a frame is late when it arrives more than one frame period after it was due.",
      IPCB_C_P99_US, 0, 1 },
    { "fanout", "Fanout: p50 latency until the last subscriber has the frame (µs)",
      "One sender, several subscribers; the frame counts as delivered when the last one has it.",
      IPCB_C_P50_US, 0, 0 },
};

static const table_spec cpu_table = {
    "throughput", "CPU seconds per GiB moved (throughput mode)",
    "User + system CPU time of driver, peer and any daemon or broker together.",
    IPCB_C_CPU_PER_GIB_S, 0, 0,
};

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
    { "Benchmark library build", "library_build_type" },
    { "Campaign", "campaign" },           { "Verify policy", "verify" },
    { "Paced frame rate (fps)", "fps" },  { "Throughput window (frames)", "window" },
    { "CPU pinning", "pin" },             { "Command", "command" },
};

static const struct { const char *file, *title; } plots[] = {
    { "throughput", "Throughput by frame size" },
    { "latency", "One-way latency by frame size (p50 solid, p99 dashed)" },
    { "cdf", "Latency distribution at one frame size" },
};

static const char method_text[] =
    "## Method\n\n"
    "Every benchmark moves image frames from a *driver* process to a *peer* "
    "process over one transport. Each frame carries a small header (sequence "
    "number, length, send time, checksum) followed by the pixels.\n\n"
    "- **Latency** (ping-pong): the driver reads `CLOCK_MONOTONIC` just before "
    "it hands a frame to the transport (t0); the peer reads the same clock when "
    "the whole frame is usable on its side (t1), either as its own copy or as a "
    "borrowed view. One-way latency is t1 - t0: both processes run on the same "
    "host and use the same clock, so no clock synchronisation is involved. The "
    "peer sends t1 back, and the driver also records the round trip.\n"
    "- **Throughput** (stream): frames are sent back to back with a bounded "
    "window of frames in flight. Bytes per second and frames per second count "
    "only payload bytes the peer confirmed it received.\n"
    "- **Paced**: frames are sent at a fixed frame rate, as a camera or "
    "compositor would. Latency is measured from the time each frame was "
    "*supposed* to be sent, not from when the driver actually got to send it, "
    "so a transport that falls behind cannot hide its queueing delay "
    "(coordinated omission). A frame is *late* when it is delivered more than "
    "one frame period after that intended time; *dropped* frames never arrived.\n"
    "- **CPU cost**: user + system CPU time of the driver, the peer and any "
    "shared infrastructure (bus daemon, broker), per GiB moved and per frame.\n"
    "- **Copies**: how many times the pixels are copied end to end by the "
    "transport (0 for a zero-copy shared-memory hand-over).\n"
    "- **Verification**: every frame's header is checked (magic, sequence "
    "number, length) and payload checksums are checked according to the verify "
    "policy (all, sample or none). A mismatch fails the benchmark; it is never "
    "folded into a number.\n"
    "- **Statistics**: p50, p90, p99, p99.9, maximum and mean come from all "
    "samples of one run. With repetitions, the tables show the median across "
    "runs.\n"
    "- **memcpy** (in-process copy) is the reference: the physical limit of "
    "any transport that copies the frame.\n\n";

/* ---- small helpers ------------------------------------------------------- */

/* Text for a Markdown table cell: '|' escaped, newlines as spaces. */
static void put_cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
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

static const ipcb_result *find_cell(const ipcb_resultset *rs, const char *transport,
                                    const char *mode, const char *size)
{
    char name[128]; /* as ipcb_result.name */
    snprintf(name, sizeof name, "%s/%s/%s", transport, mode, size);
    return ipcb_resultset_find(rs, name);
}

static int cmp_by_bytes(const void *a, const void *b)
{
    const ipcb_result *x = *(const ipcb_result *const *)a;
    const ipcb_result *y = *(const ipcb_result *const *)b;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? -1 : 1;
    return strcmp(x->size, y->size);
}

/* One result per distinct size of mode, ordered by bytes. Returns the count. */
static size_t sizes_of_mode(const ipcb_resultset *rs, const char *mode,
                            const ipcb_result **out)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->nresults; i++) {
        const ipcb_result *r = &rs->results[i];
        if (!r->size[0] || strcmp(r->mode, mode) != 0)
            continue;
        size_t k = 0;
        while (k < n && strcmp(out[k]->size, r->size) != 0)
            k++;
        if (k == n)
            out[n++] = r;
    }
    qsort(out, n, sizeof *out, cmp_by_bytes);
    return n;
}

/* ---- sections ------------------------------------------------------------ */

static void write_title(FILE *f, const ipcb_resultset *rs)
{
    const char *campaign = ipcb_resultset_context(rs, "campaign");
    const char *date = ipcb_resultset_context(rs, "date");
    char now[32];
    if (!date) {
        time_t t = time(NULL);
        strftime(now, sizeof now, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
        date = now;
    }
    fprintf(f, "# ipcbench report: %s, %s\n\n", campaign ? campaign : "results", date);
    fprintf(f, "%zu benchmarks, each moving image frames from one process to another "
            "over one transport.\n\n", rs->nresults);
}

static void write_environment(FILE *f, const ipcb_resultset *rs)
{
    fputs("## Environment\n\n| fact | value |\n|---|---|\n", f);
    for (size_t i = 0; i < sizeof env_rows / sizeof env_rows[0]; i++) {
        const char *v = ipcb_resultset_context(rs, env_rows[i].key);
        if (!v)
            continue;
        fprintf(f, "| %s | ", env_rows[i].label);
        put_cell(f, v);
        fputs(" |\n", f);
    }
    fputc('\n', f);
}

/* The best value in a row: lowest or highest among successful cells; NaN if none. */
static double best_in_row(const ipcb_resultset *rs, const table_spec *t, const char *size,
                          const char **transports, size_t nt)
{
    double best = NAN;
    for (size_t k = 0; k < nt; k++) {
        const ipcb_result *r = find_cell(rs, transports[k], t->mode, size);
        double v = r && !r->failed ? r->summary.counter[t->counter] : NAN;
        if (isfinite(v) && (isnan(best) || (t->higher_better ? v > best : v < best)))
            best = v;
    }
    return best;
}

static void write_table_cell(FILE *f, const table_spec *t, const ipcb_result *r, double best)
{
    double v = r ? r->summary.counter[t->counter] : NAN;
    if (!r || r->failed || !isfinite(v)) {
        fputs(!r ? " — |" : r->failed ? " failed |" : " n/a |", f);
        return;
    }
    char cell[64];
    format_value(cell, sizeof cell, v);
    double late = r->summary.counter[IPCB_C_LATE];
    if (t->with_late && isfinite(late))
        snprintf(cell + strlen(cell), sizeof cell - strlen(cell), " (%.0f late)", late);
    fprintf(f, v == best ? " **%s ★** |" : " %s |", cell);
}

static void write_table(FILE *f, const ipcb_resultset *rs, const table_spec *t,
                        const char **transports, const ipcb_result **sizes)
{
    size_t nt = ipcb_resultset_transports(rs, t->mode, transports);
    size_t ns = sizes_of_mode(rs, t->mode, sizes);
    fprintf(f, "### %s\n\n%s", t->heading, t->explain);
    fputs(t->higher_better ? " Higher is better" : " Lower is better", f);
    fputs("; the best per size is in bold with a ★.\n\n| size |", f);
    for (size_t k = 0; k < nt; k++) {
        fputc(' ', f);
        put_cell(f, transports[k]);
        fputs(" |", f);
    }
    fputs("\n|---|", f);
    for (size_t k = 0; k < nt; k++)
        fputs("---:|", f);
    fputc('\n', f);
    for (size_t s = 0; s < ns; s++) {
        char bytes[32];
        format_bytes(bytes, sizeof bytes, sizes[s]->bytes);
        fprintf(f, "| %s (%s) |", sizes[s]->size, bytes);
        double best = best_in_row(rs, t, sizes[s]->size, transports, nt);
        for (size_t k = 0; k < nt; k++)
            write_table_cell(f, t, find_cell(rs, transports[k], t->mode, sizes[s]->size),
                             best);
        fputc('\n', f);
    }
    fputc('\n', f);
}

static int mode_present(const ipcb_resultset *rs, const char *mode)
{
    for (size_t i = 0; i < rs->nresults; i++)
        if (strcmp(rs->results[i].mode, mode) == 0)
            return 1;
    return 0;
}

static void write_results(FILE *f, const ipcb_resultset *rs, const char **transports,
                          const ipcb_result **sizes)
{
    fputs("## Results\n\n", f);
    int any = 0;
    for (size_t i = 0; i < sizeof mode_tables / sizeof mode_tables[0]; i++) {
        if (!mode_present(rs, mode_tables[i].mode))
            continue;
        write_table(f, rs, &mode_tables[i], transports, sizes);
        any = 1;
    }
    if (!any)
        fputs("No ipcbench results (names of the form transport/mode/size) in this file.\n\n", f);
}

/* The failed (skipped == 0) or the skipped (skipped == 1) benchmarks, listed. */
static size_t list_failed(FILE *f, const ipcb_resultset *rs, int skipped)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->nresults; i++) {
        const ipcb_result *r = &rs->results[i];
        if (!r->failed || r->skipped != skipped)
            continue;
        fprintf(f, "- `%s`: ", r->name);
        put_cell(f, r->error);
        fputc('\n', f);
        n++;
    }
    return n;
}

static void write_failures(FILE *f, const ipcb_resultset *rs)
{
    fputs("## Failures\n\n", f);
    fputs(list_failed(f, rs, 0) ? "\n" : "No benchmark failed.\n\n", f);
    size_t skipped = 0;
    for (size_t i = 0; i < rs->nresults; i++)
        skipped += rs->results[i].skipped;
    if (skipped) {
        fputs("## Skipped\n\nTransports not available on this machine, with the reason:\n\n", f);
        list_failed(f, rs, 1);
        fputc('\n', f);
    }
}

static void write_cpu_cost(FILE *f, const ipcb_resultset *rs, const char **transports,
                           const ipcb_result **sizes)
{
    fputs("## CPU cost\n\n", f);
    if (mode_present(rs, cpu_table.mode))
        write_table(f, rs, &cpu_table, transports, sizes);
    else
        fputs("No throughput results, so no CPU cost per GiB.\n\n", f);
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

static void write_copies(FILE *f, const ipcb_resultset *rs, const char **transports)
{
    fputs("## Copies\n\nHow many times the pixels are copied on their way from the "
          "driver's buffer to a frame the peer can use.\n\n"
          "| transport | copies per frame |\n|---|---:|\n", f);
    size_t nt = ipcb_resultset_transports(rs, NULL, transports);
    for (size_t k = 0; k < nt; k++) {
        double c = copies_of(rs, transports[k]);
        fputs("| ", f);
        put_cell(f, transports[k]);
        if (isfinite(c))
            fprintf(f, " | %.0f |\n", c);
        else
            fputs(" | n/a |\n", f);
    }
    fputc('\n', f);
}

static void write_plots(FILE *f, const char *dir)
{
    fputs("## Plots\n\n", f);
    int any = 0;
    for (size_t i = 0; i < sizeof plots / sizeof plots[0]; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "plots/%s.svg", plots[i].file);
        if (!file_exists(dir, rel))
            continue;
        fprintf(f, "![%s](%s)\n\n", plots[i].title, rel);
        any = 1;
    }
    if (!any)
        fputs("No plots were rendered (they need gnuplot).\n\n", f);
}

static void write_files(FILE *f, const char *dir)
{
    static const struct { const char *name, *what; } files[] = {
        { "results.json", "Google Benchmark JSON with every run, the ipcbench "
                          "counters and the environment (`compare.py` reads it)" },
        { "results.csv", "one row per benchmark, for spreadsheets and gnuplot" },
        { "histograms", "latency histograms per benchmark, `upper_us count "
                        "cumulative_fraction` per line" },
        { "plots", "the plots as SVG and PNG, and `gnuplot.log`" },
        { "report.html", "this report as HTML" },
    };
    fputs("## Files\n\n", f);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (file_exists(dir, files[i].name))
            fprintf(f, "- `%s`: %s\n", files[i].name, files[i].what);
    fputs("- `report.md`: this report\n", f);
}

/* ---- the report ---------------------------------------------------------- */

typedef struct report_job {
    const ipcb_resultset *rs;
    const char *dir;
} report_job;

static int write_report(FILE *f, const ipcb_resultset *rs, const char *dir)
{
    const char **transports = calloc(rs->nresults + 1, sizeof *transports);
    const ipcb_result **sizes = calloc(rs->nresults + 1, sizeof *sizes);
    if (!transports || !sizes) {
        free(transports);
        free(sizes);
        return -1;
    }
    write_title(f, rs);
    write_environment(f, rs);
    fputs(method_text, f);
    write_results(f, rs, transports, sizes);
    write_failures(f, rs);
    write_cpu_cost(f, rs, transports, sizes);
    write_copies(f, rs, transports);
    write_plots(f, dir);
    write_files(f, dir);
    free(transports);
    free(sizes);
    return 0;
}

static int write_report_job(FILE *f, void *arg)
{
    const report_job *job = arg;
    return write_report(f, job->rs, job->dir);
}

int ipcb_report_write(const char *dir, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/report.md", dir) >= sizeof path) {
        ipcb_set_err(err, errlen, "%s: path too long", dir);
        return -1;
    }
    ipcb_resultset rs;
    if (ipcb_resultset_load(&rs, dir, err, errlen) != 0)
        return -1;
    report_job job = { &rs, dir };
    int rc = ipcb_write_atomically(path, write_report_job, &job, err, errlen);
    ipcb_resultset_free(&rs);
    return rc;
}
