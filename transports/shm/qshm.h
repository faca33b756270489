/* qshm: QSharedMemory's semantics in C (key -> native key, create/attach/detach,
 * a cross-process lock, Qt-like error codes and messages) over System V or
 * POSIX shared memory, plus the clean-up Qt lacks on Linux (forget, reap). */
#ifndef IPCB_QSHM_H
#define IPCB_QSHM_H

#include <stddef.h>

/* Mirrors QSharedMemory::SharedMemoryError. */
enum qshm_error {
    QSHM_NO_ERROR,
    QSHM_PERMISSION_DENIED,
    QSHM_INVALID_SIZE,
    QSHM_KEY_ERROR,
    QSHM_ALREADY_EXISTS,
    QSHM_NOT_FOUND,
    QSHM_LOCK_ERROR,
    QSHM_OUT_OF_RESOURCES,
    QSHM_UNKNOWN_ERROR,
};

enum qshm_backend {
    QSHM_SYSV,  /* shmget/shmat on ftok(key file, 'Q') */
    QSHM_POSIX, /* shm_open/mmap on "<prefix><native key>" */
};

enum {
    QSHM_MAX_SIGNALS = 32, /* extra counting semaphores in the lock's set */
    QSHM_NAME_MAX = 256,
};

typedef struct qshm qshm;

/* A handle for key (any text; "" is accepted here and fails with KeyError on
 * use, as in Qt). keydir holds the System V key files (NULL = /tmp). NULL only
 * when out of memory. */
qshm *qshm_new(const char *key, const char *keydir, enum qshm_backend backend);
/* POSIX backend: the segment is "<prefix><native key>"; prefix must start with
 * '/' (default "/"). Put a run id in it so qshm_reap_keydir can find leftovers.
 * Call before create/attach. Returns 0, or -1 (KeyError) if it is not usable. */
int   qshm_set_posix_prefix(qshm *q, const char *prefix);
/* Extra counting semaphores created with the lock, numbered 1..n (0 is the
 * lock), with the given initial values. Call before create. Returns 0 or -1. */
int   qshm_set_signals(qshm *q, int n, const unsigned short *initial);

/* Create the segment (size bytes, zero-filled, mode 0600) and its lock, and
 * attach to it. Never reuses: an existing one is AlreadyExists. Returns 0 or -1. */
int   qshm_create(qshm *q, size_t size);
/* Attach to an existing segment and its lock (NotFound if there is none). */
int   qshm_attach(qshm *q);
/* Unmap. The last process to detach (dead ones do not count) removes the
 * segment (as Qt does), and also its lock and key file (Qt leaves those). */
int   qshm_detach(qshm *q);
/* Remove the segment's name now: it stays mapped where it is attached and
 * disappears with the last detach, so later crashes leave nothing behind. */
int   qshm_forget(qshm *q);
/* Remove the lock's semaphore set now (others' lock and signal calls then fail
 * with LockError). Removes the key file too once the segment's name is gone.
 * Safe if already removed. */
int   qshm_destroy_lock(qshm *q);
/* Unlocks and detaches if needed, frees the handle. Does not remove the lock. */
void  qshm_free(qshm *q);

/* Take the lock, waiting at most timeout_ms (< 0: no bound). Returns 0, 1 on
 * timeout (error LockError, "timed out"), -1 on other errors. If the holder
 * dies, the kernel releases the lock (SEM_UNDO). */
int   qshm_lock(qshm *q, int timeout_ms);
int   qshm_unlock(qshm *q);

/* Signals (semaphores 1..n): wait takes one (0, 1 on timeout, -1 on error),
 * post gives one. These do not use SEM_UNDO: one process posts, another takes. */
int   qshm_signal_wait(qshm *q, int sem, int timeout_ms);
int   qshm_signal_post(qshm *q, int sem);

void       *qshm_data(const qshm *q);      /* NULL when not attached */
size_t      qshm_size(const qshm *q);      /* 0 when not attached */
int         qshm_is_attached(const qshm *q);
const char *qshm_native_key(const qshm *q); /* "qipc_sharedmemory_<alnum><hash>" */
enum qshm_error qshm_error(const qshm *q);
const char *qshm_error_string(const qshm *q);

/* Remove what crashed users of keydir left: for every key file
 * "qipc_sharedmemory_*" there, its System V segment (when nobody is attached)
 * and its semaphore set, then the key file; and every POSIX segment whose name
 * starts with posix_prefix (e.g. "/ipcbench-<run id>-"; NULL or "/" = none).
 * Never blocks. Returns how many objects it removed. */
int   qshm_reap_keydir(const char *keydir, const char *posix_prefix);
/* The same, attached or not: for the owner of keydir that is about to exit
 * with its attachments (a segment in use goes when its last user detaches). */
int   qshm_reap_keydir_attached(const char *keydir, const char *posix_prefix);

#endif
