/* The two-sided Mann-Whitney U test. Small samples get the exact permutation
 * distribution of the rank sum, computed by counting subsets over doubled
 * midranks (integers even with ties); large ones the normal approximation. */
#include "mannwhitney.h"
#include "exactp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct pooled {
    double v;
    int    from_x;
} pooled;

static int cmp_pooled(const void *a, const void *b)
{
    double x = ((const pooled *)a)->v, y = ((const pooled *)b)->v;
    return x < y ? -1 : x > y;
}

/* Doubled midranks of the pooled sample (sorted in place) into r2[]; the sum
 * of x's doubled ranks into *s2x, sum(t^3 - t) over tie groups into *tie_term. */
static void doubled_ranks(pooled *p, size_t total, long *r2, long *s2x, double *tie_term,
                          int *ties)
{
    qsort(p, total, sizeof *p, cmp_pooled);
    *s2x = 0;
    *tie_term = 0;
    *ties = 0;
    for (size_t i = 0, j; i < total; i = j) {
        for (j = i + 1; j < total && p[j].v == p[i].v; j++)
            ;
        long rank2 = (long)(i + 1 + j); /* 2 x the mean of ranks i+1 .. j */
        double t = (double)(j - i);
        *tie_term += t * t * t - t;
        *ties |= j - i > 1;
        for (size_t k = i; k < j; k++) {
            r2[k] = rank2;
            if (p[k].from_x)
                *s2x += rank2;
        }
    }
}

/* Exact: cnt[k][s] = number of k-subsets of the doubled ranks seen so far with
 * sum s. The n-row is the null distribution of x's doubled rank sum. */
static int exact_p(const long *r2, size_t total, size_t n, long s2x, ipcb_utest *out)
{
    long smax = 0;
    for (size_t i = 0; i < total; i++)
        smax += r2[i];
    size_t width = (size_t)smax + 1;
    double *cnt = calloc((n + 1) * width, sizeof *cnt);
    if (!cnt)
        return -1;
    cnt[0] = 1;
    for (size_t i = 0; i < total; i++) {
        size_t top = i + 1 < n ? i + 1 : n;
        for (size_t k = top; k >= 1; k--) {
            double *row = cnt + k * width, *prev = cnt + (k - 1) * width;
            for (long s = smax; s >= r2[i]; s--)
                row[s] += prev[s - r2[i]];
        }
    }
    const double *dist = cnt + n * width;
    ipcb_exact_two_sided(dist, smax, s2x, &out->p, &out->p_min);
    free(cnt);
    out->exact = 1;
    return 0;
}

/* Two-sided p of the normal approximation for U (scipy's formula). */
static double normal_p(double u, double nm, double sigma)
{
    if (!(sigma > 0))
        return 1.0;
    double big = fmax(u, nm - u);
    double z = (big - nm / 2 - 0.5) / sigma;
    return fmin(1.0, fmax(0.0, erfc(z / sqrt(2.0))));
}

int ipcb_utest_run(const double *x, size_t n, const double *y, size_t m,
                   ipcb_utest_method method, ipcb_utest *out)
{
    memset(out, 0, sizeof *out);
    size_t total = n + m;
    if (n == 0 || m == 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return -1;
    for (size_t i = 0; i < m; i++)
        if (!isfinite(y[i]))
            return -1;
    pooled *p = malloc(total * sizeof *p);
    long *r2 = malloc(total * sizeof *r2);
    if (!p || !r2) {
        free(p);
        free(r2);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = (pooled){ x[i], 1 };
    for (size_t i = 0; i < m; i++)
        p[n + i] = (pooled){ y[i], 0 };
    long s2x;
    double tie_term;
    doubled_ranks(p, total, r2, &s2x, &tie_term, &out->ties);
    double dn = (double)n, dm = (double)m, dt = (double)total;
    out->u = (double)s2x / 2 - dn * (dn + 1) / 2;

    if (method == IPCB_UTEST_AUTO)
        method = total <= IPCB_UTEST_EXACT_MAX ? IPCB_UTEST_EXACT : IPCB_UTEST_ASYMPTOTIC;
    int rc = 0;
    if (method == IPCB_UTEST_EXACT) {
        rc = exact_p(r2, total, n, s2x, out);
    } else {
        double var = dn * dm / 12 * ((dt + 1) - tie_term / (dt * (dt - 1)));
        double sigma = var > 0 ? sqrt(var) : 0;
        out->p = normal_p(out->u, dn * dm, sigma);
        out->p_min = normal_p(0, dn * dm, sigma);
    }
    free(p);
    free(r2);
    return rc;
}
