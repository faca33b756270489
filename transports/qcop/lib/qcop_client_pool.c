/* The sending side of zero copy in the client library: a pool of sealed memfd
 * buffers lent to receivers until the broker reports them released (taken in
 * by qcop_absorb, with the other packets that are not messages). */
#include "qcop_client_internal.h"

#include "clock.h"
#include "memfd.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const size_t BUFFER_ROUND = 64 * 1024;

/* The smallest free buffer that holds len bytes, or -1. */
static int find_free(const qcop_client *c, size_t len)
{
    int best = -1;
    for (int i = 0; i < c->npool; i++)
        if (!c->pool[i].busy && c->pool[i].cap >= len && (best < 0 || c->pool[i].cap < c->pool[best].cap))
            best = i;
    return best;
}

static void drop_buffer(qcop_buffer *b)
{
    munmap(b->map, b->cap);
    close(b->fd);
    memset(b, 0, sizeof *b);
    b->fd = -1;
}

static int make_buffer(qcop_client *c, int slot, size_t len, char *err)
{
    qcop_buffer *b = &c->pool[slot];
    void *map;
    size_t cap = (len + BUFFER_ROUND - 1) / BUFFER_ROUND * BUFFER_ROUND;
    int fd = ipcb_memfd_buffer("qcop-buffer", cap, &map, err, QCOP_ERR_MAX);
    if (fd < 0)
        return -1;
    b->fd = fd;
    b->map = map;
    b->cap = cap;
    b->busy = 0;
    return 0;
}

/* A free buffer too small for len, replaced by one that fits, or -1. */
static int regrow(qcop_client *c, size_t len, char *err)
{
    for (int i = 0; i < c->npool; i++)
        if (!c->pool[i].busy) {
            drop_buffer(&c->pool[i]);
            return make_buffer(c, i, len, err) == 0 ? i : -2;
        }
    return -1;
}

/* Reads one packet if one starts before deadline_ms: a RELEASED frees a
 * buffer, a message is kept for qcop_wait. Returns 0, 1 at the deadline, -1. */
static int pump(qcop_client *c, long long deadline_ms, char *err)
{
    qcop_rx rx;
    int r = qcop_recv_packet(c, &rx, NULL, 0, deadline_ms, err);
    if (r != 0 || qcop_absorb(c, &rx))
        return r;
    return qcop_hold(c, &rx.m, err);
}

/* A buffer for len bytes: a free one (after taking in the releases that have
 * arrived), a new one while the pool has room, else the first one released. */
static int take_buffer(qcop_client *c, size_t len, char *err)
{
    int i = find_free(c, len);
    if (i >= 0)
        return i;
    int r;
    while ((r = pump(c, 0, err)) == 0)
        ;
    if (r < 0)
        return -1;
    if ((i = find_free(c, len)) >= 0)
        return i;
    if (c->npool < QCOP_POOL_MAX) {
        if (make_buffer(c, c->npool, len, err) != 0)
            return -1;
        return c->npool++;
    }
    long long deadline = ipcb_now_ms() + c->o.timeout_ms;
    for (;;) {
        if ((i = find_free(c, len)) >= 0)
            return i;
        if ((i = regrow(c, len, err)) != -1)
            return i < 0 ? -1 : i;
        r = pump(c, deadline, err);
        if (r == 1)
            snprintf(err, QCOP_ERR_MAX, "no buffer released within %d ms (all %d lent)",
                     c->o.timeout_ms, c->npool);
        if (r != 0)
            return -1;
    }
}

int qcop_send_lent(qcop_client *c, const char *channel, const char *message,
                   const void *data, size_t len, char *err)
{
    if (c->broken[0])
        return qcop_break(c, c->broken, err);
    int i = take_buffer(c, len, err);
    if (i < 0)
        return -1;
    qcop_buffer *b = &c->pool[i];
    memcpy(b->map, data, len);
    b->busy = 1;
    return qcop_send_packet(c, QCOP_CMD_SEND, QCOP_FLAG_FD | QCOP_FLAG_LOAN, (uint32_t)i + 1,
                            channel, message, NULL, len, b->fd, err);
}

static void buffer_released(qcop_client *c, uint32_t id)
{
    if (id >= 1 && id <= (uint32_t)c->npool)
        c->pool[id - 1].busy = 0;
}

int qcop_absorb(qcop_client *c, qcop_rx *rx)
{
    if (rx->h.command == QCOP_CMD_SEND || rx->h.command == QCOP_CMD_FORWARD)
        return 0;
    if (rx->h.command == QCOP_CMD_RELEASED)
        buffer_released(c, rx->h.id);
    return 1; /* or a reply to an earlier request that gave up */
}

void qcop_pool_free(qcop_client *c)
{
    for (int i = 0; i < c->npool; i++)
        drop_buffer(&c->pool[i]);
    c->npool = 0;
}
