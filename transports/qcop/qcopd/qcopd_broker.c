/* The broker's event loop and input side: accept clients, read and check
 * packets (descriptors too) and act on them: subscriptions, broadcast,
 * wildcard forwarding, replies. A client that breaks the protocol is dropped. */
#include "qcopd_internal.h"

#include "memfd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MAX_EVENTS = 64, ACCEPT_PAUSE_MS = 100, CACHE_IDLE_MS = 1000, FD_CMSG_MAX = 8 };

size_t qcopd_default_max_queue(uint32_t max_packet)
{
    size_t four = (size_t)max_packet * 4, floor = (size_t)64 << 20;
    return four > floor ? four : floor;
}

static void bad_packet(qcopd *b, qcopd_client *c, const char *why)
{
    char text[QCOP_ERR_MAX + 32];
    snprintf(text, sizeof text, "bad packet: %s", why);
    b->stats.bad_packets++;
    qcopd_kill(b, c, text);
}

/* ---- clients ------------------------------------------------------------- */

static int sub_add(qcopd_client *c, qcopd_channel *ch)
{
    if (c->nsubs == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        qcopd_channel **s = realloc(c->subs, cap * sizeof *s);
        if (!s)
            return -1;
        c->subs = s;
        c->cap = cap;
    }
    c->subs[c->nsubs++] = ch;
    return 0;
}

static void sub_forget(qcopd_client *c, const qcopd_channel *ch)
{
    for (size_t i = 0; i < c->nsubs; i++)
        if (c->subs[i] == ch) {
            c->subs[i] = c->subs[--c->nsubs];
            return;
        }
}

static void client_free(qcopd *b, qcopd_client *c)
{
    qcopd_loans_drop(b, c);
    for (size_t i = 0; i < c->nsubs; i++)
        qcopd_table_unsubscribe(&b->table, c->subs[i], c);
    qcopd_queue_clear(b, c);
    for (int i = 0; i < c->nfds; i++)
        close(c->fds[i].fd);
    if (c->big)
        qcopd_body_unref(b, c->big);
    epoll_ctl(b->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    *c->pprev = c->next;
    if (c->next)
        c->next->pprev = c->pprev;
    free(c->subs);
    free(c->rbuf);
    free(c);
    b->stats.clients--;
}

static void reap_dead(qcopd *b)
{
    while (b->dead) {
        qcopd_client *c = b->dead;
        b->dead = c->next_dead;
        client_free(b, c);
    }
}

/* Only the broker's own user (or root) may talk to it. The socket's 0600 mode
 * in a 0700 directory already says so; this is the second lock. */
static int peer_allowed(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return 0;
    return cred.uid == geteuid() || cred.uid == 0;
}

static void client_new(qcopd *b, int fd)
{
    qcopd_client *c = calloc(1, sizeof *c);
    if (c)
        c->rbuf = malloc(QCOPD_RBUF_SIZE);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
    if (!c || !c->rbuf || epoll_ctl(b->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        qcopd_logf(b, "cannot take a new client: %s", c && c->rbuf ? strerror(errno) : "out of memory");
        if (c)
            free(c->rbuf);
        free(c);
        close(fd);
        return;
    }
    c->fd = fd;
    c->id = ++b->next_id;
    c->next = b->clients;
    if (c->next)
        c->next->pprev = &c->next;
    c->pprev = &b->clients;
    b->clients = c;
    b->stats.clients++;
    b->stats.clients_total++;
}

static void accept_clients(qcopd *b)
{
    for (int i = 0; i < MAX_EVENTS; i++) {
        int fd = accept4(b->cfg.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                qcopd_logf(b, "accept: %s; not accepting for %d ms", strerror(errno), ACCEPT_PAUSE_MS);
                epoll_ctl(b->ep, EPOLL_CTL_DEL, b->cfg.listen_fd, NULL);
                b->accept_paused = 1;
            }
            return;
        }
        if (!peer_allowed(fd)) {
            qcopd_logf(b, "refused a client of another user");
            close(fd);
            continue;
        }
        client_new(b, fd);
    }
}

/* ---- acting on packets ------------------------------------------------- */

static void reply(qcopd *b, qcopd_client *c, qcop_cmd cmd, uint32_t id,
                  const uint8_t *channel, size_t clen, const void *data, size_t dlen)
{
    qcopd_body *body = qcopd_body_new(b, clen + dlen);
    if (!body) {
        qcopd_kill(b, c, "out of memory for a reply");
        return;
    }
    if (clen)
        memcpy(body->bytes, channel, clen);
    if (dlen)
        memcpy(body->bytes + clen, data, dlen);
    qcop_header h = qcop_header_make(cmd, 0, clen, 0, dlen, id);
    qcopd_queue(b, c, &h, body);
    qcopd_body_unref(b, body);
}

static void stats_reply(qcopd *b, qcopd_client *c, uint32_t id)
{
    const qcopd_stats *s = &b->stats;
    char text[600];
    int n = snprintf(text, sizeof text,
                     "clients=%llu\nclients_total=%llu\nchannels=%llu\npackets_in=%llu\n"
                     "packets_out=%llu\nbytes_in=%llu\nbytes_out=%llu\nfds_forwarded=%llu\n"
                     "slow_disconnects=%llu\nbad_packets=%llu\nmidpacket_disconnects=%llu\n"
                     "loans=%llu\nmax_packet=%u\nmax_queue=%zu\n",
                     (unsigned long long)s->clients, (unsigned long long)s->clients_total,
                     (unsigned long long)b->table.count, (unsigned long long)s->packets_in,
                     (unsigned long long)s->packets_out, (unsigned long long)s->bytes_in,
                     (unsigned long long)s->bytes_out, (unsigned long long)s->fds_forwarded,
                     (unsigned long long)s->slow_disconnects, (unsigned long long)s->bad_packets,
                     (unsigned long long)s->midpacket_disconnects, (unsigned long long)b->loans,
                     (unsigned)b->cfg.max_packet,
                     b->cfg.max_queue);
    reply(b, c, QCOP_CMD_STATS_REPLY, id, NULL, 0, text, (size_t)n);
}

static void do_register(qcopd *b, qcopd_client *c, const uint8_t *name, size_t len)
{
    int added;
    qcopd_channel *ch = qcopd_table_subscribe(&b->table, name, len, c, &added);
    if (!ch || (added && sub_add(c, ch) != 0)) {
        if (ch && added)
            qcopd_table_unsubscribe(&b->table, ch, c);
        qcopd_kill(b, c, "out of memory for a subscription");
    }
}

static void do_unregister(qcopd *b, qcopd_client *c, const uint8_t *name, size_t len)
{
    qcopd_channel *ch = qcopd_table_find(&b->table, name, len);
    for (size_t i = 0; ch && i < c->nsubs; i++)
        if (c->subs[i] == ch) {
            sub_forget(c, ch);
            qcopd_table_unsubscribe(&b->table, ch, c);
            return;
        }
}

/* Queues one delivery of a broadcast for s; a loan counts it. */
static void deliver_to(qcopd *b, qcopd_client *s, qcop_header *h, qcopd_body *body, qcopd_loan *loan)
{
    if (loan && s->owed.n >= QCOPD_MAX_OWED) {
        b->stats.slow_disconnects++;
        qcopd_kill(b, s, "slow subscriber: too many unreleased buffers");
        return;
    }
    if (qcopd_queue(b, s, h, body) == 0 && loan && qcopd_loan_owe(b, s, loan) != 0)
        qcopd_kill(b, s, "out of memory for a loan");
}

/* To every subscriber of the exact channel as SEND, then once to each client
 * with a matching wildcard as FORWARD. The body is shared, not copied. */
static void deliver(qcopd *b, qcopd_client *from, const qcop_header *in, qcopd_body *body)
{
    qcop_header h = *in;
    qcopd_loan *loan = NULL;
    uint64_t stamp = ++b->stamp;
    if ((in->flags & QCOP_FLAG_LOAN) && !(loan = qcopd_loan_new(b, from, in->id))) {
        qcopd_kill(b, from, "out of memory for a loan");
        return;
    }
    h.command = QCOP_CMD_SEND;
    h.id = loan ? loan->id : 0;
    qcopd_channel *ch = qcopd_table_find(&b->table, body->bytes, in->channel_len);
    for (size_t i = 0; ch && i < ch->nsubs; i++)
        deliver_to(b, ch->subs[i], &h, body, loan);
    h.command = QCOP_CMD_FORWARD;
    for (qcopd_channel *p = b->table.patterns; p; p = p->pnext) {
        if (!qcop_glob_match(p->name, p->len, body->bytes, in->channel_len))
            continue;
        for (size_t i = 0; i < p->nsubs; i++) {
            qcopd_client *s = p->subs[i];
            if (s->stamp == stamp)
                continue;
            s->stamp = stamp;
            deliver_to(b, s, &h, body, loan);
        }
    }
    if (loan)
        qcopd_loan_sent(b, loan);
}

/* Acts on one complete packet. body (the caller's reference) holds channel +
 * message + inline data, and in zero-copy mode the checked memfd. */
static void handle_packet(qcopd *b, qcopd_client *c, const qcop_header *h, qcopd_body *body)
{
    const uint8_t *name = body->bytes;
    b->stats.packets_in++;
    b->stats.bytes_in += h->total_len;
    switch (h->command) {
    case QCOP_CMD_REGISTER:
        do_register(b, c, name, h->channel_len);
        break;
    case QCOP_CMD_UNREGISTER:
        do_unregister(b, c, name, h->channel_len);
        break;
    case QCOP_CMD_SEND:
        deliver(b, c, h, body);
        break;
    case QCOP_CMD_RELEASE:
        if (qcopd_loan_release(b, c, h->id) != 0)
            bad_packet(b, c, "release of a buffer it does not hold");
        break;
    case QCOP_CMD_IS_REGISTERED: {
        uint8_t yes = qcopd_table_find(&b->table, name, h->channel_len) != NULL;
        reply(b, c, QCOP_CMD_IS_REGISTERED_REPLY, h->id, name, h->channel_len, &yes, 1);
        break;
    }
    case QCOP_CMD_SYNC:
        reply(b, c, QCOP_CMD_SYNC_REPLY, h->id, NULL, 0, NULL, 0);
        break;
    case QCOP_CMD_STATS:
        stats_reply(b, c, h->id);
        break;
    default: /* qcop_header_check let only client commands through */
        break;
    }
}

/* ---- input --------------------------------------------------------------- */

/* Finds the descriptor of a packet starting at stream offset start. A
 * descriptor arrives with the read that holds its packet's first byte, so an
 * older one nobody claimed, or a flagged packet without one, is an error.
 * Returns 0 with *fd (-1 if the packet has none), or -1 (client killed). */
static int claim_fd(qcopd *b, qcopd_client *c, const qcop_header *h, uint64_t start, int *fd)
{
    char err[QCOP_ERR_MAX];
    *fd = -1;
    if (c->nfds > 0 && c->fds[0].end <= start) {
        bad_packet(b, c, "a descriptor came without a packet to carry it");
        return -1;
    }
    if (!(h->flags & QCOP_FLAG_FD))
        return 0;
    if (c->nfds == 0 || c->fds[0].start > start) {
        bad_packet(b, c, "packet flagged with a descriptor came without one");
        return -1;
    }
    *fd = c->fds[0].fd;
    memmove(&c->fds[0], &c->fds[1], (size_t)(--c->nfds) * sizeof c->fds[0]);
    if (ipcb_memfd_check(*fd, h->data_len, err, QCOP_ERR_MAX) != 0) {
        close(*fd);
        bad_packet(b, c, err);
        return -1;
    }
    return 0;
}

/* A complete packet in rbuf at pos: copy its body and act on it. */
static int take_small(qcopd *b, qcopd_client *c, const qcop_packet *p, size_t pos)
{
    int fd;
    uint64_t start = c->in_total - c->rlen + pos;
    if (claim_fd(b, c, &p->h, start, &fd) != 0)
        return -1;
    size_t len = p->h.total_len - QCOP_HEADER_SIZE;
    qcopd_body *body = qcopd_body_new(b, len);
    if (!body) {
        if (fd >= 0)
            close(fd);
        qcopd_kill(b, c, "out of memory for a packet");
        return -1;
    }
    memcpy(body->bytes, p->channel, len);
    body->fd = fd;
    handle_packet(b, c, &p->h, body);
    qcopd_body_unref(b, body);
    return 0;
}

/* The start of a packet too large for rbuf is at pos (header and names are
 * checked): its body is read in place from now on. */
static void start_big(qcopd *b, qcopd_client *c, size_t pos)
{
    int fd;
    qcop_header h;
    qcop_header_decode(c->rbuf + pos, &h);
    if (claim_fd(b, c, &h, c->in_total - c->rlen + pos, &fd) != 0)
        return;
    if (fd >= 0) { /* cannot happen: a packet with a descriptor is small */
        close(fd);
        bad_packet(b, c, "descriptor on a large packet");
        return;
    }
    size_t have = c->rlen - pos - QCOP_HEADER_SIZE;
    c->big = qcopd_body_new(b, h.total_len - QCOP_HEADER_SIZE);
    if (!c->big) {
        qcopd_kill(b, c, "out of memory for a large packet");
        return;
    }
    memcpy(c->big->bytes, c->rbuf + pos + QCOP_HEADER_SIZE, have);
    c->big_h = h;
    c->big_got = have;
}

static void parse_buffered(qcopd *b, qcopd_client *c)
{
    size_t pos = 0;
    while (!c->dead && pos < c->rlen) {
        qcop_packet p;
        char err[QCOP_ERR_MAX];
        size_t avail = c->rlen - pos;
        long r = qcop_parse(c->rbuf + pos, avail, QCOP_FROM_CLIENT, b->cfg.max_packet, &p, err);
        if (r < 0) {
            bad_packet(b, c, err);
            return;
        }
        if (r > 0) {
            if (take_small(b, c, &p, pos) != 0)
                return;
            pos += (size_t)r;
            continue;
        }
        if (avail >= QCOP_HEADER_SIZE &&
            avail >= QCOP_HEADER_SIZE + (size_t)p.h.channel_len + p.h.message_len &&
            p.h.total_len > QCOPD_RBUF_SIZE) {
            start_big(b, c, pos);
            pos = c->rlen;
        }
        break;
    }
    memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
    c->rlen -= pos;
}

/* Keeps the descriptors that came with a read of [start, start + n). */
static int take_fds(qcopd *b, qcopd_client *c, struct msghdr *mh, uint64_t start, size_t n)
{
    int fds[FD_CMSG_MAX], overflow;
    size_t room = QCOPD_MAX_PENDING_FDS - c->nfds;
    size_t got = ipcb_take_fds(mh, fds, room < FD_CMSG_MAX ? room : FD_CMSG_MAX, &overflow);
    for (size_t i = 0; i < got; i++)
        c->fds[c->nfds++] = (qcopd_pending_fd){ fds[i], start, start + n };
    if (overflow) {
        bad_packet(b, c, "too many descriptors");
        return -1;
    }
    return 0;
}

/* One recvmsg into to; returns bytes read, 0 on end of stream, -1 when
 * nothing is there (EAGAIN) or on error (client killed). */
static ssize_t read_some(qcopd *b, qcopd_client *c, uint8_t *to, size_t want)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * FD_CMSG_MAX)];
    } u;
    struct iovec iov = { to, want };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                         .msg_controllen = sizeof u.buf };
    ssize_t n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR)
            qcopd_kill(b, c, errno == ECONNRESET ? NULL : strerror(errno));
        return -1;
    }
    if (take_fds(b, c, &mh, c->in_total, (size_t)n) != 0)
        return -1;
    c->in_total += (uint64_t)n;
    return n;
}

static void end_of_stream(qcopd *b, qcopd_client *c)
{
    if (c->big || c->rlen > 0) {
        char why[128];
        snprintf(why, sizeof why, "disconnected mid-packet (%zu bytes of it read)",
                 c->big ? c->big_got + QCOP_HEADER_SIZE : c->rlen);
        b->stats.midpacket_disconnects++;
        qcopd_kill(b, c, why);
        return;
    }
    qcopd_kill(b, c, NULL);
}

static void client_readable(qcopd *b, qcopd_client *c)
{
    if (c->big) {
        size_t want = c->big->len - c->big_got;
        ssize_t n = read_some(b, c, c->big->bytes + c->big_got, want);
        if (n == 0)
            end_of_stream(b, c);
        if (n <= 0)
            return;
        c->big_got += (size_t)n;
        if (c->big_got == c->big->len) {
            qcopd_body *body = c->big;
            c->big = NULL;
            handle_packet(b, c, &c->big_h, body);
            qcopd_body_unref(b, body);
        }
        return;
    }
    ssize_t n = read_some(b, c, c->rbuf + c->rlen, QCOPD_RBUF_SIZE - c->rlen);
    if (n == 0)
        end_of_stream(b, c);
    if (n <= 0)
        return;
    c->rlen += (size_t)n;
    parse_buffered(b, c);
}

/* ---- the loop ------------------------------------------------------------ */

static void handle_event(qcopd *b, const struct epoll_event *ev)
{
    qcopd_client *c = ev->data.ptr;
    if (!c) {
        accept_clients(b);
        return;
    }
    if (c->dead)
        return;
    if (ev->events & EPOLLOUT)
        qcopd_flush(b, c);
    if (!c->dead && (ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        client_readable(b, c);
}

static int listen_add(qcopd *b)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    return epoll_ctl(b->ep, EPOLL_CTL_ADD, b->cfg.listen_fd, &ev);
}

static int has_cache(const qcopd *b)
{
    for (int i = 0; i < QCOPD_CACHED_BODIES; i++)
        if (b->cache[i])
            return 1;
    return 0;
}

static int wait_timeout(const qcopd *b)
{
    if (b->accept_paused)
        return ACCEPT_PAUSE_MS;
    return has_cache(b) ? CACHE_IDLE_MS : -1;
}

static int loop(qcopd *b, char *err)
{
    struct epoll_event ev[MAX_EVENTS];
    while (!*b->cfg.stop) {
        int n = epoll_pwait(b->ep, ev, MAX_EVENTS, wait_timeout(b), b->cfg.wait_sigmask);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, QCOP_ERR_MAX, "epoll_wait: %s", strerror(errno));
            return -1;
        }
        if (n == 0 && b->accept_paused && listen_add(b) == 0)
            b->accept_paused = 0;
        else if (n == 0)
            qcopd_cache_trim(b); /* idle: give the large buffers back */
        for (int i = 0; i < n; i++)
            handle_event(b, &ev[i]);
        reap_dead(b);
    }
    return 0;
}

static void shut_down(qcopd *b)
{
    for (qcopd_client *c = b->clients; c; c = c->next)
        qcopd_kill(b, c, NULL);
    reap_dead(b);
}

int qcopd_run(const qcopd_cfg *cfg, qcopd_stats *stats, char *err)
{
    qcopd b = { .cfg = *cfg, .ep = -1 };
    int rc = -1;
    if (!b.cfg.max_queue)
        b.cfg.max_queue = qcopd_default_max_queue(cfg->max_packet);
    if (qcopd_table_init(&b.table) != 0) {
        snprintf(err, QCOP_ERR_MAX, "out of memory");
        goto out;
    }
    b.ep = epoll_create1(EPOLL_CLOEXEC);
    if (b.ep < 0 || listen_add(&b) != 0) {
        snprintf(err, QCOP_ERR_MAX, "epoll: %s", strerror(errno));
        goto out;
    }
    rc = loop(&b, err);
out:
    b.stats.channels = b.table.count;
    if (stats)
        *stats = b.stats;
    shut_down(&b);
    qcopd_cache_trim(&b);
    qcopd_table_free(&b.table);
    if (b.ep >= 0)
        close(b.ep);
    close(cfg->listen_fd);
    return rc;
}
