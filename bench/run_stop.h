/* How `ipcbench run` stops on Ctrl-C or SIGTERM. The first signal raises the
 * interrupt (interrupt.h): every wait ends, the running benchmark fails
 * "interrupted", the rest are skipped, and what ran is saved. The second one
 * stops at once: a watcher thread runs the given function, whatever the main
 * thread is doing (stuck in a wait or a slow shutdown). */
#ifndef RUN_STOP_H
#define RUN_STOP_H

#include <stddef.h>

/* Runs on the watcher thread after the second signal; must end the process. */
typedef void (*run_stop_at_once_fn)(int sig, void *arg);

/* Install the handlers of SIGINT and SIGTERM (without SA_RESTART, so a
 * signal ends a blocking call with EINTR) and start the watcher thread.
 * Returns 0, or -1 with err. */
int run_stop_install(run_stop_at_once_fn at_once, void *arg, char *err, size_t len);
/* The first signal received (SIGINT or SIGTERM), or 0. */
int run_stop_signal(void);

#endif
