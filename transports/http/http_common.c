/* What both sides of the http transports share (see http_internal.h): the
 * per-run token, the "127.0.0.1:PORT/TOKEN" address, and the informational
 * frame metadata read for the X-Frame-* headers. */
#include "http_internal.h"

#include "le.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int ipcb_http_token_new(char token[HTTP_TOKEN_HEX + 1], char *err)
{
    uint8_t raw[HTTP_TOKEN_HEX / 2];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, IPCB_ERR_MAX, "getrandom: %s", strerror(errno));
            return -1;
        }
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(token + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

int ipcb_http_token_ok(const char *presented, const char *ours)
{
    if (!presented || strlen(presented) != HTTP_TOKEN_HEX)
        return 0;
    unsigned diff = 0;
    for (size_t i = 0; i < HTTP_TOKEN_HEX; i++)
        diff |= (unsigned)(presented[i] ^ ours[i]);
    return diff == 0;
}

void ipcb_http_addr_format(char out[IPCB_ADDR_MAX], unsigned port, const char *token)
{
    snprintf(out, IPCB_ADDR_MAX, "127.0.0.1:%u/%s", port, token);
}

int ipcb_http_addr_parse(const char *addr, unsigned *port, char token[HTTP_TOKEN_HEX + 1], char *err)
{
    static const char host[] = "127.0.0.1:";
    if (strncmp(addr, host, sizeof host - 1) != 0) {
        snprintf(err, IPCB_ERR_MAX, "bad address '%.80s' (want 127.0.0.1:PORT/TOKEN)", addr);
        return -1;
    }
    const char *p = addr + sizeof host - 1;
    char *end;
    unsigned long v = *p >= '0' && *p <= '9' ? strtoul(p, &end, 10) : 0;
    if (v == 0 || v > 65535 || *end != '/' || strlen(end + 1) != HTTP_TOKEN_HEX ||
        strspn(end + 1, "0123456789abcdef") != HTTP_TOKEN_HEX) {
        snprintf(err, IPCB_ERR_MAX, "bad address '%.80s' (want 127.0.0.1:PORT/TOKEN)", addr);
        return -1;
    }
    *port = (unsigned)v;
    memcpy(token, end + 1, HTTP_TOKEN_HEX + 1);
    return 0;
}

/* harness/workload.h: "8 u32 format 12 u32 width 16 u32 height 24 u64
 * sequence 40 u64 timestamp_ns 48 u64 checksum 56 u32 status", 64 bytes. */
void ipcb_http_meta_read(const uint8_t *msg, size_t len, http_meta *m)
{
    memset(m, 0, sizeof *m);
    if (!msg || len < 64)
        return;
    m->valid = 1;
    m->format = ipcb_le_get32(msg + 8);
    m->width = ipcb_le_get32(msg + 12);
    m->height = ipcb_le_get32(msg + 16);
    m->seq = ipcb_le_get64(msg + 24);
    m->timestamp_ns = ipcb_le_get64(msg + 40);
    m->checksum = ipcb_le_get64(msg + 48);
    m->status = ipcb_le_get32(msg + 56);
}
