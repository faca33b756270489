/* The timing loops, once: latency (ping-pong), throughput (a window in flight),
 * paced (a fixed rate, latency from the intended send time) and fan-out (to K
 * peers, until the last has the frame). t0: just before the transport has it. */
#include "runner.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "liveness.h"
#include "usage.h"
#include "peer.h"
#include "session.h"
#include "wire.h"

/* State of one Google Benchmark run. Every mode has one peer (s[0]); fan-out
 * has K. A point-to-point transport sends each frame on every peer's link and
 * gets an ack back on each; a broadcast transport sends once on s[0]'s link
 * and gets all K acks back on it. */
typedef struct run {
    gb_state     *st;
    ipcb_bench   *b;
    ipcb_session  s[IPCB_MAX_SUBSCRIBERS];
    size_t        npeers;     /* peers of the run */
    size_t        nopened;    /* sessions ipcb_session_open was called on (to abort) */
    size_t        nlinks;     /* links frames go out on: npeers, or 1 for a broadcast group */
    size_t        culprit;    /* the session whose err says what went wrong */
    const ipcb_transport *t;  /* the transport's table, or its fault wrapper (--fault) */
    ipcb_fault_transport faulty;
    uint64_t      seq;        /* next sequence number */
    uint64_t      frames;     /* measured frames */
    uint64_t      late;
    uint64_t      loop_ns;    /* wall time of the measured loop */
    ipcb_samples *lat, *rtt;
} run;

static ipcb_samples latency_samples, rtt_samples; /* reused across runs */
static ipcb_bench *previous_bench;

/* Marks session i as the one that failed; returns -1. */
static int failed_at(run *r, size_t i)
{
    r->culprit = i;
    return -1;
}

/* Ctrl-C: the run ends before its next frame (one load per frame). */
static int stop_if_interrupted(run *r)
{
    if (!ipcb_interrupted)
        return 0;
    snprintf(r->s[0].err, sizeof r->s[0].err, "%s", ipcb_interrupted_text);
    return failed_at(r, 0);
}

static int send_frame(run *r, uint64_t seq, uint8_t flags, uint64_t t0)
{
    if (stop_if_interrupted(r) != 0)
        return -1;
    const ipcb_pool *pool = r->b->pool;
    size_t slot = seq % pool->nslots;
    ipcb_pool_stamp(pool, slot, seq, flags, t0);
    ipcb_frame f = { .data = pool->slots[slot].msg, .len = IPCB_HEADER_SIZE + pool->size.bytes };
    char err[IPCB_ERR_MAX];
    size_t i;
    int rc = 0;
    for (i = 0; i < r->nlinks && rc == 0; i++) {
        rc = r->t->send(r->s[i].link, &f, err);
        if (rc != 0)
            snprintf(r->s[i].err, sizeof r->s[i].err, "sending frame %llu: %s",
                     (unsigned long long)seq, err);
        else
            rc = ipcb_session_pump(&r->s[i]);
    }
    return rc == 0 ? 0 : failed_at(r, i - 1);
}

/* The session the i-th peer's acks come back on. */
static size_t ack_session(const run *r, size_t i)
{
    return r->nlinks == 1 ? 0 : i;
}

/* Wait for an ack of a frame in [lo, hi] from every peer: acks are
 * cumulative, so an ack of frame k confirms every frame up to k. ack is the
 * one with the latest arrival time t1 (fan-out: the last peer to have it). */
static int await_ack(run *r, uint64_t lo, uint64_t hi, ipcb_header *ack)
{
    for (size_t i = 0; i < r->npeers; i++) {
        ipcb_session *s = &r->s[ack_session(r, i)];
        ipcb_header one;
        if (ipcb_session_recv_ack(s, &one) != 0)
            return failed_at(r, ack_session(r, i));
        if (one.seq < lo || one.seq > hi) {
            snprintf(s->err, sizeof s->err, "ack for frame %llu while expecting %llu..%llu",
                     (unsigned long long)one.seq, (unsigned long long)lo, (unsigned long long)hi);
            return failed_at(r, ack_session(r, i));
        }
        if (i == 0 || one.timestamp_ns > ack->timestamp_ns)
            *ack = one;
    }
    return 0;
}

static int ping_pong(run *r, uint8_t flags, uint64_t *t0, ipcb_header *ack)
{
    *t0 = ipcb_now_ns();
    if (send_frame(r, r->seq, flags | IPCB_FLAG_ACK_NOW, *t0) != 0 || await_ack(r, r->seq, r->seq, ack) != 0)
        return -1;
    r->seq++;
    return 0;
}

/* Throughput: n frames back to back with at most a window in flight, acks
 * asked for every half window and on the last frame. *elapsed_ns is the wall
 * time until the last frame was confirmed. */
static int stream(run *r, uint64_t n, uint8_t flags, uint64_t *elapsed_ns)
{
    uint64_t window = (uint64_t)r->b->cfg->window;
    uint64_t ack_every = window / 2 ? window / 2 : 1;
    uint64_t base = r->seq, end = base + n, acked = base;
    ipcb_header ack;
    uint64_t start = ipcb_now_ns();
    for (; r->seq < end; r->seq++) {
        while (r->seq - acked >= window) {
            if (await_ack(r, acked, r->seq - 1, &ack) != 0)
                return -1;
            acked = ack.seq + 1;
        }
        int ack_now = (r->seq - base + 1) % ack_every == 0 || r->seq + 1 == end;
        if (send_frame(r, r->seq, flags | (ack_now ? IPCB_FLAG_ACK_NOW : 0), ipcb_now_ns()) != 0)
            return -1;
    }
    while (acked < end) {
        if (await_ack(r, acked, end - 1, &ack) != 0)
            return -1;
        acked = ack.seq + 1;
    }
    *elapsed_ns = ipcb_now_ns() - start;
    return 0;
}

/* Buffers the run's frames cycle through on the transport's side (ring
 * slots, pooled memfds): the most any of its links reports. */
static uint64_t link_buffers(const run *r)
{
    uint64_t most = 1;
    for (size_t i = 0; i < r->nlinks; i++)
        if (r->t->buffers && r->s[i].link) {
            uint64_t n = r->t->buffers(r->s[i].link);
            most = n > most ? n : most;
        }
    return most;
}

/* Warm-up frames: enough to touch every frame-pool slot and every buffer of
 * the link (so no measured frame lands on a cold page), about 64 MiB or 64
 * frames besides, at least 4 and at least what --warmup asks. */
static uint64_t warmup_frames(const run *r, uint64_t buffers)
{
    uint64_t by_bytes = (64u << 20) / (r->b->pool->size.bytes + 1);
    uint64_t n = by_bytes > 64 ? 64 : by_bytes < 4 ? 4 : by_bytes;
    uint64_t cover = r->b->pool->nslots > buffers + 1 ? r->b->pool->nslots : buffers + 1;
    if (cover > n)
        n = cover;
    if (r->b->cfg->warmup > 0 && (uint64_t)r->b->cfg->warmup > n)
        n = (uint64_t)r->b->cfg->warmup;
    return n;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Runs the warm-up in the mode's own pattern (a window of frames in flight
 * for throughput, ping-pong otherwise) and returns in *frame_ns the time per
 * frame over its second half, when every buffer has been touched once: the
 * mean of a streamed batch, or the median round trip (one slow frame, such
 * as a daemon growing a buffer, must not shrink the plan of every run). */
static int warm_up(run *r, uint64_t n, double *frame_ns)
{
    uint64_t first = n / 2, second = n - first, elapsed = 0;
    if (r->b->mode == IPCB_MODE_THROUGHPUT) {
        if (stream(r, first, IPCB_FLAG_WARMUP, &elapsed) != 0 ||
            stream(r, second, IPCB_FLAG_WARMUP, &elapsed) != 0)
            return -1;
        *frame_ns = (double)elapsed / (double)second;
        return 0;
    }
    enum { KEPT = 512 };
    uint64_t times[KEPT], kept = 0, t0;
    ipcb_header ack;
    for (uint64_t i = 0; i < n; i++) {
        if (ping_pong(r, IPCB_FLAG_WARMUP, &t0, &ack) != 0)
            return -1;
        if (i >= first && kept < KEPT)
            times[kept++] = ipcb_now_ns() - t0;
    }
    qsort(times, kept, sizeof times[0], cmp_u64);
    *frame_ns = (double)times[kept / 2];
    return 0;
}

/* Frames a run measures: min_frames, or more if min_time asks for more, but
 * no more than max_time allows (fewer than min_frames then: the report shows
 * how many samples each figure rests on). frame_ns is the warm-up's time per
 * frame; a paced frame takes at least its period. */
static int64_t plan_frames(const ipcb_bench *b, uint64_t buffers, double frame_ns)
{
    double per_s = frame_ns * 1e-9;
    if (b->mode == IPCB_MODE_PACED && per_s < 1.0 / b->fps)
        per_s = 1.0 / b->fps;
    double n = b->min_frames;
    if (n <= 0 && b->mode == IPCB_MODE_THROUGHPUT) {
        double cycles = 2.0 * (double)(b->pool->nslots > buffers ? b->pool->nslots : buffers);
        double windows = 4.0 * b->cfg->window;
        n = cycles > windows ? cycles : windows;
    } else if (n <= 0) {
        n = IPCB_DEFAULT_MIN_FRAMES;
    }
    if (per_s > 0 && b->min_time / per_s > n)
        n = ceil(b->min_time / per_s);
    if (per_s > 0 && n * per_s > b->max_time)
        n = floor(b->max_time / per_s);
    if (n < 1)
        n = 1;
    return n > IPCB_MAX_PLANNED_FRAMES ? IPCB_MAX_PLANNED_FRAMES : (int64_t)n;
}

static int loop_latency(run *r, int64_t frames)
{
    ipcb_header ack;
    uint64_t t0, start = ipcb_now_ns();
    for (int64_t i = 0; i < frames; i++) {
        if (ping_pong(r, 0, &t0, &ack) != 0)
            return -1;
        uint64_t t2 = ipcb_now_ns();
        ipcb_samples_add(r->lat, ack.timestamp_ns - t0);
        ipcb_samples_add(r->rtt, t2 - t0);
        r->frames++;
    }
    r->loop_ns = ipcb_now_ns() - start;
    return 0;
}

static int loop_throughput(run *r, int64_t frames)
{
    uint64_t elapsed;
    if (stream(r, (uint64_t)frames, 0, &elapsed) != 0)
        return -1;
    r->loop_ns = elapsed;
    r->frames += (uint64_t)frames;
    return 0;
}

/* Ends early on Ctrl-C (the signal interrupts the sleep, no SA_RESTART). */
static void sleep_until(uint64_t when_ns)
{
    struct timespec ts = { (time_t)(when_ns / 1000000000u), (long)(when_ns % 1000000000u) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !ipcb_interrupted)
        ;
}

/* Paced mode: the time between two frames' due times. */
static uint64_t paced_period_ns(const ipcb_bench *b)
{
    return (uint64_t)(1e9 / b->fps);
}

/* Frame i is due at start + i * period; a late sender still sends it, and its
 * latency counts from when it was due, so queueing is never hidden. */
static int loop_paced(run *r, int64_t frames)
{
    uint64_t period = paced_period_ns(r->b);
    uint64_t start = ipcb_now_ns() + period, t0;
    ipcb_header ack;
    for (int64_t i = 0; i < frames; i++) {
        uint64_t due = start + (uint64_t)i * period;
        if (ipcb_now_ns() < due)
            sleep_until(due);
        if (ping_pong(r, 0, &t0, &ack) != 0)
            return -1;
        ipcb_samples_add(r->lat, ack.timestamp_ns - due);
        r->frames++;
    }
    r->loop_ns = ipcb_now_ns() - start;
    return 0;
}

/* Usage so far of the transport's infrastructure processes (daemons, brokers). */
static void infra_usage(const ipcb_bench *b, ipcb_usage *sum)
{
    int pids[8];
    memset(sum, 0, sizeof *sum);
    if (!b->infra->started || !b->t->infra_pids)
        return;
    size_t n = b->t->infra_pids(b->infra->infra, pids, sizeof pids / sizeof pids[0]);
    for (size_t i = 0; i < n; i++) {
        ipcb_usage one;
        if (ipcb_usage_of_pid(pids[i], &one) == 0)
            ipcb_usage_add(sum, &one);
    }
}

/* What the measured frames cost each side. */
typedef struct run_cost {
    ipcb_usage driver, peers, infra;
    double     steal_s;    /* the whole machine's, while measuring */
} run_cost;

/* A counter under its results.json key (schema.h). */
static void counter(gb_state *st, enum ipcb_counter c, double value)
{
    gb_set_counter(st, ipcb_counter_names[c], value, GB_COUNTER_DEFAULT);
}

/* Percentiles only where the run's samples support them: p99 from at least
 * IPCB_P99_MIN_SAMPLES, p99.9 from at least IPCB_P999_MIN_SAMPLES; below
 * that the counter is left out (the report shows "–" and the count). */
static void set_latency_counters(gb_state *st, ipcb_samples *lat, ipcb_samples *rtt)
{
    ipcb_summary sum;
    ipcb_samples_summarize(lat, &sum);
    counter(st, IPCB_C_P50_US, sum.p50_us);
    counter(st, IPCB_C_P90_US, sum.p90_us);
    if (lat->n >= IPCB_P99_MIN_SAMPLES)
        counter(st, IPCB_C_P99_US, sum.p99_us);
    if (lat->n >= IPCB_P999_MIN_SAMPLES)
        counter(st, IPCB_C_P999_US, sum.p999_us);
    counter(st, IPCB_C_MAX_US, sum.max_us);
    counter(st, IPCB_C_MEAN_US, sum.mean_us);
    if (rtt->n)
        counter(st, IPCB_C_RTT_P50_US, ipcb_samples_quantile_us(rtt, 0.50));
    if (rtt->n >= IPCB_P99_MIN_SAMPLES)
        counter(st, IPCB_C_RTT_P99_US, ipcb_samples_quantile_us(rtt, 0.99));
}

/* Page faults and context switches of every process of the run, per frame:
 * they tell a cold buffer or a preempted peer from a slow transport. */
static void set_os_counters(gb_state *st, const run_cost *c, double frames)
{
    ipcb_usage all = c->driver;
    ipcb_usage_add(&all, &c->peers);
    ipcb_usage_add(&all, &c->infra);
    counter(st, IPCB_C_FAULTS_PER_FRAME, (double)(all.minflt + all.majflt) / frames);
    counter(st, IPCB_C_MAJOR_FAULTS_PER_FRAME, (double)all.majflt / frames);
    counter(st, IPCB_C_CSW_PER_FRAME, (double)(all.vcsw + all.ivcsw) / frames);
    counter(st, IPCB_C_ICSW_PER_FRAME, (double)all.ivcsw / frames);
    counter(st, IPCB_C_STEAL_S, c->steal_s);
}

static double cpu_of(const ipcb_usage *u)
{
    return u->user_s + u->sys_s;
}

static void set_counters(run *r, const ipcb_ctl_msg *done, const run_cost *c)
{
    gb_state *st = r->st;
    double bytes = (double)r->b->pool->size.bytes;
    double frames = (double)r->frames;
    double seconds = (double)r->loop_ns * 1e-9;
    double driver_cpu = cpu_of(&c->driver), peer_cpu = cpu_of(&c->peers), infra_cpu = cpu_of(&c->infra);
    double total_cpu = driver_cpu + peer_cpu + infra_cpu;
    if (r->lat->n)
        set_latency_counters(st, r->lat, r->rtt);
    set_os_counters(st, c, frames);
    counter(st, IPCB_C_FRAMES_PER_S, frames / seconds);
    counter(st, IPCB_C_MB_PER_S, frames * bytes / seconds / 1e6);
    counter(st, IPCB_C_CPU_DRIVER_S, driver_cpu);
    counter(st, IPCB_C_CPU_PEER_S, peer_cpu);
    counter(st, IPCB_C_CPU_INFRA_S, infra_cpu);
    counter(st, IPCB_C_CPU_PER_GIB_S, total_cpu / (frames * bytes / (1024.0 * 1024 * 1024)));
    counter(st, IPCB_C_CPU_PER_FRAME_US, total_cpu / frames * 1e6);
    counter(st, IPCB_C_COPIES, (double)r->b->t->copies);
    counter(st, IPCB_C_FRAMES, frames);
    counter(st, IPCB_C_BYTES, bytes);
    if (r->b->mode == IPCB_MODE_FANOUT)
        counter(st, IPCB_C_SUBSCRIBERS, (double)r->npeers);
    if (r->b->mode == IPCB_MODE_PACED) {
        counter(st, IPCB_C_LATE, (double)r->late);
        counter(st, IPCB_C_DROPPED, (double)done->dropped);
    }
    if (r->b->mode == IPCB_MODE_THROUGHPUT) {
        gb_set_bytes_processed(st, (int64_t)(frames * bytes));
        gb_set_items_processed(st, (int64_t)frames);
    }
}

static void histogram_path(const ipcb_bench *b, char *path, size_t len)
{
    char k[32] = "";
    if (b->mode == IPCB_MODE_FANOUT)
        snprintf(k, sizeof k, "_subscribers%d", b->subscribers);
    snprintf(path, len, "%s/%s_%s_%s%s.dat", b->cfg->hist_dir, b->t->name,
             ipcb_mode_name(b->mode), b->pool->size.label, k);
}

void ipcb_runner_flush(void)
{
    ipcb_bench *b = previous_bench;
    previous_bench = NULL;
    if (!b || b->hist.n == 0)
        return;
    char path[4096], err[256];
    histogram_path(b, path, sizeof path);
    if (ipcb_histogram_write(&b->hist, path, b->name, err, sizeof err) != 0)
        fprintf(stderr, "ipcbench: histogram for %s: %s\n", b->name, err);
    ipcb_samples_free(&b->hist);
}

/* The histogram pools the latency samples of every repetition (they all
 * measure the same number of frames). */
static void keep_for_histogram(ipcb_bench *b, ipcb_samples *lat)
{
    if (lat->n)
        ipcb_samples_append(&b->hist, lat);
}

/* Asks available() once per transport; an unavailable one is skipped. */
static int check_available(ipcb_infra_slot *slot)
{
    if (!slot->checked) {
        char why[IPCB_ERR_MAX];
        slot->checked = 1;
        if (slot->t->available && slot->t->available(why) != 0) {
            slot->unavailable = 1;
            snprintf(slot->err, sizeof slot->err, IPCB_SKIPPED_PREFIX "%s", why);
        }
    }
    return slot->unavailable ? -1 : 0;
}

static int start_infra(ipcb_bench *b, const ipcb_opts *o)
{
    ipcb_infra_slot *slot = b->infra;
    if (check_available(slot) != 0)
        return -1;
    if (!slot->started && !slot->failed && b->t->start) {
        if (b->t->start(b->t, &slot->infra, o, slot->err) != 0)
            slot->failed = 1;
    }
    slot->started = !slot->failed;
    return slot->failed ? -1 : 0;
}

void ipcb_infra_stop_all(ipcb_infra_slot *slots, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (slots[i].started && slots[i].t->stop)
            slots[i].t->stop(slots[i].infra);
}

/* Stop every peer and collect its report into done (frames must be the
 * measured ones for each; drops add up, and so does their usage). */
static int stop_peers(run *r, ipcb_ctl_msg *done, ipcb_usage *peers)
{
    for (size_t i = 0; i < r->nlinks; i++)
        if (ipcb_session_send_stop(&r->s[i]) != 0)
            return failed_at(r, i);
    for (size_t i = 0; i < r->npeers; i++) {
        ipcb_header ack;
        if (ipcb_session_recv_ack(&r->s[ack_session(r, i)], &ack) != 0)
            return failed_at(r, ack_session(r, i));
    }
    memset(peers, 0, sizeof *peers);
    for (size_t i = 0; i < r->npeers; i++) {
        ipcb_ctl_msg one = { 0 };
        if (ipcb_session_finish(&r->s[i], &one) != 0)
            return failed_at(r, i);
        if (one.frames != r->frames) {
            snprintf(r->s[i].err, sizeof r->s[i].err, "peer confirmed %llu of %llu measured frames",
                     (unsigned long long)one.frames, (unsigned long long)r->frames);
            return failed_at(r, i);
        }
        ipcb_usage_add(peers, &one.usage);
        if (i == 0)
            *done = one;
        else
            done->dropped += one.dropped;
    }
    return 0;
}

/* A fault must fire or fail the run (fault.h): one aimed past the planned
 * frames fails it before measuring, one that did not fire fails it after.
 * Blamed on the last peer (the one faults hit). */
static int check_faults_reachable(run *r, int64_t frames)
{
    ipcb_session *s = &r->s[r->npeers - 1];
    if (ipcb_faults_check_reachable(&r->b->cfg->faults, frames, s->err, sizeof s->err) == 0)
        return 0;
    return failed_at(r, r->npeers - 1);
}

static int check_faults_fired(run *r)
{
    ipcb_session *s = &r->s[r->npeers - 1];
    if (ipcb_faults_check_fired(&r->b->cfg->faults, r->b->cfg->verify, s->err, sizeof s->err) == 0)
        return 0;
    return failed_at(r, r->npeers - 1);
}

static int reserve_samples(run *r, int64_t n)
{
    if (r->b->mode == IPCB_MODE_THROUGHPUT)
        return 0;
    if (ipcb_samples_reserve(r->lat, (size_t)n) == 0 && ipcb_samples_reserve(r->rtt, (size_t)n) == 0)
        return 0;
    snprintf(r->s[0].err, sizeof r->s[0].err, "out of memory for %lld samples", (long long)n);
    return failed_at(r, 0);
}

/* What the loop recorded, as the run reports it: the test-only fault
 * slow[:T]@F stretches every measured time F times, here, once, never in the
 * loop (fault.h); then Google Benchmark's manual time (the latencies summed,
 * or the throughput loop's wall time) and, paced, the late frames. */
static void report_measured(run *r)
{
    ipcb_samples *lat = r->lat;
    double slow = ipcb_faults_slow_factor(&r->b->cfg->faults, r->b->t->name);
    if (slow > 1) {
        ipcb_samples_scale(lat, slow);
        ipcb_samples_scale(r->rtt, slow);
        if (r->b->mode == IPCB_MODE_THROUGHPUT)
            r->loop_ns = (uint64_t)((double)r->loop_ns * slow);
    }
    double seconds = r->b->mode == IPCB_MODE_THROUGHPUT ? (double)r->loop_ns * 1e-9 : 0;
    for (size_t i = 0; i < lat->n; i++)
        seconds += (double)lat->ns[i] * 1e-9;
    gb_set_iteration_time(r->st, seconds);
    if (r->b->mode == IPCB_MODE_PACED) {
        uint64_t period = paced_period_ns(r->b);
        for (size_t i = 0; i < lat->n; i++)
            r->late += lat->ns[i] > period;
    }
}

static int measure(run *r, int64_t frames)
{
    switch (r->b->mode) {
    case IPCB_MODE_THROUGHPUT: return loop_throughput(r, frames);
    case IPCB_MODE_PACED:      return loop_paced(r, frames);
    default:                   return loop_latency(r, frames); /* latency, fanout */
    }
}

/* Warm up, plan the frame count (first repetition only), measure exactly
 * that many frames, stop the peers and take what each side spent. */
static int run_measured(run *r, ipcb_ctl_msg *done, run_cost *cost)
{
    ipcb_bench *b = r->b;
    uint64_t buffers = link_buffers(r);
    double frame_ns;
    if (warm_up(r, warmup_frames(r, buffers), &frame_ns) != 0)
        return -1;
    if (b->planned == 0)
        b->planned = plan_frames(b, buffers, frame_ns);
    if (check_faults_reachable(r, b->planned) != 0 || reserve_samples(r, b->planned) != 0)
        return -1;
    ipcb_usage driver0, infra0, driver1, infra1;
    ipcb_usage_self(&driver0);
    infra_usage(b, &infra0);
    double steal0 = ipcb_steal_seconds();
    gb_frames_begin(r->st, b->planned);
    int rc = measure(r, b->planned);
    if (rc == 0) {
        report_measured(r);
        gb_frames_end(r->st);
    }
    /* Some hypervisors' steal counter steps back; the results loader refuses
     * a negative time, and no time was stolen then. */
    cost->steal_s = fmax(0, ipcb_steal_seconds() - steal0);
    ipcb_usage_self(&driver1);
    infra_usage(b, &infra1);
    ipcb_usage_since(&cost->driver, &driver1, &driver0);
    ipcb_usage_since(&cost->infra, &infra1, &infra0);
    if (rc != 0 || stop_peers(r, done, &cost->peers) != 0)
        return -1;
    return check_faults_fired(r);
}

/* Spawn the run's peers: one, or K for fan-out. A broadcast group's peers
 * all listen first (they share one address), then s[0] connects once. Test
 * faults go to the last peer only: one subscriber of K misbehaves. */
static int open_peers(run *r, const ipcb_session_cfg *common)
{
    static unsigned groups;
    int broadcast = r->b->mode == IPCB_MODE_FANOUT && (r->b->t->caps & IPCB_CAP_BROADCAST);
    char group[64] = "";
    if (broadcast)
        snprintf(group, sizeof group, "fanout-%u", ++groups);
    r->npeers = r->b->mode == IPCB_MODE_FANOUT ? (size_t)r->b->subscribers : 1;
    r->nlinks = broadcast ? 1 : r->npeers;
    for (size_t i = 0; i < r->npeers; i++) {
        ipcb_session_cfg c = *common;
        c.group = group;
        c.group_size = (int)r->npeers;
        c.listen_only = broadcast;
        if (i + 1 < r->npeers)
            c.fault_exit_seq = c.fault_hang_seq = IPCB_NO_SEQ;
        r->nopened = i + 1;
        if (ipcb_session_open(&r->s[i], &c) != 0)
            return failed_at(r, i);
    }
    if (broadcast && ipcb_session_connect(&r->s[0], common) != 0)
        return failed_at(r, 0);
    return 0;
}

/* After a failure: every peer killed and reaped, and one message saying what
 * happened (which of K peers, and any error another peer reported). A failure
 * on a broadcast group's shared link is blamed on the first peer that died. */
static void abort_peers(run *r, char *why, size_t len)
{
    if (r->nlinks == 1 && r->npeers > 1)
        for (size_t i = 0; i < r->nopened; i++)
            if (r->s[i].pid > 0 && !ipcb_process_alive(r->s[i].pid)) {
                if (i != r->culprit)
                    memcpy(r->s[i].err, r->s[r->culprit].err, sizeof r->s[i].err);
                r->culprit = i;
                break;
            }
    for (size_t i = 0; i < r->nopened; i++)
        ipcb_session_abort(&r->s[i]);
    const ipcb_session *c = &r->s[r->culprit];
    if (r->npeers <= 1) {
        snprintf(why, len, "%s", c->err);
        return;
    }
    size_t used = (size_t)snprintf(why, len, "subscriber %zu of %zu: %s", r->culprit + 1, r->npeers, c->err);
    for (size_t i = 0; i < r->npeers && used < len; i++)
        if (i != r->culprit && strstr(r->s[i].err, "peer: "))
            used += (size_t)snprintf(why + used, len - used, "; subscriber %zu: %s", i + 1,
                                     strstr(r->s[i].err, "peer: ") + 6);
}

/* Fails this repetition so that it reports the same frame count as its
 * siblings (Google Benchmark requires it), and the later repetitions of the
 * benchmark with it: they would fail the same way, and the benchmark has
 * failed already. */
static void fail_repetition(gb_state *st, ipcb_bench *b, const char *why)
{
    if (b->planned == 0)
        b->planned = 1;
    gb_skip_with_error_frames(st, why, b->planned);
    if (!b->gave_up[0])
        snprintf(b->gave_up, sizeof b->gave_up, "%s", why);
}

void ipcb_bench_run(gb_state *st, void *ctx)
{
    ipcb_bench *b = ctx;
    const ipcb_run_cfg *cfg = b->cfg;
    if (previous_bench != b) {
        ipcb_runner_flush();
        previous_bench = b;
        if (cfg->progress)
            cfg->progress(b->name, b->index, b->total, cfg->progress_arg);
    }
    /* Paired runs: wait for this repetition's turn, before anything of it
     * runs (every repetition, failed ones too, so both sides keep in step;
     * once interrupted, no more turns: the other side learns it when this
     * side's connection closes). */
    char pair_err[600];
    if (cfg->pair && !ipcb_interrupted
        && ipcb_pairturn_take(cfg->pair, b->name, pair_err, sizeof pair_err) != 0) {
        fail_repetition(st, b, pair_err);
        return;
    }
    if (b->gave_up[0]) { /* an earlier repetition failed: this one fails alike */
        gb_skip_with_error_frames(st, b->gave_up, b->planned);
        return;
    }
    if (ipcb_interrupted) { /* stopped while it ran, or never started */
        fail_repetition(st, b, b->started ? ipcb_interrupted_text : IPCB_SKIPPED_PREFIX "interrupted");
        return;
    }
    b->started = 1;
    ipcb_opts o = { .rundir = cfg->rundir, .run_id = cfg->run_id, .params = cfg->params,
                    .timeout_ms = cfg->timeout_ms, .max_message = IPCB_HEADER_SIZE + cfg->max_payload,
                    .window = cfg->window };
    if (start_infra(b, &o) != 0) {
        fail_repetition(st, b, ipcb_interrupted ? ipcb_interrupted_text : b->infra->err);
        return;
    }
    ipcb_samples_clear(&latency_samples);
    ipcb_samples_clear(&rtt_samples);
    static run r; /* up to IPCB_MAX_SUBSCRIBERS sessions: kept off the stack */
    memset(&r, 0, sizeof r);
    r.st = st;
    r.b = b;
    r.lat = &latency_samples;
    r.rtt = &rtt_samples;
    ipcb_faults mine = cfg->faults; /* peer-exit and peer-hang act in the peer process */
    mine.exit_at = mine.hang_at = IPCB_NO_SEQ;
    r.t = ipcb_fault_wrap(&r.faulty, b->t, &mine);
    ipcb_session_cfg sc = {
        .t = r.t, .infra = b->infra->infra, .exe = cfg->exe, .rundir = cfg->rundir,
        .run_id = cfg->run_id, .params = cfg->params,
        .infra_address = b->infra->infra && b->t->infra_address ? b->t->infra_address(b->infra->infra) : "",
        .mode = ipcb_mode_name(b->mode), .payload_bytes = b->pool->size.bytes,
        .window = b->mode == IPCB_MODE_THROUGHPUT ? cfg->window : 1,
        .verify = cfg->verify, .allow_gaps = b->mode == IPCB_MODE_PACED,
        .timeout_ms = cfg->timeout_ms, .peer_cpu = cfg->peer_cpu,
        .fault_exit_seq = cfg->faults.exit_at, .fault_hang_seq = cfg->faults.hang_at,
    };
    ipcb_ctl_msg done = { 0 };
    run_cost cost;
    memset(&cost, 0, sizeof cost);
    if (open_peers(&r, &sc) != 0 || run_measured(&r, &done, &cost) != 0) {
        char why[2048];
        abort_peers(&r, why, sizeof why);
        fail_repetition(st, b, ipcb_interrupted ? ipcb_interrupted_text : why);
        return;
    }
    set_counters(&r, &done, &cost);
    keep_for_histogram(b, r.lat);
}
