/* Sealed memfds and descriptor passing, for the zero-copy transports (dbus-fd,
 * the QCOP bus): a sender puts data in a memfd and seals it, a receiver checks
 * the seals and the size before it maps the memfd read-only, and the
 * descriptor travels with SCM_RIGHTS. Needs only libc (no transport contract),
 * so the QCOP library and broker use it too. Errors: a one-line reason in err
 * (errlen bytes). */
#ifndef IPCB_MEMFD_H
#define IPCB_MEMFD_H

#include <stddef.h>
#include <sys/types.h>

struct iovec;
struct msghdr;

/* Writes all len bytes to fd (a file, not a socket: no timeouts), through
 * short writes and EINTR. Returns 0, or -1 with errno (EIO: no progress). */
int   ipcb_write_all(int fd, const void *data, size_t len);

/* A new memfd called name holding a copy of data, sealed against writes,
 * shrinking, growing and further sealing: a receiver can trust what it maps.
 * Returns the descriptor or -1 with err. */
int   ipcb_memfd_sealed(const char *name, const void *data, size_t len, char *err, size_t errlen);
/* A reusable buffer for loans: a memfd of cap bytes, mapped read-write into
 * *map, sealed against shrinking, growing and any write but through that
 * mapping (F_SEAL_FUTURE_WRITE). Returns the descriptor or -1 with err. */
int   ipcb_memfd_buffer(const char *name, size_t cap, void **map, char *err, size_t errlen);
/* 0 if fd is a memfd that cannot shrink, grow or be written by the receiver
 * (F_SEAL_WRITE or F_SEAL_FUTURE_WRITE) and holds at least len bytes. */
int   ipcb_memfd_check(int fd, size_t len, char *err, size_t errlen);
/* Maps len bytes of a checked memfd read-only (pages populated up front).
 * Returns the mapping or NULL with err; release it with munmap. */
void *ipcb_memfd_map(int fd, size_t len, char *err, size_t errlen);

/* sendmsg(sock, iov, flags) with descriptor fd riding on the first byte
 * (SCM_RIGHTS); fd < 0 sends none. Returns what sendmsg returns. */
ssize_t ipcb_send_fd(int sock, struct iovec *iov, int niov, int fd, int flags);
/* The descriptors that came with a recvmsg (SCM_RIGHTS), in order: the first
 * max go into fds and their count is returned; any more are closed and
 * *overflow is set, as it is when the kernel truncated them (MSG_CTRUNC). */
size_t ipcb_take_fds(struct msghdr *mh, int *fds, size_t max, int *overflow);

#endif
