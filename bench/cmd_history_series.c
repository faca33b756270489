/* `ipcbench history trend` and `history regressions`: the verbs that read
 * series (one metric of one benchmark on one host, a point per run) and
 * either draw them or look for steps in them (harness/results/changepoint.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "changepoint.h"
#include "cli.h"
#include "cmd_history.h"
#include "datadir.h"
#include "history_query.h"
#include "history_schema.h"
#include "history_trend.h"
#include "human.h"

/* The series the options select, from the database they name. Returns 0, or
 * an exit status after saying why. */
static int load_series(const history_opts *o, ipcb_hseries_set *set)
{
    char err[1200];
    hdb *db = ipcb_history_open(o->db, HDB_EXISTING, err, sizeof err);
    if (!db) {
        fprintf(stderr, "ipcbench: history: %s\n", err);
        return IPCB_EXIT_FAILED;
    }
    ipcb_hseries_filter f = { o->metric, o->filter, o->host };
    int rc = ipcb_history_series(db, &f, set, err, sizeof err);
    hdb_close(db);
    if (rc != 0) {
        fprintf(stderr, "ipcbench: history: %s\n", err);
        return IPCB_EXIT_USAGE;
    }
    return 0;
}

/* ---- trend ------------------------------------------------------------------ */

int history_trend(const history_opts *o)
{
    if (o->by && strcmp(o->by, "time") != 0 && strcmp(o->by, "commit") != 0)
        return cli_usage_error("history trend: --by is time or commit, not '%s'", o->by);
    ipcb_hseries_set set;
    int rc = load_series(o, &set);
    if (rc != 0)
        return rc;
    char scripts[4200], err[1200];
    ipcb_data_dir(IPCB_DATA_SCRIPTS, scripts, sizeof scripts);
    ipcb_trend_opts t = { .out_dir = o->out ? o->out : "results/trend", .scripts_dir = scripts,
                          .by_commit = o->by && strcmp(o->by, "commit") == 0 };
    if (ipcb_history_trend(&set, &t, err, sizeof err) != 0) {
        fprintf(stderr, "ipcbench: history trend: %s\n", err);
        rc = set.n == 0 ? IPCB_EXIT_USAGE : IPCB_EXIT_FAILED;
    } else {
        size_t hosts = 0;
        for (size_t i = 0; i < set.n; i++) {
            int seen = 0;
            for (size_t j = 0; j < i && !seen; j++)
                seen = strcmp(set.series[j].host_id, set.series[i].host_id) == 0;
            hosts += !seen;
        }
        printf("%zu series (%zu host%s): %s/plots/trend.svg and trend.png, data in "
               "%s/trend.dat\n", set.n, hosts, hosts == 1 ? "" : "s", t.out_dir, t.out_dir);
    }
    ipcb_hseries_set_free(&set);
    return rc;
}

/* ---- regressions --------------------------------------------------------- */

/* Whether a rise of metric is bad news: times and CPU costs, not rates. */
static int higher_is_worse(const char *metric)
{
    return strcmp(metric, "mb_per_s") != 0 && strcmp(metric, "frames_per_s") != 0;
}

/* A value of metric as people read it. */
static void human_value(char *out, size_t n, const char *metric, double v)
{
    size_t len = strlen(metric);
    if (len > 3 && strcmp(metric + len - 3, "_us") == 0)
        ipcb_human_us(out, n, v);
    else if (strcmp(metric, "mb_per_s") == 0)
        ipcb_human_mb_per_s(out, n, v);
    else
        ipcb_human_number(out, n, v);
}

static int parse_fraction(const char *text, const char *flag, double percent_scale, double *out)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (end && *end == '%')
        end++;
    if (!end || end == text || *end || !isfinite(v) || v < 0)
        return cli_usage_error("history regressions: %s needs a positive number, not '%s'",
                               flag, text);
    *out = v * percent_scale;
    return 0;
}

static int cp_options(const history_opts *o, ipcb_cp_options *cp)
{
    ipcb_cp_defaults(cp);
    if (o->min_step && parse_fraction(o->min_step, "--min-step", 0.01, &cp->min_step) != 0)
        return IPCB_EXIT_USAGE;
    if (o->alpha && (parse_fraction(o->alpha, "--alpha", 1, &cp->alpha) != 0 ||
                     cp->alpha <= 0 || cp->alpha >= 1))
        return cli_usage_error("history regressions: --alpha is a probability in (0, 1)");
    if (o->min_runs) {
        char *end = NULL;
        long n = strtol(o->min_runs, &end, 10);
        if (*end || n < 1 || n > 1000)
            return cli_usage_error("history regressions: --min-runs needs a count from 1, "
                                   "not '%s'", o->min_runs);
        cp->min_segment = (size_t)n;
    }
    return 0;
}

/* One step of series s, on one line, and what else changed at that run. */
static void print_step(const ipcb_hseries *s, const ipcb_cp_step *st, int worse)
{
    const ipcb_hpoint *p = &s->points[st->at], *prev = st->at ? &s->points[st->at - 1] : NULL;
    char before[32], after[32], when[32], change[32];
    human_value(before, sizeof before, s->metric, st->before);
    human_value(after, sizeof after, s->metric, st->after);
    time_t t = (time_t)(p->when_us / 1000000);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%d %H:%M", gmtime_r(&t, &tm));
    ipcb_human_percent(change, sizeof change, st->ratio - 1);
    printf("%-8s %s on %s, %s: %s -> %s (%s), from run %.12s (commit %s, %s UTC), "
           "confidence %.1f%%", worse ? "SLOWER" : "faster", s->benchmark, s->hostname,
           s->metric, before, after, change, p->run_id, p->commit, when,
           st->confidence * 100);
    if (prev && strcmp(prev->kernel, p->kernel) != 0)
        printf("; the kernel changed there (%s -> %s)", prev->kernel, p->kernel);
    putchar('\n');
}

/* Steps of one series; counts regressions and improvements. Returns -1 on
 * out of memory. */
static int scan_series(const ipcb_hseries *s, const ipcb_cp_options *cp, size_t *worse,
                       size_t *better)
{
    const double **samples = calloc(s->npoints + 1, sizeof *samples);
    size_t *counts = calloc(s->npoints + 1, sizeof *counts);
    ipcb_cp_step steps[16];
    int n = -1;
    if (samples && counts) {
        for (size_t k = 0; k < s->npoints; k++) {
            samples[k] = s->points[k].values;
            counts[k] = s->points[k].nvalues;
        }
        n = ipcb_changepoints(samples, counts, s->npoints, cp, steps, 16);
    }
    for (int i = 0; i < n && i < 16; i++) {
        int bad = (steps[i].ratio > 1) == higher_is_worse(s->metric);
        print_step(s, &steps[i], bad);
        *(bad ? worse : better) += 1;
    }
    free(samples);
    free(counts);
    return n < 0 ? -1 : 0;
}

/* The fewest runs in which a step can be called at all: with n runs split
 * k | n - k, even a perfect separation has a permutation p of about
 * 2 / C(n, k), so n must make that reach alpha (10 runs for alpha 0.01), and
 * both sides need min_segment runs. */
static size_t runs_to_reach(const ipcb_cp_options *cp)
{
    for (size_t n = 2 * cp->min_segment;; n++) {
        double ways = 1; /* C(n, n / 2) */
        for (size_t k = 1; k <= n / 2; k++)
            ways = ways * (double)(n - n / 2 + k) / (double)k;
        if (2 / ways <= cp->alpha || n > 10000)
            return n;
    }
}

int history_regressions(const history_opts *o)
{
    ipcb_cp_options cp;
    int rc = cp_options(o, &cp);
    if (rc != 0)
        return rc;
    ipcb_hseries_set set;
    if ((rc = load_series(o, &set)) != 0)
        return rc;
    size_t worse = 0, better = 0, tested = 0, least = runs_to_reach(&cp);
    for (size_t i = 0; i < set.n && rc == 0; i++) {
        tested += set.series[i].npoints >= least;
        if (scan_series(&set.series[i], &cp, &worse, &better) != 0) {
            fprintf(stderr, "ipcbench: history regressions: %s: the step test failed\n",
                    set.series[i].benchmark);
            rc = IPCB_EXIT_FAILED;
        }
    }
    printf("%zu series, %zu of them with the %zu runs or more a step needs to reach p <= %g: "
           "%zu regression%s, %zu improvement%s (steps of at least %.0f%%)\n",
           set.n, tested, least, cp.alpha, worse, worse == 1 ? "" : "s", better,
           better == 1 ? "" : "s", cp.min_step * 100);
    ipcb_hseries_set_free(&set);
    return rc != 0 ? rc : worse ? IPCB_EXIT_FAILED : IPCB_EXIT_OK;
}
