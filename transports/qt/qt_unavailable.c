/* Stand-ins for the Qt transports when ipcbench is built without Qt 5 (the
 * Makefile compiles this file instead of the C++ ones): the same names, each
 * unavailable naming the Debian package, so `list` and campaigns say why. */
#include "transport.h"

#include <stdio.h>

static int qt_not_built(char *err)
{
    snprintf(err, IPCB_ERR_MAX, "built without Qt 5 (install qtbase5-dev, e.g. make deps, and rebuild)");
    return -1;
}

static int no_listen(const ipcb_transport *t, ipcb_link **l, ipcb_infra *infra, const ipcb_opts *o,
                     char addr[IPCB_ADDR_MAX], char *err)
{
    (void)t, (void)l, (void)infra, (void)o, (void)addr;
    return qt_not_built(err);
}

static int no_connect(const ipcb_transport *t, ipcb_link **l, ipcb_infra *infra, const ipcb_opts *o,
                      const char *addr, char *err)
{
    (void)t, (void)l, (void)infra, (void)o, (void)addr;
    return qt_not_built(err);
}

/* No link is ever made, so these are never reached with one. */
static int no_accept(ipcb_link *l, char *err)
{
    (void)l;
    return qt_not_built(err);
}

static int no_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    (void)l, (void)f;
    return qt_not_built(err);
}

static int no_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    (void)l, (void)f, (void)timeout_ms;
    return qt_not_built(err);
}

static void no_close(ipcb_link *l)
{
    (void)l;
}

const ipcb_transport ipcb_transport_qt_shm = {
    .name = "qt-shm", .summary = "Qt: QSharedMemory as in the Qt example (not built: no Qt 5)",
    .copies = 2, .available = qt_not_built, .listen = no_listen, .accept = no_accept,
    .connect = no_connect, .send = no_send, .recv = no_recv, .close = no_close,
};

const ipcb_transport ipcb_transport_qt_dbus = {
    .name = "qt-dbus", .summary = "Qt: QtDBus calls to a QDBusVirtualObject sink (not built: no Qt 5)",
    .copies = 9, .available = qt_not_built, .listen = no_listen, .accept = no_accept,
    .connect = no_connect, .send = no_send, .recv = no_recv, .close = no_close,
};

const ipcb_transport ipcb_transport_qt_dbus_fd = {
    .name = "qt-dbus-fd", .summary = "Qt: QtDBus with QDBusUnixFileDescriptor pixels (not built: no Qt 5)",
    .caps = IPCB_CAP_ZERO_COPY, .copies = 1, .available = qt_not_built, .listen = no_listen,
    .accept = no_accept, .connect = no_connect, .send = no_send, .recv = no_recv, .close = no_close,
};

const ipcb_transport ipcb_transport_qt_http = {
    .name = "qt-http", .summary = "Qt: QNetworkAccessManager POSTs to the http peer (not built: no Qt 5)",
    .copies = 5, .available = qt_not_built, .listen = no_listen, .accept = no_accept,
    .connect = no_connect, .send = no_send, .recv = no_recv, .close = no_close,
};

const ipcb_transport ipcb_transport_qt_local = {
    .name = "qt-local", .summary = "Qt: QLocalSocket to a QLocalServer (not built: no Qt 5)",
    .caps = IPCB_CAP_FANOUT, .copies = 4, .available = qt_not_built, .listen = no_listen,
    .accept = no_accept, .connect = no_connect, .send = no_send, .recv = no_recv, .close = no_close,
};
