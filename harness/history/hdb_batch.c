/* Batched inserts for the history database: rows are gathered and sent as
 * one multi-row INSERT, with the values as $n parameters (never spliced into
 * the SQL text). */
#include "hdb_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows per statement: 200 rows of a few columns stay far below SQLite's and
 * PostgreSQL's limits on parameters (32766 and 65535). */
enum { BATCH_ROWS = 200 };

void hdb_batch_init(hdb_batch *b, hdb *db, const char *head, int ncols, const char *tail)
{
    *b = (hdb_batch){ .db = db, .head = head, .tail = tail, .ncols = ncols };
}

static void free_rows(hdb_batch *b)
{
    for (size_t i = 0; i < b->nrows * (size_t)b->ncols; i++)
        free(b->values[i]);
    b->nrows = 0;
}

int hdb_batch_add(hdb_batch *b, const char *const *row)
{
    if (!b->values) {
        b->values = calloc((size_t)BATCH_ROWS * (size_t)b->ncols, sizeof *b->values);
        if (!b->values) {
            hdb_set_error(b->db, "out of memory");
            return -1;
        }
    }
    char **slot = b->values + b->nrows * (size_t)b->ncols;
    for (int c = 0; c < b->ncols; c++) {
        slot[c] = row[c] ? strdup(row[c]) : NULL;
        if (row[c] && !slot[c]) {
            hdb_set_error(b->db, "out of memory");
            return -1;
        }
    }
    b->nrows++;
    return b->nrows == BATCH_ROWS ? hdb_batch_flush(b) : 0;
}

int hdb_batch_flush(hdb_batch *b)
{
    if (b->nrows == 0)
        return 0;
    char *sql = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&sql, &len);
    if (!f) {
        hdb_set_error(b->db, "out of memory");
        return -1;
    }
    fprintf(f, "%s VALUES ", b->head);
    int n = 0;
    for (size_t r = 0; r < b->nrows; r++) {
        fputs(r ? ", (" : "(", f);
        for (int c = 0; c < b->ncols; c++)
            fprintf(f, c ? ", $%d" : "$%d", ++n);
        fputc(')', f);
    }
    fprintf(f, " %s", b->tail);
    fclose(f);
    int rc = hdb_exec(b->db, sql, n, (const char *const *)b->values);
    free(sql);
    b->sent += b->nrows;
    free_rows(b);
    return rc;
}

void hdb_batch_free(hdb_batch *b)
{
    if (b->values)
        free_rows(b);
    free(b->values);
    b->values = NULL;
}
