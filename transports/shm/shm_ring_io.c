/* Moving messages through the shm-ring segment (see shm_ring_internal.h for
 * its layout and wake-up protocol): publishing and taking ring slots, and
 * waiting for the other side by spinning, futex sleep or both. */
#include "shm_ring_internal.h"

#include "clock.h"
#include "interrupt.h"
#include "liveness.h"

#include <linux/futex.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum {
    HYBRID_SPIN_NS = 20000,           /* hybrid: spin about 20 us before sleeping */
    SLICE_NS = IPCB_INTERRUPT_SLICE_MS * 1000000, /* sleep at most this long between checks
                                                   * of the partner and of Ctrl-C */
    CLOCK_EVERY_SPINS = 64,
};
/* Messages at least this large are written with non-temporal stores: they
 * overflow the caches anyway, and skipping the read-for-ownership of the cold
 * slot is worth up to half the copy's memory traffic. */
static const size_t STREAM_MIN_BYTES = (size_t)1 << 20;

/* ---- small helpers ---- */

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Ctrl-C ends a wait like a vanished partner (err "interrupted"). */
static int stop_waiting(char *err)
{
    if (!ipcb_interrupted)
        return 0;
    snprintf(err, IPCB_ERR_MAX, "%s", ipcb_interrupted_text);
    return 1;
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
 * Returns 0 changed, 1 time is up, -1 partner gone or Ctrl-C (err set). */
static int spin_wait(const ipcb_link *l, atomic_uint *word, uint32_t seen, uint64_t until_ns, char *err)
{
    uint64_t next_check = ipcb_now_ns() + SLICE_NS;
    for (unsigned n = 1;; n++) {
        if (atomic_load_explicit(word, memory_order_acquire) != seen)
            return 0;
        cpu_relax();
        if (n % CLOCK_EVERY_SPINS)
            continue;
        if (stop_waiting(err))
            return -1;
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

/* Sleep on *word in slices of at most SLICE_NS until it differs from seen or
 * deadline_ns passes, checking the partner and Ctrl-C after each slice (the
 * signal also ends FUTEX_WAIT at once). Returns as spin_wait. */
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
        if (stop_waiting(err) || !partner_alive(l, err))
            return -1;
    }
}

/* Wait, with the link's strategy, for *word to differ from seen, at most
 * timeout_ms. Returns 0 changed, 1 timeout, -1 partner gone or Ctrl-C (err set). */
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

int ipcb_shm_ring_send(ipcb_link *l, const ipcb_frame *f, char *err)
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

int ipcb_shm_ring_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
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
void ipcb_shm_ring_release(ipcb_link *l, ipcb_frame *f)
{
    if (f->loan && l->rx.released != l->rx.next)
        release_slot(&l->rx);
    f->loan = NULL;
}
