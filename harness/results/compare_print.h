/* A comparison as people and programs read it: a terminal table, Markdown
 * (a pull-request comment) or JSON, and the cells and summary line every
 * output shares. Implemented in compare_print.c. */
#ifndef IPCB_COMPARE_PRINT_H
#define IPCB_COMPARE_PRINT_H

#include <stddef.h>
#include <stdio.h>

#include "compare.h"

/* Outputs. Terminal table, Markdown (a pull-request comment) and JSON. The
 * labels name the two sides (paths, as the user gave them). */
typedef enum ipcb_cmp_format { IPCB_FMT_TEXT, IPCB_FMT_MD, IPCB_FMT_JSON } ipcb_cmp_format;
int  ipcb_comparison_print(FILE *f, const ipcb_comparison *c, ipcb_cmp_format fmt,
                           const char *base_label, const char *new_label);
/* A row's cells as text, as every output shows them: the metric with its
 * unit, baseline and new values (3 significant digits), the change in
 * percent, the p-value ("-" when not tested) and the verdict. */
typedef struct ipcb_cmp_cells {
    char metric[48], base[32], new_value[32], change[32], p[16];
    const char *verdict;
} ipcb_cmp_cells;
void ipcb_cmp_row_cells(const ipcb_comparison *c, const ipcb_cmp_row *r, ipcb_cmp_cells *out);
/* One line: "3 slower, 1 faster, 20 unchanged ...; geometric mean ..." (no newline). */
void ipcb_comparison_summary(const ipcb_comparison *c, char *out, size_t len);

#endif
