/* The 64-byte wire header every message starts with: explicit little-endian
 * encode and decode, the checks a receiver makes, the in-place stamp of a
 * frame about to be sent, and the payload checksum (XXH3-64). */
#include "wire.h"
#include "textfile.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include <xxhash.h>

/* Byte offsets of the header fields (see wire.h). */
enum {
    OFF_MAGIC = 0, OFF_VERSION = 4, OFF_KIND = 6, OFF_FLAGS = 7,
    OFF_FORMAT = 8, OFF_WIDTH = 12, OFF_HEIGHT = 16, OFF_STRIDE = 20,
    OFF_SEQ = 24, OFF_PAYLOAD_LEN = 32, OFF_TIMESTAMP = 40,
    OFF_CHECKSUM = 48, OFF_STATUS = 56, OFF_RESERVED = 60,
};

/* ---- little-endian helpers ------------------------------------------- */
/* Written out byte by byte: portable, and GCC merges each into one move,
 * which keeps ipcb_header_stamp cheap inside timed loops. */

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* ---- header ------------------------------------------------------------ */

void ipcb_header_encode(const ipcb_header *h, uint8_t out[IPCB_HEADER_SIZE])
{
    put_u32(out + OFF_MAGIC, h->magic);
    put_u16(out + OFF_VERSION, h->version);
    out[OFF_KIND] = h->kind;
    out[OFF_FLAGS] = h->flags;
    put_u32(out + OFF_FORMAT, h->format);
    put_u32(out + OFF_WIDTH, h->width);
    put_u32(out + OFF_HEIGHT, h->height);
    put_u32(out + OFF_STRIDE, h->stride);
    put_u64(out + OFF_SEQ, h->seq);
    put_u64(out + OFF_PAYLOAD_LEN, h->payload_len);
    put_u64(out + OFF_TIMESTAMP, h->timestamp_ns);
    put_u64(out + OFF_CHECKSUM, h->checksum);
    put_u32(out + OFF_STATUS, h->status);
    put_u32(out + OFF_RESERVED, h->reserved);
}

static void header_read(ipcb_header *h, const uint8_t *in)
{
    h->magic = get_u32(in + OFF_MAGIC);
    h->version = get_u16(in + OFF_VERSION);
    h->kind = in[OFF_KIND];
    h->flags = in[OFF_FLAGS];
    h->format = get_u32(in + OFF_FORMAT);
    h->width = get_u32(in + OFF_WIDTH);
    h->height = get_u32(in + OFF_HEIGHT);
    h->stride = get_u32(in + OFF_STRIDE);
    h->seq = get_u64(in + OFF_SEQ);
    h->payload_len = get_u64(in + OFF_PAYLOAD_LEN);
    h->timestamp_ns = get_u64(in + OFF_TIMESTAMP);
    h->checksum = get_u64(in + OFF_CHECKSUM);
    h->status = get_u32(in + OFF_STATUS);
    h->reserved = get_u32(in + OFF_RESERVED);
}

/* On a structural error *h still holds the fields as read (when the buffer
 * was long enough), so a caller can report them. */
int ipcb_header_decode(ipcb_header *h, const uint8_t *in, size_t len,
                       char *err, size_t errlen)
{
    if (len < IPCB_HEADER_SIZE) {
        memset(h, 0, sizeof *h);
        ipcb_set_err(err, errlen, "message of %zu bytes is shorter than the %d-byte header",
                len, IPCB_HEADER_SIZE);
        return -1;
    }
    header_read(h, in);
    if (h->magic != IPCB_MAGIC) {
        ipcb_set_err(err, errlen, "bad magic 0x%08" PRIx32 " (expected 0x%08x)",
                h->magic, IPCB_MAGIC);
        return -1;
    }
    if (h->version != IPCB_VERSION) {
        ipcb_set_err(err, errlen, "unsupported version %u (expected %u)",
                (unsigned)h->version, IPCB_VERSION);
        return -1;
    }
    if (h->kind < IPCB_KIND_DATA || h->kind > IPCB_KIND_STOP) {
        ipcb_set_err(err, errlen, "unknown kind %u", (unsigned)h->kind);
        return -1;
    }
    if (h->reserved != 0) {
        ipcb_set_err(err, errlen, "reserved field not zero (0x%08" PRIx32 ")", h->reserved);
        return -1;
    }
    return 0;
}

int ipcb_header_check_data(const ipcb_header *h, size_t msg_len,
                           uint64_t expected_payload, uint64_t expected_seq,
                           int allow_gaps, char *err, size_t errlen)
{
    if (h->kind != IPCB_KIND_DATA) {
        ipcb_set_err(err, errlen, "expected a DATA message (kind %d), got kind %u",
                IPCB_KIND_DATA, (unsigned)h->kind);
        return IPCB_STATUS_BAD_HEADER;
    }
    if (h->payload_len != expected_payload) {
        ipcb_set_err(err, errlen, "payload length %" PRIu64 ", expected %" PRIu64,
                h->payload_len, expected_payload);
        return IPCB_STATUS_BAD_LENGTH;
    }
    if (msg_len < IPCB_HEADER_SIZE || msg_len - IPCB_HEADER_SIZE != h->payload_len) {
        ipcb_set_err(err, errlen, "message length mismatch: %zu bytes received, header says "
                "%d + %" PRIu64, msg_len, IPCB_HEADER_SIZE, h->payload_len);
        return IPCB_STATUS_BAD_LENGTH;
    }
    if (allow_gaps ? h->seq < expected_seq : h->seq != expected_seq) {
        ipcb_set_err(err, errlen, "expected sequence %s%" PRIu64 ", got %" PRIu64,
                allow_gaps ? ">= " : "", expected_seq, h->seq);
        return IPCB_STATUS_BAD_SEQUENCE;
    }
    ipcb_set_err(err, errlen, "%s", "");
    return IPCB_STATUS_OK;
}

uint64_t ipcb_checksum(const void *payload, size_t len)
{
    return XXH3_64bits(payload, len);
}

void ipcb_header_stamp(uint8_t *msg, uint8_t flags, uint64_t seq, uint64_t timestamp_ns)
{
    msg[OFF_KIND] = IPCB_KIND_DATA;
    msg[OFF_FLAGS] = flags;
    put_u64(msg + OFF_SEQ, seq);
    put_u64(msg + OFF_TIMESTAMP, timestamp_ns);
}

/* ---- clock ------------------------------------------------------------- */

/* moves to transports/common/clock.c (issue 12) */
uint64_t ipcb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
