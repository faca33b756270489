/* Transports "shm-ring" and "shm-ring-zc": one POSIX shared-memory segment,
 * made by the peer, holding two single-producer/single-consumer rings (frames
 * driver->peer, acks peer->driver). "shm-ring" copies each frame out of its
 * slot (2 copies); "shm-ring-zc" lends the slot until release() (1 copy). */
#include "clock.h"
#include "liveness.h"
#include "transport.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Memory layout of the segment (offsets from its start):
 *
 *   0          seg_header: magic, version, sizes, slot counts, both pids, and
 *              the control block of each ring (data ring, then ack ring)
 *   4096       ack ring slots: ACK_SLOTS x ACK_SLOT_SIZE (peer -> driver)
 *   data_off   data ring slots, page aligned: data_slots x data_slot_size
 *              (driver -> peer), data_slots = the harness's window (frames
 *              in flight; 1 in ping-pong modes) plus one, at least 2, at
 *              most 16 and at most 256 MiB: a ring no larger than the run
 *              needs keeps the working set small and every slot warm
 *
 * A ring's control block has head (messages published, written only by the
 * producer) and tail (messages consumed, written only by the consumer) on
 * separate cache lines; both are free-running 32-bit message counts (head -
 * tail = messages in the ring). Message i lives in slot i % slots. A slot is a
 * 16-byte slot_header (the message length) padded to 64 bytes, so the message
 * is cache-line aligned like the sender's buffers, then the message. Messages
 * of 1 MiB or more are written with non-temporal stores (see copy_to_slot).
 *
 * Wake-up protocol (no lost wake-ups): a waiter that wants to sleep sets its
 * sleeping flag (consumer_sleeping beside head, producer_sleeping beside
 * tail), issues a seq_cst fence, re-reads the counter it waits on, and only
 * then calls FUTEX_WAIT on that counter with the value it saw. The other side
 * store-releases the counter, issues a seq_cst fence, and calls FUTEX_WAKE
 * only if it then sees the flag set. Either the waker sees the flag or the
 * waiter sees the new counter; FUTEX_WAIT itself rechecks the value. */

enum {
    SEG_MAGIC = 0x474e4952u,          /* "RING" */
    SEG_VERSION = 1,
    CACHE_LINE = 64,
    PAGE_SIZE_BYTES = 4096,
    SLOT_DATA_OFFSET = 64,            /* 16-byte slot header padded to a cache line */
    ACK_SLOTS = 64,
    ACK_SLOT_SIZE = 256,
    MIN_DATA_SLOTS = 2,
    MAX_DATA_SLOTS = 16,
    HYBRID_SPIN_NS = 20000,           /* hybrid: spin about 20 us before sleeping */
    SLICE_NS = 100000000,             /* sleep at most 100 ms between liveness checks */
    CLOCK_EVERY_SPINS = 64,
};
static const size_t DATA_RING_BUDGET = (size_t)256 << 20;
/* Messages at least this large are written with non-temporal stores: they
 * overflow the caches anyway, and skipping the read-for-ownership of the cold
 * slot is worth up to half the copy's memory traffic. */
static const size_t STREAM_MIN_BYTES = (size_t)1 << 20;

typedef enum { WAIT_SPIN, WAIT_FUTEX, WAIT_HYBRID } wait_mode;

typedef struct ring_ctl {
    _Alignas(CACHE_LINE) atomic_uint head; /* producer only */
    atomic_uint consumer_sleeping;         /* consumer is (about to be) in FUTEX_WAIT on head */
    _Alignas(CACHE_LINE) atomic_uint tail; /* consumer only */
    atomic_uint producer_sleeping;         /* producer is (about to be) in FUTEX_WAIT on tail */
} ring_ctl;

typedef struct seg_header {
    uint32_t    magic, version;
    uint64_t    seg_size;
    uint64_t    data_offset, data_slot_size;
    uint64_t    ack_offset, ack_slot_size;
    uint32_t    data_slots, ack_slots;
    atomic_int  peer_pid, driver_pid;     /* driver_pid != 0: the driver has attached */
    atomic_uint named;                    /* 1 until the name is unlinked */
    ring_ctl    data;                     /* driver -> peer */
    ring_ctl    ack;                      /* peer -> driver */
} seg_header;

typedef struct slot_header {
    uint64_t len;
    uint64_t reserved;
} slot_header;

/* One side's view of one ring. */
typedef struct ring {
    ring_ctl *ctl;
    uint8_t  *slots;
    size_t    slot_size;  /* stride; messages up to slot_size - SLOT_DATA_OFFSET */
    uint32_t  nslots;
    uint32_t  next;       /* producer: next message to write; consumer: next to read */
    uint32_t  next_slot;  /* its slot: next % nslots, kept apart so counters may wrap */
    uint32_t  seen;       /* last value read of the other side's counter */
    uint32_t  released;   /* consumer: tail published so far */
} ring;

struct ipcb_link {
    seg_header *seg;
    size_t      seg_size;
    ring        tx, rx;
    wait_mode   wait;
    int         zero_copy;
    int         is_peer;
    int         timeout_ms;
    int         owns_name;  /* the peer until accept() unlinks the name */
    int         attached;   /* the driver, once it has written its pid */
    char        name[IPCB_ADDR_MAX];
};

static const ipcb_param_spec ring_params[] = {
    { "wait", "spin|futex|hybrid", "hybrid",
      "how a waiting side waits: busy-spin, futex sleep, or spin ~20 us then futex" },
    { NULL, NULL, NULL, NULL },
};

/* ---- small helpers ---- */

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

/* The run's id: opts->run_id, or the suffix of the run directory's name. */
static void run_id_of(const char *run_id, const char *rundir, char *out, size_t len)
{
    if (run_id && *run_id) {
        snprintf(out, len, "%s", run_id);
        return;
    }
    const char *base = rundir ? strrchr(rundir, '/') : NULL;
    base = base ? base + 1 : rundir;
    if (base && strncmp(base, "ipcbench-", 9) == 0)
        base += 9;
    snprintf(out, len, "%s", base && *base ? base : "norun");
}

static int partner_alive(const ipcb_link *l, char *err)
{
    pid_t pid = l->is_peer ? atomic_load(&l->seg->driver_pid) : atomic_load(&l->seg->peer_pid);
    if (ipcb_process_alive(pid))
        return 1;
    snprintf(err, IPCB_ERR_MAX, "%s process %ld exited", l->is_peer ? "driver" : "peer", (long)pid);
    return 0;
}

static void futex_wait(atomic_uint *word, uint32_t seen, uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, seen, &ts, NULL, 0);
}

static void futex_wake(atomic_uint *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* ---- waiting and waking ---- */

/* Store-release a new counter value and wake the other side if it sleeps on it. */
static void publish(atomic_uint *counter, uint32_t value, atomic_uint *sleeping)
{
    atomic_store_explicit(counter, value, memory_order_release);
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(sleeping, memory_order_relaxed))
        futex_wake(counter);
}

/* Busy-poll *word until it differs from seen or the clock passes until_ns.
 * Returns 0 changed, 1 time is up, -1 partner gone (err set). */
static int spin_wait(const ipcb_link *l, atomic_uint *word, uint32_t seen, uint64_t until_ns, char *err)
{
    uint64_t next_check = ipcb_now_ns() + SLICE_NS;
    for (unsigned n = 1;; n++) {
        if (atomic_load_explicit(word, memory_order_acquire) != seen)
            return 0;
        cpu_relax();
        if (n % CLOCK_EVERY_SPINS)
            continue;
        uint64_t now = ipcb_now_ns();
        if (now >= until_ns)
            return 1;
        if (now >= next_check) {
            if (!partner_alive(l, err))
                return -1;
            next_check = now + SLICE_NS;
        }
    }
}

/* Sleep on *word in slices of at most 100 ms until it differs from seen or
 * deadline_ns passes, checking the partner after each slice. Returns as spin_wait. */
static int futex_sleep(const ipcb_link *l, atomic_uint *word, uint32_t seen, atomic_uint *sleeping,
                       uint64_t deadline_ns, char *err)
{
    for (;;) {
        atomic_store_explicit(sleeping, 1, memory_order_relaxed);
        atomic_thread_fence(memory_order_seq_cst);
        uint64_t now = ipcb_now_ns();
        if (atomic_load_explicit(word, memory_order_acquire) != seen || now >= deadline_ns) {
            atomic_store_explicit(sleeping, 0, memory_order_relaxed);
            return atomic_load_explicit(word, memory_order_acquire) != seen ? 0 : 1;
        }
        uint64_t slice = deadline_ns - now < SLICE_NS ? deadline_ns - now : SLICE_NS;
        futex_wait(word, seen, slice);
        atomic_store_explicit(sleeping, 0, memory_order_relaxed);
        if (atomic_load_explicit(word, memory_order_acquire) != seen)
            return 0;
        if (!partner_alive(l, err))
            return -1;
    }
}

/* Wait, with the link's strategy, for *word to differ from seen, at most
 * timeout_ms. Returns 0 changed, 1 timeout, -1 partner gone (err set). */
static int wait_change(const ipcb_link *l, atomic_uint *word, uint32_t seen, atomic_uint *sleeping,
                       int timeout_ms, char *err)
{
    uint64_t start = ipcb_now_ns();
    uint64_t deadline = start + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000u;
    uint64_t spin_until = l->wait == WAIT_SPIN     ? deadline
                          : l->wait == WAIT_HYBRID ? start + HYBRID_SPIN_NS
                                                   : start;
    if (spin_until > deadline)
        spin_until = deadline;
    int rc = spin_wait(l, word, seen, spin_until, err);
    if (rc != 1 || l->wait == WAIT_SPIN)
        return rc;
    return futex_sleep(l, word, seen, sleeping, deadline, err);
}

/* ---- the rings ---- */

/* Copy into a slot (dst 64-byte aligned). Large messages bypass the caches;
 * the sfence orders those weakly-ordered stores before head is published. */
static void copy_to_slot(uint8_t *dst, const uint8_t *src, size_t len)
{
#if defined(__SSE2__)
    if (len >= STREAM_MIN_BYTES) {
        size_t blocks = len / 64;
        __m128i *d = (__m128i *)(void *)dst;
        for (size_t i = 0; i < blocks; i++, d += 4, src += 64) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)src);
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(src + 16));
            __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(src + 32));
            __m128i e = _mm_loadu_si128((const __m128i *)(const void *)(src + 48));
            _mm_stream_si128(d, a);
            _mm_stream_si128(d + 1, b);
            _mm_stream_si128(d + 2, c);
            _mm_stream_si128(d + 3, e);
        }
        memcpy(d, src, len % 64);
        _mm_sfence();
        return;
    }
#endif
    memcpy(dst, src, len);
}

static uint8_t *next_slot(const ring *r)
{
    return r->slots + (size_t)r->next_slot * r->slot_size;
}

/* Step to the next message and its slot. */
static void advance(ring *r)
{
    r->next++;
    r->next_slot = r->next_slot + 1 == r->nslots ? 0 : r->next_slot + 1;
}

static size_t slot_capacity(const ring *r)
{
    return r->slot_size - SLOT_DATA_OFFSET;
}

/* Producer: wait until the slot for message r->next is free. */
static int wait_free_slot(ipcb_link *l, ring *r, char *err)
{
    while (r->next - r->seen >= r->nslots) {
        r->seen = atomic_load_explicit(&r->ctl->tail, memory_order_acquire);
        if (r->next - r->seen < r->nslots)
            break;
        int rc = wait_change(l, &r->ctl->tail, r->seen, &r->ctl->producer_sleeping, l->timeout_ms, err);
        if (rc == 1)
            snprintf(err, IPCB_ERR_MAX, "no free ring slot within %d ms (the receiver stopped taking messages)",
                     l->timeout_ms);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Consumer: wait until message r->next has been published. Returns 0, 1 timeout, -1. */
static int wait_message(ipcb_link *l, ring *r, int timeout_ms, char *err)
{
    if (r->next != r->seen)
        return 0;
    r->seen = atomic_load_explicit(&r->ctl->head, memory_order_acquire);
    if (r->next != r->seen)
        return 0;
    int rc = wait_change(l, &r->ctl->head, r->next, &r->ctl->consumer_sleeping, timeout_ms, err);
    if (rc == 0)
        r->seen = atomic_load_explicit(&r->ctl->head, memory_order_acquire);
    return rc;
}

static int ring_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    ring *r = &l->tx;
    if (f->len > slot_capacity(r)) {
        snprintf(err, IPCB_ERR_MAX, "message of %zu bytes exceeds the ring's %zu-byte slots",
                 f->len, slot_capacity(r));
        return -1;
    }
    if (wait_free_slot(l, r, err) != 0)
        return -1;
    uint8_t *slot = next_slot(r);
    ((slot_header *)slot)->len = f->len;
    copy_to_slot(slot + SLOT_DATA_OFFSET, f->data, f->len);
    advance(r);
    publish(&r->ctl->head, r->next, &r->ctl->consumer_sleeping);
    return 0;
}

static void release_slot(ring *r)
{
    r->released++;
    publish(&r->ctl->tail, r->released, &r->ctl->producer_sleeping);
}

static int ring_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    ring *r = &l->rx;
    int rc = wait_message(l, r, timeout_ms, err);
    if (rc != 0)
        return rc;
    uint8_t *slot = next_slot(r);
    size_t len = (size_t)((const slot_header *)slot)->len;
    if (len > slot_capacity(r)) {
        snprintf(err, IPCB_ERR_MAX, "corrupt ring slot: length %zu exceeds the %zu-byte slot",
                 len, slot_capacity(r));
        return -1;
    }
    if (l->zero_copy) {
        f->data = slot + SLOT_DATA_OFFSET;
        f->len = len;
        f->loan = slot;
        advance(r);
        return 0;
    }
    if (len > f->cap) {
        snprintf(err, IPCB_ERR_MAX, "message of %zu bytes does not fit the %zu-byte receive buffer",
                 len, f->cap);
        return -1;
    }
    memcpy(f->buf, slot + SLOT_DATA_OFFSET, len);
    f->data = f->buf;
    f->len = len;
    f->loan = NULL;
    advance(r);
    release_slot(r);
    return 0;
}

/* Loans are returned in the order they were made: each frees the oldest slot. */
static void ring_release(ipcb_link *l, ipcb_frame *f)
{
    if (f->loan && l->rx.released != l->rx.next)
        release_slot(&l->rx);
    f->loan = NULL;
}

/* ---- set-up and tear-down ---- */

static int parse_wait(const ipcb_transport *t, const ipcb_opts *o, wait_mode *out, char *err)
{
    char v[32];
    ipcb_param(t, o, "wait", v, sizeof v);
    if (strcmp(v, "spin") == 0)
        *out = WAIT_SPIN;
    else if (strcmp(v, "futex") == 0)
        *out = WAIT_FUTEX;
    else if (strcmp(v, "hybrid") == 0)
        *out = WAIT_HYBRID;
    else {
        snprintf(err, IPCB_ERR_MAX, "wait must be spin|futex|hybrid, not '%s'", v);
        return -1;
    }
    return 0;
}

static ipcb_link *link_new(const ipcb_transport *t, const ipcb_opts *o, int is_peer, char *err)
{
    ipcb_link *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return NULL;
    }
    l->zero_copy = (t->caps & IPCB_CAP_ZERO_COPY) != 0;
    l->is_peer = is_peer;
    l->timeout_ms = o->timeout_ms;
    if (parse_wait(t, o, &l->wait, err) != 0) {
        free(l);
        return NULL;
    }
    return l;
}

static void ring_close(ipcb_link *l)
{
    if (!l)
        return;
    if (l->seg) {
        /* An attached driver unlinks too if the peer died before it could. */
        if (l->owns_name || (l->attached && atomic_load(&l->seg->named)))
            shm_unlink(l->name);
        munmap(l->seg, l->seg_size);
    } else if (l->owns_name) {
        shm_unlink(l->name);
    }
    free(l);
}

/* Fill in the sizes of a fresh segment for messages up to max_message with
 * up to window of them in flight. */
static void plan_layout(seg_header *h, size_t max_message, int window)
{
    size_t slot = SLOT_DATA_OFFSET + round_up(max_message ? max_message : 1, CACHE_LINE);
    size_t n = (size_t)(window > 0 ? window : 1) + 1;
    size_t budget = DATA_RING_BUDGET / slot;
    n = n > budget ? budget : n;
    n = n < MIN_DATA_SLOTS ? MIN_DATA_SLOTS : n > MAX_DATA_SLOTS ? MAX_DATA_SLOTS : n;
    h->ack_offset = round_up(sizeof *h, PAGE_SIZE_BYTES);
    h->ack_slot_size = ACK_SLOT_SIZE;
    h->ack_slots = ACK_SLOTS;
    h->data_offset = round_up(h->ack_offset + (size_t)ACK_SLOTS * ACK_SLOT_SIZE, PAGE_SIZE_BYTES);
    h->data_slot_size = slot;
    h->data_slots = (uint32_t)n;
    h->seg_size = h->data_offset + n * slot;
}

static void ring_attach(ring *r, seg_header *h, ring_ctl *ctl, uint64_t offset, uint64_t slot_size,
                        uint32_t nslots)
{
    r->ctl = ctl;
    r->slots = (uint8_t *)h + offset;
    r->slot_size = slot_size;
    r->nslots = nslots;
}

/* The segment's rings as seen from one side. */
static void attach_rings(ipcb_link *l)
{
    seg_header *h = l->seg;
    ring *data = l->is_peer ? &l->rx : &l->tx;
    ring *ack = l->is_peer ? &l->tx : &l->rx;
    ring_attach(data, h, &h->data, h->data_offset, h->data_slot_size, h->data_slots);
    ring_attach(ack, h, &h->ack, h->ack_offset, h->ack_slot_size, h->ack_slots);
}

/* Create, reserve and map the segment. */
static int create_segment(ipcb_link *l, const seg_header *plan, char *err)
{
    int fd = shm_open(l->name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, IPCB_ERR_MAX, "shm_open %s: %s", l->name, strerror(errno));
        return -1;
    }
    l->owns_name = 1;
    size_t size = (size_t)plan->seg_size;
    int rc = posix_fallocate(fd, 0, (off_t)size); /* returns the error number */
    if (rc == ENOSPC || rc == ENOMEM)
        snprintf(err, IPCB_ERR_MAX, "not enough shared memory (/dev/shm) for %zu bytes", size);
    else if (rc != 0)
        snprintf(err, IPCB_ERR_MAX, "posix_fallocate %s (%zu bytes): %s", l->name, size, strerror(rc));
    void *map = MAP_FAILED;
    if (rc == 0) {
        /* Not MAP_POPULATE: accept() prefaults, once the driver is attached. */
        map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
            snprintf(err, IPCB_ERR_MAX, "mmap %s (%zu bytes): %s", l->name, size, strerror(errno));
    }
    close(fd);
    if (map == MAP_FAILED)
        return -1;
    l->seg = map;
    l->seg_size = size;
    return 0;
}

static int ring_listen(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra, const ipcb_opts *o,
                       char addr[IPCB_ADDR_MAX], char *err)
{
    (void)infra;
    ipcb_link *l = link_new(t, o, 1, err);
    if (!l)
        return -1;
    char id[128];
    run_id_of(o->run_id, o->rundir, id, sizeof id);
    snprintf(l->name, sizeof l->name, "/ipcbench-%s-ring-%ld", id, (long)getpid());
    seg_header plan = { 0 };
    plan_layout(&plan, o->max_message, o->window);
    if (create_segment(l, &plan, err) != 0) {
        ring_close(l);
        return -1;
    }
    seg_header *h = l->seg; /* fresh pages are zero: counters and flags start at 0 */
    h->seg_size = plan.seg_size;
    h->data_offset = plan.data_offset;
    h->data_slot_size = plan.data_slot_size;
    h->data_slots = plan.data_slots;
    h->ack_offset = plan.ack_offset;
    h->ack_slot_size = plan.ack_slot_size;
    h->ack_slots = plan.ack_slots;
    h->version = SEG_VERSION;
    atomic_store(&h->peer_pid, (int)getpid());
    atomic_store(&h->named, 1);
    h->magic = SEG_MAGIC;
    atomic_thread_fence(memory_order_release);
    attach_rings(l);
    snprintf(addr, IPCB_ADDR_MAX, "%s", l->name);
    *out = l;
    return 0;
}

/* Map every page now, so no page fault lands in a measured loop (tmpfs zeroes
 * reserved pages on first touch; both sides do this at once after the driver
 * has attached, so neither side's timeout runs out while the other is busy).
 * Best effort: without MADV_POPULATE_WRITE (Linux < 5.14) pages fault lazily. */
static void prefault(ipcb_link *l)
{
    (void)madvise(l->seg, l->seg_size, MADV_POPULATE_WRITE);
}

/* Wait (bounded) for the driver to attach, then remove the name: from here
 * on the segment disappears with the last mapping, however the processes end. */
static int ring_accept(ipcb_link *l, char *err)
{
    struct timespec pause = { 0, 100000 };
    uint64_t deadline = ipcb_now_ns() + (uint64_t)l->timeout_ms * 1000000u;
    while (atomic_load_explicit(&l->seg->driver_pid, memory_order_acquire) == 0) {
        if (ipcb_now_ns() >= deadline) {
            snprintf(err, IPCB_ERR_MAX, "no driver attached to %s within %d ms", l->name, l->timeout_ms);
            return -1;
        }
        nanosleep(&pause, NULL);
    }
    shm_unlink(l->name);
    l->owns_name = 0;
    atomic_store(&l->seg->named, 0);
    prefault(l);
    return 0;
}

/* Check a segment made by the peer before trusting any offset in it. */
static int validate_segment(const seg_header *h, size_t size, const ipcb_opts *o, const char *name, char *err)
{
    if (h->magic != SEG_MAGIC) {
        snprintf(err, IPCB_ERR_MAX, "%s is not an ipcbench ring segment (magic 0x%08x)", name, h->magic);
        return -1;
    }
    if (h->version != SEG_VERSION) {
        snprintf(err, IPCB_ERR_MAX, "%s has ring layout version %u, this build speaks %u",
                 name, h->version, (unsigned)SEG_VERSION);
        return -1;
    }
    if (h->seg_size != size || h->data_slots < 1 || h->ack_slots < 1 ||
        h->data_slot_size <= SLOT_DATA_OFFSET || h->ack_slot_size <= SLOT_DATA_OFFSET ||
        h->ack_offset < sizeof *h || h->ack_offset + h->ack_slots * h->ack_slot_size > h->data_offset ||
        h->data_offset + h->data_slots * h->data_slot_size > size) {
        snprintf(err, IPCB_ERR_MAX, "%s has an inconsistent layout (%zu bytes)", name, size);
        return -1;
    }
    if (h->data_slot_size - SLOT_DATA_OFFSET < o->max_message) {
        snprintf(err, IPCB_ERR_MAX, "%s holds messages up to %llu bytes, this run sends up to %zu",
                 name, (unsigned long long)(h->data_slot_size - SLOT_DATA_OFFSET), o->max_message);
        return -1;
    }
    int driver = atomic_load(&h->driver_pid);
    if (driver != 0) {
        snprintf(err, IPCB_ERR_MAX, "%s is already attached by process %d", name, driver);
        return -1;
    }
    return 0;
}

static int map_existing(ipcb_link *l, const char *addr, char *err)
{
    int fd = shm_open(addr, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, IPCB_ERR_MAX, "shm_open %s: %s", addr, strerror(errno));
        return -1;
    }
    struct stat st;
    void *map = MAP_FAILED;
    if (fstat(fd, &st) != 0)
        snprintf(err, IPCB_ERR_MAX, "fstat %s: %s", addr, strerror(errno));
    else if ((size_t)st.st_size < sizeof(seg_header))
        snprintf(err, IPCB_ERR_MAX, "%s is too small (%lld bytes) to be a ring segment", addr,
                 (long long)st.st_size);
    else {
        map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
            snprintf(err, IPCB_ERR_MAX, "mmap %s: %s", addr, strerror(errno));
    }
    close(fd);
    if (map == MAP_FAILED)
        return -1;
    l->seg = map;
    l->seg_size = (size_t)st.st_size;
    return 0;
}

static int ring_connect(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra, const ipcb_opts *o,
                        const char *addr, char *err)
{
    (void)infra;
    ipcb_link *l = link_new(t, o, 0, err);
    if (!l)
        return -1;
    snprintf(l->name, sizeof l->name, "%s", addr);
    if (map_existing(l, addr, err) != 0 || validate_segment(l->seg, l->seg_size, o, addr, err) != 0) {
        ring_close(l);
        return -1;
    }
    attach_rings(l);
    atomic_store_explicit(&l->seg->driver_pid, (int)getpid(), memory_order_release);
    l->attached = 1;
    prefault(l);
    *out = l;
    return 0;
}

/* Remove every "ipcbench-<run_id>-*" name in /dev/shm (this transport's and any
 * other transport's of the same run). */
static void ring_reap(const char *rundir, const char *run_id)
{
    char id[128], prefix[160], name[300];
    run_id_of(run_id, rundir, id, sizeof id);
    snprintf(prefix, sizeof prefix, "ipcbench-%s-", id);
    DIR *d = opendir("/dev/shm");
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        snprintf(name, sizeof name, "/%s", e->d_name);
        shm_unlink(name);
    }
    closedir(d);
}

static int ring_available(char *err)
{
    if (access("/dev/shm", W_OK) != 0) {
        snprintf(err, IPCB_ERR_MAX, "no writable /dev/shm for POSIX shared memory");
        return -1;
    }
    return 0;
}

/* ---- the two ops tables ---- */

/* The data ring's slots: the warm-up sends at least this many frames. */
static unsigned ring_buffers(const ipcb_link *l)
{
    return l->seg ? l->seg->data_slots : 1;
}

const ipcb_transport ipcb_transport_shm_ring = {
    .name = "shm-ring",
    .summary = "POSIX shm SPSC ring, receiver copies out (futex/spin waits)",
    .caps = 0,
    .max_frame = 0,
    .copies = 2,
    .params = ring_params,
    .available = ring_available,
    .listen = ring_listen,
    .accept = ring_accept,
    .connect = ring_connect,
    .send = ring_send,
    .recv = ring_recv,
    .release = ring_release,
    .close = ring_close,
    .buffers = ring_buffers,
    .reap = ring_reap,
};

const ipcb_transport ipcb_transport_shm_ring_zc = {
    .name = "shm-ring-zc",
    .summary = "POSIX shm SPSC ring, receiver reads the slot in place (zero-copy)",
    .caps = IPCB_CAP_ZERO_COPY,
    .max_frame = 0,
    .copies = 1,
    .params = ring_params,
    .available = ring_available,
    .listen = ring_listen,
    .accept = ring_accept,
    .connect = ring_connect,
    .send = ring_send,
    .recv = ring_recv,
    .release = ring_release,
    .close = ring_close,
    .buffers = ring_buffers,
    .reap = ring_reap,
};
