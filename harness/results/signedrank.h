/* The Wilcoxon signed-rank test, two-sided, on paired differences (the log
 * ratios of an A/B gate's paired repetitions): exact for small samples (ties
 * included), the normal approximation for large ones. */
#ifndef IPCB_SIGNEDRANK_H
#define IPCB_SIGNEDRANK_H

#include <stddef.h>

/* Up to this many non-zero differences the exact distribution is used. */
enum { IPCB_SIGNEDRANK_EXACT_MAX = 100 };

typedef struct ipcb_signedrank {
    double w_plus;   /* sum of the ranks of |d| of the positive differences (midranks
                      * for ties): scipy.stats.wilcoxon's statistic is min(W+, W-) */
    double p;        /* two-sided p-value */
    double p_min;    /* the smallest two-sided p this many differences can give */
    size_t n;        /* non-zero differences (zeros are dropped, as scipy's
                      * zero_method='wilcox') */
    int    exact;    /* 1 if p is from the exact distribution */
} ipcb_signedrank;

/* Tests d[0..n) for a median of zero. Exact: W+'s distribution over all 2^n
 * sign assignments of the observed (mid)ranks, p = min(1, 2 min(P(W+ <= w),
 * P(W+ >= w))), as scipy's exact mode where there are no ties (with ties it
 * is exact given the ties, as scipy.stats.permutation_test). Asymptotic: the
 * normal approximation with tie-corrected variance and no continuity
 * correction (scipy.stats.wilcoxon's defaults). p is 1 when every difference
 * is zero. Returns 0, or -1 if n is 0, a value is not finite, or out of memory. */
int ipcb_signedrank_run(const double *d, size_t n, ipcb_signedrank *out);

#endif
