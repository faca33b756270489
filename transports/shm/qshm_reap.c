/* What crashed users of qshm left behind, removed by qshm_reap_keydir (see
 * qshm.h): for each key file in a directory its System V segment and
 * semaphore set (unless someone is still attached), and POSIX segments by
 * name prefix. Never blocks; touches only this user's objects. */
#include "qshm_internal.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

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
    key_t skey = ftok(path, QSHM_PROJ_SEGMENT), lkey = ftok(path, QSHM_PROJ_SEMAPHORES);
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
        if (strncmp(e->d_name, QSHM_NATIVE_PREFIX, strlen(QSHM_NATIVE_PREFIX)) != 0)
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
    return reap_key_files(keydir) + reap_posix(posix_prefix);
}
