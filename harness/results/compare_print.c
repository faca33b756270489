/* How a comparison is shown: a terminal table, Markdown for a pull-request
 * comment (the notable rows first, everything in a collapsed table) and JSON
 * for machines. All three carry the same rows, summary and verdict. */
#include "compare_print.h"
#include "human.h"
#include "reportdoc_escape.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

/* ---- shared pieces -------------------------------------------------------- */

/* Three significant digits; engineering notation beyond plain digits (human.h). */
static void fmt_value(char *buf, size_t n, double v)
{
    double a = fabs(v);
    if (!isfinite(v))
        snprintf(buf, n, "-");
    else if (ipcb_human_needs_eng(v))
        ipcb_human_eng(buf, n, v);
    else
        snprintf(buf, n, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3g", v);
}

/* A ratio with three decimals, engineering notation beyond plain digits. */
static void fmt_ratio(char *buf, size_t n, double ratio)
{
    if (ipcb_human_needs_eng(ratio))
        ipcb_human_eng(buf, n, ratio);
    else
        ipcb_human_fixed(buf, n, ratio, 3);
}

static void fmt_change(char *buf, size_t n, double change)
{
    if (!isfinite(change))
        snprintf(buf, n, "-");
    else
        ipcb_human_percent(buf, n, change);
}

static void fmt_p(char *buf, size_t n, const ipcb_cmp_row *r)
{
    if (r->judged != IPCB_J_UTEST)
        snprintf(buf, n, "-");
    else if (r->test.p < 0.001)
        snprintf(buf, n, "<0.001");
    else
        snprintf(buf, n, "%.3f", r->test.p);
}

static void fmt_metric(char *buf, size_t n, const ipcb_comparison *c, const ipcb_metric *m)
{
    snprintf(buf, n, "%s %s", m->name, c->opts.normalize_memcpy ? "x memcpy" : m->unit);
}

void ipcb_cmp_row_cells(const ipcb_comparison *c, const ipcb_cmp_row *r, ipcb_cmp_cells *out)
{
    fmt_metric(out->metric, sizeof out->metric, c, r->metric);
    fmt_value(out->base, sizeof out->base, r->base);
    fmt_value(out->new_value, sizeof out->new_value, r->new_value);
    fmt_change(out->change, sizeof out->change, r->change);
    fmt_p(out->p, sizeof out->p, r);
    out->verdict = ipcb_verdict_names[r->verdict];
}

static int notable(const ipcb_cmp_row *r)
{
    return r->verdict != IPCB_V_UNCHANGED;
}

void ipcb_comparison_summary(const ipcb_comparison *c, char *out, size_t len)
{
    size_t o = 0;
#define PUT(...) (o += (size_t)snprintf(out + o, o < len ? len - o : 0, __VA_ARGS__))
    PUT("%zu comparisons (%zu benchmarks in common):", c->nrows, c->ncommon);
    for (int v = 0; v < IPCB_NVERDICTS; v++) {
        static const int order[] = { IPCB_V_SLOWER, IPCB_V_FASTER, IPCB_V_UNCHANGED,
                                     IPCB_V_NEW, IPCB_V_MISSING, IPCB_V_FAILED, IPCB_V_NA };
        PUT("%s %zu %s", v ? "," : "", c->count[order[v]], ipcb_verdict_names[order[v]]);
    }
    if (c->ncompared) {
        char ratio[32], pct[32];
        PUT("; geometric mean of time ratios new/base (> 1 is slower):");
        for (size_t k = 0; k < c->opts.nmetrics; k++)
            if (c->per_metric[k].n) {
                fmt_ratio(ratio, sizeof ratio, c->per_metric[k].geomean_ratio);
                PUT(" %s %s,", c->opts.metrics[k]->name, ratio);
            }
        double g = c->geomean_ratio;
        fmt_ratio(ratio, sizeof ratio, g);
        ipcb_human_fixed(pct, sizeof pct, 100 * fabs(g - 1), 1);
        PUT(" all %s (%s%% %s)", ratio, pct, g > 1 ? "slower" : "faster");
    }
#undef PUT
    if (o >= len && len > 0)
        out[len - 1] = '\0';
}

static void verdict_line(const ipcb_comparison *c, char *out, size_t len)
{
    if (c->regression)
        snprintf(out, len, "REGRESSION: %zu slower by more than %g%%%s", c->count[IPCB_V_SLOWER],
                 100 * c->opts.threshold, c->nthreshold_only ? " (by the U test at alpha, or "
                 "by threshold alone where there are too few repetitions)" : " and significant");
    else
        snprintf(out, len, "no regression beyond %g%%", 100 * c->opts.threshold);
}

static void method_line(FILE *f, const ipcb_comparison *c, const char *prefix)
{
    fprintf(f, "%sslower/faster: the median moved by more than %g%% (latency up / throughput "
            "down is slower) and a two-sided Mann-Whitney U test over the repetitions gives "
            "p <= %g\n", prefix, 100 * c->opts.threshold, c->opts.alpha);
    if (c->opts.normalize_memcpy)
        fprintf(f, "%svalues are ratios to memcpy of the same mode and size in the same run\n",
                prefix);
    if (c->opts.holm)
        fprintf(f, "%ssignificance corrected for testing many benchmarks at once (Holm): the "
                "chance of any false verdict is at most %g\n", prefix, c->opts.alpha);
    if (c->nholm_unreachable)
        fprintf(f, "%sWARNING: %zu of %zu tested comparisons can never be significant under "
                "Holm: with so few repetitions their smallest possible p is above alpha/%zu = "
                "%.3g; run more repetitions\n", prefix, c->nholm_unreachable, c->ntested,
                c->ntested, c->opts.alpha / (double)c->ntested);
    if (c->nthreshold_only)
        fprintf(f, "%s%zu comparison%s judged by threshold alone: too few repetitions for the U "
                "test to reach p <= %g (see the notes)\n", prefix, c->nthreshold_only,
                c->nthreshold_only == 1 ? "" : "s", c->opts.alpha);
    if (c->count[IPCB_V_NA])
        fprintf(f, "%s%zu comparison%s n/a: the value is absent on a side (p99 needs 100 frames "
                "per run, p99.9 1000; see the notes); never a regression\n", prefix,
                c->count[IPCB_V_NA], c->count[IPCB_V_NA] == 1 ? "" : "s");
    if (c->nskipped_mode)
        fprintf(f, "%s%zu common benchmark%s of other modes not compared (see --metric)\n", prefix,
                c->nskipped_mode, c->nskipped_mode == 1 ? "" : "s");
}

/* ---- terminal ------------------------------------------------------------- */

static void print_text(FILE *f, const ipcb_comparison *c, const char *base_label,
                       const char *new_label)
{
    int wname = 9;
    for (size_t i = 0; i < c->nrows; i++)
        if ((int)strlen(c->rows[i].name) > wname)
            wname = (int)strlen(c->rows[i].name);
    fprintf(f, "ipcbench compare: baseline %s, new %s\n", base_label, new_label);
    method_line(f, c, "  ");
    fprintf(f, "\n%-*s  %-19s %10s %10s %8s %7s  %-9s  %s\n", wname, "BENCHMARK", "METRIC",
            "BASE", "NEW", "CHANGE", "P", "VERDICT", "NOTE");
    for (size_t i = 0; i < c->nrows; i++) {
        const ipcb_cmp_row *r = &c->rows[i];
        ipcb_cmp_cells k;
        char verdict[16];
        ipcb_cmp_row_cells(c, r, &k);
        snprintf(verdict, sizeof verdict, "%s", k.verdict);
        if (r->verdict == IPCB_V_SLOWER)
            for (char *s = verdict; *s; s++)
                *s = (char)(*s - 'a' + 'A');
        fprintf(f, "%-*s  %-19s %10s %10s %8s %7s  %-9s  %s\n", wname, r->name, k.metric, k.base,
                k.new_value, k.change, k.p, verdict, r->note);
    }
    char line[1024];
    ipcb_comparison_summary(c, line, sizeof line);
    fprintf(f, "\n%s\n", line);
    verdict_line(c, line, sizeof line);
    fprintf(f, "result: %s\n", line);
}

/* ---- Markdown ------------------------------------------------------------- */

/* The benchmarks with verdict v, each once, as code: `a`, `b`; 0 if there are none. */
static size_t md_names(FILE *f, const ipcb_comparison *c, ipcb_verdict v)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        const ipcb_cmp_row *r = &c->rows[i];
        if (r->verdict != v || (i > 0 && c->rows[i - 1].verdict == v
                                && strcmp(c->rows[i - 1].name, r->name) == 0))
            continue;
        fputs(n++ ? ", " : "", f);
        rd_md_code(f, r->name);
    }
    return n;
}

/* Slower, faster and failed rows; new, missing and n/a benchmarks are listed by name. */
static int md_in_notable_table(const ipcb_cmp_row *r)
{
    return notable(r) && r->verdict != IPCB_V_NEW && r->verdict != IPCB_V_MISSING
        && r->verdict != IPCB_V_NA;
}

static void md_table(FILE *f, const ipcb_comparison *c, int only_notable)
{
    fputs("| benchmark | metric | baseline | new | change | p | verdict | note |\n"
          "|---|---|---:|---:|---:|---:|---|---|\n", f);
    for (size_t i = 0; i < c->nrows; i++) {
        const ipcb_cmp_row *r = &c->rows[i];
        if (only_notable && !md_in_notable_table(r))
            continue;
        ipcb_cmp_cells k;
        ipcb_cmp_row_cells(c, r, &k);
        const char *em = r->verdict == IPCB_V_SLOWER ? "**" : "";
        fputs("| ", f);
        rd_md_code(f, r->name);
        fprintf(f, " | %s | %s | %s | %s | %s | %s%s%s | ", k.metric, k.base, k.new_value,
                k.change, k.p, em, k.verdict, em);
        rd_md_escaped(f, r->note);
        fputs(" |\n", f);
    }
}

static void print_md(FILE *f, const ipcb_comparison *c, const char *base_label,
                     const char *new_label)
{
    char line[1024];
    verdict_line(c, line, sizeof line);
    fprintf(f, "### ipcbench: %s %s\n\n", c->regression ? "❌" : "✅", line);
    ipcb_comparison_summary(c, line, sizeof line);
    rd_md_escaped(f, line);
    fputs("\n\n", f);
    fputs("Baseline ", f);
    rd_md_code(f, base_label);
    fputs(", new ", f);
    rd_md_code(f, new_label);
    fputs(".\n", f);
    method_line(f, c, "- ");
    fputc('\n', f);
    size_t n = 0;
    for (size_t i = 0; i < c->nrows; i++)
        n += md_in_notable_table(&c->rows[i]) != 0;
    if (n) {
        md_table(f, c, 1);
        fputc('\n', f);
    } else {
        fputs("No benchmark is slower, faster or failed.\n\n", f);
    }
    static const struct { ipcb_verdict v; const char *label; } listed[] = {
        { IPCB_V_NEW, "**New** (only in the new results): " },
        { IPCB_V_MISSING, "**Missing** (only in the baseline): " },
        { IPCB_V_NA, "**Not comparable** (n/a: a value absent on a side): " },
    };
    for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++) {
        if (!c->count[listed[i].v])
            continue;
        fputs(listed[i].label, f);
        md_names(f, c, listed[i].v);
        fputs("\n\n", f);
    }
    fprintf(f, "<details><summary>All %zu comparisons</summary>\n\n", c->nrows);
    md_table(f, c, 0);
    fputs("\n</details>\n", f);
}

/* ---- JSON ----------------------------------------------------------------- */

static json_t *number_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *row_json(const ipcb_comparison *c, const ipcb_cmp_row *r)
{
    static const char *const judged[] = { "none", "u-test", "threshold-only" };
    json_t *o = json_object();
    json_object_set_new(o, "benchmark", json_string(r->name));
    json_object_set_new(o, "metric", json_string(r->metric->name));
    json_object_set_new(o, "counter", json_string(ipcb_counter_names[r->metric->counter]));
    json_object_set_new(o, "mode", json_string(r->metric->mode));
    json_object_set_new(o, "unit", json_string(c->opts.normalize_memcpy ? "x memcpy" : r->metric->unit));
    json_object_set_new(o, "higher_is_better", json_boolean(r->metric->higher_better));
    json_object_set_new(o, "base", number_or_null(r->base));
    json_object_set_new(o, "new", number_or_null(r->new_value));
    json_object_set_new(o, "change", number_or_null(r->change));
    json_object_set_new(o, "time_ratio", number_or_null(r->ratio));
    json_object_set_new(o, "base_repetitions", json_integer((json_int_t)r->nbase));
    json_object_set_new(o, "new_repetitions", json_integer((json_int_t)r->nnew));
    json_object_set_new(o, "judged_by", json_string(judged[r->judged]));
    json_object_set_new(o, "u", r->judged != IPCB_J_NONE ? number_or_null(r->test.u) : json_null());
    json_object_set_new(o, "p", r->judged == IPCB_J_UTEST ? number_or_null(r->test.p) : json_null());
    json_object_set_new(o, "p_min", r->judged != IPCB_J_NONE ? number_or_null(r->test.p_min) : json_null());
    json_object_set_new(o, "exact", json_boolean(r->test.exact));
    json_object_set_new(o, "significant", json_boolean(r->significant));
    json_object_set_new(o, "verdict", json_string(ipcb_verdict_names[r->verdict]));
    json_object_set_new(o, "note", json_string(r->note));
    return o;
}

static int print_json(FILE *f, const ipcb_comparison *c, const char *base_label,
                      const char *new_label)
{
    json_t *root = json_object(), *rows = json_array(), *counts = json_object(),
           *geo = json_object(), *metrics = json_array();
    for (size_t k = 0; k < c->opts.nmetrics; k++) {
        json_array_append_new(metrics, json_string(c->opts.metrics[k]->name));
        if (c->per_metric[k].n)
            json_object_set_new(geo, c->opts.metrics[k]->name,
                                number_or_null(c->per_metric[k].geomean_ratio));
    }
    json_object_set_new(geo, "all", number_or_null(c->geomean_ratio));
    for (int v = 0; v < IPCB_NVERDICTS; v++)
        json_object_set_new(counts, ipcb_verdict_names[v], json_integer((json_int_t)c->count[v]));
    for (size_t i = 0; i < c->nrows; i++)
        json_array_append_new(rows, row_json(c, &c->rows[i]));
    char line[1024];
    ipcb_comparison_summary(c, line, sizeof line);
    json_object_set_new(root, "base", json_string(base_label));
    json_object_set_new(root, "new", json_string(new_label));
    json_object_set_new(root, "threshold", json_real(c->opts.threshold));
    json_object_set_new(root, "alpha", json_real(c->opts.alpha));
    json_object_set_new(root, "normalize", c->opts.normalize_memcpy ? json_string("memcpy") : json_null());
    json_object_set_new(root, "correction", c->opts.holm ? json_string("holm") : json_null());
    json_object_set_new(root, "metrics", metrics);
    json_object_set_new(root, "regression", json_boolean(c->regression));
    json_object_set_new(root, "common_benchmarks", json_integer((json_int_t)c->ncommon));
    json_object_set_new(root, "threshold_only", json_integer((json_int_t)c->nthreshold_only));
    json_object_set_new(root, "holm_unreachable", json_integer((json_int_t)c->nholm_unreachable));
    json_object_set_new(root, "counts", counts);
    json_object_set_new(root, "geomean_time_ratio", geo);
    json_object_set_new(root, "summary", json_string(line));
    json_object_set_new(root, "rows", rows);
    int rc = json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    fputc('\n', f);
    json_decref(root);
    return rc == 0 ? 0 : -1;
}

int ipcb_comparison_print(FILE *f, const ipcb_comparison *c, ipcb_cmp_format fmt,
                          const char *base_label, const char *new_label)
{
    switch (fmt) {
    case IPCB_FMT_MD:
        print_md(f, c, base_label, new_label);
        break;
    case IPCB_FMT_JSON:
        return print_json(f, c, base_label, new_label);
    default:
        print_text(f, c, base_label, new_label);
    }
    return ferror(f) ? -1 : 0;
}
