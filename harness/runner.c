/* The timing loops, once: latency (ping-pong), throughput (a window of frames
 * in flight), paced (a fixed frame rate, latency from the intended send time)
 * and fan-out (ping-pong to K peers, until the last one has the frame). t0 is
 * taken just before a frame is handed to the transport. */
#include "runner.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "liveness.h"
#include "peer.h"
#include "session.h"

volatile sig_atomic_t ipcb_interrupted;

static const char *const mode_names[IPCB_NMODES] = { "latency", "throughput", "paced", "fanout" };

const char *ipcb_mode_name(ipcb_mode m)
{
    return m < IPCB_NMODES ? mode_names[m] : "?";
}

int ipcb_mode_parse(const char *text, ipcb_mode *m)
{
    for (int i = 0; i < IPCB_NMODES; i++)
        if (strcmp(text, mode_names[i]) == 0) {
            *m = (ipcb_mode)i;
            return 0;
        }
    return -1;
}

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
    uint64_t      seq;        /* next sequence number */
    uint64_t      frames;     /* measured frames */
    uint64_t      late;
    uint64_t      loop_ns;    /* wall time of the measured loop */
    ipcb_samples *lat, *rtt;
    double        slow_factor; /* test-only: measured times are multiplied by this (> 1) */
} run;

static ipcb_samples latency_samples, rtt_samples; /* reused across runs */
static ipcb_bench *previous_bench;

/* Marks session i as the one that failed; returns -1. */
static int failed_at(run *r, size_t i)
{
    r->culprit = i;
    return -1;
}

static int send_frame(run *r, uint64_t seq, uint8_t flags, uint64_t t0)
{
    const ipcb_pool *pool = r->b->pool;
    size_t slot = seq % pool->nslots;
    ipcb_pool_stamp(pool, slot, seq, flags, t0);
    ipcb_frame f = { .data = pool->slots[slot].msg, .len = IPCB_HEADER_SIZE + pool->size.bytes };
    uint8_t *victim = f.data + IPCB_HEADER_SIZE + pool->size.bytes / 2;
    int corrupt = seq == r->b->cfg->fault_corrupt_seq;
    if (corrupt)
        *victim ^= 0x40; /* test-only fault: a byte flipped in flight */
    char err[IPCB_ERR_MAX];
    size_t i;
    int rc = 0;
    for (i = 0; i < r->nlinks && rc == 0; i++) {
        rc = r->b->t->send(r->s[i].link, &f, err);
        if (rc != 0)
            snprintf(r->s[i].err, sizeof r->s[i].err, "sending frame %llu: %s",
                     (unsigned long long)seq, err);
        else
            rc = ipcb_session_pump(&r->s[i]);
    }
    if (corrupt)
        *victim ^= 0x40;
    return rc == 0 ? 0 : failed_at(r, i - 1);
}

/* Test-only fault "slow": every time this run measures is stretched by a
 * known factor, a synthetic regression of exact size for checking that
 * `ipcbench compare` catches it. The transport itself runs unchanged. */
static uint64_t stretched(const run *r, uint64_t ns)
{
    return r->slow_factor > 1 ? (uint64_t)((double)ns * r->slow_factor) : ns;
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

static int warm_up(run *r)
{
    int n = r->b->cfg->warmup;
    if (n <= 0) { /* automatic: about 64 MiB or 64 frames, at least 2 */
        uint64_t by_bytes = (64u << 20) / (r->b->pool->size.bytes + 1);
        n = by_bytes > 64 ? 64 : by_bytes < 2 ? 2 : (int)by_bytes;
    }
    uint64_t t0;
    ipcb_header ack;
    for (int i = 0; i < n; i++)
        if (ping_pong(r, IPCB_FLAG_WARMUP, &t0, &ack) != 0)
            return -1;
    return 0;
}

static int loop_latency(run *r)
{
    ipcb_header ack;
    uint64_t t0, start = ipcb_now_ns();
    while (gb_keep_running(r->st)) {
        if (ping_pong(r, 0, &t0, &ack) != 0)
            return -1;
        uint64_t t2 = ipcb_now_ns();
        uint64_t one_way = stretched(r, ack.timestamp_ns - t0);
        gb_set_iteration_time(r->st, (double)one_way * 1e-9);
        ipcb_samples_add(r->lat, one_way);
        ipcb_samples_add(r->rtt, stretched(r, t2 - t0));
        r->frames++;
    }
    r->loop_ns = ipcb_now_ns() - start;
    return 0;
}

static int loop_throughput(run *r)
{
    int64_t n = gb_max_iterations(r->st);
    uint64_t window = (uint64_t)r->b->cfg->window;
    uint64_t ack_every = window / 2 ? window / 2 : 1;
    ipcb_header ack;
    while (gb_keep_running_batch(r->st, n)) {
        uint64_t base = r->seq, end = base + (uint64_t)n, acked = base;
        uint64_t start = ipcb_now_ns();
        for (; r->seq < end; r->seq++) {
            while (r->seq - acked >= window) {
                if (await_ack(r, acked, r->seq - 1, &ack) != 0)
                    return -1;
                acked = ack.seq + 1;
            }
            int ack_now = (r->seq - base + 1) % ack_every == 0 || r->seq + 1 == end;
            if (send_frame(r, r->seq, ack_now ? IPCB_FLAG_ACK_NOW : 0, ipcb_now_ns()) != 0)
                return -1;
        }
        while (acked < end) {
            if (await_ack(r, acked, end - 1, &ack) != 0)
                return -1;
            acked = ack.seq + 1;
        }
        r->loop_ns = stretched(r, ipcb_now_ns() - start);
        gb_set_iteration_time(r->st, (double)r->loop_ns * 1e-9);
        r->frames += (uint64_t)n;
    }
    return 0;
}

static void sleep_until(uint64_t when_ns)
{
    struct timespec ts = { (time_t)(when_ns / 1000000000u), (long)(when_ns % 1000000000u) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !ipcb_interrupted)
        ;
}

/* Frame i is due at start + i * period; a late sender still sends it, and its
 * latency counts from when it was due, so queueing is never hidden. */
static int loop_paced(run *r)
{
    uint64_t period = (uint64_t)(1e9 / r->b->cfg->fps);
    uint64_t start = ipcb_now_ns() + period, t0;
    ipcb_header ack;
    for (uint64_t i = 0; gb_keep_running(r->st); i++) {
        uint64_t due = start + i * period;
        if (ipcb_now_ns() < due)
            sleep_until(due);
        if (ping_pong(r, 0, &t0, &ack) != 0)
            return -1;
        uint64_t latency = stretched(r, ack.timestamp_ns - due);
        gb_set_iteration_time(r->st, (double)latency * 1e-9);
        ipcb_samples_add(r->lat, latency);
        r->late += latency > period;
        r->frames++;
    }
    r->loop_ns = ipcb_now_ns() - start;
    return 0;
}

/* user + system CPU seconds of another process (a daemon), 0 if unreadable. */
static double process_cpu_seconds(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* fields after "pid (comm)": state is field 3 */
    unsigned long long utime = 0, stime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return 0;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds used so far by the transport's infrastructure processes. */
static double infra_cpu_seconds(const ipcb_bench *b)
{
    int pids[8];
    double total = 0;
    if (!b->infra->started || !b->t->infra_pids)
        return 0;
    size_t n = b->t->infra_pids(b->infra->infra, pids, sizeof pids / sizeof pids[0]);
    for (size_t i = 0; i < n; i++)
        total += process_cpu_seconds(pids[i]);
    return total;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static void set_latency_counters(gb_state *st, ipcb_samples *lat, ipcb_samples *rtt)
{
    ipcb_summary sum;
    ipcb_samples_summarize(lat, &sum);
    gb_set_counter(st, "p50_us", sum.p50_us, GB_COUNTER_DEFAULT);
    gb_set_counter(st, "p90_us", sum.p90_us, GB_COUNTER_DEFAULT);
    gb_set_counter(st, "p99_us", sum.p99_us, GB_COUNTER_DEFAULT);
    gb_set_counter(st, "p999_us", sum.p999_us, GB_COUNTER_DEFAULT);
    gb_set_counter(st, "max_us", sum.max_us, GB_COUNTER_DEFAULT);
    gb_set_counter(st, "mean_us", sum.mean_us, GB_COUNTER_DEFAULT);
    if (rtt->n) {
        gb_set_counter(st, "rtt_p50_us", ipcb_samples_quantile_us(rtt, 0.50), GB_COUNTER_DEFAULT);
        gb_set_counter(st, "rtt_p99_us", ipcb_samples_quantile_us(rtt, 0.99), GB_COUNTER_DEFAULT);
    }
}

static void set_counters(run *r, const ipcb_ctl_msg *done, double driver_cpu, double infra_cpu)
{
    gb_state *st = r->st;
    double bytes = (double)r->b->pool->size.bytes;
    double frames = (double)r->frames;
    double seconds = (double)r->loop_ns * 1e-9;
    double peer_cpu = done->cpu_user_s + done->cpu_sys_s;
    double total_cpu = driver_cpu + peer_cpu + infra_cpu;
    if (r->lat->n)
        set_latency_counters(st, r->lat, r->rtt);
    gb_set_counter(st, "frames_per_s", frames / seconds, GB_COUNTER_DEFAULT);
    gb_set_counter(st, "mb_per_s", frames * bytes / seconds / 1e6, GB_COUNTER_DEFAULT);
    gb_set_counter(st, "cpu_driver_s", driver_cpu, GB_COUNTER_DEFAULT);
    gb_set_counter(st, "cpu_peer_s", peer_cpu, GB_COUNTER_DEFAULT);
    gb_set_counter(st, "cpu_infra_s", infra_cpu, GB_COUNTER_DEFAULT);
    gb_set_counter(st, "cpu_per_gib_s", total_cpu / (frames * bytes / (1024.0 * 1024 * 1024)), GB_COUNTER_DEFAULT);
    gb_set_counter(st, "cpu_per_frame_us", total_cpu / frames * 1e6, GB_COUNTER_DEFAULT);
    gb_set_counter(st, "copies", (double)r->b->t->copies, GB_COUNTER_DEFAULT);
    gb_set_counter(st, "frames", frames, GB_COUNTER_DEFAULT);
    gb_set_counter(st, "bytes", bytes, GB_COUNTER_DEFAULT);
    if (r->b->mode == IPCB_MODE_FANOUT)
        gb_set_counter(st, "subscribers", (double)r->npeers, GB_COUNTER_DEFAULT);
    if (r->b->mode == IPCB_MODE_PACED) {
        gb_set_counter(st, "late", (double)r->late, GB_COUNTER_DEFAULT);
        gb_set_counter(st, "dropped", (double)done->dropped, GB_COUNTER_DEFAULT);
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

/* The histogram keeps the samples of the runs with the most iterations: the
 * repetitions Google Benchmark reports, not its shorter calibration runs. */
static void keep_for_histogram(ipcb_bench *b, ipcb_samples *lat, int64_t iters)
{
    if (lat->n == 0 || iters < b->hist_iters)
        return;
    if (iters > b->hist_iters) {
        ipcb_samples_clear(&b->hist);
        b->hist_iters = iters;
    }
    ipcb_samples_append(&b->hist, lat);
}

/* Asks available() once per transport; an unavailable one is skipped. */
static int check_available(ipcb_infra_slot *slot)
{
    if (!slot->checked) {
        char why[IPCB_ERR_MAX];
        slot->checked = 1;
        if (slot->t->available && slot->t->available(why, sizeof why) != 0) {
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
        if (b->t->start(&slot->infra, o, slot->err) != 0)
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
 * measured ones for each; CPU and drops add up). */
static int stop_peers(run *r, ipcb_ctl_msg *done)
{
    for (size_t i = 0; i < r->nlinks; i++)
        if (ipcb_session_send_stop(&r->s[i]) != 0)
            return failed_at(r, i);
    for (size_t i = 0; i < r->npeers; i++) {
        ipcb_header ack;
        if (ipcb_session_recv_ack(&r->s[ack_session(r, i)], &ack) != 0)
            return failed_at(r, ack_session(r, i));
    }
    for (size_t i = 0; i < r->npeers; i++) {
        ipcb_ctl_msg one = { 0 };
        if (ipcb_session_finish(&r->s[i], &one) != 0)
            return failed_at(r, i);
        if (one.frames != r->frames) {
            snprintf(r->s[i].err, sizeof r->s[i].err, "peer confirmed %llu of %llu measured frames",
                     (unsigned long long)one.frames, (unsigned long long)r->frames);
            return failed_at(r, i);
        }
        if (i == 0) {
            *done = one;
        } else {
            done->cpu_user_s += one.cpu_user_s;
            done->cpu_sys_s += one.cpu_sys_s;
            done->dropped += one.dropped;
        }
    }
    return 0;
}

static int run_measured(run *r, ipcb_ctl_msg *done, double *driver_cpu, double *infra_cpu)
{
    int64_t reserve = gb_max_iterations(r->st);
    if (r->b->mode != IPCB_MODE_THROUGHPUT &&
        (ipcb_samples_reserve(r->lat, (size_t)reserve) != 0 ||
         ipcb_samples_reserve(r->rtt, (size_t)reserve) != 0)) {
        snprintf(r->s[0].err, sizeof r->s[0].err, "out of memory for %lld samples", (long long)reserve);
        return failed_at(r, 0);
    }
    if (warm_up(r) != 0)
        return -1;
    double cpu0 = cpu_seconds(), infra0 = infra_cpu_seconds(r->b);
    int rc = r->b->mode == IPCB_MODE_THROUGHPUT ? loop_throughput(r)
             : r->b->mode == IPCB_MODE_PACED    ? loop_paced(r)
                                                : loop_latency(r); /* latency, fanout */
    *driver_cpu = cpu_seconds() - cpu0;
    *infra_cpu = infra_cpu_seconds(r->b) - infra0;
    return rc != 0 ? -1 : stop_peers(r, done);
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
    if (ipcb_interrupted) {
        gb_skip_with_error(st, "interrupted");
        return;
    }
    ipcb_opts o = { .rundir = cfg->rundir, .run_id = cfg->run_id, .params = cfg->params,
                    .timeout_ms = cfg->timeout_ms, .max_message = IPCB_HEADER_SIZE + cfg->max_payload };
    if (start_infra(b, &o) != 0) {
        gb_skip_with_error(st, b->infra->err);
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
    if (cfg->fault_slow_factor > 1 &&
        (!cfg->fault_slow_transport[0] || strcmp(cfg->fault_slow_transport, b->t->name) == 0))
        r.slow_factor = cfg->fault_slow_factor;
    ipcb_session_cfg sc = {
        .t = b->t, .infra = b->infra->infra, .exe = cfg->exe, .rundir = cfg->rundir,
        .run_id = cfg->run_id, .params = cfg->params,
        .infra_address = b->infra->infra && b->t->infra_address ? b->t->infra_address(b->infra->infra) : "",
        .mode = ipcb_mode_name(b->mode), .payload_bytes = b->pool->size.bytes,
        .verify = cfg->verify, .allow_gaps = b->mode == IPCB_MODE_PACED,
        .timeout_ms = cfg->timeout_ms, .peer_cpu = cfg->peer_cpu,
        .fault_exit_seq = cfg->fault_peer_exit_seq, .fault_hang_seq = cfg->fault_peer_hang_seq,
    };
    ipcb_ctl_msg done = { 0 };
    double driver_cpu = 0, infra_cpu = 0;
    if (open_peers(&r, &sc) != 0 || run_measured(&r, &done, &driver_cpu, &infra_cpu) != 0) {
        char why[2048];
        abort_peers(&r, why, sizeof why);
        gb_skip_with_error(st, ipcb_interrupted ? "interrupted" : why);
        return;
    }
    set_counters(&r, &done, driver_cpu, infra_cpu);
    keep_for_histogram(b, r.lat, gb_iterations_done(st));
}
