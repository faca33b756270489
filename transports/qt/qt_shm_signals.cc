/* "A message is in the area" and "the area is free again" between the two
 * processes of a qt-shm link, with QSystemSemaphore: QSharedMemory itself
 * cannot tell a reader that the writer has written.
 *
 * Why three semaphores per direction, not two. Qt takes every
 * QSystemSemaphore operation with SEM_UNDO, and the kernel keeps a process's
 * undo count of a semaphore within +-32767: a semaphore that one process only
 * releases and the other only acquires (a plain "ready" signal) fails with
 * "out of resources" at the 32768th message (measured on Qt 5.15). So each
 * semaphore takes turns carrying "ready" and "free": message k is ready on
 * S[2k mod 3], and its area is free again on S[(2k+1) mod 3], which is what
 * the sender of message k+1 waits for. Each process then releases and
 * acquires every semaphore alike (its undo count stays within 1), and none
 * waits on a semaphore it has just released (S[0..2] start 0, 0, 1: the
 * area is free for message 0). Checked by brute force over interleavings. */
#include "qt_shm_internal.h"

#include <cstdio>

namespace {

const int INITIAL[3] = { 0, 0, 1 };

int ready_index(uint64_t k)
{
    return int((2 * k) % 3);
}

int free_index(uint64_t k)
{
    return int((2 * k + 1) % 3);
}

} // namespace

int ShmSignals::open(const QString &segment_key, const char *name, bool create, ShmWatchdog &dog, char *err)
{
    dog_ = &dog;
    for (int i = 0; i < 3; i++) {
        QString key = QStringLiteral("%1-%2%3").arg(segment_key, QLatin1String(name)).arg(i);
        if (create)
            sem_[i] = std::make_unique<QSystemSemaphore>(key, INITIAL[i], QSystemSemaphore::Create);
        else
            sem_[i] = std::make_unique<QSystemSemaphore>(key, 0, QSystemSemaphore::Open);
        if (sem_[i]->error() != QSystemSemaphore::NoError) {
            ipcb_qt_error(err, QStringLiteral("QSystemSemaphore %1: %2").arg(key, sem_[i]->errorString()));
            return -1;
        }
        if ((dog_id_[i] = dog.add(key, err)) < 0)
            return -1;
    }
    return 0;
}

int ShmSignals::wait(int index, int timeout_ms, char *err)
{
    QSystemSemaphore *s = sem_[index].get();
    return dog_->run(dog_id_[index], timeout_ms, [s] { return s->acquire(); },
                     [s] { return s->errorString(); }, err);
}

int ShmSignals::post(int index, char *err)
{
    if (sem_[index]->release())
        return 0;
    ipcb_qt_error(err, sem_[index]->errorString());
    return -1;
}

/* Before message k = sent_, its area is free once message k-1 was taken:
 * free_index(k - 1) (for k = 0: S[2], which starts at 1). */
int ShmSignals::wait_free(int timeout_ms, char *err)
{
    return wait(int((2 * sent_ + 2) % 3), timeout_ms, err);
}

int ShmSignals::post_ready(char *err)
{
    return post(ready_index(sent_++), err);
}

int ShmSignals::wait_ready(int timeout_ms, char *err)
{
    return wait(ready_index(taken_), timeout_ms, err);
}

int ShmSignals::post_free(char *err)
{
    return post(free_index(taken_++), err);
}
