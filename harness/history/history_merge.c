/* Merging history databases: for each run of the source that the target
 * lacks, its host and run rows, its results and its samples, copied through
 * batched inserts in one transaction, so a run is copied whole or not at all. */
#include "history_merge.h"

#include <stdlib.h>
#include <string.h>

#include "hdb_batch.h"
#include "history_query.h"
#include "history_record.h"
#include "textfile.h"

/* Rows of a query on the source into a batch on the target, each prefixed
 * with the run id. */
typedef struct row_copy {
    hdb_batch  *batch;
    const char *run_id;
    int         failed;
} row_copy;

static int copy_row(void *arg, int ncols, const char *const *v)
{
    row_copy *rc = arg;
    const char *row[16] = { rc->run_id };
    if (ncols + 1 > 16 || ncols + 1 != rc->batch->ncols) {
        rc->failed = 1;
        hdb_set_error(rc->batch->db, "merge: unexpected columns");
        return 1;
    }
    memcpy(row + 1, v, (size_t)ncols * sizeof *v);
    if (hdb_batch_add(rc->batch, row) != 0) {
        rc->failed = 1;
        return 1;
    }
    return 0;
}

/* The source's rows of sql (selecting one run's, $1) inserted by head. */
static int copy_rows(hdb *to, hdb *from, const char *run_id, const char *sql, const char *head,
                     int ncols, size_t *count, char *err, size_t errlen)
{
    hdb_batch b;
    hdb_batch_init(&b, to, head, ncols, "");
    row_copy rc = { &b, run_id, 0 };
    const char *params[] = { run_id };
    int ok = hdb_query(from, sql, 1, params, copy_row, &rc) == 0;
    if (!ok)
        ipcb_set_err(err, errlen, "%s", hdb_error(from));
    if (ok && (rc.failed || hdb_batch_flush(&b) != 0)) {
        ipcb_set_err(err, errlen, "%s", hdb_error(to));
        ok = 0;
    }
    if (count)
        *count += b.sent;
    hdb_batch_free(&b);
    return ok ? 0 : -1;
}

static int copy_run(hdb *to, hdb *from, const ipcb_hrun *run, size_t *samples, char *err,
                    size_t errlen)
{
    const char *id = run->facts.run_id;
    if (ipcb_history_insert_run(to, &run->facts, run->recorded_at) != 0) {
        ipcb_set_err(err, errlen, "%s", hdb_error(to));
        return -1;
    }
    if (copy_rows(to, from, id, "SELECT benchmark, transport, mode, size, bytes, subscribers, "
                                "status, error FROM result WHERE run_id = $1",
                  "INSERT INTO result (run_id, benchmark, transport, mode, size, bytes, "
                  "subscribers, status, error)", 9, NULL, err, errlen) != 0)
        return -1;
    /* Through the run's results: each benchmark's samples of the run are
     * one range of sample's key (benchmark, run_id, ...). */
    return copy_rows(to, from, id, "SELECT s.benchmark, s.repetition, s.metric, s.value "
                                   "FROM result x JOIN sample s ON s.benchmark = x.benchmark "
                                   "AND s.run_id = x.run_id WHERE x.run_id = $1",
                     "INSERT INTO sample (run_id, benchmark, repetition, metric, value)", 5,
                     samples, err, errlen);
}

int ipcb_history_merge(hdb *to, hdb *from, ipcb_history_merged *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    ipcb_hrun *runs = NULL;
    long n = ipcb_history_runs(from, NULL, NULL, 0, &runs, err, errlen);
    if (n < 0)
        return -1;
    int rc = 0;
    for (long i = n - 1; i >= 0 && rc == 0; i--) { /* oldest first */
        int there = 0;
        if (hdb_begin_exclusive(to) != 0 ||
            ipcb_history_has_run(to, runs[i].facts.run_id, &there) != 0) {
            ipcb_set_err(err, errlen, "%s", hdb_error(to));
            hdb_rollback(to);
            rc = -1;
        } else if (there) {
            hdb_rollback(to);
            out->runs_present++;
        } else if (copy_run(to, from, &runs[i], &out->samples, err, errlen) != 0) {
            hdb_rollback(to);
            rc = -1;
        } else if (hdb_commit(to) != 0) {
            ipcb_set_err(err, errlen, "%s", hdb_error(to));
            rc = -1;
        } else {
            out->runs_added++;
        }
    }
    free(runs);
    return rc;
}
