/* Transport "qt-local": QLocalServer in the peer, QLocalSocket in the driver,
 * the Qt way to a Unix stream socket (in the run's private 0700 directory,
 * 0600), both sides waiting in their Qt event loop. */

/* Messages carry the same 8-byte length prefix as "unix", its C counterpart.
 *
 * Copies of the pixels, 4 (unix: 2): into QLocalSocket's write buffer
 * (write() queues, flush() hands what the kernel takes), into the kernel,
 * into the receiving QLocalSocket's read buffer (filled on readyRead), into
 * the harness's buffer (read()). */
#include "qt_internal.h"

#include <QLocalServer>
#include <QLocalSocket>

#include <cstdio>
#include <cstring>
#include <new>
#include <sys/stat.h>
#include <unistd.h>

namespace {

enum : qint64 {
    PREFIX = 8,                /* native-endian u64 length of the message that follows */
    WRITE_BACKLOG = 64 << 20,  /* bytes queued in Qt before send() waits for them to drain */
};

struct LocalLink {
    QLocalServer *server = nullptr;  /* the peer's, until accept */
    QLocalSocket *socket = nullptr;
    int timeout_ms = 0;
};

LocalLink *local_of(ipcb_link *l)
{
    return reinterpret_cast<LocalLink *>(l);
}

bool connected(const QLocalSocket *s)
{
    return s->state() == QLocalSocket::ConnectedState;
}

void local_close(ipcb_link *l)
{
    LocalLink *k = local_of(l);
    if (!k)
        return;
    if (k->socket) {
        k->socket->abort();
        delete k->socket;
    }
    if (k->server) {
        k->server->close(); /* removes the socket file */
        delete k->server;
    }
    delete k;
}

int local_listen(const ipcb_transport *, ipcb_link **out, ipcb_infra *, const ipcb_opts *o,
                 char addr[IPCB_ADDR_MAX], char *err)
{
    ipcb_qt_app_ensure();
    LocalLink *k = new (std::nothrow) LocalLink;
    if (!k) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return -1;
    }
    k->timeout_ms = o->timeout_ms;
    k->server = new QLocalServer;
    QString path = QString::fromLocal8Bit(o->rundir) + QStringLiteral("/qt-local-%1.sock").arg(getpid());
    mode_t old = umask(0177); /* the socket file is created 0600 */
    bool ok = k->server->listen(path);
    umask(old);
    if (!ok) {
        ipcb_qt_error(err, QStringLiteral("QLocalServer::listen %1: %2").arg(path, k->server->errorString()));
        delete k->server;
        k->server = nullptr; /* nothing of ours to remove */
        local_close(reinterpret_cast<ipcb_link *>(k));
        return -1;
    }
    snprintf(addr, IPCB_ADDR_MAX, "%s", path.toLocal8Bit().constData());
    *out = reinterpret_cast<ipcb_link *>(k);
    return 0;
}

/* The driver's connection, then no more listening (the file goes). */
int local_accept(ipcb_link *l, char *err)
{
    LocalLink *k = local_of(l);
    QLocalServer *server = k->server;
    if (ipcb_qt_run_until([server] { return server->hasPendingConnections(); }, k->timeout_ms) != 0) {
        snprintf(err, IPCB_ERR_MAX, "no driver connected within %d ms", k->timeout_ms);
        return -1;
    }
    k->socket = server->nextPendingConnection();
    k->socket->setParent(nullptr); /* it outlives the server */
    server->close();
    delete server;
    k->server = nullptr;
    return 0;
}

int local_connect(const ipcb_transport *, ipcb_link **out, ipcb_infra *, const ipcb_opts *o,
                  const char *addr, char *err)
{
    ipcb_qt_app_ensure();
    LocalLink *k = new (std::nothrow) LocalLink;
    if (!k) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return -1;
    }
    k->timeout_ms = o->timeout_ms;
    k->socket = new QLocalSocket;
    QLocalSocket *s = k->socket;
    s->connectToServer(QString::fromLocal8Bit(addr));
    ipcb_qt_run_until([s] { return s->state() != QLocalSocket::ConnectingState; }, o->timeout_ms);
    if (!connected(s)) {
        ipcb_qt_error(err, QStringLiteral("QLocalSocket::connectToServer %1: %2")
                               .arg(QString::fromLocal8Bit(addr), s->errorString()));
        local_close(reinterpret_cast<ipcb_link *>(k));
        return -1;
    }
    *out = reinterpret_cast<ipcb_link *>(k);
    return 0;
}

void closed_error(const QLocalSocket *s, char *err)
{
    ipcb_qt_error(err, QStringLiteral("the other side closed the connection (%1)").arg(s->errorString()));
}

/* Queue prefix and message in Qt's write buffer and flush what the kernel
 * takes now; the event loop writes the rest while this side waits. A backlog
 * of more than WRITE_BACKLOG bytes is let drain first (bounded). */
int local_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    LocalLink *k = local_of(l);
    QLocalSocket *s = k->socket;
    if (s->bytesToWrite() > WRITE_BACKLOG &&
        ipcb_qt_run_until([s] { return s->bytesToWrite() <= WRITE_BACKLOG || !connected(s); }, k->timeout_ms) != 0) {
        snprintf(err, IPCB_ERR_MAX, "the other side read nothing for %d ms", k->timeout_ms);
        return -1;
    }
    if (!connected(s)) {
        closed_error(s, err);
        return -1;
    }
    quint64 len = f->len;
    if (s->write(reinterpret_cast<const char *>(&len), PREFIX) != PREFIX ||
        s->write(reinterpret_cast<const char *>(f->data), qint64(f->len)) != qint64(f->len)) {
        ipcb_qt_error(err, QStringLiteral("QLocalSocket::write: %1").arg(s->errorString()));
        return -1;
    }
    s->flush();
    return 0;
}

/* Wait in the event loop for the prefix (timeout_ms: 1 if nothing came), then
 * for the whole message (the link's bound: a stall mid-message is an error),
 * and read it out of Qt's buffer into the caller's. */
int local_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    LocalLink *k = local_of(l);
    QLocalSocket *s = k->socket;
    ipcb_qt_run_until([s] { return s->bytesAvailable() >= PREFIX || !connected(s); }, timeout_ms);
    if (s->bytesAvailable() < PREFIX) {
        if (!connected(s)) {
            closed_error(s, err);
            return -1;
        }
        if (s->bytesAvailable() == 0)
            return 1;
        snprintf(err, IPCB_ERR_MAX, "a message stalled after %lld bytes", (long long)s->bytesAvailable());
        return -1;
    }
    quint64 len = 0;
    s->peek(reinterpret_cast<char *>(&len), PREFIX);
    if (len > f->cap) {
        snprintf(err, IPCB_ERR_MAX, "incoming message of %llu bytes exceeds the %zu-byte buffer",
                 (unsigned long long)len, f->cap);
        return -1;
    }
    qint64 whole = PREFIX + qint64(len);
    ipcb_qt_run_until([s, whole] { return s->bytesAvailable() >= whole || !connected(s); }, k->timeout_ms);
    if (s->bytesAvailable() < whole) {
        if (!connected(s))
            closed_error(s, err);
        else
            snprintf(err, IPCB_ERR_MAX, "a %llu-byte message stalled after %lld bytes for %d ms",
                     (unsigned long long)len, (long long)s->bytesAvailable(), k->timeout_ms);
        return -1;
    }
    s->read(reinterpret_cast<char *>(&len), PREFIX);
    if (s->read(reinterpret_cast<char *>(f->buf), qint64(len)) != qint64(len)) {
        ipcb_qt_error(err, QStringLiteral("QLocalSocket::read: %1").arg(s->errorString()));
        return -1;
    }
    f->data = f->buf;
    f->len = len;
    f->loan = nullptr;
    return 0;
}

} // namespace

extern "C" const ipcb_transport ipcb_transport_qt_local = {
    .name = "qt-local",
    .summary = "Qt: QLocalSocket to a QLocalServer (Unix socket in a private directory), event loop both sides",
    .caps = IPCB_CAP_FANOUT, /* one connection per subscriber, as unix */
    .max_frame = 0,
    .copies = 4,
    .params = nullptr,
    .variant = nullptr,
    .available = nullptr,
    .start = nullptr,
    .stop = nullptr,
    .infra_address = nullptr,
    .infra_pids = nullptr,
    .listen = local_listen,
    .accept = local_accept,
    .connect = local_connect,
    .send = local_send,
    .recv = local_recv,
    .release = nullptr,
    .close = local_close,
    .buffers = nullptr,
    .reap = nullptr,
    .reap_attached = nullptr,
};
