/* Latency statistics for one run: nanosecond samples, exact quantiles (numpy's
 * default linear interpolation) over radix-sorted samples, a microsecond
 * summary and a geometric-bucket histogram file for CDF plots. */
#include "stats.h"
#include "textfile.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* LSD radix sort: 16-bit digits, four passes at most. */
enum { RADIX_BITS = 16, RADIX_SIZE = 1 << RADIX_BITS, RADIX_PASSES = 4 };
/* Below this many samples an insertion sort beats setting up the radix sort. */
enum { SMALL_SORT = 64 };
/* Smallest growth step of the sample buffer. */
enum { MIN_GROW = 1024 };

static const double HIST_FIRST_US = 0.01; /* upper bound of the first bucket */
static const double HIST_GROWTH = 1.02;   /* each bucket 2% wider than the last */


/* ---- the sample buffer ----------------------------------------------- */

int ipcb_samples_reserve(ipcb_samples *s, size_t n)
{
    if (n <= s->cap)
        return 0;
    if (n > SIZE_MAX / sizeof *s->ns)
        return -1;
    uint64_t *ns = realloc(s->ns, n * sizeof *ns);
    if (!ns)
        return -1;
    s->ns = ns;
    s->cap = n;
    return 0;
}

int ipcb_samples_add(ipcb_samples *s, uint64_t ns)
{
    if (s->n == s->cap) {
        size_t grow = s->cap < MIN_GROW ? MIN_GROW : s->cap;
        if (s->cap > SIZE_MAX - grow || ipcb_samples_reserve(s, s->cap + grow) != 0)
            return -1;
    }
    s->ns[s->n++] = ns;
    s->sorted = 0;
    return 0;
}

void ipcb_samples_clear(ipcb_samples *s)
{
    s->n = 0;
    s->sorted = 0;
}

void ipcb_samples_free(ipcb_samples *s)
{
    free(s->ns);
    memset(s, 0, sizeof *s);
}

int ipcb_samples_append(ipcb_samples *dst, const ipcb_samples *src)
{
    size_t add = src->n; /* read first: src may be dst */
    if (add == 0)
        return 0;
    if (dst->n > SIZE_MAX - add || ipcb_samples_reserve(dst, dst->n + add) != 0)
        return -1;
    memcpy(dst->ns + dst->n, src->ns, add * sizeof *dst->ns);
    dst->n += add;
    dst->sorted = 0;
    return 0;
}

/* Scaling keeps the order, so a sorted buffer stays sorted. */
void ipcb_samples_scale(ipcb_samples *s, double factor)
{
    for (size_t i = 0; i < s->n; i++)
        s->ns[i] = (uint64_t)((double)s->ns[i] * factor);
}

/* ---- sorting ------------------------------------------------------------ */

static void insertion_sort(uint64_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t v = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

static unsigned digit_of(uint64_t v, unsigned pass)
{
    return (unsigned)(v >> (pass * RADIX_BITS)) & (RADIX_SIZE - 1);
}

/* One read over the data counts the digits of all four passes. */
static void count_digits(const uint64_t *a, size_t n, size_t *counts)
{
    for (size_t i = 0; i < n; i++)
        for (unsigned pass = 0; pass < RADIX_PASSES; pass++)
            counts[pass * RADIX_SIZE + digit_of(a[i], pass)]++;
}

/* Stable scatter of src into dst by the digit of this pass. */
static void radix_pass(const uint64_t *src, uint64_t *dst, size_t n,
                       unsigned pass, size_t *count)
{
    size_t sum = 0;
    for (size_t d = 0; d < RADIX_SIZE; d++) {
        size_t c = count[d];
        count[d] = sum;
        sum += c;
    }
    for (size_t i = 0; i < n; i++)
        dst[count[digit_of(src[i], pass)]++] = src[i];
}

/* Returns -1 when the scratch memory cannot be had (a is then untouched). */
static int radix_sort(uint64_t *a, size_t n)
{
    size_t *counts = calloc((size_t)RADIX_PASSES * RADIX_SIZE, sizeof *counts);
    uint64_t *tmp = malloc(n * sizeof *tmp);
    uint64_t *src = a, *dst = tmp;

    if (!counts || !tmp) {
        free(counts);
        free(tmp);
        return -1;
    }
    count_digits(a, n, counts);
    for (unsigned pass = 0; pass < RADIX_PASSES; pass++) {
        size_t *count = counts + (size_t)pass * RADIX_SIZE;
        if (count[digit_of(a[0], pass)] == n)
            continue; /* every value has the same digit here: nothing to do */
        radix_pass(src, dst, n, pass, count);
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
    free(counts);
    free(tmp);
    return 0;
}

static void sort_samples(ipcb_samples *s)
{
    if (s->sorted)
        return;
    if (s->n < SMALL_SORT)
        insertion_sort(s->ns, s->n);
    else if (radix_sort(s->ns, s->n) != 0)
        qsort(s->ns, s->n, sizeof *s->ns, cmp_u64);
    s->sorted = 1;
}

/* ---- quantiles and summary ------------------------------------------- */

/* numpy's default ("type 7"): h = (n-1)q, interpolate between x[floor h]
 * and the next value. x sorted, n > 0, q in [0,1]. Result in ns. */
static double quantile_sorted(const uint64_t *x, size_t n, double q)
{
    double h = (double)(n - 1) * q;
    double lower = floor(h);
    size_t lo = (size_t)lower;

    if (lo >= n - 1)
        return (double)x[n - 1];
    double a = (double)x[lo], b = (double)x[lo + 1];
    return a + (h - lower) * (b - a);
}

double ipcb_samples_quantile_us(ipcb_samples *s, double q)
{
    if (s->n == 0 || isnan(q))
        return NAN;
    if (q < 0)
        q = 0;
    if (q > 1)
        q = 1;
    sort_samples(s);
    return quantile_sorted(s->ns, s->n, q) / 1000.0;
}

static double mean_ns(const uint64_t *x, size_t n)
{
    long double sum = 0; /* a 64-bit mantissa: exact for any sum below 2^64 */
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    return (double)(sum / n);
}

void ipcb_samples_summarize(ipcb_samples *s, ipcb_summary *out)
{
    out->n = s->n;
    if (s->n == 0) {
        out->p50_us = out->p90_us = out->p99_us = out->p999_us = NAN;
        out->max_us = out->mean_us = out->min_us = NAN;
        return;
    }
    sort_samples(s);
    out->p50_us = quantile_sorted(s->ns, s->n, 0.50) / 1000.0;
    out->p90_us = quantile_sorted(s->ns, s->n, 0.90) / 1000.0;
    out->p99_us = quantile_sorted(s->ns, s->n, 0.99) / 1000.0;
    out->p999_us = quantile_sorted(s->ns, s->n, 0.999) / 1000.0;
    out->min_us = (double)s->ns[0] / 1000.0;
    out->max_us = (double)s->ns[s->n - 1] / 1000.0;
    out->mean_us = mean_ns(s->ns, s->n) / 1000.0;
}

/* ---- histogram file ------------------------------------------------------ */

/* Bucket k holds values in (upper(k-1), upper(k)]; bucket 0 everything <= 0.01 us. */
static double bucket_upper_us(int k)
{
    return HIST_FIRST_US * pow(HIST_GROWTH, k);
}

static int bucket_of(double us)
{
    if (us <= HIST_FIRST_US)
        return 0;
    int k = (int)ceil(log(us / HIST_FIRST_US) / log(HIST_GROWTH));
    /* Settle rounding at the edges with the same function that prints them. */
    while (k > 0 && bucket_upper_us(k - 1) >= us)
        k--;
    while (bucket_upper_us(k) < us)
        k++;
    return k;
}

static void write_title(FILE *f, const char *title)
{
    fputs("# ", f);
    for (const char *p = title; *p; p++)
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
    fputc('\n', f);
}

static void write_comments(FILE *f, const char *title, size_t n)
{
    write_title(f, title && *title ? title : "latency");
    fprintf(f, "# samples: %zu\n", n);
    fprintf(f, "# buckets: upper bounds grow by 2%% from %.2f us; only non-empty buckets\n",
            HIST_FIRST_US);
    fprintf(f, "# upper_us count cumulative_fraction\n");
}

/* One line per non-empty bucket. Upper bounds are printed to 0.1 ns: adjacent
 * buckets are at least 0.2 ns apart, so printed bounds strictly increase. */
static void write_buckets(FILE *f, const uint64_t *x, size_t n)
{
    size_t i = 0, cumulative = 0;
    while (i < n) {
        double upper = bucket_upper_us(bucket_of((double)x[i] / 1000.0));
        size_t count = 0;
        for (; i < n && (double)x[i] / 1000.0 <= upper; i++)
            count++;
        cumulative += count;
        fprintf(f, "%.4f %zu %.6f\n", upper, count, (double)cumulative / (double)n);
    }
}

typedef struct histogram_job {
    ipcb_samples *s;
    const char   *title;
} histogram_job;

static int write_file(FILE *f, ipcb_samples *s, const char *title)
{
    sort_samples(s);
    write_comments(f, title, s->n);
    write_buckets(f, s->ns, s->n);
    if (fflush(f) != 0 || ferror(f))
        return -1;
    return 0;
}

static int write_histogram_job(FILE *f, void *arg)
{
    histogram_job *job = arg;
    return write_file(f, job->s, job->title);
}

int ipcb_histogram_write(ipcb_samples *s, const char *path, const char *title,
                         char *err, size_t errlen)
{
    histogram_job job = { s, title };
    return ipcb_write_atomically(path, write_histogram_job, &job, err, errlen);
}
