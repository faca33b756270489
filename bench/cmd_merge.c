/* `ipcbench merge OUT RUN1 [RUN2 ...]`: pools the repetitions of several runs
 * into one results.json (harness/results/merge.c), as `make baseline` and the
 * A/B gate do. Exit 0 written, 2 bad input (and nothing written). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "merge.h"

static const char merge_usage[] =
    "usage: ipcbench merge OUT RUN1 [RUN2 ...]\n"
    "  pools the repetitions of the runs (each a results directory or a results.json)\n"
    "  into OUT (a results.json to write, or a directory to write results.json into):\n"
    "  every benchmark keeps all its repetitions, renumbered, and gets a fresh\n"
    "  \"median\" aggregate over them; the context is the first run's, plus\n"
    "  baseline_runs (the runs' directory names). 'ipcbench compare' and\n"
    "  'ipcbench report' read the result like any run. Written atomically.\n"
    "Exit status: 0 written, 2 bad input (nothing is written).\n";

int cmd_merge(int argc, char **argv)
{
    const char *out = NULL;
    const char *runs[256];
    size_t nruns = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(merge_usage, stdout);
            return IPCB_EXIT_OK;
        }
        if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("merge: unknown option '%s' (see 'ipcbench merge --help')",
                                   argv[i]);
        if (!out)
            out = argv[i];
        else if (nruns < sizeof runs / sizeof runs[0])
            runs[nruns++] = argv[i];
        else
            return cli_usage_error("merge: more than %zu runs", sizeof runs / sizeof runs[0]);
    }
    if (!out || nruns == 0)
        return cli_usage_error("merge: needs OUT and at least one run (see 'ipcbench merge "
                               "--help')");
    char err[1024];
    ipcb_merge_stats st;
    if (ipcb_merge_results(out, runs, nruns, &st, err, sizeof err) != 0)
        return cli_usage_error("merge: %s", err);
    printf("%s: %zu benchmarks, %zu repetitions pooled from %zu run%s\n", out, st.benchmarks,
           st.repetitions, nruns, nruns == 1 ? "" : "s");
    return IPCB_EXIT_OK;
}
