/* `ipcbench history trend`: a chart of series from the history, a panel per
 * benchmark and a line per host, over run time or over commits, drawn by
 * scripts/trend.gp (history_trend.c). */
#ifndef IPCB_HISTORY_TREND_H
#define IPCB_HISTORY_TREND_H

#include <stddef.h>

#include "history_query.h"

enum { IPCB_TREND_MAX_PANELS = 12 };

typedef struct ipcb_trend_opts {
    const char *out_dir;      /* writes OUT/trend.dat and OUT/plots/trend.{svg,png} */
    const char *scripts_dir;
    int         by_commit;    /* x: commits in the order they were first run, not time */
} ipcb_trend_opts;

/* Draws set. Returns 0, or -1 with err (nothing to draw, more benchmarks than
 * IPCB_TREND_MAX_PANELS, gnuplot missing or failing). */
int ipcb_history_trend(const ipcb_hseries_set *set, const ipcb_trend_opts *o, char *err,
                       size_t errlen);

#endif
