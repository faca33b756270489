/* The SQLite backend of the history database (libsqlite3): one file in WAL
 * mode, so readers never block the run that writes; a writer waits for
 * another up to a bounded time, then fails with "database is locked". */
#include "hdb.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { BUSY_TIMEOUT_MS = 30000 };

static int sqlite_fail(hdb *db, const char *what)
{
    hdb_set_error(db, "%s: %s: %s", db->where, what, sqlite3_errmsg(db->conn));
    return -1;
}

static int sqlite_open(hdb *db, const char *path, int create)
{
    struct stat st;
    if (!create && stat(path, &st) != 0) {
        hdb_set_error(db, "%s: no history database there", path);
        return -1;
    }
    snprintf(db->where, sizeof db->where, "%s", path);
    sqlite3 *conn = NULL;
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    /* The file is the user's alone, like the results folder beside it. */
    mode_t old = umask(077);
    int rc = sqlite3_open_v2(path, &conn, flags, NULL);
    umask(old);
    db->conn = conn;
    if (rc != SQLITE_OK)
        return conn ? sqlite_fail(db, "cannot open") : (hdb_set_error(db, "out of memory"), -1);
    sqlite3_busy_timeout(conn, BUSY_TIMEOUT_MS);
    /* WAL: a reader sees the last commit while a run writes. The first
     * statement also finds a file that is not a database. Switching a new
     * file to WAL needs its exclusive lock, and SQLite answers "database is
     * locked" at once (no busy handler: it would deadlock) when another
     * process holds a lock then, as when two runs create the file together:
     * so that is retried here, up to the same bound. */
    char *msg = NULL;
    int rc_wal;
    for (int waited_ms = 0;; waited_ms += 10) {
        sqlite3_free(msg);
        msg = NULL;
        rc_wal = sqlite3_exec(conn, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;", NULL,
                              NULL, &msg);
        if ((rc_wal != SQLITE_BUSY && rc_wal != SQLITE_LOCKED) || waited_ms >= BUSY_TIMEOUT_MS)
            break;
        struct timespec pause = { 0, 10 * 1000 * 1000 };
        nanosleep(&pause, NULL);
    }
    if (rc_wal != SQLITE_OK) {
        hdb_set_error(db, "%s: %s", path, msg ? msg : sqlite3_errmsg(conn));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static void sqlite_close(hdb *db)
{
    sqlite3_close(db->conn);
    db->conn = NULL;
}

static int bind_params(hdb *db, sqlite3_stmt *st, int nparams, const char *const *params)
{
    for (int i = 0; i < nparams; i++) {
        char name[16];
        snprintf(name, sizeof name, "$%d", i + 1);
        int at = sqlite3_bind_parameter_index(st, name);
        if (at == 0)
            continue; /* this statement does not use $i */
        int rc = params[i] ? sqlite3_bind_text(st, at, params[i], -1, SQLITE_TRANSIENT)
                           : sqlite3_bind_null(st, at);
        if (rc != SQLITE_OK)
            return sqlite_fail(db, "binding a value");
    }
    return 0;
}

/* A column as text; a REAL with all 17 digits, so no figure loses precision. */
static const char *column_text(sqlite3_stmt *st, int c, char *buf, size_t len)
{
    switch (sqlite3_column_type(st, c)) {
    case SQLITE_NULL:
        return NULL;
    case SQLITE_FLOAT:
        snprintf(buf, len, "%.17g", sqlite3_column_double(st, c));
        return buf;
    default:
        return (const char *)sqlite3_column_text(st, c);
    }
}

static int sqlite_query(hdb *db, const char *sql, int nparams, const char *const *params,
                        hdb_row_fn row, void *arg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL) != SQLITE_OK)
        return sqlite_fail(db, "preparing a statement");
    if (bind_params(db, st, nparams, params) != 0) {
        sqlite3_finalize(st);
        return -1;
    }
    enum { MAX_COLS = 32 };
    char bufs[MAX_COLS][32];
    const char *values[MAX_COLS];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!row)
            continue;
        int n = sqlite3_column_count(st);
        if (n > MAX_COLS)
            n = MAX_COLS;
        for (int c = 0; c < n; c++)
            values[c] = column_text(st, c, bufs[c], sizeof bufs[c]);
        if (row(arg, n, values) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE) {
        sqlite_fail(db, "running a statement");
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

/* BEGIN IMMEDIATE takes the write lock at once: another writer waits. */
static int sqlite_begin_exclusive(hdb *db)
{
    return sqlite_query(db, "BEGIN IMMEDIATE", 0, NULL, NULL, NULL);
}

const hdb_ops hdb_sqlite_ops = {
    .name = "sqlite",
    .clustered_suffix = " WITHOUT ROWID",
    .open = sqlite_open,
    .close = sqlite_close,
    .query = sqlite_query,
    .begin_exclusive = sqlite_begin_exclusive,
};
