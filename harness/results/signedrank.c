/* The two-sided Wilcoxon signed-rank test. The exact distribution counts the
 * sign assignments by the sum of doubled midranks (integers even with ties);
 * beyond IPCB_SIGNEDRANK_EXACT_MAX differences, the normal approximation. */
#include "signedrank.h"
#include "exactp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_abs(const void *a, const void *b)
{
    double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
    return x < y ? -1 : x > y;
}

/* Exact: count[s] = sign assignments whose positive doubled ranks sum to s. */
static int exact_p(const long *r2, size_t n, long w2, ipcb_signedrank *out)
{
    long total = 0;
    for (size_t i = 0; i < n; i++)
        total += r2[i];
    double *count = calloc((size_t)total + 1, sizeof *count);
    if (!count)
        return -1;
    count[0] = 1;
    long reach = 0;
    for (size_t i = 0; i < n; i++) {
        reach += r2[i];
        for (long s = reach; s >= r2[i]; s--)
            count[s] += count[s - r2[i]];
    }
    ipcb_exact_two_sided(count, total, w2, &out->p, &out->p_min);
    free(count);
    out->exact = 1;
    return 0;
}

static double normal_p(double w, double mean, double sd)
{
    return sd > 0 ? fmin(1.0, erfc(fabs(w - mean) / sd / sqrt(2.0))) : 1.0;
}

int ipcb_signedrank_run(const double *d, size_t n, ipcb_signedrank *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return -1;
    double *v = malloc(n * sizeof *v);
    long *r2 = malloc(n * sizeof *r2);
    if (!v || !r2) {
        free(v);
        free(r2);
        return -1;
    }
    size_t m = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!isfinite(d[i]))
            rc = -1;
        else if (d[i] != 0)
            v[m++] = d[i];
    }
    out->n = m;
    out->p = out->p_min = 1;
    if (rc != 0 || m == 0) {
        free(v);
        free(r2);
        return rc;
    }
    qsort(v, m, sizeof *v, cmp_abs);
    long w2 = 0;
    double tie_term = 0;
    for (size_t i = 0, j; i < m; i = j) {
        for (j = i + 1; j < m && fabs(v[j]) == fabs(v[i]); j++)
            ;
        double t = (double)(j - i);
        tie_term += t * t * t - t;
        for (size_t k = i; k < j; k++) {
            r2[k] = (long)(i + 1 + j); /* 2 x the mean of ranks i+1 .. j */
            w2 += v[k] > 0 ? r2[k] : 0;
        }
    }
    out->w_plus = (double)w2 / 2;
    double dm = (double)m;
    if (m <= IPCB_SIGNEDRANK_EXACT_MAX) {
        rc = exact_p(r2, m, w2, out);
    } else {
        double mean = dm * (dm + 1) / 4;
        double sd = sqrt(dm * (dm + 1) * (2 * dm + 1) / 24 - tie_term / 48);
        out->p = normal_p(out->w_plus, mean, sd);
        out->p_min = normal_p(0, mean, sd);
    }
    free(v);
    free(r2);
    return rc;
}
