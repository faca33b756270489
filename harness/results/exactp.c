/* Two-sided p-values from an exact null distribution of an integer statistic
 * (exactp.h): the tails at the observed value, and the most extreme p the
 * distribution allows. */
#include "exactp.h"

#include <math.h>

void ipcb_exact_two_sided(const double *dist, long smax, long observed, double *p, double *p_min)
{
    double all = 0, le = 0, ge = 0, first = -1, last = 0;
    for (long s = 0; s <= smax; s++) {
        if (dist[s] == 0)
            continue;
        all += dist[s];
        le += s <= observed ? dist[s] : 0;
        ge += s >= observed ? dist[s] : 0;
        if (first < 0)
            first = dist[s];
        last = dist[s];
    }
    *p = fmin(1.0, 2 * fmin(le, ge) / all);
    *p_min = fmin(1.0, 2 * fmin(first, last) / all);
}
