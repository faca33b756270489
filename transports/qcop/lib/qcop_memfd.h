/* Sealed memfds for QCOP's zero-copy mode: the sender puts data in a memfd and
 * seals it, the broker and the receiver check the seals and the size before
 * trusting it, and the receiver maps it read-only. */
#ifndef QCOP_MEMFD_H
#define QCOP_MEMFD_H

#include <stddef.h>

/* A new memfd holding a copy of data, sealed against writes, shrinking,
 * growing and further sealing. Returns the descriptor or -1 with err. */
int   qcop_memfd_make(const void *data, size_t len, char *err);
/* A reusable buffer for loans: a memfd of cap bytes, mapped read-write into
 * *map, sealed against shrinking, growing and any write but through that
 * mapping (F_SEAL_FUTURE_WRITE). Returns the descriptor or -1 with err. */
int   qcop_memfd_buffer(size_t cap, void **map, char *err);
/* 0 if fd is a memfd that cannot shrink, grow or be written by the receiver
 * (F_SEAL_WRITE or F_SEAL_FUTURE_WRITE) and holds at least len bytes. */
int   qcop_memfd_check(int fd, size_t len, char *err);
/* Maps len bytes of a checked memfd read-only (pages populated up front).
 * Returns the mapping or NULL with err; release it with munmap. */
void *qcop_memfd_map(int fd, size_t len, char *err);

struct msghdr;
/* The descriptors that came with a recvmsg (SCM_RIGHTS), in order: the first
 * max go into fds and their count is returned; any more are closed and
 * *overflow is set, as it is when the kernel truncated them (MSG_CTRUNC). */
size_t qcop_take_rights(struct msghdr *mh, int *fds, size_t max, int *overflow);

#endif
