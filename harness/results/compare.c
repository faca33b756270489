/* The comparison engine: pairs the benchmarks of two result sets, takes the
 * per-repetition values of each metric (optionally as ratios to the same
 * run's memcpy), tests them with Mann-Whitney U and gives each a verdict. */
#include "compare.h"
#include "human.h"
#include "median.h"
#include "textfile.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const ipcb_metric ipcb_metrics[] = {
    { "p50", "latency", IPCB_C_P50_US, 0, "us", "latency mode: one-way latency p50" },
    { "p99", "latency", IPCB_C_P99_US, 0, "us", "latency mode: one-way latency p99" },
    { "throughput", "throughput", IPCB_C_MB_PER_S, 1, "MB/s", "throughput mode: MB/s confirmed by the peer" },
    { "rtt", "latency", IPCB_C_RTT_P50_US, 0, "us", "latency mode: round trip p50" },
    { "paced-p99", "paced", IPCB_C_P99_US, 0, "us", "paced mode: p99 latency from the intended send time" },
    { "cpu", "throughput", IPCB_C_CPU_PER_GIB_S, 0, "s/GiB", "throughput mode: CPU seconds per GiB moved" },
    { "fanout-p50", "fanout", IPCB_C_P50_US, 0, "us", "fanout mode: p50 latency until the last subscriber" },
    { NULL, NULL, 0, 0, NULL, NULL },
};

const char *const ipcb_verdict_names[IPCB_NVERDICTS] = {
    "unchanged", "faster", "slower", "new", "missing", "failed", "n/a",
};

const ipcb_metric *ipcb_metric_find(const char *name)
{
    for (const ipcb_metric *m = ipcb_metrics; m->name; m++)
        if (strcmp(m->name, name) == 0)
            return m;
    return NULL;
}

void ipcb_cmp_opts_default(ipcb_cmp_opts *o)
{
    memset(o, 0, sizeof *o);
    o->threshold = 0.10;
    o->alpha = 0.05;
    o->metrics[o->nmetrics++] = ipcb_metric_find("p50");
    o->metrics[o->nmetrics++] = ipcb_metric_find("p99");
    o->metrics[o->nmetrics++] = ipcb_metric_find("throughput");
}

/* ---- values --------------------------------------------------------------- */

/* The successful memcpy result of r's mode and size (and subscribers) in rs,
 * or NULL. */
static const ipcb_result *memcpy_reference(const ipcb_resultset *rs, const ipcb_result *r)
{
    char name[160];
    ipcb_benchmark_name(name, sizeof name, "memcpy", r);
    const ipcb_result *ref = ipcb_resultset_find(rs, name);
    return ref && !ref->failed ? ref : NULL;
}

/* The per-repetition values of counter c (the summary if the file has no
 * repetitions), divided by scale, into out (room for max(nruns, 1)). */
static size_t values_of(const ipcb_result *r, enum ipcb_counter c, double scale, double *out)
{
    size_t n = 0;
    if (r->nruns == 0) {
        double v = r->summary.counter[c];
        if (isfinite(v))
            out[n++] = v / scale;
        return n;
    }
    for (size_t i = 0; i < r->nruns; i++) {
        double v = r->runs[i].counter[c];
        if (isfinite(v))
            out[n++] = v / scale;
    }
    return n;
}

/* ---- one row -------------------------------------------------------------- */

typedef struct side {
    const ipcb_resultset *rs;
    const ipcb_result    *r;
    const char           *label;   /* "baseline" / "new" */
    double               *v;       /* scratch, room for the result's runs */
    size_t                n;
} side;

static double *scratch(const ipcb_result *r)
{
    return malloc((r->nruns ? r->nruns : 1) * sizeof(double));
}

typedef enum side_status {
    SIDE_OK,
    SIDE_ABSENT,        /* the counter is absent: not comparable (n/a) */
    SIDE_NO_REFERENCE,  /* no memcpy result to normalize by */
} side_status;

/* Why r (in where: "the baseline", ...) has no value of counter c: its runs
 * measured too few frames for it (a percentile), or it has none at all. */
static void absent_note(ipcb_cmp_row *row, const ipcb_result *r, enum ipcb_counter c,
                        const char *where)
{
    if (ipcb_result_too_few_frames(r, c))
        snprintf(row->note, sizeof row->note, "too few samples for %s in %s (%" PRIu64
                 " frames per run, needs %" PRIu64 ")", ipcb_counter_names[c], where,
                 r->frames_per_run, ipcb_counter_min_frames(c));
    else
        snprintf(row->note, sizeof row->note, "no %s values in %s", ipcb_counter_names[c],
                 where);
}

/* The memcpy value of one side to divide by, into *scale. */
static side_status memcpy_scale(const side *s, const ipcb_metric *m, ipcb_cmp_row *row,
                                double *scale)
{
    const ipcb_result *ref = memcpy_reference(s->rs, s->r);
    char where[200];
    if (!ref) {
        ipcb_benchmark_name(where, sizeof where, "memcpy", s->r);
        snprintf(row->note, sizeof row->note, "no %s in the %s to normalize by", where,
                 s->label);
        return SIDE_NO_REFERENCE;
    }
    *scale = ref->summary.counter[m->counter];
    if (!isfinite(*scale)) {
        snprintf(where, sizeof where, "%s of the %s", ref->name, s->label);
        absent_note(row, ref, m->counter, where);
        return SIDE_ABSENT;
    }
    if (*scale <= 0) {
        snprintf(row->note, sizeof row->note, "no positive %s of %s in the %s to normalize by",
                 ipcb_counter_names[m->counter], ref->name, s->label);
        return SIDE_NO_REFERENCE;
    }
    return SIDE_OK;
}

/* Values of one side into s->v, or why there are none (in the row's note). */
static side_status side_values(side *s, const ipcb_cmp_opts *o, const ipcb_metric *m,
                               ipcb_cmp_row *row)
{
    double scale = 1;
    if (o->normalize_memcpy) {
        side_status st = memcpy_scale(s, m, row, &scale);
        if (st != SIDE_OK)
            return st;
    }
    s->n = values_of(s->r, m->counter, scale, s->v);
    if (s->n == 0) {
        char where[64];
        snprintf(where, sizeof where, "the %s", s->label);
        absent_note(row, s->r, m->counter, where);
        return SIDE_ABSENT;
    }
    return SIDE_OK;
}

/* The change, the time ratio, the direction beyond the threshold and the U
 * test. Rows the test cannot decide get their verdict here (threshold only);
 * the others once every row is tested (decide), as Holm needs all p-values. */
static void judge(ipcb_cmp_row *row, const ipcb_cmp_opts *o, side *b, side *n)
{
    const ipcb_metric *m = row->metric;
    row->change = row->base != 0 ? row->new_value / row->base - 1 : NAN;
    row->ratio = m->higher_better ? (row->new_value != 0 ? row->base / row->new_value : NAN)
                                  : (row->base != 0 ? row->new_value / row->base : NAN);
    double bad = m->higher_better ? -row->change : row->change;
    row->direction = !isfinite(bad) ? 0 : bad > o->threshold ? 1 : bad < -o->threshold ? -1 : 0;
    if (ipcb_utest_run(b->v, b->n, n->v, n->n, IPCB_UTEST_AUTO, &row->test) != 0) {
        row->test.p = row->test.p_min = NAN;
        row->judged = IPCB_J_THRESHOLD;
        snprintf(row->note, sizeof row->note, "threshold only: no U test possible");
    } else if (row->test.p_min > o->alpha) {
        row->judged = IPCB_J_THRESHOLD;
        snprintf(row->note, sizeof row->note,
                 "threshold only: %zu vs %zu repetitions, smallest attainable p %.3g > alpha",
                 b->n, n->n, row->test.p_min);
    } else {
        row->judged = IPCB_J_UTEST;
        return;
    }
    row->verdict = row->direction > 0 ? IPCB_V_SLOWER : row->direction < 0 ? IPCB_V_FASTER
                                                                           : IPCB_V_UNCHANGED;
}

/* The verdict of a tested row, once its significance is known. */
static void decide(ipcb_cmp_row *row, const ipcb_cmp_opts *o, size_t ntested)
{
    if (row->direction != 0 && !row->significant) {
        char change[32];
        ipcb_human_percent(change, sizeof change, row->change);
        if (o->holm)
            snprintf(row->note, sizeof row->note, "%s but not significant (p %.3g; Holm "
                     "over %zu tests at %g)", change, row->test.p, ntested, o->alpha);
        else
            snprintf(row->note, sizeof row->note, "%s but not significant (p %.3g > %g)",
                     change, row->test.p, o->alpha);
    }
    int d = row->significant ? row->direction : 0;
    row->verdict = d > 0 ? IPCB_V_SLOWER : d < 0 ? IPCB_V_FASTER : IPCB_V_UNCHANGED;
}

static int cmp_p(const void *a, const void *b)
{
    double x = (*(const ipcb_cmp_row *const *)a)->test.p;
    double y = (*(const ipcb_cmp_row *const *)b)->test.p;
    return x < y ? -1 : x > y;
}

/* Significance of every tested row: p <= alpha, or Holm's step-down: with the
 * m p-values ascending, the k-th (from 0) is significant if it and every one
 * before it is at most alpha / (m - k). */
static int decide_all(ipcb_comparison *c)
{
    size_t m = 0;
    for (size_t i = 0; i < c->nrows; i++)
        m += c->rows[i].judged == IPCB_J_UTEST;
    ipcb_cmp_row **tested = malloc((m ? m : 1) * sizeof *tested);
    if (!tested)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < c->nrows; i++)
        if (c->rows[i].judged == IPCB_J_UTEST)
            tested[k++] = &c->rows[i];
    c->ntested = m;
    if (c->opts.holm) {
        for (k = 0; k < m; k++)
            c->nholm_unreachable += tested[k]->test.p_min > c->opts.alpha / (double)m;
        qsort(tested, m, sizeof *tested, cmp_p);
        for (k = 0; k < m && tested[k]->test.p <= c->opts.alpha / (double)(m - k); k++)
            tested[k]->significant = 1;
    } else {
        for (k = 0; k < m; k++)
            tested[k]->significant = tested[k]->test.p <= c->opts.alpha;
    }
    for (k = 0; k < m; k++)
        decide(tested[k], &c->opts, m);
    free(tested);
    return 0;
}

static void failed_note(ipcb_cmp_row *row, const char *who, const ipcb_result *r)
{
    snprintf(row->note, sizeof row->note, "%s: %s", who, r->error);
}

static int make_row(ipcb_cmp_row *row, const ipcb_cmp_opts *o, const ipcb_metric *m,
                    const ipcb_resultset *base_rs, const ipcb_result *b,
                    const ipcb_resultset *new_rs, const ipcb_result *n)
{
    memset(row, 0, sizeof *row);
    const ipcb_result *r = n ? n : b;
    snprintf(row->name, sizeof row->name, "%s", r->name);
    snprintf(row->transport, sizeof row->transport, "%s", r->transport);
    snprintf(row->mode, sizeof row->mode, "%s", r->mode);
    snprintf(row->size, sizeof row->size, "%s", r->size);
    row->subscribers = r->subscribers;
    row->bytes = n && n->bytes ? n->bytes : b ? b->bytes : 0;
    row->metric = m;
    row->base = row->new_value = row->change = row->ratio = NAN;
    row->test.p = row->test.p_min = NAN;
    side sb = { base_rs, b, "baseline", b ? scratch(b) : NULL, 0 };
    side sn = { new_rs, n, "new results", n ? scratch(n) : NULL, 0 };
    int rc = 0;
    if ((b && !sb.v) || (n && !sn.v)) {
        rc = -1;
    } else if (!b || !n) {
        side *s = b ? &sb : &sn;
        row->verdict = b ? IPCB_V_MISSING : IPCB_V_NEW;
        if (s->r->failed)
            failed_note(row, "failed", s->r);
        else if (side_values(s, o, m, row) == SIDE_OK)
            *(b ? &row->base : &row->new_value) = ipcb_median(s->v, s->n);
        *(b ? &row->nbase : &row->nnew) = s->n;
    } else if (n->failed || b->failed) {
        row->verdict = IPCB_V_FAILED;
        if (n->failed)
            failed_note(row, "failed", n);
        else
            failed_note(row, "failed in the baseline", b);
    } else {
        side_status st = side_values(&sb, o, m, row);
        if (st == SIDE_OK)
            st = side_values(&sn, o, m, row);
        row->nbase = sb.n;
        row->nnew = sn.n;
        row->base = ipcb_median(sb.v, sb.n);
        row->new_value = ipcb_median(sn.v, sn.n);
        if (st == SIDE_OK)
            judge(row, o, &sb, &sn);
        else
            row->verdict = st == SIDE_ABSENT ? IPCB_V_NA : IPCB_V_FAILED;
    }
    free(sb.v);
    free(sn.v);
    return rc;
}

/* ---- the comparison ------------------------------------------------------- */

static int has_memcpy(const ipcb_resultset *rs)
{
    for (size_t i = 0; i < rs->nresults; i++)
        if (strcmp(rs->results[i].transport, "memcpy") == 0 && !rs->results[i].failed)
            return 1;
    return 0;
}

static int applies(const ipcb_cmp_opts *o, const ipcb_metric *m, const ipcb_result *r)
{
    if (strcmp(m->mode, r->mode) != 0)
        return 0;
    /* Normalized, memcpy is 1 by definition: it is the reference, not a result. */
    return !(o->normalize_memcpy && strcmp(r->transport, "memcpy") == 0);
}

static int add_rows(ipcb_comparison *c, const ipcb_resultset *base, const ipcb_result *b,
                    const ipcb_resultset *new_rs, const ipcb_result *n)
{
    const ipcb_result *r = n ? n : b;
    int any = 0;
    for (size_t k = 0; k < c->opts.nmetrics; k++) {
        const ipcb_metric *m = c->opts.metrics[k];
        if (!applies(&c->opts, m, r))
            continue;
        any = 1;
        if (make_row(&c->rows[c->nrows], &c->opts, m, base, b, new_rs, n) != 0)
            return -1;
        c->nrows++;
    }
    if (!any && b && n && !(c->opts.normalize_memcpy && strcmp(r->transport, "memcpy") == 0))
        c->nskipped_mode++;
    return 0;
}

static size_t metric_rank(const ipcb_metric *m)
{
    return (size_t)(m - ipcb_metrics);
}

/* Where a mode comes in the output: the rank of its first metric. */
static size_t mode_rank(const char *mode)
{
    for (const ipcb_metric *m = ipcb_metrics; m->name; m++)
        if (strcmp(m->mode, mode) == 0)
            return metric_rank(m);
    return 1000;
}

static int cmp_rows(const void *pa, const void *pb)
{
    const ipcb_cmp_row *a = pa, *b = pb;
    size_t ma = mode_rank(a->mode), mb = mode_rank(b->mode);
    if (ma != mb)
        return ma < mb ? -1 : 1;
    int c = strcmp(a->mode, b->mode);
    if (c)
        return c;
    if (a->bytes != b->bytes)
        return a->bytes < b->bytes ? -1 : 1;
    if ((c = strcmp(a->size, b->size)) != 0)
        return c;
    if (a->subscribers != b->subscribers)
        return a->subscribers < b->subscribers ? -1 : 1;
    int am = strcmp(a->transport, "memcpy") == 0, bm = strcmp(b->transport, "memcpy") == 0;
    if (am != bm)
        return bm - am;
    if ((c = strcmp(a->transport, b->transport)) != 0)
        return c;
    if ((c = strcmp(a->name, b->name)) != 0)
        return c;
    return metric_rank(a->metric) < metric_rank(b->metric) ? -1 : 1;
}

static void summarise(ipcb_comparison *c)
{
    double logsum_all = 0, logsum[16] = { 0 };
    for (size_t i = 0; i < c->nrows; i++) {
        const ipcb_cmp_row *row = &c->rows[i];
        c->count[row->verdict]++;
        c->regression |= row->verdict == IPCB_V_SLOWER;
        c->nthreshold_only += row->judged == IPCB_J_THRESHOLD;
        if (!(isfinite(row->ratio) && row->ratio > 0))
            continue;
        size_t k = 0;
        while (k < c->opts.nmetrics && c->opts.metrics[k] != row->metric)
            k++;
        logsum[k] += log(row->ratio);
        c->per_metric[k].n++;
        logsum_all += log(row->ratio);
        c->ncompared++;
    }
    for (size_t k = 0; k < c->opts.nmetrics; k++)
        c->per_metric[k].geomean_ratio = c->per_metric[k].n
            ? exp(logsum[k] / (double)c->per_metric[k].n) : NAN;
    c->geomean_ratio = c->ncompared ? exp(logsum_all / (double)c->ncompared) : NAN;
}

static void metric_list(const ipcb_cmp_opts *o, char *out, size_t len)
{
    out[0] = '\0';
    for (size_t k = 0; k < o->nmetrics; k++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s (%s mode)", k ? ", " : "",
                 o->metrics[k]->name, o->metrics[k]->mode);
}

int ipcb_compare(const ipcb_resultset *base, const ipcb_resultset *new_rs,
                 const ipcb_cmp_opts *opts, ipcb_comparison *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->opts = *opts;
    if (opts->normalize_memcpy && (!has_memcpy(base) || !has_memcpy(new_rs))) {
        ipcb_set_err(err, errlen, "--normalize memcpy: the %s has no successful memcpy "
                     "results to divide by (run the campaign with the memcpy transport)",
                     has_memcpy(base) ? "new result set" : "baseline");
        return -1;
    }
    size_t cap = (base->nresults + new_rs->nresults) * (opts->nmetrics ? opts->nmetrics : 1) + 1;
    c->rows = calloc(cap, sizeof *c->rows);
    if (!c->rows) {
        ipcb_set_err(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < new_rs->nresults; i++) {
        const ipcb_result *n = &new_rs->results[i];
        const ipcb_result *b = ipcb_resultset_find(base, n->name);
        c->ncommon += b != NULL;
        rc = add_rows(c, base, b, new_rs, n);
    }
    for (size_t i = 0; rc == 0 && i < base->nresults; i++) {
        const ipcb_result *b = &base->results[i];
        if (!ipcb_resultset_find(new_rs, b->name))
            rc = add_rows(c, base, b, new_rs, NULL);
    }
    if (rc != 0) {
        ipcb_set_err(err, errlen, "out of memory");
    } else if (c->ncommon == 0) {
        ipcb_set_err(err, errlen, "no benchmark in common (%zu in the baseline, %zu new): "
                     "different campaigns?", base->nresults, new_rs->nresults);
        rc = -1;
    } else if (decide_all(c) != 0) {
        ipcb_set_err(err, errlen, "out of memory");
        rc = -1;
    } else {
        qsort(c->rows, c->nrows, sizeof *c->rows, cmp_rows);
        summarise(c);
        size_t judged = c->count[IPCB_V_UNCHANGED] + c->count[IPCB_V_FASTER]
                      + c->count[IPCB_V_SLOWER] + c->count[IPCB_V_FAILED]
                      + c->count[IPCB_V_NA];
        if (judged == 0) {
            char list[256];
            metric_list(opts, list, sizeof list);
            ipcb_set_err(err, errlen, "nothing to compare: none of the %zu common benchmarks "
                         "has %s (see --metric)", c->ncommon, list);
            rc = -1;
        }
    }
    if (rc != 0)
        ipcb_comparison_free(c);
    return rc;
}

void ipcb_comparison_free(ipcb_comparison *c)
{
    free(c->rows);
    memset(c, 0, sizeof *c);
}

const ipcb_cmp_row *ipcb_comparison_find(const ipcb_comparison *c, const char *name,
                                         const ipcb_metric *metric)
{
    for (size_t i = 0; i < c->nrows; i++)
        if (c->rows[i].metric == metric && strcmp(c->rows[i].name, name) == 0)
            return &c->rows[i];
    return NULL;
}
