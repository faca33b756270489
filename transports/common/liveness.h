/* Is the other side's process still there? For transports whose waits are
 * not ended by the kernel when the partner dies (shared memory), checked
 * between bounded wait slices so a dead partner is reported at once. */
#ifndef IPCB_LIVENESS_H
#define IPCB_LIVENESS_H

#include <sys/types.h>

/* 1 unless pid no longer exists or is a zombie (the driver is the peer's
 * parent, so a dead peer stays a zombie until the harness reaps it, and
 * kill(pid, 0) alone would call it alive). pid <= 0 (unknown) counts as alive. */
int ipcb_process_alive(pid_t pid);

#endif
