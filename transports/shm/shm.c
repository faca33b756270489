/* Transport "shm": shared memory the QSharedMemory way (qshm.c), as
 * in the Qt image example: the writer locks the segment, memcpy's the frame in
 * and unlocks; the reader locks, copies it out and unlocks. Two copies per frame. */
#include "clock.h"
#include "interrupt.h"
#include "liveness.h"
#include "transport.h"
#include "qshm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SHM_KEY "Shared" /* the key of the Qt example */

/* The segment's semaphore set: 0 is qshm's lock (SEM_UNDO), then these
 * signals. QSharedMemory has no way to say "a frame is there", so the reader
 * waits on a counting semaphore: the same primitive family as Qt's lock
 * (QSystemSemaphore), found by key from unrelated processes, with timeouts
 * (semtimedop) and no busy-waiting. A sender waits for "free" before it writes,
 * so a frame is never overwritten before it is taken. */
enum {
    SIG_FRAME_READY = 1,
    SIG_FRAME_FREE = 2,
    SIG_ACK_READY = 3,
    SIG_ACK_FREE = 4,
    NSIGNALS = 4,
};

enum {
    CONTROL_SIZE = 64,     /* the control block, at the start of the segment */
    ACK_AREA = 256,        /* messages from the peer (64-byte acks) */
    SHM_MAGIC = 0x51534d31, /* "QSM1" */
};

/* At offset 0 of the segment; lengths are written under the lock. */
typedef struct control {
    uint32_t magic;
    uint32_t reserved;
    int32_t  peer_pid;     /* written by listen */
    int32_t  driver_pid;   /* written by connect; accept waits for it */
    uint64_t frame_cap;    /* size of the frame area */
    uint64_t frame_len;    /* length of the frame in the frame area */
    uint64_t ack_len;      /* length of the message in the ack area */
} control;

struct ipcb_link {
    qshm    *q;
    control *ctl;
    uint8_t *frames;       /* frame area: driver -> peer */
    uint8_t *acks;         /* ack area: peer -> driver */
    int      is_peer;
    pid_t    other;        /* the other side's process, watched while waiting */
    int      timeout_ms;
};

static const ipcb_param_spec shm_params[] = {
    { .name = "shm_backend", .kind = IPCB_PARAM_WORD, .words = "sysv|posix", .def = "sysv",
      .help = "segment backend" },
    { .name = NULL },
};

/* ---- set-up helpers ---------------------------------------------------- */

static int backend_of(const ipcb_transport *t, const ipcb_opts *o, enum qshm_backend *b, char *err)
{
    static const enum qshm_backend backends[] = { QSHM_SYSV, QSHM_POSIX }; /* as "sysv|posix" */
    int index;
    if (ipcb_param_word(t, o, "shm_backend", &index, err) != 0)
        return -1;
    *b = backends[index];
    return 0;
}

/* The run id, or (until the harness passes one) the rundir's suffix. */
static void posix_prefix(const char *rundir, const char *run_id, char *out, size_t len)
{
    const char *id = run_id;
    if (!id || !*id) {
        const char *base = strrchr(rundir, '/');
        base = base ? base + 1 : rundir;
        const char *dash = strrchr(base, '-');
        id = dash ? dash + 1 : base;
    }
    snprintf(out, len, "/ipcbench-%s-", id);
}

static ipcb_link *link_new(const ipcb_transport *t, const ipcb_opts *o, const char *key, int is_peer,
                           char *err)
{
    enum qshm_backend backend;
    char prefix[QSHM_NAME_MAX];
    if (backend_of(t, o, &backend, err) != 0)
        return NULL;
    ipcb_link *l = calloc(1, sizeof *l);
    if (l)
        l->q = qshm_new(key, o->rundir, backend);
    if (!l || !l->q) {
        free(l);
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return NULL;
    }
    posix_prefix(o->rundir, o->run_id, prefix, sizeof prefix);
    if (qshm_set_posix_prefix(l->q, prefix) != 0) {
        snprintf(err, IPCB_ERR_MAX, "%s", qshm_error_string(l->q));
        qshm_free(l->q);
        free(l);
        return NULL;
    }
    l->is_peer = is_peer;
    l->timeout_ms = o->timeout_ms;
    return l;
}

static void map_areas(ipcb_link *l)
{
    uint8_t *base = qshm_data(l->q);
    l->ctl = (control *)base;
    l->frames = base + CONTROL_SIZE;
    l->acks = l->frames + l->ctl->frame_cap;
}

/* Either side may close first: the last one to detach (or the survivor, when
 * the other died: the attach count uses SEM_UNDO) removes the segment, the
 * semaphore set and the key file. Removing the set on the first close would
 * break the other side's last unlock. */
static void shm_close(ipcb_link *l)
{
    if (!l)
        return;
    if (qshm_is_attached(l->q))
        qshm_detach(l->q);
    qshm_free(l->q);
    free(l);
}

/* ---- waiting ------------------------------------------------------------ */

/* Between two wait slices: Ctrl-C, or the other side gone. */
static int other_gone(ipcb_link *l, char *err)
{
    if (ipcb_interrupted) {
        snprintf(err, IPCB_ERR_MAX, "%s", ipcb_interrupted_text);
        return 1;
    }
    if (ipcb_process_alive(l->other))
        return 0;
    snprintf(err, IPCB_ERR_MAX, "%s process %ld exited", l->is_peer ? "driver" : "peer",
             (long)l->other);
    return 1;
}

/* Take one of signal sem within timeout_ms, in slices (ipcb_interrupt_slice),
 * checking the other side after each. Returns 0, 1 on timeout, -1 with err. */
static int wait_signal(ipcb_link *l, int sem, int timeout_ms, char *err)
{
    int64_t deadline = ipcb_now_ms() + timeout_ms;
    for (;;) {
        int rc = qshm_signal_wait(l->q, sem, ipcb_interrupt_slice(deadline - ipcb_now_ms()));
        if (rc == 0)
            return 0;
        if (rc < 0) {
            snprintf(err, IPCB_ERR_MAX, "%s", qshm_error_string(l->q));
            return -1;
        }
        if (other_gone(l, err))
            return -1;
        if (ipcb_now_ms() >= deadline)
            return 1;
    }
}

/* The lock, in slices like wait_signal. A holder that died has released it
 * (SEM_UNDO), so only a live, stuck holder makes this time out. */
static int lock_segment(ipcb_link *l, char *err)
{
    int64_t deadline = ipcb_now_ms() + l->timeout_ms;
    for (;;) {
        int rc = qshm_lock(l->q, ipcb_interrupt_slice(deadline - ipcb_now_ms()));
        if (rc == 0)
            return 0;
        if (rc < 0) {
            snprintf(err, IPCB_ERR_MAX, "%s", qshm_error_string(l->q));
            return -1;
        }
        if (other_gone(l, err))
            return -1;
        if (ipcb_now_ms() >= deadline) {
            snprintf(err, IPCB_ERR_MAX, "segment lock not acquired within %d ms", l->timeout_ms);
            return -1;
        }
    }
}

static int unlock_segment(ipcb_link *l, char *err)
{
    if (qshm_unlock(l->q) == 0)
        return 0;
    snprintf(err, IPCB_ERR_MAX, "%s", qshm_error_string(l->q));
    return -1;
}

static int post(ipcb_link *l, int sem, char *err)
{
    if (qshm_signal_post(l->q, sem) == 0)
        return 0;
    snprintf(err, IPCB_ERR_MAX, "%s", qshm_error_string(l->q));
    return -1;
}

/* ---- the link ------------------------------------------------------------ */

static int shm_listen(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra,
                      const ipcb_opts *o, char addr[IPCB_ADDR_MAX], char *err)
{
    (void)infra;
    static const unsigned short initial[NSIGNALS] = { 0, 1, 0, 1 };
    size_t frame_cap = (o->max_message + 63) & ~(size_t)63;
    ipcb_link *l = link_new(t, o, SHM_KEY, 1, err);
    if (!l)
        return -1;
    if (qshm_set_signals(l->q, NSIGNALS, initial) != 0 ||
        qshm_create(l->q, CONTROL_SIZE + frame_cap + ACK_AREA) != 0) {
        snprintf(err, IPCB_ERR_MAX, "%s", qshm_error_string(l->q));
        shm_close(l);
        return -1;
    }
    control *c = qshm_data(l->q);
    c->frame_cap = frame_cap;
    c->peer_pid = (int32_t)getpid();
    __atomic_store_n(&c->magic, SHM_MAGIC, __ATOMIC_RELEASE);
    map_areas(l);
    snprintf(addr, IPCB_ADDR_MAX, "%s", SHM_KEY);
    *out = l;
    return 0;
}

/* Waits (bounded) for the driver to attach, then removes the segment's name:
 * from here on a crash of both sides leaves nothing but the semaphore set,
 * which close() or reap() removes. */
static int shm_accept(ipcb_link *l, char *err)
{
    struct timespec pause = { 0, 1000000 };
    int64_t deadline = ipcb_now_ms() + l->timeout_ms;
    while ((l->other = __atomic_load_n(&l->ctl->driver_pid, __ATOMIC_ACQUIRE)) == 0) {
        if (ipcb_now_ms() >= deadline) {
            snprintf(err, IPCB_ERR_MAX, "no driver attached within %d ms", l->timeout_ms);
            return -1;
        }
        nanosleep(&pause, NULL);
    }
    if (qshm_forget(l->q) != 0) {
        snprintf(err, IPCB_ERR_MAX, "%s", qshm_error_string(l->q));
        return -1;
    }
    return 0;
}

static int check_layout(ipcb_link *l, char *err)
{
    control *c = qshm_data(l->q);
    size_t size = qshm_size(l->q);
    if (size < CONTROL_SIZE || __atomic_load_n(&c->magic, __ATOMIC_ACQUIRE) != SHM_MAGIC ||
        c->frame_cap > size - CONTROL_SIZE || size - CONTROL_SIZE - c->frame_cap < ACK_AREA) {
        snprintf(err, IPCB_ERR_MAX, "segment %s (%zu bytes) is not an ipcbench shm link",
                 qshm_native_key(l->q), size);
        return -1;
    }
    return 0;
}

static int shm_connect(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra,
                       const ipcb_opts *o, const char *addr, char *err)
{
    (void)infra;
    ipcb_link *l = link_new(t, o, addr, 0, err);
    if (!l)
        return -1;
    if (qshm_attach(l->q) != 0) {
        snprintf(err, IPCB_ERR_MAX, "%s", qshm_error_string(l->q));
        shm_close(l);
        return -1;
    }
    if (check_layout(l, err) != 0) {
        shm_close(l);
        return -1;
    }
    map_areas(l);
    l->other = l->ctl->peer_pid;
    __atomic_store_n(&l->ctl->driver_pid, (int32_t)getpid(), __ATOMIC_RELEASE);
    *out = l;
    return 0;
}

/* The driver writes frames, the peer writes acks. */
typedef struct area {
    uint8_t  *data;
    size_t    cap;
    uint64_t *len;
    int       sig_ready, sig_free;
} area;

static area outgoing(ipcb_link *l)
{
    if (l->is_peer)
        return (area){ l->acks, ACK_AREA, &l->ctl->ack_len, SIG_ACK_READY, SIG_ACK_FREE };
    return (area){ l->frames, l->ctl->frame_cap, &l->ctl->frame_len, SIG_FRAME_READY, SIG_FRAME_FREE };
}

static area incoming(ipcb_link *l)
{
    if (l->is_peer)
        return (area){ l->frames, l->ctl->frame_cap, &l->ctl->frame_len, SIG_FRAME_READY, SIG_FRAME_FREE };
    return (area){ l->acks, ACK_AREA, &l->ctl->ack_len, SIG_ACK_READY, SIG_ACK_FREE };
}

/* Wait until the last message was taken, lock, copy in, unlock, signal. */
static int shm_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    area a = outgoing(l);
    if (f->len > a.cap) {
        snprintf(err, IPCB_ERR_MAX, "message of %zu bytes does not fit the %zu-byte %s area",
                 f->len, a.cap, l->is_peer ? "ack" : "frame");
        return -1;
    }
    int rc = wait_signal(l, a.sig_free, l->timeout_ms, err);
    if (rc == 1)
        snprintf(err, IPCB_ERR_MAX, "the %s did not take the previous message within %d ms",
                 l->is_peer ? "driver" : "peer", l->timeout_ms);
    if (rc != 0 || lock_segment(l, err) != 0)
        return -1;
    memcpy(a.data, f->data, f->len);
    *a.len = f->len;
    if (unlock_segment(l, err) != 0)
        return -1;
    return post(l, a.sig_ready, err);
}

/* Wait for a message, lock, copy it out, unlock, hand the area back. */
static int shm_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    area a = incoming(l);
    int rc = wait_signal(l, a.sig_ready, timeout_ms, err);
    if (rc != 0)
        return rc;
    if (lock_segment(l, err) != 0)
        return -1;
    size_t len = (size_t)*a.len;
    if (len > f->cap || len > a.cap) {
        snprintf(err, IPCB_ERR_MAX, "message of %zu bytes does not fit the %zu-byte buffer",
                 len, f->cap);
        unlock_segment(l, err);
        return -1;
    }
    memcpy(f->buf, a.data, len);
    f->data = f->buf;
    f->len = len;
    f->loan = NULL;
    if (unlock_segment(l, err) != 0)
        return -1;
    return post(l, a.sig_free, err);
}

static void shm_reap(const char *rundir, const char *run_id)
{
    char prefix[QSHM_NAME_MAX];
    posix_prefix(rundir, run_id, prefix, sizeof prefix);
    qshm_reap_keydir(rundir, prefix);
}

static void shm_reap_attached(const char *rundir, const char *run_id)
{
    char prefix[QSHM_NAME_MAX];
    posix_prefix(rundir, run_id, prefix, sizeof prefix);
    qshm_reap_keydir_attached(rundir, prefix);
}

const ipcb_transport ipcb_transport_shm = {
    .name = "shm",
    .summary = "shared memory the QSharedMemory way: lock, memcpy, unlock (System V or POSIX)",
    .caps = 0,
    .max_frame = 0,
    .copies = 2,
    .params = shm_params,
    .listen = shm_listen,
    .accept = shm_accept,
    .connect = shm_connect,
    .send = shm_send,
    .recv = shm_recv,
    .close = shm_close,
    .reap = shm_reap,
    .reap_attached = shm_reap_attached,
};
