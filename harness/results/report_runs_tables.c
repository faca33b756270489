/* The tables of a report over several runs: one per figure, a row per
 * benchmark, each run's value, and for each later run the ratio to the first
 * and the verdict of the same comparison `ipcbench compare` makes. */
#include "report_runs_tables.h"
#include "report_tables.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *metric, *heading, *explain; } figures[] = {
    { "p50", "Latency p50 (µs)", "Median one-way latency: lower is better." },
    { "p99", "Latency p99 (µs)", "One frame in a hundred took longer: lower is better." },
    { "throughput", "Throughput (MB/s)",
      "Payload megabytes per second confirmed by the peer: higher is better." },
    { "paced-p99", "Paced: p99 latency from the intended send time (µs)",
      "Frames sent at a fixed rate: lower is better." },
    { "fanout-p50", "Fan-out: p50 latency until the last subscriber has the frame (µs)",
      "One sender, several subscribers: lower is better." },
    { "cpu", "CPU seconds per GiB moved (throughput mode)",
      "CPU time of every process involved: lower is better." },
};

static void figure_text(const ipcb_metric *m, const char **heading, const char **explain)
{
    *heading = m->what;
    *explain = NULL;
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
        if (strcmp(figures[i].metric, m->name) == 0) {
            *heading = figures[i].heading;
            *explain = figures[i].explain;
        }
}

/* ---- rows ------------------------------------------------------------------ */

static int cmp_rows(const void *a, const void *b)
{
    const ipcb_result *x = *(const ipcb_result *const *)a;
    const ipcb_result *y = *(const ipcb_result *const *)b;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? -1 : 1;
    int c = strcmp(x->size, y->size);
    if (c)
        return c;
    if (x->subscribers != y->subscribers)
        return x->subscribers < y->subscribers ? -1 : 1;
    int xm = strcmp(x->transport, "memcpy") == 0, ym = strcmp(y->transport, "memcpy") == 0;
    if (xm != ym)
        return ym - xm;
    return strcmp(x->transport, y->transport);
}

static int mode_anywhere(const ipcb_report_runs *r, const char *mode)
{
    for (size_t k = 0; k < r->n; k++)
        if (rpt_mode_present(&r->sets[k], mode))
            return 1;
    return 0;
}

/* Every benchmark of mode in any run, once, ordered by size, then transport
 * (memcpy first). rows needs room for all the runs' results. */
static size_t collect_rows(const ipcb_report_runs *r, const char *mode, const ipcb_result **rows)
{
    size_t n = 0;
    for (size_t k = 0; k < r->n; k++)
        for (size_t i = 0; i < r->sets[k].nresults; i++) {
            const ipcb_result *res = &r->sets[k].results[i];
            if (!res->transport[0] || strcmp(res->mode, mode) != 0)
                continue;
            size_t j = 0;
            while (j < n && strcmp(rows[j]->name, res->name) != 0)
                j++;
            if (j == n)
                rows[n++] = res;
        }
    qsort(rows, n, sizeof *rows, cmp_rows);
    return n;
}

/* ---- cells ----------------------------------------------------------------- */

/* A run's value of the counter: the figure, "failed", "–" for a benchmark the
 * run does not have, "– (n=...)" for a percentile of too few frames. *v is
 * the value, NaN when there is none. */
static void value_text(const ipcb_result *res, enum ipcb_counter counter, char *out, size_t n,
                       double *v)
{
    *v = NAN;
    if (!res) {
        snprintf(out, n, "–");
        return;
    }
    if (res->failed) {
        snprintf(out, n, "failed");
        return;
    }
    *v = res->summary.counter[counter];
    if (isfinite(*v))
        rpt_format_value(out, n, *v);
    else if (ipcb_result_too_few_frames(res, counter))
        snprintf(out, n, "– (n=%" PRIu64 ")", res->frames_per_run);
    else
        snprintf(out, n, "–");
}

static void write_ratio_cell(rdoc *d, double v, double base)
{
    char text[48] = "–";
    if (isfinite(v) && isfinite(base) && base != 0) {
        rpt_format_value(text, sizeof text - 4, v / base);
        strcat(text, "×");
    }
    rd_cell(d, RD_NUM, text);
}

/* compare's verdict for benchmark name and metric m, run 1 against run k;
 * "(threshold only)" when too few repetitions let the U test decide. */
static void write_verdict_cell(runs_ctx *c, size_t k, const char *name, const ipcb_metric *m)
{
    const ipcb_cmp_row *row = c->has_cmp[k] ? ipcb_comparison_find(&c->cmp[k], name, m) : NULL;
    if (!row) {
        rd_cell_tip(&c->d, 0, "–", c->has_cmp[k] ? NULL : c->cmp_err[k]);
        return;
    }
    char text[64];
    snprintf(text, sizeof text, "%s%s", ipcb_verdict_names[row->verdict],
             row->judged == IPCB_J_THRESHOLD ? " (threshold only)" : "");
    int slower = row->verdict == IPCB_V_SLOWER;
    int flags = slower ? RD_SLOWER : row->verdict == IPCB_V_FASTER ? RD_FASTER : 0;
    rd_cell_begin_tip(&c->d, flags, row->note);
    if (slower)
        rd_strong_begin(&c->d);
    rd_text(&c->d, text);
    if (slower)
        rd_strong_end(&c->d);
    rd_cell_end(&c->d, flags);
}

/* ---- a table --------------------------------------------------------------- */

enum { MAX_COLS = 2 + 3 * IPCB_REPORT_MAX_RUNS };

/* A table header being built: names and tooltips, with room for the text. */
typedef struct header {
    const char *cols[MAX_COLS], *tips[MAX_COLS];
    int         flags[MAX_COLS];
    char        name_text[MAX_COLS][2 * IPCB_REPORT_LABEL_MAX + 16];
    char        tip_text[MAX_COLS][2 * IPCB_REPORT_LABEL_MAX + 2 * 4096 + 96];
    size_t      n;
} header;

/* Adds a column; name and tip (NULL: none) are copied. */
static void add_column(header *h, const char *name, const char *tip, int flags)
{
    snprintf(h->name_text[h->n], sizeof h->name_text[h->n], "%s", name);
    snprintf(h->tip_text[h->n], sizeof h->tip_text[h->n], "%s", tip ? tip : "");
    h->cols[h->n] = h->name_text[h->n];
    h->tips[h->n] = tip ? h->tip_text[h->n] : NULL;
    h->flags[h->n++] = flags;
}

/* The header: transport, size, then per run its value, and for every run
 * after the first the ratio to the first and the verdict. */
static void write_header(runs_ctx *c, int fanout)
{
    const ipcb_report_runs *r = c->r;
    header *h = calloc(1, sizeof *h);   /* large: not on the stack */
    if (!h)
        return;
    char name[sizeof h->name_text[0]], tip[sizeof h->tip_text[0]];
    add_column(h, "transport", NULL, 0);
    add_column(h, fanout ? "size, subscribers" : "size", NULL, 0);
    for (size_t k = 0; k < r->n; k++) {
        snprintf(tip, sizeof tip, "%s: the median over its repetitions (%s)", r->labels[k],
                 r->paths[k]);
        add_column(h, r->labels[k], tip, RD_NUM);
        if (k == 0)
            continue;
        snprintf(name, sizeof name, "%s / %s", r->labels[k], r->labels[0]);
        snprintf(tip, sizeof tip, "%s's value divided by %s's", r->labels[k], r->labels[0]);
        add_column(h, name, tip, RD_NUM);
        snprintf(name, sizeof name, "%s verdict", r->labels[k]);
        snprintf(tip, sizeof tip, "ipcbench compare %s %s: slower or faster beyond the "
                 "threshold and significant", r->paths[0], r->paths[k]);
        add_column(h, name, tip, 0);
    }
    rd_header_tips(&c->d, h->cols, h->flags, h->tips, h->n);
    free(h);
}

static int any_subscribers(const ipcb_result *const *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i]->subscribers > 0)
            return 1;
    return 0;
}

static void write_table(runs_ctx *c, const ipcb_metric *m, const ipcb_result **rows, size_t nrows)
{
    rdoc *d = &c->d;
    const ipcb_report_runs *r = c->r;
    const char *heading, *explain;
    figure_text(m, &heading, &explain);
    rd_heading_begin(d, 3, NULL);
    rd_text(d, heading);
    rd_heading_end(d, 3);
    if (explain)
        rd_para(d, explain);
    rd_table_begin(d);
    write_header(c, any_subscribers(rows, nrows));
    for (size_t i = 0; i < nrows; i++) {
        char label[128], text[64];
        double v[IPCB_REPORT_MAX_RUNS];
        rpt_row_label(label, sizeof label, rows[i]);
        rd_row_begin(d);
        rd_cell(d, 0, rows[i]->transport);
        rd_cell_keyed(d, 0, label, rpt_row_sort_key(rows[i]));
        for (size_t k = 0; k < r->n; k++) {
            value_text(ipcb_resultset_find(&r->sets[k], rows[i]->name), m->counter, text,
                       sizeof text, &v[k]);
            rd_cell(d, RD_NUM, text);
            if (k == 0)
                continue;
            write_ratio_cell(d, v[k], v[0]);
            write_verdict_cell(c, k, rows[i]->name, m);
        }
        rd_row_end(d);
    }
    rd_table_end(d);
}

void rr_write_results(runs_ctx *c)
{
    rdoc *d = &c->d;
    rd_section_begin(d, "results", "Results");
    rd_howto(d, "One table per figure, a row per benchmark: each run's value, then for each "
                "run after the first its ratio to the first run and the verdict of "
                "`ipcbench compare` between the two (hover over a verdict for its note). – "
                "means the run has no such figure or no such benchmark.", 1);
    size_t cap = 0;
    for (size_t k = 0; k < c->r->n; k++)
        cap += c->r->sets[k].nresults;
    const ipcb_result **rows = calloc(cap + 1, sizeof *rows);
    size_t written = 0;
    for (size_t i = 0; rows && i < c->opts.nmetrics; i++) {
        const ipcb_metric *m = c->opts.metrics[i];
        if (!mode_anywhere(c->r, m->mode))
            continue;
        size_t nrows = collect_rows(c->r, m->mode, rows);
        if (nrows == 0)
            continue;
        write_table(c, m, rows, nrows);
        written++;
    }
    if (!written)
        rd_para(d, "No ipcbench results (names of the form transport/mode/size) in these runs.");
    free(rows);
    rd_section_end(d);
}
