/* Error formatting and atomic file writes for the harness's writers (CSV,
 * report, histograms): PATH.tmp is written and flushed, then renamed. */
#include "textfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ipcb_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

int ipcb_write_atomically(const char *path, int (*write)(FILE *f, void *arg), void *arg,
                          char *err, size_t errlen)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        ipcb_set_err(err, errlen, "%s: path too long", path);
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        ipcb_set_err(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    errno = 0;
    int rc = write(f, arg);
    int saved = errno ? errno : EIO;
    int failed = rc != 0 || ferror(f);
    if (fclose(f) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        ipcb_set_err(err, errlen, "cannot write %s: %s", tmp, strerror(saved));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        ipcb_set_err(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
