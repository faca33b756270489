/* The client library's receiving side: buffered reads with bounded waits,
 * descriptors kept as they arrive, and packet assembly (inline data straight
 * into the caller's buffer when it fits, memfd data checked and mapped). */
#include "qcop_client_internal.h"

#include "clock.h"
#include "interrupt.h"
#include "memfd.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* Waits until the socket is readable. Returns 1 ready, 0 at the deadline,
 * -1 with err (a signal interrupted the wait; in ipcbench, also a Ctrl-C that
 * came just before it). */
static int wait_readable(qcop_client *c, long long deadline_ms, char *err)
{
    long long left = deadline_ms < 0 ? -1 : deadline_ms - ipcb_now_ms();
    struct pollfd p = { .fd = c->fd, .events = POLLIN };
    int n = ipcb_poll(&p, 1, left < 0 && deadline_ms >= 0 ? 0 : (int)left);
    if (n >= 0)
        return n > 0;
    snprintf(err, QCOP_ERR_MAX, errno == EINTR ? "interrupted" : "poll: %s", strerror(errno));
    return -1;
}

/* Keeps the descriptors that came with a read. */
static int take_fds(qcop_client *c, struct msghdr *mh, char *err)
{
    int overflow;
    c->nfds += ipcb_take_fds(mh, c->fds + c->nfds, QCOP_MAX_FDS - c->nfds, &overflow);
    return overflow ? qcop_break(c, "the broker sent more descriptors than messages", err) : 0;
}

/* One recvmsg (flags: MSG_DONTWAIT, or 0 to block for at most the socket's
 * SO_RCVTIMEO). Returns bytes (> 0), 0 at end of stream, -1 when nothing came
 * (errno EAGAIN or EINTR), -2 with err on an error. */
static ssize_t recv_some(qcop_client *c, uint8_t *to, size_t want, int flags, char *err)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * QCOP_MAX_FDS)];
    } u;
    struct iovec iov = { to, want };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                         .msg_controllen = sizeof u.buf };
    ssize_t n = recvmsg(c->fd, &mh, flags | MSG_CMSG_CLOEXEC);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return -1;
    if (n < 0) {
        char why[QCOP_ERR_MAX];
        snprintf(why, sizeof why, "reading from qcopd: %s", strerror(errno));
        qcop_break(c, why, err);
        return -2;
    }
    if (take_fds(c, &mh, err) != 0)
        return -2;
    return n;
}

static int closed(qcop_client *c, int mid_message, char *err)
{
    return qcop_break(c, mid_message ? "qcopd closed the connection mid-message"
                                     : "qcopd closed the connection (broker gone)", err);
}

/* Reads more into rbuf. Returns 1, 0 at the deadline, -1 with err. */
static int fill(qcop_client *c, long long deadline_ms, char *err)
{
    if (c->rlen == 0)
        c->rstart = 0;
    if (c->rstart + c->rlen == QCOP_RBUF_SIZE) {
        memmove(c->rbuf, c->rbuf + c->rstart, c->rlen);
        c->rstart = 0;
    }
    for (;;) {
        int w = wait_readable(c, deadline_ms, err);
        if (w <= 0)
            return w;
        uint8_t *to = c->rbuf + c->rstart + c->rlen;
        ssize_t n = recv_some(c, to, QCOP_RBUF_SIZE - c->rstart - c->rlen, MSG_DONTWAIT, err);
        if (n == 0)
            return closed(c, c->rlen > 0, err);
        if (n == -2)
            return -1;
        if (n > 0) {
            c->rlen += (size_t)n;
            return 1;
        }
    }
}

/* Makes sure rbuf holds n bytes. Returns 0, 1 at the deadline, -1 with err. */
static int need(qcop_client *c, size_t n, long long deadline_ms, char *err)
{
    while (c->rlen < n) {
        int r = fill(c, deadline_ms, err);
        if (r <= 0)
            return r == 0 ? 1 : -1;
    }
    return 0;
}

static void consume(qcop_client *c, size_t n)
{
    c->rstart += n;
    c->rlen -= n;
}

/* Reads len bytes of data into to: what is buffered first, then straight
 * from the socket with blocking reads (one system call per chunk), each
 * bounded by SO_RCVTIMEO = o.timeout_ms; a stall breaks the client. */
static int read_data(qcop_client *c, uint8_t *to, size_t len, char *err)
{
    size_t got = c->rlen < len ? c->rlen : len;
    memcpy(to, c->rbuf + c->rstart, got);
    consume(c, got);
    while (got < len) {
        ssize_t n = recv_some(c, to + got, len - got, 0, err);
        if (n > 0) {
            got += (size_t)n;
            if (got < len && ipcb_interrupted) /* a signal cuts a blocking read short */
                return qcop_break(c, ipcb_interrupted_text, err);
            continue;
        }
        if (n == 0)
            return closed(c, 1, err);
        if (n == -2)
            return -1;
        if (errno == EINTR)
            return qcop_break(c, "interrupted", err);
        snprintf(err, QCOP_ERR_MAX, "qcopd stalled mid-message for %d ms", c->o.timeout_ms);
        return qcop_break(c, err, err);
    }
    return 0;
}

static int take_inline(qcop_client *c, qcop_rx *rx, void *buf, size_t cap, char *err)
{
    size_t len = rx->h.data_len;
    uint8_t *to;
    if (buf && len <= cap) {
        to = buf;
        rx->m.in_buf = 1;
    } else {
        if (len + 1 > c->data_cap) {
            uint8_t *d = realloc(c->data, len + 1);
            if (!d)
                return qcop_break(c, "out of memory for a message", err);
            c->data = d;
            c->data_cap = len + 1;
        }
        to = c->data;
        to[len] = '\0'; /* text data can be printed as is */
    }
    rx->m.data = to;
    return read_data(c, to, len, err);
}

/* A one-off memfd: checked, mapped, unmapped and closed at qcop_msg_done. */
static int take_memfd(qcop_client *c, qcop_rx *rx, int fd, char *err)
{
    char why[QCOP_ERR_MAX];
    void *map = NULL;
    if (ipcb_memfd_check(fd, rx->h.data_len, why, sizeof why) != 0 ||
        !(map = ipcb_memfd_map(fd, rx->h.data_len, why, sizeof why))) {
        close(fd);
        return qcop_break(c, why, err);
    }
    rx->m.fd = fd;
    rx->m.data = map;
    rx->m.mapped = 1;
    rx->m.priv_.map = map;
    rx->m.priv_.map_len = rx->h.data_len;
    return 0;
}

static int take_descriptor(qcop_client *c, qcop_rx *rx, char *err)
{
    if (c->nfds == 0)
        return qcop_break(c, "a message flagged with a descriptor came without one", err);
    int fd = c->fds[0];
    memmove(&c->fds[0], &c->fds[1], (size_t)(--c->nfds) * sizeof c->fds[0]);
    if (rx->h.flags & QCOP_FLAG_LOAN)
        return qcop_map_lent(c, fd, rx->h.id, rx->h.data_len, &rx->m, err);
    return take_memfd(c, rx, fd, err);
}

static void take_names(qcop_client *c, qcop_rx *rx)
{
    const qcop_header *h = &rx->h;
    const uint8_t *p = c->rbuf + c->rstart + QCOP_HEADER_SIZE;
    memcpy(c->names, p, h->channel_len);
    c->names[h->channel_len] = '\0';
    memcpy(c->names + h->channel_len + 1, p + h->channel_len, h->message_len);
    c->names[h->channel_len + 1 + h->message_len] = '\0';
    consume(c, QCOP_HEADER_SIZE + (size_t)h->channel_len + h->message_len);
    rx->m.command = (qcop_cmd)h->command;
    rx->m.channel = c->names;
    rx->m.message = c->names + h->channel_len + 1;
    rx->m.len = h->data_len;
}

int qcop_recv_packet(qcop_client *c, qcop_rx *rx, void *buf, size_t cap,
                     long long deadline_ms, char *err)
{
    char why[QCOP_ERR_MAX];
    memset(rx, 0, sizeof *rx);
    rx->m.fd = -1;
    if (c->broken[0])
        return qcop_break(c, c->broken, err);
    int r = need(c, QCOP_HEADER_SIZE, deadline_ms, err);
    if (r != 0)
        return r;
    qcop_header_decode(c->rbuf + c->rstart, &rx->h);
    if (qcop_header_check(&rx->h, QCOP_FROM_BROKER, c->o.max_packet, why) != 0)
        return qcop_break(c, why, err);
    r = need(c, QCOP_HEADER_SIZE + (size_t)rx->h.channel_len + rx->h.message_len, deadline_ms, err);
    if (r != 0)
        return r;
    if (qcop_names_check(&rx->h, c->rbuf + c->rstart + QCOP_HEADER_SIZE, why) != 0)
        return qcop_break(c, why, err);
    take_names(c, rx);
    if (rx->h.flags & QCOP_FLAG_FD)
        return take_descriptor(c, rx, err);
    return take_inline(c, rx, buf, cap, err);
}

int qcop_hold(qcop_client *c, qcop_msg *m, char *err)
{
    qcop_held *h = calloc(1, sizeof *h);
    int copy = !m->mapped && !m->in_buf;
    if (h && copy && !(h->copy = malloc(m->len ? m->len : 1))) {
        free(h);
        h = NULL;
    }
    if (!h) {
        qcop_msg_done(c, m);
        return qcop_break(c, "out of memory for a held message", err);
    }
    size_t clen = strlen(m->channel);
    memcpy(h->names, m->channel, clen + 1);
    memcpy(h->names + clen + 1, m->message, strlen(m->message) + 1);
    h->m = *m;
    h->m.channel = h->names;
    h->m.message = h->names + clen + 1;
    if (copy) {
        memcpy(h->copy, m->data, m->len);
        h->m.data = h->copy;
    }
    h->m.priv_.held = h;
    if (c->held_tail)
        c->held_tail->next = h;
    else
        c->held = h;
    c->held_tail = h;
    return 0;
}

void qcop_msg_done(qcop_client *c, qcop_msg *m)
{
    char err[QCOP_ERR_MAX];
    qcop_msg_priv *p = &m->priv_;
    if (p->map)
        munmap(p->map, p->map_len);
    if (m->fd >= 0)
        close(m->fd);
    if (p->cache)
        qcop_unmap_lent(c, p->cache);
    if (p->loan) /* a failure here breaks the client; its next call says so */
        qcop_send_packet(c, QCOP_CMD_RELEASE, 0, p->loan, NULL, NULL, NULL, 0, -1, err);
    if (p->held) {
        qcop_held *h = p->held;
        free(h->copy);
        free(h);
    }
    memset(m, 0, sizeof *m);
    m->fd = -1;
}
