/* Bencher Metric Format: an object with one member per benchmark, each an
 * object of measures {"value", "lower_value", "upper_value"}. Measures and
 * their bounds are listed in README.md ("Exporting to trackers"). */
#include "export.h"
#include "export_figures.h"

#include <math.h>

/* A measure whose bounds are the lowest and highest value over repetitions. */
typedef struct spread_measure {
    const char       *slug;
    enum ipcb_counter counter;
    double            scale;     /* from the counter's unit to the measure's */
    int               is_rate;   /* left out where the mode has no rate of its own */
} spread_measure;

static const spread_measure spread_measures[] = {
    { "latency-p90", IPCB_C_P90_US, 1e3, 0 },          /* ns */
    { "throughput", IPCB_C_FRAMES_PER_S, 1, 1 },       /* Bencher's built-in: operations/s */
    { "throughput-mb-s", IPCB_C_MB_PER_S, 1, 1 },      /* MB/s, MB = 10^6 bytes */
    { "cpu-cost", IPCB_C_CPU_PER_GIB_S, 1, 0 },        /* CPU seconds per GiB moved */
};

/* Sets key to v when v is a finite number (BMF has no NaN). Returns 0, or -1
 * when out of memory. */
static int set_finite(json_t *metric, const char *key, double v)
{
    if (!isfinite(v))
        return 0;
    return json_object_set_new(metric, key, json_real(v));
}

/* {"value": value, "lower_value": lower, "upper_value": upper}, the bounds
 * only where finite; NULL when out of memory. */
static json_t *metric_of(double value, double lower, double upper)
{
    json_t *m = json_object();
    if (!m || set_finite(m, "value", value) != 0 || set_finite(m, "lower_value", lower) != 0
        || set_finite(m, "upper_value", upper) != 0) {
        json_decref(m);
        return NULL;
    }
    return m;
}

static int add_measure(json_t *bench, const char *slug, json_t *metric, ipcb_export_stats *st)
{
    if (json_object_set_new(bench, slug, metric) != 0)
        return -1;
    st->entries++;
    return 0;
}

/* "latency" in ns, Bencher's built-in unit: the median p50 as value, the
 * fastest repetition's p50 as lower_value, the median p99 as upper_value
 * (where the runs measured enough frames for a p99). */
static int add_latency(json_t *bench, const ipcb_result *r, ipcb_export_stats *st)
{
    ipcb_export_figure p50, p99;
    if (!ipcb_export_figure_of(r, IPCB_C_P50_US, 1e3, &p50))
        return 0;
    double upper = ipcb_export_figure_of(r, IPCB_C_P99_US, 1e3, &p99) ? p99.value : NAN;
    return add_measure(bench, "latency", metric_of(p50.value, p50.lowest, upper), st);
}

static int add_spread(json_t *bench, const ipcb_result *r, const spread_measure *m,
                      ipcb_export_stats *st)
{
    ipcb_export_figure fig;
    if ((m->is_rate && !ipcb_export_measures_rate(r))
        || !ipcb_export_figure_of(r, m->counter, m->scale, &fig))
        return 0;
    return add_measure(bench, m->slug, metric_of(fig.value, fig.lowest, fig.highest), st);
}

static int add_benchmark(json_t *root, const ipcb_result *r, ipcb_export_stats *st)
{
    json_t *bench = json_object();
    if (!bench || add_latency(bench, r, st) != 0) {
        json_decref(bench);
        return -1;
    }
    for (size_t i = 0; i < sizeof spread_measures / sizeof spread_measures[0]; i++) {
        if (add_spread(bench, r, &spread_measures[i], st) != 0) {
            json_decref(bench);
            return -1;
        }
    }
    if (json_object_size(bench) == 0) {
        json_decref(bench);
        return 0;
    }
    st->exported++;
    return json_object_set_new(root, r->name, bench);
}

json_t *ipcb_export_bencher_json(const ipcb_resultset *rs, ipcb_export_stats *st)
{
    json_t *root = json_object();
    for (size_t i = 0; root && i < rs->nresults; i++) {
        const ipcb_result *r = &rs->results[i];
        if (ipcb_export_takes(r, st) && add_benchmark(root, r, st) != 0) {
            json_decref(root);
            root = NULL;
        }
    }
    return root;
}
