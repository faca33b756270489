/* The processes a run starts (peers, bus daemons, brokers): each in a process
 * group of its own, so a terminal's Ctrl-C reaches only ipcbench, which stops
 * them in order; and listed, so that a second Ctrl-C can kill them all at once. */
#ifndef IPCB_CHILDREN_H
#define IPCB_CHILDREN_H

#include <sys/types.h>

/* In the child, between fork and exec: a process group of its own. */
void ipcb_child_own_group(void);
/* In the parent, after fork: the same from this side (whichever runs first),
 * and remember the child. */
void ipcb_child_started(pid_t pid);
/* A child that is not a group leader (started by a library): only remembered. */
void ipcb_child_adopted(pid_t pid);
/* Once the child is reaped: forget it (its pid may be reused). */
void ipcb_child_reaped(pid_t pid);
/* SIGKILL every remembered child and its process group. Async-signal-safe;
 * safe from any thread. */
void ipcb_children_kill_all(void);
/* Wait until every remembered child has exited (a zombie counts), at most
 * timeout_ms. Returns how many are still running. */
int  ipcb_children_wait_gone(int timeout_ms);

#endif
