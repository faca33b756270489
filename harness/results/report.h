/* Turning a results directory into pictures and prose: gnuplot renders the
 * plots from results.csv and the histograms; report.md and report.html explain
 * the method and set the transports side by side per mode and size, and
 * against a baseline when one is given. */
#ifndef IPCB_REPORT_H
#define IPCB_REPORT_H

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

/* Write DIR/report.md and DIR/report.html (self-contained: CSS inline, the
 * plots inlined as SVG, no scripts, nothing fetched) from DIR/results.json and
 * the plots, if rendered. Returns 0, or -1 with err. Each file is written to
 * a temporary name and renamed. */
int ipcb_report_write(const char *dir, char *err, size_t errlen);
/* The same against a baseline (NULL for none): the verdicts of a comparison
 * (as `ipcbench compare`), the environment side by side, change columns in
 * every table and the overlay plots, if rendered. */
int ipcb_report_write_baseline(const char *dir, const char *baseline, char *err, size_t errlen);

#endif
