/* Paired comparison (`ipcbench compare --paired`, the A/B gate): repetition i
 * of A and of B were measured next to each other (`run --pair-turn`), so each
 * row's evidence is its paired time ratios B_i/A_i; each transport pools
 * its rows' pairs, and a verdict is a confidence interval against a threshold. */
#ifndef IPCB_PAIRED_H
#define IPCB_PAIRED_H

#include <stddef.h>

#include "compare.h"
#include "signedrank.h"

typedef struct ipcb_paired_opts {
    ipcb_cmp_opts cmp;      /* metrics and threshold (0.10: 1.10x) as compare's */
    double confidence;      /* of every interval, e.g. 0.95 */
} ipcb_paired_opts;

/* Defaults: threshold 10% (1.10x), 95% intervals, metrics p50 and throughput. */
void ipcb_paired_opts_default(ipcb_paired_opts *o);

typedef enum ipcb_paired_verdict {
    IPCB_PV_NONE,          /* no pairs (new, missing, failed, n/a: compare's verdict says) */
    IPCB_PV_UNCHANGED,     /* the interval is below the threshold (and not all of it
                            * below 1/threshold) */
    IPCB_PV_SLOWER,        /* the interval is above the threshold */
    IPCB_PV_FASTER,        /* the interval is below 1/threshold */
    IPCB_PV_INCONCLUSIVE,  /* the interval holds the threshold: more pairs would tell */
    IPCB_NPAIRED_VERDICTS
} ipcb_paired_verdict;
extern const char *const ipcb_paired_verdict_names[IPCB_NPAIRED_VERDICTS];

/* A ratio's interval: the median time ratio (B/A; A/B for a figure where
 * higher is better, so > 1 is always slower) and its confidence interval. */
typedef struct ipcb_ratio_ci {
    double ratio, lo, hi;   /* lo/hi are 0/+inf when the pairs are too few for one */
    double coverage;        /* the interval's actual coverage (>= the asked) */
} ipcb_ratio_ci;

typedef struct ipcb_paired_row {
    const ipcb_cmp_row *cmp;    /* compare's row: name, transport, metric, and the
                                 * verdict of a row without pairs */
    double       *d;            /* the paired log time ratios, in repetition order */
    size_t        npairs;
    ipcb_ratio_ci ci;           /* at the asked confidence: informational */
    ipcb_ratio_ci gate_ci;      /* simultaneous over all rows (Bonferroni): decides */
    ipcb_signedrank test;       /* Wilcoxon signed-rank of d (p: informational) */
    ipcb_paired_verdict verdict;       /* from ci */
    int           fails_gate;   /* gate_ci is above the threshold */
} ipcb_paired_row;

/* A transport: every pair of its rows pooled. */
typedef struct ipcb_paired_transport {
    char          name[32];
    size_t        nrows, npairs;
    ipcb_ratio_ci ci;
    ipcb_paired_verdict verdict;   /* slower fails the gate */
} ipcb_paired_transport;

typedef struct ipcb_paired {
    ipcb_paired_opts       opts;
    ipcb_comparison        cmp;          /* matching, order and unpaired verdicts */
    ipcb_paired_row       *rows;         /* parallel to cmp.rows */
    size_t                 nrows;
    size_t                 npaired_rows; /* rows with pairs: the Bonferroni count */
    size_t                 min_pairs, max_pairs; /* per paired row */
    double                 gate_confidence; /* of the rows' simultaneous intervals */
    ipcb_paired_transport *transports;   /* in the order of the rows (memcpy first) */
    size_t                 ntransports;
    int                    regression;   /* a transport is slower or a row fails the gate */
} ipcb_paired;

/* Pairs A's and B's repetitions of every benchmark compare matches, by
 * index. Returns 0, or -1 with a one-line reason: anything compare refuses,
 * a benchmark with a different number of repetitions on the two sides (not
 * paired runs), a figure that is zero or negative, out of memory. */
int  ipcb_paired_compare(const ipcb_resultset *a, const ipcb_resultset *b,
                         const ipcb_paired_opts *opts, ipcb_paired *out, char *err,
                         size_t errlen);
void ipcb_paired_free(ipcb_paired *p);

/* The interval of the median of log ratios d[0..n) (reordered), as ratios. */
void ipcb_ratio_ci_of(double *d, size_t n, double confidence, ipcb_ratio_ci *out);
/* A verdict of an interval against threshold t (1.10 for 10%). */
ipcb_paired_verdict ipcb_paired_judge(const ipcb_ratio_ci *ci, double t);

#endif
