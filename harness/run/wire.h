/* The frame header on the wire: 64 bytes, little-endian, at the start of
 * every message; encoding, decoding with clear errors, the receiver's
 * checks, and the payload checksum. */
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

/* Stamp a DATA header in place, as sending does once per frame: kind DATA,
 * flags, sequence number and send time; the other fields stay as written. */
void ipcb_header_stamp(uint8_t *msg, uint8_t flags, uint64_t seq, uint64_t timestamp_ns);

#endif
