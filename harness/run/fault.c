/* Test-only faults as a wrapper around a transport's ops table: each link is
 * wrapped so its own measured frames can be counted; send corrupts one frame,
 * recv kills or stalls the peer at one. The fault checks that must pass. */
#include "fault.h"
#include "peer.h"
#include "wire.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ipcb_faults_none(ipcb_faults *f)
{
    memset(f, 0, sizeof *f);
    f->corrupt_at = f->exit_at = f->hang_at = IPCB_NO_SEQ;
}

/* slow[:TRANSPORT]@FACTOR */
static int parse_slow(ipcb_faults *f, const char *text)
{
    const char *at = strchr(text, '@');
    char *end;
    double factor = at ? strtod(at + 1, &end) : 0;
    if (!at || end == at + 1 || *end || !(factor > 1 && factor <= 100))
        return -1;
    const char *colon = strchr(text, ':');
    if (colon && colon < at)
        snprintf(f->slow_transport, sizeof f->slow_transport, "%.*s", (int)(at - colon - 1), colon + 1);
    f->slow_factor = factor;
    return 0;
}

/* KIND@N for the frame faults. */
static int parse_frame_fault(ipcb_faults *f, const char *text)
{
    const char *at = strchr(text, '@');
    char *end;
    unsigned long long seq = at ? strtoull(at + 1, &end, 10) : 0;
    if (!at || end == at + 1 || *end)
        return -1;
    size_t kind = (size_t)(at - text);
    if (kind == 7 && strncmp(text, "corrupt", kind) == 0)
        f->corrupt_at = seq;
    else if (kind == 9 && strncmp(text, "peer-exit", kind) == 0)
        f->exit_at = seq;
    else if (kind == 9 && strncmp(text, "peer-hang", kind) == 0)
        f->hang_at = seq;
    else
        return -1;
    return 0;
}

int ipcb_faults_parse(ipcb_faults *f, const char *text)
{
    ipcb_faults_none(f);
    if (!text[0])
        return 0;
    int slow = strncmp(text, "slow@", 5) == 0 || strncmp(text, "slow:", 5) == 0;
    if ((slow ? parse_slow(f, text) : parse_frame_fault(f, text)) == 0)
        return 0;
    ipcb_faults_none(f);
    return -1;
}

double ipcb_faults_slow_factor(const ipcb_faults *f, const char *transport)
{
    if (f->slow_factor > 1 && (!f->slow_transport[0] || strcmp(f->slow_transport, transport) == 0))
        return f->slow_factor;
    return 1;
}

/* ---- the wrapper ---------------------------------------------------------- */

/* A wrapped link: the real one, and the measured DATA frames through it. */
typedef struct fault_link {
    ipcb_link                  *inner;
    const ipcb_fault_transport *w;
    uint64_t                    sent, received;
} fault_link;

static fault_link *unwrap(ipcb_link *l)
{
    return (fault_link *)(void *)l;
}

/* listen and connect receive their own table: the wrapper (its ops come first). */
static const ipcb_fault_transport *wrapper_of(const ipcb_transport *t)
{
    return (const ipcb_fault_transport *)(const void *)t;
}

/* Measured DATA frame? (a warm-up frame, an ack or a stop is not) */
static int measured_data(const uint8_t *msg, size_t len)
{
    ipcb_header h;
    char err[IPCB_ERR_MAX];
    return ipcb_header_decode(&h, msg, len, err, sizeof err) == 0 && h.kind == IPCB_KIND_DATA &&
           !(h.flags & IPCB_FLAG_WARMUP);
}

/* A new wrapped link for the wrapper being used; *l stays NULL until the
 * real link is open (link_opened). */
static fault_link *link_new(const ipcb_transport *t, ipcb_link **l, char *err)
{
    *l = NULL;
    fault_link *fl = calloc(1, sizeof *fl);
    if (fl)
        fl->w = wrapper_of(t);
    else
        snprintf(err, IPCB_ERR_MAX, "out of memory");
    return fl;
}

/* rc: what opening fl->inner returned. */
static int link_opened(ipcb_link **l, fault_link *fl, int rc)
{
    if (rc != 0) {
        free(fl);
        return -1;
    }
    *l = (ipcb_link *)(void *)fl;
    return 0;
}

static int fault_listen(const ipcb_transport *t, ipcb_link **l, ipcb_infra *infra, const ipcb_opts *o,
                        char addr[IPCB_ADDR_MAX], char *err)
{
    fault_link *fl = link_new(t, l, err);
    const ipcb_transport *real = fl ? fl->w->real : NULL;
    return fl ? link_opened(l, fl, real->listen(real, &fl->inner, infra, o, addr, err)) : -1;
}

static int fault_connect(const ipcb_transport *t, ipcb_link **l, ipcb_infra *infra, const ipcb_opts *o,
                         const char *addr, char *err)
{
    fault_link *fl = link_new(t, l, err);
    const ipcb_transport *real = fl ? fl->w->real : NULL;
    return fl ? link_opened(l, fl, real->connect(real, &fl->inner, infra, o, addr, err)) : -1;
}

static int fault_accept(ipcb_link *l, char *err)
{
    fault_link *fl = unwrap(l);
    return fl->w->real->accept(fl->inner, err);
}

/* corrupt@N: measured frame N goes out with a payload byte flipped; the
 * frame pool gets it back as it was once the transport has the message. */
static int fault_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    fault_link *fl = unwrap(l);
    uint8_t *victim = NULL;
    if (fl->w->faults.corrupt_at != IPCB_NO_SEQ && measured_data(f->data, f->len) &&
        ++fl->sent == fl->w->faults.corrupt_at && f->len > IPCB_HEADER_SIZE) {
        victim = f->data + IPCB_HEADER_SIZE + (f->len - IPCB_HEADER_SIZE) / 2;
        *victim ^= 0x40;
    }
    int rc = fl->w->real->send(fl->inner, f, err);
    if (victim)
        *victim ^= 0x40;
    return rc;
}

/* peer-exit@N and peer-hang@N: on receiving measured frame N. */
static int fault_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    fault_link *fl = unwrap(l);
    const ipcb_faults *faults = &fl->w->faults;
    int rc = fl->w->real->recv(fl->inner, f, timeout_ms, err);
    if (rc != 0 || (faults->exit_at == IPCB_NO_SEQ && faults->hang_at == IPCB_NO_SEQ) ||
        !measured_data(f->data, f->len))
        return rc;
    fl->received++;
    if (fl->received == faults->exit_at)
        raise(SIGKILL);
    if (fl->received == faults->hang_at)
        for (;;)
            pause();
    return rc;
}

static void fault_release(ipcb_link *l, ipcb_frame *f)
{
    fault_link *fl = unwrap(l);
    fl->w->real->release(fl->inner, f);
}

static void fault_close(ipcb_link *l)
{
    fault_link *fl = unwrap(l);
    fl->w->real->close(fl->inner);
    free(fl);
}

static unsigned fault_buffers(const ipcb_link *l)
{
    const fault_link *fl = (const fault_link *)(const void *)l;
    return fl->w->real->buffers(fl->inner);
}

const ipcb_transport *ipcb_fault_wrap(ipcb_fault_transport *w, const ipcb_transport *real,
                                      const ipcb_faults *f)
{
    if (f->corrupt_at == IPCB_NO_SEQ && f->exit_at == IPCB_NO_SEQ && f->hang_at == IPCB_NO_SEQ)
        return real;
    w->real = real;
    w->faults = *f;
    w->ops = *real; /* name, caps, infrastructure, reap: the real transport's */
    w->ops.listen = fault_listen;
    w->ops.accept = fault_accept;
    w->ops.connect = fault_connect;
    w->ops.send = fault_send;
    w->ops.recv = fault_recv;
    w->ops.release = real->release ? fault_release : NULL;
    w->ops.close = fault_close;
    w->ops.buffers = real->buffers ? fault_buffers : NULL;
    return &w->ops;
}

/* ---- a fault must fire or fail the run ------------------------------------ */

typedef struct fault_ref { const char *kind; uint64_t frame; } fault_ref;

/* The frame faults given, in a fixed order. */
static size_t frame_faults(const ipcb_faults *f, fault_ref out[3])
{
    const fault_ref all[3] = { { "corrupt", f->corrupt_at }, { "peer-exit", f->exit_at },
                               { "peer-hang", f->hang_at } };
    size_t n = 0;
    for (size_t i = 0; i < 3; i++)
        if (all[i].frame != IPCB_NO_SEQ)
            out[n++] = all[i];
    return n;
}

int ipcb_faults_check_reachable(const ipcb_faults *f, int64_t frames, char *why, size_t len)
{
    fault_ref r[3];
    size_t n = frame_faults(f, r);
    for (size_t i = 0; i < n; i++)
        if (r[i].frame == 0 || r[i].frame > (uint64_t)frames) {
            snprintf(why, len, "fault %s@%llu not reached: the run measured %lld frames "
                     "(faults count measured frames from 1; raise --min-frames)",
                     r[i].kind, (unsigned long long)r[i].frame, (long long)frames);
            return -1;
        }
    return 0;
}

int ipcb_faults_check_fired(const ipcb_faults *f, int verify, char *why, size_t len)
{
    fault_ref r[3];
    if (frame_faults(f, r) == 0)
        return 0;
    if (strcmp(r[0].kind, "corrupt") == 0)
        snprintf(why, len, "fault corrupt@%llu was not detected: the peer checksums %s (use --verify all)",
                 (unsigned long long)r[0].frame, verify == IPCB_VERIFY_NONE ? "no frame" : "1 frame in 16");
    else
        snprintf(why, len, "fault %s@%llu did not fire", r[0].kind, (unsigned long long)r[0].frame);
    return -1;
}
