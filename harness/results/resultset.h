/* A campaign's results as read back from results.json (Google Benchmark's JSON
 * schema plus ipcbench counters and context). One loader serves the CSV
 * writer, the report and compare, so every output derives from one file. */
#ifndef IPCB_RESULTSET_H
#define IPCB_RESULTSET_H

#include <stddef.h>
#include <stdint.h>

/* The counters ipcbench attaches to each Google Benchmark run, by index.
 * Names are the JSON keys; the meaning is in README.md ("What is measured"). */
enum ipcb_counter {
    IPCB_C_P50_US, IPCB_C_P90_US, IPCB_C_P99_US, IPCB_C_P999_US, IPCB_C_MAX_US,
    IPCB_C_MEAN_US, IPCB_C_RTT_P50_US, IPCB_C_RTT_P99_US,
    IPCB_C_FRAMES_PER_S, IPCB_C_MB_PER_S,
    IPCB_C_CPU_DRIVER_S, IPCB_C_CPU_PEER_S, IPCB_C_CPU_INFRA_S,
    IPCB_C_CPU_PER_GIB_S, IPCB_C_CPU_PER_FRAME_US,
    IPCB_C_COPIES, IPCB_C_LATE, IPCB_C_DROPPED, IPCB_C_FRAMES, IPCB_C_BYTES,
    IPCB_C_SUBSCRIBERS,   /* fanout mode: the number of subscribers */
    /* Per measured frame, over the driver, every peer and any daemon or broker. */
    IPCB_C_FAULTS_PER_FRAME,        /* page faults, minor + major */
    IPCB_C_MAJOR_FAULTS_PER_FRAME,
    IPCB_C_CSW_PER_FRAME,           /* context switches, voluntary + involuntary */
    IPCB_C_ICSW_PER_FRAME,          /* involuntary context switches */
    IPCB_C_STEAL_S,                 /* the machine's CPU steal while measuring (hypervisor) */
    IPCB_NCOUNTERS
};
extern const char *const ipcb_counter_names[IPCB_NCOUNTERS]; /* "p50_us", ... */

/* The frames a run must measure for the runner to report counter c: 100 for
 * p99_us and rtt_p99_us, 1000 for p999_us (the key is absent below that), 0
 * for every other counter. */
uint64_t ipcb_counter_min_frames(enum ipcb_counter c);

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
                           * (the message starts with "skipped: ") */
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
 * or foreign (not Google Benchmark) JSON. */
int  ipcb_resultset_load(ipcb_resultset *rs, const char *path, char *err, size_t errlen);
void ipcb_resultset_free(ipcb_resultset *rs);
const char *ipcb_resultset_context(const ipcb_resultset *rs, const char *key); /* NULL if absent */
const ipcb_result *ipcb_resultset_find(const ipcb_resultset *rs, const char *name);
/* Is counter c absent from r because its runs measured too few frames for it
 * (see ipcb_counter_min_frames)? 0 when the frames are unknown. */
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

/* results.csv: one row per benchmark with the columns
 *   transport,mode,size,bytes,p50_us,p90_us,p99_us,p999_us,max_us,mean_us,
 *   rtt_p50_us,mb_per_s,frames_per_s,cpu_per_gib_s,cpu_per_frame_us,copies,
 *   verify,late,dropped,repetitions,status,error,subscribers,
 *   samples,faults_per_frame,csw_per_frame,major_faults_per_frame,icsw_per_frame,steal_s
 * (columns are only ever appended) sorted by mode, transport, bytes, size,
 * subscribers (so each transport's rows of one mode, and in fanout mode each
 * transport and size's rows, are contiguous for gnuplot); status is "ok",
 * "skipped" or "failed"; subscribers is empty outside fanout mode; samples
 * is ipcb_result.samples; absent values (p99_us of a run of fewer than 100
 * frames, say) are empty. Written to a temporary name and renamed. */
int  ipcb_csv_write(const ipcb_resultset *rs, const char *path, char *err, size_t errlen);

#endif
