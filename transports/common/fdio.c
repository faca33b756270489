/* Length-prefixed message I/O over stream fds, shared by the unix, tcp and
 * pipe transports: partial reads and writes, EINTR, and a bound on every wait
 * (poll, or the kernel's socket timeouts). Reads go straight into the
 * caller's buffer (no staging copy). Ctrl-C ends any wait ("interrupted"). */
#include "fdio.h"

#include "clock.h"
#include "interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

int ipcb_fd_set_nonblocking(int fd, char *err)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        snprintf(err, IPCB_ERR_MAX, "fcntl(O_NONBLOCK): %s", strerror(errno));
        return -1;
    }
    return 0;
}

int ipcb_fd_wait(int fd, short events, int timeout_ms, char *err)
{
    struct pollfd p = { .fd = fd, .events = events };
    long long deadline = ipcb_now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - ipcb_now_ms();
        int n = ipcb_poll(&p, 1, left > 0 ? (int)left : 0);
        if (n > 0) {
            /* Readable data may still be pending beside a hang-up: let read see it. */
            if ((p.revents & POLLNVAL) || ((p.revents & POLLERR) && !(p.revents & events))) {
                snprintf(err, IPCB_ERR_MAX, "peer closed the connection (poll revents 0x%x)", p.revents);
                return -1;
            }
            return 1;
        }
        if (n == 0)
            return 0;
        if (errno != EINTR) {
            snprintf(err, IPCB_ERR_MAX, "poll: %s", strerror(errno));
            return -1;
        }
        if (ipcb_interrupted) {
            snprintf(err, IPCB_ERR_MAX, "%s", ipcb_interrupted_text);
            return -1;
        }
        /* another signal: wait on until the deadline */
    }
}

int ipcb_sock_use_kernel_timeouts(ipcb_fd *c, char *err)
{
    struct timeval tv = { c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000 };
    int flags = fcntl(c->fd, F_GETFL);
    if (flags < 0 || fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ||
        setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
        snprintf(err, IPCB_ERR_MAX, "socket timeouts: %s", strerror(errno));
        return -1;
    }
    c->kernel_timeouts = 1;
    return 0;
}

/* After EAGAIN: wait for events (poll mode) or report the kernel's timeout.
 * Returns 1 to retry, 0 on timeout, -1 on error. */
static int wait_again(const ipcb_fd *c, short events, char *err)
{
    if (c->kernel_timeouts)
        return 0;
    return ipcb_fd_wait(c->fd, events, c->timeout_ms, err);
}

/* After EINTR from a blocking call: Ctrl-C ends the call ("interrupted"),
 * any other signal is retried. */
static int interrupted(char *err)
{
    if (!ipcb_interrupted)
        return 0;
    snprintf(err, IPCB_ERR_MAX, "%s", ipcb_interrupted_text);
    return 1;
}

int ipcb_fd_send_msg(const ipcb_fd *c, const ipcb_frame *f, char *err)
{
    int fd = c->fd, timeout_ms = c->timeout_ms;
    uint64_t prefix = f->len;
    struct iovec iov[2] = {
        { .iov_base = &prefix, .iov_len = sizeof prefix },
        { .iov_base = f->data, .iov_len = f->len },
    };
    struct iovec *v = iov;
    int nv = 2;
    while (nv > 0) {
        ssize_t n = writev(fd, v, nv);
        if (n < 0) {
            if (errno == EINTR && !interrupted(err))
                continue;
            if (errno == EINTR)
                return -1;
            if (errno == EAGAIN) {
                int w = wait_again(c, POLLOUT, err);
                if (w == 0)
                    snprintf(err, IPCB_ERR_MAX, "peer did not read for %d ms", timeout_ms);
                if (w <= 0)
                    return -1;
                continue;
            }
            snprintf(err, IPCB_ERR_MAX, "write: %s%s", strerror(errno),
                     errno == EPIPE || errno == ECONNRESET ? " (peer gone)" : "");
            return -1;
        }
        while (nv > 0 && (size_t)n >= v->iov_len) {
            n -= (ssize_t)v->iov_len;
            v++;
            nv--;
        }
        if (nv > 0) {
            v->iov_base = (uint8_t *)v->iov_base + n;
            v->iov_len -= (size_t)n;
            if (interrupted(err)) /* a signal cuts a blocking write short rather than fail it */
                return -1;
        }
    }
    return 0;
}

/* Read exactly len bytes. started says whether part of the message has
 * already arrived (then a timeout is a stall, not "nothing yet"). */
static int read_exact(const ipcb_fd *c, uint8_t *to, size_t len, int started, char *err)
{
    int fd = c->fd;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, to + got, len - got);
        if (n > 0) {
            got += (size_t)n;
            started = 1;
            if (got < len && interrupted(err)) /* a signal cuts a blocking read short */
                return -1;
            continue;
        }
        if (n == 0) {
            snprintf(err, IPCB_ERR_MAX, started ? "peer closed the connection mid-message"
                                                : "peer closed the connection");
            return -1;
        }
        if (errno == EINTR && !interrupted(err))
            continue;
        if (errno == EINTR)
            return -1;
        if (errno != EAGAIN) {
            snprintf(err, IPCB_ERR_MAX, "read: %s", strerror(errno));
            return -1;
        }
        int w = wait_again(c, POLLIN, err);
        if (w < 0)
            return -1;
        if (w == 0) {
            if (!started)
                return 1;
            snprintf(err, IPCB_ERR_MAX, "peer stalled mid-message for %d ms", c->timeout_ms);
            return -1;
        }
    }
    return 0;
}

int ipcb_fd_recv_msg(const ipcb_fd *c, ipcb_frame *f, int timeout_ms, char *err)
{
    uint64_t prefix;
    /* The first wait is the caller's; with kernel timeouts a shorter one is a poll first. */
    ipcb_fd first = *c;
    first.timeout_ms = timeout_ms;
    if (c->kernel_timeouts && timeout_ms != c->timeout_ms) {
        int w = ipcb_fd_wait(c->fd, POLLIN, timeout_ms, err);
        if (w <= 0)
            return w == 0 ? 1 : -1;
    }
    int rc = read_exact(&first, (uint8_t *)&prefix, sizeof prefix, 0, err);
    if (rc != 0)
        return rc;
    if (prefix > f->cap) {
        snprintf(err, IPCB_ERR_MAX, "incoming message of %llu bytes exceeds the %zu-byte buffer",
                 (unsigned long long)prefix, f->cap);
        return -1;
    }
    if (read_exact(c, f->buf, (size_t)prefix, 1, err) != 0)
        return -1;
    f->data = f->buf;
    f->len = (size_t)prefix;
    f->loan = NULL;
    return 0;
}
