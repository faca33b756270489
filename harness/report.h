/* Turning a results directory into pictures and prose: gnuplot renders the
 * plots from results.csv and the histograms; report.md explains the method
 * and sets the transports side by side per mode and size. */
#ifndef IPCB_REPORT_H
#define IPCB_REPORT_H

#include <stddef.h>

/* Render DIR/plots/{throughput,latency,cdf}.{svg,png} with the gnuplot scripts
 * in scripts_dir. Returns 0, or -1 with err (gnuplot missing or failing). */
int ipcb_plots_render(const char *dir, const char *scripts_dir, char *err, size_t errlen);

/* Write DIR/report.md from DIR/results.json (and the plots, if rendered).
 * Returns 0, or -1 with err. Written to a temporary name and renamed. */
int ipcb_report_write(const char *dir, char *err, size_t errlen);

#endif
