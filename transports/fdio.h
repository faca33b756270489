/* Length-prefixed messages over a non-blocking stream fd (socket, pipe, FIFO):
 * the framing and the bounded waits that the fd-based transports share. The
 * prefix is a native-endian u64 (both ends are on this host). */
#ifndef IPCB_FDIO_H
#define IPCB_FDIO_H

#include "transport.h"

/* Write the prefix and the message; every wait for the fd to drain is bounded
 * by timeout_ms. Returns 0 or -1 with err. */
int  ipcb_fd_send_msg(int fd, const ipcb_frame *f, int timeout_ms, char *err);
/* Read one message into f->buf (cap f->cap). Returns 0, 1 if nothing arrived
 * within timeout_ms, or -1 with err (EOF, error, message larger than cap, or a
 * stall of more than timeout_ms in the middle of a message). */
int  ipcb_fd_recv_msg(int fd, ipcb_frame *f, int timeout_ms, char *err);
/* Wait until fd is readable (events POLLIN) or writable (POLLOUT).
 * Returns 1 ready, 0 timeout, -1 error. */
int  ipcb_fd_wait(int fd, short events, int timeout_ms, char *err);
int  ipcb_fd_set_nonblocking(int fd, char *err);

#endif
