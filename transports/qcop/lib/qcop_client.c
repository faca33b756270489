/* The QCOP client library (see qcop_client.h): connecting, bounded sends,
 * is_registered/flush/stats requests, channels with callbacks, and qcop_wait,
 * which also hands out messages held back while a request waited. */
#include "qcop_client_internal.h"

#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

enum { DEFAULT_TIMEOUT_MS = 5000, DEFAULT_FD_THRESHOLD = 64 * 1024 };

void qcop_default_socket(char *out, size_t len)
{
    const char *env = getenv("QCOP_SOCKET");
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (env && *env)
        snprintf(out, len, "%s", env);
    else if (xdg && *xdg)
        snprintf(out, len, "%s/qcop/qcopd.sock", xdg);
    else
        snprintf(out, len, "/tmp/qcop-%ld/qcopd.sock", (long)geteuid());
}

static void set_defaults(qcop_options *o, const qcop_options *given)
{
    if (given)
        *o = *given;
    else
        memset(o, 0, sizeof *o);
    if (o->timeout_ms <= 0)
        o->timeout_ms = DEFAULT_TIMEOUT_MS;
    if (o->fd_threshold == 0)
        o->fd_threshold = DEFAULT_FD_THRESHOLD;
    if (o->max_packet == 0)
        o->max_packet = QCOP_DEFAULT_MAX_PACKET;
}

/* Blocking socket whose sends and data reads wait at most timeout_ms. */
static int set_timeouts(int fd, int timeout_ms, char *err)
{
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
        snprintf(err, QCOP_ERR_MAX, "socket timeouts: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int connect_socket(const char *path, int timeout_ms, char *err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(err, QCOP_ERR_MAX, "socket path too long: %s", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        snprintf(err, QCOP_ERR_MAX, "cannot connect to qcopd at %s: %s%s", path, strerror(errno),
                 errno == ENOENT || errno == ECONNREFUSED ? " (is qcopd running?)" : "");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (set_timeouts(fd, timeout_ms, err) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

qcop_client *qcop_connect(const char *path, const qcop_options *opts, char *err)
{
    char def[256];
    if (!path) {
        qcop_default_socket(def, sizeof def);
        path = def;
    }
    qcop_client *c = calloc(1, sizeof *c);
    if (!c || !(c->rbuf = malloc(QCOP_RBUF_SIZE))) {
        free(c);
        snprintf(err, QCOP_ERR_MAX, "out of memory");
        return NULL;
    }
    set_defaults(&c->o, opts);
    c->fd = connect_socket(path, c->o.timeout_ms, err);
    if (c->fd < 0) {
        free(c->rbuf);
        free(c);
        return NULL;
    }
    return c;
}

void qcop_disconnect(qcop_client *c)
{
    if (!c)
        return;
    while (c->channels) {
        qcop_channel *ch = c->channels;
        c->channels = ch->next;
        free(ch->name);
        free(ch);
    }
    while (c->held) {
        qcop_held *h = c->held;
        c->held = h->next;
        h->m.priv_.loan = 0; /* the broker forgets loans of a client that leaves */
        qcop_msg_done(c, &h->m);
    }
    for (int i = 0; i < c->nfds; i++)
        close(c->fds[i]);
    qcop_pool_free(c);
    qcop_maps_free(c);
    close(c->fd);
    free(c->rbuf);
    free(c->data);
    free(c);
}

int qcop_fd(const qcop_client *c)
{
    return c->fd;
}

int qcop_pending(const qcop_client *c)
{
    return c->held != NULL || c->rlen > 0;
}

/* ---- sending -------------------------------------------------------------- */

int qcop_send(qcop_client *c, const char *channel, const char *message,
              const void *data, size_t len, char *err)
{
    if (!c->o.zero_copy || len < c->o.fd_threshold || len == 0)
        return qcop_send_packet(c, QCOP_CMD_SEND, 0, 0, channel, message, data, len, -1, err);
    return qcop_send_lent(c, channel, message, data, len, err);
}

int qcop_send_fd(qcop_client *c, const char *channel, const char *message,
                 int memfd, size_t len, char *err)
{
    if (memfd < 0 || len == 0) {
        snprintf(err, QCOP_ERR_MAX, "qcop_send_fd needs a memfd and at least one byte");
        return -1;
    }
    return qcop_send_packet(c, QCOP_CMD_SEND, QCOP_FLAG_FD, 0, channel, message, NULL, len, memfd, err);
}

/* ---- receiving -------------------------------------------------------------- */

/* Sends a request and waits for its reply (data in the library's buffer). */
static int request(qcop_client *c, qcop_cmd cmd, const char *channel, qcop_cmd want,
                   qcop_rx *rx, char *err)
{
    if (++c->next_id == 0) /* 0 means "no request" */
        c->next_id = 1;
    uint32_t id = c->next_id;
    if (qcop_send_packet(c, cmd, 0, id, channel, NULL, NULL, 0, -1, err) != 0)
        return -1;
    long long deadline = ipcb_now_ms() + c->o.timeout_ms;
    for (;;) {
        int r = qcop_recv_packet(c, rx, NULL, 0, deadline, err);
        if (r == 1)
            snprintf(err, QCOP_ERR_MAX, "no reply from qcopd within %d ms", c->o.timeout_ms);
        if (r != 0)
            return -1;
        if (rx->h.command == want && rx->h.id == id)
            return 0;
        if (!qcop_absorb(c, rx) && qcop_hold(c, &rx->m, err) != 0)
            return -1;
    }
}

int qcop_is_registered(qcop_client *c, const char *channel, char *err)
{
    qcop_rx rx;
    if (!channel || !*channel) {
        snprintf(err, QCOP_ERR_MAX, "is_registered needs a channel name");
        return -1;
    }
    if (request(c, QCOP_CMD_IS_REGISTERED, channel, QCOP_CMD_IS_REGISTERED_REPLY, &rx, err) != 0)
        return -1;
    return rx.m.data[0] != 0;
}

int qcop_flush(qcop_client *c, char *err)
{
    qcop_rx rx;
    return request(c, QCOP_CMD_SYNC, NULL, QCOP_CMD_SYNC_REPLY, &rx, err);
}

int qcop_stats(qcop_client *c, char *out, size_t len, char *err)
{
    qcop_rx rx;
    if (request(c, QCOP_CMD_STATS, NULL, QCOP_CMD_STATS_REPLY, &rx, err) != 0)
        return -1;
    snprintf(out, len, "%.*s", (int)rx.h.data_len, (const char *)rx.m.data);
    return 0;
}

int qcop_wait(qcop_client *c, qcop_msg *m, void *buf, size_t cap, int timeout_ms, char *err)
{
    if (c->held) {
        qcop_held *h = c->held;
        c->held = h->next;
        if (!c->held)
            c->held_tail = NULL;
        *m = h->m;
        if (!m->mapped && buf && m->len <= cap) { /* as if it had just arrived */
            memcpy(buf, m->data, m->len);
            m->data = buf;
            m->in_buf = 1;
        }
        return 0;
    }
    long long deadline = timeout_ms < 0 ? -1 : ipcb_now_ms() + timeout_ms;
    for (;;) {
        qcop_rx rx;
        int r = qcop_recv_packet(c, &rx, buf, cap, deadline, err);
        if (r != 0)
            return r;
        if (!qcop_absorb(c, &rx)) {
            *m = rx.m;
            return 0;
        }
    }
}

/* ---- channels -------------------------------------------------------------- */

qcop_channel *qcop_channel_open(qcop_client *c, const char *name, qcop_handler handler,
                                void *arg, char *err)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > QCOP_MAX_NAME) {
        snprintf(err, QCOP_ERR_MAX, "channel names have 1 to %d bytes", QCOP_MAX_NAME);
        return NULL;
    }
    qcop_channel *ch = calloc(1, sizeof *ch);
    if (!ch || !(ch->name = strdup(name))) {
        free(ch);
        snprintf(err, QCOP_ERR_MAX, "out of memory");
        return NULL;
    }
    if (qcop_send_packet(c, QCOP_CMD_REGISTER, 0, 0, name, NULL, NULL, 0, -1, err) != 0) {
        free(ch->name);
        free(ch);
        return NULL;
    }
    ch->c = c;
    ch->len = len;
    ch->pattern = qcop_is_pattern((const uint8_t *)name, len);
    ch->handler = handler;
    ch->arg = arg;
    ch->next = c->channels;
    c->channels = ch;
    return ch;
}

static int name_still_open(const qcop_client *c, const qcop_channel *except)
{
    for (const qcop_channel *ch = c->channels; ch; ch = ch->next)
        if (ch != except && !ch->closed && strcmp(ch->name, except->name) == 0)
            return 1;
    return 0;
}

static void unlink_channel(qcop_client *c, qcop_channel *ch)
{
    qcop_channel **pp = &c->channels;
    while (*pp != ch)
        pp = &(*pp)->next;
    *pp = ch->next;
    free(ch->name);
    free(ch);
}

void qcop_channel_close(qcop_channel *ch)
{
    if (!ch || ch->closed)
        return;
    qcop_client *c = ch->c;
    char err[QCOP_ERR_MAX];
    if (!name_still_open(c, ch))
        qcop_send_packet(c, QCOP_CMD_UNREGISTER, 0, 0, ch->name, NULL, NULL, 0, -1, err);
    ch->closed = 1;
    if (!c->dispatching)
        unlink_channel(c, ch);
}

const char *qcop_channel_name(const qcop_channel *ch)
{
    return ch->name;
}

static int channel_wants(const qcop_channel *ch, const qcop_msg *m)
{
    if (ch->closed)
        return 0;
    if (m->command == QCOP_CMD_FORWARD)
        return ch->pattern && qcop_glob_match((const uint8_t *)ch->name, ch->len,
                                              (const uint8_t *)m->channel, strlen(m->channel));
    return !ch->pattern && strcmp(ch->name, m->channel) == 0;
}

static void deliver(qcop_client *c, const qcop_msg *m)
{
    c->dispatching++;
    for (qcop_channel *ch = c->channels; ch; ch = ch->next)
        if (ch->handler && channel_wants(ch, m))
            ch->handler(ch, m, ch->arg);
    if (--c->dispatching > 0)
        return;
    for (qcop_channel *ch = c->channels, *next; ch; ch = next) {
        next = ch->next;
        if (ch->closed)
            unlink_channel(c, ch);
    }
}

int qcop_dispatch(qcop_client *c, int timeout_ms, char *err)
{
    qcop_msg m;
    int count = 0;
    int r = qcop_wait(c, &m, NULL, 0, timeout_ms, err);
    while (r == 0) {
        deliver(c, &m);
        qcop_msg_done(c, &m);
        count++;
        if (!qcop_pending(c))
            break;
        r = qcop_wait(c, &m, NULL, 0, 0, err);
    }
    return r < 0 ? -1 : count;
}
