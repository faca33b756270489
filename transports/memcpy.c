/* Reference transport "memcpy": both ends in the driver's process; a send is
 * one memcpy into a mailbox and the receiver gets a view of it. Its figures are
 * the physical limit of any copying transport and the harness's own overhead. */
#include "transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One message slot. A newer message replaces an unread one: acks are
 * cumulative, and the harness drains each data frame before sending the next. */
typedef struct mailbox {
    uint8_t *buf;
    size_t   cap, len;
    int      full;
} mailbox;

struct ipcb_infra {
    mailbox to_peer, to_driver;
};

struct ipcb_link {
    mailbox *in, *out;
};

static void memcpy_stop(ipcb_infra *infra)
{
    if (!infra)
        return;
    free(infra->to_peer.buf);
    free(infra->to_driver.buf);
    free(infra);
}

static int memcpy_start(const ipcb_transport *t, ipcb_infra **out, const ipcb_opts *o, char *err)
{
    (void)t;
    ipcb_infra *infra = calloc(1, sizeof *infra);
    size_t cap = (o->max_message + 63) & ~(size_t)63;
    if (infra) {
        infra->to_peer.buf = aligned_alloc(64, cap);
        infra->to_driver.buf = aligned_alloc(64, cap);
        infra->to_peer.cap = infra->to_driver.cap = cap;
    }
    if (!infra || !infra->to_peer.buf || !infra->to_driver.buf) {
        snprintf(err, IPCB_ERR_MAX, "out of memory for %zu-byte mailboxes", cap);
        memcpy_stop(infra);
        return -1;
    }
    *out = infra;
    return 0;
}

static int new_link(ipcb_link **out, mailbox *in, mailbox *outbox, char *err)
{
    ipcb_link *l = malloc(sizeof *l);
    if (!l) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return -1;
    }
    l->in = in;
    l->out = outbox;
    *out = l;
    return 0;
}

static int memcpy_listen(const ipcb_transport *t, ipcb_link **l, ipcb_infra *infra,
                         const ipcb_opts *o, char addr[IPCB_ADDR_MAX], char *err)
{
    (void)t;
    (void)o;
    snprintf(addr, IPCB_ADDR_MAX, "in-process");
    return new_link(l, &infra->to_peer, &infra->to_driver, err);
}

static int memcpy_accept(ipcb_link *l, char *err)
{
    (void)l;
    (void)err;
    return 0;
}

static int memcpy_connect(const ipcb_transport *t, ipcb_link **l, ipcb_infra *infra,
                          const ipcb_opts *o, const char *addr, char *err)
{
    (void)t;
    (void)o;
    (void)addr;
    return new_link(l, &infra->to_driver, &infra->to_peer, err);
}

static int memcpy_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    if (f->len > l->out->cap) {
        snprintf(err, IPCB_ERR_MAX, "message of %zu bytes exceeds the %zu-byte mailbox",
                 f->len, l->out->cap);
        return -1;
    }
    memcpy(l->out->buf, f->data, f->len);
    l->out->len = f->len;
    l->out->full = 1;
    return 0;
}

/* Nothing can arrive while the caller waits (same thread): empty is a timeout. */
static int memcpy_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    (void)timeout_ms;
    (void)err;
    if (!l->in->full)
        return 1;
    f->data = l->in->buf;
    f->len = l->in->len;
    f->loan = l->in;
    return 0;
}

static void memcpy_release(ipcb_link *l, ipcb_frame *f)
{
    (void)l;
    mailbox *m = f->loan;
    if (m)
        m->full = 0;
    f->loan = NULL;
}

static void memcpy_close(ipcb_link *l)
{
    free(l);
}

const ipcb_transport ipcb_transport_memcpy = {
    .name = "memcpy",
    .summary = "in-process memcpy into a mailbox (reference: the physical limit)",
    .caps = IPCB_CAP_IN_PROCESS | IPCB_CAP_ZERO_COPY,
    .max_frame = 0,
    .copies = 1,
    .start = memcpy_start,
    .stop = memcpy_stop,
    .listen = memcpy_listen,
    .accept = memcpy_accept,
    .connect = memcpy_connect,
    .send = memcpy_send,
    .recv = memcpy_recv,
    .release = memcpy_release,
    .close = memcpy_close,
};
