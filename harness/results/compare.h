/* Comparing two campaigns: per benchmark and metric the two values, the change,
 * a Mann-Whitney U test over the repetitions and a verdict; the one engine of
 * `ipcbench compare`, `make perf-check` and `report --baseline`. */
#ifndef IPCB_COMPARE_H
#define IPCB_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "mannwhitney.h"
#include "resultset.h"

/* A figure compare can judge: one counter of the benchmarks of one mode. */
typedef struct ipcb_metric {
    const char       *name;          /* "p50", "p99", "throughput", ... */
    const char       *mode;          /* the benchmarks it applies to */
    enum ipcb_counter counter;
    int               higher_better;
    const char       *unit;          /* "us", "MB/s", ... */
    const char       *what;          /* one line for --help */
} ipcb_metric;

extern const ipcb_metric ipcb_metrics[];   /* terminated by a NULL name */
const ipcb_metric *ipcb_metric_find(const char *name);

typedef enum ipcb_verdict {
    IPCB_V_UNCHANGED, IPCB_V_FASTER, IPCB_V_SLOWER, IPCB_V_NEW, IPCB_V_MISSING, IPCB_V_FAILED,
    IPCB_V_NA,          /* not comparable: the value is absent on a side (a percentile
                         * from runs of too few frames, an older file); never a regression */
    IPCB_NVERDICTS
} ipcb_verdict;
extern const char *const ipcb_verdict_names[IPCB_NVERDICTS]; /* "unchanged", ... */

typedef enum ipcb_judged {
    IPCB_J_NONE,        /* no values on one side (new, missing, failed, n/a) */
    IPCB_J_UTEST,       /* threshold and U test */
    IPCB_J_THRESHOLD,   /* threshold only: too few repetitions for the test to reach alpha */
} ipcb_judged;

typedef struct ipcb_cmp_opts {
    double threshold;          /* relative change that counts, e.g. 0.10 */
    double alpha;              /* significance level, e.g. 0.05 */
    int    normalize_memcpy;   /* divide by the memcpy result of the same mode and size
                                * (and number of subscribers) */
    int    holm;               /* significance by Holm's step-down procedure over every
                                * tested comparison: the chance that any of them is
                                * wrongly significant stays at most alpha */
    const ipcb_metric *metrics[16];
    size_t nmetrics;
} ipcb_cmp_opts;

/* Defaults: threshold 10%, alpha 0.05, metrics p50, p99, throughput. */
void ipcb_cmp_opts_default(ipcb_cmp_opts *o);

typedef struct ipcb_cmp_row {
    char   name[128];           /* benchmark, "unix/latency/1080p" */
    char   transport[32], mode[16], size[32];
    int    subscribers;         /* fanout mode, else 0 */
    uint64_t bytes;
    const ipcb_metric *metric;
    double base, new_value;     /* medians over repetitions (ratios when normalized); NaN if none */
    double change;              /* new / base - 1 (NaN if not both) */
    double ratio;               /* time ratio: new/base, or base/new when higher is better;
                                 * > 1 is slower */
    size_t nbase, nnew;         /* repetitions with a value */
    ipcb_judged judged;
    ipcb_utest  test;           /* when judged == IPCB_J_UTEST (p_min also for THRESHOLD) */
    int    direction;           /* +1 worse beyond the threshold, -1 better, 0 within */
    int    significant;         /* judged == IPCB_J_UTEST and the test rejects */
    ipcb_verdict verdict;
    char   note[160];           /* why, when it is not obvious */
} ipcb_cmp_row;

typedef struct ipcb_cmp_metric_summary {
    size_t n;                   /* rows with both values */
    double geomean_ratio;       /* geometric mean of ratio over those rows (NaN if n == 0) */
} ipcb_cmp_metric_summary;

typedef struct ipcb_comparison {
    ipcb_cmp_opts opts;
    ipcb_cmp_row *rows;
    size_t        nrows;
    size_t        count[IPCB_NVERDICTS];
    size_t        ncommon;       /* benchmarks present in both */
    size_t        nthreshold_only; /* rows judged by threshold only */
    size_t        ntested;       /* rows judged by the U test */
    size_t        nholm_unreachable; /* with holm: tested rows whose smallest attainable p
                                  * is above Holm's first bound alpha / ntested, so that
                                  * they can never be significant (too few repetitions) */
    size_t        nskipped_mode; /* common benchmarks of modes no chosen metric covers */
    ipcb_cmp_metric_summary per_metric[16];
    size_t        ncompared;     /* rows with both values, over all metrics */
    double        geomean_ratio; /* over all of them */
    int           regression;    /* 1 if any row is slower */
} ipcb_comparison;

/* Compares new against base; rows are ordered by mode, frame size, transport
 * (memcpy first) and metric. Returns 0, or -1 with a one-line reason for
 * input that cannot be compared: no benchmark in common, nothing to compare
 * with the chosen metrics, no memcpy results to normalize by, out of memory. */
int  ipcb_compare(const ipcb_resultset *base, const ipcb_resultset *new_rs,
                  const ipcb_cmp_opts *opts, ipcb_comparison *out, char *err, size_t errlen);
void ipcb_comparison_free(ipcb_comparison *c);
/* The row for benchmark name and metric, or NULL. */
const ipcb_cmp_row *ipcb_comparison_find(const ipcb_comparison *c, const char *name,
                                         const ipcb_metric *metric);

#endif
