/* Two-sided p-values from an exact null distribution given as counts of an
 * integer statistic (the doubled rank sums of the Mann-Whitney U and the
 * Wilcoxon signed-rank tests). */
#ifndef IPCB_EXACTP_H
#define IPCB_EXACTP_H

/* dist[0..smax]: how many equally likely outcomes give each value. *p is
 * min(1, 2 min(P(S <= observed), P(S >= observed))); *p_min the smallest such
 * p any outcome can give (both tails' outermost values). */
void ipcb_exact_two_sided(const double *dist, long smax, long observed, double *p, double *p_min);

#endif
