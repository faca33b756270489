/* report.md and report.html: the sections around the tables (report_tables.c):
 * environment, method, failures, copies, plots, files and, with a baseline,
 * the verdicts, in the order of one table. One walk writes both formats. */
#include "report.h"
#include "compare.h"
#include "compare_print.h"
#include "human.h"
#include "plots.h"
#include "report_env.h"
#include "report_qt.h"
#include "report_summary.h"
#include "report_tables.h"
#include "reportdoc.h"
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

/* The plots by frame size, then (after the CDFs, one per size) fan-out. */
static const struct { const char *file, *title; } plots[] = {
    { "throughput", "Throughput by frame size" },
    { "latency", "One-way latency p50 by frame size" },
    { "latency-p99", "One-way latency p99 by frame size" },
    { "families", "One-way latency p50 by frame size, a panel per transport family (memcpy in each)" },
};
static const struct { const char *file, *title; } fanout_plot = {
    "fanout", "Fan-out latency p50 until the last subscriber, by number of subscribers"
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

/* ---- small helpers ------------------------------------------------------- */

static int file_exists(const char *dir, const char *name)
{
    char path[PATH_MAX];
    int len = snprintf(path, sizeof path, "%s/%s", dir, name);
    return len > 0 && (size_t)len < sizeof path && access(path, F_OK) == 0;
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

/* A compare cell as the report shows it: "–" where compare prints "-". */
static const char *figure_text(const char *cell)
{
    return strcmp(cell, "-") == 0 ? "–" : cell;
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
        rd_cell(d, RD_NUM, figure_text(k.base));
        rd_cell(d, RD_NUM, figure_text(k.new_value));
        rd_cell(d, RD_NUM | vf, figure_text(k.change));
        rd_cell(d, RD_NUM, figure_text(k.p));
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
    rd_howto(d, "The verdicts that matter first: each row is a benchmark and metric that is "
                "not *unchanged*. *slower* needs a change beyond the threshold and, with enough "
                "repetitions, a significant U test; the change columns under Results show every "
                "change.", 1);
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
    rd_howto(d, c->base ? "What each run ran on. A fact that differs between the two runs is "
                          "highlighted: another kernel, CPU or load explains a change as well "
                          "as the code can."
                        : "What the run ran on: figures compare only with runs on the same "
                          "machine, kernel and settings.", 0);
    if (c->base) {
        static const char *const heads[] = { "baseline", "this run" };
        const ipcb_resultset *sets[] = { c->base, c->rs };
        rpt_write_env_table(d, sets, heads, NULL, 2);
        rd_para(d, "Facts that differ between the two runs are highlighted.");
    } else {
        rpt_write_env_table(d, &c->rs, NULL, NULL, 1);
    }
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
    if (rpt_mode_present(c->rs, fanout) || (c->base && rpt_mode_present(c->base, fanout))) {
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
}

static void write_skipped(report_ctx *c)
{
    rdoc *d = &c->d;
    rd_section_begin(d, "skipped", "Skipped");
    rd_para(d, "Transports not available on this machine, with the reason:");
    list_failed(d, c->rs, 1);
    rd_section_end(d);
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
    rd_howto(d, "Fewer is better: every copy costs CPU and memory bandwidth, which shows most "
                "at large frames; 0 is a zero-copy hand-over.", 1);
    rd_para(d, "How many times the pixels are copied on their way from the driver's buffer "
               "to a frame the peer can use.");
    rd_table_begin(d);
    rd_header(d, cols, flags, 2);
    size_t nt = ipcb_resultset_transports(c->rs, NULL, c->transports);
    for (size_t k = 0; k < nt; k++) {
        double n = copies_of(c->rs, c->transports[k]);
        char text[32] = "–";
        if (isfinite(n))
            ipcb_human_fixed(text, sizeof text, n, 0);
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

/* The latency CDF at each size (cdf-SIZE), or the one CDF of results
 * rendered before there was one per size. Returns 1 if it wrote any. */
static int write_cdfs(report_ctx *c)
{
    int any = 0;
    size_t n = ipcb_resultset_rows(c->rs, ipcb_mode_name(IPCB_MODE_LATENCY), c->rows);
    for (size_t i = 0; i < n; i++) {
        char file[64], title[128];
        snprintf(file, sizeof file, "cdf-%s", c->rows[i]->size);
        snprintf(title, sizeof title, "Latency distribution, %s frames", c->rows[i]->size);
        any |= write_figure(c, file, title);
    }
    return any || write_figure(c, "cdf", "Latency distribution at one frame size");
}

/* Has rs a figure any of the plots would draw? */
static int has_plot_data(const ipcb_resultset *rs)
{
    return ipcb_plots_can_draw(rs, "throughput", IPCB_C_MB_PER_S)
        || ipcb_plots_can_draw(rs, "latency", IPCB_C_P50_US)
        || ipcb_plots_can_draw(rs, "fanout", IPCB_C_P50_US);
}

static void write_plots(report_ctx *c)
{
    rd_section_begin(&c->d, "plots", "Plots");
    rd_howto(&c->d, "One line per transport, frame size on the x axis: lower latency and higher "
                    "throughput are better. A colour is a family of transports (sockets, shared "
                    "memory, HTTP, D-Bus, QCOP; memcpy black), a dash and point type a transport "
                    "in it. Hover over a point for its exact value.", 0);
    int any = 0;
    if (c->base)
        for (size_t i = 0; i < sizeof overlay_plots / sizeof overlay_plots[0]; i++)
            any |= write_figure(c, overlay_plots[i].file, overlay_plots[i].title);
    for (size_t i = 0; i < sizeof plots / sizeof plots[0]; i++)
        any |= write_figure(c, plots[i].file, plots[i].title);
    any |= write_cdfs(c);
    any |= write_figure(c, fanout_plot.file, fanout_plot.title);
    if (!any)
        rd_para(&c->d, ipcb_plots_why_none(c->dir, has_plot_data(c->rs)));
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

static int has_baseline(const report_ctx *c)  { return c->base != NULL; }
static int has_counters(const report_ctx *c)  { return rpt_has_cost_counters(c->rs); }
static int has_skipped(const report_ctx *c)   { return count_skipped(c->rs) != 0; }
static int has_summary(const report_ctx *c)   { return rpt_has_summary(c->rs); }
static void write_summary(report_ctx *c)      { rpt_write_summary(&c->d, c->rs); }
static int has_qt_pairs(const report_ctx *c)  { return rpt_has_qt_pairs(c->rs); }
static void write_qt_over_c(report_ctx *c)    { rpt_write_qt_over_c(&c->d, c->rs); }

/* The sections in the order the report has them, each with its link in the
 * contents and whether it is there (present NULL: always). A new section is
 * one line here. */
static const struct report_section {
    const char *id, *nav_title;
    int  (*present)(const report_ctx *c);
    void (*write)(report_ctx *c);
} sections[] = {
    { "comparison", "Comparison", has_baseline, write_comparison },
    { "summary", "Summary", has_summary, write_summary },
    { "environment", "Environment", NULL, write_environment },
    { "method", "Method", NULL, write_method },
    { "results", "Results", NULL, rpt_write_results },
    { "counters", "Counters", has_counters, rpt_write_counters },
    { "qt-over-c", "Qt over C", has_qt_pairs, write_qt_over_c },
    { "failures", "Failures", NULL, write_failures },
    { "skipped", "Skipped", has_skipped, write_skipped },
    { "cpu-cost", "CPU cost", NULL, rpt_write_cpu_cost },
    { "copies", "Copies", NULL, write_copies },
    { "plots", "Plots", NULL, write_plots },
    { "files", "Files", NULL, write_files },
};
#define NSECTIONS (sizeof sections / sizeof sections[0])

static int section_present(const report_ctx *c, size_t i)
{
    return !sections[i].present || sections[i].present(c);
}

static void write_nav(report_ctx *c)
{
    const char *ids[NSECTIONS], *titles[NSECTIONS];
    size_t n = 0;
    for (size_t i = 0; i < NSECTIONS; i++) {
        if (!section_present(c, i))
            continue;
        ids[n] = sections[i].id;
        titles[n++] = sections[i].nav_title;
    }
    rd_nav(&c->d, ids, titles, n);
}

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
    for (size_t i = 0; i < NSECTIONS; i++)
        if (section_present(c, i))
            sections[i].write(c);
    rd_end(&c->d);
    return ferror(f) ? -1 : 0;
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
        rpt_compare_opts(&o);
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
