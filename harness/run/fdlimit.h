/* The open-file limit a run needs: peers, brokers, bus daemons, HTTP
 * connections and Google Benchmark's own reads all take descriptors, and
 * running out halfway fails in confusing places (fdlimit.c). */
#ifndef IPCB_FDLIMIT_H
#define IPCB_FDLIMIT_H

#include <stddef.h>

/* The fewest descriptors a run starts with. */
enum { IPCB_FD_MIN = 64 };

/* Raises the soft RLIMIT_NOFILE to the hard limit (children inherit it).
 * Returns 0, or -1 with err if even the hard limit is below need. */
int ipcb_fd_limit_raise(unsigned long need, char *err, size_t errlen);

#endif
