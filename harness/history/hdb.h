/* The history database connection: one small interface over SQLite and
 * PostgreSQL (one ops table each, hdb_sqlite.c and hdb_postgres.c), with
 * SQL text shared by both: parameters are $1, $2, ... and every value is text. */
#ifndef IPCB_HDB_H
#define IPCB_HDB_H

#include <stddef.h>

typedef struct hdb hdb;

/* Called once per result row with the row's values as text (NULL for SQL
 * NULL); returns 0 to go on, nonzero to stop early. */
typedef int (*hdb_row_fn)(void *arg, int ncols, const char *const *values);

/* What a backend does; hdb.c dispatches on the URL's scheme. */
typedef struct hdb_ops {
    const char *name;                                   /* "sqlite", "postgresql" */
    /* What makes a table its primary key's b-tree: " WITHOUT ROWID" in
     * SQLite (the key is then stored once, not twice); "" in PostgreSQL. */
    const char *clustered_suffix;
    int  (*open)(hdb *db, const char *target, int create);
    void (*close)(hdb *db);
    int  (*query)(hdb *db, const char *sql, int nparams, const char *const *params,
                  hdb_row_fn row, void *arg);
    /* Begins a transaction that holds the database's schema lock until commit,
     * so that two processes creating or migrating the schema take turns. */
    int  (*begin_exclusive)(hdb *db);
} hdb_ops;

struct hdb {
    const hdb_ops *ops;
    void *conn;           /* sqlite3 * or PGconn * */
    char  where[1024];    /* the database as a user names it, for messages */
    char  err[1024];      /* the last error */
};

typedef enum hdb_open_mode { HDB_EXISTING, HDB_CREATE } hdb_open_mode;

/* What a history URL names: "none", "sqlite:PATH", a bare PATH (SQLite), or
 * "postgresql://..." / "postgres://..." (libpq's URI). Returns 0, or -1 with
 * err for anything else. kind gets "none", "sqlite" or "postgresql"; target
 * what the backend opens (the path, or the whole URI). */
int hdb_parse_url(const char *url, const char **kind, const char **target, char *err,
                  size_t errlen);

/* Opens the database url names, creating an SQLite file with HDB_CREATE.
 * Returns NULL with err (bad URL, cannot open, server down, not this machine). */
hdb *hdb_open(const char *url, hdb_open_mode mode, char *err, size_t errlen);
void hdb_close(hdb *db);

/* Runs sql with params; returns 0, or -1 with hdb_error(db). */
int hdb_exec(hdb *db, const char *sql, int nparams, const char *const *params);
int hdb_query(hdb *db, const char *sql, int nparams, const char *const *params, hdb_row_fn row,
              void *arg);
int hdb_begin(hdb *db);
int hdb_begin_exclusive(hdb *db);
int hdb_commit(hdb *db);
void hdb_rollback(hdb *db);
const char *hdb_error(const hdb *db);
/* Sets db->err (for the backends). */
void hdb_set_error(hdb *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The first column of the first row of sql, into out ("" if no row or NULL).
 * Returns 0, or -1 with hdb_error(db). */
int hdb_query_text(hdb *db, const char *sql, int nparams, const char *const *params, char *out,
                   size_t len);

extern const hdb_ops hdb_sqlite_ops;
extern const hdb_ops hdb_postgres_ops;

#endif
