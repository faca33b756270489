/* A campaign's results as read back from results.json (Google Benchmark's JSON
 * schema plus ipcbench counters and context). One loader serves the CSV
 * writer, the report and compare, so every output derives from one file. */
#ifndef IPCB_RESULTSET_H
#define IPCB_RESULTSET_H

#include <stddef.h>
#include <stdint.h>

#include "schema.h"

typedef struct ipcb_run {
    double real_time_us;                 /* Google Benchmark real_time, in us */
    double counter[IPCB_NCOUNTERS];      /* NaN where absent */
} ipcb_run;

typedef struct ipcb_result {
    char name[128];       /* "unix/latency/1080p" or "qcop/fanout/1080p/subscribers:4"
                           * (Google Benchmark's suffixes removed) */
    char transport[32];   /* transport, mode and size are empty when the name has */
    char mode[16];        /* neither shape */
    char size[32];        /* size label */
    int  subscribers;     /* K of a "subscribers:K" component; 0 without one */
    uint64_t bytes;       /* payload bytes per frame */
    int  failed;          /* any run had error_occurred */
    int  skipped;         /* failed because the transport is not available here
                           * (the message starts with IPCB_SKIPPED_PREFIX) */
    char error[256];      /* the first error message */
    size_t    nruns;      /* run_type "iteration" entries, one per repetition */
    ipcb_run *runs;
    ipcb_run  summary;    /* the "median" aggregate if present, else the only run */
    uint64_t  samples;    /* the samples the result rests on: "frames" summed over
                           * its successful iteration entries (all repetitions) */
    uint64_t  frames_per_run; /* "frames" of one run (the most of any); 0 if unknown */
} ipcb_result;

typedef struct ipcb_kv { char *key, *value; } ipcb_kv;

typedef struct ipcb_resultset {
    size_t       ncontext;
    ipcb_kv     *context;  /* every string/number in "context", as text */
    size_t       nresults;
    ipcb_result *results;  /* in the order of first appearance in the file */
} ipcb_resultset;

/* Load PATH (a results.json, or a directory containing one). Returns 0, or -1
 * with a one-line reason in err for missing, unreadable, malformed, truncated
 * or foreign (not Google Benchmark) JSON, and for impossible figures (a
 * negative latency, an infinite rate, ...: the rule is in resultcheck.h). */
int  ipcb_resultset_load(ipcb_resultset *rs, const char *path, char *err, size_t errlen);
void ipcb_resultset_free(ipcb_resultset *rs);
const char *ipcb_resultset_context(const ipcb_resultset *rs, const char *key); /* NULL if absent */
const ipcb_result *ipcb_resultset_find(const ipcb_resultset *rs, const char *name);
/* Removes the components Google Benchmark appends to a benchmark's name
 * ("/manual_time", "/repeats:3", ...), in place. */
void ipcb_strip_run_options(char *name);
/* Is counter c absent from r because its runs measured too few frames for it
 * (see ipcb_counter_min_frames in schema.h)? 0 when the frames are unknown. */
int ipcb_result_too_few_frames(const ipcb_result *r, enum ipcb_counter c);
/* The name of transport's benchmark with r's mode, size and subscribers:
 * "transport/mode/size", or ".../subscribers:K" in fanout mode. */
void ipcb_benchmark_name(char *out, size_t n, const char *transport, const ipcb_result *r);
/* The distinct transports with results in mode (in any mode if mode is NULL),
 * in order of first appearance; out needs room for rs->nresults. Returns the count. */
size_t ipcb_resultset_transports(const ipcb_resultset *rs, const char *mode,
                                 const char **out);

/* One result per distinct (size, subscribers) of mode, ordered by bytes, then
 * size label, then subscribers: the rows of a table that sets transports side
 * by side. out needs room for rs->nresults. Returns the count. */
size_t ipcb_resultset_rows(const ipcb_resultset *rs, const char *mode,
                           const ipcb_result **out);

#endif
