/* Who may hold a connection to the http server: a stranger (no request with
 * the token yet) is closed at ADMISSION_DEADLINE_MS, or when STRANGERS_MAX
 * newer ones arrive, so idle local connections cannot keep the driver out. */
#include "http_server_internal.h"

#include <stdlib.h>
#include <sys/socket.h>

#include "clock.h"

/* One accepted connection (libmicrohttpd's socket context). */
struct http_conn {
    struct http_conn *next, *prev;   /* the strangers, oldest first (while a stranger) */
    int               fd;
    int64_t           since_ms;      /* accepted */
    int               admitted;      /* a request carried the token */
    int               requested;     /* libmicrohttpd parsed a request line on it */
    int               closed_by_us;  /* deadline passed, or pushed out by a newer stranger */
};

static void unlink_stranger(http_srv *s, http_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        s->strangers = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        s->strangers_tail = c->prev;
    c->next = c->prev = NULL;
    s->stranger_count--;
}

/* libmicrohttpd notices the shutdown at its next read and closes the
 * connection (then ipcb_http_conn_closed frees c). */
static void close_stranger(http_srv *s, http_conn *c)
{
    unlink_stranger(s, c);
    c->closed_by_us = 1;
    (void)shutdown(c->fd, SHUT_RDWR);
}

void ipcb_http_conn_opened(http_srv *s, int fd, void **socket_ctx)
{
    http_conn *c = calloc(1, sizeof *c);
    if (!c) { /* untracked, it would escape the deadline: close it */
        (void)shutdown(fd, SHUT_RDWR);
        return;
    }
    if (s->stranger_count >= STRANGERS_MAX)
        close_stranger(s, s->strangers);
    c->fd = fd;
    c->since_ms = ipcb_now_ms();
    c->prev = s->strangers_tail;
    if (s->strangers_tail)
        s->strangers_tail->next = c;
    else
        s->strangers = c;
    s->strangers_tail = c;
    s->stranger_count++;
    *socket_ctx = c;
}

void ipcb_http_conn_closed(http_srv *s, void **socket_ctx)
{
    http_conn *c = *socket_ctx;
    if (!c)
        return;
    if (!c->admitted && !c->closed_by_us)
        unlink_stranger(s, c);
    if (!c->requested && !c->closed_by_us && !s->stopping)
        ipcb_http_answer_unparsable(c->fd);
    free(c);
    *socket_ctx = NULL;
}

static http_conn *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

int ipcb_http_conn_request(http_srv *s, struct MHD_Connection *conn, int token_ok)
{
    http_conn *c = conn_of(conn);
    if (!c)
        return 0;
    if (token_ok && !c->admitted && !c->closed_by_us) {
        unlink_stranger(s, c);
        c->admitted = 1;
    }
    return c->admitted;
}

void *ipcb_http_on_request_line(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)uri;
    http_conn *c = conn_of(conn);
    if (c)
        c->requested = 1;
    return NULL; /* no request context yet: ipcb_http_on_request makes it */
}

int ipcb_http_conn_admitted(struct MHD_Connection *conn)
{
    http_conn *c = conn_of(conn);
    return c && c->admitted;
}

long long ipcb_http_strangers_wait(const http_srv *s, long long ms)
{
    if (!s->strangers)
        return ms;
    long long left = s->strangers->since_ms + ADMISSION_DEADLINE_MS - ipcb_now_ms();
    if (left < 0)
        left = 0;
    return left < ms ? left : ms;
}

void ipcb_http_strangers_sweep(http_srv *s)
{
    if (!s->strangers)
        return;
    int64_t now = ipcb_now_ms();
    while (s->strangers && now - s->strangers->since_ms >= ADMISSION_DEADLINE_MS)
        close_stranger(s, s->strangers);
}
