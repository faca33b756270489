/* What both sides of the D-Bus transports do with a connection: open a
 * private one with the limits large frames need, write out what is queued
 * within a bound, and turn an error reply into one line. */
#include "dbus_internal.h"

#include "clock.h"

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

DBusConnection *ipcb_dbus_open(const char *address, int register_on_bus, size_t max_message, char *err)
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
    if (register_on_bus && !dbus_bus_register(c, &e)) {
        snprintf(err, IPCB_ERR_MAX, "Hello to the bus at %s failed: %s", address, e.message);
        dbus_error_free(&e);
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
        if (!dbus_connection_get_is_connected(c)) {
            snprintf(err, IPCB_ERR_MAX, "connection closed while writing");
            return -1;
        }
        if (left <= 0) {
            snprintf(err, IPCB_ERR_MAX, "could not write the message within %d ms (the other end stopped reading)",
                     timeout_ms);
            return -1;
        }
        if (!dbus_connection_read_write(c, (int)left)) {
            snprintf(err, IPCB_ERR_MAX, "connection closed while writing");
            return -1;
        }
    }
    return 0;
}
