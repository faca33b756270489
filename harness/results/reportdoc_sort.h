/* The inline script report.html carries (reportdoc_sort.c): sortable tables,
 * and "#sort=TABLE,COLUMN[,desc]" in the URL to sort one on load. Internal to
 * reportdoc.c. */
#ifndef IPCB_REPORTDOC_SORT_H
#define IPCB_REPORTDOC_SORT_H

extern const char rd_sort_script[];

#endif
