/* Bounded waits for qt-shm: QSystemSemaphore::acquire() and QSharedMemory::lock()
 * have no timeout, so a thread beside each link ends a wait that outlived its
 * bound or its partner by releasing the semaphore waited on (ShmWatchdog). */
#include "interrupt.h"
#include "qt_shm_internal.h"

extern "C" {
#include "clock.h"
#include "liveness.h"
}

#include <chrono>
#include <cstdio>

namespace {

const auto CHECK_EVERY = std::chrono::milliseconds(100);

} // namespace

ShmWatchdog::~ShmWatchdog()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

int ShmWatchdog::add(const QString &key, char *err)
{
    /* Open, never Create: the semaphore exists (its creator set its value). */
    auto sem = std::make_unique<QSystemSemaphore>(key, 0, QSystemSemaphore::Open);
    if (sem->error() != QSystemSemaphore::NoError) {
        ipcb_qt_error(err, QStringLiteral("QSystemSemaphore %1: %2").arg(key, sem->errorString()));
        return -1;
    }
    semaphores_.push_back(std::move(sem));
    return int(semaphores_.size()) - 1;
}

void ShmWatchdog::start(pid_t other, const char *other_name)
{
    other_ = other;
    other_name_ = other_name;
    thread_ = std::thread([this] { loop(); });
}

void ShmWatchdog::loop()
{
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, CHECK_EVERY);
        if (stopping_ || waiting_on_ < 0 || verdict_ != NONE)
            continue;
        bool died = !ipcb_process_alive(other_);
        /* Ctrl-C ends the wait like its deadline: the harness then reports
         * the benchmark as interrupted. */
        if (!died && ipcb_now_ms() < deadline_ms_ && !ipcb_interrupted)
            continue;
        verdict_ = died ? PARTNER_DIED : TIMED_OUT;
        semaphores_[size_t(waiting_on_)]->release(); /* the waiter is still in its acquire: run() holds the id */
    }
}

int ShmWatchdog::run(int id, int timeout_ms, const std::function<bool()> &blocking,
                     const std::function<QString()> &failure, char *err)
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (broken_) {
            snprintf(err, IPCB_ERR_MAX, "the link is broken by an earlier failed wait");
            return -1;
        }
        waiting_on_ = id;
        deadline_ms_ = ipcb_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
        verdict_ = NONE;
    }
    bool ok = blocking();
    Verdict verdict;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        verdict = verdict_;
        waiting_on_ = -1;
        broken_ = verdict != NONE;
    }
    if (verdict == PARTNER_DIED) {
        snprintf(err, IPCB_ERR_MAX, "%s process %ld exited", other_name_.c_str(), long(other_));
        return -1;
    }
    if (verdict == TIMED_OUT)
        return 1;
    if (!ok) {
        ipcb_qt_error(err, failure());
        return -1;
    }
    return 0;
}
