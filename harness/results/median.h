/* The median, which compare, the history and its step test all summarise
 * repetitions by (median.c): robust to the one run a burst of load hit; and
 * its distribution-free confidence interval (the paired A/B gate). */
#ifndef IPCB_MEDIAN_H
#define IPCB_MEDIAN_H

#include <stddef.h>

/* Median of v[0..n) (sorts v in place, so v[0] and v[n - 1] are then the
 * least and the greatest); NaN if n == 0. */
double ipcb_median(double *v, size_t n);

/* A distribution-free confidence interval of the median of v[0..n) (sorts v
 * in place): [v(k), v(n+1-k)] with the largest k for which the sign test
 * gives at least the asked confidence, 1 - 2 P(Bin(n, 1/2) < k) (exact for
 * independent values of any continuous distribution, conservative when they
 * do not share one median). Returns that coverage; with too few values for
 * it (fewer than 6 at 0.95) the interval is (-inf, +inf) and the coverage 1. */
double ipcb_median_ci(double *v, size_t n, double confidence, double *lo, double *hi);

#endif
