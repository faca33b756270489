/* The libmicrohttpd side of the http transports, run from the caller's own
 * thread (no server thread: recv/send/accept call MHD_run_wait until what
 * they wait for has happened), with suspend/resume to hold a request open
 * until the peer has decided its answer. Here: the daemon and the waits the
 * transport calls; what each request is and how it is answered is in
 * http_routes.c. */
#include "http_server_internal.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "interrupt.h"
#include "liveness.h"

enum {
    SOCKBUF_BYTES  = 4 << 20,  /* as the tcp transport */
    /* libmicrohttpd reads a request body into its per-connection memory
     * pool, in pieces of about half the pool, and zeroes the whole pool
     * before every request on a kept-alive connection: a large pool means
     * few reads for large frames but a memset per request that dominates
     * for small ones. So the pool fits the largest message: ~2x, 32 KiB to
     * 1 MiB (512 KiB reads; the memset is then ~1% of a 1080p frame). */
    POOL_MIN       = 32 << 10,
    POOL_MAX       = 1 << 20,
    SLICE_MS       = 100,      /* pull: how often a waiting driver checks the peer is alive */
    STOP_GRACE_MS  = 1000,     /* stop: how long owed answers may take to go out */
};

static void on_log(void *cls, const char *fmt, va_list ap)
{
    http_srv *s = cls;
    vsnprintf(s->log, sizeof s->log, fmt, ap);
    size_t n = strlen(s->log);
    while (n && (s->log[n - 1] == '\n' || s->log[n - 1] == '\r'))
        s->log[--n] = '\0';
}

/* Every accepted socket: the same 4 MiB buffers as the tcp transport, and
 * admission's record of it (http_admission.c), until it closes. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    http_srv *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        ipcb_http_conn_closed(s, socket_ctx);
        return;
    }
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return;
    int v = SOCKBUF_BYTES, fd = ci->connect_fd;
    if (geteuid() != 0 || setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof v) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    if (geteuid() != 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    ipcb_http_conn_opened(s, fd, socket_ctx);
}

int ipcb_http_srv_start(http_srv **out, const http_srv_cfg *cfg, char addr[IPCB_ADDR_MAX], char *err)
{
    http_srv *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return -1;
    }
    s->cfg = *cfg;
    s->next_seq = 1;
    s->acks_tail = &s->acks;
    if (ipcb_http_token_new(s->token, err) != 0) {
        free(s);
        return -1;
    }
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    unsigned idle_s = (unsigned)(cfg->timeout_ms / 1000) + 2;
    /* The driver's pull server only reads GETs and small acks. */
    size_t pool = cfg->role == HTTP_SRV_DRIVER ? POOL_MIN : 2 * cfg->max_message + (16 << 10);
    pool = pool < POOL_MIN ? POOL_MIN : pool > POOL_MAX ? POOL_MAX : pool;
    /* MHD_USE_TURBO: libmicrohttpd reads and writes before asking epoll, and
     * does not shut a socket down before the connection's close
     * notification, so http_unparsable.c can still answer there. (Measured:
     * the http figures do not move beyond noise either way.) */
    s->d = MHD_start_daemon(MHD_USE_ERROR_LOG | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO, 0,
                            NULL, NULL, ipcb_http_on_request, s,
                            MHD_OPTION_EXTERNAL_LOGGER, on_log, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_NOTIFY_COMPLETED, ipcb_http_on_completed, s,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                            MHD_OPTION_URI_LOG_CALLBACK, ipcb_http_on_request_line, s,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
                            MHD_OPTION_CONNECTION_TIMEOUT, idle_s,
                            MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, IPCB_ERR_MAX, "libmicrohttpd: cannot start a server on 127.0.0.1%s%s",
                 s->log[0] ? ": " : "", s->log);
        free(s);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    if (!di || di->port == 0) {
        snprintf(err, IPCB_ERR_MAX, "libmicrohttpd: no port bound");
        MHD_stop_daemon(s->d);
        free(s);
        return -1;
    }
    ipcb_http_addr_format(addr, di->port, s->token);
    *out = s;
    return 0;
}

/* One round of the server, waiting at most ms for something to happen (in
 * slices, so that Ctrl-C is seen: libmicrohttpd's own wait goes on after a
 * signal; and no longer than until a stranger's deadline), then closing the
 * strangers past theirs: after the round, so one whose request was waiting is
 * read first. After Ctrl-C only a stopping server still runs (once, to resume
 * what it holds). */
static int run(http_srv *s, long long ms, char *err)
{
    if (ipcb_interrupted && !s->stopping) {
        snprintf(err, IPCB_ERR_MAX, "%s", ipcb_interrupted_text);
        return -1;
    }
    if (ms < 0)
        ms = 0;
    if (MHD_run_wait(s->d, (int32_t)ipcb_interrupt_slice(ipcb_http_strangers_wait(s, ms)))
        != MHD_YES) {
        snprintf(err, IPCB_ERR_MAX, "libmicrohttpd failed%s%s", s->log[0] ? ": " : "", s->log);
        return -1;
    }
    ipcb_http_strangers_sweep(s);
    return 0;
}

/* Serve until every queued answer is completely sent (or until ms passed). */
static int flush(http_srv *s, int ms, char *err)
{
    long long deadline = ipcb_now_ms() + ms;
    while (s->owed > 0) {
        long long left = deadline - ipcb_now_ms();
        if (left <= 0) {
            snprintf(err, IPCB_ERR_MAX, "an answer was not taken within %d ms", ms);
            return -1;
        }
        if (run(s, left, err) != 0)
            return -1;
    }
    return 0;
}

/* Serve until the answer to r is completely sent: in the kernel, as a socket
 * send would leave it. Only r counts, so a stranger that does not read its
 * 4xx cannot hold us up. */
static int flush_one(http_srv *s, rq *r, int ms, char *err)
{
    long long deadline = ipcb_now_ms() + ms;
    s->watch = r;
    while (s->watch) {
        long long left = deadline - ipcb_now_ms();
        if (left <= 0) {
            s->watch = NULL;
            snprintf(err, IPCB_ERR_MAX, "the answer was not taken within %d ms", ms);
            return -1;
        }
        if (run(s, left, err) != 0) {
            s->watch = NULL;
            return -1;
        }
    }
    return 0;
}

void ipcb_http_srv_stop(http_srv *s)
{
    if (!s)
        return;
    char err[IPCB_ERR_MAX];
    s->stopping = 1;
    for (rq *r = s->live; r; r = r->next) { /* nothing may stay suspended */
        if (r->suspended && !r->verdict) {
            r->verdict = V_FAIL;
            snprintf(r->why, sizeof r->why, "the %s closed the link",
                     s->cfg.role == HTTP_SRV_PEER ? "peer" : "driver");
        }
        r->waiting_for_buffer = 0;
        ipcb_http_rq_resume(r);
    }
    s->rx_buf = NULL;
    int grace = s->cfg.timeout_ms < STOP_GRACE_MS ? s->cfg.timeout_ms : STOP_GRACE_MS;
    (void)run(s, 0, err);
    (void)flush(s, grace, err);
    MHD_stop_daemon(s->d);
    for (ack_item *a = s->acks, *next; a; a = next) {
        next = a->next;
        free(a->data);
        free(a);
    }
    free(s);
}

int ipcb_http_srv_wait_session(http_srv *s, char *body, size_t len, char *err)
{
    long long deadline = ipcb_now_ms() + s->cfg.timeout_ms;
    while (!s->session) {
        long long left = deadline - ipcb_now_ms();
        if (left <= 0) {
            snprintf(err, IPCB_ERR_MAX, "no driver connected within %d ms", s->cfg.timeout_ms);
            return -1;
        }
        if (run(s, left, err) != 0)
            return -1;
    }
    if (s->session_rq && flush_one(s, s->session_rq, s->cfg.timeout_ms, err) != 0)
        return -1;
    snprintf(body, len, "%s", s->session_body);
    return 0;
}

static void give_verdict(rq *r, int verdict)
{
    r->verdict = verdict;
    ipcb_http_rq_resume(r);
}

int ipcb_http_srv_recv_frame(http_srv *s, ipcb_frame *f, int timeout_ms, char *err)
{
    if (s->pending) { /* the peer moved on without acking the last frame: 204 */
        give_verdict(s->pending, V_DONE);
        s->pending = NULL;
    }
    s->rx_buf = f->buf;
    s->rx_cap = f->cap;
    s->rx_err[0] = '\0';
    if (s->cur && s->cur->waiting_for_buffer) {
        s->cur->waiting_for_buffer = 0;
        ipcb_http_rq_resume(s->cur);
    }
    long long deadline = ipcb_now_ms() + timeout_ms;
    uint64_t got = s->cur ? s->cur->got : 0;
    int rc = 1;
    for (;;) {
        if (s->ready || s->ready_orphan) {
            f->data = f->buf;
            f->len = s->ready_len;
            f->loan = NULL;
            s->pending = s->ready; /* NULL if its request is gone: nobody to answer */
            s->ready = NULL;
            s->ready_orphan = 0;
            rc = 0;
            break;
        }
        if (s->rx_err[0]) {
            snprintf(err, IPCB_ERR_MAX, "%s", s->rx_err);
            rc = -1;
            break;
        }
        long long now = ipcb_now_ms();
        if (s->cur && s->cur->got != got) { /* progress: the bound is on stalls */
            got = s->cur->got;
            deadline = now + timeout_ms;
        }
        if (now >= deadline) {
            if (s->cur && s->cur->got > 0) {
                snprintf(err, IPCB_ERR_MAX, "driver stalled mid-frame for %d ms", timeout_ms);
                rc = -1;
            }
            break;
        }
        if (run(s, deadline - now, err) != 0) {
            rc = -1;
            break;
        }
    }
    s->rx_buf = NULL;
    return rc;
}

int ipcb_http_srv_answer(http_srv *s, const ipcb_frame *f, char *err)
{
    rq *r = s->pending;
    if (!r) {
        snprintf(err, IPCB_ERR_MAX, "no request to answer (the driver's request is gone)");
        return -1;
    }
    r->body = malloc(f->len ? f->len : 1);
    if (!r->body) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return -1;
    }
    memcpy(r->body, f->data, f->len);
    r->body_len = f->len;
    s->pending = NULL;
    give_verdict(r, V_ACK);
    return flush_one(s, r, s->cfg.timeout_ms, err);
}

void ipcb_http_srv_set_partner(http_srv *s, pid_t pid)
{
    s->partner = pid;
}

/* Pull: one wait slice, after checking (at most every SLICE_MS) that the
 * peer process is alive: a dead client does not wake a server. */
static int run_watching(http_srv *s, long long left, char *err)
{
    long long now = ipcb_now_ms();
    if (now - s->checked_ms >= SLICE_MS) {
        s->checked_ms = now;
        if (!ipcb_process_alive(s->partner)) {
            snprintf(err, IPCB_ERR_MAX, "peer process %ld exited", (long)s->partner);
            return -1;
        }
    }
    return run(s, left < SLICE_MS ? left : SLICE_MS, err);
}

int ipcb_http_srv_publish(http_srv *s, const ipcb_frame *f, char *err)
{
    if (s->broken) {
        snprintf(err, IPCB_ERR_MAX, "an earlier frame was not delivered");
        return -1;
    }
    s->pub = f->data;
    s->pub_len = f->len;
    s->pub_seq++;
    s->pub_state = 0;
    if (s->waiting_get)
        ipcb_http_rq_resume(s->waiting_get);
    long long deadline = ipcb_now_ms() + s->cfg.timeout_ms;
    int rc = 0;
    while (s->pub_state == 0) {
        long long left = deadline - ipcb_now_ms();
        if (left <= 0) {
            snprintf(err, IPCB_ERR_MAX, "the peer did not fetch frame %" PRIu64 " within %d ms",
                     s->pub_seq, s->cfg.timeout_ms);
            rc = -1;
            break;
        }
        if (run_watching(s, left, err) != 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && s->pub_state < 0) {
        snprintf(err, IPCB_ERR_MAX, "the peer's GET of frame %" PRIu64 " ended before the whole frame was sent",
                 s->pub_seq);
        rc = -1;
    }
    /* The frame may be referenced by a response still being sent only on
     * failure; then nothing is served any more (close stops the daemon). */
    if (rc != 0)
        s->broken = 1;
    s->pub = NULL;
    return rc;
}

int ipcb_http_srv_recv_ack(http_srv *s, ipcb_frame *f, int timeout_ms, char *err)
{
    long long deadline = ipcb_now_ms() + timeout_ms;
    while (!s->acks) {
        long long left = deadline - ipcb_now_ms();
        if (left <= 0)
            return 1;
        if (run_watching(s, left, err) != 0)
            return -1;
    }
    ack_item *a = s->acks;
    /* Send its 204 before returning, so the peer is not kept waiting. */
    if (a->rq && flush_one(s, a->rq, s->cfg.timeout_ms, err) != 0)
        return -1;
    s->acks = a->next;
    if (!s->acks)
        s->acks_tail = &s->acks;
    int rc = 0;
    if (a->len > f->cap) {
        snprintf(err, IPCB_ERR_MAX, "incoming message of %zu bytes exceeds the %zu-byte buffer", a->len, f->cap);
        rc = -1;
    } else {
        memcpy(f->buf, a->data, a->len);
        f->data = f->buf;
        f->len = a->len;
        f->loan = NULL;
    }
    if (a->rq)
        a->rq->item = NULL;
    free(a->data);
    free(a);
    return rc;
}
