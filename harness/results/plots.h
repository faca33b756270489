/* The plots of a results directory: gnuplot renders them from results.csv
 * and the histograms, as SVG (with a tooltip on every point) and PNG; with a
 * baseline, overlays of this run against it; overlays of several runs.
 * Implemented in plots.c; series styles in family.h. */
#ifndef IPCB_PLOTS_H
#define IPCB_PLOTS_H

#include <stddef.h>

#include "resultset.h"

/* Render into DIR/plots/, each as NAME.svg and NAME.png, with the gnuplot
 * scripts in scripts_dir:
 *   throughput    MB/s by frame size, a line per transport
 *   latency       one-way latency p50 by frame size, a line per transport
 *   latency-p99   the same at p99
 *   families      latency p50 by frame size, a panel per transport family
 *                 with memcpy in each (with two families or more)
 *   cdf-SIZE      the latency CDF at each latency frame size with histograms
 *   cdf           the same at 1080p, or at the largest size without 1080p
 *   fanout        fan-out latency p50 by subscribers, a line per transport
 *                 and frame size
 * A plot without data (no fanout results, say) is not rendered. Returns 0,
 * or -1 with err (gnuplot missing or failing). */
int ipcb_plots_render(const char *dir, const char *scripts_dir, char *err, size_t errlen);

/* Overlay plots of DIR against a baseline (a results directory or
 * results.json): DIR/plots/compare-{throughput,latency}.{svg,png}, this run
 * solid and the baseline dashed, from results.csv and DIR/plots/baseline.csv
 * (written from the baseline). Returns 0, or -1 with err. */
int ipcb_plots_render_baseline(const char *dir, const char *baseline, const char *scripts_dir,
                               char *err, size_t errlen);

/* Overlay plots of nruns runs (each a results directory or results.json)
 * into OUTDIR (made if missing): OUTDIR/plots/run-K.csv for K = 1..nruns,
 * and OUTDIR/plots/runs-throughput (MB/s by frame size) and runs-latency (p50
 * by frame size), .svg and .png: a line per transport and run, titled
 * "TRANSPORT (LABEL)", the transport's family colour and point type, each
 * run its dash (run 1 solid, 2 dashed, 3 dotted, ...). labels may be NULL
 * (or hold NULLs): "run K". Returns 0, or -1 with err (gnuplot missing, a
 * run that cannot be loaded, no runs). */
int ipcb_plots_render_runs(const char *outdir, const char *const *runs,
                           const char *const *labels, size_t nruns, const char *scripts_dir,
                           char *err, size_t errlen);

/* Does any successful result of mode have a positive counter c, a point a
 * plot would draw (a line per transport that has one)? */
int ipcb_plots_can_draw(const ipcb_resultset *rs, const char *mode, enum ipcb_counter c);

/* Why the report in dir shows no plots, a sentence for it (report markup):
 * with have_data 0, that no result has a figure to plot; else that gnuplot is
 * not installed; else that they were not rendered yet (no dir/plots/gnuplot.log)
 * or that gnuplot drew none (its log says why). */
const char *ipcb_plots_why_none(const char *dir, int have_data);

#endif
