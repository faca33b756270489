/* The private message bus that the D-Bus transports start once per campaign
 * (dbus_bus.c), as an interface of its own: the libdbus transports of this
 * folder and the QtDBus ones (transports/qt/) share it, so a Qt peer finds its
 * bus the same way (opts->infra_address) and the daemon's CPU counts alike. */
#ifndef IPCB_DBUS_BUS_H
#define IPCB_DBUS_BUS_H

#include <stddef.h>

#include "transport.h"

/* The interface every D-Bus sink exports (libdbus's in dbus_service.c,
 * QtDBus's in transports/qt/), as introspection XML: one text for both. */
#define IPCB_DBUS_SINK_XML \
    "  <interface name=\"org.ipcbench.ImageSink\">\n" \
    "    <method name=\"Attach\"/>\n" \
    "    <method name=\"Push\">\n" \
    "      <arg name=\"header\" type=\"ay\" direction=\"in\"/>\n" \
    "      <arg name=\"pixels\" type=\"ay\" direction=\"in\"/>\n" \
    "      <arg name=\"ack\" type=\"ay\" direction=\"out\"/>\n" \
    "    </method>\n" \
    "    <method name=\"PushChunk\">\n" \
    "      <arg name=\"header\" type=\"ay\" direction=\"in\"/>\n" \
    "      <arg name=\"index\" type=\"u\" direction=\"in\"/>\n" \
    "      <arg name=\"count\" type=\"u\" direction=\"in\"/>\n" \
    "      <arg name=\"pixels\" type=\"ay\" direction=\"in\"/>\n" \
    "      <arg name=\"ack\" type=\"ay\" direction=\"out\"/>\n" \
    "    </method>\n" \
    "    <method name=\"PushFd\">\n" \
    "      <arg name=\"header\" type=\"ay\" direction=\"in\"/>\n" \
    "      <arg name=\"pixels\" type=\"h\" direction=\"in\"/>\n" \
    "      <arg name=\"length\" type=\"t\" direction=\"in\"/>\n" \
    "      <arg name=\"ack\" type=\"ay\" direction=\"out\"/>\n" \
    "    </method>\n" \
    "  </interface>\n"

#ifdef __cplusplus
extern "C" {
#endif

/* The ops of a table that uses the bus (its "bus_daemon" parameter picks
 * dbus-daemon or dbus-broker; the socket is named after the table). */
int  ipcb_dbus_bus_available(char *err);
int  ipcb_dbus_bus_start(const ipcb_transport *t, ipcb_infra **out, const ipcb_opts *o, char *err);
void ipcb_dbus_bus_stop(ipcb_infra *infra);
const char *ipcb_dbus_bus_address(ipcb_infra *infra);
size_t ipcb_dbus_bus_pids(ipcb_infra *infra, int *pids, size_t max);
void ipcb_dbus_bus_reap(const char *rundir, const char *run_id);

/* One line saying how the daemon is doing: "" when running, else e.g.
 * "the bus daemon (dbus-daemon, pid 42) was killed by signal 9". */
void ipcb_dbus_bus_status(ipcb_infra *infra, char *out, size_t len);

#ifdef __cplusplus
}
#endif

#endif
