/* qshm's System V segment backend: shmget on ftok(key file, 'Q'), shmat, and
 * the kernel's attach count (shm_nattch) to tell whether anyone still uses a
 * segment. See qshm_internal.h for the table it fills. */
#include "qshm_internal.h"

#include <errno.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>

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
        qshm_set_errno_error(q, what, errno);
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
        qshm_set_error(q, QSHM_INVALID_SIZE, "qshm_create: size %zu exceeds kernel.shmmax (%llu)",
                       size, shmmax);
        return -1;
    }
    key_t key;
    if (qshm_key_of(q, "qshm_create", QSHM_PROJ_SEGMENT, &key) != 0)
        return -1;
    q->shmid = shmget(key, size, IPC_CREAT | IPC_EXCL | 0600);
    if (q->shmid < 0) {
        if (errno == EINVAL)
            qshm_set_error(q, QSHM_INVALID_SIZE, "qshm_create: system-imposed size restrictions");
        else
            qshm_set_errno_error(q, "qshm_create", errno);
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
    if (qshm_key_of(q, "qshm_attach", QSHM_PROJ_SEGMENT, &key) != 0)
        return -1;
    q->shmid = shmget(key, 0, 0600); /* as Qt: ask for read-write, so a stranger gets EACCES here */
    if (q->shmid < 0) {
        qshm_set_errno_error(q, "qshm_attach (shmget)", errno);
        return -1;
    }
    if (sysv_map(q, "qshm_attach") != 0) {
        q->shmid = -1;
        return -1;
    }
    return 0;
}

static void sysv_unmap(qshm *q)
{
    shmdt(q->data);
}

static int sysv_forget(qshm *q)
{
    if (q->shmid < 0) {
        qshm_set_error(q, QSHM_NOT_FOUND, "qshm_forget: not attached");
        return -1;
    }
    if (shmctl(q->shmid, IPC_RMID, NULL) != 0 && !qshm_gone(errno)) {
        qshm_set_errno_error(q, "qshm_forget (shmctl)", errno);
        return -1;
    }
    return 0;
}

static void sysv_remove_name(qshm *q)
{
    shmctl(q->shmid, IPC_RMID, NULL);
}

/* Is the segment still named (not removed, not marked for destruction)?
 * Sets *nattch. */
static int named_id(int shmid, unsigned long *nattch)
{
    struct shmid_ds ds;
    if (shmid < 0 || shmctl(shmid, IPC_STAT, &ds) != 0)
        return 0;
    *nattch = ds.shm_nattch;
    return !(ds.shm_perm.mode & SHM_DEST);
}

static int sysv_named(const qshm *q)
{
    key_t key = ftok(q->keyfile, QSHM_PROJ_SEGMENT);
    unsigned long nattch;
    return key != (key_t)-1 && named_id(shmget(key, 0, 0), &nattch);
}

/* As Qt asks: shm_nattch == 0. */
static int sysv_unused(const qshm *q)
{
    unsigned long nattch = 0;
    return !named_id(q->shmid, &nattch) || nattch == 0;
}

const qshm_backend_ops qshm_sysv_ops = {
    .create = sysv_create,
    .attach = sysv_attach,
    .unmap = sysv_unmap,
    .forget = sysv_forget,
    .remove_name = sysv_remove_name,
    .named = sysv_named,
    .unused = sysv_unused,
};
