/* Change points in a history series: run medians of log values, the best
 * two-segment split by a t statistic on winsorized values, a permutation
 * test over runs for its p-value, binary segmentation for several steps. */
#include "changepoint.h"
#include "median.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The method:
 *
 * - Each run is one point: y = the median of its log values. Logs make a step
 *   a ratio and a timing's noise roughly symmetric; the median ignores one bad
 *   repetition.
 * - To test a segment y[lo..hi) for one step, its values are winsorized:
 *   z = y - median, clamped to +-WINSOR_LIMIT robust sigmas (1.4826 MAD, at
 *   least SCALE_FLOOR = 0.1 %, so a flat or quantised series does not divide
 *   by zero). A split at k puts z[lo..k) in A and z[k..hi) in B; its strength
 *   is the two-sample t statistic
 *     T_k = sqrt(nA nB / n) * |mean(B) - mean(A)| / s_k,
 *   s_k = the pooled within-segment standard deviation (at least SCALE_FLOOR),
 *   and the best split is the k with the largest T_k.
 * - p: the segment's z are shuffled R times and max_k T_k recomputed for each;
 *   p = (1 + #{max T* >= T observed}) / (R + 1), exact for any statistic as
 *   long as runs are exchangeable under no change. The winsorizing bounds
 *   depend only on the segment's values, not their order, so they are the
 *   same for every shuffle and the test stays exact. The shuffles stop as soon
 *   as p > alpha is certain (a flat series needs a few dozen), so only a real
 *   step costs all R.
 * - A step is accepted when p <= alpha and |exp(mB - mA) - 1| >= min_step,
 *   mA and mB the medians of the unwinsorized y of A and B (the size is
 *   checked first: a small step needs no test). Binary segmentation then tests
 *   both sides, each with its own winsorizing, when they have 2 min_segment
 *   runs. Each segment seeds its own generator from (seed, its bounds), so its
 *   p does not depend on which segments were tested before.
 * - The levels reported are the medians between a step and its neighbouring
 *   steps, not those of the segment it was found in (which may hold another
 *   step, as the first split of a series with two steps does). A step whose
 *   size by those levels is below min_step is dropped, the smallest first.
 *
 * Why not the plain recipe (medians of A and B over the pooled MAD around
 * each segment's own median): under shuffling, a series with a real step is
 * a mixture of two levels, and a segment's median jumps between them while
 * its MAD stays at the within-level noise, so shuffles often look as strong as
 * the real step. Measured on 200 series each (25 % step, 4 repetitions, 5 %
 * noise between runs): the median/MAD statistic found the step at 10 of 20 in
 * 165 and at 6 of 12 in 82; this one in 200 and 195. Ranks instead of values
 * (Pettitt's test) are as robust, but cannot see how far apart the levels
 * are: a clean step 3 runs before the end (17 of 20, the newest regression)
 * was found in 12 of 200, against 175 here. Winsorizing keeps one slow run
 * (2x) from inflating s_k: without it, a step at 6 of 12 with such a run was
 * found in 19 of 200, with it in 112; a limit of 2 sigmas did better with
 * outliers but clamps a clean step 3 runs from the end (134 of 200), 3 sigmas
 * let outliers back in (89 of 200). The spread of repetitions within a run is
 * not used: a run's median already carries it, and on a shared machine runs
 * differ by more than repetitions do (placement, neighbours, frequency), so it
 * would only understate the noise.
 *
 * With 10 % noise between runs instead of 5 %, this one found the step at 10
 * of 20 in 147 of 200 and at 6 of 12 in 79: few runs and much noise leave a
 * 25 % step below alpha = 0.01 whatever the statistic.
 *
 * On flat series (10 % noise, 20 or 30 runs, with and without one 2x run)
 * the defaults raised a false alarm on 0.85 to 0.95 % of 20000 series each:
 * at most alpha, as a permutation test promises.
 *
 * Limits: a step needs min_segment runs on each side, so one in the last
 * min_segment runs waits for more runs. A bump (up, then back down) may be
 * missed, as no single split separates it: 25 % up for runs 8..15 of 24 at
 * 5 % noise was found in 2 of 200. Circular binary segmentation (testing
 * every arc against the rest too) finds it in 199, but then the shuffles have
 * every arc to offer too, and a step 3 runs from the end fell from 175 to 13
 * of 200 (147 with arcs of at least 2 min_segment runs); a scan for
 * regressions needs the newest step most. Drift or correlated noise breaks
 * the exchangeability and may be reported as steps. Cost: O(n log n) to
 * prepare a segment of n runs, then O(n) per shuffle: 1000 runs with 2 steps
 * take about 40 ms, a flat series of 1000 runs under 1 ms. */

enum { DEFAULT_MIN_SEGMENT = 3, DEFAULT_PERMUTATIONS = 1999 };
static const double DEFAULT_ALPHA = 0.01;
static const double DEFAULT_MIN_STEP = 0.10;
static const uint64_t DEFAULT_SEED = 0x1f0e1de5eedULL;
static const double MAD_TO_SIGMA = 1.4826;
static const double SCALE_FLOOR = 1e-3;
/* A permuted maximum within this relative distance of the observed one counts
 * as reaching it (the same values in another order may round differently). */
static const double TIE_TOLERANCE = 1e-12;
/* Winsorizing limit, in robust sigmas (see above for the measurements). */
static const double WINSOR_LIMIT = 2.5;

void ipcb_cp_defaults(ipcb_cp_options *o)
{
    memset(o, 0, sizeof *o);
    o->min_segment = DEFAULT_MIN_SEGMENT;
    o->alpha = DEFAULT_ALPHA;
    o->min_step = DEFAULT_MIN_STEP;
    o->permutations = DEFAULT_PERMUTATIONS;
    o->seed = DEFAULT_SEED;
}

/* ---- the best split ---------------------------------------------------------- */

typedef struct split {
    size_t at;        /* B starts here: A = z[0..at), B = z[at..n) */
    double strength;  /* T_at */
} split;

/* z[] = y[0..n) winsorized: minus their median, clamped to +-WINSOR_LIMIT
 * robust sigmas. scratch: n doubles. */
static void winsorize(const double *y, size_t n, double *z, double *scratch)
{
    memcpy(scratch, y, n * sizeof *y);
    double center = ipcb_median(scratch, n);
    for (size_t i = 0; i < n; i++)
        scratch[i] = fabs(y[i] - center);
    double sigma = fmax(SCALE_FLOOR, MAD_TO_SIGMA * ipcb_median(scratch, n));
    double limit = WINSOR_LIMIT * sigma;
    for (size_t i = 0; i < n; i++)
        z[i] = fmin(fmax(y[i] - center, -limit), limit);
}

/* The split of z[0..n) with the largest T (the first of equal ones), both
 * segments at least min_segment long (n >= 2 min_segment): one pass with
 * running sums of z and z^2 (z is centred and bounded, so they lose nothing). */
static split best_split(const double *z, size_t n, size_t min_segment)
{
    double sum = 0, squares = 0;
    for (size_t i = 0; i < n; i++) {
        sum += z[i];
        squares += z[i] * z[i];
    }
    double dof = n > 2 ? (double)(n - 2) : 1;
    double sum_a = 0, squares_a = 0;
    for (size_t i = 0; i < min_segment; i++) {
        sum_a += z[i];
        squares_a += z[i] * z[i];
    }
    split best = { 0, -1 };
    for (size_t at = min_segment; at + min_segment <= n; at++) {
        double na = (double)at, nb = (double)(n - at);
        double mean_a = sum_a / na, mean_b = (sum - sum_a) / nb;
        double within = (squares_a - sum_a * mean_a) + (squares - squares_a - (sum - sum_a) * mean_b);
        double sd = fmax(SCALE_FLOOR, sqrt(fmax(within, 0) / dof));
        double t = sqrt(na * nb / (double)n) * fabs(mean_b - mean_a) / sd;
        if (t > best.strength)
            best = (split){ at, t };
        sum_a += z[at];
        squares_a += z[at] * z[at];
    }
    return best;
}

/* ---- the permutation test ---------------------------------------------------- */

/* splitmix64 (Steele, Lea and Flood): tiny, and any state is a good seed. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Fisher-Yates; the modulo's bias is below n / 2^64. */
static void shuffle(double *v, size_t n, uint64_t *rng)
{
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(splitmix64(rng) % (i + 1));
        double t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

/* p of the observed strength of z[0..n)'s best split. Stops once p > alpha is
 * certain, returning the p so far (then only a lower bound, above alpha).
 * shuffled: n doubles. */
static double permutation_p(const double *z, size_t n, double observed,
                            const ipcb_cp_options *o, uint64_t seed, double *shuffled)
{
    uint64_t rng = seed;
    double total = (double)o->permutations + 1;
    unsigned reached = 0;
    memcpy(shuffled, z, n * sizeof *z);
    for (unsigned r = 0; r < o->permutations; r++) {
        shuffle(shuffled, n, &rng);
        if (best_split(shuffled, n, o->min_segment).strength >= observed * (1 - TIE_TOLERANCE))
            reached++;
        if ((1 + reached) / total > o->alpha)
            break;
    }
    return (1 + reached) / total;
}

/* ---- binary segmentation ----------------------------------------------------- */

typedef struct found_step {
    size_t at;  /* index into the valid runs */
    double p;
} found_step;

/* Scratch: z, shuffled and scratch are n doubles each. */
typedef struct search {
    const double *y;  /* the valid runs' medians of logs */
    size_t n;
    const ipcb_cp_options *o;
    double *z, *shuffled, *scratch;
    found_step *found;
    size_t nfound;
} search;

static uint64_t segment_seed(uint64_t seed, size_t lo, size_t hi)
{
    uint64_t state = seed ^ (((uint64_t)lo << 32) ^ (uint64_t)hi);
    return splitmix64(&state);
}

/* Median of y[lo..hi) (scratch: hi - lo doubles). */
static double segment_median(const double *y, size_t lo, size_t hi, double *scratch)
{
    memcpy(scratch, y + lo, (hi - lo) * sizeof *y);
    return ipcb_median(scratch, hi - lo);
}

/* Tests y[lo..hi) for one step; if there is one, records it and searches
 * both sides. The depth is at most n / min_segment. */
static void segment_search(search *s, size_t lo, size_t hi)
{
    size_t n = hi - lo, min_segment = s->o->min_segment;
    if (n / 2 < min_segment) /* fewer than 2 min_segment runs */
        return;
    winsorize(s->y + lo, n, s->z, s->scratch);
    split best = best_split(s->z, n, min_segment);
    if (best.strength <= 0)
        return;
    size_t at = lo + best.at;
    double change = segment_median(s->y, at, hi, s->scratch) -
                    segment_median(s->y, lo, at, s->scratch);
    if (fabs(expm1(change)) < s->o->min_step)
        return;
    double p = permutation_p(s->z, n, best.strength, s->o, segment_seed(s->o->seed, lo, hi),
                             s->shuffled);
    if (p > s->o->alpha)
        return;
    s->found[s->nfound++] = (found_step){ at, p };
    segment_search(s, lo, at);
    segment_search(s, at, hi);
}

static int cmp_found(const void *a, const void *b)
{
    size_t x = ((const found_step *)a)->at, y = ((const found_step *)b)->at;
    return x < y ? -1 : x > y;
}

/* The log change at found step i, from the medians between its neighbours. */
static double local_change(const search *s, size_t i, double *before, double *after)
{
    size_t lo = i > 0 ? s->found[i - 1].at : 0;
    size_t at = s->found[i].at;
    size_t hi = i + 1 < s->nfound ? s->found[i + 1].at : s->n;
    *before = segment_median(s->y, lo, at, s->scratch);
    *after = segment_median(s->y, at, hi, s->scratch);
    return *after - *before;
}

/* Sorts the found steps and drops, smallest first, those whose local change
 * is below min_step (the same measure as on acceptance: |after/before - 1|). */
static void keep_large_steps(search *s)
{
    qsort(s->found, s->nfound, sizeof *s->found, cmp_found);
    while (s->nfound > 0) {
        size_t smallest = 0;
        double smallest_size = INFINITY, before, after;
        for (size_t i = 0; i < s->nfound; i++) {
            double size = fabs(expm1(local_change(s, i, &before, &after)));
            if (size < smallest_size) {
                smallest = i;
                smallest_size = size;
            }
        }
        if (smallest_size >= s->o->min_step)
            return;
        memmove(s->found + smallest, s->found + smallest + 1,
                (s->nfound - smallest - 1) * sizeof *s->found);
        s->nfound--;
    }
}

/* ---- input ------------------------------------------------------------------- */

static int options_valid(const ipcb_cp_options *o)
{
    return o->min_segment >= 1 && o->alpha > 0 && o->alpha < 1 && isfinite(o->min_step) &&
           o->min_step >= 0 && 1.0 / ((double)o->permutations + 1) <= o->alpha;
}

/* y[] = each run's median log value, index[] = its run number; returns how
 * many runs have a valid value. scratch: as many doubles as the longest run. */
static size_t run_medians(const double *const *samples, const size_t *nsamples, size_t npoints,
                          double *scratch, double *y, size_t *index)
{
    size_t n = 0;
    for (size_t i = 0; i < npoints; i++) {
        size_t m = 0;
        for (size_t j = 0; j < nsamples[i]; j++)
            if (isfinite(samples[i][j]) && samples[i][j] > 0)
                scratch[m++] = log(samples[i][j]);
        if (m == 0)
            continue;
        y[n] = ipcb_median(scratch, m);
        index[n++] = i;
    }
    return n;
}

int ipcb_changepoints(const double *const *samples, const size_t *nsamples, size_t npoints,
                      const ipcb_cp_options *o, ipcb_cp_step *steps, size_t maxsteps)
{
    ipcb_cp_options defaults;
    if (!o) {
        ipcb_cp_defaults(&defaults);
        o = &defaults;
    }
    if (!options_valid(o) || (maxsteps > 0 && !steps))
        return -1;
    if (npoints == 0)
        return 0;
    if (!samples || !nsamples)
        return -1;
    size_t longest = 1;
    for (size_t i = 0; i < npoints; i++) {
        if (nsamples[i] > 0 && !samples[i])
            return -1;
        if (nsamples[i] > longest)
            longest = nsamples[i];
    }

    double *y = malloc(npoints * sizeof *y);
    size_t *index = malloc(npoints * sizeof *index);
    double *scratch = malloc((longest > 3 * npoints ? longest : 3 * npoints) * sizeof *scratch);
    found_step *found = malloc(npoints * sizeof *found);
    int result = -1;
    if (!y || !index || !scratch || !found)
        goto out;

    search s = { y, 0, o, scratch, scratch + npoints, scratch + 2 * npoints, found, 0 };
    s.n = run_medians(samples, nsamples, npoints, scratch, y, index);
    segment_search(&s, 0, s.n);
    keep_large_steps(&s);
    for (size_t i = 0; i < s.nfound && i < maxsteps; i++) {
        double before, after;
        local_change(&s, i, &before, &after);
        steps[i] = (ipcb_cp_step){
            .at = index[found[i].at],
            .before = exp(before),
            .after = exp(after),
            .ratio = exp(after - before),
            .p = found[i].p,
            .confidence = 1 - found[i].p,
        };
    }
    result = (int)s.nfound;
out:
    free(y);
    free(index);
    free(scratch);
    free(found);
    return result;
}
