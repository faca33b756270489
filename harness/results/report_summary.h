/* The report's "Summary" section (report_summary.c): the leader per frame
 * size and the crossover points, written through reportdoc.h. Internal to
 * the report. */
#ifndef IPCB_REPORT_SUMMARY_H
#define IPCB_REPORT_SUMMARY_H

#include "reportdoc.h"
#include "resultset.h"

/* Does rs hold latency or throughput results to summarise? */
int  rpt_has_summary(const ipcb_resultset *rs);
void rpt_write_summary(rdoc *d, const ipcb_resultset *rs);

#endif
