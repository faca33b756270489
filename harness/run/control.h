/* The control channel between the driver and its peer process: a SOCK_SEQPACKET
 * socketpair made before the peer is spawned, separate from the data transport.
 * It carries set-up (the peer's address), the peer's final report and errors. */
#ifndef IPCB_CONTROL_H
#define IPCB_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "usage.h"

enum ipcb_ctl_type {
    IPCB_CTL_READY = 1, /* text: the address the driver connects to */
    IPCB_CTL_DONE  = 2, /* the peer's counts and CPU time for the measured frames */
    IPCB_CTL_ERROR = 3, /* text: why the peer failed */
};

typedef struct ipcb_ctl_msg {
    uint32_t type;
    uint32_t status;        /* IPCB_STATUS_* of the last frame (DONE) */
    uint64_t frames;        /* measured frames received */
    uint64_t bytes;         /* measured payload bytes received */
    uint64_t dropped;       /* sequence numbers skipped (paced mode) */
    ipcb_usage usage;       /* the peer's CPU time, page faults and context switches
                             * while measuring */
    char     text[512];
} ipcb_ctl_msg;

int ipcb_ctl_send(int fd, const ipcb_ctl_msg *m, char *err, size_t errlen);
/* Returns 0, 1 on timeout, or -1 with err (including "peer exited" on EOF). */
int ipcb_ctl_recv(int fd, ipcb_ctl_msg *m, int timeout_ms, char *err, size_t errlen);
/* Shorthands used by the peer. */
int ipcb_ctl_send_text(int fd, uint32_t type, const char *text);

#endif
