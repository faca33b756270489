/* What the `ipcbench history` verbs share: their parsed options and the
 * verbs over series (trend, regressions) in cmd_history_series.c. */
#ifndef IPCB_CMD_HISTORY_H
#define IPCB_CMD_HISTORY_H

#include <stddef.h>

typedef struct history_opts {
    const char *db;          /* --db URL (default results/history.db) */
    const char *host;        /* --host NAME|ID */
    const char *metric;      /* --metric M (default: each mode's key metric) */
    const char *filter;      /* --filter REGEX over benchmark names */
    const char *by;          /* --by time|commit */
    const char *out;         /* --out DIR */
    const char *limit;       /* --limit N */
    const char *min_step;    /* --min-step PCT */
    const char *alpha;       /* --alpha A */
    const char *min_runs;    /* --min-runs N */
    const char *args[64];    /* the positional arguments */
    size_t      nargs;
} history_opts;

int history_trend(const history_opts *o);
int history_regressions(const history_opts *o);

#endif
