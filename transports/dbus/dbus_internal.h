/* What the D-Bus transport files share (private to transports/dbus/): the
 * image service's names and interface, the link of either side, the private
 * bus daemon's state, and what each file offers the ones above it.
 *
 * The files, top down: dbus.c (the three ops tables: dbus, dbus-fd,
 * dbus-p2p), dbus_service.c (the peer's side: the org.ipcbench.ImageSink
 * service), dbus_client.c (the driver's side: method calls with a window of
 * pending replies), dbus_bus.c (the private bus daemon: start, stop, reap),
 * dbus_conn.c (what both sides do with a connection). */
#ifndef IPCB_DBUS_INTERNAL_H
#define IPCB_DBUS_INTERNAL_H

#include <dbus/dbus.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dbus_bus.h"
#include "transport.h"

#define IPCB_DBUS_NAME  "org.ipcbench.ImageSink"
#define IPCB_DBUS_PATH  "/org/ipcbench/ImageSink"
#define IPCB_DBUS_IFACE "org.ipcbench.ImageSink"
#define IPCB_DBUS_ERROR_BUSY "org.ipcbench.Error.Busy"
#define IPCB_DBUS_ERROR_ORDER "org.ipcbench.Error.ChunkOrder"

enum {
    /* Every message starts with the harness's 64-byte frame header; the
     * interface carries it as its own `ay header` argument, opaque. */
    IPCB_DBUS_HEADER = 64,
    /* A call's own expiry is this many timeouts: a call may wait legitimately
     * behind a throughput window of large frames queued in the daemon. The
     * bound that matters, "no reply for timeout_ms", is kept by recv. */
    IPCB_DBUS_CALL_TIMEOUT_FACTOR = 16,
};
/* The protocol's caps: an array of at most 64 MiB, a message of 128 MiB. A
 * frame whose pixels exceed one array goes as several PushChunk calls. */
#define IPCB_DBUS_CHUNK_MAX   ((size_t)DBUS_MAXIMUM_ARRAY_LENGTH)
#define IPCB_DBUS_MESSAGE_MAX ((long)DBUS_MAXIMUM_MESSAGE_LENGTH)

typedef enum { DBUS_INLINE, DBUS_FD, DBUS_P2P } ipcb_dbus_variant;

/* ---- the private bus daemon (driver side only; dbus_bus.c) ---- */
struct ipcb_infra {
    pid_t pid;                 /* dbus-daemon or dbus-broker */
    int   exited;              /* reaped (status in exit_status) */
    int   exit_status;
    int   broker;              /* 1 = dbus-broker under our own controller */
    DBusConnection *controller;/* dbus-broker: our controller connection */
    char  daemon[32];          /* "dbus-daemon" or "dbus-broker" */
    char  socket_path[IPCB_ADDR_MAX];
    char  address[IPCB_ADDR_MAX];
};

/* ipcb_dbus_bus_status (dbus_bus.h) says how the daemon is doing. */

/* ---- a link (either side) ---- */
typedef struct pending_fifo {
    DBusPendingCall **calls;
    size_t head, count, cap;
} pending_fifo;

struct ipcb_link {
    ipcb_dbus_variant variant;
    int   is_peer;
    int   timeout_ms;
    size_t max_message;
    DBusConnection *conn;

    /* peer (service) */
    DBusServer *server;             /* dbus-p2p until accept */
    int         server_fd;
    DBusWatch  *server_watch;
    char        socket_path[IPCB_ADDR_MAX];
    char        client[128];        /* the attached driver's unique name ("p2p" without a bus) */
    int         attached;
    DBusMessage *reply;             /* the method return of the frame last received, not yet sent */
    ipcb_frame *rx;                 /* the caller's frame during recv */
    int         rx_ready;           /* a whole frame is in rx */
    size_t      chunk_next, chunk_count, chunk_filled; /* PushChunk assembly */
    uint8_t     chunk_header[IPCB_DBUS_HEADER];
    void       *map;                /* dbus-fd: the lent view's reservation */
    size_t      map_len;

    /* driver (client) */
    ipcb_infra *infra;
    char        dest[128];          /* the sink's unique name on the bus */
    pending_fifo inflight;
    int         call_timeout_ms;
};

/* dbus_conn.c: every wait in slices of IPCB_INTERRUPT_SLICE_MS; after Ctrl-C
 * it ends with err "interrupted". */
/* Open a private connection to a bus (register = 1: Hello within timeout_ms)
 * or a peer (0), with the settings every link uses: no exit on disconnect,
 * limits for large frames. */
DBusConnection *ipcb_dbus_open(const char *address, int register_on_bus, size_t max_message, int timeout_ms,
                               char *err);
void ipcb_dbus_set_limits(DBusConnection *c, size_t max_message);
/* Write out everything queued on c within timeout_ms. */
int  ipcb_dbus_flush(DBusConnection *c, int timeout_ms, char *err);
/* Send m (not consumed) and wait for its answer within timeout_ms: the reply
 * or error reply (to unref), or NULL with err ("connection closed", "no
 * answer within N ms", "interrupted"). */
DBusMessage *ipcb_dbus_call(DBusConnection *c, DBusMessage *m, int timeout_ms, char *err);
/* "name: message" of an error reply, or of a DBusError. */
void ipcb_dbus_error_text(DBusMessage *m, char *out, size_t len);

/* dbus_service.c */
int  ipcb_dbus_service_listen(ipcb_link *l, const ipcb_opts *o, char addr[IPCB_ADDR_MAX], char *err);
int  ipcb_dbus_service_accept(ipcb_link *l, char *err);
int  ipcb_dbus_service_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err);
int  ipcb_dbus_service_send(ipcb_link *l, const ipcb_frame *f, char *err);
void ipcb_dbus_service_release(ipcb_link *l, ipcb_frame *f);
void ipcb_dbus_service_close(ipcb_link *l);

/* dbus_client.c */
int  ipcb_dbus_client_connect(ipcb_link *l, ipcb_infra *infra, const ipcb_opts *o, const char *addr, char *err);
int  ipcb_dbus_client_send(ipcb_link *l, const ipcb_frame *f, char *err);
int  ipcb_dbus_client_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err);
void ipcb_dbus_client_close(ipcb_link *l);

/* dbus_bus.c: declared in dbus_bus.h, shared with the Qt transports. */

#endif
