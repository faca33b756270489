/* The tables of a report over several runs (report_runs_tables.c): per figure,
 * a row per benchmark with each run's value, the ratio to the first run and
 * compare's verdict. Internal to report_runs*.c. */
#ifndef IPCB_REPORT_RUNS_TABLES_H
#define IPCB_REPORT_RUNS_TABLES_H

#include "compare.h"
#include "report_runs.h"
#include "reportdoc.h"

/* Everything one pass over the report needs (report_runs.c fills it). */
typedef struct runs_ctx {
    rdoc                    d;
    const ipcb_report_runs *r;
    const char             *outdir;
    ipcb_cmp_opts           opts;
    /* cmp[k]: run 1 (the base) against run k, for k >= 1, if has_cmp[k] */
    ipcb_comparison         cmp[IPCB_REPORT_MAX_RUNS];
    int                     has_cmp[IPCB_REPORT_MAX_RUNS];
    char                    cmp_err[IPCB_REPORT_MAX_RUNS][512];
} runs_ctx;

/* The "Results" section: a table per figure of the compare options' metrics
 * whose mode some run has. */
void rr_write_results(runs_ctx *c);

#endif
