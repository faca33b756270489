/* qshm's errors, at the bottom of its files: Qt's error codes and messages
 * (QSharedMemory::SharedMemoryError, "<where>: <why>"), and ftok on the key
 * file with the error set, for qshm.c and both segment backends. */
#include "qshm_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>

void qshm_set_error(qshm *q, enum qshm_error e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->error_string, sizeof q->error_string, fmt, ap);
    va_end(ap);
    q->error = e;
}

void qshm_set_errno_error(qshm *q, const char *where, int err)
{
    switch (err) {
    case EACCES:
    case EPERM:
        qshm_set_error(q, QSHM_PERMISSION_DENIED, "%s: permission denied", where);
        break;
    case EEXIST:
        qshm_set_error(q, QSHM_ALREADY_EXISTS, "%s: already exists", where);
        break;
    case ENOENT:
        qshm_set_error(q, QSHM_NOT_FOUND, "%s: doesn't exist", where);
        break;
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case ENOSPC:
        qshm_set_error(q, QSHM_OUT_OF_RESOURCES, "%s: out of resources", where);
        break;
    default:
        qshm_set_error(q, QSHM_UNKNOWN_ERROR, "%s: unknown error %d (%s)", where, err, strerror(err));
        break;
    }
}

int qshm_key_of(qshm *q, const char *where, int proj, key_t *out)
{
    *out = ftok(q->keyfile, proj);
    if (*out == (key_t)-1) {
        char what[80];
        snprintf(what, sizeof what, "%s (ftok)", where);
        qshm_set_errno_error(q, what, errno);
        return -1;
    }
    return 0;
}

int qshm_gone(int err)
{
    return err == EIDRM || err == EINVAL;
}
