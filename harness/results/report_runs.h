/* One report over several runs (two hosts, two builds, two kernels): the runs'
 * environments side by side, a table per figure with every run's value, the
 * ratio to the first run and compare's verdict, and the plots of all runs. */
#ifndef IPCB_REPORT_RUNS_H
#define IPCB_REPORT_RUNS_H

#include <stddef.h>

#include "resultset.h"

enum { IPCB_REPORT_MAX_RUNS = 8, IPCB_REPORT_LABEL_MAX = 64 };

typedef struct ipcb_report_runs {
    size_t         n;
    ipcb_resultset sets[IPCB_REPORT_MAX_RUNS];
    const char    *paths[IPCB_REPORT_MAX_RUNS];    /* as given */
    char           dirs[IPCB_REPORT_MAX_RUNS][4096]; /* the real directory of each results.json */
    char           label_text[IPCB_REPORT_MAX_RUNS][IPCB_REPORT_LABEL_MAX];
    const char    *labels[IPCB_REPORT_MAX_RUNS];   /* point into label_text */
} ipcb_report_runs;

/* Loads n runs (each a results directory or a results.json) and their labels:
 * labels_csv "a,b,..." or NULL for labels from each run's context (host and
 * date, more of the date or the directory's name where that is not unique).
 * Returns 0, or -1 with a one-line reason: fewer than 2 or more than
 * IPCB_REPORT_MAX_RUNS runs, a label count that is not n, an empty, too long
 * or repeated label, the same run twice, a run that cannot be loaded. */
int  ipcb_report_runs_load(ipcb_report_runs *r, const char *const *paths, size_t n,
                           const char *labels_csv, char *err, size_t errlen);
void ipcb_report_runs_free(ipcb_report_runs *r);

/* Checks that outdir can take the report: not a file, and none of the runs'
 * own directories (their report.md would be replaced). Returns 0 or -1 with err. */
int  ipcb_report_runs_check_out(const ipcb_report_runs *r, const char *outdir, char *err,
                                size_t errlen);
/* "results/report-<UTC stamp>": where a report over runs goes by default. */
void ipcb_report_runs_default_out(char *out, size_t n);

/* Writes outdir/report.md and outdir/report.html (outdir exists), with
 * outdir/plots/runs-{throughput,latency}.svg inlined if they were rendered.
 * Each file is written to a temporary name and renamed. Returns 0, or -1 with err. */
int  ipcb_report_runs_write(const ipcb_report_runs *r, const char *outdir, char *err,
                            size_t errlen);

#endif
