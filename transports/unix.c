/* Reference transport "unix": a Unix stream socket on a path inside the run's
 * private 0700 directory (socket 0600), length-prefixed messages both ways.
 * Two copies per frame: sender's buffer into the kernel, kernel into the receiver's. */
#include "fdio.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct ipcb_link {
    ipcb_fd conn;      /* connected socket and the bound of every wait */
    int  listen_fd;    /* peer side until accept */
    char path[IPCB_ADDR_MAX];
    uint8_t *scratch;  /* IPCB_TEST_EXTRA_COPY builds only: the extra copy */
    size_t   scratch_cap;
};

static int make_addr(struct sockaddr_un *sa, const char *path, char *err)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa->sun_path) {
        snprintf(err, IPCB_ERR_MAX, "socket path too long: %s", path);
        return -1;
    }
    strcpy(sa->sun_path, path);
    return 0;
}

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

static void unix_close(ipcb_link *l)
{
    if (!l)
        return;
    if (l->conn.fd >= 0)
        close(l->conn.fd);
    if (l->listen_fd >= 0) {
        close(l->listen_fd);
        unlink(l->path);
    }
    free(l->scratch);
    free(l);
}

static int unix_listen(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra,
                       const ipcb_opts *o, char addr[IPCB_ADDR_MAX], char *err)
{
    (void)t;
    (void)infra;
    struct sockaddr_un sa;
    ipcb_link *l = link_new(o, err);
    if (!l)
        return -1;
    snprintf(l->path, sizeof l->path, "%s/unix-%ld.sock", o->rundir, (long)getpid());
    if (make_addr(&sa, l->path, err) != 0)
        goto fail;
    l->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (l->listen_fd < 0) {
        snprintf(err, IPCB_ERR_MAX, "socket: %s", strerror(errno));
        goto fail;
    }
    mode_t old = umask(0177); /* the socket file is created 0600 */
    int rc = bind(l->listen_fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc != 0 || listen(l->listen_fd, 1) != 0) {
        snprintf(err, IPCB_ERR_MAX, "bind/listen %s: %s", l->path, strerror(errno));
        goto fail;
    }
    snprintf(addr, IPCB_ADDR_MAX, "%s", l->path);
    *out = l;
    return 0;
fail:
    if (l->listen_fd >= 0) {
        close(l->listen_fd);
        l->listen_fd = -1;
    }
    unix_close(l);
    return -1;
}

static int unix_accept(ipcb_link *l, char *err)
{
    int w = ipcb_fd_wait(l->listen_fd, POLLIN, l->conn.timeout_ms, err);
    if (w == 0)
        snprintf(err, IPCB_ERR_MAX, "no driver connected within %d ms", l->conn.timeout_ms);
    if (w <= 0)
        return -1;
    l->conn.fd = accept4(l->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (l->conn.fd < 0) {
        snprintf(err, IPCB_ERR_MAX, "accept: %s", strerror(errno));
        return -1;
    }
    if (ipcb_sock_use_kernel_timeouts(&l->conn, err) != 0)
        return -1;
    close(l->listen_fd);
    l->listen_fd = -1;
    unlink(l->path);
    return 0;
}

static int unix_connect(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra,
                        const ipcb_opts *o, const char *addr, char *err)
{
    (void)t;
    (void)infra;
    struct sockaddr_un sa;
    ipcb_link *l = link_new(o, err);
    if (!l)
        return -1;
    if (make_addr(&sa, addr, err) != 0)
        goto fail;
    l->conn.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l->conn.fd < 0 || connect(l->conn.fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        snprintf(err, IPCB_ERR_MAX, "connect %s: %s", addr, strerror(errno));
        goto fail;
    }
    if (ipcb_sock_use_kernel_timeouts(&l->conn, err) != 0)
        goto fail;
    *out = l;
    return 0;
fail:
    unix_close(l);
    return -1;
}

#ifndef IPCB_TEST_EXTRA_COPY
static int unix_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    return ipcb_fd_send_msg(&l->conn, f, err);
}
#else
/* Test only: a build with -DIPCB_TEST_EXTRA_COPY copies every message once
 * more before sending it, a real slowdown for scripts/gate-accuracy.sh to
 * check the A/B gate against (README, "The CI gate"). Never in a release. */
static int unix_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    if (f->len > l->scratch_cap) {
        uint8_t *bigger = realloc(l->scratch, f->len);
        if (!bigger) {
            snprintf(err, IPCB_ERR_MAX, "out of memory for the extra copy");
            return -1;
        }
        l->scratch = bigger;
        l->scratch_cap = f->len;
    }
    memcpy(l->scratch, f->data, f->len);
    ipcb_frame copy = { .data = l->scratch, .len = f->len };
    return ipcb_fd_send_msg(&l->conn, &copy, err);
}
#endif

static int unix_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    return ipcb_fd_recv_msg(&l->conn, f, timeout_ms, err);
}

const ipcb_transport ipcb_transport_unix = {
    .name = "unix",
    .summary = "Unix stream socket in a private directory (reference)",
    .caps = IPCB_CAP_FANOUT, /* one connection per subscriber */
    .max_frame = 0,
    .copies = 2,
    .listen = unix_listen,
    .accept = unix_accept,
    .connect = unix_connect,
    .send = unix_send,
    .recv = unix_recv,
    .close = unix_close,
};
