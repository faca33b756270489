/* The driver's side of qt-dbus and qt-dbus-fd: a QDBusInterface on the sink,
 * every frame one asyncCall (Push, PushChunk parts, or PushFd with a
 * QDBusUnixFileDescriptor), a window of calls in flight as with libdbus. */

/* Push carries the pixels as a QByteArray; PushChunk parts go beyond D-Bus's
 * 64 MiB array; PushFd passes a sealed memfd. Each call is watched by a QDBusPendingCallWatcher, whose
 * notice wakes this thread's event loop when QtDBus's thread has the reply;
 * recv() runs the loop until the oldest call is answered and returns the acks
 * (empty answers only confirm delivery).
 *
 * The pixels are wrapped, not copied (QByteArray::fromRawData): QtDBus
 * marshals the call into a D-Bus message in asyncCall() itself, before this
 * returns, and hands the message to its own thread to write. */
#include "qt_dbus_internal.h"

extern "C" {
#include "dbus/dbus_bus.h"
#include "memfd.h"
}

#include <QDBusConnection>
#include <QDBusError>
#include <QDBusInterface>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusUnixFileDescriptor>
#include <QDeadlineTimer>

#include <climits>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <new>
#include <time.h>
#include <unistd.h>

class QtDBusCaller {
public:
    QtDBusCaller(const QDBusConnection &conn, const QString &name, ipcb_infra *infra, QtDBusPixels pixels, int timeout_ms)
        : conn_(conn), name_(name), infra_(infra), pixels_(pixels), timeout_ms_(timeout_ms)
    {
    }

    int attach(const char *sink, char *err);
    int send(const ipcb_frame *f, char *err);
    int recv(ipcb_frame *f, int timeout_ms, char *err);
    const QString &name() const { return name_; }

private:
    int call(QDBusPendingCall pending, char *err);
    void describe_disconnect(char *err);
    int take_reply(const QDBusMessage &r, ipcb_frame *f, char *err);

    QDBusConnection conn_;
    QString name_;                    /* Qt's name of the connection */
    ipcb_infra *infra_;
    QtDBusPixels pixels_;
    int timeout_ms_;
    std::unique_ptr<QDBusInterface> sink_;
    std::deque<std::unique_ptr<QDBusPendingCallWatcher>> inflight_; /* oldest first */
};

/* Why the connection is gone: the daemon's fate if it died (waiting up to
 * 100 ms for the kernel to finish its exit), else the bare fact. */
void QtDBusCaller::describe_disconnect(char *err)
{
    char status[200] = "";
    struct timespec pause = { 0, 5000000 };
    for (int i = 0; i < 20 && !status[0]; i++) {
        ipcb_dbus_bus_status(infra_, status, sizeof status);
        if (!status[0])
            nanosleep(&pause, nullptr);
    }
    if (status[0])
        snprintf(err, IPCB_ERR_MAX, "lost the connection to the bus: %s", status);
    else
        snprintf(err, IPCB_ERR_MAX, "lost the connection to the bus daemon");
}

int QtDBusCaller::attach(const char *sink, char *err)
{
    sink_ = std::make_unique<QDBusInterface>(QString::fromLatin1(sink), QStringLiteral(QT_DBUS_SINK_PATH),
                                             QStringLiteral(QT_DBUS_SINK_IFACE), conn_);
    if (!sink_->isValid()) {
        ipcb_qt_error(err, QStringLiteral("the image sink %1: %2").arg(QLatin1String(sink), sink_->lastError().message()));
        return -1;
    }
    long long expiry = (long long)timeout_ms_ * QT_DBUS_CALL_TIMEOUT_FACTOR;
    sink_->setTimeout(expiry > INT_MAX ? INT_MAX : int(expiry));
    QDBusMessage r = sink_->call(QDBus::Block, QStringLiteral("Attach"));
    if (r.type() == QDBusMessage::ErrorMessage) {
        ipcb_qt_error(err, QStringLiteral("attaching to the image sink %1: %2: %3")
                               .arg(QLatin1String(sink), r.errorName(), r.errorMessage()));
        return -1;
    }
    return 0;
}

int QtDBusCaller::call(QDBusPendingCall pending, char *err)
{
    auto watcher = std::unique_ptr<QDBusPendingCallWatcher>(new (std::nothrow) QDBusPendingCallWatcher(pending));
    if (!watcher) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return -1;
    }
    inflight_.push_back(std::move(watcher));
    return 0;
}

int QtDBusCaller::send(const ipcb_frame *f, char *err)
{
    if (f->len < QT_DBUS_HEADER || f->len - QT_DBUS_HEADER > size_t(INT_MAX)) {
        snprintf(err, IPCB_ERR_MAX, "a %zu-byte message is not a frame QtDBus can carry", f->len);
        return -1;
    }
    if (!conn_.isConnected()) {
        describe_disconnect(err);
        return -1;
    }
    const char *data = reinterpret_cast<const char *>(f->data);
    const QByteArray header = QByteArray::fromRawData(data, int(QT_DBUS_HEADER));
    size_t len = f->len - QT_DBUS_HEADER;
    if (pixels_ == QtDBusPixels::Fd && len > 0) {
        /* A fresh memfd per frame, sealed for good: the sink can trust what it maps. */
        int fd = ipcb_memfd_sealed("ipcbench-frame", data + QT_DBUS_HEADER, len, err, IPCB_ERR_MAX);
        if (fd < 0)
            return -1;
        QDBusUnixFileDescriptor pixels(fd); /* holds its own duplicate */
        ::close(fd);
        return call(sink_->asyncCall(QStringLiteral("PushFd"), header, QVariant::fromValue(pixels), qulonglong(len)), err);
    }
    if (len <= QT_DBUS_CHUNK_MAX)
        return call(sink_->asyncCall(QStringLiteral("Push"), header,
                                     QByteArray::fromRawData(data + QT_DBUS_HEADER, int(len))), err);
    uint count = uint((len + QT_DBUS_CHUNK_MAX - 1) / QT_DBUS_CHUNK_MAX);
    size_t chunk = (len + count - 1) / count;
    for (uint i = 0; i < count; i++) {
        size_t at = size_t(i) * chunk, n = i + 1 < count ? chunk : len - at;
        QByteArray part = QByteArray::fromRawData(data + QT_DBUS_HEADER + at, int(n));
        if (call(sink_->asyncCall(QStringLiteral("PushChunk"), header, i, count, part), err) != 0)
            return -1;
    }
    return 0;
}

/* A reply: 0 an ack (copied into f), 2 an empty ack, -1 an error. */
int QtDBusCaller::take_reply(const QDBusMessage &r, ipcb_frame *f, char *err)
{
    if (r.type() == QDBusMessage::ErrorMessage) {
        QString text = r.errorName() + QStringLiteral(": ") + r.errorMessage();
        if (!conn_.isConnected())
            describe_disconnect(err);
        else if (r.errorName() == QLatin1String("org.freedesktop.DBus.Error.NoReply"))
            ipcb_qt_error(err, QStringLiteral("the peer did not answer a call (%1)").arg(text));
        else
            ipcb_qt_error(err, QStringLiteral("the sink answered with an error: %1").arg(text));
        return -1;
    }
    if (r.signature() != QLatin1String("ay")) {
        ipcb_qt_error(err, QStringLiteral("the sink answered (%1), not (ay ack)").arg(r.signature()));
        return -1;
    }
    const QByteArray ack = r.arguments().at(0).toByteArray();
    if (ack.isEmpty())
        return 2;
    if (size_t(ack.size()) > f->cap) {
        snprintf(err, IPCB_ERR_MAX, "an ack of %d bytes does not fit the %zu-byte buffer", ack.size(), f->cap);
        return -1;
    }
    memcpy(f->buf, ack.constData(), size_t(ack.size()));
    f->data = f->buf;
    f->len = size_t(ack.size());
    f->loan = nullptr;
    return 0;
}

int QtDBusCaller::recv(ipcb_frame *f, int timeout_ms, char *err)
{
    QDeadlineTimer deadline(timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        while (!inflight_.empty() && inflight_.front()->isFinished()) {
            QDBusMessage r = inflight_.front()->reply();
            inflight_.pop_front();
            int rc = take_reply(r, f, err);
            if (rc != 2)
                return rc;
        }
        if (inflight_.empty()) {
            snprintf(err, IPCB_ERR_MAX, "no call in flight that could bring an ack");
            return -1;
        }
        QDBusPendingCallWatcher *oldest = inflight_.front().get();
        QDBusConnection *c = &conn_;
        ipcb_qt_run_until([oldest, c] { return oldest->isFinished() || !c->isConnected(); },
                          int(deadline.remainingTime()));
        if (!oldest->isFinished()) {
            if (!conn_.isConnected()) {
                describe_disconnect(err);
                return -1;
            }
            return 1;
        }
    }
}

/* ---- the interface to qt_dbus.cc ---- */

QtDBusCaller *qt_dbus_caller_open(ipcb_infra *infra, const ipcb_opts *o, QtDBusPixels pixels, const char *addr,
                                  char *err)
{
    char status[200] = "";
    ipcb_dbus_bus_status(infra, status, sizeof status);
    const char *address = ipcb_dbus_bus_address(infra);
    if (!infra || !address[0] || status[0]) {
        snprintf(err, IPCB_ERR_MAX, "%s", status[0] ? status : "the private bus is not running");
        return nullptr;
    }
    ipcb_qt_app_ensure();
    QString name = qt_dbus_connection_name("caller");
    QDBusConnection conn = QDBusConnection::connectToBus(QString::fromLocal8Bit(address), name);
    if (!conn.isConnected()) {
        ipcb_qt_error(err, QStringLiteral("cannot connect to %1: %2").arg(QString::fromLocal8Bit(address),
                                                                           conn.lastError().message()));
        QDBusConnection::disconnectFromBus(name);
        return nullptr;
    }
    if (pixels == QtDBusPixels::Fd && !(conn.connectionCapabilities() & QDBusConnection::UnixFileDescriptorPassing)) {
        snprintf(err, IPCB_ERR_MAX, "the bus connection cannot pass file descriptors");
        QDBusConnection::disconnectFromBus(name);
        return nullptr;
    }
    QtDBusCaller *c = new (std::nothrow) QtDBusCaller(conn, name, infra, pixels, o->timeout_ms);
    if (!c) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        QDBusConnection::disconnectFromBus(name);
        return nullptr;
    }
    if (c->attach(addr, err) != 0) {
        qt_dbus_caller_close(c);
        return nullptr;
    }
    return c;
}

int qt_dbus_caller_send(QtDBusCaller *c, const ipcb_frame *f, char *err)
{
    return c->send(f, err);
}

int qt_dbus_caller_recv(QtDBusCaller *c, ipcb_frame *f, int timeout_ms, char *err)
{
    return c->recv(f, timeout_ms, err);
}

void qt_dbus_caller_close(QtDBusCaller *c)
{
    if (!c)
        return;
    QString name = c->name();
    delete c; /* calls still in flight are abandoned; their replies are dropped */
    QDBusConnection::disconnectFromBus(name);
}
