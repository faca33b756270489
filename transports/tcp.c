/* Transport "tcp": raw TCP on loopback (127.0.0.1 only, ephemeral port), the floor
 * for anything built on TCP/IP. Length-prefixed messages both ways, TCP_NODELAY,
 * 4 MiB socket buffers. Two copies per frame: into the kernel and out again. */
#include "clock.h"
#include "fdio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { SOCKBUF_BYTES = 4 << 20 };

struct ipcb_link {
    ipcb_fd conn;   /* connected socket and the bound of every wait */
    int listen_fd;  /* peer side until accept */
};

static ipcb_link *link_new(const ipcb_opts *o, char *err)
{
    ipcb_link *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return NULL;
    }
    l->conn.fd = -1;
    l->listen_fd = -1;
    l->conn.timeout_ms = o->timeout_ms;
    return l;
}

static void tcp_close(ipcb_link *l)
{
    if (!l)
        return;
    if (l->conn.fd >= 0)
        close(l->conn.fd);
    if (l->listen_fd >= 0)
        close(l->listen_fd);
    free(l);
}

/* Socket buffers of 4 MiB so a large frame streams without stalling on a
 * default-sized window. Plain SO_SNDBUF/SO_RCVBUF are silently capped at
 * net.core.wmem_max/rmem_max (often 208 KiB); the *FORCE variants bypass that
 * cap but need CAP_NET_ADMIN, so root tries them first and falls back (e.g. in
 * a container without the capability). Set before listen/connect so the
 * window scale negotiated in the handshake fits the receive buffer (accepted
 * sockets inherit the listener's buffers). */
static int set_buf(int fd, int force_opt, int opt, const char *name, char *err)
{
    int v = SOCKBUF_BYTES;
    if (geteuid() == 0 && setsockopt(fd, SOL_SOCKET, force_opt, &v, sizeof v) == 0)
        return 0;
    if (setsockopt(fd, SOL_SOCKET, opt, &v, sizeof v) != 0) {
        snprintf(err, IPCB_ERR_MAX, "setsockopt(%s): %s", name, strerror(errno));
        return -1;
    }
    return 0;
}

static int set_bufs(int fd, char *err)
{
    if (set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, "SO_SNDBUF", err) != 0)
        return -1;
    return set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, "SO_RCVBUF", err);
}

static int set_nodelay(int fd, char *err)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
        snprintf(err, IPCB_ERR_MAX, "setsockopt(TCP_NODELAY): %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int tcp_listen(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra,
                       const ipcb_opts *o, char addr[IPCB_ADDR_MAX], char *err)
{
    (void)t;
    (void)infra;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t salen = sizeof sa;
    ipcb_link *l = link_new(o, err);
    if (!l)
        return -1;
    l->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (l->listen_fd < 0) {
        snprintf(err, IPCB_ERR_MAX, "socket: %s", strerror(errno));
        goto fail;
    }
    if (set_bufs(l->listen_fd, err) != 0)
        goto fail;
    if (bind(l->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(l->listen_fd, 1) != 0 ||
        getsockname(l->listen_fd, (struct sockaddr *)&sa, &salen) != 0) {
        snprintf(err, IPCB_ERR_MAX, "bind/listen 127.0.0.1: %s", strerror(errno));
        goto fail;
    }
    snprintf(addr, IPCB_ADDR_MAX, "127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
    *out = l;
    return 0;
fail:
    tcp_close(l);
    return -1;
}

/* Waits (bounded) for a connection from 127.0.0.1; any other source is closed
 * and the wait goes on until the deadline. */
static int tcp_accept(ipcb_link *l, char *err)
{
    long long deadline = ipcb_now_ms() + l->conn.timeout_ms;
    for (;;) {
        long long left = deadline - ipcb_now_ms();
        int w = left > 0 ? ipcb_fd_wait(l->listen_fd, POLLIN, (int)left, err) : 0;
        if (w == 0)
            snprintf(err, IPCB_ERR_MAX, "no driver connected within %d ms", l->conn.timeout_ms);
        if (w <= 0)
            return -1;
        struct sockaddr_in from;
        socklen_t fromlen = sizeof from;
        int fd = accept4(l->listen_fd, (struct sockaddr *)&from, &fromlen,
                         SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
                continue;
            snprintf(err, IPCB_ERR_MAX, "accept: %s", strerror(errno));
            return -1;
        }
        if (from.sin_family != AF_INET || from.sin_addr.s_addr != htonl(INADDR_LOOPBACK)) {
            close(fd); /* not from 127.0.0.1: refuse it, keep waiting */
            continue;
        }
        if (set_nodelay(fd, err) != 0) {
            close(fd);
            return -1;
        }
        l->conn.fd = fd;
        if (ipcb_sock_use_kernel_timeouts(&l->conn, err) != 0)
            return -1;
        close(l->listen_fd);
        l->listen_fd = -1;
        return 0;
    }
}

/* Accepts exactly "127.0.0.1:PORT" with PORT a decimal in 1..65535. */
static int parse_addr(const char *addr, struct sockaddr_in *sa, char *err)
{
    static const char host[] = "127.0.0.1:";
    const char *colon = strrchr(addr, ':');
    if (!colon) {
        snprintf(err, IPCB_ERR_MAX, "bad address '%s' (want 127.0.0.1:PORT)", addr);
        return -1;
    }
    if (strncmp(addr, host, sizeof host - 1) != 0) {
        snprintf(err, IPCB_ERR_MAX, "refusing host '%.*s': tcp connects to 127.0.0.1 only",
                 (int)(colon - addr), addr);
        return -1;
    }
    const char *p = addr + sizeof host - 1;
    char *end;
    unsigned long port = *p >= '0' && *p <= '9' ? strtoul(p, &end, 10) : 0;
    if (port == 0 || port > 65535 || *end != '\0') {
        snprintf(err, IPCB_ERR_MAX, "bad port in '%s' (want 127.0.0.1:1..65535)", addr);
        return -1;
    }
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return 0;
}

static int tcp_connect(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra,
                        const ipcb_opts *o, const char *addr, char *err)
{
    (void)t;
    (void)infra;
    struct sockaddr_in sa;
    if (parse_addr(addr, &sa, err) != 0)
        return -1;
    ipcb_link *l = link_new(o, err);
    if (!l)
        return -1;
    l->conn.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l->conn.fd < 0) {
        snprintf(err, IPCB_ERR_MAX, "socket: %s", strerror(errno));
        goto fail;
    }
    if (set_bufs(l->conn.fd, err) != 0)
        goto fail;
    if (connect(l->conn.fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        snprintf(err, IPCB_ERR_MAX, "connect %s: %s", addr, strerror(errno));
        goto fail;
    }
    if (set_nodelay(l->conn.fd, err) != 0 || ipcb_sock_use_kernel_timeouts(&l->conn, err) != 0)
        goto fail;
    *out = l;
    return 0;
fail:
    tcp_close(l);
    return -1;
}

static int tcp_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    return ipcb_fd_send_msg(&l->conn, f, err);
}

static int tcp_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    return ipcb_fd_recv_msg(&l->conn, f, timeout_ms, err);
}

const ipcb_transport ipcb_transport_tcp = {
    .name = "tcp",
    .summary = "TCP on 127.0.0.1, TCP_NODELAY, 4 MiB socket buffers",
    .caps = IPCB_CAP_FANOUT, /* one connection per subscriber */
    .max_frame = 0,
    .copies = 2,
    .listen = tcp_listen,
    .accept = tcp_accept,
    .connect = tcp_connect,
    .send = tcp_send,
    .recv = tcp_recv,
    .close = tcp_close,
};
