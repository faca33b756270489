/* The plots with the gnuplot scripts: throughput and latency (p50, p99) by
 * frame size and fan-out latency by subscribers from results.csv, latency
 * CDFs per frame size from the histograms, and overlays of several runs.
 * Every series is styled by its transport's family (family.h). */
#include "plots.h"
#include "csv.h"
#include "family.h"
#include "gnuplot_run.h"
#include "resultset.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the lines of a plot ------------------------------------------------- */

/* The style of each transport of a set: its family and its variant there. */
typedef struct transport_styles {
    const char **names;
    int         *variants;
    size_t       n;
} transport_styles;

/* The lines of one plot; each array has room for every line. */
typedef struct plot_lines {
    const char **transports;  /* line i's transport */
    const char **second;      /* fan-out: its size; overlays: its run's csv; CDF: its file */
    const char **labels;      /* overlays: its run's label */
    char       **owned;       /* CDF: the file names, freed with the lines */
    ipcb_style  *styles;
    size_t       n, room;
} plot_lines;

static int lines_alloc(plot_lines *pl, size_t room)
{
    memset(pl, 0, sizeof *pl);
    pl->room = room + 1;
    pl->transports = calloc(pl->room, sizeof *pl->transports);
    pl->second = calloc(pl->room, sizeof *pl->second);
    pl->labels = calloc(pl->room, sizeof *pl->labels);
    pl->owned = calloc(pl->room, sizeof *pl->owned);
    pl->styles = calloc(pl->room, sizeof *pl->styles);
    return pl->transports && pl->second && pl->labels && pl->owned && pl->styles ? 0 : -1;
}

static void lines_clear(plot_lines *pl)
{
    for (size_t i = 0; i < pl->room && pl->owned; i++) {
        free(pl->owned[i]);
        pl->owned[i] = NULL;
    }
    pl->n = 0;
}

static void lines_free(plot_lines *pl)
{
    lines_clear(pl);
    free(pl->transports);
    free(pl->second);
    free(pl->labels);
    free(pl->owned);
    free(pl->styles);
}

/* Add a line: transport's colour and point, with the dash of its variant
 * (line < 0) or of line (a size or a run). */
static void lines_add(plot_lines *pl, const transport_styles *ts, const char *transport,
                      const char *second, const char *label, int line)
{
    int variant = 0;
    for (size_t k = 0; k < ts->n; k++)
        if (strcmp(ts->names[k], transport) == 0)
            variant = ts->variants[k];
    ipcb_family f = ipcb_transport_family(transport);
    size_t i = pl->n++;
    pl->transports[i] = transport;
    pl->second[i] = second;
    pl->labels[i] = label;
    pl->styles[i] = line < 0 ? ipcb_transport_style(f, variant)
                             : ipcb_transport_line_style(f, variant, line);
}

static int styles_alloc(transport_styles *ts, size_t room)
{
    ts->names = calloc(room + 1, sizeof *ts->names);
    ts->variants = calloc(room + 1, sizeof *ts->variants);
    ts->n = 0;
    return ts->names && ts->variants ? 0 : -1;
}

/* Give each transport its variant, and order them by family and variant so
 * a plot's key lists each family's transports together. */
static void styles_assign(transport_styles *ts)
{
    ipcb_transport_variants(ts->names, ts->n, ts->variants);
    for (size_t i = 1; i < ts->n; i++) {
        const char *name = ts->names[i];
        int variant = ts->variants[i];
        ipcb_family f = ipcb_transport_family(name);
        size_t j = i;
        for (; j > 0; j--) {
            ipcb_family g = ipcb_transport_family(ts->names[j - 1]);
            if (g < f || (g == f && ts->variants[j - 1] <= variant))
                break;
            ts->names[j] = ts->names[j - 1];
            ts->variants[j] = ts->variants[j - 1];
        }
        ts->names[j] = name;
        ts->variants[j] = variant;
    }
}

static void styles_free(transport_styles *ts)
{
    free(ts->names);
    free(ts->variants);
}

/* Does transport have a successful result in mode (at size, or any size if
 * size is NULL) with a positive counter c? */
static int has_value(const ipcb_resultset *rs, const char *transport, const char *mode,
                     const char *size, enum ipcb_counter c)
{
    for (size_t i = 0; i < rs->nresults; i++) {
        const ipcb_result *r = &rs->results[i];
        if (!r->failed && r->summary.counter[c] > 0 && strcmp(r->transport, transport) == 0
            && strcmp(r->mode, mode) == 0 && (!size || strcmp(r->size, size) == 0))
            return 1;
    }
    return 0;
}

int ipcb_plots_can_draw(const ipcb_resultset *rs, const char *mode, enum ipcb_counter c)
{
    for (size_t i = 0; i < rs->nresults; i++) {
        const ipcb_result *r = &rs->results[i];
        if (r->transport[0] && !r->failed && r->summary.counter[c] > 0
            && strcmp(r->mode, mode) == 0)
            return 1;
    }
    return 0;
}

const char *ipcb_plots_why_none(const char *dir, int have_data)
{
    char log[PATH_MAX];
    if (!have_data)
        return "No plots: no result has a figure to plot (the plots show the latency, "
               "throughput and fan-out results that succeeded; here each failed, was skipped "
               "or is missing).";
    if (!ipcb_gnuplot_installed())
        return "No plots: gnuplot is not installed. Install it (`gnuplot-nox`) and run "
               "`ipcbench report` again.";
    snprintf(log, sizeof log, "%s/plots/gnuplot.log", dir);
    if (access(log, F_OK) != 0)
        return "No plots yet: `ipcbench run` and `ipcbench report` render them.";
    return "No plots: gnuplot is installed and there are results to plot, but it drew "
           "none (`plots/gnuplot.log` says why).";
}

/* ---- rendering ----------------------------------------------------------- */

/* Render plots/NAME from SCRIPT with the lines and the assignments in head
 * (a memstream, closed here). Nothing is rendered without lines. */
static int render_lines(const ipcb_gnuplot *g, FILE *head, char **text, const char *script,
                        const char *name, plot_lines *pl)
{
    ipcb_styles_make_distinct(pl->styles, pl->n);
    ipcb_gp_put_styles(head, pl->styles, pl->n);
    if (fclose(head) != 0) {
        snprintf(g->err, g->errlen, "out of memory");
        return -1;
    }
    int rc = pl->n > 0 ? ipcb_gnuplot_render(g, script, name, *text) : 0;
    free(*text);
    *text = NULL;
    return rc;
}

static FILE *open_vars(const ipcb_gnuplot *g, char **text, size_t *len)
{
    *text = NULL;
    FILE *f = open_memstream(text, len);
    if (!f)
        snprintf(g->err, g->errlen, "out of memory");
    return f;
}

/* ---- the plots of one results directory ---------------------------------- */

typedef struct dir_plots {
    const ipcb_gnuplot   *g;
    const ipcb_resultset *rs;
    transport_styles      ts;     /* every transport with results, by family */
    plot_lines            lines;
    const ipcb_result   **rows;   /* scratch, room for rs->nresults */
    const char          **sizes;  /* scratch, room for rs->nresults */
} dir_plots;

/* The plots of one counter against frame size, a line per transport. */
static const struct by_size_plot {
    const char       *name, *script, *mode;
    const char       *percentile;   /* latency.gp's: p50 or p99 */
    enum ipcb_counter counter;      /* a line is plotted if it has this > 0 */
} by_size_plots[] = {
    { "throughput",  "throughput", "throughput", NULL,  IPCB_C_MB_PER_S },
    { "latency",     "latency",    "latency",    "p50", IPCB_C_P50_US },
    { "latency-p99", "latency",    "latency",    "p99", IPCB_C_P99_US },
};

static int render_by_size(dir_plots *dp, const struct by_size_plot *p)
{
    char *text;
    size_t len;
    FILE *f = open_vars(dp->g, &text, &len);
    if (!f)
        return -1;
    lines_clear(&dp->lines);
    for (size_t k = 0; k < dp->ts.n; k++)
        if (has_value(dp->rs, dp->ts.names[k], p->mode, NULL, p->counter))
            lines_add(&dp->lines, &dp->ts, dp->ts.names[k], NULL, NULL, -1);
    ipcb_gp_put_string(f, "csv", "results.csv");
    if (p->percentile)
        ipcb_gp_put_string(f, "percentile", p->percentile);
    ipcb_gp_put_words(f, "transports", dp->lines.transports, dp->lines.n);
    return render_lines(dp->g, f, &text, p->script, p->name, &dp->lines);
}

/* Fan-out: a line per transport and size with data, transports in their
 * order, sizes by bytes; a size's dash is its position among the sizes. */
static int render_fanout(dir_plots *dp)
{
    const char *mode = "fanout";
    size_t nrows = ipcb_resultset_rows(dp->rs, mode, dp->rows), ns = 0;
    for (size_t i = 0; i < nrows; i++)  /* the rows of one size are adjacent */
        if (ns == 0 || strcmp(dp->rows[i]->size, dp->sizes[ns - 1]) != 0)
            dp->sizes[ns++] = dp->rows[i]->size;
    char *text;
    size_t len;
    FILE *f = open_vars(dp->g, &text, &len);
    if (!f)
        return -1;
    lines_clear(&dp->lines);
    for (size_t k = 0; k < dp->ts.n; k++)
        for (size_t j = 0; j < ns; j++)
            if (has_value(dp->rs, dp->ts.names[k], mode, dp->sizes[j], IPCB_C_P50_US))
                lines_add(&dp->lines, &dp->ts, dp->ts.names[k], dp->sizes[j], NULL, (int)j);
    ipcb_gp_put_string(f, "csv", "results.csv");
    ipcb_gp_put_words(f, "transports", dp->lines.transports, dp->lines.n);
    ipcb_gp_put_words(f, "sizes", dp->lines.second, dp->lines.n);
    return render_lines(dp->g, f, &text, "fanout", "fanout", &dp->lines);
}

/* A histogram file with at least one data line (not only '#' comments). */
static int histogram_has_data(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[256];
    int data = 0;
    while (!data && fgets(line, sizeof line, f))
        data = line[0] != '#' && line[0] != '\n';
    fclose(f);
    return data;
}

/* plots/NAME: the latency CDF at size, a line per transport with a
 * histogram there. */
static int render_cdf(dir_plots *dp, const char *name, const char *size)
{
    char *text;
    size_t len;
    FILE *f = open_vars(dp->g, &text, &len);
    if (!f)
        return -1;
    lines_clear(&dp->lines);
    for (size_t k = 0; k < dp->ts.n; k++) {
        char *rel = NULL, *path = NULL;
        if (asprintf(&rel, "histograms/%s_latency_%s.dat", dp->ts.names[k], size) < 0)
            rel = NULL;
        else if (asprintf(&path, "%s/%s", dp->g->dir, rel) < 0)
            path = NULL;
        if (rel && path && histogram_has_data(path)) {
            dp->lines.owned[dp->lines.n] = rel;
            lines_add(&dp->lines, &dp->ts, dp->ts.names[k], rel, NULL, -1);
        } else {
            free(rel);
        }
        free(path);
    }
    ipcb_gp_put_words(f, "files", dp->lines.second, dp->lines.n);
    ipcb_gp_put_words(f, "titles", dp->lines.transports, dp->lines.n);
    ipcb_gp_put_string(f, "size", size);
    return render_lines(dp->g, f, &text, "cdf", name, &dp->lines);
}

/* The CDF's size for plots/cdf: 1080p if latency mode has it, else its
 * largest size. */
static const char *cdf_size(const ipcb_resultset *rs)
{
    const ipcb_result *largest = NULL;
    for (size_t i = 0; i < rs->nresults; i++) {
        const ipcb_result *r = &rs->results[i];
        if (strcmp(r->mode, ipcb_mode_name(IPCB_MODE_LATENCY)) != 0)
            continue;
        if (strcmp(r->size, "1080p") == 0)
            return r->size;
        if (!largest || r->bytes > largest->bytes)
            largest = r;
    }
    return largest ? largest->size : NULL;
}

/* Can a size label go into a file name as it is? */
static int file_name_safe(const char *s)
{
    if (!*s || *s == '.')
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("._+-", *s))
            return 0;
    return 1;
}

/* plots/cdf-SIZE for every latency size (by bytes), and plots/cdf. */
static int render_cdfs(dir_plots *dp)
{
    size_t nrows = ipcb_resultset_rows(dp->rs, "latency", dp->rows);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < nrows; i++) {
        const char *size = dp->rows[i]->size;
        char name[64];
        if (file_name_safe(size) && snprintf(name, sizeof name, "cdf-%s", size) < (int)sizeof name
            && (i == 0 || strcmp(size, dp->rows[i - 1]->size) != 0))
            rc = render_cdf(dp, name, size);
    }
    const char *size = cdf_size(dp->rs);
    return rc == 0 && size ? render_cdf(dp, "cdf", size) : rc;
}

/* Small multiples of latency p50 by frame size: a panel per family with
 * data (two at least), the reference transport (memcpy) in each. */
static int render_families(dir_plots *dp)
{
    const char *mode = "latency", *reference = "";
    ipcb_style ref_style = ipcb_transport_style(IPCB_FAMILY_REFERENCE, 0);
    const char *panel_titles[IPCB_NFAMILIES];
    size_t npanels = 0;
    int panel_of_family[IPCB_NFAMILIES] = { 0 };
    lines_clear(&dp->lines);
    for (size_t k = 0; k < dp->ts.n; k++) {   /* by family, so panels come in order */
        const char *t = dp->ts.names[k];
        ipcb_family f = ipcb_transport_family(t);
        if (!has_value(dp->rs, t, mode, NULL, IPCB_C_P50_US))
            continue;
        if (f == IPCB_FAMILY_REFERENCE) {
            if (!*reference) {
                reference = t;
                ref_style = ipcb_transport_style(f, dp->ts.variants[k]);
            }
            continue;
        }
        if (!panel_of_family[f]) {
            panel_titles[npanels++] = ipcb_family_name(f);
            panel_of_family[f] = (int)npanels;
        }
        lines_add(&dp->lines, &dp->ts, t, NULL, NULL, -1);
    }
    if (npanels < 2)
        return 0;
    char *text;
    size_t len;
    FILE *f = open_vars(dp->g, &text, &len);
    if (!f)
        return -1;
    ipcb_gp_put_string(f, "csv", "results.csv");
    ipcb_gp_put_words(f, "transports", dp->lines.transports, dp->lines.n);
    fputs("panels='", f);
    for (size_t i = 0; i < dp->lines.n; i++)
        fprintf(f, "%s%d", i ? " " : "",
                panel_of_family[ipcb_transport_family(dp->lines.transports[i])]);
    fputs("'; ", f);
    ipcb_gp_put_words(f, "panel_titles", panel_titles, npanels);
    ipcb_gp_put_string(f, "reference", reference);
    fprintf(f, "ref_style='%s %d %d'; ", ref_style.color, ref_style.dash, ref_style.point);
    return render_lines(dp->g, f, &text, "families", "families", &dp->lines);
}

static int render_all(dir_plots *dp)
{
    int rc = 0;
    for (size_t p = 0; rc == 0 && p < sizeof by_size_plots / sizeof by_size_plots[0]; p++)
        rc = render_by_size(dp, &by_size_plots[p]);
    if (rc == 0)
        rc = render_families(dp);
    if (rc == 0)
        rc = render_cdfs(dp);
    if (rc == 0)
        rc = render_fanout(dp);
    return rc;
}

/* DIR/results.csv, written from the resultset if missing. */
static int ensure_csv(const char *dir, const ipcb_resultset *rs, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/results.csv", dir) >= (int)sizeof path) {
        snprintf(err, errlen, "%s: path too long", dir);
        return -1;
    }
    return access(path, R_OK) == 0 ? 0 : ipcb_csv_write(rs, path, err, errlen);
}

int ipcb_plots_render(const char *dir, const char *scripts_dir, char *err, size_t errlen)
{
    ipcb_gnuplot g;
    if (ipcb_gnuplot_find(&g, scripts_dir, err, errlen) != 0)
        return -1;
    ipcb_resultset rs;
    if (ipcb_resultset_load(&rs, dir, err, errlen) != 0)
        return -1;
    dir_plots dp = { .g = &g, .rs = &rs };
    size_t room = rs.nresults + 1;
    dp.rows = calloc(room, sizeof *dp.rows);
    dp.sizes = calloc(room, sizeof *dp.sizes);
    int rc = ensure_csv(dir, &rs, err, errlen);
    if (rc == 0 && (styles_alloc(&dp.ts, room) != 0 || lines_alloc(&dp.lines, room) != 0
                    || !dp.rows || !dp.sizes)) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc == 0)
        rc = ipcb_gnuplot_start(&g, dir, 1);
    if (rc == 0) {
        dp.ts.n = ipcb_resultset_transports(&rs, NULL, dp.ts.names);
        styles_assign(&dp.ts);
        rc = render_all(&dp);
    }
    ipcb_gnuplot_stop(&g);
    lines_free(&dp.lines);
    styles_free(&dp.ts);
    free(dp.rows);
    free(dp.sizes);
    ipcb_resultset_free(&rs);
    return rc;
}

/* ---- overlays of several runs -------------------------------------------- */

/* An overlay: one counter of one mode against frame size. */
typedef struct overlay_spec {
    const char       *name, *mode, *column, *title, *ylabel;
    enum ipcb_counter counter;
} overlay_spec;

static const overlay_spec baseline_specs[] = {
    { "compare-throughput", "throughput", "mb_per_s",
      "Throughput: this run (solid) against the baseline (dashed)", "throughput",
      IPCB_C_MB_PER_S },
    { "compare-latency", "latency", "p50_us",
      "One-way latency p50: this run (solid) against the baseline (dashed)",
      "one-way latency p50", IPCB_C_P50_US },
};

static const overlay_spec runs_specs[] = {
    { "runs-throughput", "throughput", "mb_per_s",
      "Throughput by frame size, run by run (a dash per run)", "throughput",
      IPCB_C_MB_PER_S },
    { "runs-latency", "latency", "p50_us",
      "One-way latency p50 by frame size, run by run (a dash per run)",
      "one-way latency p50", IPCB_C_P50_US },
};

/* The runs of an overlay: run k's results, its CSV (relative to the output
 * directory) and its label. */
typedef struct overlay_runs {
    const ipcb_resultset *sets;
    const char *const    *csvs;
    const char *const    *labels;
    size_t                n;
} overlay_runs;

/* One overlay: a line per transport (by family) and run with data; a run's
 * dash is its position. */
static int render_overlay(const ipcb_gnuplot *g, const overlay_spec *o, const overlay_runs *runs,
                          const transport_styles *ts, plot_lines *pl)
{
    char *text;
    size_t len;
    FILE *f = open_vars(g, &text, &len);
    if (!f)
        return -1;
    lines_clear(pl);
    for (size_t k = 0; k < ts->n; k++)
        for (size_t r = 0; r < runs->n; r++)
            if (has_value(&runs->sets[r], ts->names[k], o->mode, NULL, o->counter))
                lines_add(pl, ts, ts->names[k], runs->csvs[r], runs->labels[r], (int)r);
    ipcb_gp_put_string(f, "mode", o->mode);
    ipcb_gp_put_string(f, "col", o->column);
    ipcb_gp_put_string(f, "title", o->title);
    ipcb_gp_put_string(f, "ylabel", o->ylabel);
    ipcb_gp_put_words(f, "files", pl->second, pl->n);
    ipcb_gp_put_words(f, "transports", pl->transports, pl->n);
    ipcb_gp_put_words(f, "labels", pl->labels, pl->n);
    return render_lines(g, f, &text, "overlay", o->name, pl);
}

/* Every overlay of specs for the runs, into g's directory. */
static int render_overlays(const ipcb_gnuplot *g, const overlay_runs *runs,
                           const overlay_spec *specs, size_t nspecs)
{
    size_t room = 1;
    for (size_t r = 0; r < runs->n; r++)
        room += runs->sets[r].nresults;
    transport_styles ts;
    plot_lines pl;
    const char **scratch = calloc(room, sizeof *scratch);
    int rc = styles_alloc(&ts, room) == 0 && lines_alloc(&pl, room * runs->n) == 0 && scratch
             ? 0 : -1;
    if (rc != 0)
        snprintf(g->err, g->errlen, "out of memory");
    for (size_t r = 0; rc == 0 && r < runs->n; r++) {
        size_t n = ipcb_resultset_transports(&runs->sets[r], NULL, scratch);
        for (size_t i = 0; i < n; i++) {
            size_t k = 0;
            while (k < ts.n && strcmp(ts.names[k], scratch[i]) != 0)
                k++;
            if (k == ts.n)
                ts.names[ts.n++] = scratch[i];
        }
    }
    if (rc == 0)
        styles_assign(&ts);
    for (size_t s = 0; rc == 0 && s < nspecs; s++)
        rc = render_overlay(g, &specs[s], runs, &ts, &pl);
    free(scratch);
    lines_free(&pl);
    styles_free(&ts);
    return rc;
}

int ipcb_plots_render_baseline(const char *dir, const char *baseline, const char *scripts_dir,
                               char *err, size_t errlen)
{
    ipcb_gnuplot g;
    if (ipcb_gnuplot_find(&g, scripts_dir, err, errlen) != 0)
        return -1;
    ipcb_resultset sets[2];
    if (ipcb_resultset_load(&sets[0], dir, err, errlen) != 0)
        return -1;
    if (ipcb_resultset_load(&sets[1], baseline, err, errlen) != 0) {
        ipcb_resultset_free(&sets[0]);
        return -1;
    }
    char path[PATH_MAX];
    int rc = ensure_csv(dir, &sets[0], err, errlen);
    if (rc == 0)
        rc = ipcb_gnuplot_start(&g, dir, 0);
    if (rc == 0 && snprintf(path, sizeof path, "%s/plots/baseline.csv", dir) >= (int)sizeof path) {
        snprintf(err, errlen, "%s: path too long", dir);
        rc = -1;
    }
    if (rc == 0)
        rc = ipcb_csv_write(&sets[1], path, err, errlen);
    static const char *const csvs[] = { "results.csv", "plots/baseline.csv" };
    static const char *const labels[] = { "this run", "baseline" };
    overlay_runs runs = { sets, csvs, labels, 2 };
    if (rc == 0)
        rc = render_overlays(&g, &runs, baseline_specs,
                             sizeof baseline_specs / sizeof baseline_specs[0]);
    ipcb_gnuplot_stop(&g);
    ipcb_resultset_free(&sets[1]);
    ipcb_resultset_free(&sets[0]);
    return rc;
}

/* The runs' CSVs, OUTDIR/plots/run-K.csv for K = 1..n, and their names
 * relative to OUTDIR into csvs (caller frees each). */
static int write_run_csvs(const char *outdir, const ipcb_resultset *sets, size_t n, char **csvs,
                          char *err, size_t errlen)
{
    for (size_t k = 0; k < n; k++) {
        char path[PATH_MAX];
        if (asprintf(&csvs[k], "plots/run-%zu.csv", k + 1) < 0) {
            csvs[k] = NULL;
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (snprintf(path, sizeof path, "%s/%s", outdir, csvs[k]) >= (int)sizeof path) {
            snprintf(err, errlen, "%s: path too long", outdir);
            return -1;
        }
        if (ipcb_csv_write(&sets[k], path, err, errlen) != 0)
            return -1;
    }
    return 0;
}

int ipcb_plots_render_runs(const char *outdir, const char *const *runs,
                           const char *const *labels, size_t nruns, const char *scripts_dir,
                           char *err, size_t errlen)
{
    ipcb_gnuplot g;
    if (ipcb_gnuplot_find(&g, scripts_dir, err, errlen) != 0)
        return -1;
    if (nruns == 0) {
        snprintf(err, errlen, "no runs to plot");
        return -1;
    }
    ipcb_resultset *sets = calloc(nruns, sizeof *sets);
    char **csvs = calloc(nruns, sizeof *csvs);
    char **names = calloc(nruns, sizeof *names);  /* the labels, "run K" if none given */
    size_t loaded = 0;
    int rc = sets && csvs && names ? 0 : -1;
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    for (; rc == 0 && loaded < nruns; loaded++)
        rc = ipcb_resultset_load(&sets[loaded], runs[loaded], err, errlen);
    if (rc != 0 && loaded > 0)
        loaded--;   /* the one that failed holds nothing */
    for (size_t k = 0; rc == 0 && k < nruns; k++)
        if ((labels && labels[k] ? asprintf(&names[k], "%s", labels[k])
                                 : asprintf(&names[k], "run %zu", k + 1)) < 0) {
            names[k] = NULL;
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    if (rc == 0 && mkdir(outdir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", outdir, strerror(errno));
        rc = -1;
    }
    if (rc == 0)
        rc = ipcb_gnuplot_start(&g, outdir, 0);
    if (rc == 0)
        rc = write_run_csvs(outdir, sets, nruns, csvs, err, errlen);
    overlay_runs overlay = { sets, (const char *const *)csvs, (const char *const *)names, nruns };
    if (rc == 0)
        rc = render_overlays(&g, &overlay, runs_specs, sizeof runs_specs / sizeof runs_specs[0]);
    ipcb_gnuplot_stop(&g);
    for (size_t k = 0; k < loaded; k++)
        ipcb_resultset_free(&sets[k]);
    for (size_t k = 0; csvs && names && k < nruns; k++) {
        free(csvs[k]);
        free(names[k]);
    }
    free(sets);
    free(csvs);
    free(names);
    return rc;
}
