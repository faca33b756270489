/* qshm: QSharedMemory's semantics in C, for the "shm" transport. A key maps to
 * a native key the way Qt maps it; the segment is System V or POSIX; the lock
 * (and any extra signals) is one System V semaphore set. */

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
#include "qshm.h"

#include "clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#define NATIVE_PREFIX "qipc_sharedmemory_"
#define SHM_DIR "/dev/shm"

enum {
    PROJ_SEGMENT = 'Q',   /* ftok id of the System V segment */
    PROJ_SEMAPHORES = 'S', /* ftok id of the semaphore set */
    SEM_LOCK = 0,         /* then signals 1..n, then the attach count */
    KEY_ALNUM_MAX = 128,  /* longer keys keep their first 128 alphanumerics (the hash keeps them apart) */
};

struct qshm {
    char *key;
    char keydir[PATH_MAX];
    char keyfile[PATH_MAX];
    char native[QSHM_NAME_MAX];
    char posix_prefix[QSHM_NAME_MAX];
    char posix_name[QSHM_NAME_MAX + QSHM_NAME_MAX];
    enum qshm_backend backend;
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

/* ---- errors ------------------------------------------------------------- */

static void set_error(qshm *q, enum qshm_error e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->error_string, sizeof q->error_string, fmt, ap);
    va_end(ap);
    q->error = e;
}

static void clear_error(qshm *q)
{
    q->error = QSHM_NO_ERROR;
    q->error_string[0] = '\0';
}

/* Qt's QSharedMemoryPrivate::setErrorString: errno -> code + "<where>: <why>". */
static void set_errno_error(qshm *q, const char *where, int err)
{
    switch (err) {
    case EACCES:
    case EPERM:
        set_error(q, QSHM_PERMISSION_DENIED, "%s: permission denied", where);
        break;
    case EEXIST:
        set_error(q, QSHM_ALREADY_EXISTS, "%s: already exists", where);
        break;
    case ENOENT:
        set_error(q, QSHM_NOT_FOUND, "%s: doesn't exist", where);
        break;
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case ENOSPC:
        set_error(q, QSHM_OUT_OF_RESOURCES, "%s: out of resources", where);
        break;
    default:
        set_error(q, QSHM_UNKNOWN_ERROR, "%s: unknown error %d (%s)", where, err, strerror(err));
        break;
    }
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
    snprintf(out, len, NATIVE_PREFIX "%s%016llx", alnum, h);
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
    q->shmid = -1;
    q->semid = -1;
    return q;
}

int qshm_set_posix_prefix(qshm *q, const char *prefix)
{
    if (!prefix || prefix[0] != '/' || strchr(prefix + 1, '/') ||
        strlen(prefix) + strlen(q->native) > NAME_MAX) {
        set_error(q, QSHM_KEY_ERROR, "qshm_set_posix_prefix: '%s' is not a usable name prefix",
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
        set_error(q, QSHM_UNKNOWN_ERROR, "qshm_set_signals: %d signals (at most %d)", n,
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

/* ftok on the key file; sets the error (the file missing is NotFound). */
static int key_of(qshm *q, const char *where, int proj, key_t *out)
{
    *out = ftok(q->keyfile, proj);
    if (*out == (key_t)-1) {
        char what[80];
        snprintf(what, sizeof what, "%s (ftok)", where);
        set_errno_error(q, what, errno);
        return -1;
    }
    return 0;
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
        set_errno_error(q, "qshm_create (key file)", errno);
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
    if (key_of(q, "qshm_create", PROJ_SEMAPHORES, &key) != 0)
        return -1;
    q->nsems = q->nsignals + 2;
    q->semid = semget(key, q->nsems, IPC_CREAT | IPC_EXCL | 0600);
    if (q->semid < 0) {
        set_errno_error(q, "qshm_create", errno);
        return -1;
    }
    unsigned short values[QSHM_MAX_SIGNALS + 2] = { 1 };
    for (int i = 0; i < q->nsignals; i++)
        values[1 + i] = q->initial[i];
    union semun arg = { .array = values };
    if (semctl(q->semid, 0, SETALL, arg) != 0) {
        set_errno_error(q, "qshm_create (semctl)", errno);
        semctl(q->semid, 0, IPC_RMID);
        q->semid = -1;
        return -1;
    }
    return 0;
}

static int open_semaphores(qshm *q)
{
    key_t key;
    if (key_of(q, "qshm_attach", PROJ_SEMAPHORES, &key) != 0)
        return -1;
    int id = semget(key, 0, 0600);
    struct semid_ds ds;
    union semun arg = { .buf = &ds };
    if (id < 0 || semctl(id, 0, IPC_STAT, arg) != 0) {
        set_errno_error(q, "qshm_attach (semget)", errno);
        return -1;
    }
    if (ds.sem_nsems < 2) {
        set_error(q, QSHM_KEY_ERROR, "qshm_attach: the lock has %lu semaphores, not a qshm lock",
                  (unsigned long)ds.sem_nsems);
        return -1;
    }
    q->semid = id;
    q->nsems = (int)ds.sem_nsems;
    q->nsignals = q->nsems - 2;
    return 0;
}

static int gone(int err)
{
    return err == EIDRM || err == EINVAL;
}

/* ---- segments: System V --------------------------------------------------- */

static unsigned long long read_ull(const char *path)
{
    unsigned long long v = ULLONG_MAX;
    FILE *f = fopen(path, "re");
    if (f) {
        if (fscanf(f, "%llu", &v) != 1)
            v = ULLONG_MAX;
        fclose(f);
    }
    return v;
}

static int sysv_map(qshm *q, const char *where)
{
    struct shmid_ds ds;
    void *p = shmat(q->shmid, NULL, 0);
    if (p == (void *)-1 || shmctl(q->shmid, IPC_STAT, &ds) != 0) {
        char what[80];
        snprintf(what, sizeof what, "%s (shmat)", where);
        set_errno_error(q, what, errno);
        if (p != (void *)-1)
            shmdt(p);
        return -1;
    }
    q->data = p;
    q->size = ds.shm_segsz;
    return 0;
}

static int sysv_create(qshm *q, size_t size)
{
    unsigned long long shmmax = read_ull("/proc/sys/kernel/shmmax");
    if ((unsigned long long)size > shmmax) {
        set_error(q, QSHM_INVALID_SIZE, "qshm_create: size %zu exceeds kernel.shmmax (%llu)",
                  size, shmmax);
        return -1;
    }
    key_t key;
    if (key_of(q, "qshm_create", PROJ_SEGMENT, &key) != 0)
        return -1;
    q->shmid = shmget(key, size, IPC_CREAT | IPC_EXCL | 0600);
    if (q->shmid < 0) {
        if (errno == EINVAL)
            set_error(q, QSHM_INVALID_SIZE, "qshm_create: system-imposed size restrictions");
        else
            set_errno_error(q, "qshm_create", errno);
        return -1;
    }
    if (sysv_map(q, "qshm_create") != 0) {
        shmctl(q->shmid, IPC_RMID, NULL);
        q->shmid = -1;
        return -1;
    }
    return 0;
}

static int sysv_attach(qshm *q)
{
    key_t key;
    if (key_of(q, "qshm_attach", PROJ_SEGMENT, &key) != 0)
        return -1;
    q->shmid = shmget(key, 0, 0600); /* as Qt: ask for read-write, so a stranger gets EACCES here */
    if (q->shmid < 0) {
        set_errno_error(q, "qshm_attach (shmget)", errno);
        return -1;
    }
    if (sysv_map(q, "qshm_attach") != 0) {
        q->shmid = -1;
        return -1;
    }
    return 0;
}

/* Is the segment still named (not removed, not marked for destruction)?
 * Sets *nattch. */
static int sysv_named(int shmid, unsigned long *nattch)
{
    struct shmid_ds ds;
    if (shmid < 0 || shmctl(shmid, IPC_STAT, &ds) != 0)
        return 0;
    *nattch = ds.shm_nattch;
    return !(ds.shm_perm.mode & SHM_DEST);
}

/* ---- segments: POSIX -------------------------------------------------------- */

/* A clear OutOfResources before anything is made: /dev/shm is a size-limited tmpfs. */
static int posix_check_space(qshm *q, size_t size)
{
    struct statvfs vfs;
    if (statvfs(SHM_DIR, &vfs) != 0)
        return 0; /* posix_fallocate still catches it */
    unsigned long long avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
    if ((unsigned long long)size > avail) {
        set_error(q, QSHM_OUT_OF_RESOURCES,
                  "qshm_create: out of resources (%zu bytes requested, " SHM_DIR " has %llu free)",
                  size, avail);
        return -1;
    }
    return 0;
}

static int posix_map(qshm *q, int fd, size_t size, const char *where)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        char what[80];
        snprintf(what, sizeof what, "%s (mmap)", where);
        set_errno_error(q, what, errno);
        return -1;
    }
    q->data = p;
    q->size = size;
    return 0;
}

/* ftruncate, then allocate every page now: a segment too large for /dev/shm
 * fails here with ENOSPC instead of raising SIGBUS at the first write. */
static int posix_size(qshm *q, int fd, size_t size)
{
    if (ftruncate(fd, (off_t)size) != 0) {
        set_errno_error(q, "qshm_create (ftruncate)", errno);
        return -1;
    }
    int rc = posix_fallocate(fd, 0, (off_t)size);
    if (rc != 0) {
        set_errno_error(q, "qshm_create (posix_fallocate)", rc);
        return -1;
    }
    return 0;
}

static int posix_create(qshm *q, size_t size)
{
    int fd = shm_open(q->posix_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        set_errno_error(q, "qshm_create", errno);
        return -1;
    }
    int rc = posix_size(q, fd, size) == 0 ? posix_map(q, fd, size, "qshm_create") : -1;
    close(fd);
    if (rc != 0)
        shm_unlink(q->posix_name);
    return rc;
}

static int posix_attach(qshm *q)
{
    int fd = shm_open(q->posix_name, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) {
        set_errno_error(q, "qshm_attach (shm_open)", errno);
        return -1;
    }
    struct stat st;
    int rc = -1;
    if (fstat(fd, &st) != 0)
        set_errno_error(q, "qshm_attach (fstat)", errno);
    else if (st.st_size <= 0)
        set_error(q, QSHM_INVALID_SIZE, "qshm_attach: segment has size 0");
    else
        rc = posix_map(q, fd, (size_t)st.st_size, "qshm_attach");
    close(fd);
    return rc;
}

static int posix_named(const qshm *q)
{
    char path[sizeof SHM_DIR + QSHM_NAME_MAX * 2];
    snprintf(path, sizeof path, SHM_DIR "%s", q->posix_name);
    return access(path, F_OK) == 0;
}

/* ---- create / attach / detach ------------------------------------------------ */

static int check_key(qshm *q, const char *where)
{
    if (q->key[0] == '\0') {
        set_error(q, QSHM_KEY_ERROR, "%s: key is empty", where);
        return -1;
    }
    if (q->data) {
        set_error(q, QSHM_ALREADY_EXISTS, "%s: already attached", where);
        return -1;
    }
    return 0;
}

static void unmap(qshm *q)
{
    if (!q->data)
        return;
    if (q->backend == QSHM_SYSV)
        shmdt(q->data);
    else
        munmap(q->data, q->size);
    q->data = NULL;
    q->size = 0;
}

/* Count this process as attached; SEM_UNDO uncounts it if it dies. */
static int count_attach(qshm *q, const char *where)
{
    if (sem_do(q->semid, attach_count_sem(q), +1, SEM_UNDO, 0) != 0) {
        char what[80];
        snprintf(what, sizeof what, "%s (semop)", where);
        set_errno_error(q, what, errno);
        return -1;
    }
    return 0;
}

static void remove_segment_name(qshm *q)
{
    if (q->backend == QSHM_SYSV)
        shmctl(q->shmid, IPC_RMID, NULL);
    else
        shm_unlink(q->posix_name);
}

int qshm_create(qshm *q, size_t size)
{
    clear_error(q);
    if (check_key(q, "qshm_create") != 0)
        return -1;
    if (size == 0) {
        set_error(q, QSHM_INVALID_SIZE, "qshm_create: size is 0");
        return -1;
    }
    if (q->backend == QSHM_POSIX && posix_check_space(q, size) != 0)
        return -1;
    int made_file = 0;
    if (make_key_file(q, &made_file) != 0)
        return -1;
    int rc = create_semaphores(q);
    if (rc == 0)
        rc = q->backend == QSHM_SYSV ? sysv_create(q, size) : posix_create(q, size);
    if (rc == 0 && count_attach(q, "qshm_create") != 0) {
        unmap(q);
        remove_segment_name(q);
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
    int rc = q->backend == QSHM_SYSV ? sysv_attach(q) : posix_attach(q);
    if (rc != 0)
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
    return v == 0 || (v < 0 && gone(errno));
}

/* System V also asks the kernel, as Qt does (shm_nattch == 0). */
static int segment_unused(qshm *q)
{
    unsigned long nattch = 0;
    if (q->backend == QSHM_POSIX)
        return 1;
    return !sysv_named(q->shmid, &nattch) || nattch == 0;
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
        set_error(q, QSHM_NOT_FOUND, "qshm_detach: not attached");
        return -1;
    }
    if (q->locked)
        qshm_unlock(q);
    unmap(q);
    sem_do(q->semid, attach_count_sem(q), -1, SEM_UNDO | IPC_NOWAIT, 0);
    if (last_out(q) && segment_unused(q)) {
        if (!q->name_removed)
            remove_segment_name(q);
        q->name_removed = 1;
        qshm_destroy_lock(q);
    }
    q->shmid = -1;
    return 0;
}

int qshm_forget(qshm *q)
{
    clear_error(q);
    if (q->backend == QSHM_SYSV) {
        if (q->shmid < 0) {
            set_error(q, QSHM_NOT_FOUND, "qshm_forget: not attached");
            return -1;
        }
        if (shmctl(q->shmid, IPC_RMID, NULL) != 0 && !gone(errno)) {
            set_errno_error(q, "qshm_forget (shmctl)", errno);
            return -1;
        }
    } else if (shm_unlink(q->posix_name) != 0 && errno != ENOENT) {
        set_errno_error(q, "qshm_forget (shm_unlink)", errno);
        return -1;
    }
    q->name_removed = 1;
    return 0;
}

static int segment_named(qshm *q)
{
    if (q->name_removed)
        return 0;
    if (q->backend == QSHM_POSIX)
        return posix_named(q);
    key_t key = ftok(q->keyfile, PROJ_SEGMENT);
    unsigned long nattch;
    return key != (key_t)-1 && sysv_named(shmget(key, 0, 0), &nattch);
}

int qshm_destroy_lock(qshm *q)
{
    clear_error(q);
    int id = q->semid;
    key_t key;
    if (id < 0 && !q->lock_removed && (key = ftok(q->keyfile, PROJ_SEMAPHORES)) != (key_t)-1)
        id = semget(key, 0, 0);
    if (id >= 0 && semctl(id, 0, IPC_RMID) != 0 && !gone(errno)) {
        set_errno_error(q, "qshm_destroy_lock (semctl)", errno);
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
        set_error(q, QSHM_LOCK_ERROR, "%s: timed out", where);
    else if (gone(err))
        set_error(q, QSHM_LOCK_ERROR, "%s: the semaphore set was removed", where);
    else
        set_error(q, QSHM_LOCK_ERROR, "%s: %s", where, strerror(err));
    return rc;
}

int qshm_lock(qshm *q, int timeout_ms)
{
    clear_error(q);
    if (q->locked)
        return 0; /* as Qt: locking twice is a no-op */
    if (q->semid < 0) {
        set_error(q, QSHM_LOCK_ERROR, "qshm_lock: not attached");
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
        set_error(q, QSHM_LOCK_ERROR, "qshm_unlock: not locked");
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
        set_error(q, QSHM_LOCK_ERROR, "%s: no signal %d (have %d)", where, sem,
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

/* ---- reaping ---------------------------------------------------------------- */

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

/* One key file: its segment and semaphore set, unless someone is still attached. */
static int reap_key_file(const char *path)
{
    key_t skey = ftok(path, PROJ_SEGMENT), lkey = ftok(path, PROJ_SEMAPHORES);
    if (skey == (key_t)-1 || lkey == (key_t)-1)
        return 0;
    int shmid = shmget(skey, 0, 0), semid = semget(lkey, 0, 0);
    struct shmid_ds sds;
    if (shmid >= 0 && (shmctl(shmid, IPC_STAT, &sds) != 0 || !ours(sds.shm_perm.cuid)))
        shmid = -1;
    if ((shmid >= 0 && sds.shm_nattch > 0) || reap_attach_count(semid) > 0)
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

static int reap_key_files(const char *keydir)
{
    DIR *d = keydir ? opendir(keydir) : NULL;
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, NATIVE_PREFIX, strlen(NATIVE_PREFIX)) != 0)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", keydir, e->d_name);
        removed += reap_key_file(path);
    }
    closedir(d);
    return removed;
}

/* POSIX names are "/<name>" and live in /dev/shm as "<name>". */
static int reap_posix(const char *prefix)
{
    if (!prefix || prefix[0] != '/' || prefix[1] == '\0')
        return 0;
    DIR *d = opendir(SHM_DIR);
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
    return reap_key_files(keydir) + reap_posix(posix_prefix);
}
