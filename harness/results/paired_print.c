/* How a paired comparison is shown: the transports' effects and verdicts
 * first (they decide the gate), then every row with its interval and its
 * Wilcoxon p; the same in a terminal table, Markdown and JSON. */
#include "paired_print.h"
#include "human.h"
#include "reportdoc_escape.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

/* ---- cells ----------------------------------------------------------------- */

static void fmt_ratio(char *out, size_t len, double r)
{
    if (!isfinite(r) || r <= 0)
        snprintf(out, len, IPCB_UNDEFINED);
    else
        snprintf(out, len, "%#.3g", r);
}

static void fmt_interval(char *out, size_t len, const ipcb_ratio_ci *ci)
{
    char lo[32], hi[32];
    fmt_ratio(lo, sizeof lo, ci->lo);
    fmt_ratio(hi, sizeof hi, ci->hi);
    snprintf(out, len, "[%s, %s]", lo, hi);
}

void ipcb_paired_effect(char *out, size_t len, const char *name, const ipcb_ratio_ci *ci)
{
    char r[32], interval[80];
    fmt_ratio(r, sizeof r, ci->ratio);
    fmt_interval(interval, sizeof interval, ci);
    snprintf(out, len, "%s %s× %s %s", name, r, ci->ratio >= 1 ? "slower" : "faster", interval);
}

static void fmt_p(char *out, size_t len, const ipcb_paired_row *row)
{
    if (!isfinite(row->test.p))
        snprintf(out, len, "-");
    else if (row->test.p < 0.001)
        snprintf(out, len, "<0.001");
    else
        snprintf(out, len, "%.3f", row->test.p);
}

/* A verdict as shown: in capitals where it fails the gate. */
static void fmt_verdict(char *out, size_t len, ipcb_paired_verdict v, int fails_gate)
{
    snprintf(out, len, "%s", ipcb_paired_verdict_names[v]);
    if (fails_gate)
        for (char *s = out; *s; s++)
            *s = (char)(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
}

/* A row without pairs shows compare's verdict (new, missing, failed, n/a). */
static const char *row_verdict(const ipcb_paired_row *row, char *buf, size_t len)
{
    if (row->npairs == 0)
        return ipcb_verdict_names[row->cmp->verdict];
    fmt_verdict(buf, len, row->verdict, row->fails_gate);
    return buf;
}

static double percent(double confidence)
{
    return 100 * confidence;
}

/* ---- the decision ------------------------------------------------------------ */

/* The slower transports and rows failing the gate, comma-separated; 0 if none. */
static size_t failing(const ipcb_paired *p, char *out, size_t len)
{
    size_t n = 0, used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < p->ntransports && used < len; k++) {
        const ipcb_paired_transport *t = &p->transports[k];
        if (t->verdict != IPCB_PV_SLOWER)
            continue;
        char effect[160];
        ipcb_paired_effect(effect, sizeof effect, t->name, &t->ci);
        used += (size_t)snprintf(out + used, len - used, "%s%s", n++ ? "; " : "", effect);
    }
    for (size_t i = 0; i < p->nrows && used < len; i++) {
        const ipcb_paired_row *row = &p->rows[i];
        if (!row->fails_gate)
            continue;
        char effect[300];
        ipcb_paired_effect(effect, sizeof effect, row->cmp->name, &row->gate_ci);
        used += (size_t)snprintf(out + used, len - used, "%s%s %s (row, %.4g%% simultaneous)",
                                 n++ ? "; " : "", effect, row->cmp->metric->name,
                                 percent(p->gate_confidence));
    }
    return n;
}

static size_t inconclusive(const ipcb_paired *p, char *out, size_t len)
{
    size_t n = 0, used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < p->ntransports && used < len; k++)
        if (p->transports[k].verdict == IPCB_PV_INCONCLUSIVE)
            used += (size_t)snprintf(out + used, len - used, "%s%s", n++ ? "," : "",
                                     p->transports[k].name);
    return n;
}

static void method_lines(FILE *f, const ipcb_paired *p, const char *prefix)
{
    double t = 1 + p->opts.cmp.threshold;
    fprintf(f, "%sratios B/A of paired repetitions (throughput: A/B), so > 1 is slower; "
            "%zu rows, %zu to %zu pairs each\n", prefix, p->npaired_rows, p->min_pairs,
            p->max_pairs);
    fprintf(f, "%seffect: the median ratio; interval: %g%% confidence, distribution-free "
            "(order statistics of the ratios, as the sign test)\n", prefix,
            percent(p->opts.confidence));
    fprintf(f, "%sa transport (all pairs of its rows) is slower when its interval is above "
            "%#.3g×, faster below %#.3g×, inconclusive when it holds %#.3g×\n", prefix, t, 1 / t, t);
    fprintf(f, "%sa row fails the gate on its own only when its simultaneous interval "
            "(%.4g%%, Bonferroni over %zu rows; needs >= %d pairs) is above %#.3g×; the rows' "
            "%g%% intervals and Wilcoxon signed-rank p are for information\n", prefix,
            percent(p->gate_confidence), p->npaired_rows,
            (int)ceil(log2(2 / (1 - p->gate_confidence))), t, percent(p->opts.confidence));
}

/* A transport's ratio, interval and verdict as both tables show them. */
typedef struct transport_cells {
    char ratio[32], interval[80], verdict[32];
} transport_cells;

static transport_cells cells_of(const ipcb_paired_transport *t)
{
    transport_cells c;
    fmt_ratio(c.ratio, sizeof c.ratio, t->ci.ratio);
    fmt_interval(c.interval, sizeof c.interval, &t->ci);
    fmt_verdict(c.verdict, sizeof c.verdict, t->verdict, t->verdict == IPCB_PV_SLOWER);
    return c;
}

/* ---- terminal ------------------------------------------------------------------ */

static void print_text(FILE *f, const ipcb_paired *p, const char *a_label, const char *b_label)
{
    fprintf(f, "ipcbench compare --paired: A %s, B %s\n", a_label, b_label);
    method_lines(f, p, "  ");
    char interval[80], ratio[32], verdict[32];
    fprintf(f, "\n%-12s %8s  %-16s %6s %5s  %s\n", "TRANSPORT", "B/A", "INTERVAL", "PAIRS",
            "ROWS", "VERDICT");
    for (size_t k = 0; k < p->ntransports; k++) {
        const ipcb_paired_transport *t = &p->transports[k];
        transport_cells c = cells_of(t);
        fprintf(f, "%-12s %7s×  %-16s %6zu %5zu  %s\n", t->name, c.ratio, c.interval, t->npairs,
                t->nrows, c.verdict);
    }
    int wname = 9;
    for (size_t i = 0; i < p->nrows; i++)
        if ((int)strlen(p->rows[i].cmp->name) > wname)
            wname = (int)strlen(p->rows[i].cmp->name);
    fprintf(f, "\n%-*s  %-10s %8s  %-16s %6s %7s  %-12s %s\n", wname, "BENCHMARK", "METRIC",
            "B/A", "INTERVAL", "PAIRS", "P", "VERDICT", "NOTE");
    for (size_t i = 0; i < p->nrows; i++) {
        const ipcb_paired_row *row = &p->rows[i];
        char pv[16];
        fmt_ratio(ratio, sizeof ratio, row->npairs ? row->ci.ratio : NAN);
        fmt_interval(interval, sizeof interval, &row->ci);
        fmt_p(pv, sizeof pv, row);
        fprintf(f, "%-*s  %-10s %7s×  %-16s %6zu %7s  %-12s %s\n", wname, row->cmp->name,
                row->cmp->metric->name, ratio, row->npairs ? interval : "-", row->npairs, pv,
                row_verdict(row, verdict, sizeof verdict), row->npairs ? "" : row->cmp->note);
    }
    char line[2048];
    fputc('\n', f);
    if (failing(p, line, sizeof line))
        fprintf(f, "paired: SLOWER: %s\n", line);
    else
        fprintf(f, "paired: pass: no transport slower than %#.3g× with %g%% confidence\n",
                1 + p->opts.cmp.threshold, percent(p->opts.confidence));
    if (inconclusive(p, line, sizeof line))
        fprintf(f, "paired: inconclusive transports: %s\n", line);
}

/* ---- Markdown --------------------------------------------------------------------- */

static void print_md(FILE *f, const ipcb_paired *p, const char *a_label, const char *b_label)
{
    char line[2048], interval[80], ratio[32], verdict[32];
    int slower = failing(p, line, sizeof line) > 0;
    fprintf(f, "### ipcbench (paired A/B): %s ", slower ? "❌ slower:" : "✅ pass");
    if (slower)
        rd_md_escaped(f, line);
    else
        fprintf(f, "no transport slower than %#.3g×", 1 + p->opts.cmp.threshold);
    fputs("\n\nA ", f);
    rd_md_code(f, a_label);
    fputs(", B ", f);
    rd_md_code(f, b_label);
    fputs(".\n", f);
    method_lines(f, p, "- ");
    fputs("\n| transport | B/A | interval | pairs | rows | verdict |\n"
          "|---|---:|---|---:|---:|---|\n", f);
    for (size_t k = 0; k < p->ntransports; k++) {
        const ipcb_paired_transport *t = &p->transports[k];
        transport_cells c = cells_of(t);
        fputs("| ", f);
        rd_md_code(f, t->name);
        fprintf(f, " | %s× | %s | %zu | %zu | %s%s%s |\n", c.ratio, c.interval, t->npairs, t->nrows,
                t->verdict == IPCB_PV_SLOWER ? "**" : "", c.verdict,
                t->verdict == IPCB_PV_SLOWER ? "**" : "");
    }
    fprintf(f, "\n<details><summary>All %zu rows</summary>\n\n"
            "| benchmark | metric | B/A | interval | pairs | p | verdict |\n"
            "|---|---|---:|---|---:|---:|---|\n", p->nrows);
    for (size_t i = 0; i < p->nrows; i++) {
        const ipcb_paired_row *row = &p->rows[i];
        char pv[16];
        fmt_ratio(ratio, sizeof ratio, row->npairs ? row->ci.ratio : NAN);
        fmt_interval(interval, sizeof interval, &row->ci);
        fmt_p(pv, sizeof pv, row);
        fputs("| ", f);
        rd_md_code(f, row->cmp->name);
        fprintf(f, " | %s | %s× | %s | %zu | %s | ", row->cmp->metric->name, ratio,
                row->npairs ? interval : "-", row->npairs, pv);
        rd_md_escaped(f, row_verdict(row, verdict, sizeof verdict));
        fputs(" |\n", f);
    }
    fputs("\n</details>\n", f);
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *number_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static void put_ci(json_t *o, const char *prefix, const ipcb_ratio_ci *ci)
{
    char key[32];
    snprintf(key, sizeof key, "%slow", prefix);
    json_object_set_new(o, key, number_or_null(ci->lo));
    snprintf(key, sizeof key, "%shigh", prefix);
    json_object_set_new(o, key, number_or_null(ci->hi));
    snprintf(key, sizeof key, "%scoverage", prefix);
    json_object_set_new(o, key, number_or_null(ci->coverage));
}

static json_t *transport_json(const ipcb_paired_transport *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "transport", json_string(t->name));
    json_object_set_new(o, "time_ratio", number_or_null(t->ci.ratio));
    put_ci(o, "", &t->ci);
    json_object_set_new(o, "pairs", json_integer((json_int_t)t->npairs));
    json_object_set_new(o, "rows", json_integer((json_int_t)t->nrows));
    json_object_set_new(o, "verdict", json_string(ipcb_paired_verdict_names[t->verdict]));
    return o;
}

static json_t *row_json(const ipcb_paired_row *row)
{
    json_t *o = json_object(), *d = json_array();
    json_object_set_new(o, "benchmark", json_string(row->cmp->name));
    json_object_set_new(o, "transport", json_string(row->cmp->transport));
    json_object_set_new(o, "metric", json_string(row->cmp->metric->name));
    json_object_set_new(o, "pairs", json_integer((json_int_t)row->npairs));
    json_object_set_new(o, "time_ratio", row->npairs ? number_or_null(row->ci.ratio) : json_null());
    put_ci(o, "", &row->ci);
    put_ci(o, "gate_", &row->gate_ci);
    json_object_set_new(o, "p", number_or_null(row->test.p));
    json_object_set_new(o, "verdict", json_string(row->npairs
        ? ipcb_paired_verdict_names[row->verdict] : ipcb_verdict_names[row->cmp->verdict]));
    json_object_set_new(o, "fails_gate", json_boolean(row->fails_gate));
    for (size_t i = 0; i < row->npairs; i++)
        json_array_append_new(d, json_real(exp(row->d[i])));
    json_object_set_new(o, "pair_ratios", d);
    json_object_set_new(o, "note", json_string(row->npairs ? "" : row->cmp->note));
    return o;
}

static int print_json(FILE *f, const ipcb_paired *p, const char *a_label, const char *b_label)
{
    json_t *root = json_object(), *ts = json_array(), *rows = json_array();
    for (size_t k = 0; k < p->ntransports; k++)
        json_array_append_new(ts, transport_json(&p->transports[k]));
    for (size_t i = 0; i < p->nrows; i++)
        json_array_append_new(rows, row_json(&p->rows[i]));
    json_object_set_new(root, "a", json_string(a_label));
    json_object_set_new(root, "b", json_string(b_label));
    json_object_set_new(root, "threshold", json_real(1 + p->opts.cmp.threshold));
    json_object_set_new(root, "confidence", json_real(p->opts.confidence));
    json_object_set_new(root, "row_gate_confidence", json_real(p->gate_confidence));
    json_object_set_new(root, "regression", json_boolean(p->regression));
    json_object_set_new(root, "transports", ts);
    json_object_set_new(root, "rows", rows);
    int rc = json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    fputc('\n', f);
    json_decref(root);
    return rc == 0 ? 0 : -1;
}

int ipcb_paired_print(FILE *f, const ipcb_paired *p, ipcb_cmp_format fmt, const char *a_label,
                      const char *b_label)
{
    switch (fmt) {
    case IPCB_FMT_MD:
        print_md(f, p, a_label, b_label);
        break;
    case IPCB_FMT_JSON:
        return print_json(f, p, a_label, b_label);
    default:
        print_text(f, p, a_label, b_label);
        break;
    }
    return ferror(f) ? -1 : 0;
}
