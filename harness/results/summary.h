/* The summary `ipcbench run` ends with: per frame size, each transport's
 * throughput and p50 latency with its ratio to memcpy, the best marked, the
 * leader at each size and the crossover points, in at most a given width. */
#ifndef IPCB_SUMMARY_H
#define IPCB_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

#include "resultset.h"

/* Two values whose relative difference is below this tie for the leader and
 * crossover statements (medians on a noisy machine). */
#define IPCB_SUMMARY_TIE 0.10

/* The figures summarised, in order: throughput (MB/s, higher is better) and
 * p50 latency (µs, lower is better), each with its human formatter. */
typedef struct ipcb_summary_figure {
    const char       *title, *mode;
    enum ipcb_counter counter;
    int               higher_better;
    void            (*format)(char *out, size_t n, double value);
} ipcb_summary_figure;
enum { IPCB_NSUMMARY_FIGURES = 2 };
extern const ipcb_summary_figure ipcb_summary_figures[IPCB_NSUMMARY_FIGURES];

/* Writes the summary of rs to f, no line wider than width columns (at least
 * 60), listing at most max_crossovers crossovers (the rest are counted). */
void ipcb_summary_print(FILE *f, const ipcb_resultset *rs, size_t width, size_t max_crossovers);

#endif
