/* The environment of one or more runs as one table (report_env.c): a fact per
 * row, a run per column, facts that differ between the runs highlighted.
 * Internal to the report (report.c, report_runs.c). */
#ifndef IPCB_REPORT_ENV_H
#define IPCB_REPORT_ENV_H

#include <stddef.h>

#include "reportdoc.h"
#include "resultset.h"

/* The table: header "fact" and one column per run (heads, or "value" for a
 * single run with heads NULL); with paths, a first row "Path". Missing facts
 * are "–". Returns how many facts differ (0 for a single run). */
size_t rpt_write_env_table(rdoc *d, const ipcb_resultset *const *sets, const char *const *heads,
                           const char *const *paths, size_t n);

#endif
