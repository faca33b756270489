/* The receiving side of a benchmark: t1 is taken as soon as the transport
 * hands over a complete frame; header, sequence and checksum are checked after
 * t1 (outside the one-way latency), then the frame is acked if asked. */
#include "peer.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "wire.h"

static const char *const verify_names[] = { "none", "sample", "all" };

const char *ipcb_verify_name(int v)
{
    return v >= 0 && v <= IPCB_VERIFY_ALL ? verify_names[v] : "?";
}

int ipcb_verify_parse(const char *text, int *v)
{
    for (int i = 0; i <= IPCB_VERIFY_ALL; i++)
        if (strcmp(text, verify_names[i]) == 0) {
            *v = i;
            return 0;
        }
    return -1;
}

int ipcb_peer_init(ipcb_peer *p, const ipcb_transport *t, ipcb_link *link,
                   const ipcb_peer_cfg *cfg, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->t = t;
    p->link = link;
    p->cfg = *cfg;
    p->cap = (IPCB_HEADER_SIZE + cfg->payload_bytes + 63) & ~(size_t)63;
    p->buf = aligned_alloc(64, p->cap);
    if (!p->buf) {
        snprintf(err, errlen, "out of memory for a %zu-byte receive buffer", p->cap);
        return -1;
    }
    memset(p->buf, 0, p->cap); /* prefault: no measured frame pays for a first touch */
    return 0;
}

void ipcb_peer_free(ipcb_peer *p)
{
    free(p->buf);
    p->buf = NULL;
}

static void usage_mark(ipcb_peer *p, int starting)
{
    ipcb_usage now;
    if (!p->cfg.measure_cpu)
        return;
    ipcb_usage_self(&now);
    if (starting)
        p->usage_start = now;
    else
        ipcb_usage_since(&p->usage, &now, &p->usage_start);
}

static int send_ack(ipcb_peer *p, uint64_t seq, uint64_t t1, uint32_t status)
{
    uint8_t msg[IPCB_HEADER_SIZE];
    ipcb_header h = {
        .magic = IPCB_MAGIC, .version = IPCB_VERSION, .kind = IPCB_KIND_ACK,
        .seq = seq, .timestamp_ns = t1, .status = status,
    };
    ipcb_header_encode(&h, msg);
    ipcb_frame f = { .data = msg, .len = sizeof msg };
    char err[IPCB_ERR_MAX];
    if (p->t->send(p->link, &f, err) != 0) {
        snprintf(p->err, sizeof p->err, "sending ack: %s", err);
        return -1;
    }
    return 0;
}

static int should_checksum(const ipcb_peer *p, uint64_t seq)
{
    return p->cfg.verify == IPCB_VERIFY_ALL ||
           (p->cfg.verify == IPCB_VERIFY_SAMPLE && seq % IPCB_VERIFY_SAMPLE_EVERY == 0);
}

/* Checks a DATA frame; returns IPCB_STATUS_* with p->err set on failure. */
static int check_frame(ipcb_peer *p, const ipcb_header *h, const ipcb_frame *f)
{
    char why[200];
    int st = ipcb_header_check_data(h, f->len, p->cfg.payload_bytes, p->next_seq,
                                    p->cfg.allow_gaps, why, sizeof why);
    if (st != IPCB_STATUS_OK) {
        snprintf(p->err, sizeof p->err, "frame %llu: %s", (unsigned long long)h->seq, why);
        return st;
    }
    if (should_checksum(p, h->seq)) {
        uint64_t sum = ipcb_checksum(f->data + IPCB_HEADER_SIZE, h->payload_len);
        if (sum != h->checksum) {
            snprintf(p->err, sizeof p->err,
                     "frame %llu: payload checksum mismatch (XXH3 %016llx, header says %016llx)",
                     (unsigned long long)h->seq, (unsigned long long)sum,
                     (unsigned long long)h->checksum);
            return IPCB_STATUS_BAD_CHECKSUM;
        }
    }
    return IPCB_STATUS_OK;
}

static int handle_data(ipcb_peer *p, const ipcb_header *h, const ipcb_frame *f, uint64_t t1)
{
    int measured = !(h->flags & IPCB_FLAG_WARMUP);
    if (measured && !p->measuring) {
        p->measuring = 1;
        usage_mark(p, 1);
    }
    p->status = check_frame(p, h, f);
    if (p->status != IPCB_STATUS_OK) {
        send_ack(p, h->seq, t1, (uint32_t)p->status);
        return IPCB_PEER_FAILED;
    }
    if (measured) {
        p->dropped += h->seq - p->next_seq;
        p->frames++;
        p->bytes += h->payload_len;
    }
    p->next_seq = h->seq + 1;
    if ((h->flags & IPCB_FLAG_ACK_NOW) && send_ack(p, h->seq, t1, IPCB_STATUS_OK) != 0)
        return IPCB_PEER_FAILED;
    return IPCB_PEER_FRAME;
}

int ipcb_peer_step(ipcb_peer *p, int timeout_ms)
{
    char err[IPCB_ERR_MAX];
    ipcb_frame f = { .buf = p->buf, .cap = p->cap };
    int rc = p->t->recv(p->link, &f, timeout_ms, err);
    uint64_t t1 = ipcb_now_ns();
    if (rc == 1)
        return IPCB_PEER_TIMEOUT;
    if (rc != 0) {
        snprintf(p->err, sizeof p->err, "receiving: %s", err);
        return IPCB_PEER_FAILED;
    }
    ipcb_header h;
    int result;
    if (ipcb_header_decode(&h, f.data, f.len, err, sizeof err) != 0) {
        p->status = IPCB_STATUS_BAD_HEADER;
        snprintf(p->err, sizeof p->err, "frame after %llu: %s",
                 (unsigned long long)p->next_seq, err);
        send_ack(p, p->next_seq, t1, IPCB_STATUS_BAD_HEADER);
        result = IPCB_PEER_FAILED;
    } else if (h.kind == IPCB_KIND_STOP) {
        usage_mark(p, 0);
        result = send_ack(p, h.seq, t1, IPCB_STATUS_OK) == 0 ? IPCB_PEER_STOPPED
                                                                     : IPCB_PEER_FAILED;
    } else if (h.kind == IPCB_KIND_DATA) {
        result = handle_data(p, &h, &f, t1);
    } else {
        p->status = IPCB_STATUS_BAD_HEADER;
        snprintf(p->err, sizeof p->err, "unexpected message kind %u", h.kind);
        result = IPCB_PEER_FAILED;
    }
    if (f.loan && p->t->release)
        p->t->release(p->link, &f);
    return result;
}

void ipcb_peer_report(const ipcb_peer *p, ipcb_ctl_msg *done)
{
    memset(done, 0, sizeof *done);
    done->type = IPCB_CTL_DONE;
    done->status = (uint32_t)p->status;
    done->frames = p->frames;
    done->bytes = p->bytes;
    done->dropped = p->dropped;
    done->usage = p->usage;
}

static int peer_fail(int fd, const char *stage, const char *why)
{
    char text[600];
    snprintf(text, sizeof text, "%s: %s", stage, why);
    ipcb_ctl_send_text(fd, IPCB_CTL_ERROR, text);
    return 1;
}

static void pin_to(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)sched_setaffinity(0, sizeof set, &set);
}

int ipcb_peer_main(const ipcb_peer_args *a)
{
    char err[IPCB_ERR_MAX + 64];
    char addr[IPCB_ADDR_MAX];
    ipcb_opts o = {
        .rundir = a->rundir,
        .run_id = a->run_id,
        .params = a->params,
        .infra_address = a->infra_address,
        .group = a->group ? a->group : "",
        .group_size = 1,
        .max_message = IPCB_HEADER_SIZE + a->cfg.payload_bytes,
        .timeout_ms = a->timeout_ms,
        .window = a->window > 0 ? a->window : 1,
    };
    ipcb_link *link = NULL;
    ipcb_peer p;

    signal(SIGPIPE, SIG_IGN);
    pin_to(a->cpu);
    if (a->t->listen(a->t, &link, NULL, &o, addr, err) != 0)
        return peer_fail(a->control_fd, "listen", err);
    if (ipcb_ctl_send_text(a->control_fd, IPCB_CTL_READY, addr) != 0 ||
        a->t->accept(link, err) != 0) {
        a->t->close(link);
        return peer_fail(a->control_fd, "accept", err);
    }
    if (ipcb_peer_init(&p, a->t, link, &a->cfg, err, sizeof err) != 0) {
        a->t->close(link);
        return peer_fail(a->control_fd, "start", err);
    }
    int rc;
    while ((rc = ipcb_peer_step(&p, a->timeout_ms)) == IPCB_PEER_FRAME)
        ;
    if (rc == IPCB_PEER_TIMEOUT)
        snprintf(p.err, sizeof p.err, "no frame from the driver within %d ms", a->timeout_ms);
    int status = 0;
    if (rc == IPCB_PEER_STOPPED) {
        ipcb_ctl_msg done;
        ipcb_peer_report(&p, &done);
        status = ipcb_ctl_send(a->control_fd, &done, err, sizeof err) == 0 ? 0 : 1;
    } else {
        ipcb_ctl_send_text(a->control_fd, IPCB_CTL_ERROR, p.err);
        status = 1;
    }
    ipcb_peer_free(&p);
    a->t->close(link);
    return status;
}
