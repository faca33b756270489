/* Transports "qcop" and "qcop-fd": the driver sends frames through qcopd on
 * the link's ".../frames" channel, the peer acks on ".../acks". qcop copies
 * bytes through the broker (4 copies); qcop-fd lends memfd buffers (1 copy).
 * In fan-out the K peers of a group share both channels: one send reaches all. */
#include "transport.h"

#include "clock.h"
#include "interrupt.h"
#include "liveness.h"
#include "qcop_client.h"
#include "qcop_daemon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { NAME_MAX_LEN = IPCB_ADDR_MAX + 16 };

struct ipcb_link {
    qcop_client *c;
    ipcb_infra  *infra;       /* driver side: to tell what happened to the broker */
    char         tx[NAME_MAX_LEN], rx[NAME_MAX_LEN];
    const char  *message;     /* "frame" from the driver, "ack" from the peer */
    int          partners[IPCB_MAX_SUBSCRIBERS]; /* driver side: the peers' pids (from
                                                  * their welcomes), watched while waiting */
    int          npartners;
    int          timeout_ms;
    qcop_msg     lent;        /* qcop-fd: the mapping lent to the harness until release */
    int          lending;
};

static const ipcb_param_spec fd_params[] = {
    { .name = "qcop_fd_min", .kind = IPCB_PARAM_INTEGER, .min = 0, .max = QCOP_MAX_PACKET_LIMIT,
      .def = "16384",
      .help = "qcop-fd: frames of at least this many bytes travel as a memfd, smaller ones "
              "inline (0: every frame)" },
    { .name = NULL },
};

/* qcop-fd: frames lent as memfds (its zero-copy receive). */
static int is_fd_variant(const ipcb_transport *t)
{
    return (t->caps & IPCB_CAP_ZERO_COPY) != 0;
}

static int client_options(const ipcb_transport *t, const ipcb_opts *o, qcop_options *q, char *err)
{
    memset(q, 0, sizeof *q);
    q->timeout_ms = o->timeout_ms;
    q->max_packet = qcop_daemon_max_packet(o->max_message);
    if (!is_fd_variant(t))
        return 0;
    long long bytes;
    if (ipcb_param_integer(t, o, "qcop_fd_min", &bytes, err) != 0)
        return -1;
    q->zero_copy = 1;
    q->fd_threshold = bytes ? (size_t)bytes : 1; /* 0 would be the library's default */
    return 0;
}

static ipcb_link *link_open(const ipcb_transport *t, const char *socket, const ipcb_opts *o, char *err)
{
    qcop_options q;
    if (client_options(t, o, &q, err) != 0)
        return NULL;
    ipcb_link *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return NULL;
    }
    l->timeout_ms = o->timeout_ms;
    l->c = qcop_connect(socket, &q, err);
    if (!l->c) {
        free(l);
        return NULL;
    }
    return l;
}

static void qcop_close_link(ipcb_link *l)
{
    if (!l)
        return;
    if (l->lending)
        qcop_msg_done(l->c, &l->lent);
    qcop_disconnect(l->c);
    free(l);
}

/* An error from the client library (after "what: " unless what is NULL),
 * with what became of the broker when this process started it. Returns -1. */
static int failed(ipcb_link *l, const char *what, const char *why, char *err)
{
    char broker[160] = "";
    if (l->infra)
        qcop_daemon_describe(l->infra, broker, sizeof broker);
    snprintf(err, IPCB_ERR_MAX, "%s%s%s%s%s", what ? what : "", what ? ": " : "", why,
             broker[0] ? "; " : "", broker);
    return -1;
}

/* The first partner process that is gone, or 0. */
static int partner_gone(const ipcb_link *l)
{
    for (int i = 0; i < l->npartners; i++)
        if (!ipcb_process_alive(l->partners[i]))
            return l->partners[i];
    return 0;
}

/* Waits for the next message on l->rx, in slices so a vanished partner (and
 * Ctrl-C, which also ends the library's wait at once) is noticed. Returns 0,
 * 1 on timeout, -1 with err. */
static int wait_message(ipcb_link *l, qcop_msg *m, void *buf, size_t cap, int timeout_ms, char *err)
{
    char why[QCOP_ERR_MAX];
    long long deadline = ipcb_now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - ipcb_now_ms();
        if (left < 0)
            left = 0;
        int slice = ipcb_interrupt_slice(left);
        int rc = qcop_wait(l->c, m, buf, cap, slice, why);
        if (rc < 0)
            return failed(l, NULL, why, err);
        if (rc == 0)
            break;
        if (ipcb_interrupted) {
            snprintf(err, IPCB_ERR_MAX, "%s", ipcb_interrupted_text);
            return -1;
        }
        int gone = partner_gone(l);
        if (gone) {
            snprintf(err, IPCB_ERR_MAX, "peer process %d is gone", gone);
            return -1;
        }
        if (slice >= left)
            return 1;
    }
    if (strcmp(m->channel, l->rx) != 0) {
        snprintf(err, IPCB_ERR_MAX, "message '%s' on unexpected channel '%s'", m->message, m->channel);
        qcop_msg_done(l->c, m);
        return -1;
    }
    return 0;
}

/* The handshake: the driver says "hello" on the frames channel; each peer
 * (one, or every member of a fan-out group) answers "welcome" with its pid. */
static int expect(ipcb_link *l, const char *want, int *pid, char *err)
{
    qcop_msg m;
    int rc = wait_message(l, &m, NULL, 0, l->timeout_ms, err);
    if (rc == 1)
        snprintf(err, IPCB_ERR_MAX, "no '%s' on %s within %d ms", want, l->rx, l->timeout_ms);
    if (rc != 0)
        return -1;
    rc = strcmp(m.message, want) == 0 ? 0 : -1;
    if (rc != 0)
        snprintf(err, IPCB_ERR_MAX, "expected '%s' on %s, got '%s'", want, l->rx, m.message);
    if (rc == 0 && pid) {
        char text[16] = "";
        memcpy(text, m.data, m.len < sizeof text - 1 ? m.len : sizeof text - 1);
        *pid = atoi(text);
        if (*pid <= 0) {
            snprintf(err, IPCB_ERR_MAX, "'%s' on %s without a process id", want, l->rx);
            rc = -1;
        }
    }
    qcop_msg_done(l->c, &m);
    return rc;
}

static int say(ipcb_link *l, const char *message, const char *data, char *err)
{
    char why[QCOP_ERR_MAX];
    return qcop_send(l->c, l->tx, message, data, data ? strlen(data) : 0, why) == 0
               ? 0 : failed(l, "handshake", why, err);
}

static int subscribe(ipcb_link *l, char *err)
{
    char why[QCOP_ERR_MAX];
    if (!qcop_channel_open(l->c, l->rx, NULL, NULL, why) || qcop_flush(l->c, why) != 0)
        return failed(l, "subscribing", why, err);
    return 0;
}

static int qcop_listen(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra,
                       const ipcb_opts *o, char addr[IPCB_ADDR_MAX], char *err)
{
    (void)infra;
    if (!o->infra_address || !o->infra_address[0]) {
        snprintf(err, IPCB_ERR_MAX, "no qcopd address: the driver starts the broker and passes it on");
        return -1;
    }
    ipcb_link *l = link_open(t, o->infra_address, o, err);
    if (!l)
        return -1;
    if (o->group && o->group[0])
        snprintf(addr, IPCB_ADDR_MAX, "ipcbench/%s/%s", o->run_id, o->group);
    else
        snprintf(addr, IPCB_ADDR_MAX, "ipcbench/%s/%ld", o->run_id, (long)getpid());
    snprintf(l->rx, sizeof l->rx, "%s/frames", addr);
    snprintf(l->tx, sizeof l->tx, "%s/acks", addr);
    l->message = "ack";
    if (subscribe(l, err) != 0) {
        qcop_close_link(l);
        return -1;
    }
    *out = l;
    return 0;
}

static int qcop_accept(ipcb_link *l, char *err)
{
    char pid[16];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    return expect(l, "hello", NULL, err) == 0 ? say(l, "welcome", pid, err) : -1;
}

/* Hello to the peer(s) on the frames channel, then one welcome from each. */
static int greet(ipcb_link *l, int peers, char *err)
{
    if (peers < 1 || peers > IPCB_MAX_SUBSCRIBERS) {
        snprintf(err, IPCB_ERR_MAX, "a group of %d peers (1 to %d)", peers, IPCB_MAX_SUBSCRIBERS);
        return -1;
    }
    if (say(l, "hello", NULL, err) != 0)
        return -1;
    for (int i = 0; i < peers; i++) {
        int pid;
        if (expect(l, "welcome", &pid, err) != 0)
            return -1;
        l->partners[l->npartners++] = pid;
    }
    return 0;
}

static int qcop_connect_link(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra,
                             const ipcb_opts *o, const char *addr, char *err)
{
    char why[QCOP_ERR_MAX];
    if (!infra) {
        snprintf(err, IPCB_ERR_MAX, "qcopd was not started");
        return -1;
    }
    ipcb_link *l = link_open(t, qcop_daemon_socket(infra), o, why);
    if (!l) {
        ipcb_link probe = { .infra = infra };
        return failed(&probe, "connecting", why, err);
    }
    l->infra = infra;
    l->message = "frame";
    snprintf(l->tx, sizeof l->tx, "%s/frames", addr);
    snprintf(l->rx, sizeof l->rx, "%s/acks", addr);
    int registered = subscribe(l, err) == 0 ? qcop_is_registered(l->c, l->tx, why) : -2;
    if (registered == 0)
        snprintf(err, IPCB_ERR_MAX, "nobody subscribes to %s: the peer is not on the bus", l->tx);
    if (registered == -1)
        failed(l, "is_registered", why, err);
    if (registered != 1 || greet(l, o->group_size > 0 ? o->group_size : 1, err) != 0) {
        qcop_close_link(l);
        return -1;
    }
    *out = l;
    return 0;
}

static int qcop_send_frame(ipcb_link *l, const ipcb_frame *f, char *err)
{
    char why[QCOP_ERR_MAX];
    if (qcop_send(l->c, l->tx, l->message, f->data, f->len, why) != 0)
        return failed(l, NULL, why, err);
    return 0;
}

static int qcop_recv_frame(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    qcop_msg m;
    int rc = wait_message(l, &m, f->buf, f->cap, timeout_ms, err);
    if (rc != 0)
        return rc;
    f->data = (uint8_t *)m.data;
    f->len = m.len;
    f->loan = NULL;
    if (m.mapped) { /* a mapping of the sender's memfd: lent until release */
        l->lent = m;
        l->lending = 1;
        f->loan = &l->lent;
        return 0;
    }
    if (!m.in_buf) {
        snprintf(err, IPCB_ERR_MAX, "incoming message of %zu bytes exceeds the %zu-byte buffer", m.len, f->cap);
        qcop_msg_done(l->c, &m);
        return -1;
    }
    qcop_msg_done(l->c, &m);
    return 0;
}

static void qcop_release(ipcb_link *l, ipcb_frame *f)
{
    if (f->loan == &l->lent && l->lending) {
        qcop_msg_done(l->c, &l->lent);
        l->lending = 0;
    }
    f->loan = NULL;
}

/* qcop-fd's frames cycle through the client's pool of reusable memfds: the
 * warm-up sends enough frames to fill and touch all of them. */
static unsigned qcop_fd_buffers(const ipcb_link *l)
{
    (void)l;
    return QCOP_CLIENT_POOL_MAX;
}

const ipcb_transport ipcb_transport_qcop = {
    .name = "qcop",
    .summary = "QCOP bus: frames through the qcopd broker on a channel, acks on another",
    .caps = IPCB_CAP_FANOUT | IPCB_CAP_BROADCAST,
    .max_frame = QCOP_MAX_PACKET_LIMIT - QCOP_HEADER_SIZE - 2 * QCOP_MAX_NAME,
    .copies = 4,
    .available = qcop_daemon_available,
    .start = qcop_daemon_start,
    .stop = qcop_daemon_stop,
    .infra_address = qcop_daemon_socket,
    .infra_pids = qcop_daemon_pids,
    .listen = qcop_listen,
    .accept = qcop_accept,
    .connect = qcop_connect_link,
    .send = qcop_send_frame,
    .recv = qcop_recv_frame,
    .close = qcop_close_link,
};

const ipcb_transport ipcb_transport_qcop_fd = {
    .name = "qcop-fd",
    .summary = "QCOP bus, zero-copy: frames as sealed memfds, the broker forwards the descriptor",
    .caps = IPCB_CAP_FANOUT | IPCB_CAP_BROADCAST | IPCB_CAP_ZERO_COPY,
    .max_frame = UINT32_MAX,
    .copies = 1,
    .params = fd_params,
    .available = qcop_daemon_available,
    .start = qcop_daemon_start,
    .stop = qcop_daemon_stop,
    .infra_address = qcop_daemon_socket,
    .infra_pids = qcop_daemon_pids,
    .listen = qcop_listen,
    .accept = qcop_accept,
    .connect = qcop_connect_link,
    .send = qcop_send_frame,
    .recv = qcop_recv_frame,
    .release = qcop_release,
    .close = qcop_close_link,
    .buffers = qcop_fd_buffers,
};
