/* The vocabulary of results.json, shared by the side that writes it (run/)
 * and the side that reads it back (results/): the modes, the counters by
 * index and JSON key, the samples a percentile needs, the skipped prefix. */
#ifndef IPCB_SCHEMA_H
#define IPCB_SCHEMA_H

#include <stdint.h>

/* The modes; a benchmark is named "transport/mode/size[/subscribers:K]". */
typedef enum ipcb_mode {
    IPCB_MODE_LATENCY, IPCB_MODE_THROUGHPUT, IPCB_MODE_PACED,
    IPCB_MODE_FANOUT, /* latency to K subscribers: until the last one has the frame */
    IPCB_NMODES
} ipcb_mode;
/* "latency", "throughput", "paced", "fanout" ("?" out of range). */
const char *ipcb_mode_name(ipcb_mode m);
/* Returns 0, or -1 if text names no mode. */
int ipcb_mode_parse(const char *text, ipcb_mode *m);

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

/* Percentiles are reported only from runs with at least this many samples
 * (frames): below that the runner leaves the key out. */
enum { IPCB_P99_MIN_SAMPLES = 100, IPCB_P999_MIN_SAMPLES = 1000 };

/* The frames a run must measure for the runner to report counter c:
 * IPCB_P99_MIN_SAMPLES for p99_us and rtt_p99_us, IPCB_P999_MIN_SAMPLES for
 * p999_us (the key is absent below that), 0 for every other counter. */
uint64_t ipcb_counter_min_frames(enum ipcb_counter c);

/* Benchmarks of a transport that is not available here fail with a message
 * starting with this; results, CSV and report call them skipped. */
#define IPCB_SKIPPED_PREFIX "skipped: "

#endif
