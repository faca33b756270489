/* The trend chart: the series written as gnuplot data blocks (one per
 * benchmark and host, each point a run's median with the range of its
 * repetitions), the panels and hosts passed as words, trend.gp run once per format. */
#include "history_trend.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gnuplot_run.h"
#include "median.h"
#include "textfile.h"

/* Hosts in the order they first appear: their ordinal picks a colour. */
typedef struct host_list {
    const ipcb_hseries *first[64];   /* a series of each host, for its id and name */
    size_t n;
} host_list;

static size_t host_index(host_list *h, const ipcb_hseries *s)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->first[i]->host_id, s->host_id) == 0)
            return i;
    if (h->n < sizeof h->first / sizeof h->first[0])
        h->first[h->n++] = s;
    return h->n - 1;
}

/* Commits in the order of their first run: a commit's x with --by commit. */
typedef struct commit_order {
    const ipcb_hpoint **points;   /* every point, sorted by time */
    size_t n;
} commit_order;

static int by_time(const void *a, const void *b)
{
    const ipcb_hpoint *x = *(const ipcb_hpoint *const *)a, *y = *(const ipcb_hpoint *const *)b;
    return x->when_us < y->when_us ? -1 : x->when_us > y->when_us ? 1 : strcmp(x->run_id, y->run_id);
}

static int commit_order_make(commit_order *c, const ipcb_hseries_set *set)
{
    size_t total = 0;
    for (size_t i = 0; i < set->n; i++)
        total += set->series[i].npoints;
    c->points = malloc((total + 1) * sizeof *c->points);
    if (!c->points)
        return -1;
    c->n = 0;
    for (size_t i = 0; i < set->n; i++)
        for (size_t k = 0; k < set->series[i].npoints; k++)
            c->points[c->n++] = &set->series[i].points[k];
    qsort(c->points, c->n, sizeof *c->points, by_time);
    return 0;
}

/* 1-based ordinal of commit among the distinct commits, by first run. */
static size_t commit_ordinal(const commit_order *c, const char *commit)
{
    size_t ordinal = 0;
    for (size_t i = 0; i < c->n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(c->points[j]->commit, c->points[i]->commit) == 0;
        if (!seen)
            ordinal++;
        if (strcmp(c->points[i]->commit, commit) == 0)
            return ordinal;
    }
    return 0;
}

/* The set's blocks: "x median min max" per point. */
static int write_data(const char *path, const ipcb_hseries_set *set, const commit_order *c,
                      int by_commit)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (size_t i = 0; i < set->n; i++) {
        const ipcb_hseries *s = &set->series[i];
        fprintf(f, "%s# %s on %s\n", i ? "\n\n" : "", s->benchmark, s->hostname);
        for (size_t k = 0; k < s->npoints; k++) {
            const ipcb_hpoint *p = &s->points[k];
            double *v = malloc((p->nvalues + 1) * sizeof *v);
            if (!v)
                break;
            memcpy(v, p->values, p->nvalues * sizeof *v);
            double mid = ipcb_median(v, p->nvalues); /* sorts v */
            if (by_commit)
                fprintf(f, "%zu", commit_ordinal(c, p->commit));
            else
                fprintf(f, "%.6f", p->when_us / 1e6);
            fprintf(f, " %.9g %.9g %.9g\n", mid, v[0], v[p->nvalues ? p->nvalues - 1 : 0]);
            free(v);
        }
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* The largest run median in series s (0 if none). */
static double series_max(const ipcb_hseries *s)
{
    double most = 0;
    for (size_t k = 0; k < s->npoints; k++) {
        double *v = malloc((s->points[k].nvalues + 1) * sizeof *v);
        if (!v)
            continue;
        memcpy(v, s->points[k].values, s->points[k].nvalues * sizeof *v);
        double mid = ipcb_median(v, s->points[k].nvalues);
        if (mid > most)
            most = mid;
        free(v);
    }
    return most;
}

/* The unit a panel of metric draws in, for values up to most, and the factor
 * from the stored unit (µs or MB/s) to it: gnuplot's own prefixes would
 * write "us" for µs. */
static void display_unit(const char *metric, double most, const char **unit, double *scale)
{
    static const char *const times[] = { "ns", "µs", "ms", "s" };
    static const char *const rates[] = { "kB/s", "MB/s", "GB/s", "TB/s" };
    size_t n = strlen(metric);
    const char *const *names = n > 3 && strcmp(metric + n - 3, "_us") == 0 ? times
                               : strcmp(metric, "mb_per_s") == 0 ? rates : NULL;
    *unit = "-";
    *scale = 1;
    if (!names)
        return;
    int step = most < 1 ? 0 : most < 1e3 ? 1 : most < 1e6 ? 2 : 3;
    *unit = names[step];
    *scale = step == 0 ? 1e3 : step == 1 ? 1 : step == 2 ? 1e-3 : 1e-6;
}

/* The -e assignments: panels, their blocks and units, hosts, the x axis. */
static void put_vars(FILE *f, const ipcb_hseries_set *set, const commit_order *c, int by_commit)
{
    host_list hosts = { .n = 0 };
    const char *panels[IPCB_TREND_MAX_PANELS], *metrics[IPCB_TREND_MAX_PANELS];
    const char *units[IPCB_TREND_MAX_PANELS];
    double most[IPCB_TREND_MAX_PANELS] = { 0 };
    char first[IPCB_TREND_MAX_PANELS * 8] = "", last[IPCB_TREND_MAX_PANELS * 8] = "";
    char *block_host = calloc(set->n + 1, 8);
    size_t np = 0;
    for (size_t i = 0; i < set->n; i++) {
        const ipcb_hseries *s = &set->series[i];
        if (np == 0 || strcmp(panels[np - 1], s->benchmark) != 0) {
            panels[np] = s->benchmark;
            metrics[np] = s->metric;
            snprintf(first + strlen(first), sizeof first - strlen(first), "%s%zu",
                     np ? " " : "", i);
            np++;
        }
        double m = series_max(s);
        if (m > most[np - 1])
            most[np - 1] = m;
        if (i + 1 == set->n || strcmp(set->series[i + 1].benchmark, s->benchmark) != 0)
            snprintf(last + strlen(last), sizeof last - strlen(last), "%s%zu",
                     np > 1 ? " " : "", i);
        if (block_host)
            sprintf(block_host + strlen(block_host), "%s%zu", i ? " " : "",
                    host_index(&hosts, s) + 1);
    }
    ipcb_gp_put_words(f, "panels", panels, np);
    ipcb_gp_put_words(f, "metrics", metrics, np);
    char scales[IPCB_TREND_MAX_PANELS * 16] = "";
    for (size_t p = 0; p < np; p++) {
        double scale;
        display_unit(metrics[p], most[p], &units[p], &scale);
        snprintf(scales + strlen(scales), sizeof scales - strlen(scales), "%s%g", p ? " " : "",
                 scale);
    }
    ipcb_gp_put_words(f, "units", units, np);
    ipcb_gp_put_string(f, "scales", scales);
    ipcb_gp_put_string(f, "panel_first", first);
    ipcb_gp_put_string(f, "panel_last", last);
    ipcb_gp_put_string(f, "block_host", block_host ? block_host : "");
    free(block_host);
    const char *names[64];
    char labels[64][300];
    for (size_t h = 0; h < hosts.n; h++) {
        int shared = 0;
        for (size_t j = 0; j < hosts.n; j++)
            shared |= j != h && strcmp(hosts.first[j]->hostname, hosts.first[h]->hostname) == 0;
        snprintf(labels[h], sizeof labels[h], shared ? "%s (%.6s)" : "%s",
                 hosts.first[h]->hostname, hosts.first[h]->host_id);
        names[h] = labels[h];
    }
    ipcb_gp_put_words(f, "hosts", names, hosts.n);
    ipcb_gp_put_string(f, "by", by_commit ? "commit" : "time");
    if (!by_commit) {
        fprintf(f, "t_lo=%.6f; t_hi=%.6f; ", c->n ? c->points[0]->when_us / 1e6 : 0.0,
                c->n ? c->points[c->n - 1]->when_us / 1e6 : 0.0);
        return;
    }
    fputs("commit_tics='(", f);
    size_t ordinal = 0;
    for (size_t i = 0; i < c->n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(c->points[j]->commit, c->points[i]->commit) == 0;
        if (seen)
            continue;
        fprintf(f, "%s\"%.12s\" %zu", ordinal ? ", " : "", c->points[i]->commit, ordinal + 1);
        ordinal++;
    }
    fputs(")'; ", f);
}

static size_t count_panels(const ipcb_hseries_set *set)
{
    size_t n = 0;
    for (size_t i = 0; i < set->n; i++)
        n += i == 0 || strcmp(set->series[i - 1].benchmark, set->series[i].benchmark) != 0;
    return n;
}

int ipcb_history_trend(const ipcb_hseries_set *set, const ipcb_trend_opts *o, char *err,
                       size_t errlen)
{
    size_t panels = count_panels(set);
    if (panels == 0) {
        ipcb_set_err(err, errlen, "no series to draw (no run in the history matches)");
        return -1;
    }
    if (panels > IPCB_TREND_MAX_PANELS) {
        ipcb_set_err(err, errlen, "%zu benchmarks match; a chart has at most %d panels: "
                                  "choose fewer with --filter REGEX", panels,
                     IPCB_TREND_MAX_PANELS);
        return -1;
    }
    ipcb_gnuplot g;
    if (ipcb_gnuplot_find(&g, o->scripts_dir, err, errlen) != 0)
        return -1;
    if (mkdir(o->out_dir, 0755) != 0 && errno != EEXIST) {
        ipcb_set_err(err, errlen, "%s: cannot make the folder", o->out_dir);
        return -1;
    }
    commit_order c;
    if (commit_order_make(&c, set) != 0) {
        ipcb_set_err(err, errlen, "out of memory");
        return -1;
    }
    char data[PATH_MAX];
    snprintf(data, sizeof data, "%s/trend.dat", o->out_dir);
    int rc = -1;
    char *vars = NULL;
    size_t len = 0;
    FILE *f = NULL;
    if (write_data(data, set, &c, o->by_commit) != 0)
        ipcb_set_err(err, errlen, "%s: cannot write", data);
    else if (ipcb_gnuplot_start(&g, o->out_dir, 1) == 0 && (f = open_memstream(&vars, &len))) {
        ipcb_gp_put_string(f, "data", data);
        put_vars(f, set, &c, o->by_commit);
        fclose(f);
        rc = ipcb_gnuplot_render(&g, "trend", "trend", vars);
    }
    if (rc != 0 && g.err && !err[0])
        ipcb_set_err(err, errlen, "gnuplot failed (see %s/plots/gnuplot.log)", o->out_dir);
    ipcb_gnuplot_stop(&g);
    free(vars);
    free(c.points);
    return rc;
}
