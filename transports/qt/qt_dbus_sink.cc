/* The peer's side of qt-dbus and qt-dbus-fd: the org.ipcbench.ImageSink
 * service of the libdbus transports (transports/dbus/dbus_service.c describes
 * it) served with QtDBus, a QDBusVirtualObject as the adaptor. */

/* QtDBus hands the virtual object every call to /org/ipcbench/ImageSink as a
 * QDBusMessage in this thread's event loop, without moc (QDBusAbstractAdaptor
 * would need a Q_OBJECT class).
 *
 * QtDBus reads and demarshals a call on its own thread (the pixels become a
 * QByteArray: one copy more than libdbus, whose reader points into the
 * message) and posts it to this thread; recv() runs the event loop until a
 * call has arrived, copies its pixels into the harness's buffer and keeps the
 * call, whose reply is the ack (send()) or, for a frame not acked, an empty
 * ack at the next recv(). Every call gets exactly one reply. */
#include "qt_dbus_internal.h"

extern "C" {
#include "dbus/dbus_bus.h"
#include "memfd.h"
}

#include <dbus/dbus.h>

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusReply>
#include <QDBusUnixFileDescriptor>
#include <QDBusVirtualObject>
#include <QDeadlineTimer>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <malloc.h>
#include <new>
#include <sys/mman.h>
#include <sys/stat.h>

namespace {

const char INTROSPECT_XML[] = IPCB_DBUS_SINK_XML;

const char ERROR_INVALID_ARGS[] = "org.freedesktop.DBus.Error.InvalidArgs";
const char ERROR_FAILED[] = "org.freedesktop.DBus.Error.Failed";

enum : size_t { VIEW_PAGE = 4096 };

/* What taking a queued call gave. */
enum class Taken { Frame, Part, Refused };

} // namespace

class QtDBusSink : public QDBusVirtualObject {
public:
    QtDBusSink(const QDBusConnection &conn, const QString &name, QtDBusPixels pixels, const ipcb_opts *o)
        : conn_(conn), name_(name), pixels_(pixels), timeout_ms_(o->timeout_ms), max_message_(o->max_message)
    {
    }

    const QString &name() const { return name_; }
    QString introspect(const QString &) const override { return QLatin1String(INTROSPECT_XML); }
    bool handleMessage(const QDBusMessage &m, const QDBusConnection &) override;

    int accept(char *err);
    int recv(ipcb_frame *f, int timeout_ms, char *err);
    int send(const ipcb_frame *f, char *err);
    void release();
    void close();

private:
    void reply_error(const QDBusMessage &m, const char *name, const QString &text);
    void answer_previous();
    bool from_client(const QDBusMessage &m) const;
    void refuse_busy(const QDBusMessage &m);
    void on_attach(const QDBusMessage &m);
    bool valid_frame_call(const QDBusMessage &m);
    Taken take(const QDBusMessage &m, ipcb_frame *f);
    Taken take_push(const QDBusMessage &m, ipcb_frame *f);
    Taken take_chunk(const QDBusMessage &m, ipcb_frame *f);
    Taken take_fd(const QDBusMessage &m, ipcb_frame *f);
    bool map_view(int fd, const QByteArray &header, quint64 length, ipcb_frame *f, char *why);

    QDBusConnection conn_;
    QString name_;                    /* Qt's name of the connection */
    QtDBusPixels pixels_;
    int timeout_ms_;
    size_t max_message_;
    bool attached_ = false;
    QString client_;                  /* the attached driver's unique name */
    std::deque<QDBusMessage> calls_;  /* frame calls not taken yet */
    QDBusMessage owed_;               /* the call of the frame taken last, not answered yet */
    bool owes_ = false;
    quint32 chunk_next_ = 0, chunk_count_ = 0;   /* PushChunk assembly */
    size_t chunk_filled_ = 0;
    QByteArray chunk_header_;
    void *map_ = nullptr;             /* qt-dbus-fd: the lent view's reservation */
    size_t map_len_ = 0;
};

/* ---- calls as they arrive (this thread, from the event loop) ---- */

void QtDBusSink::reply_error(const QDBusMessage &m, const char *name, const QString &text)
{
    conn_.send(m.createErrorReply(QLatin1String(name), text));
}

bool QtDBusSink::from_client(const QDBusMessage &m) const
{
    return attached_ && m.service() == client_;
}

void QtDBusSink::refuse_busy(const QDBusMessage &m)
{
    if (!attached_)
        reply_error(m, QT_DBUS_ERROR_BUSY, QStringLiteral("no ipcbench driver has attached to this sink yet"));
    else
        reply_error(m, QT_DBUS_ERROR_BUSY,
                    QStringLiteral("this sink serves %1 (the ipcbench driver); frames from %2 are refused")
                        .arg(client_, m.service()));
}

void QtDBusSink::on_attach(const QDBusMessage &m)
{
    if (!m.signature().isEmpty()) {
        reply_error(m, ERROR_INVALID_ARGS, QStringLiteral("Attach takes no arguments, not (%1)").arg(m.signature()));
        return;
    }
    if (attached_ && client_ != m.service()) {
        refuse_busy(m);
        return;
    }
    attached_ = true;
    client_ = m.service();
    conn_.send(m.createReply());
}

/* The checks that need no receive buffer: signature, header, size, sender. */
bool QtDBusSink::valid_frame_call(const QDBusMessage &m)
{
    static const struct { const char *member, *signature, *shape; } shapes[] = {
        { "Push", "ayay", "(ay header, ay pixels)" },
        { "PushChunk", "ayuuay", "(ay header, u index, u count, ay pixels)" },
        { "PushFd", "ayht", "(ay header, h pixels, t length)" },
    };
    for (const auto &s : shapes) {
        if (m.member() != QLatin1String(s.member))
            continue;
        if (m.signature() != QLatin1String(s.signature)) {
            reply_error(m, ERROR_INVALID_ARGS,
                        QStringLiteral("%1 takes %2, not (%3)").arg(m.member(), QLatin1String(s.shape), m.signature()));
            return false;
        }
    }
    const QVariantList args = m.arguments();
    int header = args.at(0).toByteArray().size();
    if (header != int(QT_DBUS_HEADER)) {
        reply_error(m, ERROR_INVALID_ARGS, QStringLiteral("header must be the %1-byte ipcbench frame header, not %2 bytes")
                                               .arg(int(QT_DBUS_HEADER)).arg(header));
        return false;
    }
    quint64 pixels = m.member() == QLatin1String("PushFd") ? args.at(2).toULongLong()
                                                           : quint64(args.last().toByteArray().size());
    if (pixels > max_message_ - QT_DBUS_HEADER) {
        reply_error(m, ERROR_INVALID_ARGS, QStringLiteral("%1 bytes of pixels exceed this run's frames (%2 bytes)")
                                               .arg(pixels).arg(qulonglong(max_message_ - QT_DBUS_HEADER)));
        return false;
    }
    if (!from_client(m)) {
        refuse_busy(m);
        return false;
    }
    return true;
}

bool QtDBusSink::handleMessage(const QDBusMessage &m, const QDBusConnection &)
{
    if (m.type() != QDBusMessage::MethodCallMessage)
        return false;
    if (!m.interface().isEmpty() && m.interface() != QLatin1String(QT_DBUS_SINK_IFACE))
        return false; /* Introspect and the rest: QtDBus answers */
    const QString member = m.member();
    if (member == QLatin1String("Attach")) {
        on_attach(m);
        return true;
    }
    if (member != QLatin1String("Push") && member != QLatin1String("PushChunk") && member != QLatin1String("PushFd"))
        return false;
    if (valid_frame_call(m))
        calls_.push_back(m);
    return true;
}

/* ---- frames, as recv() takes them ---- */

void QtDBusSink::answer_previous()
{
    if (owes_)
        conn_.send(owed_.createReply(QByteArray()));
    owes_ = false;
}

Taken QtDBusSink::take_push(const QDBusMessage &m, ipcb_frame *f)
{
    const QVariantList args = m.arguments();
    const QByteArray header = args.at(0).toByteArray(), pixels = args.at(1).toByteArray();
    if (chunk_count_) {
        reply_error(m, QT_DBUS_ERROR_ORDER,
                    QStringLiteral("Push while chunk %1 of %2 of a frame was due").arg(chunk_next_).arg(chunk_count_));
        chunk_count_ = 0;
        return Taken::Refused;
    }
    if (QT_DBUS_HEADER + size_t(pixels.size()) > f->cap) {
        reply_error(m, ERROR_FAILED, QStringLiteral("the sink is not ready to receive a frame"));
        return Taken::Refused;
    }
    memcpy(f->buf, header.constData(), QT_DBUS_HEADER);
    memcpy(f->buf + QT_DBUS_HEADER, pixels.constData(), size_t(pixels.size()));
    f->data = f->buf;
    f->len = QT_DBUS_HEADER + size_t(pixels.size());
    f->loan = nullptr;
    return Taken::Frame;
}

Taken QtDBusSink::take_chunk(const QDBusMessage &m, ipcb_frame *f)
{
    const QVariantList args = m.arguments();
    const QByteArray header = args.at(0).toByteArray(), pixels = args.at(3).toByteArray();
    quint32 index = args.at(1).toUInt(), count = args.at(2).toUInt();
    if (count < 2 || index >= count) {
        reply_error(m, ERROR_INVALID_ARGS,
                    QStringLiteral("chunk %1 of %2: want 0 <= index < count and count >= 2").arg(index).arg(count));
        return Taken::Refused;
    }
    if (index == 0) { /* a new frame (an unfinished one is dropped: its sequence number goes missing) */
        chunk_count_ = count;
        chunk_next_ = 0;
        chunk_filled_ = 0;
        chunk_header_ = header;
    } else if (chunk_count_ == 0 || index != chunk_next_ || count != chunk_count_ || header != chunk_header_) {
        reply_error(m, QT_DBUS_ERROR_ORDER, QStringLiteral("chunk %1 of %2 arrived while chunk %3 of %4 of that frame was due")
                                                .arg(index).arg(count).arg(chunk_next_).arg(chunk_count_));
        chunk_count_ = 0;
        return Taken::Refused;
    }
    if (QT_DBUS_HEADER + chunk_filled_ + size_t(pixels.size()) > f->cap ||
        chunk_filled_ + size_t(pixels.size()) > max_message_ - QT_DBUS_HEADER) {
        reply_error(m, ERROR_INVALID_ARGS, QStringLiteral("the chunks exceed this run's frames"));
        chunk_count_ = 0;
        return Taken::Refused;
    }
    memcpy(f->buf + QT_DBUS_HEADER + chunk_filled_, pixels.constData(), size_t(pixels.size()));
    chunk_filled_ += size_t(pixels.size());
    chunk_next_++;
    if (index + 1 < count) {
        conn_.send(m.createReply(QByteArray()));
        return Taken::Part;
    }
    memcpy(f->buf, chunk_header_.constData(), QT_DBUS_HEADER);
    f->data = f->buf;
    f->len = QT_DBUS_HEADER + chunk_filled_;
    f->loan = nullptr;
    chunk_count_ = 0;
    return Taken::Frame;
}

/* Maps length bytes of fd read-only right after a page whose last 64 bytes
 * hold the header, so header and pixels are one view without copying the
 * pixels (as dbus-fd does). */
bool QtDBusSink::map_view(int fd, const QByteArray &header, quint64 length, ipcb_frame *f, char *why)
{
    size_t span = VIEW_PAGE + ((size_t(length) + VIEW_PAGE - 1) & ~size_t(VIEW_PAGE - 1));
    void *reserved = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (reserved == MAP_FAILED) {
        snprintf(why, IPCB_ERR_MAX, "mmap of %zu bytes: %s", span, strerror(errno));
        return false;
    }
    uint8_t *base = static_cast<uint8_t *>(reserved);
    if (mmap(base + VIEW_PAGE, size_t(length), PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
        snprintf(why, IPCB_ERR_MAX, "mmap of the memfd: %s", strerror(errno));
        munmap(base, span);
        return false;
    }
    memcpy(base + VIEW_PAGE - QT_DBUS_HEADER, header.constData(), QT_DBUS_HEADER);
    mprotect(base, VIEW_PAGE, PROT_READ);
    map_ = base;
    map_len_ = span;
    f->data = base + VIEW_PAGE - QT_DBUS_HEADER;
    f->len = QT_DBUS_HEADER + size_t(length);
    f->loan = base;
    return true;
}

/* A memfd of exactly length bytes that nobody can resize or write any more. */
bool sealed_memfd(int fd, quint64 length, char *why)
{
    if (ipcb_memfd_check(fd, size_t(length), why, IPCB_ERR_MAX) != 0)
        return false;
    struct stat st;
    if (!(fcntl(fd, F_GET_SEALS) & F_SEAL_WRITE) || fstat(fd, &st) != 0 || quint64(st.st_size) != length) {
        snprintf(why, IPCB_ERR_MAX, "want a memfd of exactly %llu bytes sealed with F_SEAL_WRITE",
                 (unsigned long long)length);
        return false;
    }
    return true;
}

Taken QtDBusSink::take_fd(const QDBusMessage &m, ipcb_frame *f)
{
    const QVariantList args = m.arguments();
    const QByteArray header = args.at(0).toByteArray();
    const QDBusUnixFileDescriptor pixels = qvariant_cast<QDBusUnixFileDescriptor>(args.at(1));
    quint64 length = args.at(2).toULongLong();
    char why[IPCB_ERR_MAX];
    if (!pixels.isValid() || !sealed_memfd(pixels.fileDescriptor(), length, why)) {
        reply_error(m, ERROR_INVALID_ARGS,
                    QStringLiteral("pixels: %1").arg(pixels.isValid() ? QString::fromUtf8(why) : QStringLiteral("no descriptor")));
        return Taken::Refused;
    }
    if (length == 0) {
        memcpy(f->buf, header.constData(), QT_DBUS_HEADER);
        f->data = f->buf;
        f->len = QT_DBUS_HEADER;
        f->loan = nullptr;
        return Taken::Frame;
    }
    if (!map_view(pixels.fileDescriptor(), header, length, f, why)) {
        reply_error(m, ERROR_FAILED, QStringLiteral("pixels: %1").arg(QString::fromUtf8(why)));
        return Taken::Refused;
    }
    return Taken::Frame; /* the mapping stays; the descriptor closes with `pixels` */
}

Taken QtDBusSink::take(const QDBusMessage &m, ipcb_frame *f)
{
    if (m.member() == QLatin1String("Push"))
        return take_push(m, f);
    if (m.member() == QLatin1String("PushChunk"))
        return take_chunk(m, f);
    return take_fd(m, f);
}

int QtDBusSink::accept(char *err)
{
    QDBusConnection *c = &conn_;
    bool *attached = &attached_;
    if (ipcb_qt_run_until([c, attached] { return *attached || !c->isConnected(); }, timeout_ms_) != 0 || !attached_) {
        snprintf(err, IPCB_ERR_MAX, attached_ || conn_.isConnected() ? "no driver attached to the sink within %d ms"
                                                                     : "lost the connection to the bus daemon (%d ms)",
                 timeout_ms_);
        return -1;
    }
    return 0;
}

int QtDBusSink::recv(ipcb_frame *f, int timeout_ms, char *err)
{
    answer_previous();
    QDBusConnection *c = &conn_;
    std::deque<QDBusMessage> *calls = &calls_;
    QDeadlineTimer deadline(timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        ipcb_qt_run_until([c, calls] { return !calls->empty() || !c->isConnected(); }, int(deadline.remainingTime()));
        if (calls_.empty()) {
            if (!conn_.isConnected()) {
                snprintf(err, IPCB_ERR_MAX, "lost the connection to the bus daemon");
                return -1;
            }
            return 1;
        }
        QDBusMessage m = calls_.front();
        calls_.pop_front();
        Taken taken = take(m, f);
        if (taken == Taken::Frame) {
            owed_ = m;
            owes_ = true;
            return 0;
        }
    }
}

int QtDBusSink::send(const ipcb_frame *f, char *err)
{
    if (!owes_) {
        snprintf(err, IPCB_ERR_MAX, "no Push call to answer (an ack answers the call of the frame received last)");
        return -1;
    }
    owes_ = false;
    QByteArray ack(reinterpret_cast<const char *>(f->data), int(f->len));
    if (!conn_.send(owed_.createReply(ack))) {
        ipcb_qt_error(err, QStringLiteral("sending an ack: %1").arg(conn_.lastError().message()));
        return -1;
    }
    return 0;
}

void QtDBusSink::release()
{
    if (map_) {
        munmap(map_, map_len_);
        map_ = nullptr;
        map_len_ = 0;
    }
}

/* Answers what is owed, then makes sure it is written before the connection
 * goes: QDBusConnection::send() only queues for QtDBus's thread, and a
 * blocking call to the bus daemon returns after everything queued before it. */
void QtDBusSink::close()
{
    release();
    answer_previous();
    for (const QDBusMessage &m : calls_)
        reply_error(m, ERROR_FAILED, QStringLiteral("the sink is closing"));
    calls_.clear();
    if (conn_.isConnected()) {
        QDBusMessage ping = QDBusMessage::createMethodCall(QStringLiteral("org.freedesktop.DBus"),
                                                           QStringLiteral("/org/freedesktop/DBus"),
                                                           QStringLiteral("org.freedesktop.DBus"), QStringLiteral("GetId"));
        conn_.call(ping, QDBus::Block, timeout_ms_ < 1000 ? timeout_ms_ : 1000);
    }
    conn_.unregisterObject(QStringLiteral(QT_DBUS_SINK_PATH));
}

/* ---- the interface to qt_dbus.cc ---- */

/* libdbus (under QtDBus) reads each message into a buffer that grows from
 * 2 KiB and shrinks once the message is out: with glibc's defaults, fresh
 * zeroed pages for every large frame. The peer keeps freed memory, as the
 * libdbus sink does, so the two compare on QtDBus's own costs. */
static void keep_freed_memory()
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1024 << 20);
}

/* libdbus stops reading a connection while more than its limit of received
 * messages (63 MiB by default) is alive, and asks to read again when one is
 * freed, from the thread that frees it. QtDBus only lets its own thread do
 * that ("QSocketNotifier: Socket notifiers cannot be enabled or disabled from
 * another thread"), and the sink frees calls on the event loop's thread: with
 * frames of 32 MB the connection stopped for good after two. QtDBus has no
 * setting for the limit, so it is raised on the libdbus connection under it,
 * as the libdbus sink raises its own (dbus_conn.c). */
static void raise_receive_limit(const QDBusConnection &conn)
{
    auto *c = static_cast<DBusConnection *>(conn.internalPointer());
    if (c)
        dbus_connection_set_max_received_size(c, 2000000000L);
}

QtDBusSink *qt_dbus_sink_open(const ipcb_opts *o, QtDBusPixels pixels, char addr[IPCB_ADDR_MAX], char *err)
{
    if (!o->infra_address || !o->infra_address[0]) {
        snprintf(err, IPCB_ERR_MAX, "no bus address from the driver (its private bus is not running)");
        return nullptr;
    }
    ipcb_qt_app_ensure();
    keep_freed_memory();
    QString name = qt_dbus_connection_name("sink");
    QDBusConnection conn = QDBusConnection::connectToBus(QString::fromLocal8Bit(o->infra_address), name);
    if (!conn.isConnected()) {
        ipcb_qt_error(err, QStringLiteral("cannot connect to %1: %2 (is the private bus daemon still running?)")
                               .arg(QString::fromLocal8Bit(o->infra_address), conn.lastError().message()));
        QDBusConnection::disconnectFromBus(name);
        return nullptr;
    }
    if (pixels == QtDBusPixels::Fd && !(conn.connectionCapabilities() & QDBusConnection::UnixFileDescriptorPassing)) {
        snprintf(err, IPCB_ERR_MAX, "the bus connection cannot pass file descriptors");
        QDBusConnection::disconnectFromBus(name);
        return nullptr;
    }
    raise_receive_limit(conn);
    QtDBusSink *s = new (std::nothrow) QtDBusSink(conn, name, pixels, o);
    if (!s) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        QDBusConnection::disconnectFromBus(name);
        return nullptr;
    }
    if (!conn.registerVirtualObject(QStringLiteral(QT_DBUS_SINK_PATH), s, QDBusConnection::SingleNode)) {
        ipcb_qt_error(err, QStringLiteral("exporting %1: %2").arg(QLatin1String(QT_DBUS_SINK_PATH), conn.lastError().message()));
        qt_dbus_sink_close(s);
        return nullptr;
    }
    /* A sink replaces the previous run's if the daemon has not yet noticed it is gone. */
    QDBusReply<QDBusConnectionInterface::RegisterServiceReply> owned = conn.interface()->registerService(
        QStringLiteral(QT_DBUS_SINK_NAME), QDBusConnectionInterface::ReplaceExistingService,
        QDBusConnectionInterface::AllowReplacement);
    if (!owned.isValid() || owned.value() != QDBusConnectionInterface::ServiceRegistered) {
        ipcb_qt_error(err, QStringLiteral("RequestName %1: %2")
                               .arg(QLatin1String(QT_DBUS_SINK_NAME),
                                    owned.isValid() ? QStringLiteral("owned by another connection") : owned.error().message()));
        qt_dbus_sink_close(s);
        return nullptr;
    }
    /* The driver calls the unique name: this process's, whatever happens to
     * the well-known one (which is for people and tools). */
    snprintf(addr, IPCB_ADDR_MAX, "%s", conn.baseService().toLatin1().constData());
    return s;
}

int qt_dbus_sink_accept(QtDBusSink *s, char *err)
{
    return s->accept(err);
}

int qt_dbus_sink_recv(QtDBusSink *s, ipcb_frame *f, int timeout_ms, char *err)
{
    return s->recv(f, timeout_ms, err);
}

int qt_dbus_sink_send(QtDBusSink *s, const ipcb_frame *f, char *err)
{
    return s->send(f, err);
}

void qt_dbus_sink_release(QtDBusSink *s, ipcb_frame *)
{
    s->release();
}

void qt_dbus_sink_close(QtDBusSink *s)
{
    if (!s)
        return;
    QString name = s->name();
    s->close();
    delete s; /* its QDBusConnection goes with it */
    QDBusConnection::disconnectFromBus(name);
}
