/* report.md and report.html over several runs: the runs and their
 * environments side by side, the tables (report_runs_tables.c), how the
 * verdicts come about, the plots of all runs and each run's own report. */
#include "report_runs.h"
#include "compare_print.h"
#include "plots.h"
#include "report_env.h"
#include "report_runs_tables.h"
#include "report_tables.h"
#include "textfile.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct { const char *file, *title; } run_plots[] = {
    { "runs-throughput", "Throughput by frame size, every run" },
    { "runs-latency", "One-way latency by frame size, every run" },
};

static int file_exists(const char *dir, const char *name)
{
    char path[PATH_MAX];
    int len = snprintf(path, sizeof path, "%s/%s", dir, name);
    return len > 0 && (size_t)len < sizeof path && access(path, F_OK) == 0;
}

/* "campaign, date" of a run. */
static void describe(const ipcb_resultset *rs, char *out, size_t len)
{
    const char *campaign = ipcb_resultset_context(rs, "campaign");
    const char *date = ipcb_resultset_context(rs, "date");
    snprintf(out, len, "%s, %s", campaign ? campaign : "results", date ? date : "no date");
}

/* ---- sections -------------------------------------------------------------- */

static void write_title(runs_ctx *c)
{
    rdoc *d = &c->d;
    const ipcb_report_runs *r = c->r;
    rd_heading_begin(d, 1, "title");
    rd_textf(d, "ipcbench report: %zu runs side by side", r->n);
    rd_heading_end(d, 1);
    rd_para_begin(d);
    for (size_t k = 0; k < r->n; k++) {
        char what[256];
        describe(&r->sets[k], what, sizeof what);
        rd_text(d, k == 0 ? "" : k + 1 == r->n ? " and " : ", ");
        rd_strong_begin(d);
        rd_text(d, r->labels[k]);
        rd_strong_end(d);
        rd_textf(d, " (%s)", what);
    }
    rd_text(d, ". The first run is the base: every ratio and verdict compares a later run "
               "with it.");
    rd_para_end(d);
}

static void write_runs(runs_ctx *c)
{
    rdoc *d = &c->d;
    const ipcb_report_runs *r = c->r;
    rd_section_begin(d, "runs", "Runs");
    rd_howto(d, "Each run's label, where its results are and what it ran on, side by side. A "
                "fact that differs between the runs is highlighted: another host, kernel, CPU "
                "or commit may explain a difference as well as the code does.", 1);
    const ipcb_resultset *sets[IPCB_REPORT_MAX_RUNS];
    for (size_t k = 0; k < r->n; k++)
        sets[k] = &r->sets[k];
    size_t ndiffer = rpt_write_env_table(d, sets, r->labels, r->paths, r->n);
    rd_para_begin(d);
    if (ndiffer)
        rd_textf(d, "%zu fact%s differ%s between the runs (highlighted).", ndiffer,
                 ndiffer == 1 ? "" : "s", ndiffer == 1 ? "s" : "");
    else
        rd_text(d, "The runs agree on every fact listed.");
    rd_para_end(d);
    rd_section_end(d);
}

static void write_comparison(runs_ctx *c)
{
    rdoc *d = &c->d;
    const ipcb_report_runs *r = c->r;
    rd_section_begin(d, "comparison", "Comparison with the first run");
    rd_howto(d, "How the verdicts in the tables come about: each later run against the first, "
                "as `ipcbench compare FIRST LATER` judges them.", 0);
    rd_para_begin(d);
    rd_textf(d, "A change counts as *slower* or *faster* when the median over a run's "
             "repetitions moved by more than %g%% from the first run's (latency up or "
             "throughput down is slower) and a two-sided Mann-Whitney U test over the "
             "repetitions of both is significant at %g; with too few repetitions for the test "
             "to reach that, the threshold alone decides and the verdict says "
             "\"threshold only\".", 100 * c->opts.threshold, c->opts.alpha);
    rd_para_end(d);
    rd_list_begin(d);
    for (size_t k = 1; k < r->n; k++) {
        rd_item_begin(d);
        rd_strong_begin(d);
        rd_text(d, r->labels[k]);
        rd_strong_end(d);
        rd_text(d, " against ");
        rd_strong_begin(d);
        rd_text(d, r->labels[0]);
        rd_strong_end(d);
        rd_text(d, ": ");
        if (!c->has_cmp[k]) {
            rd_text(d, "cannot be compared: ");
            rd_text(d, c->cmp_err[k]);
        } else {
            char line[1024];
            ipcb_comparison_summary(&c->cmp[k], line, sizeof line);
            if (c->cmp[k].regression)
                rd_textf(d, "%zu slower. ", c->cmp[k].count[IPCB_V_SLOWER]);
            rd_text(d, line);
        }
        rd_item_end(d);
    }
    rd_list_end(d);
    rd_section_end(d);
}

/* Has any run a figure the overlays (throughput, latency p50) would draw? */
static int runs_have_plot_data(const ipcb_report_runs *r)
{
    for (size_t k = 0; k < r->n; k++)
        if (ipcb_plots_can_draw(&r->sets[k], "throughput", IPCB_C_MB_PER_S)
            || ipcb_plots_can_draw(&r->sets[k], "latency", IPCB_C_P50_US))
            return 1;
    return 0;
}

static void write_plots(runs_ctx *c)
{
    rdoc *d = &c->d;
    rd_section_begin(d, "plots", "Plots");
    rd_howto(d, "Every run in one plot per figure, to see at which frame sizes they part: "
                "lower latency and higher throughput are better.", 0);
    int any = 0;
    for (size_t i = 0; i < sizeof run_plots / sizeof run_plots[0]; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "plots/%s.svg", run_plots[i].file);
        any |= file_exists(c->outdir, rel) && rd_figure(d, c->outdir, rel, run_plots[i].title) == 0;
    }
    if (!any)
        rd_para(d, ipcb_plots_why_none(c->outdir, runs_have_plot_data(c->r)));
    rd_section_end(d);
}

static void write_files(runs_ctx *c)
{
    rdoc *d = &c->d;
    const ipcb_report_runs *r = c->r;
    rd_section_begin(d, "files", "Files");
    rd_para(d, "Each run's own report has every table, the counters that explain them and the "
               "failures:");
    rd_list_begin(d);
    for (size_t k = 0; k < r->n; k++) {
        rd_item_begin(d);
        rd_text(d, r->labels[k]);
        rd_text(d, ": ");
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", r->dirs[k],
                 file_exists(r->dirs[k], "report.html") ? "report.html" : "results.json");
        rd_code(d, path);
        rd_item_end(d);
    }
    rd_list_end(d);
    rd_section_end(d);
}

/* ---- the report ------------------------------------------------------------ */

/* The sections in order, each with its link in the contents. */
static const struct runs_section {
    const char *id, *nav_title;
    void (*write)(runs_ctx *c);
} sections[] = {
    { "runs", "Runs", write_runs },
    { "results", "Results", rr_write_results },
    { "comparison", "Comparison", write_comparison },
    { "plots", "Plots", write_plots },
    { "files", "Files", write_files },
};
#define NSECTIONS (sizeof sections / sizeof sections[0])

static int write_report(FILE *f, void *arg)
{
    runs_ctx *c = arg;
    c->d.f = f;
    c->d.figures = 0;
    char title[64];
    snprintf(title, sizeof title, "ipcbench report: %zu runs", c->r->n);
    rd_begin(&c->d, title);
    write_title(c);
    const char *ids[NSECTIONS], *titles[NSECTIONS];
    for (size_t i = 0; i < NSECTIONS; i++) {
        ids[i] = sections[i].id;
        titles[i] = sections[i].nav_title;
    }
    rd_nav(&c->d, ids, titles, NSECTIONS);
    for (size_t i = 0; i < NSECTIONS; i++)
        sections[i].write(c);
    rd_end(&c->d);
    return ferror(f) ? -1 : 0;
}

int ipcb_report_runs_write(const ipcb_report_runs *r, const char *outdir, char *err,
                           size_t errlen)
{
    char md[PATH_MAX], html[PATH_MAX];
    if ((size_t)snprintf(md, sizeof md, "%s/report.md", outdir) >= sizeof md
        || (size_t)snprintf(html, sizeof html, "%s/report.html", outdir) >= sizeof html) {
        ipcb_set_err(err, errlen, "%s: path too long", outdir);
        return -1;
    }
    runs_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        ipcb_set_err(err, errlen, "out of memory");
        return -1;
    }
    c->r = r;
    c->outdir = outdir;
    rpt_compare_opts(&c->opts);
    for (size_t k = 1; k < r->n; k++)
        c->has_cmp[k] = ipcb_compare(&r->sets[0], &r->sets[k], &c->opts, &c->cmp[k],
                                     c->cmp_err[k], sizeof c->cmp_err[k]) == 0;
    c->d.html = 1;
    int rc = ipcb_write_atomically(html, write_report, c, err, errlen);
    c->d.html = 0;
    if (rc == 0)
        rc = ipcb_write_atomically(md, write_report, c, err, errlen);
    for (size_t k = 1; k < r->n; k++)
        if (c->has_cmp[k])
            ipcb_comparison_free(&c->cmp[k]);
    free(c);
    return rc;
}
