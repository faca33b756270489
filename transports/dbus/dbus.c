/* Transports "dbus", "dbus-fd" and "dbus-p2p": image frames as method calls
 * to the org.ipcbench.ImageSink service through libdbus-1. This file holds the
 * three ops tables on top of the rest: the private bus daemon is in
 * dbus_bus.c, the service (peer) in dbus_service.c, the caller (driver) in
 * dbus_client.c, what both sides do with a connection in dbus_conn.c, the
 * interface in dbus_internal.h and dbus_service.c.
 *
 * Copies of the pixels, counted end to end like every transport (a copy into
 * or out of the kernel counts, as for `unix`):
 *   dbus      8: into the message (marshalling), driver -> kernel, kernel ->
 *                daemon (libdbus reads 2 KiB at a time into its loader),
 *                loader -> the daemon's message, daemon -> kernel, kernel ->
 *                peer, the peer's loader -> message, message -> the harness's
 *                buffer (the header and pixels are separate arguments, so the
 *                frame is reassembled there; chunks of an 8K frame likewise)
 *   dbus-p2p 5: the same without the daemon's three
 *   dbus-fd  1: the driver writes the pixels into a fresh memfd; the sealed
 *                memfd travels as a file descriptor and the peer maps it
 *                read-only: the harness gets a view (zero-copy receive) */
#include "dbus_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the ops tables ---- */

static ipcb_link *link_new(const ipcb_transport *t, int is_peer, const ipcb_opts *o, char *err)
{
    ipcb_link *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return NULL;
    }
    l->variant = *(const ipcb_dbus_variant *)t->variant;
    l->is_peer = is_peer;
    l->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 1;
    l->max_message = o->max_message;
    l->server_fd = -1;
    return l;
}

static void dbus_close(ipcb_link *l)
{
    if (!l)
        return;
    if (l->is_peer)
        ipcb_dbus_service_close(l);
    else
        ipcb_dbus_client_close(l);
    free(l);
}

static int dbus_listen(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra, const ipcb_opts *o,
                       char addr[IPCB_ADDR_MAX], char *err)
{
    (void)infra;
    ipcb_link *l = link_new(t, 1, o, err);
    if (!l)
        return -1;
    if (ipcb_dbus_service_listen(l, o, addr, err) != 0) {
        dbus_close(l);
        return -1;
    }
    *out = l;
    return 0;
}

static int dbus_connect(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra, const ipcb_opts *o,
                        const char *addr, char *err)
{
    ipcb_link *l = link_new(t, 0, o, err);
    if (!l)
        return -1;
    if (ipcb_dbus_client_connect(l, infra, o, addr, err) != 0) {
        dbus_close(l);
        return -1;
    }
    *out = l;
    return 0;
}

static int dbus_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    return l->is_peer ? ipcb_dbus_service_send(l, f, err) : ipcb_dbus_client_send(l, f, err);
}

static int dbus_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    return l->is_peer ? ipcb_dbus_service_recv(l, f, timeout_ms, err)
                      : ipcb_dbus_client_recv(l, f, timeout_ms, err);
}

static void dbus_release(ipcb_link *l, ipcb_frame *f)
{
    if (l->is_peer)
        ipcb_dbus_service_release(l, f);
    f->loan = NULL;
}

/* What tells the three tables apart (their .variant). */
static const ipcb_dbus_variant V_INLINE = DBUS_INLINE, V_FD = DBUS_FD, V_P2P = DBUS_P2P;

static const ipcb_param_spec bus_params[] = {
    { .name = "bus_daemon", .kind = IPCB_PARAM_WORD, .words = "dbus-daemon|dbus-broker",
      .def = "dbus-daemon",
      .help = "the private message bus: dbus-daemon, or dbus-broker under ipcbench's own controller" },
    { .name = NULL },
};

const ipcb_transport ipcb_transport_dbus = {
    .name = "dbus",
    .summary = "D-Bus method calls (libdbus) through a private bus daemon, pixels inline as ay "
               "(over 64 MiB in chunks: 8K = 2 calls)",
    .caps = 0,
    .max_frame = 0,
    .copies = 8,
    .params = bus_params,
    .variant = &V_INLINE,
    .available = ipcb_dbus_bus_available,
    .start = ipcb_dbus_bus_start,
    .stop = ipcb_dbus_bus_stop,
    .infra_address = ipcb_dbus_bus_address,
    .infra_pids = ipcb_dbus_bus_pids,
    .listen = dbus_listen,
    .accept = ipcb_dbus_service_accept,
    .connect = dbus_connect,
    .send = dbus_send,
    .recv = dbus_recv,
    .release = dbus_release,
    .close = dbus_close,
    .reap = ipcb_dbus_bus_reap,
};

const ipcb_transport ipcb_transport_dbus_fd = {
    .name = "dbus-fd",
    .summary = "D-Bus method calls through a private bus daemon, pixels in a sealed memfd passed as a "
               "Unix fd (h), mapped read-only by the peer",
    .caps = IPCB_CAP_ZERO_COPY,
    .max_frame = 0,
    .copies = 1,
    .params = bus_params,
    .variant = &V_FD,
    .available = ipcb_dbus_bus_available,
    .start = ipcb_dbus_bus_start,
    .stop = ipcb_dbus_bus_stop,
    .infra_address = ipcb_dbus_bus_address,
    .infra_pids = ipcb_dbus_bus_pids,
    .listen = dbus_listen,
    .accept = ipcb_dbus_service_accept,
    .connect = dbus_connect,
    .send = dbus_send,
    .recv = dbus_recv,
    .release = dbus_release,
    .close = dbus_close,
    .reap = ipcb_dbus_bus_reap,
};

const ipcb_transport ipcb_transport_dbus_p2p = {
    .name = "dbus-p2p",
    .summary = "D-Bus method calls on a direct libdbus connection (dbus_server_listen, no daemon), "
               "pixels inline as ay",
    .caps = 0,
    .max_frame = 0,
    .copies = 5,
    .variant = &V_P2P,
    .listen = dbus_listen,
    .accept = ipcb_dbus_service_accept,
    .connect = dbus_connect,
    .send = dbus_send,
    .recv = dbus_recv,
    .release = dbus_release,
    .close = dbus_close,
};
