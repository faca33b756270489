/* The benchmark runner: one Google Benchmark per (transport, mode, size[,
 * subscribers]); each run spawns its peers, warms up, runs the mode's timing
 * loop (the only one), verifies, stops the peers and sets the counters. */
#ifndef IPCB_RUNNER_H
#define IPCB_RUNNER_H

#include <stdint.h>

#include "fault.h"
#include "gbench.h"
#include "interrupt.h"
#include "pairturn.h"
#include "schema.h"
#include "stats.h"
#include "transport.h"
#include "pool.h"

/* Settings shared by every benchmark of a campaign. */
typedef struct ipcb_run_cfg {
    const char *exe;          /* this program, spawned as `EXE peer ...` */
    const char *rundir;       /* private 0700 directory for sockets and FIFOs */
    const char *run_id;       /* unique suffix of rundir, for system-wide object names */
    const char *params;       /* transport parameters "name=value,..." */
    const char *hist_dir;     /* where histograms go */
    uint64_t max_payload;     /* largest frame payload of the campaign (sizes shared infra) */
    int      verify;          /* IPCB_VERIFY_* */
    int      window;          /* throughput mode: frames in flight */
    int      warmup;          /* warm-up frames at least (the harness may add more), 0 = automatic */
    int      timeout_ms;      /* bound on every wait */
    int      driver_cpu, peer_cpu;        /* -1 = not pinned */
    ipcb_faults faults;                   /* test-only (--fault); none: ipcb_faults_none */
    ipcb_pairturn *pair;                  /* --pair-turn: take turns with the other side
                                           * before every repetition; NULL: alone */
    void   (*progress)(const char *name, int index, int total, void *arg);
    void    *progress_arg;
} ipcb_run_cfg;

/* Shared infrastructure of one transport, started on first use. */
typedef struct ipcb_infra_slot {
    const ipcb_transport *t;
    ipcb_infra *infra;
    int   checked, unavailable;   /* available() asked once; its answer */
    int   started, failed;
    char  err[IPCB_ERR_MAX + 16];
} ipcb_infra_slot;

/* Automatic min_frames for latency, paced and fan-out runs. A throughput
 * run's automatic minimum is two full cycles of the frame pool and of the
 * link's buffers, and at least 4 windows. */
enum { IPCB_DEFAULT_MIN_FRAMES = 200 };

/* A run never plans more frames than this (its samples take 8 bytes each). */
enum { IPCB_MAX_PLANNED_FRAMES = 10000000 };

typedef struct ipcb_bench {
    char             name[128];   /* "transport/mode/size" */
    const ipcb_transport *t;
    ipcb_mode        mode;
    const ipcb_pool *pool;
    const ipcb_run_cfg *cfg;
    ipcb_infra_slot *infra;
    int              subscribers; /* fan-out: peers (1..IPCB_MAX_SUBSCRIBERS); else 1 */
    int              index, total;
    int              min_frames;  /* 0 = automatic (IPCB_DEFAULT_MIN_FRAMES or throughput's) */
    double           min_time;    /* a run measures at least this many seconds... */
    double           max_time;    /* ...unless that would take longer than this */
    double           fps;         /* paced mode frame rate */
    int64_t          planned;     /* frames every repetition measures: set by the first
                                   * repetition from its warm-up, 0 until then */
    char             gave_up[512];/* a repetition failed: the later ones are not run */
    int              started;     /* a repetition has begun (Ctrl-C then interrupts it) */
    ipcb_samples     hist;        /* samples of the runs, for the histogram */
} ipcb_bench;

/* The Google Benchmark callback; ctx is an ipcb_bench. */
void ipcb_bench_run(gb_state *st, void *ctx);
/* Write the histogram of the benchmark that ran last (called at the end). */
void ipcb_runner_flush(void);
/* Stop every started infrastructure. */
void ipcb_infra_stop_all(ipcb_infra_slot *slots, size_t n);

/* After Ctrl-C or SIGTERM (ipcb_interrupted, interrupt.h) the running
 * benchmark fails "interrupted" within a frame period or IPCB_INTERRUPT_SLICE_MS
 * of waiting, whichever comes first, and every one not yet started is
 * skipped ("skipped: interrupted") without starting anything. */

#endif
