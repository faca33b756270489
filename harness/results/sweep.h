/* A size sweep: one figure of one mode for every transport at every frame
 * size (a transport × size matrix of medians), with the best transport per
 * size and the crossover points where one transport overtakes another. The
 * console summary and the report's summary both read it. */
#ifndef IPCB_SWEEP_H
#define IPCB_SWEEP_H

#include <stddef.h>

#include "resultset.h"

/* The in-process reference every ratio is taken against. */
#define IPCB_REFERENCE_TRANSPORT "memcpy"

typedef struct ipcb_sweep {
    const char        *mode;
    enum ipcb_counter  counter;
    int                higher_better;
    size_t             nsizes;
    const ipcb_result **sizes;      /* one result per size, by bytes (its size label names it) */
    size_t             ntransports;
    const char       **transports;  /* in order of first appearance */
    double            *values;      /* [t * nsizes + s]: the median; NaN if failed or absent */
    int                reference;   /* memcpy's index, -1 if it did not run */
} ipcb_sweep;

/* The sweep of counter c in mode (not fanout: its rows are not sizes alone).
 * Returns 0, or -1 if out of memory. A mode without results gives an empty sweep. */
int    ipcb_sweep_build(ipcb_sweep *sw, const ipcb_resultset *rs, const char *mode,
                        enum ipcb_counter c, int higher_better);
void   ipcb_sweep_free(ipcb_sweep *sw);
double ipcb_sweep_value(const ipcb_sweep *sw, size_t t, size_t s);
/* Is a better than b (both finite)? */
int    ipcb_sweep_better(const ipcb_sweep *sw, double a, double b);
/* The transport with the best value at size s, the reference left out if
 * skip_reference; -1 if none has a value. */
int    ipcb_sweep_best(const ipcb_sweep *sw, size_t s, int skip_reference);
/* Transport t's value at size s over the reference's (NaN without one). */
double ipcb_sweep_ratio_to_reference(const ipcb_sweep *sw, size_t t, size_t s);

/* A crossover: below size `from` the loser is better, from it on the winner.
 * Clean crossings only: at the smallest common size the loser is better by
 * more than the gap, at the largest the winner is, and in between the two
 * change places once (sizes within the gap count as ties). */
typedef struct ipcb_crossover {
    size_t winner, loser;  /* transport indexes */
    size_t from;           /* the first size index where the winner is better */
    size_t first, last;    /* the smallest and largest size both have a value at */
    double factor_before;  /* how much better the loser is at the smallest size (>1) */
    double factor_after;   /* how much better the winner is at the largest size (>1) */
} ipcb_crossover;

/* The crossovers between every pair of transports (the reference left out),
 * with gap the relative difference below which two values tie (0.1 = 10%).
 * Ordered: crossovers between the transports best at the largest size first.
 * Writes at most max into out; returns how many there are in total. */
size_t ipcb_sweep_crossovers(const ipcb_sweep *sw, double gap, ipcb_crossover *out, size_t max);

/* A size label as people read it: "64" becomes "64 B", the rest as written. */
void   ipcb_sweep_size_label(const ipcb_sweep *sw, size_t s, char *out, size_t n);

#endif
