/* Ctrl-C and SIGTERM as every wait sees them: a flag that the CLI's signal
 * handler sets, and a wake-up pipe that ipcb_poll() watches beside the
 * caller's descriptors, so a signal landing just before a wait ends it too. */
#ifndef IPCB_INTERRUPT_H
#define IPCB_INTERRUPT_H

#include <poll.h>
#include <signal.h>

#ifdef __cplusplus
extern "C" { /* the Qt transports (C++) wait through these too */
#endif

/* Set by ipcb_interrupt_raise(), never cleared. Cheap enough to read once per
 * frame; nothing else on the timed path. */
extern volatile sig_atomic_t ipcb_interrupted;

/* A wait that cannot watch the wake-up pipe (a library's own loop, a
 * semaphore, a futex) sleeps at most this long before it looks at the flag;
 * after Ctrl-C a daemon or broker asked to exit gets the grace, then SIGKILL. */
enum { IPCB_INTERRUPT_SLICE_MS = 100, IPCB_INTERRUPT_GRACE_MS = 200 };

/* What a wait ended by the interrupt reports. */
extern const char ipcb_interrupted_text[]; /* "interrupted" */

/* Make the wake-up pipe (close-on-exec). Processes without one (peers, the
 * qcop tools) still see the flag and EINTR. Returns 0, or -1 with errno. */
int  ipcb_interrupt_init(void);
/* From a signal handler (async-signal-safe): set the flag, wake every ipcb_poll. */
void ipcb_interrupt_raise(void);
/* poll() that also ends once ipcb_interrupted is set, whether the signal hit
 * this wait, came just before it, or another thread's raise woke it: then -1
 * with errno EINTR. Like poll, any other caught signal ends it with EINTR too.
 * At most 8 descriptors. */
int  ipcb_poll(struct pollfd *fds, nfds_t n, int timeout_ms);
/* left_ms, but no more than IPCB_INTERRUPT_SLICE_MS (and not below 0). */
int  ipcb_interrupt_slice(long long left_ms);

#ifdef __cplusplus
}
#endif

#endif
