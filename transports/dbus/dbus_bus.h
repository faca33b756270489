/* The private message bus that the D-Bus transports start once per campaign
 * (dbus_bus.c), as an interface of its own: the libdbus transports of this
 * folder and the QtDBus ones (transports/qt/) share it, so a Qt peer finds its
 * bus the same way (opts->infra_address) and the daemon's CPU counts alike. */
#ifndef IPCB_DBUS_BUS_H
#define IPCB_DBUS_BUS_H

#include <stddef.h>

#include "transport.h"

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
