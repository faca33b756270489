/* Raising the open-file limit before a run: the soft limit goes up to the
 * hard one, and a hard limit below what a run needs is refused up front,
 * with the number, instead of failing halfway through a benchmark. */
#include "fdlimit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

int ipcb_fd_limit_raise(unsigned long need, char *err, size_t errlen)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        snprintf(err, errlen, "cannot read the open-file limit: %s", strerror(errno));
        return -1;
    }
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim); /* on failure the checks below use what is left */
        getrlimit(RLIMIT_NOFILE, &lim);
    }
    if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < need) {
        snprintf(err, errlen, "the open-file limit is %lu (ulimit -n) and cannot be raised; a "
                              "run needs at least %lu", (unsigned long)lim.rlim_cur, need);
        return -1;
    }
    return 0;
}
