/* Private to the http transports: the names of the headers both sides use,
 * and what each file offers the one above it. http.c (the ops tables) sits on
 * http_server.c (libmicrohttpd, with http_routes.c, http_admission.c and
 * http_unparsable.c behind it) and http_client.c (libcurl), which both sit on
 * http_common.c (token, address, frame metadata). See http.c for the design. */
#ifndef IPCB_HTTP_INTERNAL_H
#define IPCB_HTTP_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include "transport.h"

enum {
    HTTP_TOKEN_HEX = 32,          /* 128 random bits, hex */
    HTTP_SESSION_BODY_MAX = 200,  /* POST /session body: an address */
};

/* Request and response headers. */
#define HTTP_H_TOKEN   "X-Ipcbench-Token"      /* the per-run token (every request) */
#define HTTP_H_SEQ     "X-Ipcbench-Seq"        /* the transport's own message counter, from 1 */
#define HTTP_H_PID     "X-Ipcbench-Pid"        /* /session answer: the answering process */
#define HTTP_H_SIZE    "X-Frame-Size"          /* message bytes; must equal Content-Length */
#define HTTP_H_FORMAT  "X-Frame-Format"        /* informational (see ipcb_http_meta_read) */
#define HTTP_H_DIMS    "X-Frame-Dimensions"
#define HTTP_H_FSEQ    "X-Frame-Sequence"
#define HTTP_H_SUM     "X-Frame-Checksum"
#define HTTP_H_T1      "X-Peer-Receive-Time-Ns"
#define HTTP_H_STATUS  "X-Peer-Status"

/* ---- http_common.c ---- */

/* "127.0.0.1:PORT/TOKEN": what listen() announces (over the private control
 * channel only) and what the driver's pull server sends in POST /session. */
void ipcb_http_addr_format(char out[IPCB_ADDR_MAX], unsigned port, const char *token);
int  ipcb_http_addr_parse(const char *addr, unsigned *port, char token[HTTP_TOKEN_HEX + 1],
                          char *err);
int  ipcb_http_token_new(char token[HTTP_TOKEN_HEX + 1], char *err);
/* Constant-time comparison of a presented token with ours (NULL = missing). */
int  ipcb_http_token_ok(const char *presented, const char *ours);

/* Informational frame metadata for headers, read from the fixed little-endian
 * offsets that harness/workload.h documents (the transport never acts on it). */
typedef struct http_meta {
    int      valid;               /* the message is at least 64 bytes long */
    uint32_t format, width, height, status;
    uint64_t seq, timestamp_ns, checksum;
} http_meta;
void ipcb_http_meta_read(const uint8_t *msg, size_t len, http_meta *m);

/* ---- http_server.c: libmicrohttpd, driven from the caller's thread ---- */
typedef struct http_srv http_srv;

enum http_role {
    HTTP_SRV_PEER,   /* in the peer: POST /session, and (push) POST /frames */
    HTTP_SRV_DRIVER, /* in the driver (pull): GET /frames/latest, POST /acks */
};

typedef struct http_srv_cfg {
    int    role;          /* HTTP_SRV_* */
    int    pull;          /* HTTP_SRV_PEER: the driver's /session must carry its address */
    size_t max_message;   /* largest body accepted (413 above) */
    int    timeout_ms;    /* bound of every wait */
} http_srv_cfg;

int  ipcb_http_srv_start(http_srv **out, const http_srv_cfg *cfg, char addr[IPCB_ADDR_MAX],
                         char *err);
/* Answers what is still owed (bounded), then stops the daemon. */
void ipcb_http_srv_stop(http_srv *s);
/* Peer: wait (bounded) for a valid POST /session; in pull mode body gets the
 * driver's address (at most HTTP_SESSION_BODY_MAX bytes). */
int  ipcb_http_srv_wait_session(http_srv *s, char *body, size_t len, char *err);
/* Peer, push: the next POSTed frame, copied into f->buf. Returns 0, 1 on
 * timeout, -1 with err. Answers the previous frame with 204 if it was not acked. */
int  ipcb_http_srv_recv_frame(http_srv *s, ipcb_frame *f, int timeout_ms, char *err);
/* Peer, push: f becomes the 200 answer to the last frame's request. */
int  ipcb_http_srv_answer(http_srv *s, const ipcb_frame *f, char *err);
/* Driver, pull: publish f as /frames/latest and return once the peer has
 * fetched all of it (f is referenced, not copied, until then). */
int  ipcb_http_srv_publish(http_srv *s, const ipcb_frame *f, char *err);
/* Driver, pull: the next message POSTed to /acks. 0, 1 on timeout, -1. */
int  ipcb_http_srv_recv_ack(http_srv *s, ipcb_frame *f, int timeout_ms, char *err);
/* Driver, pull: the peer's pid, checked while waiting (0 = unknown). */
void ipcb_http_srv_set_partner(http_srv *s, pid_t pid);

/* ---- http_client.c: libcurl easy handle, one connection kept alive ---- */
typedef struct http_cli http_cli;

int  ipcb_http_cli_open(http_cli **out, unsigned port, const char *token, int timeout_ms,
                        int newconn, char *err);
void ipcb_http_cli_close(http_cli *c);

enum { HTTP_META_NONE, HTTP_META_FRAME, HTTP_META_ACK };

/* One request. POST when body != NULL (also for an empty body with
 * body_len 0), else GET. The response body goes to sink (at most sink_cap
 * bytes; more is an error). */
typedef struct http_xfer {
    const char    *path;           /* "/frames", "/frames/latest?after=3" */
    const uint8_t *body;
    size_t         body_len;
    uint64_t       seq;            /* X-Ipcbench-Seq to send, 0 = none */
    int            meta;           /* HTTP_META_*: informational headers describing body */
    uint8_t       *sink;
    size_t         sink_cap;
    int            timeout_ms;
    /* results */
    long           status;         /* HTTP status, 0 if none arrived */
    size_t         len;            /* response body bytes written to sink */
    uint64_t       resp_seq;       /* X-Ipcbench-Seq of the response, 0 = none */
    long           resp_pid;       /* X-Ipcbench-Pid of the response, 0 = none */
    int            timed_out;      /* the request timed out before any response byte */
} http_xfer;

/* Returns 0 when a response arrived (any status; x->status), -1 with err
 * when none did (refused, reset, timeout...). */
int  ipcb_http_cli_do(http_cli *c, http_xfer *x, char *err);
/* "HTTP 403: <first line of the body>" for an unexpected status. */
void ipcb_http_status_error(const http_xfer *x, const char *what, char *err);

#endif
