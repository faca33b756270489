/* Exporting a run to the formats benchmark trackers ingest (export.c): Bencher
 * Metric Format, github-action-benchmark's customSmallerIsBetter and
 * customBiggerIsBetter arrays. Failed and skipped benchmarks are left out. */
#ifndef IPCB_EXPORT_H
#define IPCB_EXPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "resultset.h"

typedef enum ipcb_export_format {
    IPCB_EXPORT_BENCHER,          /* "bencher": Bencher Metric Format (BMF), an object */
    IPCB_EXPORT_GITHUB_SMALLER,   /* "github-smaller": latency p50/p99, CPU cost */
    IPCB_EXPORT_GITHUB_BIGGER,    /* "github-bigger": MB/s, frames/s */
    IPCB_NEXPORT_FORMATS
} ipcb_export_format;

/* "bencher", "github-smaller", "github-bigger" ("?" out of range). */
const char *ipcb_export_format_name(ipcb_export_format f);
/* Returns 0, or -1 if text names no format. */
int ipcb_export_format_parse(const char *text, ipcb_export_format *f);

typedef struct ipcb_export_stats {
    size_t exported;   /* benchmarks with at least one figure in the export */
    size_t entries;    /* Bencher measures, or github-action-benchmark array entries */
    size_t failed;     /* benchmarks left out because a run failed */
    size_t skipped;    /* benchmarks left out because the transport was not available */
} ipcb_export_stats;

/* The export of rs as a JSON value (a reference to json_decref), counting into
 * st; NULL when out of memory. Never holds NaN or infinity: a figure that is
 * absent or not finite is left out. */
json_t *ipcb_export_bencher_json(const ipcb_resultset *rs, ipcb_export_stats *st);
/* bigger 0: customSmallerIsBetter entries; 1: customBiggerIsBetter entries. */
json_t *ipcb_export_github_json(const ipcb_resultset *rs, int bigger, ipcb_export_stats *st);

/* Writes the export of rs in format fmt to f (indented JSON and a newline).
 * Returns 0 (with st if not NULL), or -1 with a one-line reason in err. */
int ipcb_export_write(FILE *f, const ipcb_resultset *rs, ipcb_export_format fmt,
                      ipcb_export_stats *st, char *err, size_t errlen);

/* Loads results (a results directory or a results.json) and writes its export
 * to out atomically (a temporary file, renamed), or to stream when out is NULL.
 * Nothing is written when results cannot be read or out is that results.json.
 * Returns 0, or -1 with a one-line reason naming the file in err. */
int ipcb_export_results(const char *results, ipcb_export_format fmt, const char *out,
                        FILE *stream, ipcb_export_stats *st, char *err, size_t errlen);

#endif
