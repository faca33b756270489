/* The history database's schema and its migrations. The SQL is the subset
 * SQLite and PostgreSQL share (TEXT, INTEGER, BIGINT, DOUBLE PRECISION,
 * composite keys, ON CONFLICT), so one text serves both backends. */
#include "history_schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textfile.h"

/* Ends a CREATE TABLE whose rows live in its key's order where the backend
 * can do that (hdb_ops.clustered_suffix). */
#define HDB_CLUSTERED "\x01"

/* Version 1: machines, runs, and every repetition's metrics.
 *  - host: a machine as its hardware and name identify it; kernel and
 *    governor change over its life, so they belong to each run.
 *  - run: one results folder; run_id is a hash of its results.json, so
 *    importing or merging the same run twice adds nothing.
 *  - sample: one metric of one repetition of one benchmark of one run (and
 *    so of one host), so any statistic can be redone later. Its key starts
 *    with the benchmark, then the run: a series (one benchmark's metric
 *    over the runs of a host) and one run's benchmarks are both range reads
 *    of the key, with no second index; in SQLite the table is its key's
 *    b-tree (WITHOUT ROWID), about 1 MB for a default campaign's 12,600 values. */
static const char *const version_1[] = {
    "CREATE TABLE host ("
    " host_id TEXT PRIMARY KEY,"
    " hostname TEXT NOT NULL,"
    " cpu_model TEXT,"
    " cores INTEGER)",
    "CREATE TABLE run ("
    " run_id TEXT PRIMARY KEY,"
    " started_at TEXT NOT NULL,"          /* ISO 8601, as results.json has it */
    " started_us BIGINT NOT NULL,"        /* the same instant in microseconds, for order */
    " recorded_at TEXT NOT NULL,"
    " ipcbench_version TEXT,"
    " git_commit TEXT,"
    " git_branch TEXT,"
    " campaign TEXT,"
    " campaign_hash TEXT,"                /* of the settings and the benchmark list */
    " host_id TEXT NOT NULL REFERENCES host (host_id),"
    " kernel TEXT,"
    " governor TEXT,"
    " results_dir TEXT)",
    "CREATE TABLE sample ("
    " benchmark TEXT NOT NULL,"
    " run_id TEXT NOT NULL REFERENCES run (run_id),"
    " metric TEXT NOT NULL,"
    " repetition INTEGER NOT NULL,"
    " value DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY (benchmark, run_id, metric, repetition))" HDB_CLUSTERED,
};

/* Version 2: each benchmark's outcome per run (ok, failed with its message,
 * skipped), which version 1 could only infer from the samples. Runs recorded
 * at version 1 are backfilled as ok. */
static const char *const version_2[] = {
    "CREATE TABLE result ("
    " run_id TEXT NOT NULL REFERENCES run (run_id),"
    " benchmark TEXT NOT NULL,"
    " transport TEXT,"
    " mode TEXT,"
    " size TEXT,"
    " bytes BIGINT,"
    " subscribers INTEGER,"
    " status TEXT NOT NULL,"              /* ok, failed, skipped */
    " error TEXT,"
    " PRIMARY KEY (run_id, benchmark))",
    "INSERT INTO result (run_id, benchmark, status)"
    " SELECT DISTINCT run_id, benchmark, 'ok' FROM sample",
};

static const struct migration {
    const char *const *steps;
    size_t nsteps;
} migrations[] = {
    { version_1, sizeof version_1 / sizeof version_1[0] },
    { version_2, sizeof version_2 / sizeof version_2[0] },
};
enum { LATEST = sizeof migrations / sizeof migrations[0] };

int ipcb_history_schema_latest(void) { return LATEST; }

static int current_version(hdb *db)
{
    if (hdb_exec(db, "CREATE TABLE IF NOT EXISTS ipcbench_schema (version INTEGER NOT NULL)", 0,
                 NULL) != 0)
        return -1;
    char text[32];
    if (hdb_query_text(db, "SELECT max(version) FROM ipcbench_schema", 0, NULL, text,
                       sizeof text) != 0)
        return -1;
    return text[0] ? atoi(text) : 0;
}

/* A step's SQL with HDB_CLUSTERED ("\x01" at its end) as the backend has it. */
static int exec_step(hdb *db, const char *step)
{
    size_t n = strlen(step);
    if (n == 0 || step[n - 1] != HDB_CLUSTERED[0])
        return hdb_exec(db, step, 0, NULL);
    char sql[1024];
    snprintf(sql, sizeof sql, "%.*s%s", (int)(n - 1), step, db->ops->clustered_suffix);
    return hdb_exec(db, sql, 0, NULL);
}

static int apply(hdb *db, int from, int upto)
{
    for (int v = from + 1; v <= upto; v++)
        for (size_t i = 0; i < migrations[v - 1].nsteps; i++)
            if (exec_step(db, migrations[v - 1].steps[i]) != 0)
                return -1;
    char text[16];
    snprintf(text, sizeof text, "%d", upto);
    const char *params[] = { text };
    if (hdb_exec(db, "DELETE FROM ipcbench_schema", 0, NULL) != 0 ||
        hdb_exec(db, "INSERT INTO ipcbench_schema (version) VALUES ($1)", 1, params) != 0)
        return -1;
    return 0;
}

int ipcb_history_schema_migrate(hdb *db, int upto)
{
    if (upto < 1 || upto > LATEST)
        upto = LATEST;
    /* Up to date (the usual case): a read, no lock, so a reader of a
     * read-only file or of a database a run is writing is not held up. If the
     * table is not there yet the read fails, and creating it is the next step. */
    char text[32];
    if (hdb_query_text(db, "SELECT max(version) FROM ipcbench_schema", 0, NULL, text,
                       sizeof text) == 0 && atoi(text) == upto)
        return upto;
    if (hdb_begin_exclusive(db) != 0)
        return -1;
    int was = current_version(db);
    if (was < 0) {
        hdb_rollback(db);
        return -1;
    }
    if (was > LATEST) {
        hdb_set_error(db, "%s: the history schema is version %d, newer than this ipcbench "
                          "knows (%d): use a newer ipcbench", db->where, was, LATEST);
        hdb_rollback(db);
        return -1;
    }
    if (was < upto && apply(db, was, upto) != 0) {
        hdb_rollback(db);
        return -1;
    }
    if (hdb_commit(db) != 0)
        return -1;
    return was;
}

hdb *ipcb_history_open(const char *url, hdb_open_mode mode, char *err, size_t errlen)
{
    hdb *db = hdb_open(url, mode, err, errlen);
    if (!db)
        return NULL;
    if (ipcb_history_schema_migrate(db, LATEST) < 0) {
        ipcb_set_err(err, errlen, "%s", hdb_error(db));
        hdb_close(db);
        return NULL;
    }
    return db;
}
