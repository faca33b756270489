/* The 64-byte wire header every message starts with: explicit little-endian
 * encode and decode, the checks a receiver makes, the in-place stamp of a
 * frame about to be sent, and the payload checksum (XXH3-64). */
#include "wire.h"

#include "le.h"
#include "textfile.h"

#include <inttypes.h>
#include <string.h>

#include <xxhash.h>

/* Byte offsets of the header fields (see wire.h). */
enum {
    OFF_MAGIC = 0, OFF_VERSION = 4, OFF_KIND = 6, OFF_FLAGS = 7,
    OFF_FORMAT = 8, OFF_WIDTH = 12, OFF_HEIGHT = 16, OFF_STRIDE = 20,
    OFF_SEQ = 24, OFF_PAYLOAD_LEN = 32, OFF_TIMESTAMP = 40,
    OFF_CHECKSUM = 48, OFF_STATUS = 56, OFF_RESERVED = 60,
};

/* ---- header ------------------------------------------------------------ */

void ipcb_header_encode(const ipcb_header *h, uint8_t out[IPCB_HEADER_SIZE])
{
    ipcb_le_put32(out + OFF_MAGIC, h->magic);
    ipcb_le_put16(out + OFF_VERSION, h->version);
    out[OFF_KIND] = h->kind;
    out[OFF_FLAGS] = h->flags;
    ipcb_le_put32(out + OFF_FORMAT, h->format);
    ipcb_le_put32(out + OFF_WIDTH, h->width);
    ipcb_le_put32(out + OFF_HEIGHT, h->height);
    ipcb_le_put32(out + OFF_STRIDE, h->stride);
    ipcb_le_put64(out + OFF_SEQ, h->seq);
    ipcb_le_put64(out + OFF_PAYLOAD_LEN, h->payload_len);
    ipcb_le_put64(out + OFF_TIMESTAMP, h->timestamp_ns);
    ipcb_le_put64(out + OFF_CHECKSUM, h->checksum);
    ipcb_le_put32(out + OFF_STATUS, h->status);
    ipcb_le_put32(out + OFF_RESERVED, h->reserved);
}

static void header_read(ipcb_header *h, const uint8_t *in)
{
    h->magic = ipcb_le_get32(in + OFF_MAGIC);
    h->version = ipcb_le_get16(in + OFF_VERSION);
    h->kind = in[OFF_KIND];
    h->flags = in[OFF_FLAGS];
    h->format = ipcb_le_get32(in + OFF_FORMAT);
    h->width = ipcb_le_get32(in + OFF_WIDTH);
    h->height = ipcb_le_get32(in + OFF_HEIGHT);
    h->stride = ipcb_le_get32(in + OFF_STRIDE);
    h->seq = ipcb_le_get64(in + OFF_SEQ);
    h->payload_len = ipcb_le_get64(in + OFF_PAYLOAD_LEN);
    h->timestamp_ns = ipcb_le_get64(in + OFF_TIMESTAMP);
    h->checksum = ipcb_le_get64(in + OFF_CHECKSUM);
    h->status = ipcb_le_get32(in + OFF_STATUS);
    h->reserved = ipcb_le_get32(in + OFF_RESERVED);
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
    ipcb_le_put64(msg + OFF_SEQ, seq);
    ipcb_le_put64(msg + OFF_TIMESTAMP, timestamp_ns);
}
