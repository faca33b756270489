/* The peer's side of the D-Bus transports: the org.ipcbench.ImageSink service.
 * The peer owns the well-known name org.ipcbench.ImageSink (on the private
 * bus; on a dbus-p2p connection there are no names) and exports
 * /org/ipcbench/ImageSink. Interface org.ipcbench.ImageSink:
 *
 *   Attach() -> ()
 *       The ipcbench driver binds the sink to itself before its first frame;
 *       frames from any other sender are then refused (org.ipcbench.Error.Busy).
 *   Push(ay header, ay pixels) -> (ay ack)
 *       One frame: header is the 64-byte ipcbench frame header (magic, kind,
 *       format, width, height, stride, sequence, payload length, send time,
 *       XXH3-64 checksum, little-endian), pixels the payload.
 *   PushChunk(ay header, u index, u count, ay pixels) -> (ay ack)
 *       Part index (0-based) of count of a frame whose pixels exceed one
 *       D-Bus array (64 MiB, e.g. an 8K frame goes as 2 chunks); parts arrive
 *       in order, each with the same header. Parts before the last return an
 *       empty ack.
 *   PushFd(ay header, h pixels, t length) -> (ay ack)
 *       The pixels in a memfd of exactly length bytes, sealed against
 *       shrinking, growing and writing (F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE);
 *       the sink maps it read-only.
 *   ack: the 64-byte ipcbench ack (sequence, receive time in CLOCK_MONOTONIC
 *       ns, verification status) when the receiver acknowledges this frame;
 *       empty when it was not asked to (throughput mode acknowledges every
 *       window/2 frames, cumulatively). Every call gets exactly one reply.
 *
 * Plus org.freedesktop.DBus.Introspectable (the XML below) and
 * org.freedesktop.DBus.Peer (answered by libdbus). Bad arguments (signature,
 * header size, a frame too large, an fd that is not a sealed memfd of the
 * stated size) get org.freedesktop.DBus.Error.InvalidArgs and the sink goes
 * on serving.
 *
 * The flow against the contract: recv() dispatches incoming messages until a
 * whole frame has arrived and keeps that call's method return; send() (the
 * ack) completes and sends it; a frame the harness does not ack is answered
 * with an empty ack at the next recv(). */
#include "dbus_internal.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char INTROSPECT_XML[] =
    DBUS_INTROSPECT_1_0_XML_DOCTYPE_DECL_NODE
    "<node>\n"
    IPCB_DBUS_SINK_XML
    "  <interface name=\"" DBUS_INTERFACE_INTROSPECTABLE "\">\n"
    "    <method name=\"Introspect\">\n"
    "      <arg name=\"xml_data\" type=\"s\" direction=\"out\"/>\n"
    "    </method>\n"
    "  </interface>\n"
    "  <interface name=\"" DBUS_INTERFACE_PEER "\">\n"
    "    <method name=\"Ping\"/>\n"
    "    <method name=\"GetMachineId\">\n"
    "      <arg name=\"machine_uuid\" type=\"s\" direction=\"out\"/>\n"
    "    </method>\n"
    "  </interface>\n"
    "</node>\n";

enum { VIEW_PAGE = 4096 };

/* ---- replies ---- */

static void send_reply(ipcb_link *l, DBusMessage *call, DBusMessage *reply)
{
    if (reply && !dbus_message_get_no_reply(call))
        dbus_connection_send(l->conn, reply, NULL);
    if (reply)
        dbus_message_unref(reply);
}

static void reply_error(ipcb_link *l, DBusMessage *call, const char *name, const char *fmt, ...)
{
    char text[IPCB_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    send_reply(l, call, dbus_message_new_error(call, name, text));
}

/* A method return carrying an ack (len 0: the empty ack). */
static int finish_reply(DBusMessage *reply, const uint8_t *ack, size_t len)
{
    const uint8_t *p = ack ? ack : (const uint8_t *)"";
    int n = (int)len;
    return dbus_message_append_args(reply, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &p, n, DBUS_TYPE_INVALID) ? 0 : -1;
}

static void reply_empty_ack(ipcb_link *l, DBusMessage *call)
{
    DBusMessage *r = dbus_message_new_method_return(call);
    if (r && finish_reply(r, NULL, 0) != 0) {
        dbus_message_unref(r);
        r = NULL;
    }
    send_reply(l, call, r);
}

/* The frame received last was not acked: its call gets the empty ack. */
static int answer_previous(ipcb_link *l, char *err)
{
    if (!l->reply)
        return 0;
    int rc = finish_reply(l->reply, NULL, 0) == 0 && dbus_connection_send(l->conn, l->reply, NULL) ? 0 : -1;
    dbus_message_unref(l->reply);
    l->reply = NULL;
    if (rc != 0)
        snprintf(err, IPCB_ERR_MAX, "out of memory answering a Push call");
    return rc;
}

/* ---- the methods ---- */

static int from_client(const ipcb_link *l, DBusMessage *m)
{
    if (l->variant == DBUS_P2P)
        return l->attached;
    const char *sender = dbus_message_get_sender(m);
    return l->attached && sender && strcmp(sender, l->client) == 0;
}

static void refuse_busy(ipcb_link *l, DBusMessage *m)
{
    const char *sender = dbus_message_get_sender(m);
    if (!l->attached)
        reply_error(l, m, IPCB_DBUS_ERROR_BUSY, "no ipcbench driver has attached to this sink yet");
    else
        reply_error(l, m, IPCB_DBUS_ERROR_BUSY, "this sink serves %s (the ipcbench driver); frames from %s are refused",
                    l->client, sender ? sender : "?");
}

static void on_attach(ipcb_link *l, DBusMessage *m)
{
    const char *sender = dbus_message_get_sender(m);
    const char *who = l->variant == DBUS_P2P || !sender ? "p2p" : sender;
    if (!dbus_message_has_signature(m, "")) {
        reply_error(l, m, DBUS_ERROR_INVALID_ARGS, "Attach takes no arguments, not (%s)", dbus_message_get_signature(m));
        return;
    }
    if (l->attached && strcmp(l->client, who) != 0) {
        refuse_busy(l, m);
        return;
    }
    l->attached = 1;
    snprintf(l->client, sizeof l->client, "%s", who);
    send_reply(l, m, dbus_message_new_method_return(m));
}

/* Checks common to the frame methods; 0 if the frame may be taken. */
static int check_frame(ipcb_link *l, DBusMessage *m, int header_len, uint64_t pixels)
{
    if (header_len != IPCB_DBUS_HEADER) {
        reply_error(l, m, DBUS_ERROR_INVALID_ARGS, "header must be the %d-byte ipcbench frame header, not %d bytes",
                    IPCB_DBUS_HEADER, header_len);
        return -1;
    }
    if (pixels > l->max_message - IPCB_DBUS_HEADER) {
        reply_error(l, m, DBUS_ERROR_INVALID_ARGS, "%llu bytes of pixels exceed this run's frames (%zu bytes)",
                    (unsigned long long)pixels, l->max_message - IPCB_DBUS_HEADER);
        return -1;
    }
    if (!from_client(l, m)) {
        refuse_busy(l, m);
        return -1;
    }
    if (!l->rx || l->rx->cap < IPCB_DBUS_HEADER + pixels) {
        reply_error(l, m, DBUS_ERROR_FAILED, "the sink is not ready to receive a frame");
        return -1;
    }
    return 0;
}

/* The frame is complete: keep the call's method return for the ack. */
static void frame_ready(ipcb_link *l, DBusMessage *m)
{
    l->reply = dbus_message_get_no_reply(m) ? NULL : dbus_message_new_method_return(m);
    l->rx_ready = 1;
}

static void on_push(ipcb_link *l, DBusMessage *m)
{
    const uint8_t *hdr, *px;
    int hlen = 0, plen = 0;
    if (!dbus_message_has_signature(m, "ayay") ||
        !dbus_message_get_args(m, NULL, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &hdr, &hlen,
                               DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &px, &plen, DBUS_TYPE_INVALID)) {
        reply_error(l, m, DBUS_ERROR_INVALID_ARGS, "Push takes (ay header, ay pixels), not (%s)",
                    dbus_message_get_signature(m));
        return;
    }
    if (check_frame(l, m, hlen, (uint64_t)plen) != 0)
        return;
    if (l->chunk_count) {
        reply_error(l, m, IPCB_DBUS_ERROR_ORDER, "Push while chunk %zu of %zu of a frame was due",
                    l->chunk_next, l->chunk_count);
        l->chunk_count = 0;
        return;
    }
    ipcb_frame *f = l->rx;
    memcpy(f->buf, hdr, IPCB_DBUS_HEADER);
    if (plen > 0) /* libdbus gives NULL for an empty array */
        memcpy(f->buf + IPCB_DBUS_HEADER, px, (size_t)plen);
    f->data = f->buf;
    f->len = IPCB_DBUS_HEADER + (size_t)plen;
    f->loan = NULL;
    frame_ready(l, m);
}

static void on_push_chunk(ipcb_link *l, DBusMessage *m)
{
    const uint8_t *hdr, *px;
    int hlen = 0, plen = 0;
    dbus_uint32_t index = 0, count = 0;
    if (!dbus_message_has_signature(m, "ayuuay") ||
        !dbus_message_get_args(m, NULL, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &hdr, &hlen, DBUS_TYPE_UINT32, &index,
                               DBUS_TYPE_UINT32, &count, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &px, &plen,
                               DBUS_TYPE_INVALID)) {
        reply_error(l, m, DBUS_ERROR_INVALID_ARGS, "PushChunk takes (ay header, u index, u count, ay pixels), not (%s)",
                    dbus_message_get_signature(m));
        return;
    }
    if (count < 2 || index >= count) {
        reply_error(l, m, DBUS_ERROR_INVALID_ARGS, "chunk %u of %u: want 0 <= index < count and count >= 2",
                    index, count);
        return;
    }
    uint64_t so_far = index == 0 ? 0 : l->chunk_filled;
    if (check_frame(l, m, hlen, so_far + (uint64_t)plen) != 0)
        return;
    if (index == 0) { /* a new frame (an unfinished one is dropped: its sequence number goes missing) */
        l->chunk_count = count;
        l->chunk_next = 0;
        l->chunk_filled = 0;
        memcpy(l->chunk_header, hdr, IPCB_DBUS_HEADER);
    } else if (l->chunk_count == 0 || index != l->chunk_next || count != l->chunk_count ||
               memcmp(hdr, l->chunk_header, IPCB_DBUS_HEADER) != 0) {
        reply_error(l, m, IPCB_DBUS_ERROR_ORDER, "chunk %u of %u arrived while chunk %zu of %zu of that frame was due",
                    index, count, l->chunk_next, l->chunk_count);
        l->chunk_count = 0;
        return;
    }
    ipcb_frame *f = l->rx;
    if (plen > 0)
        memcpy(f->buf + IPCB_DBUS_HEADER + l->chunk_filled, px, (size_t)plen);
    l->chunk_filled += (size_t)plen;
    l->chunk_next++;
    if (index + 1 < count) {
        reply_empty_ack(l, m);
        return;
    }
    memcpy(f->buf, l->chunk_header, IPCB_DBUS_HEADER);
    f->data = f->buf;
    f->len = IPCB_DBUS_HEADER + l->chunk_filled;
    f->loan = NULL;
    l->chunk_count = 0;
    frame_ready(l, m);
}

/* Is fd a memfd of exactly length bytes that nobody can resize or write any more? */
static int check_memfd(int fd, uint64_t length, char *why, size_t len)
{
    struct stat st;
    char link[64], target[256];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    target[n > 0 ? n : 0] = '\0';
    /* A memfd's name is "/memfd:NAME (deleted)"; seals alone would not tell
     * (any tmpfs file answers F_GET_SEALS). */
    if (strncmp(target, "/memfd:", 7) != 0) {
        snprintf(why, len, "not a memfd (%s)", n > 0 ? target : "unknown file");
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(why, len, "fstat: %s", strerror(errno));
        return -1;
    }
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0) {
        snprintf(why, len, "not a memfd (F_GET_SEALS: %s)", strerror(errno));
        return -1;
    }
    const int need = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
    if ((seals & need) != need) {
        snprintf(why, len, "memfd not sealed (seals 0x%x; F_SEAL_SHRINK, F_SEAL_GROW and F_SEAL_WRITE are required)",
                 (unsigned)seals);
        return -1;
    }
    if ((uint64_t)st.st_size != length) {
        snprintf(why, len, "memfd holds %lld bytes, length says %llu", (long long)st.st_size,
                 (unsigned long long)length);
        return -1;
    }
    return 0;
}

/* Map length bytes of fd read-only right after a page whose last 64 bytes
 * hold the header: header and pixels are one contiguous view, as the harness
 * expects, without copying the pixels. */
static int map_view(ipcb_link *l, int fd, const uint8_t *hdr, uint64_t length, char *why, size_t len)
{
    size_t span = VIEW_PAGE + (((size_t)length + VIEW_PAGE - 1) & ~(size_t)(VIEW_PAGE - 1));
    uint8_t *base = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        snprintf(why, len, "mmap of %zu bytes: %s", span, strerror(errno));
        return -1;
    }
    if (mmap(base + VIEW_PAGE, (size_t)length, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
        snprintf(why, len, "mmap of the memfd: %s", strerror(errno));
        munmap(base, span);
        return -1;
    }
    memcpy(base + VIEW_PAGE - IPCB_DBUS_HEADER, hdr, IPCB_DBUS_HEADER);
    mprotect(base, VIEW_PAGE, PROT_READ);
    l->map = base;
    l->map_len = span;
    ipcb_frame *f = l->rx;
    f->data = base + VIEW_PAGE - IPCB_DBUS_HEADER;
    f->len = IPCB_DBUS_HEADER + (size_t)length;
    f->loan = base;
    return 0;
}

static void on_push_fd(ipcb_link *l, DBusMessage *m)
{
    const uint8_t *hdr;
    int hlen = 0, fd = -1;
    dbus_uint64_t length = 0;
    char why[IPCB_ERR_MAX];
    if (!dbus_message_has_signature(m, "ayht") ||
        !dbus_message_get_args(m, NULL, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &hdr, &hlen, DBUS_TYPE_UNIX_FD, &fd,
                               DBUS_TYPE_UINT64, &length, DBUS_TYPE_INVALID)) {
        reply_error(l, m, DBUS_ERROR_INVALID_ARGS, "PushFd takes (ay header, h pixels, t length), not (%s)",
                    dbus_message_get_signature(m));
        if (fd >= 0)
            close(fd);
        return;
    }
    /* fd is our own duplicate (libdbus dups it), closed once mapped. */
    if (length > l->max_message) {
        check_frame(l, m, hlen, length);
    } else if (check_memfd(fd, length, why, sizeof why) != 0) {
        reply_error(l, m, DBUS_ERROR_INVALID_ARGS, "pixels: %s", why);
    } else if (check_frame(l, m, hlen, length) == 0) {
        if (length == 0) {
            memcpy(l->rx->buf, hdr, IPCB_DBUS_HEADER);
            l->rx->data = l->rx->buf;
            l->rx->len = IPCB_DBUS_HEADER;
            l->rx->loan = NULL;
            frame_ready(l, m);
        } else if (map_view(l, fd, hdr, length, why, sizeof why) != 0) {
            reply_error(l, m, DBUS_ERROR_FAILED, "pixels: %s", why);
        } else {
            frame_ready(l, m);
        }
    }
    close(fd);
}

static DBusHandlerResult on_message(DBusConnection *c, DBusMessage *m, void *data)
{
    (void)c;
    ipcb_link *l = data;
    if (dbus_message_get_type(m) != DBUS_MESSAGE_TYPE_METHOD_CALL)
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
    const char *iface = dbus_message_get_interface(m);
    const char *member = dbus_message_get_member(m);
    if (dbus_message_is_method_call(m, DBUS_INTERFACE_INTROSPECTABLE, "Introspect")) {
        DBusMessage *r = dbus_message_new_method_return(m);
        const char *xml = INTROSPECT_XML;
        if (r && !dbus_message_append_args(r, DBUS_TYPE_STRING, &xml, DBUS_TYPE_INVALID)) {
            dbus_message_unref(r);
            r = NULL;
        }
        send_reply(l, m, r);
        return DBUS_HANDLER_RESULT_HANDLED;
    }
    if (!member || (iface && strcmp(iface, IPCB_DBUS_IFACE) != 0))
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED; /* libdbus answers UnknownMethod */
    if (strcmp(member, "Push") == 0)
        on_push(l, m);
    else if (strcmp(member, "PushFd") == 0)
        on_push_fd(l, m);
    else if (strcmp(member, "PushChunk") == 0)
        on_push_chunk(l, m);
    else if (strcmp(member, "Attach") == 0)
        on_attach(l, m);
    else
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
    return DBUS_HANDLER_RESULT_HANDLED;
}

static const DBusObjectPathVTable sink_vtable = { .message_function = on_message };

/* ---- set-up ---- */

static int export_sink(ipcb_link *l, char *err)
{
    DBusError e = DBUS_ERROR_INIT;
    if (!dbus_connection_try_register_object_path(l->conn, IPCB_DBUS_PATH, &sink_vtable, l, &e)) {
        snprintf(err, IPCB_ERR_MAX, "exporting %s: %s", IPCB_DBUS_PATH, e.message);
        dbus_error_free(&e);
        return -1;
    }
    return 0;
}

/* RequestName with an explicit timeout (dbus_bus_request_name waits 25 s).
 * A sink replaces the previous run's sink if the daemon has not yet noticed
 * that it exited. */
static int own_name(ipcb_link *l, char *err)
{
    DBusMessage *m = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "RequestName");
    const char *name = IPCB_DBUS_NAME;
    dbus_uint32_t flags = DBUS_NAME_FLAG_ALLOW_REPLACEMENT | DBUS_NAME_FLAG_REPLACE_EXISTING |
                          DBUS_NAME_FLAG_DO_NOT_QUEUE;
    DBusError e = DBUS_ERROR_INIT;
    DBusMessage *r = NULL;
    if (m && dbus_message_append_args(m, DBUS_TYPE_STRING, &name, DBUS_TYPE_UINT32, &flags, DBUS_TYPE_INVALID))
        r = dbus_connection_send_with_reply_and_block(l->conn, m, l->timeout_ms, &e);
    if (m)
        dbus_message_unref(m);
    dbus_uint32_t result = 0;
    if (!r || !dbus_message_get_args(r, &e, DBUS_TYPE_UINT32, &result, DBUS_TYPE_INVALID)) {
        snprintf(err, IPCB_ERR_MAX, "RequestName %s: %s", IPCB_DBUS_NAME, e.message ? e.message : "out of memory");
        dbus_error_free(&e);
        if (r)
            dbus_message_unref(r);
        return -1;
    }
    dbus_message_unref(r);
    if (result != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER && result != DBUS_REQUEST_NAME_REPLY_ALREADY_OWNER) {
        snprintf(err, IPCB_ERR_MAX, "%s is owned by another connection that does not allow replacement",
                 IPCB_DBUS_NAME);
        return -1;
    }
    return 0;
}

static dbus_bool_t add_watch(DBusWatch *w, void *data)
{
    ipcb_link *l = data;
    if (dbus_watch_get_flags(w) & DBUS_WATCH_READABLE) {
        l->server_watch = w;
        l->server_fd = dbus_watch_get_unix_fd(w);
    }
    return TRUE;
}

static void remove_watch(DBusWatch *w, void *data)
{
    ipcb_link *l = data;
    if (l->server_watch == w) {
        l->server_watch = NULL;
        l->server_fd = -1;
    }
}

static void toggle_watch(DBusWatch *w, void *data)
{
    (void)w;
    (void)data;
}

static void on_new_connection(DBusServer *s, DBusConnection *c, void *data)
{
    (void)s;
    ipcb_link *l = data;
    if (l->conn)
        return; /* one driver per sink; not keeping a reference closes it */
    l->conn = dbus_connection_ref(c);
    dbus_connection_set_exit_on_disconnect(c, FALSE);
    ipcb_dbus_set_limits(c, l->max_message);
}

static int listen_p2p(ipcb_link *l, const ipcb_opts *o, char addr[IPCB_ADDR_MAX], char *err)
{
    char address[IPCB_ADDR_MAX + 16];
    snprintf(l->socket_path, sizeof l->socket_path, "%s/dbus-p2p-%ld.sock", o->rundir, (long)getpid());
    snprintf(address, sizeof address, "unix:path=%s", l->socket_path);
    DBusError e = DBUS_ERROR_INIT;
    l->server = dbus_server_listen(address, &e);
    if (!l->server) {
        snprintf(err, IPCB_ERR_MAX, "dbus_server_listen %s: %s", address, e.message);
        dbus_error_free(&e);
        l->socket_path[0] = '\0';
        return -1;
    }
    const char *mechanisms[] = { "EXTERNAL", NULL };
    char *server_address = dbus_server_get_address(l->server);
    if (!dbus_server_set_auth_mechanisms(l->server, mechanisms) ||
        !dbus_server_set_watch_functions(l->server, add_watch, remove_watch, toggle_watch, l, NULL) ||
        !server_address || strlen(server_address) >= IPCB_ADDR_MAX) {
        snprintf(err, IPCB_ERR_MAX, "setting up the D-Bus server on %s failed", address);
        dbus_free(server_address);
        return -1;
    }
    dbus_server_set_new_connection_function(l->server, on_new_connection, l, NULL);
    chmod(l->socket_path, 0600); /* libdbus makes it 0777; only this user may connect anyway */
    snprintf(addr, IPCB_ADDR_MAX, "%s", server_address);
    dbus_free(server_address);
    return 0;
}

/* libdbus reads every incoming message into a buffer it grows from 2 KiB by
 * doubling and shrinks back to 2 KiB once the message is out (its loader), so
 * with glibc's defaults that buffer is an mmap'd chunk resized with mremap and
 * every large message faults in fresh, zeroed pages (2048 faults per 8 MB).
 * The peer process exists for this one run: keep large buffers on the heap
 * and freed memory in the process, so the receiver reuses warm pages. */
static void keep_freed_memory(void)
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20); /* glibc's largest (64-bit) */
    mallopt(M_TRIM_THRESHOLD, 1024 << 20);
}

int ipcb_dbus_service_listen(ipcb_link *l, const ipcb_opts *o, char addr[IPCB_ADDR_MAX], char *err)
{
    keep_freed_memory();
    if (l->variant == DBUS_P2P)
        return listen_p2p(l, o, addr, err);
    if (!o->infra_address || !o->infra_address[0]) {
        snprintf(err, IPCB_ERR_MAX, "no bus address from the driver (its private bus is not running)");
        return -1;
    }
    char why[IPCB_ERR_MAX];
    l->conn = ipcb_dbus_open(o->infra_address, 1, l->max_message, l->timeout_ms, why);
    if (!l->conn) {
        snprintf(err, IPCB_ERR_MAX, "%s (is the private bus daemon still running?)", why);
        return -1;
    }
    if (l->variant == DBUS_FD && !dbus_connection_can_send_type(l->conn, DBUS_TYPE_UNIX_FD)) {
        snprintf(err, IPCB_ERR_MAX, "the bus connection cannot pass file descriptors");
        return -1;
    }
    if (export_sink(l, err) != 0 || own_name(l, err) != 0)
        return -1;
    const char *unique = dbus_bus_get_unique_name(l->conn);
    /* The driver calls the unique name: it is this process's, whatever
     * happened to the well-known name (which is for people and tools). */
    snprintf(addr, IPCB_ADDR_MAX, "%s", unique ? unique : "");
    return 0;
}

/* dbus-p2p: wait (bounded) for the driver's connection, then stop listening. */
static int accept_connection(ipcb_link *l, long long deadline, char *err)
{
    while (!l->conn) {
        long long left = deadline - ipcb_now_ms();
        if (left <= 0) {
            snprintf(err, IPCB_ERR_MAX, "no driver connected within %d ms", l->timeout_ms);
            return -1;
        }
        if (l->server_fd < 0 || !l->server_watch) {
            snprintf(err, IPCB_ERR_MAX, "the D-Bus server has no socket to watch");
            return -1;
        }
        struct pollfd p = { l->server_fd, POLLIN, 0 };
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno != EINTR) {
            snprintf(err, IPCB_ERR_MAX, "poll: %s", strerror(errno));
            return -1;
        }
        if (r > 0)
            dbus_watch_handle(l->server_watch, DBUS_WATCH_READABLE);
    }
    dbus_server_disconnect(l->server);
    dbus_server_unref(l->server);
    l->server = NULL;
    unlink(l->socket_path);
    l->socket_path[0] = '\0';
    return export_sink(l, err);
}

/* Dispatch until stop is set (by a handler) or timeout; 0, 1 timeout, -1 error. */
static int dispatch_until(ipcb_link *l, const int *stop, long long deadline, char *err)
{
    for (;;) {
        while (!*stop && dbus_connection_get_dispatch_status(l->conn) == DBUS_DISPATCH_DATA_REMAINS)
            dbus_connection_dispatch(l->conn);
        if (*stop)
            return 0;
        if (!dbus_connection_get_is_connected(l->conn)) {
            snprintf(err, IPCB_ERR_MAX, "%s", l->variant == DBUS_P2P ? "the driver closed the connection"
                                                                     : "lost the connection to the bus daemon");
            return -1;
        }
        long long left = deadline - ipcb_now_ms();
        if (left <= 0)
            return 1;
        dbus_connection_read_write(l->conn, (int)left);
    }
}

int ipcb_dbus_service_accept(ipcb_link *l, char *err)
{
    long long deadline = ipcb_now_ms() + l->timeout_ms;
    if (l->variant == DBUS_P2P && accept_connection(l, deadline, err) != 0)
        return -1;
    int rc = dispatch_until(l, &l->attached, deadline, err);
    if (rc == 1)
        snprintf(err, IPCB_ERR_MAX, "no driver attached to the sink within %d ms", l->timeout_ms);
    return rc == 0 ? 0 : -1;
}

int ipcb_dbus_service_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    if (answer_previous(l, err) != 0)
        return -1;
    l->rx = f;
    l->rx_ready = 0;
    int rc = dispatch_until(l, &l->rx_ready, ipcb_now_ms() + (timeout_ms > 0 ? timeout_ms : 0), err);
    l->rx = NULL;
    return rc;
}

int ipcb_dbus_service_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    if (!l->reply) {
        snprintf(err, IPCB_ERR_MAX, "no Push call to answer (an ack answers the call of the frame received last)");
        return -1;
    }
    DBusMessage *r = l->reply;
    l->reply = NULL;
    int ok = finish_reply(r, f->data, f->len) == 0 && dbus_connection_send(l->conn, r, NULL);
    dbus_message_unref(r);
    if (!ok) {
        snprintf(err, IPCB_ERR_MAX, "out of memory sending an ack");
        return -1;
    }
    return ipcb_dbus_flush(l->conn, l->timeout_ms, err);
}

void ipcb_dbus_service_release(ipcb_link *l, ipcb_frame *f)
{
    (void)f;
    if (l->map) {
        munmap(l->map, l->map_len);
        l->map = NULL;
        l->map_len = 0;
    }
}

void ipcb_dbus_service_close(ipcb_link *l)
{
    char err[IPCB_ERR_MAX];
    ipcb_dbus_service_release(l, NULL);
    if (l->conn) {
        if (answer_previous(l, err) == 0 && dbus_connection_get_is_connected(l->conn))
            ipcb_dbus_flush(l->conn, l->timeout_ms < 1000 ? l->timeout_ms : 1000, err);
        dbus_connection_close(l->conn);
        dbus_connection_unref(l->conn);
        l->conn = NULL;
    }
    if (l->reply) {
        dbus_message_unref(l->reply);
        l->reply = NULL;
    }
    if (l->server) {
        dbus_server_disconnect(l->server);
        dbus_server_unref(l->server);
        l->server = NULL;
    }
    if (l->socket_path[0])
        unlink(l->socket_path);
}
