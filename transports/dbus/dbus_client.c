/* The driver's side of the D-Bus transports: every frame is a method call to
 * the sink (Push, PushChunk or PushFd, see dbus_service.c) made with
 * dbus_connection_send_with_reply, so a window of calls can be in flight; the
 * pending replies are kept in order and recv() yields the ones that carry an
 * ack (the others, empty, only confirm delivery). send() returns once the
 * message is written to the socket (bounded), so the driver holds one
 * marshalled message at a time. */
#include "dbus_internal.h"

#include "clock.h"
#include "interrupt.h"
#include "memfd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* ---- the calls in flight, oldest first ---- */

static int fifo_push(pending_fifo *q, DBusPendingCall *pc)
{
    if (q->count == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 32;
        DBusPendingCall **calls = malloc(cap * sizeof *calls);
        if (!calls)
            return -1;
        for (size_t i = 0; i < q->count; i++)
            calls[i] = q->calls[(q->head + i) % q->cap];
        free(q->calls);
        q->calls = calls;
        q->cap = cap;
        q->head = 0;
    }
    q->calls[(q->head + q->count) % q->cap] = pc;
    q->count++;
    return 0;
}

static DBusPendingCall *fifo_head(const pending_fifo *q)
{
    return q->count ? q->calls[q->head] : NULL;
}

static void fifo_pop(pending_fifo *q)
{
    q->head = (q->head + 1) % q->cap;
    q->count--;
}

/* ---- errors ---- */

/* Why the connection is gone: the daemon's fate if it died (waiting up to
 * 100 ms for the kernel to finish its exit), else the bare fact. */
static void describe_disconnect(ipcb_link *l, char *err)
{
    if (l->variant == DBUS_P2P) {
        snprintf(err, IPCB_ERR_MAX, "the peer closed the D-Bus connection");
        return;
    }
    char status[200] = "";
    struct timespec pause = { 0, 5000000 };
    for (int i = 0; i < 20 && !status[0]; i++) {
        ipcb_dbus_bus_status(l->infra, status, sizeof status);
        if (!status[0])
            nanosleep(&pause, NULL);
    }
    if (status[0])
        snprintf(err, IPCB_ERR_MAX, "lost the connection to the bus: %s", status);
    else
        snprintf(err, IPCB_ERR_MAX, "lost the connection to the bus daemon (%s)", l->infra ? l->infra->daemon : "?");
}

/* ---- set-up ---- */

static int attach(ipcb_link *l, char *err)
{
    DBusMessage *m = dbus_message_new_method_call(l->dest[0] ? l->dest : NULL, IPCB_DBUS_PATH, IPCB_DBUS_IFACE,
                                                  "Attach");
    if (!m) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return -1;
    }
    dbus_message_set_auto_start(m, FALSE);
    char why[IPCB_ERR_MAX];
    DBusMessage *r = ipcb_dbus_call(l->conn, m, l->timeout_ms, why);
    dbus_message_unref(m);
    if (r && dbus_message_get_type(r) == DBUS_MESSAGE_TYPE_ERROR)
        ipcb_dbus_error_text(r, why, sizeof why);
    int failed = !r || dbus_message_get_type(r) == DBUS_MESSAGE_TYPE_ERROR;
    if (r)
        dbus_message_unref(r);
    if (failed) {
        snprintf(err, IPCB_ERR_MAX, "attaching to the image sink %s: %s", l->dest[0] ? l->dest : "(p2p)", why);
        return -1;
    }
    return 0;
}

int ipcb_dbus_client_connect(ipcb_link *l, ipcb_infra *infra, const ipcb_opts *o, const char *addr, char *err)
{
    long long timeout = (long long)l->timeout_ms * IPCB_DBUS_CALL_TIMEOUT_FACTOR;
    l->call_timeout_ms = timeout > INT_MAX ? INT_MAX : (int)timeout;
    (void)o;
    if (l->variant == DBUS_P2P) {
        l->conn = ipcb_dbus_open(addr, 0, l->max_message, l->timeout_ms, err);
    } else {
        char status[200] = "";
        l->infra = infra;
        if (!infra || !infra->address[0]) {
            snprintf(err, IPCB_ERR_MAX, "the private bus is not running");
            return -1;
        }
        ipcb_dbus_bus_status(infra, status, sizeof status);
        if (status[0]) {
            snprintf(err, IPCB_ERR_MAX, "%s", status);
            return -1;
        }
        if (!dbus_validate_bus_name(addr, NULL) || strlen(addr) >= sizeof l->dest) {
            snprintf(err, IPCB_ERR_MAX, "bad sink name '%s' from the peer", addr);
            return -1;
        }
        snprintf(l->dest, sizeof l->dest, "%s", addr);
        l->conn = ipcb_dbus_open(infra->address, 1, l->max_message, l->timeout_ms, err);
    }
    if (!l->conn)
        return -1;
    if (l->variant == DBUS_FD && !dbus_connection_can_send_type(l->conn, DBUS_TYPE_UNIX_FD)) {
        snprintf(err, IPCB_ERR_MAX, "the bus connection cannot pass file descriptors");
        return -1;
    }
    return attach(l, err);
}

/* ---- frames ---- */

static DBusMessage *new_call(ipcb_link *l, const char *method)
{
    DBusMessage *m = dbus_message_new_method_call(l->dest[0] ? l->dest : NULL, IPCB_DBUS_PATH, IPCB_DBUS_IFACE,
                                                  method);
    if (m)
        dbus_message_set_auto_start(m, FALSE);
    return m;
}

/* Queue m (consumed) with a pending reply and write it out. */
static int call(ipcb_link *l, DBusMessage *m, char *err)
{
    DBusPendingCall *pc = NULL;
    dbus_bool_t ok = dbus_connection_send_with_reply(l->conn, m, &pc, l->call_timeout_ms);
    dbus_message_unref(m);
    if (!ok) {
        snprintf(err, IPCB_ERR_MAX, "out of memory queueing a call");
        return -1;
    }
    if (!pc) { /* libdbus's way of saying the connection is closed */
        describe_disconnect(l, err);
        return -1;
    }
    if (fifo_push(&l->inflight, pc) != 0) {
        dbus_pending_call_cancel(pc);
        dbus_pending_call_unref(pc);
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return -1;
    }
    if (ipcb_dbus_flush(l->conn, l->timeout_ms, err) != 0) {
        if (!dbus_connection_get_is_connected(l->conn))
            describe_disconnect(l, err);
        return -1;
    }
    return 0;
}

static int push_inline(ipcb_link *l, const uint8_t *hdr, const uint8_t *px, size_t len, char *err)
{
    DBusMessage *m = new_call(l, "Push");
    int hlen = IPCB_DBUS_HEADER, plen = (int)len;
    if (!m || !dbus_message_append_args(m, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &hdr, hlen,
                                        DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &px, plen, DBUS_TYPE_INVALID)) {
        if (m)
            dbus_message_unref(m);
        snprintf(err, IPCB_ERR_MAX, "out of memory building a %zu-byte Push", len);
        return -1;
    }
    return call(l, m, err);
}

/* Pixels beyond one array: count equal chunks of at most 64 MiB. */
static int push_chunks(ipcb_link *l, const uint8_t *hdr, const uint8_t *px, size_t len, char *err)
{
    dbus_uint32_t count = (dbus_uint32_t)((len + IPCB_DBUS_CHUNK_MAX - 1) / IPCB_DBUS_CHUNK_MAX);
    size_t chunk = (len + count - 1) / count;
    for (dbus_uint32_t i = 0; i < count; i++) {
        const uint8_t *p = px + (size_t)i * chunk;
        int n = (int)(i + 1 < count ? chunk : len - (size_t)i * chunk), hlen = IPCB_DBUS_HEADER;
        DBusMessage *m = new_call(l, "PushChunk");
        if (!m || !dbus_message_append_args(m, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &hdr, hlen, DBUS_TYPE_UINT32, &i,
                                            DBUS_TYPE_UINT32, &count, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &p, n,
                                            DBUS_TYPE_INVALID)) {
            if (m)
                dbus_message_unref(m);
            snprintf(err, IPCB_ERR_MAX, "out of memory building chunk %u of %u", i, count);
            return -1;
        }
        if (call(l, m, err) != 0)
            return -1;
    }
    return 0;
}

/* A fresh memfd per frame: write the pixels, seal it for good, pass it. The
 * peer can trust what it maps: nobody can change or resize it any more. */
static int push_fd(ipcb_link *l, const uint8_t *hdr, const uint8_t *px, size_t len, char *err)
{
    int fd = ipcb_memfd_sealed("ipcbench-frame", px, len, err, IPCB_ERR_MAX);
    if (fd < 0)
        return -1;
    DBusMessage *m = new_call(l, "PushFd");
    int hlen = IPCB_DBUS_HEADER;
    dbus_uint64_t length = len;
    int ok = m && dbus_message_append_args(m, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &hdr, hlen, DBUS_TYPE_UNIX_FD, &fd,
                                           DBUS_TYPE_UINT64, &length, DBUS_TYPE_INVALID);
    close(fd); /* the message holds its own duplicate */
    if (!ok) {
        if (m)
            dbus_message_unref(m);
        snprintf(err, IPCB_ERR_MAX, "out of memory building a PushFd");
        return -1;
    }
    return call(l, m, err);
}

int ipcb_dbus_client_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    if (f->len < IPCB_DBUS_HEADER) {
        snprintf(err, IPCB_ERR_MAX, "a %zu-byte message is shorter than the %d-byte frame header", f->len,
                 IPCB_DBUS_HEADER);
        return -1;
    }
    if (!dbus_connection_get_is_connected(l->conn)) {
        describe_disconnect(l, err);
        return -1;
    }
    const uint8_t *hdr = f->data, *px = f->data + IPCB_DBUS_HEADER;
    size_t len = f->len - IPCB_DBUS_HEADER;
    if (l->variant == DBUS_FD && len > 0)
        return push_fd(l, hdr, px, len, err);
    if (len <= IPCB_DBUS_CHUNK_MAX)
        return push_inline(l, hdr, px, len, err);
    return push_chunks(l, hdr, px, len, err);
}

/* A reply: 0 an ack (copied into f), 2 an empty ack, -1 an error. */
static int take_reply(ipcb_link *l, DBusMessage *r, ipcb_frame *f, char *err)
{
    if (dbus_message_get_type(r) == DBUS_MESSAGE_TYPE_ERROR) {
        char text[IPCB_ERR_MAX];
        ipcb_dbus_error_text(r, text, sizeof text);
        if (!dbus_connection_get_is_connected(l->conn))
            describe_disconnect(l, err);
        else if (dbus_message_is_error(r, DBUS_ERROR_NO_REPLY))
            snprintf(err, IPCB_ERR_MAX, "the peer did not answer a call (%s)", text);
        else
            snprintf(err, IPCB_ERR_MAX, "the sink answered with an error: %s", text);
        return -1;
    }
    const uint8_t *ack;
    int n = 0;
    if (!dbus_message_has_signature(r, "ay") ||
        !dbus_message_get_args(r, NULL, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &ack, &n, DBUS_TYPE_INVALID)) {
        snprintf(err, IPCB_ERR_MAX, "the sink answered (%s), not (ay ack)", dbus_message_get_signature(r));
        return -1;
    }
    if (n == 0)
        return 2;
    if ((size_t)n > f->cap) {
        snprintf(err, IPCB_ERR_MAX, "an ack of %d bytes does not fit the %zu-byte buffer", n, f->cap);
        return -1;
    }
    memcpy(f->buf, ack, (size_t)n);
    f->data = f->buf;
    f->len = (size_t)n;
    f->loan = NULL;
    return 0;
}

int ipcb_dbus_client_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    long long deadline = ipcb_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        DBusPendingCall *pc;
        while ((pc = fifo_head(&l->inflight)) != NULL && dbus_pending_call_get_completed(pc)) {
            DBusMessage *r = dbus_pending_call_steal_reply(pc);
            dbus_pending_call_unref(pc);
            fifo_pop(&l->inflight);
            int rc = r ? take_reply(l, r, f, err) : -1;
            if (!r)
                snprintf(err, IPCB_ERR_MAX, "a completed call had no reply");
            if (r)
                dbus_message_unref(r);
            if (rc != 2)
                return rc;
        }
        if (!l->inflight.count) {
            snprintf(err, IPCB_ERR_MAX, "no call in flight that could bring an ack");
            return -1;
        }
        if (dbus_connection_get_dispatch_status(l->conn) == DBUS_DISPATCH_DATA_REMAINS) {
            dbus_connection_dispatch(l->conn); /* completes pending calls */
            continue;
        }
        if (!dbus_connection_get_is_connected(l->conn)) {
            describe_disconnect(l, err);
            return -1;
        }
        if (ipcb_interrupted) {
            snprintf(err, IPCB_ERR_MAX, "%s", ipcb_interrupted_text);
            return -1;
        }
        long long left = deadline - ipcb_now_ms();
        if (left <= 0)
            return 1;
        dbus_connection_read_write(l->conn, ipcb_interrupt_slice(left)); /* goes on after a signal */
    }
}

void ipcb_dbus_client_close(ipcb_link *l)
{
    DBusPendingCall *pc;
    while ((pc = fifo_head(&l->inflight)) != NULL) {
        dbus_pending_call_cancel(pc);
        dbus_pending_call_unref(pc);
        fifo_pop(&l->inflight);
    }
    free(l->inflight.calls);
    l->inflight.calls = NULL;
    if (l->conn) {
        dbus_connection_close(l->conn);
        dbus_connection_unref(l->conn);
        l->conn = NULL;
    }
}
