/* The report's "Qt over C" section (report_qt.c): each Qt transport against
 * the C transport of the same mechanism in the same run, as ratios, with the
 * counters that say where Qt's overhead comes from. Internal to the report. */
#ifndef IPCB_REPORT_QT_H
#define IPCB_REPORT_QT_H

#include "reportdoc.h"
#include "resultset.h"

/* Does rs hold a Qt transport and its C counterpart at one size or more
 * (latency or throughput, either may have failed)? */
int  rpt_has_qt_pairs(const ipcb_resultset *rs);
void rpt_write_qt_over_c(rdoc *d, const ipcb_resultset *rs);

#endif
