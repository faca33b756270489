/* `ipcbench report`: DIR's plots, report.md and report.html (optionally
 * against a baseline), or with several runs one report over all of them in
 * an output directory of its own. Bad input exits 2 before anything is written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "datadir.h"
#include "plots.h"
#include "report.h"
#include "report_runs.h"

static const char report_usage[] =
    "usage: ipcbench report DIR [--baseline BASE]\n"
    "       ipcbench report RUN1 RUN2 [...] [--out OUT] [--labels a,b,...]\n"
    "  One DIR: renders DIR/plots/*.svg,*.png with gnuplot and writes DIR/report.md and\n"
    "  DIR/report.html (self-contained: plots inlined, no network) from DIR/results.json\n"
    "  --baseline BASE   a results directory or results.json to compare with: verdicts\n"
    "                    (as 'ipcbench compare'), change columns and overlay plots\n"
    "  Several runs (2 to 8, each a results directory or a results.json; the first is the\n"
    "  base): one report over all of them: the environments side by side, per figure each\n"
    "  run's value, the ratio to the first run and compare's verdict, plots of every run\n"
    "  --out OUT         where report.md, report.html and plots/ go (made if missing;\n"
    "                    default results/report-<UTC stamp>)\n"
    "  --labels a,b,...  a label per run (default: host and date from each run, or the\n"
    "                    run directory's name where those do not tell the runs apart)\n"
    "In report.html a click on a table header sorts the table.\n"
    "Exit status: 0 written, 2 bad input (nothing is written).\n";

enum { MAX_ARGS_RUNS = 64 };

typedef struct report_args {
    const char *runs[MAX_ARGS_RUNS];
    size_t      nruns;
    const char *baseline, *out, *labels;
} report_args;

/* Returns 0, -1 after printing help, or IPCB_EXIT_USAGE. */
static int parse_args(int argc, char **argv, report_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(report_usage, stdout);
            return -1;
        }
        if ((r = cli_option(argc, argv, &i, "--baseline", &v)) != 0) {
            if (r < 0)
                return cli_usage_error("report: --baseline needs a results directory or results.json");
            a->baseline = v;
        } else if ((r = cli_option(argc, argv, &i, "--out", &v)) != 0) {
            if (r < 0 || !*v)
                return cli_usage_error("report: --out needs a directory");
            a->out = v;
        } else if ((r = cli_option(argc, argv, &i, "--labels", &v)) != 0) {
            if (r < 0)
                return cli_usage_error("report: --labels needs a label per run, e.g. a,b");
            a->labels = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fputs(report_usage, stderr);
            return cli_usage_error("report: unexpected argument '%s'", argv[i]);
        } else if (a->nruns < MAX_ARGS_RUNS) {
            a->runs[a->nruns++] = argv[i];
        } else {
            return cli_usage_error("report: more than %d runs", MAX_ARGS_RUNS);
        }
    }
    if (a->nruns == 0) {
        fputs(report_usage, stderr);
        return IPCB_EXIT_USAGE;
    }
    if (a->nruns == 1 && (a->out || a->labels))
        return cli_usage_error("report: --out and --labels are for a report over two or more "
                               "runs; one run's report goes into its own directory");
    if (a->nruns > 1 && a->baseline)
        return cli_usage_error("report: --baseline is for a report on one run; over several "
                               "runs the first is the base");
    return 0;
}

/* One run, as it always was: its own directory gets the plots and the report. */
static int report_one(const report_args *a, const char *scripts)
{
    const char *dir = a->runs[0];
    char err[1024];
    /* Load both first, so bad input fails before anything is written. */
    if (ipcb_report_write_baseline(dir, a->baseline, err, sizeof err) != 0)
        return cli_usage_error("report: %s", err);
    if (ipcb_plots_render(dir, scripts, err, sizeof err) != 0)
        fprintf(stderr, "ipcbench: plots: %s\n", err);
    else if (a->baseline && ipcb_plots_render_baseline(dir, a->baseline, scripts, err, sizeof err) != 0)
        fprintf(stderr, "ipcbench: plots: %s\n", err);
    /* Write again so the report embeds the plots just rendered. */
    if (ipcb_report_write_baseline(dir, a->baseline, err, sizeof err) != 0)
        return cli_usage_error("report: %s", err);
    printf("%s/report.md\n%s/report.html\n", dir, dir);
    return IPCB_EXIT_OK;
}

/* mkdir -p with mode 0755; 0 or -1 with errno. */
static int make_dirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Several runs: everything is loaded and checked, then OUT is made and written. */
static int report_runs(const report_args *a, const char *scripts)
{
    char err[1024], out[4096];
    ipcb_report_runs *r = malloc(sizeof *r);
    if (!r)
        return cli_usage_error("report: out of memory");
    int rc = IPCB_EXIT_USAGE;
    if (ipcb_report_runs_load(r, a->runs, a->nruns, a->labels, err, sizeof err) != 0) {
        free(r);
        return cli_usage_error("report: %s", err);
    }
    if (a->out)
        snprintf(out, sizeof out, "%s", a->out);
    else
        ipcb_report_runs_default_out(out, sizeof out);
    if (ipcb_report_runs_check_out(r, out, err, sizeof err) != 0) {
        cli_usage_error("report: %s", err);
    } else if (make_dirs(out) != 0) {
        cli_usage_error("report: cannot make %s: %s", out, strerror(errno));
    } else {
        if (ipcb_plots_render_runs(out, r->paths, r->labels, r->n, scripts, err, sizeof err) != 0)
            fprintf(stderr, "ipcbench: plots: %s\n", err);
        if (ipcb_report_runs_write(r, out, err, sizeof err) != 0) {
            cli_usage_error("report: %s", err);
        } else {
            printf("%s/report.md\n%s/report.html\n", out, out);
            rc = IPCB_EXIT_OK;
        }
    }
    ipcb_report_runs_free(r);
    free(r);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    report_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? IPCB_EXIT_OK : rc;
    char scripts[4200];
    ipcb_data_dir(IPCB_DATA_SCRIPTS, scripts, sizeof scripts);
    return a.nruns == 1 ? report_one(&a, scripts) : report_runs(&a, scripts);
}
