/* The client library's connection basics, under everything else in it: the
 * broken state (after one failure every call fails with the same reason) and
 * writing one packet with bounded, blocking sends, a memfd riding on its
 * first byte. */
#include "qcop_client_internal.h"

#include "interrupt.h"
#include "memfd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

int qcop_break(qcop_client *c, const char *why, char *err)
{
    if (!c->broken[0])
        snprintf(c->broken, sizeof c->broken, "%s", why);
    snprintf(err, QCOP_ERR_MAX, "%s", c->broken);
    return -1;
}

/* Writes every iovec with blocking sends (one system call for a whole
 * frame unless the broker falls behind); the descriptor rides on the first
 * byte. Each stall is bounded by SO_SNDTIMEO = o.timeout_ms; a failure
 * leaves the stream unusable. */
static int send_all(qcop_client *c, struct iovec *iov, int niov, int memfd, char *err)
{
    char why[QCOP_ERR_MAX];
    while (niov > 0) {
        ssize_t n = ipcb_send_fd(c->fd, iov, niov, memfd, MSG_NOSIGNAL); /* blocks for at most SO_SNDTIMEO */
        if (n < 0 && errno == EAGAIN)
            snprintf(why, sizeof why, "qcopd did not read for %d ms", c->o.timeout_ms);
        else if (n < 0 && errno == EINTR)
            snprintf(why, sizeof why, "interrupted");
        else if (n < 0)
            snprintf(why, sizeof why, "writing to qcopd: %s%s", strerror(errno),
                     errno == EPIPE || errno == ECONNRESET ? " (broker gone)" : "");
        if (n < 0)
            return qcop_break(c, why, err);
        memfd = -1;
        while (niov > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            niov--;
        }
        if (niov > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
            if (ipcb_interrupted) /* a signal cuts a blocking send short rather than fail it */
                return qcop_break(c, ipcb_interrupted_text, err);
        }
    }
    return 0;
}

int qcop_send_packet(qcop_client *c, qcop_cmd cmd, uint16_t flags, uint32_t id,
                     const char *channel, const char *message, const void *data,
                     size_t len, int memfd, char *err)
{
    size_t clen = channel ? strlen(channel) : 0, mlen = message ? strlen(message) : 0;
    if (c->broken[0])
        return qcop_break(c, c->broken, err);
    if (clen > QCOP_MAX_NAME || mlen > QCOP_MAX_NAME || len > UINT32_MAX) {
        snprintf(err, QCOP_ERR_MAX, "channel, message or data too long (%zu, %zu, %zu bytes)", clen, mlen, len);
        return -1;
    }
    uint64_t total = (uint64_t)QCOP_HEADER_SIZE + clen + mlen + (memfd < 0 ? len : 0);
    if (total > c->o.max_packet) {
        snprintf(err, QCOP_ERR_MAX, "message of %zu bytes exceeds the maximum packet of %u bytes",
                 len, (unsigned)c->o.max_packet);
        return -1;
    }
    qcop_header h = qcop_header_make(cmd, flags, clen, mlen, len, id);
    if (qcop_header_check(&h, QCOP_FROM_CLIENT, c->o.max_packet, err) != 0)
        return -1;
    if (cmd == QCOP_CMD_SEND && memchr(channel, '*', clen)) {
        snprintf(err, QCOP_ERR_MAX, "cannot send on a wildcard channel: %s", channel);
        return -1;
    }
    uint8_t hdr[QCOP_HEADER_SIZE];
    qcop_header_encode(&h, hdr);
    struct iovec iov[4] = { { hdr, sizeof hdr } };
    int n = 1;
    if (clen)
        iov[n++] = (struct iovec){ (void *)channel, clen };
    if (mlen)
        iov[n++] = (struct iovec){ (void *)message, mlen };
    if (len && memfd < 0)
        iov[n++] = (struct iovec){ (void *)data, len };
    return send_all(c, iov, n, memfd, err);
}
