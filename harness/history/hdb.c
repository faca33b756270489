/* The history database connection: choosing the backend from the URL, and
 * the calls every backend shares (transactions, one-value queries, errors). */
#include "hdb.h"
#include "textfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hdb_parse_url(const char *url, const char **kind, const char **target, char *err,
                  size_t errlen)
{
    if (!url || !*url) {
        ipcb_set_err(err, errlen, "the history URL is empty (want sqlite:PATH, postgresql://... "
                             "or none)");
        return -1;
    }
    if (strcmp(url, "none") == 0) {
        *kind = "none";
        *target = url;
        return 0;
    }
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
        *kind = "postgresql";
        *target = url;
        return 0;
    }
    if (strncmp(url, "sqlite:", 7) == 0) {
        *kind = "sqlite";
        *target = url + 7;
        if (!**target) {
            ipcb_set_err(err, errlen, "'%s' names no file (want sqlite:PATH)", url);
            return -1;
        }
        return 0;
    }
    const char *colon = strstr(url, "://");
    if (colon) {
        ipcb_set_err(err, errlen, "'%s': unknown database scheme '%.*s' (want sqlite:PATH, "
                             "postgresql://... or none)", url, (int)(colon - url), url);
        return -1;
    }
    *kind = "sqlite";
    *target = url;
    return 0;
}

/* url for messages, a password in it ("://user:secret@host") masked. */
static void name_without_password(char *out, size_t len, const char *url)
{
    const char *scheme = strstr(url, "://"), *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (at && colon && colon < at)
        snprintf(out, len, "%.*s:***%s", (int)(colon - url), url, at);
    else
        snprintf(out, len, "%s", url);
}

hdb *hdb_open(const char *url, hdb_open_mode mode, char *err, size_t errlen)
{
    const char *kind, *target;
    if (hdb_parse_url(url, &kind, &target, err, errlen) != 0)
        return NULL;
    if (strcmp(kind, "none") == 0) {
        ipcb_set_err(err, errlen, "no history database ('none')");
        return NULL;
    }
    hdb *db = calloc(1, sizeof *db);
    if (!db) {
        ipcb_set_err(err, errlen, "out of memory");
        return NULL;
    }
    db->ops = strcmp(kind, "sqlite") == 0 ? &hdb_sqlite_ops : &hdb_postgres_ops;
    name_without_password(db->where, sizeof db->where, url);
    if (db->ops->open(db, target, mode == HDB_CREATE) != 0) {
        ipcb_set_err(err, errlen, "%s", db->err);
        hdb_close(db);
        return NULL;
    }
    return db;
}

void hdb_close(hdb *db)
{
    if (!db)
        return;
    if (db->conn)
        db->ops->close(db);
    free(db);
}

int hdb_query(hdb *db, const char *sql, int nparams, const char *const *params, hdb_row_fn row,
              void *arg)
{
    return db->ops->query(db, sql, nparams, params, row, arg);
}

int hdb_exec(hdb *db, const char *sql, int nparams, const char *const *params)
{
    return db->ops->query(db, sql, nparams, params, NULL, NULL);
}

int hdb_begin(hdb *db)            { return hdb_exec(db, "BEGIN", 0, NULL); }
int hdb_begin_exclusive(hdb *db)  { return db->ops->begin_exclusive(db); }
int hdb_commit(hdb *db)           { return hdb_exec(db, "COMMIT", 0, NULL); }

/* Keeps the error that made the caller roll back. */
void hdb_rollback(hdb *db)
{
    char keep[sizeof db->err];
    memcpy(keep, db->err, sizeof keep);
    hdb_exec(db, "ROLLBACK", 0, NULL);
    memcpy(db->err, keep, sizeof keep);
}

const char *hdb_error(const hdb *db) { return db->err; }

void hdb_set_error(hdb *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(db->err, sizeof db->err, fmt, ap);
    va_end(ap);
}

typedef struct first_value { char *out; size_t len; } first_value;

static int keep_first(void *arg, int ncols, const char *const *values)
{
    first_value *f = arg;
    snprintf(f->out, f->len, "%s", ncols > 0 && values[0] ? values[0] : "");
    return 1;
}

int hdb_query_text(hdb *db, const char *sql, int nparams, const char *const *params, char *out,
                   size_t len)
{
    first_value f = { out, len };
    out[0] = '\0';
    return hdb_query(db, sql, nparams, params, keep_first, &f);
}
