/* The QCOP packet format (see qcop_proto.h): explicit little-endian encoding,
 * header and name checks, the incremental packet parser the broker and the
 * clients run on their input, and '*' glob matching for wildcard channels. */
#include "qcop_proto.h"

#include "le.h"

#include <stdio.h>
#include <string.h>

void qcop_header_encode(const qcop_header *h, uint8_t out[QCOP_HEADER_SIZE])
{
    ipcb_le_put32(out, h->total_len);
    out[4] = h->version;
    out[5] = h->command;
    ipcb_le_put16(out + 6, h->flags);
    ipcb_le_put16(out + 8, h->channel_len);
    ipcb_le_put16(out + 10, h->message_len);
    ipcb_le_put32(out + 12, h->data_len);
    ipcb_le_put32(out + 16, h->id);
    ipcb_le_put32(out + 20, h->reserved);
}

void qcop_header_decode(const uint8_t in[QCOP_HEADER_SIZE], qcop_header *h)
{
    h->total_len = ipcb_le_get32(in);
    h->version = in[4];
    h->command = in[5];
    h->flags = ipcb_le_get16(in + 6);
    h->channel_len = ipcb_le_get16(in + 8);
    h->message_len = ipcb_le_get16(in + 10);
    h->data_len = ipcb_le_get32(in + 12);
    h->id = ipcb_le_get32(in + 16);
    h->reserved = ipcb_le_get32(in + 20);
}

qcop_header qcop_header_make(qcop_cmd cmd, uint16_t flags, size_t channel_len,
                             size_t message_len, size_t data_len, uint32_t id)
{
    size_t inline_data = (flags & QCOP_FLAG_FD) ? 0 : data_len;
    qcop_header h = {
        .total_len = (uint32_t)(QCOP_HEADER_SIZE + channel_len + message_len + inline_data),
        .version = QCOP_VERSION, .command = (uint8_t)cmd, .flags = flags,
        .channel_len = (uint16_t)channel_len, .message_len = (uint16_t)message_len,
        .data_len = (uint32_t)data_len, .id = id,
    };
    return h;
}

static const char *const cmd_names[] = {
    "?", "register", "unregister", "send", "is-registered", "is-registered-reply",
    "forward", "sync", "sync-reply", "stats", "stats-reply", "release", "released",
};

const char *qcop_cmd_name(unsigned cmd)
{
    return cmd < sizeof cmd_names / sizeof cmd_names[0] ? cmd_names[cmd] : "?";
}

static int from_client(unsigned cmd)
{
    return cmd == QCOP_CMD_REGISTER || cmd == QCOP_CMD_UNREGISTER || cmd == QCOP_CMD_SEND ||
           cmd == QCOP_CMD_IS_REGISTERED || cmd == QCOP_CMD_SYNC || cmd == QCOP_CMD_STATS ||
           cmd == QCOP_CMD_RELEASE;
}

static int from_broker(unsigned cmd)
{
    return cmd == QCOP_CMD_SEND || cmd == QCOP_CMD_FORWARD || cmd == QCOP_CMD_IS_REGISTERED_REPLY ||
           cmd == QCOP_CMD_SYNC_REPLY || cmd == QCOP_CMD_STATS_REPLY || cmd == QCOP_CMD_RELEASED;
}

static int carries_message(unsigned cmd)
{
    return cmd == QCOP_CMD_SEND || cmd == QCOP_CMD_FORWARD;
}

static int needs_channel(unsigned cmd)
{
    return cmd == QCOP_CMD_REGISTER || cmd == QCOP_CMD_UNREGISTER || carries_message(cmd) ||
           cmd == QCOP_CMD_IS_REGISTERED || cmd == QCOP_CMD_IS_REGISTERED_REPLY;
}

/* A loan needs a descriptor and an id; RELEASE and RELEASED carry only an id. */
static int check_loan(const qcop_header *h, char *err)
{
    unsigned cmd = h->command;
    int loan = (h->flags & QCOP_FLAG_LOAN) != 0;
    if (loan && (!(h->flags & QCOP_FLAG_FD) || h->id == 0)) {
        snprintf(err, QCOP_ERR_MAX, "loan flag without a descriptor or a buffer id");
        return -1;
    }
    if ((cmd == QCOP_CMD_RELEASE || cmd == QCOP_CMD_RELEASED) && h->id == 0) {
        snprintf(err, QCOP_ERR_MAX, "%s without an id", qcop_cmd_name(cmd));
        return -1;
    }
    return 0;
}

/* Which fields a command may use; a field it does not use must be 0. */
static int check_shape(const qcop_header *h, char *err)
{
    unsigned cmd = h->command;
    if (needs_channel(cmd) && h->channel_len == 0) {
        snprintf(err, QCOP_ERR_MAX, "%s without a channel", qcop_cmd_name(cmd));
        return -1;
    }
    if (!needs_channel(cmd) && h->channel_len != 0) {
        snprintf(err, QCOP_ERR_MAX, "%s with a channel", qcop_cmd_name(cmd));
        return -1;
    }
    if (!carries_message(cmd) && h->message_len != 0) {
        snprintf(err, QCOP_ERR_MAX, "%s with a message name", qcop_cmd_name(cmd));
        return -1;
    }
    int data_ok = carries_message(cmd) || cmd == QCOP_CMD_STATS_REPLY ||
                  (cmd == QCOP_CMD_IS_REGISTERED_REPLY && h->data_len == 1);
    if (!data_ok && (h->data_len != 0 || cmd == QCOP_CMD_IS_REGISTERED_REPLY)) {
        snprintf(err, QCOP_ERR_MAX, "%s with %u data bytes", qcop_cmd_name(cmd), (unsigned)h->data_len);
        return -1;
    }
    if ((h->flags & QCOP_FLAG_FD) && (!carries_message(cmd) || h->data_len == 0)) {
        snprintf(err, QCOP_ERR_MAX, "descriptor flag on %s with %u data bytes",
                 qcop_cmd_name(cmd), (unsigned)h->data_len);
        return -1;
    }
    return check_loan(h, err);
}

static int check_lengths(const qcop_header *h, uint32_t max_packet, char *err)
{
    uint64_t inline_data = (h->flags & QCOP_FLAG_FD) ? 0 : h->data_len;
    uint64_t want = (uint64_t)QCOP_HEADER_SIZE + h->channel_len + h->message_len + inline_data;
    if (h->channel_len > QCOP_MAX_NAME || h->message_len > QCOP_MAX_NAME) {
        snprintf(err, QCOP_ERR_MAX, "name too long (channel %u, message %u bytes; at most %d)",
                 (unsigned)h->channel_len, (unsigned)h->message_len, QCOP_MAX_NAME);
        return -1;
    }
    if (want != h->total_len) {
        snprintf(err, QCOP_ERR_MAX, "lengths do not add up: total %u, parts %llu",
                 (unsigned)h->total_len, (unsigned long long)want);
        return -1;
    }
    if (h->total_len > max_packet) {
        snprintf(err, QCOP_ERR_MAX, "packet of %u bytes exceeds the maximum of %u",
                 (unsigned)h->total_len, (unsigned)max_packet);
        return -1;
    }
    return 0;
}

int qcop_header_check(const qcop_header *h, qcop_dir dir, uint32_t max_packet, char *err)
{
    if (h->version != QCOP_VERSION) {
        snprintf(err, QCOP_ERR_MAX, "unsupported protocol version %u", (unsigned)h->version);
        return -1;
    }
    int known = dir == QCOP_FROM_CLIENT ? from_client(h->command) : from_broker(h->command);
    if (!known) {
        snprintf(err, QCOP_ERR_MAX, "unknown command %u from the %s", (unsigned)h->command,
                 dir == QCOP_FROM_CLIENT ? "client" : "broker");
        return -1;
    }
    if ((h->flags & ~(unsigned)QCOP_KNOWN_FLAGS) != 0 || h->reserved != 0) {
        snprintf(err, QCOP_ERR_MAX, "unknown flags 0x%x or reserved field 0x%x",
                 (unsigned)h->flags, (unsigned)h->reserved);
        return -1;
    }
    if (check_shape(h, err) != 0)
        return -1;
    return check_lengths(h, max_packet, err);
}

int qcop_names_check(const qcop_header *h, const uint8_t *names, char *err)
{
    const uint8_t *channel = names, *message = names + h->channel_len;
    if (memchr(channel, '\0', h->channel_len) || memchr(message, '\0', h->message_len)) {
        snprintf(err, QCOP_ERR_MAX, "NUL byte in a channel or message name");
        return -1;
    }
    int pattern_ok = h->command == QCOP_CMD_REGISTER || h->command == QCOP_CMD_UNREGISTER ||
                     h->command == QCOP_CMD_IS_REGISTERED || h->command == QCOP_CMD_IS_REGISTERED_REPLY;
    if (!pattern_ok && qcop_is_pattern(channel, h->channel_len)) {
        snprintf(err, QCOP_ERR_MAX, "%s on a wildcard channel", qcop_cmd_name(h->command));
        return -1;
    }
    return 0;
}

long qcop_parse(const uint8_t *buf, size_t len, qcop_dir dir, uint32_t max_packet,
                qcop_packet *p, char *err)
{
    if (len < QCOP_HEADER_SIZE)
        return 0;
    qcop_header_decode(buf, &p->h);
    if (qcop_header_check(&p->h, dir, max_packet, err) != 0)
        return -1;
    size_t names = (size_t)p->h.channel_len + p->h.message_len;
    if (len < QCOP_HEADER_SIZE + names)
        return 0;
    if (qcop_names_check(&p->h, buf + QCOP_HEADER_SIZE, err) != 0)
        return -1;
    if (len < p->h.total_len)
        return 0;
    p->channel = buf + QCOP_HEADER_SIZE;
    p->message = p->channel + p->h.channel_len;
    p->data = (p->h.flags & QCOP_FLAG_FD) ? NULL : p->message + p->h.message_len;
    return (long)p->h.total_len;
}

int qcop_is_pattern(const uint8_t *name, size_t len)
{
    return memchr(name, '*', len) != NULL;
}

/* Iterative glob with one backtrack point: on a mismatch after a '*', the
 * star swallows one more byte. O(plen * slen) at worst, no recursion. */
int qcop_glob_match(const uint8_t *pattern, size_t plen, const uint8_t *s, size_t slen)
{
    size_t p = 0, i = 0, star = (size_t)-1, mark = 0;
    while (i < slen) {
        if (p < plen && pattern[p] == '*') {
            star = p++;
            mark = i;
        } else if (p < plen && pattern[p] == s[i]) {
            p++;
            i++;
        } else if (star != (size_t)-1) {
            p = star + 1;
            i = ++mark;
        } else {
            return 0;
        }
    }
    while (p < plen && pattern[p] == '*')
        p++;
    return p == plen;
}
