/* Latency statistics for one run: samples in nanoseconds, exact percentiles
 * (linear interpolation between closest ranks, as numpy's default), mean and
 * max, and a log-bucketed histogram file with a cumulative column for CDF plots. */
#ifndef IPCB_STATS_H
#define IPCB_STATS_H

#include <stddef.h>
#include <stdint.h>

typedef struct ipcb_samples {
    uint64_t *ns;
    size_t    n, cap;
    int       sorted;
} ipcb_samples;

typedef struct ipcb_summary {
    size_t n;
    double p50_us, p90_us, p99_us, p999_us, max_us, mean_us, min_us;
} ipcb_summary;

/* Reserve room for n samples up front so recording never allocates in a timed loop. */
int    ipcb_samples_reserve(ipcb_samples *s, size_t n);
/* Record one sample; grows if needed (outside timing, when the reserve was short). */
int    ipcb_samples_add(ipcb_samples *s, uint64_t ns);
void   ipcb_samples_clear(ipcb_samples *s);
void   ipcb_samples_free(ipcb_samples *s);
/* Append all of src to dst (merging repetitions for one histogram). */
int    ipcb_samples_append(ipcb_samples *dst, const ipcb_samples *src);
/* Multiply every sample by factor (truncated to whole nanoseconds): the
 * test-only fault slow (fault.h). */
void   ipcb_samples_scale(ipcb_samples *s, double factor);

/* q in [0,1]; sorts the samples (once) if needed. Returns NaN when empty. */
double ipcb_samples_quantile_us(ipcb_samples *s, double q);
/* Fills every field; all NaN (n = 0) when empty. */
void   ipcb_samples_summarize(ipcb_samples *s, ipcb_summary *out);

/* Histogram file: '#' comment lines (title, count, units), then one line per
 * non-empty bucket: "upper_us count cumulative_fraction", buckets growing
 * geometrically by 2% from 0.01 us, the last line's cumulative fraction 1.
 * Written to a temporary name and renamed. Returns 0 or -1 with err. */
int    ipcb_histogram_write(ipcb_samples *s, const char *path, const char *title,
                            char *err, size_t errlen);

#endif
