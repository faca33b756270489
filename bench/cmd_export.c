/* `ipcbench export --format F [--out FILE] DIR`: a run in a format that
 * benchmark trackers ingest (harness/results/export.c), on stdout or to FILE.
 * Exit 0 written, 2 bad input (and nothing written). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "export.h"

static const char export_usage[] =
    "usage: ipcbench export --format FORMAT [--out FILE] DIR\n"
    "  DIR: a results directory or a results.json (e.g. results/latest)\n"
    "  --format bencher         Bencher Metric Format (bencher run --adapter json): per\n"
    "                           benchmark the measures latency (ns: p50, with the fastest\n"
    "                           repetition's p50 as lower_value and p99 as upper_value),\n"
    "                           latency-p90 (ns), throughput (frames/s), throughput-mb-s,\n"
    "                           cpu-cost (CPU s per GiB)\n"
    "           github-smaller  github-action-benchmark's customSmallerIsBetter: entries\n"
    "                           \"NAME p50\" and \"NAME p99\" (us), \"NAME CPU\" (s/GiB)\n"
    "           github-bigger   customBiggerIsBetter: \"NAME MB/s\", \"NAME frames/s\"\n"
    "  --out FILE               write FILE (atomically) instead of standard output\n"
    "Values are the median over the repetitions; the other bounds, and the ranges, come\n"
    "from the lowest and highest repetition. A figure a benchmark lacks is left out (never\n"
    "NaN), and so are rates in paced mode (the campaign's fps). Failed and skipped\n"
    "benchmarks are left out and counted on stderr.\n"
    "Exit status: 0 written, 2 bad input (nothing is written).\n";

static void print_stats(const ipcb_export_stats *st, ipcb_export_format fmt)
{
    fprintf(stderr, "ipcbench export: %zu benchmark%s, %zu %s (%s)", st->exported,
            st->exported == 1 ? "" : "s", st->entries,
            fmt == IPCB_EXPORT_BENCHER ? "measures" : "entries", ipcb_export_format_name(fmt));
    if (st->failed || st->skipped)
        fprintf(stderr, "; left out: %zu failed, %zu skipped", st->failed, st->skipped);
    fputc('\n', stderr);
}

int cmd_export(int argc, char **argv)
{
    const char *format = NULL, *out = NULL, *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(export_usage, stdout);
            return IPCB_EXIT_OK;
        }
        int r = cli_option(argc, argv, &i, "--format", &format);
        if (r == 0)
            r = cli_option(argc, argv, &i, "--out", &out);
        if (r < 0)
            return cli_usage_error("export: %s needs a value", argv[i]);
        if (r > 0)
            continue;
        if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("export: unknown option '%s' (see 'ipcbench export --help')",
                                   argv[i]);
        if (dir)
            return cli_usage_error("export: one results directory only (got '%s' and '%s')",
                                   dir, argv[i]);
        dir = argv[i];
    }
    if (out && !*out)
        return cli_usage_error("export: --out needs a file name, not an empty string");
    if (!format || !dir)
        return cli_usage_error("export: needs --format and a results directory (see "
                               "'ipcbench export --help')");
    ipcb_export_format fmt;
    if (ipcb_export_format_parse(format, &fmt) != 0)
        return cli_usage_error("export: unknown format '%s' (bencher, github-smaller, "
                               "github-bigger)", format);
    char err[1024];
    ipcb_export_stats st;
    if (ipcb_export_results(dir, fmt, out, stdout, &st, err, sizeof err) != 0)
        return cli_usage_error("export: %s", err);
    print_stats(&st, fmt);
    return IPCB_EXIT_OK;
}
