/* Where qt-shm's keys live: the key names (the Qt example's "Shared", made
 * unique per run and peer), the run's private directory as Qt's key-file
 * directory while keys are made, and the reap that removes a run's leftovers. */
#include "qt_shm_internal.h"

#include <QStringList>

#include <cerrno>
#include <climits>
#include <cstring>
#include <dirent.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

namespace {

/* Qt's native keys: a prefix, the key's letters and digits, a SHA-1; ours all
 * start "Shared-qt-" so their letters start "Sharedqt" (never the C shm's
 * "Shared" + hexadecimal digits, which it reaps itself). */
const char *const qt_key_file_prefixes[] = { "qipc_sharedmemory_Sharedqt", "qipc_systemsem_Sharedqt" };

/* Qt's System V objects are keyed ftok(key file, 'Q'). */
const int QT_FTOK_PROJ = 'Q';

union semaphore_arg { /* what semctl's fourth argument is (the caller defines it) */
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

bool ours(uid_t creator)
{
    return creator == geteuid();
}

void reap_key_file(const char *path)
{
    key_t key = ftok(path, QT_FTOK_PROJ);
    if (key != key_t(-1)) {
        int shmid = shmget(key, 0, 0);
        struct shmid_ds sds;
        if (shmid >= 0 && shmctl(shmid, IPC_STAT, &sds) == 0 && ours(sds.shm_perm.cuid) && sds.shm_nattch == 0)
            shmctl(shmid, IPC_RMID, nullptr);
        int semid = semget(key, 0, 0);
        struct semid_ds ds;
        semaphore_arg arg;
        arg.buf = &ds;
        if (semid >= 0 && semctl(semid, 0, IPC_STAT, arg) == 0 && ours(ds.sem_perm.cuid))
            semctl(semid, 0, IPC_RMID);
    }
    unlink(path);
}

} // namespace

QString qt_shm_segment_key(const char *run_id, pid_t peer)
{
    return QStringLiteral("Shared-qt-%1-%2").arg(QString::fromLatin1(run_id)).arg(peer);
}

pid_t qt_shm_key_peer(const QString &key)
{
    bool ok = false;
    long pid = key.section(QLatin1Char('-'), -1).toLong(&ok);
    return ok && pid > 0 ? pid_t(pid) : 0;
}

KeyDirScope::KeyDirScope(const char *dir)
    : had_tmpdir_(qEnvironmentVariableIsSet("TMPDIR")), old_tmpdir_(qgetenv("TMPDIR"))
{
    qputenv("TMPDIR", QByteArray(dir));
}

KeyDirScope::~KeyDirScope()
{
    if (had_tmpdir_)
        qputenv("TMPDIR", old_tmpdir_);
    else
        qunsetenv("TMPDIR");
}

void qt_shm_reap(const char *rundir, const char *run_id)
{
    (void)run_id; /* the key files of a run are in its own directory */
    DIR *d = opendir(rundir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d)) != nullptr;) {
        for (const char *prefix : qt_key_file_prefixes) {
            if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
                continue;
            char path[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", rundir, e->d_name);
            reap_key_file(path);
        }
    }
    closedir(d);
}
