/* Change points (steps) in one benchmark history series: one metric of one
 * benchmark on one host, runs in time order, each with a few repetitions.
 * Finds the runs where the level moved and says by how much and how surely. */
#ifndef IPCB_CHANGEPOINT_H
#define IPCB_CHANGEPOINT_H

#include <stddef.h>
#include <stdint.h>

typedef struct ipcb_cp_options {
    size_t   min_segment;   /* runs on each side of a step, at least 1 (default 3) */
    double   alpha;         /* a step needs p <= alpha (default 0.01) ... */
    double   min_step;      /* ... and |after / before - 1| >= min_step (default 0.10) */
    unsigned permutations;  /* random orderings in the permutation test (default 1999) */
    uint64_t seed;          /* of the test's generator; same input and options, same output */
} ipcb_cp_options;

void ipcb_cp_defaults(ipcb_cp_options *o);

typedef struct ipcb_cp_step {
    size_t at;          /* the first run of the new level, in the caller's numbering */
    double before;      /* the level before the step and after it, in the samples' units: */
    double after;       /*   the median of the run medians between this step and its neighbours */
    double ratio;       /* after / before: > 1 is an increase */
    double p;           /* permutation p-value of the test that found the step */
    double confidence;  /* 1 - p */
} ipcb_cp_step;

/* Scans runs 0..npoints: run i has the values samples[i][0 .. nsamples[i]).
 * Values that are not finite or not positive are ignored; a run left with
 * none is skipped (the other runs keep their numbers). samples[i] may be
 * NULL when nsamples[i] is 0; npoints 0 is an empty series (0 steps, the
 * arrays may be NULL). o NULL means the defaults. Steps come sorted by at;
 * at most maxsteps are written (steps may be NULL if maxsteps is 0).
 * Returns the number of steps found, which may exceed maxsteps, or -1 on
 * bad input (NULL arrays with npoints > 0, min_segment 0, alpha outside
 * (0, 1), min_step negative or not finite, or permutations too few for any
 * p to reach alpha: 1 / (permutations + 1) > alpha) or out of memory. */
int ipcb_changepoints(const double *const *samples, const size_t *nsamples, size_t npoints,
                      const ipcb_cp_options *o, ipcb_cp_step *steps, size_t maxsteps);

#endif
