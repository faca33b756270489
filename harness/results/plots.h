/* The plots of a results directory: gnuplot renders them from results.csv
 * and the histograms, as SVG and PNG; with a baseline, overlays of this run
 * against it. Implemented in plots.c. */
#ifndef IPCB_PLOTS_H
#define IPCB_PLOTS_H

#include <stddef.h>

/* Render DIR/plots/{throughput,latency,cdf,fanout}.{svg,png} with the gnuplot
 * scripts in scripts_dir; a plot without data (no fanout results, say) is not
 * rendered. Returns 0, or -1 with err (gnuplot missing or failing). */
int ipcb_plots_render(const char *dir, const char *scripts_dir, char *err, size_t errlen);

/* Overlay plots of DIR against a baseline (a results directory or
 * results.json): DIR/plots/compare-{throughput,latency}.{svg,png}, this run
 * solid and the baseline dashed, from results.csv and DIR/plots/baseline.csv
 * (written from the baseline). Returns 0, or -1 with err. */
int ipcb_plots_render_baseline(const char *dir, const char *baseline, const char *scripts_dir,
                               char *err, size_t errlen);

#endif
