/* Length-prefixed messages over a non-blocking stream fd (socket, pipe, FIFO):
 * the framing and the bounded waits that the fd-based transports share. The
 * prefix is a native-endian u64 (both ends are on this host). */
#ifndef IPCB_FDIO_H
#define IPCB_FDIO_H

#include "transport.h"

/* One end of a stream and how its waits are bounded: by poll() on a
 * non-blocking fd (any fd), or, for sockets, by the kernel (a blocking socket
 * whose SO_RCVTIMEO/SO_SNDTIMEO are timeout_ms), which saves the poll and the
 * failed read on every late message: one system call instead of three. */
typedef struct ipcb_fd {
    int fd;
    int timeout_ms;       /* bound of every wait */
    int kernel_timeouts;  /* set by ipcb_sock_use_kernel_timeouts */
} ipcb_fd;

/* Make c->fd a blocking socket with SO_RCVTIMEO/SO_SNDTIMEO = c->timeout_ms. */
int  ipcb_sock_use_kernel_timeouts(ipcb_fd *c, char *err);
/* Write the prefix and the message; every wait for the fd to drain is bounded
 * by c->timeout_ms. Returns 0 or -1 with err. */
int  ipcb_fd_send_msg(const ipcb_fd *c, const ipcb_frame *f, char *err);
/* Read one message into f->buf (cap f->cap). Returns 0, 1 if nothing arrived
 * within timeout_ms, or -1 with err (EOF, error, message larger than cap, or a
 * stall of more than c->timeout_ms in the middle of a message). */
int  ipcb_fd_recv_msg(const ipcb_fd *c, ipcb_frame *f, int timeout_ms, char *err);
/* Wait until fd is readable (events POLLIN) or writable (POLLOUT).
 * Returns 1 ready, 0 timeout, -1 error (err "interrupted" after Ctrl-C). */
int  ipcb_fd_wait(int fd, short events, int timeout_ms, char *err);
int  ipcb_fd_set_nonblocking(int fd, char *err);

#endif
