/* The libmicrohttpd side of the http transports, run from the caller's own
 * thread (no server thread: recv/send/accept call MHD_run_wait until what
 * they wait for has happened), with suspend/resume to hold a request open
 * until the peer has decided its answer. Checks every request (path, method,
 * token, length, metadata) and answers what it refuses with a 4xx. */
#include "http_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
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
    MAX_CONNECTIONS = 16,
    SLICE_MS       = 100,      /* pull: how often a waiting driver checks the peer is alive */
    STOP_GRACE_MS  = 1000,     /* stop: how long owed answers may take to go out */
};

enum rq_kind { RQ_NONE, RQ_REJECT, RQ_SESSION, RQ_FRAME, RQ_GET, RQ_ACK };
enum verdict { V_NONE, V_ACK, V_DONE, V_FAIL };

/* One request (libmicrohttpd's per-request context). */
typedef struct rq {
    struct rq  *next, *prev;       /* every live request, so stop can resume them */
    http_srv   *s;
    struct MHD_Connection *conn;
    int         kind;
    unsigned    status;            /* RQ_REJECT: the answer */
    const char *allow;             /* 405: the method the path takes */
    char        why[200];          /* RQ_REJECT, V_FAIL: the text of the answer */
    uint64_t    len, got;          /* Content-Length and body bytes taken */
    uint64_t    seq;               /* RQ_FRAME: X-Ipcbench-Seq; RQ_GET: ?after= */
    int         suspended;
    int         waiting_for_buffer;/* RQ_FRAME suspended until recv() offers a buffer */
    int         verdict;           /* RQ_FRAME: how to answer */
    int         answered;          /* a response is queued */
    uint8_t    *body;              /* RQ_SESSION / RQ_ACK: the body; V_ACK: the answer */
    size_t      body_len;
    uint64_t    served_seq;        /* RQ_GET: the frame its answer carries, 0 = none */
    struct ack_item *item;         /* RQ_ACK: its queued ack */
} rq;

typedef struct ack_item {
    struct ack_item *next;
    uint8_t         *data;
    size_t           len;
    struct rq       *rq;           /* its request until completed (its 204 sent) */
} ack_item;

struct http_srv {
    struct MHD_Daemon *d;
    http_srv_cfg cfg;
    char         token[HTTP_TOKEN_HEX + 1];
    char         log[IPCB_ERR_MAX];  /* libmicrohttpd's last complaint */
    rq          *live;               /* every request not yet completed */
    int          owed;               /* answers queued but not completely sent */
    rq          *watch;              /* the request a flush waits for (NULL once completed) */
    pid_t        partner;            /* pull: the peer process */
    long long    checked_ms;         /* pull: when it was last seen alive */
    int          broken;             /* pull: a frame could not be delivered; stop serving */
    int          stopping;
    /* peer: the session */
    int          session;
    rq          *session_rq;         /* its request until completed */
    char         session_body[HTTP_SESSION_BODY_MAX + 1];
    /* peer, push: frames */
    uint64_t     next_seq;           /* X-Ipcbench-Seq expected next */
    uint8_t     *rx_buf;             /* the caller's buffer while recv() runs */
    size_t       rx_cap;
    rq          *cur;                /* frame whose body is coming in */
    rq          *ready;              /* complete frame in rx_buf, not yet returned */
    size_t       ready_len;
    int          ready_orphan;       /* complete, but its request is gone */
    rq          *pending;            /* returned frame whose request awaits the verdict */
    char         rx_err[IPCB_ERR_MAX];
    /* driver, pull: the published frame and the acks */
    const uint8_t *pub;              /* referenced, not copied, until fetched */
    size_t       pub_len;
    uint64_t     pub_seq;            /* transport sequence of pub (from 1) */
    int          pub_state;          /* 0 waiting, 1 fetched, -1 fetch failed */
    rq          *waiting_get;        /* a long-poll GET with nothing to send yet */
    rq          *serving;            /* the GET whose answer carries pub */
    ack_item    *acks, **acks_tail;
};

static void on_log(void *cls, const char *fmt, va_list ap)
{
    http_srv *s = cls;
    vsnprintf(s->log, sizeof s->log, fmt, ap);
    size_t n = strlen(s->log);
    while (n && (s->log[n - 1] == '\n' || s->log[n - 1] == '\r'))
        s->log[--n] = '\0';
}

static void reject(rq *r, unsigned status, const char *fmt, ...)
{
    va_list ap;
    r->kind = RQ_REJECT;
    r->status = status;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
}

static enum MHD_Result queue(rq *r, unsigned status, struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO;
    enum MHD_Result ok = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    if (ok == MHD_YES) {
        r->answered = 1;
        r->s->owed++;
    }
    return ok;
}

static enum MHD_Result answer_text(rq *r, unsigned status, const char *text)
{
    char body[260];
    int n = snprintf(body, sizeof body, "%s\n", text);
    struct MHD_Response *resp = MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED && r->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    return queue(r, status, resp);
}

static enum MHD_Result answer_empty(rq *r, unsigned status)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (resp && r->kind == RQ_SESSION) {
        char pid[24];
        snprintf(pid, sizeof pid, "%ld", (long)getpid());
        MHD_add_response_header(resp, HTTP_H_PID, pid);
    }
    return queue(r, status, resp);
}

static void add_u64(struct MHD_Response *resp, const char *name, const char *fmt, uint64_t v)
{
    char text[32];
    snprintf(text, sizeof text, fmt, v);
    MHD_add_response_header(resp, name, text);
}

/* Push: the peer's ack becomes the 200 answer; its receive time and status
 * (fixed offsets, informational) also go into headers. */
static enum MHD_Result answer_ack(rq *r)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(r->body_len, r->body,
                                                                MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    http_meta m;
    ipcb_http_meta_read(r->body, r->body_len, &m);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
    add_u64(resp, HTTP_H_SEQ, "%" PRIu64, r->seq);
    if (m.valid) {
        add_u64(resp, HTTP_H_T1, "%" PRIu64, m.timestamp_ns);
        add_u64(resp, HTTP_H_STATUS, "%" PRIu64, m.status);
    }
    return queue(r, MHD_HTTP_OK, resp);
}

/* Pull: the published frame, sent from the driver's own memory
 * (MHD_RESPMEM_PERSISTENT: no copy into libmicrohttpd's buffers). */
static enum MHD_Result answer_frame(rq *r)
{
    http_srv *s = r->s;
    struct MHD_Response *resp = MHD_create_response_from_buffer(s->pub_len, (void *)s->pub,
                                                                MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    http_meta m;
    ipcb_http_meta_read(s->pub, s->pub_len, &m);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
    add_u64(resp, HTTP_H_SEQ, "%" PRIu64, s->pub_seq);
    add_u64(resp, HTTP_H_SIZE, "%" PRIu64, s->pub_len);
    if (m.valid) {
        char dims[48];
        snprintf(dims, sizeof dims, "%" PRIu32 "x%" PRIu32, m.width, m.height);
        add_u64(resp, HTTP_H_FORMAT, "%" PRIu64, m.format);
        MHD_add_response_header(resp, HTTP_H_DIMS, dims);
        add_u64(resp, HTTP_H_FSEQ, "%" PRIu64, m.seq);
        add_u64(resp, HTTP_H_SUM, "%016" PRIx64, m.checksum);
    }
    r->served_seq = s->pub_seq;
    s->serving = r;
    return queue(r, MHD_HTTP_OK, resp);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* Decimal u64 with nothing else around it. */
static int parse_u64(const char *text, uint64_t *v)
{
    if (!text || *text < '0' || *text > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    if (errno || *end)
        return -1;
    *v = n;
    return 0;
}

/* The informational X-Frame-* headers, when present, must be well formed. */
static int check_meta(rq *r)
{
    struct MHD_Connection *c = r->conn;
    const char *v;
    uint64_t n;
    if ((v = header(c, HTTP_H_FORMAT)) && parse_u64(v, &n) != 0) {
        reject(r, MHD_HTTP_BAD_REQUEST, "bad metadata: " HTTP_H_FORMAT " '%.40s' is not a number", v);
        return -1;
    }
    static const char *const numbers[] = { HTTP_H_FSEQ, HTTP_H_T1, HTTP_H_STATUS };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        if ((v = header(c, numbers[i])) && parse_u64(v, &n) != 0) {
            reject(r, MHD_HTTP_BAD_REQUEST, "bad metadata: %s '%.40s' is not a number", numbers[i], v);
            return -1;
        }
    if ((v = header(c, HTTP_H_DIMS))) {
        size_t w = strspn(v, "0123456789"), h = w && v[w] == 'x' ? strspn(v + w + 1, "0123456789") : 0;
        if (!w || v[w] != 'x' || !h || v[w + 1 + h] != '\0') {
            reject(r, MHD_HTTP_BAD_REQUEST, "bad metadata: " HTTP_H_DIMS " '%.40s' is not WIDTHxHEIGHT", v);
            return -1;
        }
    }
    if ((v = header(c, HTTP_H_SUM))) {
        size_t len = strlen(v);
        if (len != 16 || strspn(v, "0123456789abcdefABCDEF") != 16) {
            reject(r, MHD_HTTP_BAD_REQUEST, "bad metadata: " HTTP_H_SUM " '%.40s' is not 16 hex digits", v);
            return -1;
        }
    }
    return 0;
}

/* What a path serves, for this server's role. */
static int route(const http_srv *s, const char *url, const char **method)
{
    if (s->cfg.role == HTTP_SRV_PEER) {
        *method = MHD_HTTP_METHOD_POST;
        if (strcmp(url, "/session") == 0)
            return RQ_SESSION;
        if (strcmp(url, "/frames") == 0 && !s->cfg.pull)
            return RQ_FRAME;
        return RQ_REJECT;
    }
    if (strcmp(url, "/frames/latest") == 0) {
        *method = MHD_HTTP_METHOD_GET;
        return RQ_GET;
    }
    *method = MHD_HTTP_METHOD_POST;
    return strcmp(url, "/acks") == 0 ? RQ_ACK : RQ_REJECT;
}

/* Decides what a new request is; a refused one becomes RQ_REJECT with its
 * status. Checked in order: path (404), method (405), token (403), length
 * (411, 413), metadata and state (400, 409). */
static void classify(http_srv *s, rq *r, const char *url, const char *method)
{
    struct MHD_Connection *c = r->conn;
    const char *want;
    int kind = route(s, url, &want);
    if (kind == RQ_REJECT) {
        reject(r, MHD_HTTP_NOT_FOUND, "no such resource: %.100s", url);
        return;
    }
    if (strcmp(method, want) != 0) {
        r->allow = want;
        reject(r, MHD_HTTP_METHOD_NOT_ALLOWED, "%.100s takes %s, not %.20s", url, want, method);
        return;
    }
    if (!ipcb_http_token_ok(header(c, HTTP_H_TOKEN), s->token)) {
        reject(r, MHD_HTTP_FORBIDDEN, header(c, HTTP_H_TOKEN) ? "wrong " HTTP_H_TOKEN
                                                             : "missing " HTTP_H_TOKEN);
        return;
    }
    uint64_t len = 0;
    const char *cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (kind == RQ_GET) {
        const char *after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
        if ((cl && (parse_u64(cl, &len) != 0 || len != 0)) || header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING))
            reject(r, MHD_HTTP_BAD_REQUEST, "GET %.100s takes no body", url);
        else if (after && parse_u64(after, &r->seq) != 0)
            reject(r, MHD_HTTP_BAD_REQUEST, "bad ?after= '%.40s' (want a number)", after);
        else
            r->kind = RQ_GET;
        return;
    }
    if (header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING) || !cl) {
        reject(r, MHD_HTTP_LENGTH_REQUIRED, "Content-Length required (no chunked bodies)");
        return;
    }
    if (parse_u64(cl, &len) != 0) {
        reject(r, MHD_HTTP_BAD_REQUEST, "bad Content-Length '%.40s'", cl);
        return;
    }
    r->len = len;
    uint64_t limit = kind == RQ_SESSION ? HTTP_SESSION_BODY_MAX : s->cfg.max_message;
    if (len > limit) {
        reject(r, MHD_HTTP_CONTENT_TOO_LARGE, "body of %" PRIu64 " bytes exceeds the %" PRIu64 "-byte maximum",
               len, limit);
        return;
    }
    if (kind == RQ_SESSION) {
        if (s->session)
            reject(r, MHD_HTTP_CONFLICT, "a session is already established");
        else if (s->cfg.pull && len == 0)
            reject(r, MHD_HTTP_BAD_REQUEST, "pull mode: the body must be the driver's address");
        else if (!s->cfg.pull && len != 0)
            reject(r, MHD_HTTP_BAD_REQUEST, "push mode: the session body must be empty");
        else
            r->kind = RQ_SESSION;
        return;
    }
    uint64_t size;
    const char *sz = header(c, HTTP_H_SIZE);
    if (parse_u64(sz, &size) != 0) {
        reject(r, MHD_HTTP_BAD_REQUEST, sz ? "bad metadata: " HTTP_H_SIZE " '%.40s' is not a number"
                                           : "missing " HTTP_H_SIZE "%.0s", sz ? sz : "");
        return;
    }
    if (size != len) {
        reject(r, MHD_HTTP_BAD_REQUEST, "Content-Length %" PRIu64 " does not match " HTTP_H_SIZE " %" PRIu64,
               len, size);
        return;
    }
    if (check_meta(r) != 0)
        return;
    if (kind == RQ_ACK) {
        r->kind = RQ_ACK;
        return;
    }
    /* RQ_FRAME */
    uint64_t seq;
    const char *sq = header(c, HTTP_H_SEQ);
    if (!s->session)
        reject(r, MHD_HTTP_CONFLICT, "no session: POST /session first");
    else if (len == 0)
        reject(r, MHD_HTTP_BAD_REQUEST, "empty frame");
    else if (parse_u64(sq, &seq) != 0)
        reject(r, MHD_HTTP_BAD_REQUEST, sq ? "bad metadata: " HTTP_H_SEQ " '%.40s' is not a number"
                                           : "missing " HTTP_H_SEQ "%.0s", sq ? sq : "");
    else if (seq != s->next_seq)
        reject(r, MHD_HTTP_BAD_REQUEST, "out of sequence: " HTTP_H_SEQ " %" PRIu64 ", expected %" PRIu64,
               seq, s->next_seq);
    else if (s->cur || s->ready || s->pending)
        reject(r, MHD_HTTP_CONFLICT, "another frame is in flight");
    else {
        r->kind = RQ_FRAME;
        r->seq = seq;
        s->next_seq++;
        s->cur = r;
    }
}

static void suspend(rq *r)
{
    MHD_suspend_connection(r->conn);
    r->suspended = 1;
}

static void resume(rq *r)
{
    if (r->suspended) {
        r->suspended = 0;
        MHD_resume_connection(r->conn);
    }
}

/* A frame's body, straight into the buffer of the recv() in progress. */
static enum MHD_Result frame_body(http_srv *s, rq *r, const char *data, size_t *size)
{
    if (s->stopping)
        return MHD_NO;
    if (!s->rx_buf) { /* not inside recv(): hold the data until it is */
        r->waiting_for_buffer = 1;
        suspend(r);
        return MHD_YES;
    }
    size_t n = *size;
    if (n > r->len - r->got)
        n = (size_t)(r->len - r->got);
    if (r->got + n > s->rx_cap) {
        snprintf(s->rx_err, sizeof s->rx_err, "incoming message of %" PRIu64 " bytes exceeds the %zu-byte buffer",
                 r->len, s->rx_cap);
        return MHD_NO; /* drop the connection */
    }
    memcpy(s->rx_buf + r->got, data, n);
    r->got += n;
    *size -= n;
    if (r->got == r->len) {
        s->ready = r;
        s->ready_len = (size_t)r->len;
        s->cur = NULL;
    }
    return MHD_YES;
}

/* The request is complete: answer it, or hold it open (suspended). */
static enum MHD_Result final_call(http_srv *s, rq *r)
{
    switch (r->kind) {
    case RQ_NONE:
        return MHD_NO;
    case RQ_REJECT:
        return answer_text(r, r->status, r->why);
    case RQ_SESSION:
        memcpy(s->session_body, r->body ? (char *)r->body : "", r->got);
        s->session_body[r->got] = '\0';
        s->session = 1;
        s->session_rq = r;
        return answer_empty(r, MHD_HTTP_NO_CONTENT);
    case RQ_ACK: {
        ack_item *a = calloc(1, sizeof *a);
        if (!a)
            return MHD_NO;
        a->data = r->body;
        a->len = (size_t)r->got;
        a->rq = r;
        r->item = a;
        r->body = NULL;
        *s->acks_tail = a;
        s->acks_tail = &a->next;
        return answer_empty(r, MHD_HTTP_NO_CONTENT);
    }
    case RQ_FRAME:
        if (r->verdict == V_ACK)
            return answer_ack(r);
        if (r->verdict == V_DONE)
            return answer_empty(r, MHD_HTTP_NO_CONTENT);
        if (r->verdict == V_FAIL)
            return answer_text(r, MHD_HTTP_SERVICE_UNAVAILABLE, r->why);
        suspend(r); /* until the peer acks it or moves on */
        return MHD_YES;
    case RQ_GET:
        if (s->broken) {
            snprintf(r->why, sizeof r->why, "the publisher has given up");
            return answer_text(r, MHD_HTTP_SERVICE_UNAVAILABLE, r->why);
        }
        if (r->verdict == V_FAIL)
            return answer_text(r, MHD_HTTP_CONFLICT, r->why);
        if (s->pub && s->pub_state == 0 && s->pub_seq > r->seq && !s->serving) {
            if (s->waiting_get == r)
                s->waiting_get = NULL;
            return answer_frame(r);
        }
        if (s->waiting_get && s->waiting_get != r) { /* a newer long poll replaces it */
            rq *old = s->waiting_get;
            old->verdict = V_FAIL;
            snprintf(old->why, sizeof old->why, "superseded by a newer GET");
            resume(old);
        }
        s->waiting_get = r;
        suspend(r);
        return MHD_YES;
    }
    return MHD_NO;
}

/* A body that a refused request may be read to its end (and thrown away):
 * of known length, no larger than an accepted one. */
static int discardable(const http_srv *s, struct MHD_Connection *c)
{
    uint64_t len;
    const char *cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        return 0;
    if (!cl)
        return 1;
    return parse_u64(cl, &len) == 0 && len <= s->cfg.max_message && len <= UINT32_MAX;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *data, size_t *size, void **ctx)
{
    (void)version;
    http_srv *s = cls;
    rq *r = *ctx;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->s = s;
        r->conn = conn;
        r->next = s->live;
        if (s->live)
            s->live->prev = r;
        s->live = r;
        *ctx = r;
        classify(s, r, url, method);
        if ((r->kind == RQ_SESSION || r->kind == RQ_ACK) && r->len) {
            r->body = malloc((size_t)r->len + 1);
            if (!r->body)
                return MHD_NO;
        }
        /* A refusal with a body too large (or of unknown size) to read and
         * discard is answered at once; libmicrohttpd then closes the
         * connection. Smaller bodies are discarded so the connection lives. */
        if (r->kind == RQ_REJECT && !discardable(s, conn))
            return answer_text(r, r->status, r->why);
        return MHD_YES;
    }
    if (r->answered)
        return MHD_YES;
    if (*size) {
        if (r->kind == RQ_FRAME)
            return frame_body(s, r, data, size);
        if (r->kind == RQ_SESSION || r->kind == RQ_ACK) {
            size_t n = *size <= r->len - r->got ? *size : (size_t)(r->len - r->got);
            memcpy(r->body + r->got, data, n);
            r->got += n;
        }
        *size = 0; /* RQ_REJECT: discarded */
        return MHD_YES;
    }
    return final_call(s, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **ctx,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    http_srv *s = cls;
    rq *r = *ctx;
    if (!r)
        return;
    *ctx = NULL;
    if (r->answered)
        s->owed--;
    if (s->cur == r) {
        s->cur = NULL;
        snprintf(s->rx_err, sizeof s->rx_err,
                 "the driver's request ended after %" PRIu64 " of %" PRIu64 " bytes", r->got, r->len);
    }
    if (s->ready == r) {
        s->ready = NULL;
        s->ready_orphan = 1; /* the frame is complete: still deliver it */
    }
    if (s->pending == r)
        s->pending = NULL;
    if (s->waiting_get == r)
        s->waiting_get = NULL;
    if (s->serving == r)
        s->serving = NULL;
    if (s->watch == r)
        s->watch = NULL;
    if (s->session_rq == r)
        s->session_rq = NULL;
    if (r->item)
        r->item->rq = NULL;
    if (r->served_seq && r->served_seq == s->pub_seq && s->pub_state == 0)
        s->pub_state = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? 1 : -1;
    if (r->prev)
        r->prev->next = r->next;
    else
        s->live = r->next;
    if (r->next)
        r->next->prev = r->prev;
    free(r->body);
    free(r);
}

/* The same 4 MiB socket buffers as the tcp transport, on every accepted socket. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)socket_ctx;
    if (code != MHD_CONNECTION_NOTIFY_STARTED)
        return;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return;
    int v = SOCKBUF_BYTES, fd = ci->connect_fd;
    if (geteuid() != 0 || setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof v) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    if (geteuid() != 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
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
    s->d = MHD_start_daemon(MHD_USE_ERROR_LOG | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME, 0,
                            NULL, NULL, on_request, s,
                            MHD_OPTION_EXTERNAL_LOGGER, on_log, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
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

/* One round of the server, waiting at most ms for something to happen. */
static int run(http_srv *s, long long ms, char *err)
{
    if (ms < 0)
        ms = 0;
    if (MHD_run_wait(s->d, (int32_t)ms) != MHD_YES) {
        snprintf(err, IPCB_ERR_MAX, "libmicrohttpd failed%s%s", s->log[0] ? ": " : "", s->log);
        return -1;
    }
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
        resume(r);
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
    resume(r);
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
        resume(s->cur);
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
        resume(s->waiting_get);
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
