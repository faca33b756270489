/* The broker's outgoing side: shared packet bodies (large ones cached for
 * reuse), per-client queues under the slow-subscriber policy, and gathered
 * non-blocking writes that pass a memfd on the first byte of its packet. */
#include "qcopd_internal.h"

#include "memfd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MAX_IOV = 64, CACHE_MIN_BYTES = 1 << 20, CACHE_BUDGET_FLOOR = 64 << 20 };

static uint8_t *take_cached(qcopd *b, size_t len, size_t *cap)
{
    for (int i = 0; i < QCOPD_CACHED_BODIES; i++)
        if (b->cache[i] && b->cache_cap[i] >= len) {
            uint8_t *p = b->cache[i];
            *cap = b->cache_cap[i];
            b->cache[i] = NULL;
            b->cache_cap[i] = 0;
            return p;
        }
    return NULL;
}

static size_t cached_bytes(const qcopd *b)
{
    size_t total = 0;
    for (int i = 0; i < QCOPD_CACHED_BODIES; i++)
        total += b->cache_cap[i];
    return total;
}

/* Keeps a large buffer for reuse in place of the smallest cached one (an
 * empty slot counts as size 0) while the cache stays within its byte budget
 * (64 MiB or two maximum packets, whichever is more); else frees it. */
static void give_cached(qcopd *b, uint8_t *p, size_t cap)
{
    size_t budget = (size_t)b->cfg.max_packet * 2;
    int slot = -1;
    if (budget < CACHE_BUDGET_FLOOR)
        budget = CACHE_BUDGET_FLOOR;
    if (cap >= CACHE_MIN_BYTES)
        for (int i = 0; i < QCOPD_CACHED_BODIES; i++)
            if (slot < 0 || b->cache_cap[i] < b->cache_cap[slot])
                slot = i;
    if (slot < 0 || b->cache_cap[slot] >= cap ||
        cached_bytes(b) - b->cache_cap[slot] + cap > budget) {
        free(p);
        return;
    }
    free(b->cache[slot]);
    b->cache[slot] = p;
    b->cache_cap[slot] = cap;
}

void qcopd_cache_trim(qcopd *b)
{
    for (int i = 0; i < QCOPD_CACHED_BODIES; i++) {
        free(b->cache[i]);
        b->cache[i] = NULL;
        b->cache_cap[i] = 0;
    }
}

qcopd_body *qcopd_body_new(qcopd *b, size_t len)
{
    qcopd_body *body = malloc(sizeof *body);
    if (!body)
        return NULL;
    body->refs = 1;
    body->fd = -1;
    body->len = len;
    body->bytes = len >= CACHE_MIN_BYTES ? take_cached(b, len, &body->cap) : NULL;
    if (!body->bytes) {
        body->cap = len;
        body->bytes = malloc(len ? len : 1);
    }
    if (!body->bytes) {
        free(body);
        return NULL;
    }
    return body;
}

void qcopd_body_unref(qcopd *b, qcopd_body *body)
{
    if (--body->refs > 0)
        return;
    if (body->fd >= 0)
        close(body->fd);
    give_cached(b, body->bytes, body->cap);
    free(body);
}

static void entry_free(qcopd *b, qcopd_entry *e)
{
    qcopd_body_unref(b, e->body);
    free(e);
}

void qcopd_queue_clear(qcopd *b, qcopd_client *c)
{
    while (c->head) {
        qcopd_entry *e = c->head;
        c->head = e->next;
        entry_free(b, e);
    }
    c->tail = NULL;
    c->queued = 0;
}

int qcopd_queue(qcopd *b, qcopd_client *c, const qcop_header *h, qcopd_body *body)
{
    if (c->dead)
        return -1;
    qcopd_entry *e = calloc(1, sizeof *e);
    if (!e) {
        qcopd_kill(b, c, "out of memory for its queue");
        return -1;
    }
    qcop_header_encode(h, e->hdr);
    e->body = body;
    body->refs++;
    e->size = h->total_len;
    e->data_len = h->data_len;
    e->cost = e->size + QCOPD_ENTRY_COST + (body->fd >= 0 ? h->data_len : 0);
    if (c->head && c->queued + e->cost > b->cfg.max_queue) {
        char why[160];
        snprintf(why, sizeof why, "slow subscriber: %zu bytes waiting, limit %zu", c->queued, b->cfg.max_queue);
        entry_free(b, e);
        b->stats.slow_disconnects++;
        qcopd_kill(b, c, why);
        return -1;
    }
    if (c->tail)
        c->tail->next = e;
    else
        c->head = e;
    c->tail = e;
    c->queued += e->cost;
    qcopd_flush(b, c);
    return 0;
}

/* Gathers queued packets into iov: the head from where it stopped, then whole
 * packets up to the next one that carries a descriptor (a descriptor rides on
 * the first byte of a sendmsg). Returns the number of iovecs. */
static int gather(const qcopd_client *c, struct iovec *iov)
{
    int n = 0;
    for (const qcopd_entry *e = c->head; e && n + 2 <= MAX_IOV; e = e->next) {
        if (e != c->head && e->body->fd >= 0)
            break;
        if (e->off < QCOP_HEADER_SIZE)
            iov[n++] = (struct iovec){ (uint8_t *)e->hdr + e->off, QCOP_HEADER_SIZE - e->off };
        size_t from = e->off > QCOP_HEADER_SIZE ? e->off - QCOP_HEADER_SIZE : 0;
        if (from < e->body->len)
            iov[n++] = (struct iovec){ e->body->bytes + from, e->body->len - from };
    }
    return n;
}

static void consumed(qcopd *b, qcopd_client *c, size_t n)
{
    while (n > 0 && c->head) {
        qcopd_entry *e = c->head;
        size_t left = e->size - e->off;
        if (n < left) {
            e->off += n;
            return;
        }
        n -= left;
        c->head = e->next;
        if (!c->head)
            c->tail = NULL;
        c->queued -= e->cost;
        b->stats.packets_out++;
        b->stats.bytes_out += e->size;
        b->stats.fds_forwarded += e->body->fd >= 0;
        entry_free(b, e);
    }
}

/* The head entry's descriptor rides on its first byte. */
static ssize_t send_gathered(qcopd_client *c, struct iovec *iov, int niov)
{
    const qcopd_entry *e = c->head;
    int fd = e->body->fd >= 0 && e->off == 0 ? e->body->fd : -1;
    return ipcb_send_fd(c->fd, iov, niov, fd, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void want_out(qcopd *b, qcopd_client *c, int on)
{
    if (c->polling_out == on || c->dead)
        return;
    struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c };
    if (epoll_ctl(b->ep, EPOLL_CTL_MOD, c->fd, &ev) != 0) {
        qcopd_kill(b, c, "epoll_ctl failed");
        return;
    }
    c->polling_out = on;
}

void qcopd_flush(qcopd *b, qcopd_client *c)
{
    struct iovec iov[MAX_IOV];
    while (c->head && !c->dead) {
        ssize_t n = send_gathered(c, iov, gather(c, iov));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n < 0) {
            char why[128];
            snprintf(why, sizeof why, "write: %s", strerror(errno));
            qcopd_kill(b, c, errno == EPIPE || errno == ECONNRESET ? NULL : why);
            return;
        }
        consumed(b, c, (size_t)n);
    }
    want_out(b, c, c->head != NULL);
}
