/* Reading the history back: the run list (with each run's count of failed and
 * skipped benchmarks) and series of one metric, grouped while the rows
 * stream in, already ordered by benchmark, host, time and repetition. */
#include "history_query.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "median.h"
#include "textfile.h"

/* ---- runs ------------------------------------------------------------------ */

typedef struct run_rows {
    ipcb_hrun *runs;
    size_t     n, cap;
    int        oom;
} run_rows;

static void copy(char *out, size_t len, const char *v)
{
    snprintf(out, len, "%s", v ? v : "");
}

/* p with room for n + 1 elements of size, doubling *cap; NULL and *oom set
 * when out of memory (p is still valid then). */
static void *grow(void *p, size_t *cap, size_t n, size_t size, int *oom)
{
    if (n < *cap)
        return p;
    size_t want = *cap ? 2 * *cap : 8;
    void *q = realloc(p, want * size);
    if (!q) {
        *oom = 1;
        return NULL;
    }
    *cap = want;
    return q;
}

static int add_run(void *arg, int ncols, const char *const *v)
{
    run_rows *rr = arg;
    if (ncols < 19)
        return 1;
    ipcb_hrun *grown = grow(rr->runs, &rr->cap, rr->n, sizeof *grown, &rr->oom);
    if (!grown)
        return 1;
    rr->runs = grown;
    ipcb_hrun *r = &rr->runs[rr->n++];
    memset(r, 0, sizeof *r);
    ipcb_history_run *f = &r->facts;
    copy(f->run_id, sizeof f->run_id, v[0]);
    copy(f->started_at, sizeof f->started_at, v[1]);
    f->started_us = v[2] ? atoll(v[2]) : 0;
    copy(r->recorded_at, sizeof r->recorded_at, v[3]);
    copy(f->version, sizeof f->version, v[4]);
    copy(f->commit, sizeof f->commit, v[5]);
    copy(f->branch, sizeof f->branch, v[6]);
    copy(f->campaign, sizeof f->campaign, v[7]);
    copy(f->campaign_hash, sizeof f->campaign_hash, v[8]);
    copy(f->host_id, sizeof f->host_id, v[9]);
    copy(f->kernel, sizeof f->kernel, v[10]);
    copy(f->governor, sizeof f->governor, v[11]);
    copy(f->results_dir, sizeof f->results_dir, v[12]);
    copy(f->hostname, sizeof f->hostname, v[13]);
    copy(f->cpu_model, sizeof f->cpu_model, v[14]);
    f->cores = v[15] ? atoi(v[15]) : 0;
    r->benchmarks = v[16] ? (size_t)atoll(v[16]) : 0;
    r->failed = v[17] ? (size_t)atoll(v[17]) : 0;
    r->skipped = v[18] ? (size_t)atoll(v[18]) : 0;
    return 0;
}

long ipcb_history_runs(hdb *db, const char *host, const char *id_prefix, size_t limit,
                       ipcb_hrun **out, char *err, size_t errlen)
{
    char limit_text[32];
    snprintf(limit_text, sizeof limit_text, "%zu", limit ? limit : (size_t)1 << 62);
    const char *params[] = { host ? host : "", id_prefix ? id_prefix : "", limit_text };
    static const char sql[] =
        "SELECT r.run_id, r.started_at, r.started_us, r.recorded_at, r.ipcbench_version,"
        " r.git_commit, r.git_branch, r.campaign, r.campaign_hash, r.host_id, r.kernel,"
        " r.governor, r.results_dir, h.hostname, h.cpu_model, h.cores,"
        " (SELECT count(*) FROM result x WHERE x.run_id = r.run_id),"
        " (SELECT count(*) FROM result x WHERE x.run_id = r.run_id AND x.status = 'failed'),"
        " (SELECT count(*) FROM result x WHERE x.run_id = r.run_id AND x.status = 'skipped')"
        " FROM run r JOIN host h ON h.host_id = r.host_id"
        " WHERE ($1 = '' OR h.hostname = $1 OR r.host_id LIKE $1 || '%')"
        " AND ($2 = '' OR r.run_id LIKE $2 || '%')"
        " ORDER BY r.started_us DESC, r.run_id"
        " LIMIT CAST($3 AS BIGINT)";
    run_rows rr = { 0 };
    if (hdb_query(db, sql, 3, params, add_run, &rr) != 0 || rr.oom) {
        ipcb_set_err(err, errlen, "%s", rr.oom ? "out of memory" : hdb_error(db));
        free(rr.runs);
        return -1;
    }
    *out = rr.runs;
    return (long)rr.n;
}

/* ---- one run's results ----------------------------------------------------- */

typedef struct result_rows {
    ipcb_hresult *results;
    size_t        n, cap;
    double       *values[3];     /* the current benchmark's p50, p99, MB/s values */
    size_t        nvalues[3], cap_values[3];
    int           oom;
} result_rows;

static const char *const shown_metrics[3] = { "p50_us", "p99_us", "mb_per_s" };

/* The medians of the benchmark whose rows were just read. */
static void close_result(result_rows *rr)
{
    if (rr->n == 0)
        return;
    ipcb_hresult *r = &rr->results[rr->n - 1];
    double *fields[3] = { &r->p50_us, &r->p99_us, &r->mb_per_s };
    for (int m = 0; m < 3; m++) {
        *fields[m] = ipcb_median(rr->values[m], rr->nvalues[m]);
        if (rr->nvalues[m] > r->repetitions)
            r->repetitions = rr->nvalues[m];
        rr->nvalues[m] = 0;
    }
}

static int add_result_row(void *arg, int ncols, const char *const *v)
{
    result_rows *rr = arg;
    if (ncols < 5 || !v[0])
        return 0;
    if (rr->n == 0 || strcmp(rr->results[rr->n - 1].benchmark, v[0]) != 0) {
        close_result(rr);
        ipcb_hresult *grown = grow(rr->results, &rr->cap, rr->n, sizeof *grown, &rr->oom);
        if (!grown)
            return 1;
        rr->results = grown;
        ipcb_hresult *r = &rr->results[rr->n++];
        memset(r, 0, sizeof *r);
        copy(r->benchmark, sizeof r->benchmark, v[0]);
        copy(r->status, sizeof r->status, v[1]);
        copy(r->error, sizeof r->error, v[2]);
    }
    for (int m = 0; m < 3 && v[3] && v[4]; m++) {
        if (strcmp(v[3], shown_metrics[m]) != 0)
            continue;
        double *grown = grow(rr->values[m], &rr->cap_values[m], rr->nvalues[m], sizeof *grown,
                             &rr->oom);
        if (!grown)
            return 1;
        rr->values[m] = grown;
        rr->values[m][rr->nvalues[m]++] = strtod(v[4], NULL);
    }
    return 0;
}

long ipcb_history_run_results(hdb *db, const char *run_id, ipcb_hresult **out, char *err,
                              size_t errlen)
{
    static const char sql[] =
        "SELECT x.benchmark, x.status, x.error, s.metric, s.value"
        " FROM result x LEFT JOIN sample s ON s.run_id = x.run_id AND s.benchmark = x.benchmark"
        " AND s.metric IN ('p50_us', 'p99_us', 'mb_per_s')"
        " WHERE x.run_id = $1 ORDER BY x.benchmark, s.metric, s.repetition";
    const char *params[] = { run_id };
    result_rows rr = { 0 };
    int rc = hdb_query(db, sql, 1, params, add_result_row, &rr);
    close_result(&rr);
    for (int m = 0; m < 3; m++)
        free(rr.values[m]);
    if (rc != 0 || rr.oom) {
        ipcb_set_err(err, errlen, "%s", rr.oom ? "out of memory" : hdb_error(db));
        free(rr.results);
        return -1;
    }
    *out = rr.results;
    return (long)rr.n;
}

/* ---- series ---------------------------------------------------------------- */

const char *ipcb_history_key_metric(const char *benchmark)
{
    const char *mode = strchr(benchmark, '/');
    return mode && strncmp(mode + 1, "throughput/", 11) == 0 ? "mb_per_s" : "p50_us";
}

typedef struct series_rows {
    ipcb_hseries_set *set;
    size_t            cap;
    const char       *metric;   /* NULL: each benchmark's key metric */
    regex_t          *regex;
    int               oom;
} series_rows;

/* The series a row belongs to: the last one, or a new one. */
static ipcb_hseries *series_for(series_rows *sr, const char *const *v)
{
    ipcb_hseries_set *set = sr->set;
    ipcb_hseries *last = set->n ? &set->series[set->n - 1] : NULL;
    if (last && strcmp(last->benchmark, v[0]) == 0 && strcmp(last->metric, v[1]) == 0 &&
        strcmp(last->host_id, v[2]) == 0)
        return last;
    ipcb_hseries *grown = grow(set->series, &sr->cap, set->n, sizeof *grown, &sr->oom);
    if (!grown)
        return NULL;
    set->series = grown;
    ipcb_hseries *s = &set->series[set->n++];
    memset(s, 0, sizeof *s);
    copy(s->benchmark, sizeof s->benchmark, v[0]);
    copy(s->metric, sizeof s->metric, v[1]);
    copy(s->host_id, sizeof s->host_id, v[2]);
    copy(s->hostname, sizeof s->hostname, v[3]);
    return s;
}

/* The point a row belongs to: the series' last one, or a new one. */
static ipcb_hpoint *point_for(series_rows *sr, ipcb_hseries *s, const char *const *v)
{
    ipcb_hpoint *last = s->npoints ? &s->points[s->npoints - 1] : NULL;
    if (last && strcmp(last->run_id, v[4]) == 0)
        return last;
    /* Points grow one at a time: series are short (one point per run). */
    ipcb_hpoint *grown = realloc(s->points, (s->npoints + 1) * sizeof *grown);
    if (!grown) {
        sr->oom = 1;
        return NULL;
    }
    s->points = grown;
    ipcb_hpoint *p = &s->points[s->npoints++];
    memset(p, 0, sizeof *p);
    copy(p->run_id, sizeof p->run_id, v[4]);
    p->when_us = v[5] ? atoll(v[5]) : 0;
    copy(p->commit, sizeof p->commit, v[6]);
    copy(p->kernel, sizeof p->kernel, v[7]);
    return p;
}

static int add_sample(void *arg, int ncols, const char *const *v)
{
    series_rows *sr = arg;
    if (ncols < 9 || !v[0] || !v[1] || !v[2] || !v[4] || !v[8])
        return 0;
    if (!sr->metric && strcmp(v[1], ipcb_history_key_metric(v[0])) != 0)
        return 0;
    if (sr->regex && regexec(sr->regex, v[0], 0, NULL, 0) != 0)
        return 0;
    ipcb_hseries *s = series_for(sr, v);
    ipcb_hpoint *p = s ? point_for(sr, s, v) : NULL;
    if (!p)
        return 1;
    double *values = realloc(p->values, (p->nvalues + 1) * sizeof *values);
    if (!values) {
        sr->oom = 1;
        return 1;
    }
    p->values = values;
    p->values[p->nvalues++] = strtod(v[8], NULL);
    return 0;
}

int ipcb_history_series(hdb *db, const ipcb_hseries_filter *f, ipcb_hseries_set *out,
                        char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int key = !f->metric || strcmp(f->metric, "key") == 0;
    regex_t re;
    if (f->regex && regcomp(&re, f->regex, REG_EXTENDED | REG_NOSUB) != 0) {
        ipcb_set_err(err, errlen, "'%s' is not a valid regular expression", f->regex);
        return -1;
    }
    const char *params[] = { key ? "p50_us" : f->metric, key ? "mb_per_s" : f->metric,
                             f->host ? f->host : "" };
    static const char sql[] =
        "SELECT s.benchmark, s.metric, r.host_id, h.hostname, r.run_id, r.started_us,"
        " r.git_commit, r.kernel, s.value"
        " FROM sample s JOIN run r ON r.run_id = s.run_id JOIN host h ON h.host_id = r.host_id"
        " WHERE s.metric IN ($1, $2)"
        " AND ($3 = '' OR h.hostname = $3 OR r.host_id LIKE $3 || '%')"
        " ORDER BY s.benchmark, s.metric, r.host_id, r.started_us, r.run_id, s.repetition";
    series_rows sr = { .set = out, .metric = key ? NULL : f->metric,
                       .regex = f->regex ? &re : NULL };
    int rc = hdb_query(db, sql, 3, params, add_sample, &sr);
    if (f->regex)
        regfree(&re);
    if (rc != 0 || sr.oom) {
        ipcb_set_err(err, errlen, "%s", sr.oom ? "out of memory" : hdb_error(db));
        ipcb_hseries_set_free(out);
        return -1;
    }
    return 0;
}

void ipcb_hseries_set_free(ipcb_hseries_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        for (size_t k = 0; k < set->series[i].npoints; k++)
            free(set->series[i].points[k].values);
        free(set->series[i].points);
    }
    free(set->series);
    set->series = NULL;
    set->n = 0;
}
