/* Transports "http", "http-newconn" and "http-pull": frames as HTTP/1.1
 * requests on 127.0.0.1, as a Qt application moves images with
 * QNetworkAccessManager; libcurl is the client (http_client.c), libmicrohttpd
 * the server (http_server.c), driven from the caller's own thread.
 *
 * PUSH (http, http-newconn; the default): the peer runs the server.
 *   driver send(frame) = POST /frames; the body is the message, streamed from
 *     the caller's memory by a read callback, Content-Length always set, no
 *     "Expect: 100-continue", TCP_NODELAY, one kept-alive connection for the
 *     run (http-newconn: a new connection per request, as naive clients do;
 *     the gap between the two is the cost of connecting).
 *   peer recv() = the next POSTed frame, copied by the server from
 *     libmicrohttpd's read buffer straight into the caller's buffer.
 *   peer send(ack) = the answer to that frame's request: 200 whose body is the
 *     64-byte ack (the peer's receive time and verdict; also in headers).
 *   The peer acks only some frames (throughput mode: every window/2), and the
 *     server cannot tell which (it never reads the frame header), so a request
 *     is held open (suspended) until the peer decides: a frame it moves on
 *     from without acking (its next recv()) is answered 204 No Content.
 *   driver recv() = the next ack, from a queue the 200 answers filled.
 *   Window: HTTP/1.1 has one request in flight per connection (libcurl no
 *     longer pipelines), so send() returns when its request is answered. The
 *     harness's window of unacknowledged frames stays a window of acks (the
 *     peer still acks every window/2 frames), but one frame is on the wire at
 *     a time and every frame pays a request/response exchange: that exchange
 *     is what HTTP adds to a raw stream, and the figures include it.
 *
 * PULL (http-pull, or pull=1 on http and http-newconn; --http-pull): as the
 *   seed's reader does, the peer fetches each frame with GET /frames/latest
 *   from a server in the DRIVER (the roles swap for the payload direction).
 *   driver send(frame) = publish it as /frames/latest and serve the peer's GET
 *     straight from the caller's memory (MHD_RESPMEM_PERSISTENT, no copy);
 *     send returns once the whole frame is sent, since the harness may reuse
 *     the memory after send: "latest" is a one-deep mailbox, nothing skipped.
 *   peer recv() = GET /frames/latest?after=N: answered at once if a newer frame
 *     is published, else held until one is (a long poll, as an efficient
 *     pull client does; a polling loop would measure its poll interval); the
 *     body goes straight into the caller's buffer.
 *   peer send(ack) = POST /acks (the 64-byte ack) to the driver's server: 204.
 *   driver recv() = the next POSTed ack.
 *   One-way latency is publish -> whole frame in the peer; the round trip adds
 *   the ack's POST. While waiting, the driver checks every 100 ms that the
 *   peer process is alive (a dead client does not wake a server).
 *
 * RENDEZVOUS AND TOKEN: listen() binds 127.0.0.1 on an ephemeral port and
 *   announces "127.0.0.1:PORT/TOKEN", TOKEN 128 random bits (getrandom) in
 *   hex. The address travels only over the private control channel, so only
 *   the driver (and a test that spawns the peer itself) knows the token;
 *   every request must carry it in X-Ipcbench-Token or gets 403, so another
 *   local user cannot inject frames. connect() POSTs /session (push: empty
 *   body; pull: the driver's own server as "127.0.0.1:PORT/TOKEN"), which
 *   accept() waits for; its answer names the peer's pid (X-Ipcbench-Pid). In
 *   pull mode the peer's server is stopped once it has the driver's address.
 *
 * ADMISSION (http_admission.c): a connection on which no request has carried
 *   the token is a stranger: closed 1 s after it was accepted, or at once
 *   when 64 newer strangers arrive; its one answer (403, 404...) closes it.
 *   So local processes holding idle connections cannot keep the driver out.
 *   A request line libmicrohttpd cannot parse gets 400 (http_unparsable.c).
 *
 * REQUESTS: Content-Length always; X-Frame-Size = message bytes (must match
 *   it); X-Ipcbench-Seq = the transport's own counter from 1 (must be the
 *   next); X-Frame-Format, -Dimensions, -Sequence, -Checksum: informational,
 *   read at the fixed little-endian offsets harness/workload.h documents (the
 *   transport never acts on them and includes nothing from harness/).
 *   Refused, with a one-line text/plain reason: a malformed request line
 *   (not HTTP, method not a token, path not starting with '/') 400, unknown
 *   path 404, wrong method 405, missing or wrong token 403, no Content-Length
 *   411, longer than the largest message 413, length mismatch or bad metadata
 *   400, a frame while another is in flight 409. The server keeps serving
 *   after each; a 403, or any answer to a stranger, closes its connection.
 *
 * COPIES of the pixels, end to end, counted like the other transports (each
 *   crossing into or out of the kernel is one):
 *   push 4: libcurl's upload buffer (read callback), the kernel,
 *           libmicrohttpd's read buffer, the caller's buffer;
 *   pull 3: the kernel (sent from the driver's memory), libcurl's download
 *           buffer, the caller's buffer (write callback).
 *   "http" and "http-newconn" report push's 4 also when run with pull=1. */
#include "http_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

enum { ACK_QUEUE_MAX = 64 };

/* ---- the link ---- */

typedef struct ack_slot {
    uint8_t *data;
    size_t   len;
} ack_slot;

struct ipcb_link {
    int        peer;          /* this end is the peer process */
    int        pull, newconn;
    int        timeout_ms;
    size_t     max_message;
    http_srv  *srv;           /* peer: push receiver / rendezvous; pull driver: publisher */
    http_cli  *cli;           /* push driver: frames; pull peer: GETs */
    http_cli  *acks_cli;      /* pull peer: ack POSTs, on their own connection */
    uint64_t   seq;           /* push driver: frames sent; pull peer: frames fetched */
    ack_slot   acks[ACK_QUEUE_MAX]; /* push driver: answers not yet returned by recv */
    size_t     ack_head, ack_count;
    uint8_t   *answer;        /* push driver: response body buffer */
    size_t     answer_cap;
};

/* What tells the three tables apart (their .variant). */
typedef struct http_variant {
    int newconn;
    int pull;                 /* 1 = always pull; 0 = the "pull" parameter decides */
} http_variant;

static const ipcb_param_spec http_params[] = {
    { .name = "pull", .kind = IPCB_PARAM_WORD, .words = "0|1", .def = "0",
      .help = "1: the peer pulls frames with GET /frames/latest (as http-pull)" },
    { .name = NULL },
};

static const http_variant V_HTTP = { 0, 0 }, V_NEWCONN = { 1, 0 }, V_PULL = { 0, 1 };

static void http_close(ipcb_link *l)
{
    if (!l)
        return;
    ipcb_http_srv_stop(l->srv);
    ipcb_http_cli_close(l->cli);
    ipcb_http_cli_close(l->acks_cli);
    for (size_t i = 0; i < l->ack_count; i++)
        free(l->acks[(l->ack_head + i) % ACK_QUEUE_MAX].data);
    free(l->answer);
    free(l);
}

static ipcb_link *link_new(const ipcb_transport *t, const ipcb_opts *o, int peer, char *err)
{
    const http_variant *v = t->variant;
    ipcb_link *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return NULL;
    }
    int pull = v->pull; /* "0|1": the word's position is its value */
    if (!pull && ipcb_param_word(t, o, "pull", &pull, err) != 0) {
        free(l);
        return NULL;
    }
    l->peer = peer;
    l->newconn = v->newconn;
    l->pull = pull;
    l->timeout_ms = o->timeout_ms;
    l->max_message = o->max_message;
    return l;
}

static int http_listen(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra,
                       const ipcb_opts *o, char addr[IPCB_ADDR_MAX], char *err)
{
    (void)infra;
    ipcb_link *l = link_new(t, o, 1, err);
    if (!l)
        return -1;
    http_srv_cfg cfg = { .role = HTTP_SRV_PEER, .pull = l->pull, .max_message = o->max_message,
                         .timeout_ms = o->timeout_ms };
    if (ipcb_http_srv_start(&l->srv, &cfg, addr, err) != 0) {
        http_close(l);
        return -1;
    }
    *out = l;
    return 0;
}

/* The peer waits for POST /session; a pulling peer then turns client of the
 * driver's server and stops its own. */
static int http_accept(ipcb_link *l, char *err)
{
    char body[HTTP_SESSION_BODY_MAX + 1];
    if (ipcb_http_srv_wait_session(l->srv, body, sizeof body, err) != 0)
        return -1;
    if (!l->pull)
        return 0;
    unsigned port;
    char token[HTTP_TOKEN_HEX + 1];
    if (ipcb_http_addr_parse(body, &port, token, err) != 0)
        return -1;
    ipcb_http_srv_stop(l->srv);
    l->srv = NULL;
    if (ipcb_http_cli_open(&l->cli, port, token, l->timeout_ms, l->newconn, err) != 0 ||
        ipcb_http_cli_open(&l->acks_cli, port, token, l->timeout_ms, l->newconn, err) != 0)
        return -1;
    return 0;
}

static int http_connect(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra,
                        const ipcb_opts *o, const char *addr, char *err)
{
    (void)infra;
    unsigned port;
    char token[HTTP_TOKEN_HEX + 1], own[IPCB_ADDR_MAX] = "";
    if (ipcb_http_addr_parse(addr, &port, token, err) != 0)
        return -1;
    ipcb_link *l = link_new(t, o, 0, err);
    if (!l)
        return -1;
    if (l->pull) {
        http_srv_cfg cfg = { .role = HTTP_SRV_DRIVER, .max_message = o->max_message,
                             .timeout_ms = o->timeout_ms };
        if (ipcb_http_srv_start(&l->srv, &cfg, own, err) != 0)
            goto fail;
    }
    if (ipcb_http_cli_open(&l->cli, port, token, o->timeout_ms, l->newconn, err) != 0)
        goto fail;
    uint8_t reply[256];
    http_xfer x = { .path = "/session", .body = (const uint8_t *)own, .body_len = strlen(own),
                    .sink = reply, .sink_cap = sizeof reply, .timeout_ms = o->timeout_ms };
    char why[IPCB_ERR_MAX];
    if (ipcb_http_cli_do(l->cli, &x, why) != 0) {
        snprintf(err, IPCB_ERR_MAX, "POST /session: %s", why);
        goto fail;
    }
    if (x.status != 204) {
        ipcb_http_status_error(&x, "POST /session", err);
        goto fail;
    }
    if (l->pull) { /* from now on the peer comes to us */
        ipcb_http_srv_set_partner(l->srv, (pid_t)x.resp_pid);
        ipcb_http_cli_close(l->cli);
        l->cli = NULL;
    }
    *out = l;
    return 0;
fail:
    http_close(l);
    return -1;
}

/* Push driver: one POST per frame; a 200's body is an ack for recv(). */
static int push_frame(ipcb_link *l, const ipcb_frame *f, char *err)
{
    if (l->ack_count == ACK_QUEUE_MAX) {
        snprintf(err, IPCB_ERR_MAX, "%d acks not read", ACK_QUEUE_MAX);
        return -1;
    }
    if (!l->answer) {
        l->answer_cap = l->max_message < 65536 ? (l->max_message > 256 ? l->max_message : 256) : 65536;
        if (!(l->answer = malloc(l->answer_cap))) {
            snprintf(err, IPCB_ERR_MAX, "out of memory");
            return -1;
        }
    }
    http_xfer x = { .path = "/frames", .body = f->data, .body_len = f->len, .seq = ++l->seq,
                    .meta = HTTP_META_FRAME, .sink = l->answer, .sink_cap = l->answer_cap,
                    .timeout_ms = l->timeout_ms };
    if (ipcb_http_cli_do(l->cli, &x, err) != 0)
        return -1;
    if (x.status == 204)
        return 0;
    if (x.status != 200) {
        ipcb_http_status_error(&x, "POST /frames", err);
        return -1;
    }
    uint8_t *copy = malloc(x.len ? x.len : 1);
    if (!copy) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return -1;
    }
    memcpy(copy, l->answer, x.len);
    l->acks[(l->ack_head + l->ack_count++) % ACK_QUEUE_MAX] = (ack_slot){ copy, x.len };
    return 0;
}

/* Pull peer: the ack as POST /acks. */
static int post_ack(ipcb_link *l, const ipcb_frame *f, char *err)
{
    uint8_t reply[256];
    http_xfer x = { .path = "/acks", .body = f->data, .body_len = f->len, .meta = HTTP_META_ACK,
                    .sink = reply, .sink_cap = sizeof reply, .timeout_ms = l->timeout_ms };
    char why[IPCB_ERR_MAX];
    if (ipcb_http_cli_do(l->acks_cli, &x, why) != 0) {
        snprintf(err, IPCB_ERR_MAX, "POST /acks: %s", why);
        return -1;
    }
    if (x.status != 204) {
        ipcb_http_status_error(&x, "POST /acks", err);
        return -1;
    }
    return 0;
}

static int http_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    if (l->peer)
        return l->pull ? post_ack(l, f, err) : ipcb_http_srv_answer(l->srv, f, err);
    return l->pull ? ipcb_http_srv_publish(l->srv, f, err) : push_frame(l, f, err);
}

/* Push driver: acks came with the answers to send(); none can arrive later. */
static int pop_ack(ipcb_link *l, ipcb_frame *f, char *err)
{
    if (l->ack_count == 0) {
        snprintf(err, IPCB_ERR_MAX, "no ack can arrive: every frame sent has been answered without one");
        return -1;
    }
    ack_slot a = l->acks[l->ack_head];
    l->ack_head = (l->ack_head + 1) % ACK_QUEUE_MAX;
    l->ack_count--;
    int rc = 0;
    if (a.len > f->cap) {
        snprintf(err, IPCB_ERR_MAX, "incoming message of %zu bytes exceeds the %zu-byte buffer", a.len, f->cap);
        rc = -1;
    } else {
        memcpy(f->buf, a.data, a.len);
        f->data = f->buf;
        f->len = a.len;
        f->loan = NULL;
    }
    free(a.data);
    return rc;
}

/* Pull peer: GET the next frame (long poll) straight into f->buf. */
static int get_frame(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    char path[64];
    snprintf(path, sizeof path, "/frames/latest?after=%" PRIu64, l->seq);
    http_xfer x = { .path = path, .sink = f->buf, .sink_cap = f->cap, .timeout_ms = timeout_ms };
    char why[IPCB_ERR_MAX];
    if (ipcb_http_cli_do(l->cli, &x, why) != 0) {
        if (x.timed_out)
            return 1;
        snprintf(err, IPCB_ERR_MAX, "GET /frames/latest: %s", why);
        return -1;
    }
    if (x.status != 200) {
        ipcb_http_status_error(&x, "GET /frames/latest", err);
        return -1;
    }
    if (x.resp_seq <= l->seq) {
        snprintf(err, IPCB_ERR_MAX, "GET /frames/latest: got frame %" PRIu64 " after %" PRIu64,
                 x.resp_seq, l->seq);
        return -1;
    }
    l->seq = x.resp_seq;
    f->data = f->buf;
    f->len = x.len;
    f->loan = NULL;
    return 0;
}

static int http_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    if (l->peer)
        return l->pull ? get_frame(l, f, timeout_ms, err)
                       : ipcb_http_srv_recv_frame(l->srv, f, timeout_ms, err);
    return l->pull ? ipcb_http_srv_recv_ack(l->srv, f, timeout_ms, err) : pop_ack(l, f, err);
}

static int http_available(char *err)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    for (const char *const *p = v ? v->protocols : NULL; p && *p; p++)
        if (strcmp(*p, "http") == 0)
            return 0;
    snprintf(err, IPCB_ERR_MAX, "libcurl was built without HTTP");
    return -1;
}

const ipcb_transport ipcb_transport_http = {
    .name = "http",
    .summary = "HTTP/1.1 on 127.0.0.1: libcurl POSTs frames to libmicrohttpd, kept-alive connection",
    .caps = 0,
    .max_frame = 0,
    .copies = 4,
    .params = http_params,
    .variant = &V_HTTP,
    .available = http_available,
    .listen = http_listen,
    .accept = http_accept,
    .connect = http_connect,
    .send = http_send,
    .recv = http_recv,
    .close = http_close,
};

const ipcb_transport ipcb_transport_http_newconn = {
    .name = "http-newconn",
    .summary = "as http, but a new TCP connection for every request",
    .caps = 0,
    .max_frame = 0,
    .copies = 4,
    .params = http_params,
    .variant = &V_NEWCONN,
    .available = http_available,
    .listen = http_listen,
    .accept = http_accept,
    .connect = http_connect,
    .send = http_send,
    .recv = http_recv,
    .close = http_close,
};

const ipcb_transport ipcb_transport_http_pull = {
    .name = "http-pull",
    .summary = "HTTP/1.1 on 127.0.0.1: the peer GETs /frames/latest from the driver (long poll)",
    .caps = 0,
    .max_frame = 0,
    .copies = 3,
    .variant = &V_PULL,
    .available = http_available,
    .listen = http_listen,
    .accept = http_accept,
    .connect = http_connect,
    .send = http_send,
    .recv = http_recv,
    .close = http_close,
};
