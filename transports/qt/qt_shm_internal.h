/* What the qt-shm files share (private to them), under qt_shm.cc's table: the
 * keys and their reap (qt_shm_keys.cc), the watchdog bounding Qt's waits
 * (qt_shm_watchdog.cc), the ready/free signals of a direction (qt_shm_signals.cc). */
#ifndef IPCB_QT_SHM_INTERNAL_H
#define IPCB_QT_SHM_INTERNAL_H

#include "qt_internal.h"

#include <QByteArray>
#include <QString>
#include <QSystemSemaphore>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

/* ---- qt_shm_keys.cc ---- */

/* The key of a link's segment: "Shared" as in the Qt example, made unique
 * with the run id and the peer's pid ("Shared-qt-<run id>-<pid>"). The
 * signals' keys add "-frames-ready0" and so on. */
QString qt_shm_segment_key(const char *run_id, pid_t peer);
/* The peer's pid at the end of a segment key; 0 if there is none. */
pid_t qt_shm_key_peer(const QString &key);

/* QSharedMemory and QSystemSemaphore derive their native keys (and the key
 * files that ftok() turns into System V keys) from QDir::tempPath(), that is
 * $TMPDIR. While a KeyDirScope lives, $TMPDIR is the run's private 0700
 * directory, so the key files are private and reap() finds them there, as it
 * finds the C shm's. Hold one around setKey, create, attach and the
 * QSystemSemaphore constructors (the calls that derive or make key files).
 * qputenv and Qt's own reads of the environment take one lock, and ipcbench
 * runs one benchmark at a time, so nothing else reads $TMPDIR meanwhile. */
class KeyDirScope {
public:
    explicit KeyDirScope(const char *dir);
    ~KeyDirScope();
    KeyDirScope(const KeyDirScope &) = delete;
    KeyDirScope &operator=(const KeyDirScope &) = delete;

private:
    bool had_tmpdir_;
    QByteArray old_tmpdir_;
};

/* Removes what qt-shm made for the run whose private directory is rundir:
 * for each Qt key file of ours there (qipc_sharedmemory_Sharedqt...,
 * qipc_systemsem_Sharedqt...), its System V segment (when nobody is attached)
 * or semaphore, then the file. Never blocks. */
void qt_shm_reap(const char *rundir, const char *run_id);

/* ---- qt_shm_watchdog.cc ---- */

/* QSystemSemaphore::acquire() (and so QSharedMemory::lock()) waits without
 * a bound. A ShmWatchdog thread looks at a wait in progress every 100 ms: when
 * the other process has died, or the wait's time is up, it releases the
 * semaphore being waited on (through a handle of its own), which ends the
 * wait, and the wait reports why. The link is broken from then on (a
 * released token may be left over), as every such end is fatal to a run. */
class ShmWatchdog {
public:
    ShmWatchdog() = default;
    ~ShmWatchdog();
    ShmWatchdog(const ShmWatchdog &) = delete;
    ShmWatchdog &operator=(const ShmWatchdog &) = delete;

    /* A semaphore it may release: opens its own handle on key (which must
     * exist; call inside a KeyDirScope). Returns its id, or -1 with err. */
    int add(const QString &key, char *err);
    /* Starts watching; other is the partner's pid, named so in errors. */
    void start(pid_t other, const char *other_name);
    /* Runs blocking (an acquire on semaphore id) bounded by timeout_ms:
     * 0 it succeeded, 1 timed out, -1 with err (the partner died, or
     * blocking failed: failure() says why). */
    int run(int id, int timeout_ms, const std::function<bool()> &blocking,
            const std::function<QString()> &failure, char *err);

private:
    enum Verdict { NONE, TIMED_OUT, PARTNER_DIED };
    void loop();

    std::vector<std::unique_ptr<QSystemSemaphore>> semaphores_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::thread thread_;
    bool stopping_ = false;
    bool broken_ = false;
    int waiting_on_ = -1;        /* id of the semaphore being waited on */
    int64_t deadline_ms_ = 0;
    Verdict verdict_ = NONE;
    pid_t other_ = 0;
    std::string other_name_;
};

/* ---- qt_shm_signals.cc ---- */

/* One direction of a link (frames, or acks): the sender waits until the area
 * is free, writes, posts "ready"; the receiver waits for "ready", copies out,
 * posts "free". With QSystemSemaphore, three per direction, taken in turn
 * (see qt_shm_signals.cc for why three). */
class ShmSignals {
public:
    ShmSignals() = default;
    ShmSignals(const ShmSignals &) = delete;
    ShmSignals &operator=(const ShmSignals &) = delete;

    /* The semaphores "<segment key>-<name>0..2": created (the driver, the
     * segment's creator) or opened (the peer). Inside a KeyDirScope.
     * Returns 0 or -1 with err. */
    int open(const QString &segment_key, const char *name, bool create, ShmWatchdog &dog, char *err);

    /* Sender: wait until the area may take the next message; then, once it is
     * written, say so. */
    int wait_free(int timeout_ms, char *err);
    int post_ready(char *err);
    /* Receiver: wait for the next message (0, 1 on timeout, -1 with err);
     * then, once it is copied out, hand the area back. */
    int wait_ready(int timeout_ms, char *err);
    int post_free(char *err);

private:
    int wait(int index, int timeout_ms, char *err);
    int post(int index, char *err);

    std::unique_ptr<QSystemSemaphore> sem_[3];
    int dog_id_[3] = { -1, -1, -1 };
    ShmWatchdog *dog_ = nullptr;
    uint64_t sent_ = 0;   /* messages written (sender) */
    uint64_t taken_ = 0;  /* messages copied out (receiver) */
};

#endif
