/* Inserting many rows with few round trips: rows are gathered and sent as
 * one INSERT ... VALUES (...), (...) per batch (hdb_batch.c), which matters
 * for PostgreSQL, where every statement is a round trip to the server. */
#ifndef IPCB_HDB_BATCH_H
#define IPCB_HDB_BATCH_H

#include <stddef.h>

#include "hdb.h"

typedef struct hdb_batch {
    hdb        *db;
    const char *head;    /* "INSERT INTO t (a, b)" */
    const char *tail;    /* "ON CONFLICT DO NOTHING", or "" */
    int         ncols;
    size_t      nrows;   /* rows gathered, not yet sent */
    char      **values;  /* nrows * ncols copies (NULL: SQL NULL) */
    size_t      sent;    /* rows sent so far */
} hdb_batch;

void hdb_batch_init(hdb_batch *b, hdb *db, const char *head, int ncols, const char *tail);
/* Adds a row of ncols values (copied); sends the batch when it is full.
 * Returns 0, or -1 with hdb_error(db). */
int  hdb_batch_add(hdb_batch *b, const char *const *row);
/* Sends what is gathered. Returns 0, or -1 with hdb_error(db). */
int  hdb_batch_flush(hdb_batch *b);
void hdb_batch_free(hdb_batch *b);

#endif
