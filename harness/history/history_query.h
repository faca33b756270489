/* Reading the history back (history_query.c): the runs, newest first, and
 * series, one per benchmark, metric and host, each point a run with the
 * values of its repetitions. `ipcbench history` builds on these. */
#ifndef IPCB_HISTORY_QUERY_H
#define IPCB_HISTORY_QUERY_H

#include <stddef.h>

#include "hdb.h"
#include "history_record.h"

typedef struct ipcb_hrun {
    ipcb_history_run facts;
    char   recorded_at[32];
    size_t benchmarks, failed, skipped;
} ipcb_hrun;

/* Runs newest first (at most limit; 0: all), only those of host (a host
 * name or host id prefix; NULL: all) and those whose run id starts with
 * id_prefix (NULL: all). *out is to free. Returns the count, or -1 with err. */
long ipcb_history_runs(hdb *db, const char *host, const char *id_prefix, size_t limit,
                       ipcb_hrun **out, char *err, size_t errlen);

/* One benchmark of one run, as `history show` lists it: its outcome and the
 * medians over its repetitions (NaN where the run has no such metric). */
typedef struct ipcb_hresult {
    char   benchmark[128];
    char   status[16];       /* ok, failed, skipped */
    char   error[256];
    double p50_us, p99_us, mb_per_s;
    size_t repetitions;
} ipcb_hresult;

/* The results of run_id (a full id), by benchmark name. *out is to free.
 * Returns the count, or -1 with err. */
long ipcb_history_run_results(hdb *db, const char *run_id, ipcb_hresult **out, char *err,
                              size_t errlen);

typedef struct ipcb_hpoint {
    char      run_id[17];
    long long when_us;       /* started_us: microseconds since the epoch */
    char      commit[128];
    char      kernel[128];
    double   *values;        /* its repetitions' values */
    size_t    nvalues;
} ipcb_hpoint;

typedef struct ipcb_hseries {
    char         benchmark[128];
    char         metric[32];
    char         host_id[17];
    char         hostname[256];
    ipcb_hpoint *points;     /* oldest first */
    size_t       npoints;
} ipcb_hseries;

typedef struct ipcb_hseries_set {
    ipcb_hseries *series;    /* by benchmark, then host */
    size_t        n;
} ipcb_hseries_set;

/* The key metric, the one a mode is judged by (metric "key"): throughput
 * by mb_per_s, every other mode by p50_us. */
const char *ipcb_history_key_metric(const char *benchmark);

typedef struct ipcb_hseries_filter {
    const char *metric;      /* a metric name, or NULL / "key" for each mode's key metric */
    const char *regex;       /* POSIX extended regex over benchmark names; NULL: all */
    const char *host;        /* host name or host id prefix; NULL: all */
} ipcb_hseries_filter;

/* The series that match f. Returns 0, or -1 with err (bad regex, database). */
int  ipcb_history_series(hdb *db, const ipcb_hseries_filter *f, ipcb_hseries_set *out,
                         char *err, size_t errlen);
void ipcb_hseries_set_free(ipcb_hseries_set *set);

#endif
