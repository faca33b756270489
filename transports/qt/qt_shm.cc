/* Transport "qt-shm": the Qt image example this project grew from, with Qt's
 * own QSharedMemory (key "Shared") and QSystemSemaphore; the ops table over
 * qt_shm_keys.cc, qt_shm_watchdog.cc and qt_shm_signals.cc. */

/* The writer (the driver) creates a QSharedMemory with key
 * "Shared" (made unique per run and peer), and for each frame locks it,
 * memcpy's the frame in and unlocks; the reader (the peer) attaches, and for
 * each frame locks, copies it out and unlocks; it detaches at the end.
 * QSystemSemaphores say "a frame is there" and "the area is free"
 * (qt_shm_signals.cc); acks come back the same way through a small area.
 * Two copies per frame, as "shm", its C counterpart. The QSharedMemory and
 * QSystemSemaphore calls block; no event loop is involved.
 *
 * Clean-up: the driver creates everything (segment, its lock, the signals), so
 * its QSharedMemory and QSystemSemaphores own them, and it closes last (the
 * harness reaps the peer first): Qt removes the segment at the last detach and
 * an owner's semaphores and key files when it is destroyed. What a crash
 * leaves, reap() removes (qt_shm_keys.cc). */
#include "qt_shm_internal.h"

#include <QFile>
#include <QSharedMemory>

#include <climits>
#include <cstdio>
#include <cstring>
#include <new>
#include <time.h>
#include <unistd.h>

extern "C" {
#include "clock.h"
}

namespace {

enum : size_t {
    CONTROL_SIZE = 64, /* the control block, at the start of the segment */
    ACK_AREA = 256,    /* messages from the peer (64-byte acks) */
    PAGE = 4096,
};
const quint32 QT_SHM_MAGIC = 0x51545331; /* "QTS1" */

/* At offset 0 of the segment; written by the driver before magic. Lengths
 * are written under the lock. */
struct Control {
    quint32 magic;
    qint32  driver_pid;
    quint64 frame_cap;   /* size of the frame area */
    quint64 frame_len;   /* length of the frame in the frame area */
    quint64 ack_len;     /* length of the message in the ack area */
};

/* Destroyed in reverse order: the watchdog stops first, the segment goes last. */
struct ShmLink {
    bool peer = false;
    int timeout_ms = 0;
    QByteArray rundir;
    QString key;
    QSharedMemory shm;
    ShmSignals frames;   /* driver -> peer */
    ShmSignals acks;     /* peer -> driver */
    ShmWatchdog dog;
    int lock_id = -1;    /* the watchdog's handle on the segment's lock */
    Control *ctl = nullptr;
    uchar *frame_area = nullptr;
    uchar *ack_area = nullptr;
};

ShmLink *shm_of(ipcb_link *l)
{
    return reinterpret_cast<ShmLink *>(l);
}

ShmLink *link_new(const ipcb_opts *o, bool peer, char *err)
{
    ipcb_qt_app_ensure();
    ShmLink *k = new (std::nothrow) ShmLink;
    if (!k) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return nullptr;
    }
    k->peer = peer;
    k->timeout_ms = o->timeout_ms;
    k->rundir = QByteArray(o->rundir);
    return k;
}

void shm_close(ipcb_link *l)
{
    ShmLink *k = shm_of(l);
    if (k && k->shm.isAttached())
        k->shm.detach();
    delete k;
}

void map_areas(ShmLink *k)
{
    uchar *base = static_cast<uchar *>(k->shm.data());
    k->ctl = reinterpret_cast<Control *>(base);
    k->frame_area = base + CONTROL_SIZE;
    k->ack_area = k->frame_area + k->ctl->frame_cap;
}

/* QSharedMemory::lock(), bounded by the watchdog. */
int lock_segment(ShmLink *k, char *err)
{
    QSharedMemory *shm = &k->shm;
    int rc = k->dog.run(k->lock_id, k->timeout_ms, [shm] { return shm->lock(); },
                        [shm] { return shm->errorString(); }, err);
    if (rc == 1)
        snprintf(err, IPCB_ERR_MAX, "segment lock not acquired within %d ms", k->timeout_ms);
    return rc == 0 ? 0 : -1;
}

int unlock_segment(ShmLink *k, char *err)
{
    if (k->shm.unlock())
        return 0;
    ipcb_qt_error(err, k->shm.errorString());
    return -1;
}

/* ---- set-up ---- */

int shm_listen(const ipcb_transport *, ipcb_link **out, ipcb_infra *, const ipcb_opts *o,
               char addr[IPCB_ADDR_MAX], char *err)
{
    ShmLink *k = link_new(o, true, err);
    if (!k)
        return -1;
    k->key = qt_shm_segment_key(o->run_id, getpid());
    snprintf(addr, IPCB_ADDR_MAX, "%s", k->key.toLatin1().constData());
    *out = reinterpret_cast<ipcb_link *>(k);
    return 0;
}

/* The writer: signals first, then the segment (with its lock), then the
 * control block, magic last: once the peer can attach, everything exists. */
int shm_connect(const ipcb_transport *, ipcb_link **out, ipcb_infra *, const ipcb_opts *o,
                const char *addr, char *err)
{
    ShmLink *k = link_new(o, false, err);
    if (!k)
        return -1;
    k->key = QString::fromLatin1(addr);
    pid_t peer = qt_shm_key_peer(k->key);
    size_t frame_cap = (o->max_message + 63) & ~size_t(63);
    size_t size = CONTROL_SIZE + frame_cap + ACK_AREA;
    if (peer <= 0 || size > size_t(INT_MAX)) {
        if (peer <= 0)
            snprintf(err, IPCB_ERR_MAX, "bad segment key '%s' from the peer", addr);
        else
            snprintf(err, IPCB_ERR_MAX, "a %zu-byte segment exceeds QSharedMemory's int size", size);
        shm_close(reinterpret_cast<ipcb_link *>(k));
        return -1;
    }
    {
        KeyDirScope scope(o->rundir);
        if (k->frames.open(k->key, "frames", true, k->dog, err) != 0 ||
            k->acks.open(k->key, "acks", true, k->dog, err) != 0) {
            shm_close(reinterpret_cast<ipcb_link *>(k));
            return -1;
        }
        k->shm.setKey(k->key);
        if (!k->shm.create(int(size))) {
            ipcb_qt_error(err, k->shm.errorString());
            shm_close(reinterpret_cast<ipcb_link *>(k));
            return -1;
        }
        if ((k->lock_id = k->dog.add(k->key, err)) < 0) { /* the lock is keyed like the segment */
            shm_close(reinterpret_cast<ipcb_link *>(k));
            return -1;
        }
    }
    k->dog.start(peer, "peer");
    if (lock_segment(k, err) != 0) {
        shm_close(reinterpret_cast<ipcb_link *>(k));
        return -1;
    }
    memset(k->shm.data(), 0, size_t(k->shm.size())); /* every page touched before the first frame */
    Control *c = static_cast<Control *>(k->shm.data());
    c->frame_cap = frame_cap;
    c->driver_pid = qint32(getpid());
    __atomic_store_n(&c->magic, QT_SHM_MAGIC, __ATOMIC_RELEASE);
    map_areas(k);
    if (unlock_segment(k, err) != 0) {
        shm_close(reinterpret_cast<ipcb_link *>(k));
        return -1;
    }
    *out = reinterpret_cast<ipcb_link *>(k);
    return 0;
}

void pause_1ms()
{
    struct timespec pause = { 0, 1000000 };
    nanosleep(&pause, nullptr);
}

/* The reader: attach once the writer's segment exists (never before its key
 * file does: attach() would otherwise make the segment's lock itself), wait
 * for the control block, open the signals. */
int attach_when_created(ShmLink *k, int64_t deadline, char *err)
{
    KeyDirScope scope(k->rundir.constData());
    k->shm.setKey(k->key);
    const QString key_file = k->shm.nativeKey();
    while (!QFile::exists(key_file) || !k->shm.attach()) {
        if (k->shm.error() != QSharedMemory::NoError && k->shm.error() != QSharedMemory::NotFound) {
            ipcb_qt_error(err, k->shm.errorString());
            return -1;
        }
        if (ipcb_now_ms() >= deadline) {
            snprintf(err, IPCB_ERR_MAX, "no driver created the segment within %d ms", k->timeout_ms);
            return -1;
        }
        pause_1ms();
    }
    return 0;
}

int check_layout(ShmLink *k, char *err)
{
    const Control *c = static_cast<const Control *>(k->shm.data());
    size_t size = size_t(k->shm.size());
    if (size < CONTROL_SIZE || c->frame_cap > size - CONTROL_SIZE || size - CONTROL_SIZE - c->frame_cap < ACK_AREA) {
        snprintf(err, IPCB_ERR_MAX, "segment %s (%zu bytes) is not an ipcbench qt-shm link",
                 k->key.toLatin1().constData(), size);
        return -1;
    }
    return 0;
}

int shm_accept(ipcb_link *l, char *err)
{
    ShmLink *k = shm_of(l);
    int64_t deadline = ipcb_now_ms() + k->timeout_ms;
    if (attach_when_created(k, deadline, err) != 0)
        return -1;
    const Control *c = static_cast<const Control *>(k->shm.data());
    while (__atomic_load_n(&c->magic, __ATOMIC_ACQUIRE) != QT_SHM_MAGIC) {
        if (ipcb_now_ms() >= deadline) {
            snprintf(err, IPCB_ERR_MAX, "the driver did not set up the segment within %d ms", k->timeout_ms);
            return -1;
        }
        pause_1ms();
    }
    if (check_layout(k, err) != 0)
        return -1;
    {
        KeyDirScope scope(k->rundir.constData());
        if (k->frames.open(k->key, "frames", false, k->dog, err) != 0 ||
            k->acks.open(k->key, "acks", false, k->dog, err) != 0 || (k->lock_id = k->dog.add(k->key, err)) < 0)
            return -1;
    }
    k->dog.start(c->driver_pid, "driver");
    map_areas(k);
    volatile uchar sink = 0; /* every page touched before the first frame */
    for (size_t at = 0; at < size_t(k->shm.size()); at += PAGE)
        sink = sink + static_cast<const uchar *>(k->shm.constData())[at];
    (void)sink;
    return 0;
}

/* ---- frames and acks ---- */

struct Area {
    uchar *data;
    size_t cap;
    quint64 *len;
    ShmSignals *channel;
};

Area outgoing(ShmLink *k)
{
    if (k->peer)
        return { k->ack_area, ACK_AREA, &k->ctl->ack_len, &k->acks };
    return { k->frame_area, size_t(k->ctl->frame_cap), &k->ctl->frame_len, &k->frames };
}

Area incoming(ShmLink *k)
{
    if (k->peer)
        return { k->frame_area, size_t(k->ctl->frame_cap), &k->ctl->frame_len, &k->frames };
    return { k->ack_area, ACK_AREA, &k->ctl->ack_len, &k->acks };
}

/* Wait until the last message was taken, lock, memcpy in, unlock, say so. */
int shm_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    ShmLink *k = shm_of(l);
    Area a = outgoing(k);
    if (f->len > a.cap) {
        snprintf(err, IPCB_ERR_MAX, "message of %zu bytes does not fit the %zu-byte %s area", f->len, a.cap,
                 k->peer ? "ack" : "frame");
        return -1;
    }
    int rc = a.channel->wait_free(k->timeout_ms, err);
    if (rc == 1)
        snprintf(err, IPCB_ERR_MAX, "the %s did not take the previous message within %d ms",
                 k->peer ? "driver" : "peer", k->timeout_ms);
    if (rc != 0 || lock_segment(k, err) != 0)
        return -1;
    memcpy(a.data, f->data, f->len);
    *a.len = f->len;
    if (unlock_segment(k, err) != 0)
        return -1;
    return a.channel->post_ready(err);
}

/* Wait for a message, lock, copy it out, unlock, hand the area back. */
int shm_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    ShmLink *k = shm_of(l);
    Area a = incoming(k);
    int rc = a.channel->wait_ready(timeout_ms, err);
    if (rc != 0)
        return rc;
    if (lock_segment(k, err) != 0)
        return -1;
    size_t len = size_t(*a.len);
    if (len > f->cap || len > a.cap) {
        snprintf(err, IPCB_ERR_MAX, "message of %zu bytes does not fit the %zu-byte buffer", len, f->cap);
        k->shm.unlock();
        return -1;
    }
    memcpy(f->buf, a.data, len);
    f->data = f->buf;
    f->len = len;
    f->loan = nullptr;
    if (unlock_segment(k, err) != 0)
        return -1;
    return a.channel->post_free(err);
}

} // namespace

extern "C" const ipcb_transport ipcb_transport_qt_shm = {
    .name = "qt-shm",
    .summary = "Qt: QSharedMemory \"Shared\" as in the Qt example (lock, memcpy, unlock), QSystemSemaphore signals",
    .caps = 0,
    .max_frame = 0,
    .copies = 2,
    .params = nullptr,
    .variant = nullptr,
    .available = nullptr,
    .start = nullptr,
    .stop = nullptr,
    .infra_address = nullptr,
    .infra_pids = nullptr,
    .listen = shm_listen,
    .accept = shm_accept,
    .connect = shm_connect,
    .send = shm_send,
    .recv = shm_recv,
    .release = nullptr,
    .close = shm_close,
    .buffers = nullptr,
    .reap = qt_shm_reap,
    .reap_attached = nullptr,
};
