/* What both sides of the D-Bus transports do with a connection: open a
 * private one with the limits large frames need, write out what is queued
 * and make a call within a bound (in slices, so Ctrl-C is seen: libdbus's own
 * waits go on after a signal), and turn an error reply into one line. */
#include "dbus_internal.h"

#include "clock.h"
#include "interrupt.h"

#include <stdio.h>

void ipcb_dbus_error_text(DBusMessage *m, char *out, size_t len)
{
    const char *name = dbus_message_get_error_name(m);
    const char *text = NULL;
    if (dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID) && text)
        snprintf(out, len, "%s: %s", name ? name : "error", text);
    else
        snprintf(out, len, "%s", name ? name : "error");
}

/* Limits for large frames: a connection stops reading once this many bytes
 * of received messages are alive (default 63 MiB, less than one 8K chunk);
 * messages may be as large as the protocol allows. */
void ipcb_dbus_set_limits(DBusConnection *c, size_t max_message)
{
    long live = (long)(4 * (max_message + (1u << 20)));
    if (live < (64L << 20))
        live = 64L << 20;
    if (live > 2000000000L)
        live = 2000000000L;
    dbus_connection_set_max_message_size(c, IPCB_DBUS_MESSAGE_MAX);
    dbus_connection_set_max_received_size(c, live);
    dbus_connection_set_max_message_unix_fds(c, 16);
    dbus_connection_set_max_received_unix_fds(c, 1024);
}

/* Hello to the bus: what dbus_bus_register does, with a bound (it waits 25 s). */
static int say_hello(DBusConnection *c, const char *address, int timeout_ms, char *err)
{
    DBusMessage *m = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "Hello");
    char why[IPCB_ERR_MAX];
    DBusMessage *r = m ? ipcb_dbus_call(c, m, timeout_ms, why) : NULL;
    if (m)
        dbus_message_unref(m);
    else
        snprintf(why, sizeof why, "out of memory");
    const char *name = NULL;
    if (r && dbus_message_get_type(r) == DBUS_MESSAGE_TYPE_ERROR)
        ipcb_dbus_error_text(r, why, sizeof why);
    else if (r && !dbus_message_get_args(r, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID))
        snprintf(why, sizeof why, "the answer carries no name (%s)", dbus_message_get_signature(r));
    int ok = name && dbus_bus_set_unique_name(c, name);
    if (r)
        dbus_message_unref(r);
    if (ok)
        return 0;
    snprintf(err, IPCB_ERR_MAX, "Hello to the bus at %s failed: %s", address, name ? "out of memory" : why);
    return -1;
}

DBusConnection *ipcb_dbus_open(const char *address, int register_on_bus, size_t max_message, int timeout_ms,
                               char *err)
{
    DBusError e = DBUS_ERROR_INIT;
    /* Private: never shared with (or returned by) any other dbus_connection_open. */
    DBusConnection *c = dbus_connection_open_private(address, &e);
    if (!c) {
        snprintf(err, IPCB_ERR_MAX, "cannot connect to %s: %s", address, e.message);
        dbus_error_free(&e);
        return NULL;
    }
    dbus_connection_set_exit_on_disconnect(c, FALSE);
    ipcb_dbus_set_limits(c, max_message);
    if (register_on_bus && say_hello(c, address, timeout_ms, err) != 0) {
        dbus_connection_close(c);
        dbus_connection_unref(c);
        return NULL;
    }
    return c;
}

/* dbus_connection_flush() waits without a bound; this one gives up after
 * timeout_ms (e.g. a daemon that stopped reading). */
int ipcb_dbus_flush(DBusConnection *c, int timeout_ms, char *err)
{
    long long deadline = ipcb_now_ms() + timeout_ms;
    while (dbus_connection_has_messages_to_send(c)) {
        long long left = deadline - ipcb_now_ms();
        if (ipcb_interrupted) {
            snprintf(err, IPCB_ERR_MAX, "%s", ipcb_interrupted_text);
            return -1;
        }
        if (!dbus_connection_get_is_connected(c)) {
            snprintf(err, IPCB_ERR_MAX, "connection closed while writing");
            return -1;
        }
        if (left <= 0) {
            snprintf(err, IPCB_ERR_MAX, "could not write the message within %d ms (the other end stopped reading)",
                     timeout_ms);
            return -1;
        }
        if (!dbus_connection_read_write(c, ipcb_interrupt_slice(left))) {
            snprintf(err, IPCB_ERR_MAX, "connection closed while writing");
            return -1;
        }
    }
    return 0;
}

/* Why a call must stop waiting now (err set), or 0 to wait on. */
static int call_over(DBusConnection *c, long long left, int timeout_ms, char *err)
{
    if (ipcb_interrupted)
        snprintf(err, IPCB_ERR_MAX, "%s", ipcb_interrupted_text);
    else if (!dbus_connection_get_is_connected(c))
        snprintf(err, IPCB_ERR_MAX, "connection closed");
    else if (left <= 0)
        snprintf(err, IPCB_ERR_MAX, "no answer within %d ms", timeout_ms);
    else
        return 0;
    return 1;
}

DBusMessage *ipcb_dbus_call(DBusConnection *c, DBusMessage *m, int timeout_ms, char *err)
{
    DBusPendingCall *pc = NULL;
    if (!dbus_connection_send_with_reply(c, m, &pc, timeout_ms)) {
        snprintf(err, IPCB_ERR_MAX, "out of memory queueing a call");
        return NULL;
    }
    if (!pc) { /* libdbus's way of saying the connection is closed */
        snprintf(err, IPCB_ERR_MAX, "connection closed");
        return NULL;
    }
    long long deadline = ipcb_now_ms() + timeout_ms;
    while (!dbus_pending_call_get_completed(pc)) {
        long long left = deadline - ipcb_now_ms();
        if (call_over(c, left, timeout_ms, err)) {
            dbus_pending_call_cancel(pc);
            dbus_pending_call_unref(pc);
            return NULL;
        }
        if (dbus_connection_get_dispatch_status(c) == DBUS_DISPATCH_DATA_REMAINS)
            dbus_connection_dispatch(c); /* completes pending calls */
        else
            dbus_connection_read_write(c, ipcb_interrupt_slice(left));
    }
    DBusMessage *r = dbus_pending_call_steal_reply(pc);
    dbus_pending_call_unref(pc);
    if (!r)
        snprintf(err, IPCB_ERR_MAX, "a completed call had no reply");
    return r;
}
