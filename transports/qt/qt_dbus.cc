/* Transports "qt-dbus" and "qt-dbus-fd": image frames as QtDBus method calls
 * to the org.ipcbench.ImageSink service on the libdbus transports' private bus;
 * the two ops tables, over the sink (qt_dbus_sink.cc) and caller (qt_dbus_caller.cc). */

/* The bus (transports/dbus/dbus_bus.h) is started once per campaign, its
 * address passed to the peer, its CPU counted; both sides wait in their Qt
 * event loop.
 *
 * Copies of the pixels, end to end (dbus 8, dbus-fd 1):
 *   qt-dbus    9: those of dbus (into the message, the kernel, the daemon's
 *                 loader and message, the kernel, the peer's loader and
 *                 message), then QtDBus demarshals the pixels into a
 *                 QByteArray, then into the harness's buffer
 *   qt-dbus-fd 1: the driver writes the pixels into a sealed memfd, passed as
 *                 a QDBusUnixFileDescriptor and mapped read-only by the peer */
#include "qt_dbus_internal.h"

extern "C" {
#include "dbus/dbus_bus.h"
}

#include <QAtomicInt>

#include <cstdio>
#include <new>
#include <unistd.h>

QString qt_dbus_connection_name(const char *role)
{
    static QAtomicInt counter;
    return QStringLiteral("ipcbench-%1-%2-%3").arg(QLatin1String(role)).arg(getpid()).arg(counter.fetchAndAddRelaxed(1));
}

namespace {

/* Either side of a link: the sink in the peer, the caller in the driver. */
struct DBusLink {
    QtDBusSink *sink = nullptr;
    QtDBusCaller *caller = nullptr;
};

DBusLink *dbus_of(ipcb_link *l)
{
    return reinterpret_cast<DBusLink *>(l);
}

QtDBusPixels pixels_of(const ipcb_transport *t)
{
    return *static_cast<const QtDBusPixels *>(t->variant);
}

void dbus_close(ipcb_link *l)
{
    DBusLink *k = dbus_of(l);
    if (!k)
        return;
    qt_dbus_sink_close(k->sink);
    qt_dbus_caller_close(k->caller);
    delete k;
}

int dbus_listen(const ipcb_transport *t, ipcb_link **out, ipcb_infra *, const ipcb_opts *o, char addr[IPCB_ADDR_MAX],
                char *err)
{
    DBusLink *k = new (std::nothrow) DBusLink;
    if (!k || !(k->sink = qt_dbus_sink_open(o, pixels_of(t), addr, err))) {
        if (!k)
            snprintf(err, IPCB_ERR_MAX, "out of memory");
        delete k;
        return -1;
    }
    *out = reinterpret_cast<ipcb_link *>(k);
    return 0;
}

int dbus_accept(ipcb_link *l, char *err)
{
    return qt_dbus_sink_accept(dbus_of(l)->sink, err);
}

int dbus_connect(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra, const ipcb_opts *o, const char *addr,
                 char *err)
{
    DBusLink *k = new (std::nothrow) DBusLink;
    if (!k || !(k->caller = qt_dbus_caller_open(infra, o, pixels_of(t), addr, err))) {
        if (!k)
            snprintf(err, IPCB_ERR_MAX, "out of memory");
        delete k;
        return -1;
    }
    *out = reinterpret_cast<ipcb_link *>(k);
    return 0;
}

int dbus_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    DBusLink *k = dbus_of(l);
    return k->sink ? qt_dbus_sink_send(k->sink, f, err) : qt_dbus_caller_send(k->caller, f, err);
}

int dbus_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    DBusLink *k = dbus_of(l);
    return k->sink ? qt_dbus_sink_recv(k->sink, f, timeout_ms, err) : qt_dbus_caller_recv(k->caller, f, timeout_ms, err);
}

void dbus_release(ipcb_link *l, ipcb_frame *f)
{
    DBusLink *k = dbus_of(l);
    if (k->sink)
        qt_dbus_sink_release(k->sink, f);
    f->loan = nullptr;
}

/* What tells the two tables apart (their .variant). */
const QtDBusPixels PIXELS_INLINE = QtDBusPixels::Inline, PIXELS_FD = QtDBusPixels::Fd;

/* The same parameter as dbus and dbus-fd: the bus is started the same way. */
const ipcb_param_spec bus_params[] = {
    { "bus_daemon", IPCB_PARAM_WORD, "dbus-daemon|dbus-broker", 0, 0, "dbus-daemon",
      "the private message bus: dbus-daemon, or dbus-broker under ipcbench's own controller" },
    { nullptr, IPCB_PARAM_WORD, nullptr, 0, 0, nullptr, nullptr },
};

} // namespace

extern "C" const ipcb_transport ipcb_transport_qt_dbus = {
    .name = "qt-dbus",
    .summary = "Qt: QtDBus calls (QDBusInterface) to a QDBusVirtualObject sink on the private bus, pixels as "
               "QByteArray (ay)",
    .caps = 0,
    .max_frame = 0,
    .copies = 9,
    .params = bus_params,
    .variant = &PIXELS_INLINE,
    .available = ipcb_dbus_bus_available,
    .start = ipcb_dbus_bus_start,
    .stop = ipcb_dbus_bus_stop,
    .infra_address = ipcb_dbus_bus_address,
    .infra_pids = ipcb_dbus_bus_pids,
    .listen = dbus_listen,
    .accept = dbus_accept,
    .connect = dbus_connect,
    .send = dbus_send,
    .recv = dbus_recv,
    .release = dbus_release,
    .close = dbus_close,
    .buffers = nullptr,
    .reap = ipcb_dbus_bus_reap,
    .reap_attached = nullptr,
};

extern "C" const ipcb_transport ipcb_transport_qt_dbus_fd = {
    .name = "qt-dbus-fd",
    .summary = "Qt: QtDBus calls on the private bus, pixels in a sealed memfd as a QDBusUnixFileDescriptor, "
               "mapped read-only by the peer",
    .caps = IPCB_CAP_ZERO_COPY,
    .max_frame = 0,
    .copies = 1,
    .params = bus_params,
    .variant = &PIXELS_FD,
    .available = ipcb_dbus_bus_available,
    .start = ipcb_dbus_bus_start,
    .stop = ipcb_dbus_bus_stop,
    .infra_address = ipcb_dbus_bus_address,
    .infra_pids = ipcb_dbus_bus_pids,
    .listen = dbus_listen,
    .accept = dbus_accept,
    .connect = dbus_connect,
    .send = dbus_send,
    .recv = dbus_recv,
    .release = dbus_release,
    .close = dbus_close,
    .buffers = nullptr,
    .reap = ipcb_dbus_bus_reap,
    .reap_attached = nullptr,
};
