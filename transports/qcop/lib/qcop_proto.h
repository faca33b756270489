/* The QCOP wire protocol shared by the broker (qcopd), the client library and
 * the fuzz target: packet header, commands, limits, and a parser that checks
 * every length before anything is trusted. */

/* A packet is a 24-byte header, then the channel name, the message name and
 * the data, back to back with no padding:
 *
 *   offset size field
 *        0    4 total_len    bytes of the whole packet on the stream: header +
 *                            channel + message + inline data (not memfd data)
 *        4    1 version      QCOP_VERSION
 *        5    1 command      QCOP_CMD_*
 *        6    2 flags        QCOP_FLAG_*
 *        8    2 channel_len  bytes of the channel name (no NUL terminator)
 *       10    2 message_len  bytes of the message name
 *       12    4 data_len     bytes of data: inline after the message, or in
 *                            the memfd when QCOP_FLAG_FD is set
 *       16    4 id           request id of IS_REGISTERED/SYNC/STATS, echoed
 *                            in the reply; buffer or loan id of a loan (below);
 *                            0 in every other packet
 *       20    4 reserved     0
 *
 * Byte order: every integer is little-endian, whatever the host. The lengths
 * must add up: total_len == 24 + channel_len + message_len + (FD ? 0 : data_len).
 *
 * Commands, client -> broker: REGISTER and UNREGISTER a channel (a name with
 * '*' is a wildcard pattern; '*' matches any run of bytes, '/' included);
 * SEND a message with data on a channel (no '*' in it); IS_REGISTERED
 * (reply: IS_REGISTERED_REPLY, one data byte 0/1); SYNC (reply: SYNC_REPLY once
 * every earlier packet of this client has been handled, which is what flush
 * waits for); STATS (reply: STATS_REPLY, "name=value\n" lines of counters);
 * RELEASE (a loan, below). Broker -> client: SEND to subscribers of the exact
 * channel, FORWARD (same body, channel = the channel it was sent on) to
 * clients with a matching wildcard, the replies, and RELEASED. Registering a
 * name twice is the same as once.
 *
 * Zero copy (QCOP_FLAG_FD, SEND/FORWARD only): the data is not on the stream
 * but in a sealed memfd (F_SEAL_SHRINK and F_SEAL_GROW, and F_SEAL_WRITE or
 * F_SEAL_FUTURE_WRITE; size >= data_len) passed with SCM_RIGHTS in the same
 * sendmsg as the packet's first byte; one descriptor per packet, none
 * otherwise. The broker checks it and forwards the descriptor, never the bytes.
 *
 * Loans (QCOP_FLAG_LOAN, with QCOP_FLAG_FD): the sender wants its buffer back
 * to reuse it (a memfd sealed with F_SEAL_FUTURE_WRITE that it still writes
 * through its own mapping). It numbers the buffer in id (not 0). The broker
 * delivers the packet with id = a loan id of its own; each receiver sends
 * RELEASE with that id once it no longer reads the data, and when every
 * receiver has released it (or gone away) the broker sends the sender
 * RELEASED with the buffer's id. Before that the sender does not touch it.
 *
 * Limits: channel 1..QCOP_MAX_NAME bytes, message 0..QCOP_MAX_NAME bytes, no
 * NUL bytes in either; a packet at most max_packet bytes (the broker's
 * --max-packet, QCOP_MIN_PACKET..QCOP_MAX_PACKET_LIMIT, default
 * QCOP_DEFAULT_MAX_PACKET); memfd data below 4 GiB. Anything else is a
 * protocol error: the broker drops that client and counts it. */
#ifndef QCOP_PROTO_H
#define QCOP_PROTO_H

#include <stddef.h>
#include <stdint.h>

enum {
    QCOP_HEADER_SIZE = 24,
    QCOP_VERSION = 1,
    QCOP_MAX_NAME = 1024,
    QCOP_ERR_MAX = 256,
};

#define QCOP_MIN_PACKET         ((uint32_t)4096)
#define QCOP_MAX_PACKET_LIMIT   ((uint32_t)1 << 30)   /* 1 GiB */
#define QCOP_DEFAULT_MAX_PACKET ((uint32_t)256 << 20) /* 256 MiB: an 8k RGBA frame is 132.7 MB */

typedef enum qcop_cmd {
    QCOP_CMD_REGISTER = 1,
    QCOP_CMD_UNREGISTER = 2,
    QCOP_CMD_SEND = 3,
    QCOP_CMD_IS_REGISTERED = 4,
    QCOP_CMD_IS_REGISTERED_REPLY = 5,
    QCOP_CMD_FORWARD = 6,
    QCOP_CMD_SYNC = 7,
    QCOP_CMD_SYNC_REPLY = 8,
    QCOP_CMD_STATS = 9,
    QCOP_CMD_STATS_REPLY = 10,
    QCOP_CMD_RELEASE = 11,
    QCOP_CMD_RELEASED = 12,
} qcop_cmd;

enum { QCOP_FLAG_FD = 1u << 0, QCOP_FLAG_LOAN = 1u << 1, QCOP_KNOWN_FLAGS = 3 };

/* Who sent the packet being checked: some commands go one way only. */
typedef enum qcop_dir { QCOP_FROM_CLIENT, QCOP_FROM_BROKER } qcop_dir;

typedef struct qcop_header {
    uint32_t total_len;
    uint8_t  version;
    uint8_t  command;
    uint16_t flags;
    uint16_t channel_len;
    uint16_t message_len;
    uint32_t data_len;
    uint32_t id;
    uint32_t reserved;
} qcop_header;

/* A complete packet inside a buffer (pointers into it, not NUL-terminated). */
typedef struct qcop_packet {
    qcop_header h;
    const uint8_t *channel;
    const uint8_t *message;
    const uint8_t *data;  /* inline data, NULL with QCOP_FLAG_FD */
} qcop_packet;

void qcop_header_encode(const qcop_header *h, uint8_t out[QCOP_HEADER_SIZE]);
void qcop_header_decode(const uint8_t in[QCOP_HEADER_SIZE], qcop_header *h);
/* A header for a packet with these lengths (total_len computed). */
qcop_header qcop_header_make(qcop_cmd cmd, uint16_t flags, size_t channel_len,
                             size_t message_len, size_t data_len, uint32_t id);

/* Checks a decoded header: version, command for this direction, flags, the
 * lengths adding up, total_len <= max_packet. Returns 0 or -1 with err. */
int qcop_header_check(const qcop_header *h, qcop_dir dir, uint32_t max_packet, char *err);
/* Checks the channel and message names (the channel_len + message_len bytes
 * after the header) for h's command. Returns 0 or -1 with err. */
int qcop_names_check(const qcop_header *h, const uint8_t *names, char *err);

/* Parses one packet at the start of buf. Returns the packet's size (> 0) with
 * *p filled, 0 if buf holds only part of a valid packet so far, or -1 with err
 * as soon as the bytes present cannot start a valid packet. */
long qcop_parse(const uint8_t *buf, size_t len, qcop_dir dir, uint32_t max_packet,
                qcop_packet *p, char *err);

/* 1 if name contains '*' (a wildcard pattern). */
int qcop_is_pattern(const uint8_t *name, size_t len);
/* 1 if s matches pattern, where '*' matches any run of bytes (also empty). */
int qcop_glob_match(const uint8_t *pattern, size_t plen, const uint8_t *s, size_t slen);

const char *qcop_cmd_name(unsigned cmd);

#endif
