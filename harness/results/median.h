/* The median, which compare, the history and its step test all summarise
 * repetitions by (median.c): robust to the one run a burst of load hit. */
#ifndef IPCB_MEDIAN_H
#define IPCB_MEDIAN_H

#include <stddef.h>

/* Median of v[0..n) (sorts v in place, so v[0] and v[n - 1] are then the
 * least and the greatest); NaN if n == 0. */
double ipcb_median(double *v, size_t n);

#endif
