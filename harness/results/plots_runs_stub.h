/* TEMPORARY, delete at the merge with the plots branch (its plots.h declares
 * this and plots.c defines it): the plots of a report over several runs,
 * OUTDIR/plots/runs-{throughput,latency}.{svg,png}. */
#ifndef IPCB_PLOTS_RUNS_STUB_H
#define IPCB_PLOTS_RUNS_STUB_H

#include <stddef.h>

/* runs: the runs as given (results directories or results.json), labels
 * their labels. Returns 0, or -1 with err. */
int ipcb_plots_render_runs(const char *outdir, const char *const *runs,
                           const char *const *labels, size_t nruns, const char *scripts_dir,
                           char *err, size_t errlen);

#endif
