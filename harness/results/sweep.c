/* The transport × size matrix of one figure (sweep.h): built from the
 * result set's medians, then read for the best per size, ratios to memcpy
 * and the sizes from which one transport beats another. */
#include "sweep.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ipcb_sweep_build(ipcb_sweep *sw, const ipcb_resultset *rs, const char *mode,
                     enum ipcb_counter c, int higher_better)
{
    memset(sw, 0, sizeof *sw);
    sw->mode = mode;
    sw->counter = c;
    sw->higher_better = higher_better;
    sw->reference = -1;
    size_t room = rs->nresults + 1;
    sw->sizes = calloc(room, sizeof *sw->sizes);
    sw->transports = calloc(room, sizeof *sw->transports);
    if (!sw->sizes || !sw->transports)
        goto oom;
    sw->nsizes = ipcb_resultset_rows(rs, mode, sw->sizes);
    sw->ntransports = ipcb_resultset_transports(rs, mode, sw->transports);
    sw->values = calloc(sw->nsizes * sw->ntransports + 1, sizeof *sw->values);
    if (!sw->values)
        goto oom;
    for (size_t t = 0; t < sw->ntransports; t++) {
        if (strcmp(sw->transports[t], IPCB_REFERENCE_TRANSPORT) == 0)
            sw->reference = (int)t;
        for (size_t s = 0; s < sw->nsizes; s++) {
            char name[256];
            ipcb_benchmark_name(name, sizeof name, sw->transports[t], sw->sizes[s]);
            const ipcb_result *r = ipcb_resultset_find(rs, name);
            double v = r && !r->failed ? r->summary.counter[c] : NAN;
            sw->values[t * sw->nsizes + s] = isfinite(v) && v > 0 ? v : NAN;
        }
    }
    return 0;
oom:
    ipcb_sweep_free(sw);
    return -1;
}

void ipcb_sweep_free(ipcb_sweep *sw)
{
    free(sw->sizes);
    free(sw->transports);
    free(sw->values);
    memset(sw, 0, sizeof *sw);
    sw->reference = -1;
}

double ipcb_sweep_value(const ipcb_sweep *sw, size_t t, size_t s)
{
    return t < sw->ntransports && s < sw->nsizes ? sw->values[t * sw->nsizes + s] : NAN;
}

int ipcb_sweep_better(const ipcb_sweep *sw, double a, double b)
{
    return sw->higher_better ? a > b : a < b;
}

int ipcb_sweep_best(const ipcb_sweep *sw, size_t s, int skip_reference)
{
    int best = -1;
    for (size_t t = 0; t < sw->ntransports; t++) {
        double v = ipcb_sweep_value(sw, t, s);
        if (isnan(v) || (skip_reference && (int)t == sw->reference))
            continue;
        if (best < 0 || ipcb_sweep_better(sw, v, ipcb_sweep_value(sw, (size_t)best, s)))
            best = (int)t;
    }
    return best;
}

double ipcb_sweep_ratio_to_reference(const ipcb_sweep *sw, size_t t, size_t s)
{
    if (sw->reference < 0)
        return NAN;
    return ipcb_sweep_value(sw, t, s) / ipcb_sweep_value(sw, (size_t)sw->reference, s);
}

/* How many times better a is than b (>1 when a is better). */
static double factor(const ipcb_sweep *sw, double a, double b)
{
    return sw->higher_better ? a / b : b / a;
}

/* Does transport w cleanly overtake l (see sweep.h)? Fills x if so. */
static int crossing(const ipcb_sweep *sw, size_t w, size_t l, double gap, ipcb_crossover *x)
{
    size_t common[256], n = 0;
    for (size_t s = 0; s < sw->nsizes && n < sizeof common / sizeof common[0]; s++)
        if (!isnan(ipcb_sweep_value(sw, w, s)) && !isnan(ipcb_sweep_value(sw, l, s)))
            common[n++] = s;
    if (n < 2)
        return 0;
    int seen_win = 0;
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        double f = factor(sw, ipcb_sweep_value(sw, w, common[i]), ipcb_sweep_value(sw, l, common[i]));
        int wins = f > 1 + gap, loses = f < 1 / (1 + gap);
        if ((i == 0 && !loses) || (i == n - 1 && !wins) || (seen_win && loses))
            return 0;
        if (wins && !seen_win) {
            seen_win = 1;
            from = common[i];
        }
    }
    x->winner = w;
    x->loser = l;
    x->from = from;
    x->first = common[0];
    x->last = common[n - 1];
    x->factor_before = 1 / factor(sw, ipcb_sweep_value(sw, w, common[0]),
                                  ipcb_sweep_value(sw, l, common[0]));
    x->factor_after = factor(sw, ipcb_sweep_value(sw, w, common[n - 1]),
                             ipcb_sweep_value(sw, l, common[n - 1]));
    return 1;
}

/* Rank of each transport at the largest size (0 = best; no value: last). */
static void rank_at_largest(const ipcb_sweep *sw, size_t *rank)
{
    size_t last = sw->nsizes - 1;
    for (size_t t = 0; t < sw->ntransports; t++) {
        double v = ipcb_sweep_value(sw, t, last);
        rank[t] = 0;
        for (size_t u = 0; u < sw->ntransports; u++) {
            double o = ipcb_sweep_value(sw, u, last);
            if (u != t && !isnan(o) && (isnan(v) || ipcb_sweep_better(sw, o, v) || (o == v && u < t)))
                rank[t]++;
        }
    }
}

static const size_t *sort_rank; /* qsort has no context argument */

static int by_rank(const void *a, const void *b)
{
    const ipcb_crossover *x = a, *y = b;
    size_t kx[3] = { sort_rank[x->winner], sort_rank[x->loser], x->from };
    size_t ky[3] = { sort_rank[y->winner], sort_rank[y->loser], y->from };
    for (int i = 0; i < 3; i++)
        if (kx[i] != ky[i])
            return kx[i] < ky[i] ? -1 : 1;
    return 0;
}

size_t ipcb_sweep_crossovers(const ipcb_sweep *sw, double gap, ipcb_crossover *out, size_t max)
{
    if (sw->nsizes < 2)
        return 0;
    size_t *rank = calloc(sw->ntransports, sizeof *rank);
    ipcb_crossover *all = calloc(sw->ntransports * sw->ntransports + 1, sizeof *all);
    size_t n = 0;
    if (rank && all) {
        for (size_t w = 0; w < sw->ntransports; w++)
            for (size_t l = 0; l < sw->ntransports; l++)
                if (w != l && (int)w != sw->reference && (int)l != sw->reference
                    && crossing(sw, w, l, gap, &all[n]))
                    n++;
        rank_at_largest(sw, rank);
        sort_rank = rank;
        qsort(all, n, sizeof *all, by_rank);
        if (out && max)
            memcpy(out, all, (n < max ? n : max) * sizeof *out);
    }
    free(rank);
    free(all);
    return n;
}

void ipcb_sweep_size_label(const ipcb_sweep *sw, size_t s, char *out, size_t n)
{
    const char *label = s < sw->nsizes ? sw->sizes[s]->size : "?";
    size_t digits = strspn(label, "0123456789");
    snprintf(out, n, digits && !label[digits] ? "%s B" : "%s", label);
}
