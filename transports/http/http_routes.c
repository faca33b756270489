/* The request side of the http transports' server (see http_server.c):
 * every request is checked (form, path, method, token, length, metadata) and
 * classified, a refused one is answered with a 4xx and a one-line reason
 * (and its connection closed unless it is admitted, see http_admission.c),
 * and an accepted one is answered, or held open (suspended) until the peer
 * decides. */
#include "http_server_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    /* A stranger gets one answer, then goes; so does anyone without the token. */
    if (status == MHD_HTTP_FORBIDDEN || !ipcb_http_conn_admitted(r->conn))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
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

/* An HTTP method is a token (RFC 9110, 5.6.2). */
static int is_token(const char *text)
{
    static const char specials[] = "!#$%&'*+-.^_`|~";
    if (!*text)
        return 0;
    for (const char *p = text; *p; p++)
        if (!(*p >= '0' && *p <= '9') && !(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
            !strchr(specials, *p))
            return 0;
    return 1;
}

/* Decides what a new request is; a refused one becomes RQ_REJECT with its
 * status. Checked in order: form (400: the method is not a token, the path
 * does not start with '/'), path (404), method (405), token (403), length
 * (411, 413), metadata and state (400, 409). A request that carries the
 * token admits its connection, whatever its answer. */
static void classify(http_srv *s, rq *r, const char *url, const char *method)
{
    struct MHD_Connection *c = r->conn;
    int token_ok = ipcb_http_token_ok(header(c, HTTP_H_TOKEN), s->token);
    ipcb_http_conn_request(s, c, token_ok);
    if (!is_token(method)) {
        reject(r, MHD_HTTP_BAD_REQUEST, "malformed request: the method is not a token");
        return;
    }
    if (url[0] != '/' && strncmp(url, "http://", 7) != 0) { /* absolute-form goes on, to its 404 */
        reject(r, MHD_HTTP_BAD_REQUEST, "malformed request: the path must start with '/'");
        return;
    }
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
    if (!token_ok) {
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

void ipcb_http_rq_resume(rq *r)
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
        if (s->stopping) /* nothing may be suspended when the daemon stops */
            return answer_text(r, MHD_HTTP_SERVICE_UNAVAILABLE, "the peer closed the link");
        suspend(r); /* until the peer acks it or moves on */
        return MHD_YES;
    case RQ_GET:
        if (s->broken || s->stopping) { /* a GET read only while stopping (e.g. after Ctrl-C) */
            snprintf(r->why, sizeof r->why, "%s", s->stopping ? "the driver closed the link"
                                                              : "the publisher has given up");
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
            ipcb_http_rq_resume(old);
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

enum MHD_Result ipcb_http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
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
        /* A refusal to a stranger, or with a body too large (or of unknown
         * size) to read and discard, is answered at once; libmicrohttpd then
         * closes the connection. Otherwise the body is discarded so the
         * connection lives. */
        if (r->kind == RQ_REJECT && (!ipcb_http_conn_admitted(conn) || !discardable(s, conn)))
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

void ipcb_http_on_completed(void *cls, struct MHD_Connection *conn, void **ctx,
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
