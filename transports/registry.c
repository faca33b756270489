/* The list of transports, in the order `ipcbench list` shows them. Adding a
 * transport: write transports/NAME.c (a family of several files: a folder,
 * transports/NAME/) exporting one ipcb_transport, add it here. */
#include "transport.h"

#include <string.h>

extern const ipcb_transport ipcb_transport_memcpy;
extern const ipcb_transport ipcb_transport_unix;
extern const ipcb_transport ipcb_transport_pipe;
extern const ipcb_transport ipcb_transport_shm;
extern const ipcb_transport ipcb_transport_shm_ring;
extern const ipcb_transport ipcb_transport_shm_ring_zc;
extern const ipcb_transport ipcb_transport_tcp;
extern const ipcb_transport ipcb_transport_http;
extern const ipcb_transport ipcb_transport_http_newconn;
extern const ipcb_transport ipcb_transport_http_pull;
extern const ipcb_transport ipcb_transport_dbus;
extern const ipcb_transport ipcb_transport_dbus_fd;
extern const ipcb_transport ipcb_transport_dbus_p2p;
extern const ipcb_transport ipcb_transport_qcop;
extern const ipcb_transport ipcb_transport_qcop_fd;
/* transports/qt/: built with Qt 5, else stand-ins that say so (qt_unavailable.c) */
extern const ipcb_transport ipcb_transport_qt_shm;
extern const ipcb_transport ipcb_transport_qt_dbus;
extern const ipcb_transport ipcb_transport_qt_dbus_fd;
extern const ipcb_transport ipcb_transport_qt_http;
extern const ipcb_transport ipcb_transport_qt_local;

static const ipcb_transport *const all_transports[] = {
    &ipcb_transport_memcpy,
    &ipcb_transport_unix,
    &ipcb_transport_pipe,
    &ipcb_transport_shm,
    &ipcb_transport_shm_ring,
    &ipcb_transport_shm_ring_zc,
    &ipcb_transport_tcp,
    &ipcb_transport_http,
    &ipcb_transport_http_newconn,
    &ipcb_transport_http_pull,
    &ipcb_transport_dbus,
    &ipcb_transport_dbus_fd,
    &ipcb_transport_dbus_p2p,
    &ipcb_transport_qcop,
    &ipcb_transport_qcop_fd,
    &ipcb_transport_qt_shm,
    &ipcb_transport_qt_dbus,
    &ipcb_transport_qt_dbus_fd,
    &ipcb_transport_qt_http,
    &ipcb_transport_qt_local,
};

const ipcb_transport *const *ipcb_transport_all(size_t *count)
{
    *count = sizeof all_transports / sizeof all_transports[0];
    return all_transports;
}

const ipcb_transport *ipcb_transport_find(const char *name)
{
    size_t n;
    const ipcb_transport *const *all = ipcb_transport_all(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}
