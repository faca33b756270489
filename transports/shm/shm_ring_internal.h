/* Private to the shm-ring transports (shm_ring.c sets up links and holds the
 * ops tables, shm_ring_io.c moves messages through the rings): the layout of
 * the shared segment, a ring as one side sees it, and the link. */
#ifndef IPCB_SHM_RING_INTERNAL_H
#define IPCB_SHM_RING_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"

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
    SLOT_DATA_OFFSET = 64,            /* 16-byte slot header padded to a cache line */
};

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

/* shm_ring_io.c: the ops of a set-up link. */
int  ipcb_shm_ring_send(ipcb_link *l, const ipcb_frame *f, char *err);
int  ipcb_shm_ring_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err);
void ipcb_shm_ring_release(ipcb_link *l, ipcb_frame *f);

#endif
