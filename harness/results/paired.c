/* The paired comparison: compare (compare.c) matches the benchmarks and says
 * what cannot be compared; here each matched row's repetitions become paired
 * log ratios, with a median, an interval and a verdict per row and per transport. */
#include "paired.h"
#include "median.h"
#include "textfile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const ipcb_paired_verdict_names[IPCB_NPAIRED_VERDICTS] = {
    "-", "unchanged", "slower", "faster", "inconclusive",
};

void ipcb_paired_opts_default(ipcb_paired_opts *o)
{
    ipcb_cmp_opts_default(&o->cmp);
    o->cmp.nmetrics = 0;
    o->cmp.metrics[o->cmp.nmetrics++] = ipcb_metric_find("p50");
    o->cmp.metrics[o->cmp.nmetrics++] = ipcb_metric_find("throughput");
    o->confidence = 0.95;
}

void ipcb_ratio_ci_of(double *d, size_t n, double confidence, ipcb_ratio_ci *out)
{
    double lo, hi;
    out->coverage = ipcb_median_ci(d, n, confidence, &lo, &hi);
    out->ratio = n ? exp(ipcb_median(d, n)) : NAN;
    out->lo = exp(lo);
    out->hi = exp(hi);
}

ipcb_paired_verdict ipcb_paired_judge(const ipcb_ratio_ci *ci, double t)
{
    if (!isfinite(ci->ratio))
        return IPCB_PV_NONE;
    if (ci->lo > t)
        return IPCB_PV_SLOWER;
    if (ci->hi < 1 / t)
        return IPCB_PV_FASTER;
    return ci->hi <= t ? IPCB_PV_UNCHANGED : IPCB_PV_INCONCLUSIVE;
}

/* ---- pairs ------------------------------------------------------------------ */

/* Repetition i's value of counter c (the summary of a file without repetitions). */
static double value_at(const ipcb_result *r, size_t i, enum ipcb_counter c)
{
    return r->nruns ? r->runs[i].counter[c] : r->summary.counter[c];
}

/* The log time ratios of one row into row->d. Returns 0, or -1 with why. */
static int pair_row(ipcb_paired_row *row, const ipcb_result *a, const ipcb_result *b,
                    char *err, size_t errlen)
{
    if (a->nruns != b->nruns) {
        ipcb_set_err(err, errlen, "%s has %zu repetitions in A and %zu in B: not paired runs "
                     "(run both sides with --pair-turn)", a->name, a->nruns, b->nruns);
        return -1;
    }
    size_t n = a->nruns ? a->nruns : 1;
    row->d = malloc(n * sizeof *row->d);
    if (!row->d) {
        ipcb_set_err(err, errlen, "out of memory");
        return -1;
    }
    const ipcb_metric *m = row->cmp->metric;
    for (size_t i = 0; i < n; i++) {
        double va = value_at(a, i, m->counter), vb = value_at(b, i, m->counter);
        if (!(isfinite(va) && isfinite(vb) && va > 0 && vb > 0))
            continue; /* a repetition without this figure pairs with nothing */
        row->d[row->npairs++] = m->higher_better ? log(va / vb) : log(vb / va);
    }
    return 0;
}

/* The row's intervals, test and verdicts (d is kept in repetition order). */
static int judge_row(ipcb_paired_row *row, const ipcb_paired *p, char *err, size_t errlen)
{
    double t = 1 + p->opts.cmp.threshold;
    double *scratch = malloc(row->npairs * sizeof *scratch);
    if (!scratch) {
        ipcb_set_err(err, errlen, "out of memory");
        return -1;
    }
    memcpy(scratch, row->d, row->npairs * sizeof *scratch);
    ipcb_ratio_ci_of(scratch, row->npairs, p->opts.confidence, &row->ci);
    ipcb_ratio_ci_of(scratch, row->npairs, p->gate_confidence, &row->gate_ci);
    free(scratch);
    if (ipcb_signedrank_run(row->d, row->npairs, &row->test) != 0)
        row->test.p = row->test.p_min = NAN;
    row->verdict = ipcb_paired_judge(&row->ci, t);
    row->fails_gate = ipcb_paired_judge(&row->gate_ci, t) == IPCB_PV_SLOWER;
    return 0;
}

/* ---- transports ------------------------------------------------------------- */

static ipcb_paired_transport *transport_of(ipcb_paired *p, const char *name)
{
    for (size_t i = 0; i < p->ntransports; i++)
        if (strcmp(p->transports[i].name, name) == 0)
            return &p->transports[i];
    ipcb_paired_transport *t = &p->transports[p->ntransports++];
    snprintf(t->name, sizeof t->name, "%s", name);
    return t;
}

/* Every transport's pairs pooled: its median log ratio and interval. */
static int judge_transports(ipcb_paired *p, char *err, size_t errlen)
{
    size_t total = 0;
    for (size_t i = 0; i < p->nrows; i++)
        total += p->rows[i].npairs;
    p->transports = calloc(p->nrows ? p->nrows : 1, sizeof *p->transports);
    double *pool = malloc((total ? total : 1) * sizeof *pool);
    if (!p->transports || !pool) {
        free(pool);
        ipcb_set_err(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < p->nrows; i++)
        if (p->rows[i].npairs)
            transport_of(p, p->rows[i].cmp->transport);
    for (size_t k = 0; k < p->ntransports; k++) {
        ipcb_paired_transport *t = &p->transports[k];
        for (size_t i = 0; i < p->nrows; i++) {
            const ipcb_paired_row *row = &p->rows[i];
            if (!row->npairs || strcmp(row->cmp->transport, t->name) != 0)
                continue;
            memcpy(pool + t->npairs, row->d, row->npairs * sizeof *pool);
            t->npairs += row->npairs;
            t->nrows++;
        }
        ipcb_ratio_ci_of(pool, t->npairs, p->opts.confidence, &t->ci);
        t->verdict = ipcb_paired_judge(&t->ci, 1 + p->opts.cmp.threshold);
        p->regression |= t->verdict == IPCB_PV_SLOWER;
    }
    free(pool);
    return 0;
}

/* ---- the comparison ----------------------------------------------------------- */

static int pair_all(ipcb_paired *p, const ipcb_resultset *a, const ipcb_resultset *b,
                    char *err, size_t errlen)
{
    for (size_t i = 0; i < p->nrows; i++) {
        ipcb_paired_row *row = &p->rows[i];
        row->cmp = &p->cmp.rows[i];
        if (row->cmp->judged == IPCB_J_NONE)
            continue; /* no values on a side: compare's verdict stands */
        const ipcb_result *ra = ipcb_resultset_find(a, row->cmp->name);
        const ipcb_result *rb = ipcb_resultset_find(b, row->cmp->name);
        if (pair_row(row, ra, rb, err, errlen) != 0)
            return -1;
        if (row->npairs == 0)
            continue;
        p->npaired_rows++;
        if (p->min_pairs == 0 || row->npairs < p->min_pairs)
            p->min_pairs = row->npairs;
        if (row->npairs > p->max_pairs)
            p->max_pairs = row->npairs;
    }
    return 0;
}

int ipcb_paired_compare(const ipcb_resultset *a, const ipcb_resultset *b,
                        const ipcb_paired_opts *opts, ipcb_paired *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->opts = *opts;
    p->opts.cmp.normalize_memcpy = 0; /* a pair is its own reference */
    p->opts.cmp.holm = 0;
    if (ipcb_compare(a, b, &p->opts.cmp, &p->cmp, err, errlen) != 0)
        return -1;
    p->nrows = p->cmp.nrows;
    p->rows = calloc(p->nrows ? p->nrows : 1, sizeof *p->rows);
    if (!p->rows) {
        ipcb_set_err(err, errlen, "out of memory");
        ipcb_paired_free(p);
        return -1;
    }
    int rc = pair_all(p, a, b, err, errlen);
    /* Rows fail the gate alone only with every row's interval holding at once. */
    p->gate_confidence = 1 - (1 - p->opts.confidence) / (double)(p->npaired_rows ? p->npaired_rows : 1);
    for (size_t i = 0; rc == 0 && i < p->nrows; i++)
        if (p->rows[i].npairs) {
            rc = judge_row(&p->rows[i], p, err, errlen);
            p->regression |= p->rows[i].fails_gate;
        }
    if (rc == 0 && p->npaired_rows == 0) {
        ipcb_set_err(err, errlen, "no benchmark has a figure on both sides to pair");
        rc = -1;
    }
    if (rc == 0)
        rc = judge_transports(p, err, errlen);
    if (rc != 0)
        ipcb_paired_free(p);
    return rc;
}

void ipcb_paired_free(ipcb_paired *p)
{
    for (size_t i = 0; i < p->nrows && p->rows; i++)
        free(p->rows[i].d);
    free(p->rows);
    free(p->transports);
    ipcb_comparison_free(&p->cmp);
    memset(p, 0, sizeof *p);
}
