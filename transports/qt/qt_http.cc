/* Transport "qt-http": the driver POSTs each frame with QNetworkAccessManager
 * and waits for the answer in its event loop, as a Qt application does; the
 * peer is the http transport's own libmicrohttpd server (http_server.c). */

/* The same rendezvous, token, headers, suspended requests and acks as "http"
 * (libcurl to that same server): only the client differs, so the ratio is what
 * QNetworkAccessManager costs: the request handed to its HTTP thread, the
 * socket written there, the reply handed back and the event-loop wake-ups.
 *
 * Copies of the pixels, 5 (http: 4): the caller's frame is wrapped in a
 * QByteArray without a copy (fromRawData; send() returns only after the
 * answer, so the frame is not reused while Qt reads it), but the HTTP thread
 * asks this thread for the body chunk by chunk, and each chunk is copied into
 * a QByteArray and handed over (QNonContiguousByteDeviceThreadForwardImpl:
 * two thread hand-offs a chunk); then QTcpSocket's write buffer, the kernel,
 * libmicrohttpd's read buffer, the caller's buffer. The headers leave before
 * the body, and Qt does not set TCP_NODELAY (see _q_connected in
 * qhttpnetworkconnectionchannel.cpp), so a small body waits for the server's
 * delayed ACK (seen with strace: 405 bytes of headers, then the 128-byte
 * body, the answer 40 ms later).
 * HTTP/1.1 has one request in flight per connection (QNetworkAccessManager
 * does not pipeline by default): send() returns when its request is answered. */
#include "qt_internal.h"

extern "C" {
#include "http/http_internal.h"
}

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>

#include <climits>
#include <cstdio>
#include <cstring>
#include <deque>
#include <new>

namespace {

struct HttpLink {
    bool peer = false;
    int timeout_ms = 0;
    size_t max_message = 0;
    http_srv *srv = nullptr;                /* peer: the libmicrohttpd server */
    QNetworkAccessManager *nam = nullptr;   /* driver */
    QString base_url;                       /* "http://127.0.0.1:PORT" */
    QByteArray token;
    quint64 seq = 0;                        /* frames POSTed */
    std::deque<QByteArray> acks;            /* 200 answers not yet returned by recv */
};

HttpLink *http_of(ipcb_link *l)
{
    return reinterpret_cast<HttpLink *>(l);
}

HttpLink *link_new(const ipcb_opts *o, bool peer, char *err)
{
    HttpLink *k = new (std::nothrow) HttpLink;
    if (!k) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return nullptr;
    }
    k->peer = peer;
    k->timeout_ms = o->timeout_ms;
    k->max_message = o->max_message;
    return k;
}

void http_close(ipcb_link *l)
{
    HttpLink *k = http_of(l);
    if (!k)
        return;
    ipcb_http_srv_stop(k->srv);
    delete k->nam;
    delete k;
}

/* ---- the peer: libmicrohttpd, as in "http" ---- */

int http_listen(const ipcb_transport *, ipcb_link **out, ipcb_infra *, const ipcb_opts *o,
                char addr[IPCB_ADDR_MAX], char *err)
{
    HttpLink *k = link_new(o, true, err);
    if (!k)
        return -1;
    http_srv_cfg cfg = {};
    cfg.role = HTTP_SRV_PEER;
    cfg.pull = 0;
    cfg.max_message = o->max_message;
    cfg.timeout_ms = o->timeout_ms;
    if (ipcb_http_srv_start(&k->srv, &cfg, addr, err) != 0) {
        http_close(reinterpret_cast<ipcb_link *>(k));
        return -1;
    }
    *out = reinterpret_cast<ipcb_link *>(k);
    return 0;
}

int http_accept(ipcb_link *l, char *err)
{
    char body[HTTP_SESSION_BODY_MAX + 1];
    return ipcb_http_srv_wait_session(http_of(l)->srv, body, sizeof body, err);
}

/* ---- the driver: QNetworkAccessManager ---- */

struct Answer {
    int status = 0;
    QByteArray body;
};

/* The headers the C client sends for a frame (informational metadata). */
void add_frame_headers(QNetworkRequest &req, const uint8_t *msg, size_t len)
{
    http_meta m;
    ipcb_http_meta_read(msg, len, &m);
    if (!m.valid)
        return;
    req.setRawHeader(HTTP_H_FORMAT, QByteArray::number(m.format));
    req.setRawHeader(HTTP_H_DIMS, QByteArray::number(m.width) + 'x' + QByteArray::number(m.height));
    req.setRawHeader(HTTP_H_FSEQ, QByteArray::number(qulonglong(m.seq)));
    req.setRawHeader(HTTP_H_SUM, QByteArray::number(qulonglong(m.checksum), 16).rightJustified(16, '0'));
}

/* POST body to path and wait in the event loop for the whole answer
 * (bounded). Returns 0 with the answer, -1 with err when none came. */
int post(HttpLink *k, const char *path, const QByteArray &body, quint64 seq, Answer *answer, char *err)
{
    QNetworkRequest req(QUrl(k->base_url + QLatin1String(path)));
    req.setRawHeader(HTTP_H_TOKEN, k->token);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/octet-stream"));
    req.setRawHeader(HTTP_H_SIZE, QByteArray::number(body.size()));
    if (seq) {
        req.setRawHeader(HTTP_H_SEQ, QByteArray::number(seq));
        add_frame_headers(req, reinterpret_cast<const uint8_t *>(body.constData()), size_t(body.size()));
    }
    req.setTransferTimeout(k->timeout_ms);
    QNetworkReply *reply = k->nam->post(req, body);
    if (ipcb_qt_run_until([reply] { return reply->isFinished(); }, k->timeout_ms) != 0) {
        reply->abort();
        delete reply;
        snprintf(err, IPCB_ERR_MAX, "POST %s: no answer within %d ms", path, k->timeout_ms);
        return -1;
    }
    answer->status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (answer->status == 0 && reply->error() == QNetworkReply::OperationCanceledError) {
        snprintf(err, IPCB_ERR_MAX, "POST %s: no answer within %d ms (the transfer timeout)", path, k->timeout_ms);
        delete reply;
        return -1;
    }
    if (answer->status == 0) {
        ipcb_qt_error(err, QStringLiteral("POST %1: %2").arg(QLatin1String(path), reply->errorString()));
        delete reply;
        return -1;
    }
    answer->body = reply->readAll();
    delete reply;
    return 0;
}

/* "HTTP 403: <first line of the body>", as the C client says it. */
void status_error(const char *what, const Answer &a, char *err)
{
    QByteArray line = a.body.left(a.body.indexOf('\n') < 0 ? 120 : a.body.indexOf('\n')).left(120);
    snprintf(err, IPCB_ERR_MAX, "%s: HTTP %d: %s", what, a.status, line.constData());
}

int http_connect(const ipcb_transport *, ipcb_link **out, ipcb_infra *, const ipcb_opts *o, const char *addr,
                 char *err)
{
    unsigned port;
    char token[HTTP_TOKEN_HEX + 1];
    if (ipcb_http_addr_parse(addr, &port, token, err) != 0)
        return -1;
    ipcb_qt_app_ensure();
    HttpLink *k = link_new(o, false, err);
    if (!k)
        return -1;
    k->base_url = QStringLiteral("http://127.0.0.1:%1").arg(port);
    k->token = QByteArray(token);
    k->nam = new QNetworkAccessManager;
    k->nam->setProxy(QNetworkProxy::NoProxy); /* never a proxy from the environment: loopback only */
    Answer a;
    int rc = post(k, "/session", QByteArray(), 0, &a, err);
    if (rc == 0 && a.status != 204) {
        status_error("POST /session", a, err);
        rc = -1;
    }
    if (rc != 0) {
        http_close(reinterpret_cast<ipcb_link *>(k));
        return -1;
    }
    *out = reinterpret_cast<ipcb_link *>(k);
    return 0;
}

/* Driver: one POST per frame; a 200's body is an ack for recv(). */
int push_frame(HttpLink *k, const ipcb_frame *f, char *err)
{
    Answer a;
    QByteArray body = QByteArray::fromRawData(reinterpret_cast<const char *>(f->data), int(f->len));
    if (post(k, "/frames", body, ++k->seq, &a, err) != 0)
        return -1;
    if (a.status == 204)
        return 0;
    if (a.status != 200) {
        status_error("POST /frames", a, err);
        return -1;
    }
    k->acks.push_back(a.body);
    return 0;
}

/* Driver: acks came with the answers to send(); none can arrive later. */
int pop_ack(HttpLink *k, ipcb_frame *f, char *err)
{
    if (k->acks.empty()) {
        snprintf(err, IPCB_ERR_MAX, "no ack can arrive: every frame sent has been answered without one");
        return -1;
    }
    QByteArray ack = k->acks.front();
    k->acks.pop_front();
    if (size_t(ack.size()) > f->cap) {
        snprintf(err, IPCB_ERR_MAX, "incoming message of %d bytes exceeds the %zu-byte buffer", ack.size(), f->cap);
        return -1;
    }
    memcpy(f->buf, ack.constData(), size_t(ack.size()));
    f->data = f->buf;
    f->len = size_t(ack.size());
    f->loan = nullptr;
    return 0;
}

int http_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    HttpLink *k = http_of(l);
    if (f->len > size_t(INT_MAX)) {
        snprintf(err, IPCB_ERR_MAX, "a %zu-byte frame exceeds QByteArray's int size", f->len);
        return -1;
    }
    return k->peer ? ipcb_http_srv_answer(k->srv, f, err) : push_frame(k, f, err);
}

int http_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    HttpLink *k = http_of(l);
    return k->peer ? ipcb_http_srv_recv_frame(k->srv, f, timeout_ms, err) : pop_ack(k, f, err);
}

} // namespace

extern "C" const ipcb_transport ipcb_transport_qt_http = {
    .name = "qt-http",
    .summary = "Qt: QNetworkAccessManager POSTs frames to the http peer (libmicrohttpd) on 127.0.0.1, event loop",
    .caps = 0,
    .max_frame = 0,
    .copies = 5,
    .params = nullptr,
    .variant = nullptr,
    .available = nullptr,
    .start = nullptr,
    .stop = nullptr,
    .infra_address = nullptr,
    .infra_pids = nullptr,
    .listen = http_listen,
    .accept = http_accept,
    .connect = http_connect,
    .send = http_send,
    .recv = http_recv,
    .release = nullptr,
    .close = http_close,
    .buffers = nullptr,
    .reap = nullptr,
    .reap_attached = nullptr,
};
