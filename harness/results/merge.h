/* Pooling several runs into one results.json (merge.c): every benchmark keeps
 * the repetitions of all runs, renumbered, with a fresh "median" aggregate; the
 * context is the first run's plus baseline_runs. What `make baseline` stores. */
#ifndef IPCB_MERGE_H
#define IPCB_MERGE_H

#include <stddef.h>

typedef struct ipcb_merge_stats {
    size_t benchmarks;    /* distinct benchmarks in the output */
    size_t repetitions;   /* iteration entries in the output, over all benchmarks */
} ipcb_merge_stats;

/* Reads every run (a results directory or a results.json) and writes the
 * pooled Google Benchmark JSON to out (a file, or a directory to write
 * results.json into) atomically (a temporary file, renamed). Nothing is
 * written unless every run is readable Google Benchmark JSON with iteration
 * entries, no run is given twice and out is none of the runs. Returns 0 (with
 * stats if not NULL), or -1 with a one-line reason in err. */
int ipcb_merge_results(const char *out, const char *const *runs, size_t nruns,
                       ipcb_merge_stats *stats, char *err, size_t errlen);

#endif
