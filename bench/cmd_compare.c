/* `ipcbench compare BASE NEW`: the CI regression gate. Loads two result sets,
 * compares them (harness/results/compare.c; --paired: paired.c, for runs made
 * with --pair-turn) and prints a table, Markdown or JSON. Exit 1 when
 * something got slower beyond the threshold, 2 on bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compare_print.h"
#include "paired_print.h"

static const char compare_usage[] =
    "usage: ipcbench compare BASE NEW [options]\n"
    "  BASE, NEW: a results directory or a results.json\n"
    "  --threshold PCT        a change counts beyond PCT percent (default 10)\n"
    "  --alpha A              significance level of the Mann-Whitney U test (default 0.05)\n"
    "  --metric m1,m2         what to compare (default p50,p99,throughput), of:\n"
    "%s"
    "  --normalize memcpy     compare ratios to memcpy of the same mode and size in the same run\n"
    "  --holm                 significance by Holm's step-down correction over all the tests,\n"
    "                         so the chance of any false 'slower' stays at alpha (for gates)\n"
    "  --format text|md|json  terminal table (default), Markdown for a pull request, JSON\n"
    "  --paired               BASE and NEW are the two sides of paired runs (run --pair-turn):\n"
    "                         repetition i of each was measured next to the other's; judge the\n"
    "                         ratios NEW_i/BASE_i: per transport the median ratio of all its\n"
    "                         pairs with a confidence interval, slower when the interval is\n"
    "                         above 1 + threshold (default metrics p50,throughput)\n"
    "  --confidence C         --paired: of every interval (default 0.95)\n"
    "Verdicts: faster, slower, unchanged, new, missing, failed, n/a. Slower and faster need a\n"
    "change beyond the threshold and p <= alpha; with too few repetitions for the test to\n"
    "reach alpha (fewer than 4 per side) the threshold alone decides, and the output says so.\n"
    "n/a: the value is absent on a side (p99 needs 100 frames per run, p99.9 1000); never a\n"
    "regression.\n"
    "Exit status: 0 no regression, 1 a benchmark is slower, 2 bad input.\n";

static int show_usage(FILE *f)
{
    char list[1024] = "";
    for (const ipcb_metric *m = ipcb_metrics; m->name; m++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "                           %-11s %s\n",
                 m->name, m->what);
    fprintf(f, compare_usage, list);
    return 0;
}

/* "10", "10%" or "12.5" percent. */
static int parse_percent(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || (*end && strcmp(end, "%") != 0) || !(v > 0 && v < 1e6))
        return -1;
    *out = v / 100;
    return 0;
}

static int parse_metrics(const char *s, ipcb_cmp_opts *o)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    o->nmetrics = 0;
    for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const ipcb_metric *m = ipcb_metric_find(tok);
        if (!m)
            return cli_usage_error("compare: unknown metric '%s' (see 'ipcbench compare --help')", tok);
        if (o->nmetrics == sizeof o->metrics / sizeof o->metrics[0])
            return cli_usage_error("compare: too many metrics");
        int dup = 0;
        for (size_t k = 0; k < o->nmetrics; k++)
            dup |= o->metrics[k] == m;
        if (!dup)
            o->metrics[o->nmetrics++] = m;
    }
    return o->nmetrics ? 0 : cli_usage_error("compare: --metric needs at least one metric");
}

typedef struct compare_args {
    const char     *paths[2];
    ipcb_cmp_opts   opts;
    ipcb_cmp_format format;
    int             paired;
    int             metrics_given;
    int             unpaired_option;  /* --alpha, --holm or --normalize: not with --paired */
    double          confidence;
} compare_args;

/* Returns 0, -1 after printing help, or IPCB_EXIT_USAGE. */
static int parse_args(int argc, char **argv, compare_args *a)
{
    memset(a, 0, sizeof *a);
    ipcb_cmp_opts_default(&a->opts);
    a->format = IPCB_FMT_TEXT;
    a->confidence = 0.95;
    int npaths = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            show_usage(stdout);
            return -1;
        }
        if ((r = cli_option(argc, argv, &i, "--threshold", &v)) != 0) {
            if (r < 0 || parse_percent(v, &a->opts.threshold) != 0)
                return cli_usage_error("compare: --threshold needs a percentage above 0, e.g. 10");
        } else if ((r = cli_option(argc, argv, &i, "--alpha", &v)) != 0) {
            char *end;
            a->opts.alpha = r > 0 ? strtod(v, &end) : 0;
            if (r < 0 || *end || !(a->opts.alpha > 0 && a->opts.alpha < 1))
                return cli_usage_error("compare: --alpha needs a number between 0 and 1, e.g. 0.05");
            a->unpaired_option = 1;
        } else if ((r = cli_option(argc, argv, &i, "--confidence", &v)) != 0) {
            char *end;
            a->confidence = r > 0 ? strtod(v, &end) : 0;
            if (r < 0 || *end || !(a->confidence >= 0.5 && a->confidence < 1))
                return cli_usage_error("compare: --confidence needs a number from 0.5 to below 1, "
                                       "e.g. 0.95");
        } else if (strcmp(argv[i], "--paired") == 0) {
            a->paired = 1;
        } else if ((r = cli_option(argc, argv, &i, "--metric", &v)) != 0) {
            if (r < 0)
                return cli_usage_error("compare: --metric needs a list, e.g. p50,throughput");
            if (parse_metrics(v, &a->opts) != 0)
                return IPCB_EXIT_USAGE;
            a->metrics_given = 1;
        } else if ((r = cli_option(argc, argv, &i, "--normalize", &v)) != 0) {
            if (r < 0 || strcmp(v, "memcpy") != 0)
                return cli_usage_error("compare: --normalize takes 'memcpy'");
            a->opts.normalize_memcpy = 1;
            a->unpaired_option = 1;
        } else if (strcmp(argv[i], "--holm") == 0) {
            a->opts.holm = 1;
            a->unpaired_option = 1;
        } else if ((r = cli_option(argc, argv, &i, "--format", &v)) != 0) {
            if (r > 0 && strcmp(v, "text") == 0)
                a->format = IPCB_FMT_TEXT;
            else if (r > 0 && (strcmp(v, "md") == 0 || strcmp(v, "markdown") == 0))
                a->format = IPCB_FMT_MD;
            else if (r > 0 && strcmp(v, "json") == 0)
                a->format = IPCB_FMT_JSON;
            else
                return cli_usage_error("compare: --format takes text, md or json");
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("compare: unknown option '%s' (see 'ipcbench compare --help')", argv[i]);
        } else if (npaths < 2) {
            a->paths[npaths++] = argv[i];
        } else {
            return cli_usage_error("compare: takes two result sets, BASE and NEW (got a third, '%s')", argv[i]);
        }
    }
    if (npaths != 2)
        return cli_usage_error("compare: needs BASE and NEW, each a results directory or "
                               "results.json (see 'ipcbench compare --help')");
    if (a->paired && a->unpaired_option)
        return cli_usage_error("compare: --alpha, --holm and --normalize are for unpaired "
                               "comparisons, not with --paired");
    return 0;
}

/* --paired: the paired comparison of the two sets, printed; its exit status. */
static int compare_paired(const compare_args *a, ipcb_resultset sets[2])
{
    ipcb_paired_opts o;
    ipcb_paired_opts_default(&o);
    o.confidence = a->confidence;
    o.cmp.threshold = a->opts.threshold;
    if (a->metrics_given) {
        memcpy(o.cmp.metrics, a->opts.metrics, sizeof o.cmp.metrics);
        o.cmp.nmetrics = a->opts.nmetrics;
    }
    ipcb_paired p;
    char err[1024];
    if (ipcb_paired_compare(&sets[0], &sets[1], &o, &p, err, sizeof err) != 0)
        return cli_usage_error("compare --paired: %s and %s: %s", a->paths[0], a->paths[1], err);
    int rc = ipcb_paired_print(stdout, &p, a->format, a->paths[0], a->paths[1]);
    int regression = p.regression;
    ipcb_paired_free(&p);
    if (fflush(stdout) != 0 || rc != 0)
        return cli_usage_error("compare: cannot write the output");
    return regression ? IPCB_EXIT_FAILED : IPCB_EXIT_OK;
}

int cmd_compare(int argc, char **argv)
{
    compare_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? IPCB_EXIT_OK : rc;
    ipcb_resultset sets[2];
    char err[1024];
    for (int i = 0; i < 2; i++) {
        if (ipcb_resultset_load(&sets[i], a.paths[i], err, sizeof err) != 0) {
            if (i == 1)
                ipcb_resultset_free(&sets[0]);
            return cli_usage_error("compare: %s", err);
        }
    }
    if (a.paired) {
        rc = compare_paired(&a, sets);
        ipcb_resultset_free(&sets[0]);
        ipcb_resultset_free(&sets[1]);
        return rc;
    }
    ipcb_comparison c;
    rc = ipcb_compare(&sets[0], &sets[1], &a.opts, &c, err, sizeof err);
    ipcb_resultset_free(&sets[0]);
    ipcb_resultset_free(&sets[1]);
    if (rc != 0)
        return cli_usage_error("compare: %s and %s: %s", a.paths[0], a.paths[1], err);
    rc = ipcb_comparison_print(stdout, &c, a.format, a.paths[0], a.paths[1]);
    int regression = c.regression;
    ipcb_comparison_free(&c);
    if (fflush(stdout) != 0 || rc != 0)
        return cli_usage_error("compare: cannot write the output");
    return regression ? IPCB_EXIT_FAILED : IPCB_EXIT_OK;
}
