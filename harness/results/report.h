/* Turning a results directory into prose: report.md and report.html explain
 * the method and set the transports side by side per mode and size, and
 * against a baseline when one is given (the plots come from plots.h). */
#ifndef IPCB_REPORT_H
#define IPCB_REPORT_H

#include <stddef.h>

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
