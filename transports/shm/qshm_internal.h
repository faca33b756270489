/* Private to qshm: the handle, the names of its System V objects, and the
 * small table a segment backend fills (as Redis's ae.c with
 * ae_epoll.c/ae_kqueue.c): qshm.c keeps the semantics, each backend
 * (qshm_sysv.c, qshm_posix.c) only makes, maps and removes its segments, and
 * all of them set errors through qshm_error.c. */
#ifndef IPCB_QSHM_INTERNAL_H
#define IPCB_QSHM_INTERNAL_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "qshm.h"

#define QSHM_NATIVE_PREFIX "qipc_sharedmemory_"
#define QSHM_SHM_DIR "/dev/shm"

enum {
    QSHM_PROJ_SEGMENT = 'Q',    /* ftok id of the System V segment */
    QSHM_PROJ_SEMAPHORES = 'S', /* ftok id of the semaphore set */
};

struct qshm {
    char *key;
    char keydir[PATH_MAX];
    char keyfile[PATH_MAX];
    char native[QSHM_NAME_MAX];
    char posix_prefix[QSHM_NAME_MAX];
    char posix_name[QSHM_NAME_MAX + QSHM_NAME_MAX];
    enum qshm_backend backend;
    const struct qshm_backend_ops *ops; /* the backend's table */
    int nsignals;
    unsigned short initial[QSHM_MAX_SIGNALS];

    int shmid;           /* System V segment, -1 when none */
    int semid;           /* lock's set, -1 when unknown */
    int nsems;           /* 1 + signals + 1 */
    void *data;
    size_t size;
    int locked;          /* this handle holds the lock */
    int name_removed;    /* this handle removed the segment's name */
    int lock_removed;    /* this handle removed the semaphore set: never look it up again by key */

    enum qshm_error error;
    char error_string[256];
};

/* semun is the caller's to define (see semctl(2)). */
union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

/* A segment backend. Each sets q's error when it fails. */
typedef struct qshm_backend_ops {
    /* Optional: refuse size before anything is made (e.g. no room). 0 or -1. */
    int  (*precheck)(qshm *q, size_t size);
    /* Make a new segment of size bytes (zero-filled, 0600, never reusing one)
     * and map it into q->data/q->size. 0 or -1 (nothing left behind). */
    int  (*create)(qshm *q, size_t size);
    /* Map the existing segment. 0 or -1. */
    int  (*attach)(qshm *q);
    void (*unmap)(qshm *q);
    /* Remove the segment's name now; it lives on while mapped. 0 or -1. */
    int  (*forget)(qshm *q);
    /* The same, quietly (the last one out). */
    void (*remove_name)(qshm *q);
    /* Is the segment's name still there? */
    int  (*named)(const qshm *q);
    /* Does the kernel count nobody attached (or is the segment gone)? */
    int  (*unused)(const qshm *q);
} qshm_backend_ops;

/* qshm_sysv.c, qshm_posix.c */
extern const qshm_backend_ops qshm_sysv_ops;
extern const qshm_backend_ops qshm_posix_ops;

/* qshm_error.c */
void qshm_set_error(qshm *q, enum qshm_error e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Qt's QSharedMemoryPrivate::setErrorString: errno -> code + "<where>: <why>". */
void qshm_set_errno_error(qshm *q, const char *where, int err);
/* ftok on the key file; sets the error (the file missing is NotFound). */
int  qshm_key_of(qshm *q, const char *where, int proj, key_t *out);
/* Did a System V call fail because the object is gone? */
int  qshm_gone(int err);

#endif
