/* The frame pool: a few distinct, deterministic frames per size whose
 * checksums and headers are written once, outside timing. */
#ifndef IPCB_POOL_H
#define IPCB_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "sizes.h"

/* The frame pool: `slots` distinct buffers, each header space + payload,
 * 64-byte aligned, pixels deterministic per (slot, size), checksum computed
 * once at creation. The slot count adapts to the size (more slots for small
 * frames so caches are not flattered, at least 2, bounded memory). */
typedef struct ipcb_slot {
    uint8_t *msg;        /* IPCB_HEADER_SIZE + payload bytes */
    uint64_t checksum;   /* XXH3-64 of the payload */
} ipcb_slot;

typedef struct ipcb_pool {
    ipcb_size  size;
    size_t     nslots;
    ipcb_slot *slots;
} ipcb_pool;

/* Synthetic pixels for size s. */
int  ipcb_pool_create(ipcb_pool *p, const ipcb_size *s, char *err, size_t errlen);
void ipcb_pool_destroy(ipcb_pool *p);
/* How many slots a pool for size s holds (about 16, total memory <= 256 MiB,
 * at least 2), without allocating anything. */
size_t ipcb_pool_slot_count(const ipcb_size *s);

/* For pools filled elsewhere (png.c): allocate the slots for size s (header
 * and padding zeroed, payload not yet written; on failure p is left empty),
 * then, once every payload is written, compute each slot's checksum and
 * write its header. */
int  ipcb_pool_alloc(ipcb_pool *p, const ipcb_size *s, char *err, size_t errlen);
void ipcb_pool_finish(ipcb_pool *p);

/* Fill the header of slot i for sending as sequence seq (kind DATA). */
void ipcb_pool_stamp(const ipcb_pool *p, size_t i, uint64_t seq, uint8_t flags,
                     uint64_t timestamp_ns);

#endif
