/* qshm: QSharedMemory's semantics in C, for the "shm" transport. A key maps to
 * a native key the way Qt maps it; the segment comes from a backend (System V,
 * qshm_sysv.c, or POSIX, qshm_posix.c); the lock (and any extra signals) is one
 * System V semaphore set, here; and the clean-up after crashes (reaping). */

/* Where this does better than Qt on Linux:
 * - Qt's POSIX backend never unlinks a segment (its attach count is st_nlink-2,
 *   which is -1 on tmpfs), and after a crash both backends leave the segment,
 *   the semaphore and the key file behind. Here the last process out removes
 *   the segment for both backends (System V: shm_nattch; POSIX: a counting
 *   semaphore taken with SEM_UNDO, so a dead process stops counting), and
 *   qshm_forget() removes the name as soon as every user has attached: the
 *   memory then lives exactly as long as the mappings, crash or not.
 * - The lock is a semaphore taken with SEM_UNDO: a holder that dies releases it.
 * - qshm_reap_keydir() removes whatever a crash still left, found by key
 *   directory (System V) and by name prefix (POSIX), so each run can be
 *   cleaned up without touching anybody else's objects.
 * - Create never reuses an existing segment (IPC_EXCL / O_EXCL): a stale or
 *   foreign one is AlreadyExists, never silently shared.
 */
#include "qshm_internal.h"

#include "clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

enum {
    SEM_LOCK = 0,         /* then signals 1..n, then the attach count */
    KEY_ALNUM_MAX = 128,  /* longer keys keep their first 128 alphanumerics (the hash keeps them apart) */
};

/* ---- errors ------------------------------------------------------------- */

static void clear_error(qshm *q)
{
    q->error = QSHM_NO_ERROR;
    q->error_string[0] = '\0';
}

enum qshm_error qshm_error(const qshm *q)
{
    return q->error;
}

const char *qshm_error_string(const qshm *q)
{
    return q->error_string;
}

/* ---- keys --------------------------------------------------------------- */

/* Qt: "qipc_sharedmemory_" + the key's letters + hex SHA-1 of the key. Here
 * the hash is XXH3-64 (libxxhash, already linked for frame checksums): it only
 * has to keep keys with the same letters apart, not resist an attacker. */
static void make_native_key(char *out, size_t len, const char *key)
{
    char alnum[KEY_ALNUM_MAX + 1];
    size_t n = 0;
    for (const char *p = key; *p && n < KEY_ALNUM_MAX; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
            alnum[n++] = *p;
    alnum[n] = '\0';
    unsigned long long h = (unsigned long long)XXH3_64bits(key, strlen(key));
    snprintf(out, len, QSHM_NATIVE_PREFIX "%s%016llx", alnum, h);
}

static void update_posix_name(qshm *q)
{
    snprintf(q->posix_name, sizeof q->posix_name, "%s%s", q->posix_prefix, q->native);
}

qshm *qshm_new(const char *key, const char *keydir, enum qshm_backend backend)
{
    qshm *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->key = strdup(key ? key : "");
    if (!q->key) {
        free(q);
        return NULL;
    }
    snprintf(q->keydir, sizeof q->keydir, "%s", keydir ? keydir : "/tmp");
    make_native_key(q->native, sizeof q->native, q->key);
    snprintf(q->keyfile, sizeof q->keyfile, "%s/%s", q->keydir, q->native);
    snprintf(q->posix_prefix, sizeof q->posix_prefix, "/");
    update_posix_name(q);
    q->backend = backend;
    q->ops = backend == QSHM_SYSV ? &qshm_sysv_ops : &qshm_posix_ops;
    q->shmid = -1;
    q->semid = -1;
    return q;
}

int qshm_set_posix_prefix(qshm *q, const char *prefix)
{
    if (!prefix || prefix[0] != '/' || strchr(prefix + 1, '/') ||
        strlen(prefix) + strlen(q->native) > NAME_MAX) {
        qshm_set_error(q, QSHM_KEY_ERROR, "qshm_set_posix_prefix: '%s' is not a usable name prefix",
                  prefix ? prefix : "(null)");
        return -1;
    }
    snprintf(q->posix_prefix, sizeof q->posix_prefix, "%s", prefix);
    update_posix_name(q);
    return 0;
}

int qshm_set_signals(qshm *q, int n, const unsigned short *initial)
{
    if (n < 0 || n > QSHM_MAX_SIGNALS) {
        qshm_set_error(q, QSHM_UNKNOWN_ERROR, "qshm_set_signals: %d signals (at most %d)", n,
                  QSHM_MAX_SIGNALS);
        return -1;
    }
    q->nsignals = n;
    for (int i = 0; i < n; i++)
        q->initial[i] = initial ? initial[i] : 0;
    return 0;
}

void *qshm_data(const qshm *q)
{
    return q->data;
}

size_t qshm_size(const qshm *q)
{
    return q->data ? q->size : 0;
}

int qshm_is_attached(const qshm *q)
{
    return q->data != NULL;
}

const char *qshm_native_key(const qshm *q)
{
    return q->native;
}

/* Qt creates the key file 0600 if missing and keeps an existing one (its
 * owner may be attached: only a file made here is removed on failure). */
static int make_key_file(qshm *q, int *made)
{
    int fd = open(q->keyfile, O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    *made = fd >= 0;
    if (fd < 0 && errno == EEXIST)
        fd = open(q->keyfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        qshm_set_errno_error(q, "qshm_create (key file)", errno);
        return -1;
    }
    close(fd);
    return 0;
}

/* ---- the semaphore set -------------------------------------------------- */

/* One semaphore operation, waiting at most timeout_ms (< 0: no bound).
 * Returns 0, 1 on timeout, -1 with errno. */
static int sem_do(int semid, int sem, int delta, int flags, int timeout_ms)
{
    struct sembuf op = { .sem_num = (unsigned short)sem, .sem_op = (short)delta,
                         .sem_flg = (short)flags };
    int64_t deadline = ipcb_now_ms() + timeout_ms;
    for (;;) {
        int rc;
        if (timeout_ms < 0) {
            rc = semop(semid, &op, 1);
        } else {
            int64_t left = deadline - ipcb_now_ms();
            if (left < 0)
                left = 0;
            struct timespec ts = { (time_t)(left / 1000), (long)(left % 1000) * 1000000 };
            rc = semtimedop(semid, &op, 1, &ts);
        }
        if (rc == 0)
            return 0;
        if (errno == EAGAIN)
            return 1;
        if (errno != EINTR)
            return -1;
    }
}

static int attach_count_sem(const qshm *q)
{
    return q->nsems - 1;
}

/* The set: the lock (1), the signals, the attach count (0). IPC_EXCL: a set
 * left by someone else is AlreadyExists, never reused. */
static int create_semaphores(qshm *q)
{
    key_t key;
    if (qshm_key_of(q, "qshm_create", QSHM_PROJ_SEMAPHORES, &key) != 0)
        return -1;
    q->nsems = q->nsignals + 2;
    q->semid = semget(key, q->nsems, IPC_CREAT | IPC_EXCL | 0600);
    if (q->semid < 0) {
        qshm_set_errno_error(q, "qshm_create", errno);
        return -1;
    }
    unsigned short values[QSHM_MAX_SIGNALS + 2] = { 1 };
    for (int i = 0; i < q->nsignals; i++)
        values[1 + i] = q->initial[i];
    union semun arg = { .array = values };
    if (semctl(q->semid, 0, SETALL, arg) != 0) {
        qshm_set_errno_error(q, "qshm_create (semctl)", errno);
        semctl(q->semid, 0, IPC_RMID);
        q->semid = -1;
        return -1;
    }
    return 0;
}

static int open_semaphores(qshm *q)
{
    key_t key;
    if (qshm_key_of(q, "qshm_attach", QSHM_PROJ_SEMAPHORES, &key) != 0)
        return -1;
    int id = semget(key, 0, 0600);
    struct semid_ds ds;
    union semun arg = { .buf = &ds };
    if (id < 0 || semctl(id, 0, IPC_STAT, arg) != 0) {
        qshm_set_errno_error(q, "qshm_attach (semget)", errno);
        return -1;
    }
    if (ds.sem_nsems < 2) {
        qshm_set_error(q, QSHM_KEY_ERROR, "qshm_attach: the lock has %lu semaphores, not a qshm lock",
                  (unsigned long)ds.sem_nsems);
        return -1;
    }
    q->semid = id;
    q->nsems = (int)ds.sem_nsems;
    q->nsignals = q->nsems - 2;
    return 0;
}

/* ---- create / attach / detach ------------------------------------------------ */

static int check_key(qshm *q, const char *where)
{
    if (q->key[0] == '\0') {
        qshm_set_error(q, QSHM_KEY_ERROR, "%s: key is empty", where);
        return -1;
    }
    if (q->data) {
        qshm_set_error(q, QSHM_ALREADY_EXISTS, "%s: already attached", where);
        return -1;
    }
    return 0;
}

static void unmap(qshm *q)
{
    if (!q->data)
        return;
    q->ops->unmap(q);
    q->data = NULL;
    q->size = 0;
}

/* Count this process as attached; SEM_UNDO uncounts it if it dies. */
static int count_attach(qshm *q, const char *where)
{
    if (sem_do(q->semid, attach_count_sem(q), +1, SEM_UNDO, 0) != 0) {
        char what[80];
        snprintf(what, sizeof what, "%s (semop)", where);
        qshm_set_errno_error(q, what, errno);
        return -1;
    }
    return 0;
}

int qshm_create(qshm *q, size_t size)
{
    clear_error(q);
    if (check_key(q, "qshm_create") != 0)
        return -1;
    if (size == 0) {
        qshm_set_error(q, QSHM_INVALID_SIZE, "qshm_create: size is 0");
        return -1;
    }
    if (q->ops->precheck && q->ops->precheck(q, size) != 0)
        return -1;
    int made_file = 0;
    if (make_key_file(q, &made_file) != 0)
        return -1;
    int rc = create_semaphores(q);
    if (rc == 0)
        rc = q->ops->create(q, size);
    if (rc == 0 && count_attach(q, "qshm_create") != 0) {
        unmap(q);
        q->ops->remove_name(q);
        rc = -1;
    }
    if (rc != 0) {
        if (q->semid >= 0)
            semctl(q->semid, 0, IPC_RMID);
        if (made_file)
            unlink(q->keyfile);
        q->semid = -1;
        q->shmid = -1;
        return -1;
    }
    q->name_removed = 0;
    q->lock_removed = 0;
    return 0;
}

int qshm_attach(qshm *q)
{
    clear_error(q);
    if (check_key(q, "qshm_attach") != 0)
        return -1;
    if (q->ops->attach(q) != 0)
        return -1;
    if (open_semaphores(q) != 0 || count_attach(q, "qshm_attach") != 0) {
        unmap(q);
        q->shmid = -1;
        return -1;
    }
    q->name_removed = 0;
    q->lock_removed = 0;
    return 0;
}

/* After our own detach: was this the last user? The attach count (SEM_UNDO,
 * so dead users are not counted) answers for both backends; a set that is
 * already gone means its owner is done. */
static int last_out(qshm *q)
{
    union semun arg = { .val = 0 };
    int v = semctl(q->semid, attach_count_sem(q), GETVAL, arg);
    return v == 0 || (v < 0 && qshm_gone(errno));
}

/* The last one out removes the segment's name, the lock and the key file:
 * nothing is left for reap when every user detaches or dies. (Qt removes the
 * segment here but leaves its semaphore; removing the lock any earlier, e.g.
 * when the first side closes, would pull it from under the other side's last
 * lock/unlock.) */
int qshm_detach(qshm *q)
{
    clear_error(q);
    if (!q->data) {
        qshm_set_error(q, QSHM_NOT_FOUND, "qshm_detach: not attached");
        return -1;
    }
    if (q->locked)
        qshm_unlock(q);
    unmap(q);
    sem_do(q->semid, attach_count_sem(q), -1, SEM_UNDO | IPC_NOWAIT, 0);
    if (last_out(q) && q->ops->unused(q)) { /* System V also asks the kernel, as Qt does */
        if (!q->name_removed)
            q->ops->remove_name(q);
        q->name_removed = 1;
        qshm_destroy_lock(q);
    }
    q->shmid = -1;
    return 0;
}

int qshm_forget(qshm *q)
{
    clear_error(q);
    if (q->ops->forget(q) != 0)
        return -1;
    q->name_removed = 1;
    return 0;
}

static int segment_named(qshm *q)
{
    return !q->name_removed && q->ops->named(q);
}

int qshm_destroy_lock(qshm *q)
{
    clear_error(q);
    int id = q->semid;
    key_t key;
    if (id < 0 && !q->lock_removed && (key = ftok(q->keyfile, QSHM_PROJ_SEMAPHORES)) != (key_t)-1)
        id = semget(key, 0, 0);
    if (id >= 0 && semctl(id, 0, IPC_RMID) != 0 && !qshm_gone(errno)) {
        qshm_set_errno_error(q, "qshm_destroy_lock (semctl)", errno);
        return -1;
    }
    q->semid = -1;
    q->locked = 0;
    q->lock_removed = 1;
    if (!segment_named(q))
        unlink(q->keyfile);
    return 0;
}

void qshm_free(qshm *q)
{
    if (!q)
        return;
    if (q->data)
        qshm_detach(q);
    free(q->key);
    free(q);
}

/* ---- the lock and the signals ------------------------------------------------ */

static int sem_error(qshm *q, const char *where, int rc, int err)
{
    if (rc == 1)
        qshm_set_error(q, QSHM_LOCK_ERROR, "%s: timed out", where);
    else if (qshm_gone(err))
        qshm_set_error(q, QSHM_LOCK_ERROR, "%s: the semaphore set was removed", where);
    else
        qshm_set_error(q, QSHM_LOCK_ERROR, "%s: %s", where, strerror(err));
    return rc;
}

int qshm_lock(qshm *q, int timeout_ms)
{
    clear_error(q);
    if (q->locked)
        return 0; /* as Qt: locking twice is a no-op */
    if (q->semid < 0) {
        qshm_set_error(q, QSHM_LOCK_ERROR, "qshm_lock: not attached");
        return -1;
    }
    int rc = sem_do(q->semid, SEM_LOCK, -1, SEM_UNDO, timeout_ms);
    if (rc != 0)
        return sem_error(q, "qshm_lock", rc, errno);
    q->locked = 1;
    return 0;
}

int qshm_unlock(qshm *q)
{
    clear_error(q);
    if (!q->locked) {
        qshm_set_error(q, QSHM_LOCK_ERROR, "qshm_unlock: not locked");
        return -1;
    }
    q->locked = 0;
    if (sem_do(q->semid, SEM_LOCK, +1, SEM_UNDO, -1) != 0)
        return sem_error(q, "qshm_unlock", -1, errno);
    return 0;
}

static int check_signal(qshm *q, const char *where, int sem)
{
    if (q->semid < 0 || sem < 1 || sem > q->nsignals) {
        qshm_set_error(q, QSHM_LOCK_ERROR, "%s: no signal %d (have %d)", where, sem,
                  q->semid < 0 ? 0 : q->nsignals);
        return -1;
    }
    return 0;
}

int qshm_signal_wait(qshm *q, int sem, int timeout_ms)
{
    clear_error(q);
    if (check_signal(q, "qshm_signal_wait", sem) != 0)
        return -1;
    int rc = sem_do(q->semid, sem, -1, 0, timeout_ms);
    return rc == 0 ? 0 : sem_error(q, "qshm_signal_wait", rc, errno);
}

int qshm_signal_post(qshm *q, int sem)
{
    clear_error(q);
    if (check_signal(q, "qshm_signal_post", sem) != 0)
        return -1;
    if (sem_do(q->semid, sem, +1, 0, -1) != 0)
        return sem_error(q, "qshm_signal_post", -1, errno);
    return 0;
}

/* ---- reaping: what crashed users left ----------------------------------- */

/* The set's attach count, or 0 when there is no set. */
static int reap_attach_count(int semid)
{
    struct semid_ds ds;
    union semun arg = { .buf = &ds };
    if (semid < 0 || semctl(semid, 0, IPC_STAT, arg) != 0 || ds.sem_nsems < 2)
        return 0;
    union semun none = { .val = 0 };
    int v = semctl(semid, (int)ds.sem_nsems - 1, GETVAL, none);
    return v > 0 ? v : 0;
}

static int ours(uid_t cuid)
{
    return cuid == geteuid();
}

/* One key file: its segment and semaphore set, unless someone is still
 * attached (and even_attached is 0). */
static int reap_key_file(const char *path, int even_attached)
{
    key_t skey = ftok(path, QSHM_PROJ_SEGMENT), lkey = ftok(path, QSHM_PROJ_SEMAPHORES);
    if (skey == (key_t)-1 || lkey == (key_t)-1)
        return 0;
    int shmid = shmget(skey, 0, 0), semid = semget(lkey, 0, 0);
    struct shmid_ds sds;
    if (shmid >= 0 && (shmctl(shmid, IPC_STAT, &sds) != 0 || !ours(sds.shm_perm.cuid)))
        shmid = -1;
    if (!even_attached && ((shmid >= 0 && sds.shm_nattch > 0) || reap_attach_count(semid) > 0))
        return 0; /* in use by a live process */
    int removed = 0;
    if (shmid >= 0 && shmctl(shmid, IPC_RMID, NULL) == 0)
        removed++;
    struct semid_ds lds;
    union semun arg = { .buf = &lds };
    if (semid >= 0 && semctl(semid, 0, IPC_STAT, arg) == 0 && ours(lds.sem_perm.cuid) &&
        semctl(semid, 0, IPC_RMID) == 0)
        removed++;
    unlink(path);
    return removed;
}

static int reap_key_files(const char *keydir, int even_attached)
{
    DIR *d = keydir ? opendir(keydir) : NULL;
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, QSHM_NATIVE_PREFIX, strlen(QSHM_NATIVE_PREFIX)) != 0)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", keydir, e->d_name);
        removed += reap_key_file(path, even_attached);
    }
    closedir(d);
    return removed;
}

/* POSIX names are "/<name>" and live in /dev/shm as "<name>". */
static int reap_posix(const char *prefix)
{
    if (!prefix || prefix[0] != '/' || prefix[1] == '\0')
        return 0;
    DIR *d = opendir(QSHM_SHM_DIR);
    if (!d)
        return 0;
    int removed = 0;
    size_t n = strlen(prefix + 1);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char name[NAME_MAX + 2];
        if (strncmp(e->d_name, prefix + 1, n) != 0)
            continue;
        snprintf(name, sizeof name, "/%s", e->d_name);
        if (shm_unlink(name) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}

int qshm_reap_keydir(const char *keydir, const char *posix_prefix)
{
    return reap_key_files(keydir, 0) + reap_posix(posix_prefix);
}

int qshm_reap_keydir_attached(const char *keydir, const char *posix_prefix)
{
    return reap_key_files(keydir, 1) + reap_posix(posix_prefix);
}
