/* The tables of a report: one per mode with the transports side by side and
 * the best per size marked (change columns against a baseline), the counters
 * that explain them, and the CPU cost. */
#include "report_tables.h"
#include "compare.h"
#include "human.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void rpt_format_value(char *buf, size_t n, double v)
{
    double a = fabs(v);
    if (!isfinite(v))
        snprintf(buf, n, "–");
    else if (ipcb_human_needs_eng(v))
        ipcb_human_eng(buf, n, v);
    else
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

void rpt_row_label(char *out, size_t n, const ipcb_result *row)
{
    char bytes[32];
    format_bytes(bytes, sizeof bytes, row->bytes);
    int len = snprintf(out, n, "%s (%s)", row->size, bytes);
    if (row->subscribers && len > 0 && (size_t)len < n)
        snprintf(out + len, n - (size_t)len, ", %d subscriber%s", row->subscribers,
                 row->subscribers == 1 ? "" : "s");
}

double rpt_row_sort_key(const ipcb_result *row)
{
    return (double)row->bytes + row->subscribers / 100.0;
}

int rpt_mode_present(const ipcb_resultset *rs, const char *mode)
{
    for (size_t i = 0; i < rs->nresults; i++)
        if (strcmp(rs->results[i].mode, mode) == 0)
            return 1;
    return 0;
}

/* Do any results carry page-fault or context-switch counters? */
int rpt_has_cost_counters(const ipcb_resultset *rs)
{
    for (size_t i = 0; i < rs->nresults; i++) {
        const double *v = rs->results[i].summary.counter;
        if (isfinite(v[IPCB_C_FAULTS_PER_FRAME]) || isfinite(v[IPCB_C_CSW_PER_FRAME]))
            return 1;
    }
    return 0;
}

/* ---- tables -------------------------------------------------------------- */

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

/* The cell of a transport without a result in this row ("–") or whose
 * benchmark failed; returns 1 if it wrote one. */
static int write_no_result_cell(rdoc *d, const ipcb_result *r)
{
    if (r && !r->failed)
        return 0;
    rd_cell(d, RD_NUM, r ? "failed" : "–");
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
        rpt_format_value(cell, sizeof cell, v);
    } else if (ipcb_result_too_few_frames(r, t->counter)) {
        snprintf(cell, sizeof cell, "–");
        snprintf(notes, sizeof notes, "n=%" PRIu64, r->frames_per_run);
    } else {
        rd_cell(d, RD_NUM, "–");
        return;
    }
    double late = r->summary.counter[IPCB_C_LATE];
    if (t->with_late && isfinite(late)) {
        char count[32];
        ipcb_human_fixed(count, sizeof count, late, 0);
        appendf(notes, sizeof notes, "%s%s late", notes[0] ? ", " : "", count);
    }
    if (notes[0])
        appendf(cell, sizeof cell, " (%s)", notes);
    rd_cell(d, RD_NUM | (v == best ? RD_BEST : 0), cell);
}

/* "0.02" or "–": a counter of the counters table. */
static void format_counter(char *buf, size_t n, double v)
{
    if (isfinite(v))
        rpt_format_value(buf, n, v);
    else
        snprintf(buf, n, "–");
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
    if (isfinite(steal) && steal > 0) {
        char ms[32];
        ipcb_human_fixed(ms, sizeof ms, steal * 1e3, 0);
        appendf(cell, sizeof cell, " · steal %s ms", ms);
    }
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
        rd_cell_tip(&c->d, RD_NUM, r ? ipcb_verdict_names[r->verdict] : "–", r ? r->note : NULL);
        return;
    }
    char text[64];
    int flags = RD_NUM;
    ipcb_human_percent(text, sizeof text, r->change);
    if (r->verdict == IPCB_V_SLOWER || r->verdict == IPCB_V_FASTER) {
        appendf(text, sizeof text, " %s", ipcb_verdict_names[r->verdict]);
        flags |= r->verdict == IPCB_V_SLOWER ? RD_SLOWER : RD_FASTER;
    }
    rd_cell_begin_tip(&c->d, flags, r->note);
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
        rpt_row_label(label, sizeof label, row);
        rd_row_begin(d);
        rd_cell_keyed(d, 0, label, rpt_row_sort_key(row));
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
        if (!rpt_mode_present(c->rs, tables[i].mode))
            continue;
        write_table(c, &tables[i]);
        written++;
    }
    return written;
}

void rpt_write_results(report_ctx *c)
{
    rd_section_begin(&c->d, "results", "Results");
    rd_howto(&c->d, "One table per mode and figure, a row per frame size and a column per "
                    "transport: read across a row to choose a transport for that size. – "
                    "means there is no such figure (a percentile needs more frames per run "
                    "than *n*).", 1);
    if (!write_tables(c, mode_tables, sizeof mode_tables / sizeof mode_tables[0]))
        rd_para(&c->d, "No ipcbench results (names of the form transport/mode/size) in this file.");
    rd_section_end(&c->d);
}

/* Page faults, context switches and frames per run, per mode; nothing for
 * results without those counters (older files). */
void rpt_write_counters(report_ctx *c)
{
    if (!rpt_has_cost_counters(c->rs))
        return;
    rd_section_begin(&c->d, "counters", "Counters that explain");
    rd_howto(&c->d, "Read across a row: a transport with many more page faults or context "
                    "switches per frame than the others at that size usually explains its "
                    "slower figure.", 1);
    rd_para(&c->d, counters_intro);
    write_tables(c, counter_tables, sizeof counter_tables / sizeof counter_tables[0]);
    rd_section_end(&c->d);
}

void rpt_write_cpu_cost(report_ctx *c)
{
    rd_section_begin(&c->d, "cpu-cost", "CPU cost");
    rd_howto(&c->d, "Lower is better: the CPU time of every process involved per GiB moved. A "
                    "transport can be fast and still expensive; the best per size is in bold.", 1);
    if (rpt_mode_present(c->rs, cpu_table.mode))
        write_table(c, &cpu_table);
    else
        rd_para(&c->d, "No throughput results, so no CPU cost per GiB.");
    rd_section_end(&c->d);
}

/* The metrics the report's tables show changes for. */
void rpt_compare_opts(ipcb_cmp_opts *o)
{
    ipcb_cmp_opts_default(o);
    o->nmetrics = 0;
    for (size_t i = 0; i < sizeof mode_tables / sizeof mode_tables[0]; i++)
        o->metrics[o->nmetrics++] = ipcb_metric_find(mode_tables[i].metric);
    o->metrics[o->nmetrics++] = ipcb_metric_find(cpu_table.metric);
}

