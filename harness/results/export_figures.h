/* What the export formats share (export_figures.c): which benchmarks go in,
 * and a benchmark's figure as the median aggregate with its lowest and highest
 * value over the repetitions, in the unit a tracker wants. */
#ifndef IPCB_EXPORT_FIGURES_H
#define IPCB_EXPORT_FIGURES_H

#include "export.h"
#include "resultset.h"
#include "schema.h"

/* One figure of a benchmark. lowest and highest are NaN when no repetition
 * has the counter (a result read back without its runs). */
typedef struct ipcb_export_figure {
    double value;      /* the median aggregate's (the result's summary) */
    double lowest;     /* the lowest over the repetitions */
    double highest;    /* the highest over the repetitions */
    size_t runs;       /* repetitions with the counter */
} ipcb_export_figure;

/* Does r go into an export? Counts a failed or skipped r in st and returns 0. */
int ipcb_export_takes(const ipcb_result *r, ipcb_export_stats *st);

/* Counter c of r, each value multiplied by scale, into fig. Returns 1, or 0
 * when the summary's value is absent or not finite (then leave the figure out). */
int ipcb_export_figure_of(const ipcb_result *r, enum ipcb_counter c, double scale,
                          ipcb_export_figure *fig);

/* Does r measure a rate (frames/s, MB/s)? Not in paced mode, where the rate
 * is the campaign's fps. */
int ipcb_export_measures_rate(const ipcb_result *r);

#endif
