/* Transports "shm-ring" and "shm-ring-zc": one POSIX shared-memory segment,
 * made by the peer, holding two single-producer/single-consumer rings (frames
 * driver->peer, acks peer->driver). "shm-ring" copies each frame out of its
 * slot (2 copies); "shm-ring-zc" lends the slot until release() (1 copy).
 * Here: the two ops tables and the segment's set-up; shm_ring_io.c moves the
 * messages. */
#include "shm_ring_internal.h"

#include "clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    PAGE_SIZE_BYTES = 4096,
    ACK_SLOTS = 64,
    ACK_SLOT_SIZE = 256,
    MIN_DATA_SLOTS = 2,
    MAX_DATA_SLOTS = 16,
};
static const size_t DATA_RING_BUDGET = (size_t)256 << 20;

static const ipcb_param_spec ring_params[] = {
    { .name = "wait", .kind = IPCB_PARAM_WORD, .words = "spin|futex|hybrid", .def = "hybrid",
      .help = "how a waiting side waits: busy-spin, futex sleep, or spin ~20 us then futex" },
    { .name = NULL },
};

/* ---- small helpers ---- */

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

/* ---- set-up and tear-down ---- */

static int parse_wait(const ipcb_transport *t, const ipcb_opts *o, wait_mode *out, char *err)
{
    static const wait_mode modes[] = { WAIT_SPIN, WAIT_FUTEX, WAIT_HYBRID }; /* as "spin|futex|hybrid" */
    int index;
    if (ipcb_param_word(t, o, "wait", &index, err) != 0)
        return -1;
    *out = modes[index];
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
    .send = ipcb_shm_ring_send,
    .recv = ipcb_shm_ring_recv,
    .release = ipcb_shm_ring_release,
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
    .send = ipcb_shm_ring_send,
    .recv = ipcb_shm_ring_recv,
    .release = ipcb_shm_ring_release,
    .close = ring_close,
    .buffers = ring_buffers,
    .reap = ring_reap,
};
