/* The median of a few values: sorted in place, the middle one or the mean of
 * the two middle ones; its confidence interval from order statistics. */
#include "median.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double ipcb_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    /* halfway without the sum, which overflows for two values near DBL_MAX */
    return n % 2 ? v[n / 2] : v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
}

/* P(Bin(n, 1/2) <= j), summed in log space so that large n cannot overflow. */
static double binomial_half_cdf(size_t n, size_t j)
{
    double sum = 0, dn = (double)n;
    for (size_t i = 0; i <= j && i <= n; i++)
        sum += exp(lgamma(dn + 1) - lgamma((double)i + 1) - lgamma(dn - (double)i + 1)
                   - dn * log(2.0));
    return fmin(1.0, sum);
}

double ipcb_median_ci(double *v, size_t n, double confidence, double *lo, double *hi)
{
    *lo = -INFINITY;
    *hi = INFINITY;
    if (n == 0)
        return 1;
    ipcb_median(v, n);
    /* k: the largest with 2 P(X <= k - 1) <= 1 - confidence (k = 0: none). */
    size_t k = 0;
    while (k < n / 2 && 2 * binomial_half_cdf(n, k) <= 1 - confidence)
        k++;
    if (k == 0)
        return 1;
    *lo = v[k - 1];
    *hi = v[n - k];
    return 1 - 2 * binomial_half_cdf(n, k - 1);
}
