/* github-action-benchmark's custom formats: a JSON array of {"name", "unit",
 * "value", "range", "extra"}, one entry per benchmark and figure, as
 * customSmallerIsBetter (latency, CPU cost) or customBiggerIsBetter (rates). */
#include "export.h"
#include "export_figures.h"
#include "human.h"

#include <math.h>
#include <stdio.h>

/* A figure that becomes one entry (one chart) per benchmark. */
typedef struct github_series {
    const char       *suffix;    /* the entry's name is "<benchmark> <suffix>" */
    const char       *unit;
    enum ipcb_counter counter;
    int               bigger;    /* customBiggerIsBetter, else customSmallerIsBetter */
    int               is_rate;   /* left out where the mode has no rate of its own */
} github_series;

static const github_series all_series[] = {
    { "p50", "us", IPCB_C_P50_US, 0, 0 },
    { "p99", "us", IPCB_C_P99_US, 0, 0 },
    { "CPU", "s/GiB", IPCB_C_CPU_PER_GIB_S, 0, 0 },
    { "MB/s", "MB/s", IPCB_C_MB_PER_S, 1, 1 },
    { "frames/s", "frames/s", IPCB_C_FRAMES_PER_S, 1, 1 },
};

/* "± H", H half the spread between the lowest and highest repetition. */
static void range_text(char *out, size_t n, const ipcb_export_figure *fig)
{
    char half[32];
    ipcb_human_number(half, sizeof half, (fig->highest - fig->lowest) / 2);
    snprintf(out, n, "± %s", half);
}

/* What the figure rests on ("median of 3 repetitions, 600 frames"), and for
 * p50 the p90 that has no entry of its own. */
static void extra_text(char *out, size_t n, const ipcb_result *r, const github_series *s)
{
    int len;
    if (r->nruns > 1)
        len = snprintf(out, n, "median of %zu repetitions", r->nruns);
    else
        len = snprintf(out, n, "%zu repetition", r->nruns);
    if (r->samples > 0 && len >= 0 && (size_t)len < n)
        len += snprintf(out + len, n - (size_t)len, ", %llu frames",
                        (unsigned long long)r->samples);
    double p90 = r->summary.counter[IPCB_C_P90_US];
    if (s->counter == IPCB_C_P50_US && isfinite(p90) && len >= 0 && (size_t)len < n) {
        char text[32];
        ipcb_human_us(text, sizeof text, p90);
        snprintf(out + len, n - (size_t)len, "; p90 %s", text);
    }
}

/* Appends r's entry for series s to arr, if r has that figure. Returns 0, or
 * -1 when out of memory. */
static int add_entry(json_t *arr, const ipcb_result *r, const github_series *s,
                     ipcb_export_stats *st)
{
    ipcb_export_figure fig;
    if ((s->is_rate && !ipcb_export_measures_rate(r))
        || !ipcb_export_figure_of(r, s->counter, 1, &fig))
        return 0;
    char name[sizeof r->name + 32], extra[160], range[48];
    snprintf(name, sizeof name, "%s %s", r->name, s->suffix);
    extra_text(extra, sizeof extra, r, s);
    range_text(range, sizeof range, &fig);
    json_t *e = json_pack("{s:s, s:s, s:f}", "name", name, "unit", s->unit, "value", fig.value);
    if (e && ((fig.runs >= 2 && json_object_set_new(e, "range", json_string(range)) != 0)
              || json_object_set_new(e, "extra", json_string(extra)) != 0)) {
        json_decref(e);
        e = NULL;
    }
    if (json_array_append_new(arr, e) != 0)
        return -1;
    st->entries++;
    return 0;
}

json_t *ipcb_export_github_json(const ipcb_resultset *rs, int bigger, ipcb_export_stats *st)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < rs->nresults; i++) {
        const ipcb_result *r = &rs->results[i];
        if (!ipcb_export_takes(r, st))
            continue;
        size_t before = st->entries;
        for (size_t k = 0; k < sizeof all_series / sizeof all_series[0]; k++) {
            if (all_series[k].bigger == bigger && add_entry(arr, r, &all_series[k], st) != 0) {
                json_decref(arr);
                return NULL;
            }
        }
        st->exported += st->entries > before;
    }
    return arr;
}
