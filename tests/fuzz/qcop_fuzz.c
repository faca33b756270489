/* libFuzzer target for the QCOP packet parser (`make fuzz`): the input's first
 * byte picks the direction and packet limit, the rest is a byte stream parsed
 * packet by packet as the broker and the clients do, with invariants checked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qcop/lib/qcop_proto.h"

enum { MAX_PATTERNS = 8 };

static const uint32_t limits[] = { QCOP_MIN_PACKET, 65536, QCOP_DEFAULT_MAX_PACKET, QCOP_MAX_PACKET_LIMIT };

typedef struct patterns {
    const uint8_t *name[MAX_PATTERNS];
    size_t len[MAX_PATTERNS];
    int n;
} patterns;

static void check_packet(const uint8_t *buf, size_t len, long n, const qcop_packet *p,
                         qcop_dir dir, uint32_t max)
{
    char err[QCOP_ERR_MAX];
    qcop_packet again;
    if ((size_t)n > len || (uint32_t)n != p->h.total_len || p->h.total_len > max)
        abort();
    if (p->channel != buf + QCOP_HEADER_SIZE || p->message != p->channel + p->h.channel_len)
        abort();
    if (p->data && p->data + p->h.data_len != buf + n)
        abort();
    if (memchr(p->channel, '\0', p->h.channel_len) || memchr(p->message, '\0', p->h.message_len))
        abort();
    /* any strict prefix of a valid packet is "not yet", never an error or a packet */
    if (qcop_parse(buf, (size_t)n - 1, dir, max, &again, err) != 0)
        abort();
    /* the header survives a round trip */
    uint8_t hdr[QCOP_HEADER_SIZE];
    qcop_header_encode(&p->h, hdr);
    if (memcmp(hdr, buf, QCOP_HEADER_SIZE) != 0)
        abort();
}

/* Wildcards registered so far are matched against every channel sent on. */
static void use_names(const qcop_packet *p, patterns *pats)
{
    const uint8_t *ch = p->channel;
    size_t len = p->h.channel_len;
    if (p->h.command == QCOP_CMD_REGISTER && qcop_is_pattern(ch, len) && pats->n < MAX_PATTERNS) {
        pats->name[pats->n] = ch;
        pats->len[pats->n++] = len;
    }
    if (p->h.command != QCOP_CMD_SEND && p->h.command != QCOP_CMD_FORWARD)
        return;
    for (int i = 0; i < pats->n; i++) {
        int m = qcop_glob_match(pats->name[i], pats->len[i], ch, len);
        int star = qcop_glob_match((const uint8_t *)"*", 1, ch, len);
        if (!star || (pats->len[i] == 1 && !m))
            abort(); /* "*" matches everything */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[QCOP_ERR_MAX];
    patterns pats = { .n = 0 };
    if (size < 1)
        return 0;
    qcop_dir dir = (data[0] & 1) ? QCOP_FROM_BROKER : QCOP_FROM_CLIENT;
    uint32_t max = limits[(data[0] >> 1) & 3];
    const uint8_t *buf = data + 1;
    size_t len = size - 1;
    while (len > 0) {
        qcop_packet p;
        long n = qcop_parse(buf, len, dir, max, &p, err);
        if (n <= 0)
            break;
        check_packet(buf, len, n, &p, dir, max);
        use_names(&p, &pats);
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}
