/* The PostgreSQL backend of the history database (libpq), for teams whose
 * machines share one history. It talks only to a server on this machine: a
 * Unix socket or loopback (a remote server is reached through a tunnel). */
#include "hdb.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every wait is bounded: connecting, waiting for a lock, running a statement. */
static const char *const session_settings =
    "SET lock_timeout = '30s'; SET statement_timeout = '300s'; "
    "SET client_min_messages = warning";
/* The key of the advisory lock that serialises schema creation and migration. */
static const char *const schema_lock = "SELECT pg_advisory_xact_lock(7369840518)";

/* Whether host (a host or hostaddr value, maybe a comma-separated list) is
 * this machine: empty (the default socket), a socket directory, or loopback. */
static int host_is_local(const char *host)
{
    if (!host || !*host)
        return 1;
    char list[512];
    snprintf(list, sizeof list, "%s", host);
    char *save = NULL;
    for (char *h = strtok_r(list, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
        int local = h[0] == '/' || h[0] == '@' || strcmp(h, "localhost") == 0 ||
                    strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0 || !*h;
        if (!local)
            return 0;
    }
    return 1;
}

/* The host the connection would use: the URI's, else $PGHOST / $PGHOSTADDR. */
static int target_is_local(hdb *db, const char *uri)
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(uri, &msg);
    if (!opts) {
        hdb_set_error(db, "%s: %s", db->where, msg ? msg : "cannot parse the URI");
        PQfreemem(msg);
        return -1;
    }
    const char *host = NULL, *hostaddr = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (strcmp(o->keyword, "host") == 0 && o->val)
            host = o->val;
        if (strcmp(o->keyword, "hostaddr") == 0 && o->val)
            hostaddr = o->val;
    }
    if (!host)
        host = getenv("PGHOST");
    if (!hostaddr)
        hostaddr = getenv("PGHOSTADDR");
    int local = host_is_local(host) && host_is_local(hostaddr);
    if (!local)
        hdb_set_error(db, "%s: the server '%s' is not on this machine; ipcbench talks only to "
                          "a local server (a Unix socket or loopback; reach a remote one "
                          "through an SSH tunnel)", db->where, hostaddr && *hostaddr ? hostaddr
                                                                                      : host);
    PQconninfoFree(opts);
    return local ? 0 : -1;
}

static int pg_open(hdb *db, const char *uri, int create)
{
    (void)create; /* the database itself is the server's to create */
    if (target_is_local(db, uri) != 0)
        return -1;
    /* connect_timeout first: the URI's own value, if any, overrides it. */
    const char *const keys[] = { "connect_timeout", "application_name", "dbname", NULL };
    const char *const values[] = { "10", "ipcbench", uri, NULL };
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    db->conn = conn;
    if (!conn) {
        hdb_set_error(db, "out of memory");
        return -1;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        hdb_set_error(db, "%s: cannot connect: %s", db->where, PQerrorMessage(conn));
        return -1;
    }
    PGresult *r = PQexec(conn, session_settings);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        hdb_set_error(db, "%s: %s", db->where, PQerrorMessage(conn));
    PQclear(r);
    return ok ? 0 : -1;
}

static void pg_close(hdb *db)
{
    PQfinish(db->conn);
    db->conn = NULL;
}

/* libpq's message without its trailing newline. */
static void pg_fail(hdb *db)
{
    hdb_set_error(db, "%s: %s", db->where, PQerrorMessage(db->conn));
    size_t n = strlen(db->err);
    while (n && (db->err[n - 1] == '\n' || db->err[n - 1] == ' '))
        db->err[--n] = '\0';
}

static int pg_query(hdb *db, const char *sql, int nparams, const char *const *params,
                    hdb_row_fn row, void *arg)
{
    PGresult *r = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        pg_fail(db);
        PQclear(r);
        return -1;
    }
    enum { MAX_COLS = 32 };
    const char *values[MAX_COLS];
    int rows = PQntuples(r), cols = PQnfields(r);
    if (cols > MAX_COLS)
        cols = MAX_COLS;
    for (int i = 0; row && i < rows; i++) {
        for (int c = 0; c < cols; c++)
            values[c] = PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c);
        if (row(arg, cols, values) != 0)
            break;
    }
    PQclear(r);
    return 0;
}

/* A transaction holding an advisory lock: creating tables concurrently
 * races in PostgreSQL even with IF NOT EXISTS. */
static int pg_begin_exclusive(hdb *db)
{
    if (pg_query(db, "BEGIN", 0, NULL, NULL, NULL) != 0)
        return -1;
    if (pg_query(db, schema_lock, 0, NULL, NULL, NULL) != 0) {
        hdb_rollback(db);
        return -1;
    }
    return 0;
}

const hdb_ops hdb_postgres_ops = {
    .name = "postgresql",
    .clustered_suffix = "",
    .open = pg_open,
    .close = pg_close,
    .query = pg_query,
    .begin_exclusive = pg_begin_exclusive,
};
