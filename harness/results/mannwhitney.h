/* The Mann-Whitney U test (Wilcoxon rank-sum), two-sided, as `ipcbench compare`
 * uses it on the per-repetition values of two campaigns: exact for small
 * samples (ties included), the normal approximation for large ones. */
#ifndef IPCB_MANNWHITNEY_H
#define IPCB_MANNWHITNEY_H

#include <stddef.h>

/* Samples with n + m up to this use the exact distribution (AUTO). */
enum { IPCB_UTEST_EXACT_MAX = 64 };

typedef enum ipcb_utest_method {
    IPCB_UTEST_AUTO,        /* exact if n + m <= IPCB_UTEST_EXACT_MAX, else asymptotic */
    IPCB_UTEST_EXACT,       /* the permutation distribution of U given the observed ranks */
    IPCB_UTEST_ASYMPTOTIC,  /* normal approximation, tie-corrected variance, continuity correction */
} ipcb_utest_method;

typedef struct ipcb_utest {
    double u;      /* U of x: pairs (x_i, y_j) with x_i > y_j, plus half the tied pairs
                    * (scipy.stats.mannwhitneyu's statistic) */
    double p;      /* two-sided p-value */
    double p_min;  /* the smallest two-sided p these sample sizes (and ties) can give:
                    * if it exceeds alpha, the test can never reject */
    int    exact;  /* 1 if p came from the exact distribution */
    int    ties;   /* 1 if any two values of the pooled sample are equal */
} ipcb_utest;

/* Tests x[0..n) against y[0..m). Exact: U's distribution over all C(n+m, n)
 * ways to split the pooled midranks (ties included, so it is exact
 * conditionally on the ties), p = min(1, 2 min(P(U <= u), P(U >= u))) as in
 * scipy's exact method and permutation_test. Asymptotic: as scipy's
 * method='asymptotic' (tie-corrected sigma, continuity correction).
 * Returns 0, or -1 if n or m is 0, a value is not finite, or out of memory. */
int ipcb_utest_run(const double *x, size_t n, const double *y, size_t m,
                   ipcb_utest_method method, ipcb_utest *out);

#endif
