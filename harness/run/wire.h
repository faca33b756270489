/* The image-transfer workload: the frame header on the wire, size presets,
 * a pool of deterministic frames whose checksums are computed once, outside
 * timing, and header validation with clear errors. */
#ifndef IPCB_WIRE_H
#define IPCB_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Wire header, 64 bytes, little-endian, at the start of every message:
 *   0 u32 magic 'IPCB'   4 u16 version   6 u8 kind   7 u8 flags
 *   8 u32 format        12 u32 width    16 u32 height 20 u32 stride
 *  24 u64 sequence      32 u64 payload length
 *  40 u64 timestamp_ns  (DATA: t0, the driver's send time; ACK: t1, the
 *                        peer's receive time; CLOCK_MONOTONIC)
 *  48 u64 checksum      (DATA: XXH3-64 of the payload; ACK: 0)
 *  56 u32 status        (ACK: IPCB_STATUS_*; DATA: 0)
 *  60 u32 reserved      (0) */
enum { IPCB_HEADER_SIZE = 64 };
#define IPCB_MAGIC   0x42435049u /* "IPCB" read as little-endian u32 */
#define IPCB_VERSION 1u

enum ipcb_kind  { IPCB_KIND_DATA = 1, IPCB_KIND_ACK = 2, IPCB_KIND_STOP = 3 };
enum ipcb_flags {
    IPCB_FLAG_WARMUP  = 1u << 0, /* not measured */
    IPCB_FLAG_ACK_NOW = 1u << 1, /* the peer acks this frame at once */
};
enum ipcb_format { IPCB_FMT_BYTES = 0, IPCB_FMT_RGBA8888 = 1 };
enum ipcb_status {
    IPCB_STATUS_OK = 0,
    IPCB_STATUS_BAD_HEADER = 1,
    IPCB_STATUS_BAD_CHECKSUM = 2,
    IPCB_STATUS_BAD_SEQUENCE = 3,
    IPCB_STATUS_BAD_LENGTH = 4,
};

typedef struct ipcb_header {
    uint32_t magic;
    uint16_t version;
    uint8_t  kind;
    uint8_t  flags;
    uint32_t format, width, height, stride;
    uint64_t seq;
    uint64_t payload_len;
    uint64_t timestamp_ns;
    uint64_t checksum;
    uint32_t status;
    uint32_t reserved;
} ipcb_header;

/* Encode h into out[0..63] (explicit little-endian, no struct punning). */
void ipcb_header_encode(const ipcb_header *h, uint8_t out[IPCB_HEADER_SIZE]);
/* Decode and check magic, version, kind and reserved. Returns 0, or -1 with a
 * one-line reason in err. Does not look at the payload. */
int  ipcb_header_decode(ipcb_header *h, const uint8_t *in, size_t len,
                        char *err, size_t errlen);
/* Check a DATA message of msg_len bytes against what the receiver expects:
 * payload length == expected_payload, msg_len == header + payload, sequence ==
 * expected_seq (if allow_gaps, seq >= expected_seq). Returns IPCB_STATUS_*. */
int  ipcb_header_check_data(const ipcb_header *h, size_t msg_len,
                            uint64_t expected_payload, uint64_t expected_seq,
                            int allow_gaps, char *err, size_t errlen);

uint64_t ipcb_checksum(const void *payload, size_t len); /* XXH3-64 */

/* A frame size: either an image preset (RGBA8888) or a plain byte size. */
typedef struct ipcb_size {
    char     label[24];  /* "1080p", "64K", or "img:640x480" for --image */
    uint32_t format;     /* IPCB_FMT_* */
    uint32_t width, height, stride;
    uint64_t bytes;      /* payload bytes */
} ipcb_size;

/* Parse "thumb", "vga", "720p", "1080p", "4k", "8k" (RGBA8888 presets) or a
 * byte size "64", "4K", "64K", "1M", "64M", "1G" (K/M/G are powers of 1024,
 * a trailing 'B' or 'iB' is accepted). Returns 0 or -1 with err. Zero and
 * sizes above IPCB_SIZE_MAX are rejected. */
enum { IPCB_SIZE_MAX_GIB = 4 };
int ipcb_size_parse(ipcb_size *s, const char *text, char *err, size_t errlen);

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
/* A real picture: decode a PNG (libspng) to RGBA8888; every slot holds a copy
 * of the image with one pixel made distinct per slot. Fills *s from the image. */
int  ipcb_pool_create_png(ipcb_pool *p, const char *path, ipcb_size *s,
                          char *err, size_t errlen);
void ipcb_pool_destroy(ipcb_pool *p);
/* How many slots a pool for size s holds (about 16, total memory <= 256 MiB,
 * at least 2), without allocating anything. */
size_t ipcb_pool_slot_count(const ipcb_size *s);

/* Read a PNG's dimensions without decoding the pixels (for validation). */
int  ipcb_png_probe(const char *path, ipcb_size *s, char *err, size_t errlen);

/* Fill the header of slot i for sending as sequence seq (kind DATA). */
void ipcb_pool_stamp(const ipcb_pool *p, size_t i, uint64_t seq, uint8_t flags,
                     uint64_t timestamp_ns);

/* CLOCK_MONOTONIC in nanoseconds: the one clock driver and peer share. */
uint64_t ipcb_now_ns(void);

#endif
