/* The QCOP client library, QCopChannel's shape in C: channels to open,
 * send(channel, message, data, len), is_registered, flush, and receiving by a
 * bounded wait or through callbacks. Nothing here prints or exits. This is the
 * library's public API (implemented by qcop_client*.c). */
#ifndef QCOP_CLIENT_H
#define QCOP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "qcop_proto.h"

/* The most memfd buffers a zero-copy client lends at once (it reuses them). */
enum { QCOP_CLIENT_POOL_MAX = 16 };

typedef struct qcop_client qcop_client;
typedef struct qcop_channel qcop_channel;

typedef struct qcop_options {
    int      timeout_ms;     /* bound of a blocked send and of the replies it waits for (default 5000) */
    int      zero_copy;      /* send data of at least fd_threshold bytes through memfds (loans) */
    size_t   fd_threshold;   /* default 64 KiB */
    uint32_t max_packet;     /* largest packet accepted from the broker (default QCOP_DEFAULT_MAX_PACKET) */
} qcop_options;

/* What a received message holds on to until qcop_msg_done. Internal. */
typedef struct qcop_msg_priv {
    void    *map;       /* a mapping of its own, unmapped at done */
    size_t   map_len;
    void    *cache;     /* a cached mapping it uses */
    void    *held;      /* a held copy, freed at done */
    uint32_t loan;      /* a loan, released at done */
} qcop_msg_priv;

/* A received message. channel and message are NUL-terminated. data is in
 * the buffer given to qcop_wait (in_buf), in the library's buffer (valid
 * until the next receive), or in a read-only mapping of the memfd it came in
 * (mapped). In zero-copy mode the sender's buffers are lent: the mapping is
 * kept for the next message in the same buffer, and qcop_msg_done tells the
 * sender it may reuse it. Call qcop_msg_done when finished with a message. */
typedef struct qcop_msg {
    qcop_cmd       command;  /* QCOP_CMD_SEND, or QCOP_CMD_FORWARD for a wildcard match */
    const char    *channel;
    const char    *message;
    const uint8_t *data;
    size_t         len;
    int            fd;       /* the memfd of a one-off zero-copy message, else -1 */
    int            in_buf;   /* data is in the caller's buffer */
    int            mapped;   /* data is a mapping of a memfd */
    qcop_msg_priv  priv_;
} qcop_msg;

/* Callback of an open channel: a message sent on it (or, for a wildcard
 * channel, on a matching channel). m is valid during the call only. */
typedef void (*qcop_handler)(qcop_channel *ch, const qcop_msg *m, void *arg);

/* $QCOP_SOCKET, else $XDG_RUNTIME_DIR/qcop/qcopd.sock, else /tmp/qcop-UID/qcopd.sock. */
void qcop_default_socket(char *out, size_t len);

/* Connects to the broker at path (NULL = qcop_default_socket). opts may be NULL. */
qcop_client *qcop_connect(const char *path, const qcop_options *opts, char *err);
void qcop_disconnect(qcop_client *c);
/* The socket, for poll(): readable when a message may be there; also check
 * qcop_pending, since messages may already be buffered. */
int  qcop_fd(const qcop_client *c);
int  qcop_pending(const qcop_client *c);

/* QCopChannel: opening registers the channel with the broker ('*' makes it a
 * wildcard); closing unregisters it once no other open channel of this
 * client has the same name. handler may be NULL (receive with qcop_wait). */
qcop_channel *qcop_channel_open(qcop_client *c, const char *name, qcop_handler handler,
                                void *arg, char *err);
void          qcop_channel_close(qcop_channel *ch);
const char   *qcop_channel_name(const qcop_channel *ch);

/* QCopChannel::send: data (len bytes, may be 0) travels inline, or in
 * zero-copy mode is copied into one of the client's memfd buffers, which is
 * lent to the receivers (a send waits, bounded, when all are still lent).
 * Returns 0 or -1 with err. */
int qcop_send(qcop_client *c, const char *channel, const char *message,
              const void *data, size_t len, char *err);
/* Sends a sealed memfd the caller made (ipcb_memfd_sealed, common/memfd.h) carrying len bytes;
 * the caller may close it afterwards. */
int qcop_send_fd(qcop_client *c, const char *channel, const char *message,
                 int memfd, size_t len, char *err);
/* QCopChannel::isRegistered: 1 if some client has the channel open, 0 if
 * not, -1 with err. Messages arriving meanwhile are kept for later. */
int qcop_is_registered(qcop_client *c, const char *channel, char *err);
/* QCopChannel::flush: returns once the broker has handled everything this
 * client sent before (delivered or queued it for every subscriber). */
int qcop_flush(qcop_client *c, char *err);
/* The broker's counters as "name=value\n" lines. */
int qcop_stats(qcop_client *c, char *out, size_t len, char *err);

/* Waits up to timeout_ms (-1 = forever) for the next message. Inline data
 * goes straight into buf when it fits in cap (buf may be NULL). Returns 0
 * with *m, 1 on timeout, -1 with err (broker gone, protocol error). */
int  qcop_wait(qcop_client *c, qcop_msg *m, void *buf, size_t cap, int timeout_ms, char *err);
void qcop_msg_done(qcop_client *c, qcop_msg *m);
/* Waits up to timeout_ms for messages and hands each one buffered to the
 * handlers of the open channels it is for. Returns how many messages it
 * handled (0 on timeout) or -1 with err. */
int  qcop_dispatch(qcop_client *c, int timeout_ms, char *err);

#endif
