/* The frame pool: a few distinct frames per size (so caches are not
 * flattered), deterministic pixels, each slot's checksum and header written
 * once at creation, outside timing; sending stamps only sequence and time. */
#include "pool.h"
#include "textfile.h"
#include "wire.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Pool policy: about 16 slots, at most 256 MiB in total, never fewer than 2. */
enum { POOL_TARGET_SLOTS = 16, POOL_MIN_SLOTS = 2, SLOT_ALIGN = 64 };
static const uint64_t POOL_MAX_BYTES = (uint64_t)256 << 20;

static uint64_t slot_bytes(uint64_t payload)
{
    uint64_t total = IPCB_HEADER_SIZE + payload;
    return (total + SLOT_ALIGN - 1) / SLOT_ALIGN * SLOT_ALIGN;
}

size_t ipcb_pool_slot_count(const ipcb_size *s)
{
    uint64_t n = POOL_MAX_BYTES / slot_bytes(s->bytes);
    if (n > POOL_TARGET_SLOTS)
        n = POOL_TARGET_SLOTS;
    if (n < POOL_MIN_SLOTS)
        n = POOL_MIN_SLOTS;
    return (size_t)n;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A seed that depends on every property of the size and on the slot. */
static uint64_t slot_seed(const ipcb_size *s, size_t slot)
{
    const uint64_t parts[] = { s->format, s->width, s->height, s->bytes, slot };
    uint64_t state = IPCB_MAGIC;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        state ^= parts[i];
        state = splitmix64(&state);
    }
    return state;
}

/* Deterministic noise, 8 bytes per step (host byte order; every supported
 * Linux target is little-endian). */
static void fill_pixels(uint8_t *dst, uint64_t len, uint64_t seed)
{
    uint64_t state = seed, i = 0, v;
    for (; i + 8 <= len; i += 8) {
        v = splitmix64(&state);
        memcpy(dst + i, &v, 8);
    }
    if (i < len) {
        v = splitmix64(&state);
        memcpy(dst + i, &v, (size_t)(len - i));
    }
}

static void slot_prefill_header(const ipcb_size *s, ipcb_slot *slot)
{
    ipcb_header h = {
        .magic = IPCB_MAGIC, .version = IPCB_VERSION, .kind = IPCB_KIND_DATA,
        .format = s->format, .width = s->width, .height = s->height,
        .stride = s->stride, .payload_len = s->bytes, .checksum = slot->checksum,
    };
    ipcb_header_encode(&h, slot->msg);
}

int ipcb_pool_alloc(ipcb_pool *p, const ipcb_size *s, char *err, size_t errlen)
{
    uint64_t each = slot_bytes(s->bytes);
    size_t n = ipcb_pool_slot_count(s);

    memset(p, 0, sizeof *p);
    if (s->bytes == 0 || s->bytes > IPCB_SIZE_MAX_BYTES || each > SIZE_MAX) {
        ipcb_set_err(err, errlen, "frame size %" PRIu64 " bytes is out of range "
                "(1 byte to %d GiB)", s->bytes, IPCB_SIZE_MAX_GIB);
        return -1;
    }
    p->size = *s;
    p->slots = calloc(n, sizeof *p->slots);
    if (!p->slots)
        goto oom;
    p->nslots = n;
    for (size_t i = 0; i < n; i++) {
        uint8_t *msg = aligned_alloc(SLOT_ALIGN, (size_t)each);
        if (!msg)
            goto oom;
        memset(msg, 0, IPCB_HEADER_SIZE);
        memset(msg + IPCB_HEADER_SIZE + s->bytes, 0,
               (size_t)(each - IPCB_HEADER_SIZE - s->bytes));
        p->slots[i].msg = msg;
    }
    return 0;
oom:
    ipcb_set_err(err, errlen, "cannot allocate the frame pool: %zu slots of %" PRIu64
            " bytes (%s)", n, each, strerror(ENOMEM));
    ipcb_pool_destroy(p);
    return -1;
}

void ipcb_pool_finish(ipcb_pool *p)
{
    for (size_t i = 0; i < p->nslots; i++) {
        ipcb_slot *slot = &p->slots[i];
        slot->checksum = ipcb_checksum(slot->msg + IPCB_HEADER_SIZE,
                                       (size_t)p->size.bytes);
        slot_prefill_header(&p->size, slot);
    }
}

int ipcb_pool_create(ipcb_pool *p, const ipcb_size *s, char *err, size_t errlen)
{
    if (ipcb_pool_alloc(p, s, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < p->nslots; i++)
        fill_pixels(p->slots[i].msg + IPCB_HEADER_SIZE, s->bytes, slot_seed(s, i));
    ipcb_pool_finish(p);
    return 0;
}

void ipcb_pool_destroy(ipcb_pool *p)
{
    if (!p)
        return;
    if (p->slots) {
        for (size_t i = 0; i < p->nslots; i++)
            free(p->slots[i].msg);
        free(p->slots);
    }
    memset(p, 0, sizeof *p);
}

void ipcb_pool_stamp(const ipcb_pool *p, size_t i, uint64_t seq, uint8_t flags,
                     uint64_t timestamp_ns)
{
    ipcb_header_stamp(p->slots[i].msg, flags, seq, timestamp_ns);
}
