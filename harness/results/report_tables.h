/* The tables of report.md and report.html (report_tables.c): one per mode,
 * the counters that explain them and the CPU cost, written through
 * reportdoc.h. Internal to the report; report.c writes the rest. */
#ifndef IPCB_REPORT_TABLES_H
#define IPCB_REPORT_TABLES_H

#include "compare.h"
#include "reportdoc.h"
#include "resultset.h"

/* Everything one pass over the report needs (report.c fills it). */
typedef struct report_ctx {
    rdoc                   d;
    const ipcb_resultset  *rs;
    const char            *dir;
    const ipcb_resultset  *base;        /* NULL without a baseline */
    const char            *base_label;
    const ipcb_comparison *cmp;         /* NULL if there is none */
    const char            *cmp_err;     /* why there is no comparison */
    const char           **transports;  /* scratch, room for rs->nresults */
    const ipcb_result    **rows;        /* scratch, room for rs->nresults */
} report_ctx;

/* A measurement with three or so significant digits, in engineering
 * notation beyond plain digits (human.h: "100e306"); "–" if not finite. */
void rpt_format_value(char *buf, size_t n, double v);
/* A table row's label: "1080p (8.29 MB)", and ", 4 subscribers" in fanout mode. */
void rpt_row_label(char *out, size_t n, const ipcb_result *row);
/* The sort key of a table row's label (report.html): bytes, then subscribers. */
double rpt_row_sort_key(const ipcb_result *row);
/* Does rs hold any result of mode? */
int  rpt_mode_present(const ipcb_resultset *rs, const char *mode);
/* Do any results carry page-fault or context-switch counters? */
int  rpt_has_cost_counters(const ipcb_resultset *rs);

/* The sections made of tables: "Results" (a table per mode present),
 * "Counters that explain" (nothing for results without those counters) and
 * "CPU cost". With c->cmp, every value column has a change column. */
void rpt_write_results(report_ctx *c);
void rpt_write_counters(report_ctx *c);
void rpt_write_cpu_cost(report_ctx *c);

/* Comparison options whose metrics are the ones the tables show changes for. */
void rpt_compare_opts(ipcb_cmp_opts *o);

#endif
