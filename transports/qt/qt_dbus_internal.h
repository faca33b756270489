/* What the qt-dbus files share (private to them): the org.ipcbench.ImageSink
 * names (the libdbus transports' service), the peer's sink (qt_dbus_sink.cc)
 * and the driver's caller (qt_dbus_caller.cc), under qt_dbus.cc's tables. */
#ifndef IPCB_QT_DBUS_INTERNAL_H
#define IPCB_QT_DBUS_INTERNAL_H

#include "qt_internal.h"

#include <QString>

#include <cstddef>

#define QT_DBUS_SINK_NAME  "org.ipcbench.ImageSink"
#define QT_DBUS_SINK_PATH  "/org/ipcbench/ImageSink"
#define QT_DBUS_SINK_IFACE "org.ipcbench.ImageSink"
#define QT_DBUS_ERROR_BUSY  "org.ipcbench.Error.Busy"
#define QT_DBUS_ERROR_ORDER "org.ipcbench.Error.ChunkOrder"

enum : size_t {
    QT_DBUS_HEADER = 64,              /* the harness's frame header, its own `ay header` argument */
    QT_DBUS_CHUNK_MAX = 64u << 20,    /* D-Bus's largest array: bigger pixels go as PushChunk parts */
};
enum { QT_DBUS_CALL_TIMEOUT_FACTOR = 16 }; /* a call's own expiry, in timeouts (as the C caller's) */

/* How the pixels travel: inline as `ay` (qt-dbus), or in a sealed memfd as a
 * QDBusUnixFileDescriptor (qt-dbus-fd). */
enum class QtDBusPixels { Inline, Fd };

/* A QDBusConnection of its own for each link: connectToBus needs a name. */
QString qt_dbus_connection_name(const char *role);

/* ---- qt_dbus_sink.cc: the peer ---- */
class QtDBusSink;

/* Connects to the private bus (o->infra_address), exports the sink and owns
 * its name; addr gets the connection's unique name, which the driver calls. */
QtDBusSink *qt_dbus_sink_open(const ipcb_opts *o, QtDBusPixels pixels, char addr[IPCB_ADDR_MAX], char *err);
int  qt_dbus_sink_accept(QtDBusSink *s, char *err);
int  qt_dbus_sink_recv(QtDBusSink *s, ipcb_frame *f, int timeout_ms, char *err);
int  qt_dbus_sink_send(QtDBusSink *s, const ipcb_frame *f, char *err);
void qt_dbus_sink_release(QtDBusSink *s, ipcb_frame *f);
void qt_dbus_sink_close(QtDBusSink *s);

/* ---- qt_dbus_caller.cc: the driver ---- */
class QtDBusCaller;

/* Connects to the private bus (infra), makes a QDBusInterface on the sink
 * named addr and attaches to it. */
QtDBusCaller *qt_dbus_caller_open(ipcb_infra *infra, const ipcb_opts *o, QtDBusPixels pixels, const char *addr,
                                  char *err);
int  qt_dbus_caller_send(QtDBusCaller *c, const ipcb_frame *f, char *err);
int  qt_dbus_caller_recv(QtDBusCaller *c, ipcb_frame *f, int timeout_ms, char *err);
void qt_dbus_caller_close(QtDBusCaller *c);

#endif
