/* Adding a results folder to the history database: the run's facts (time,
 * version, commit, campaign, host fingerprint) and every repetition's metrics
 * (history_record.c). `ipcbench run` and `ipcbench history import` share it. */
#ifndef IPCB_HISTORY_RECORD_H
#define IPCB_HISTORY_RECORD_H

#include <limits.h>
#include <stddef.h>

#include "hdb.h"
#include "resultset.h"

/* What identifies a run and where it ran, from its results.json. */
typedef struct ipcb_history_run {
    char      run_id[17];        /* xxh64 of results.json, hex */
    char      started_at[64];    /* the context's "date" */
    long long started_us;        /* microseconds since the epoch */
    char      version[64], commit[128], branch[128];
    char      campaign[128];
    char      campaign_hash[17]; /* xxh64 of the settings and the benchmark names, hex */
    char      host_id[17];       /* xxh64 of host name, CPU model and cores, hex */
    char      hostname[256];     /* IPCBENCH_HOST_NAME at run time, else the host name */
    char      cpu_model[256];
    int       cores;
    char      kernel[256], governor[64];
    char      results_dir[PATH_MAX];
} ipcb_history_run;

/* Fills run from the results folder dir and its loaded results rs. Returns
 * 0, or -1 with err (unreadable results.json). */
int ipcb_history_describe(const char *dir, const ipcb_resultset *rs, ipcb_history_run *run,
                          char *err, size_t errlen);

typedef struct ipcb_history_added {
    int    added;        /* 0: the run was already in the history */
    size_t benchmarks;   /* results recorded (ok, failed and skipped) */
    size_t samples;      /* metric values recorded */
    ipcb_history_run run;
} ipcb_history_added;

/* Records the results folder dir in db, in one transaction (all or nothing),
 * unless a run with the same results.json is there already. Returns 0, or -1
 * with err (unreadable results, or the database's error). */
int ipcb_history_record(hdb *db, const char *dir, ipcb_history_added *out, char *err,
                        size_t errlen);

/* The pieces `history merge` shares: inserting the run row (and its host
 * row, unless there), recorded_at NULL for now; and whether run_id is in db.
 * Both return 0, or -1 with hdb_error(db). */
int ipcb_history_insert_run(hdb *db, const ipcb_history_run *run, const char *recorded_at);
int ipcb_history_has_run(hdb *db, const char *run_id, int *there);

/* The same with the database url names, opened (created if need be, with
 * its schema) and closed again. */
int ipcb_history_record_url(const char *url, const char *dir, ipcb_history_added *out,
                            char *err, size_t errlen);

#endif
