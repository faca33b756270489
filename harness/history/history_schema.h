/* The history database's schema: created on first use, versioned in the table
 * ipcbench_schema, and migrated forward one step at a time (history_schema.c
 * holds the steps; a new version is one more step at the end). */
#ifndef IPCB_HISTORY_SCHEMA_H
#define IPCB_HISTORY_SCHEMA_H

#include "hdb.h"

/* The version this ipcbench writes. */
int ipcb_history_schema_latest(void);

/* Brings db to version `upto` (the latest: ipcb_history_schema_latest()),
 * creating it if empty, in one transaction under the schema lock, so that
 * processes opening one database at once take turns. Refuses a database
 * written by a newer ipcbench. Returns the version it was at before (0: new),
 * or -1 with hdb_error(db). */
int ipcb_history_schema_migrate(hdb *db, int upto);

/* hdb_open, then the schema brought to the latest version. */
hdb *ipcb_history_open(const char *url, hdb_open_mode mode, char *err, size_t errlen);

#endif
