/* `ipcbench history merge`: the runs of another history database (one
 * machine's SQLite file, say) copied into this one, as asv merges the result
 * folders of several machines; a run already there is left as it is. */
#ifndef IPCB_HISTORY_MERGE_H
#define IPCB_HISTORY_MERGE_H

#include <stddef.h>

#include "hdb.h"

typedef struct ipcb_history_merged {
    size_t runs_added, runs_present, samples;
} ipcb_history_merged;

/* Copies every run of from into to, each in its own transaction. Returns 0,
 * or -1 with err (what was copied before the error stays). */
int ipcb_history_merge(hdb *to, hdb *from, ipcb_history_merged *out, char *err, size_t errlen);

#endif
