/* Private to the libmicrohttpd server of the http transports: its state and
 * that of each request, shared by http_server.c (the daemon and the waits the
 * transport calls) and http_routes.c (what a request is and how it is
 * answered: the callbacks the daemon calls). */
#ifndef IPCB_HTTP_SERVER_INTERNAL_H
#define IPCB_HTTP_SERVER_INTERNAL_H

#include <microhttpd.h>
#include <stdint.h>
#include <sys/types.h>

#include "http_internal.h"

enum rq_kind { RQ_NONE, RQ_REJECT, RQ_SESSION, RQ_FRAME, RQ_GET, RQ_ACK };
enum verdict { V_NONE, V_ACK, V_DONE, V_FAIL };

/* One request (libmicrohttpd's per-request context). */
typedef struct rq {
    struct rq  *next, *prev;       /* every live request, so stop can resume them */
    http_srv   *s;
    struct MHD_Connection *conn;
    int         kind;
    unsigned    status;            /* RQ_REJECT: the answer */
    const char *allow;             /* 405: the method the path takes */
    char        why[200];          /* RQ_REJECT, V_FAIL: the text of the answer */
    uint64_t    len, got;          /* Content-Length and body bytes taken */
    uint64_t    seq;               /* RQ_FRAME: X-Ipcbench-Seq; RQ_GET: ?after= */
    int         suspended;
    int         waiting_for_buffer;/* RQ_FRAME suspended until recv() offers a buffer */
    int         verdict;           /* RQ_FRAME: how to answer */
    int         answered;          /* a response is queued */
    uint8_t    *body;              /* RQ_SESSION / RQ_ACK: the body; V_ACK: the answer */
    size_t      body_len;
    uint64_t    served_seq;        /* RQ_GET: the frame its answer carries, 0 = none */
    struct ack_item *item;         /* RQ_ACK: its queued ack */
} rq;

typedef struct ack_item {
    struct ack_item *next;
    uint8_t         *data;
    size_t           len;
    struct rq       *rq;           /* its request until completed (its 204 sent) */
} ack_item;

struct http_srv {
    struct MHD_Daemon *d;
    http_srv_cfg cfg;
    char         token[HTTP_TOKEN_HEX + 1];
    char         log[IPCB_ERR_MAX];  /* libmicrohttpd's last complaint */
    rq          *live;               /* every request not yet completed */
    int          owed;               /* answers queued but not completely sent */
    rq          *watch;              /* the request a flush waits for (NULL once completed) */
    pid_t        partner;            /* pull: the peer process */
    long long    checked_ms;         /* pull: when it was last seen alive */
    int          broken;             /* pull: a frame could not be delivered; stop serving */
    int          stopping;
    /* peer: the session */
    int          session;
    rq          *session_rq;         /* its request until completed */
    char         session_body[HTTP_SESSION_BODY_MAX + 1];
    /* peer, push: frames */
    uint64_t     next_seq;           /* X-Ipcbench-Seq expected next */
    uint8_t     *rx_buf;             /* the caller's buffer while recv() runs */
    size_t       rx_cap;
    rq          *cur;                /* frame whose body is coming in */
    rq          *ready;              /* complete frame in rx_buf, not yet returned */
    size_t       ready_len;
    int          ready_orphan;       /* complete, but its request is gone */
    rq          *pending;            /* returned frame whose request awaits the verdict */
    char         rx_err[IPCB_ERR_MAX];
    /* driver, pull: the published frame and the acks */
    const uint8_t *pub;              /* referenced, not copied, until fetched */
    size_t       pub_len;
    uint64_t     pub_seq;            /* transport sequence of pub (from 1) */
    int          pub_state;          /* 0 waiting, 1 fetched, -1 fetch failed */
    rq          *waiting_get;        /* a long-poll GET with nothing to send yet */
    rq          *serving;            /* the GET whose answer carries pub */
    ack_item    *acks, **acks_tail;
};

/* ---- http_routes.c: the daemon's callbacks (MHD_AccessHandlerCallback and
 * MHD_RequestCompletedCallback; cls is the http_srv) ---- */
enum MHD_Result ipcb_http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *data, size_t *size, void **ctx);
void ipcb_http_on_completed(void *cls, struct MHD_Connection *conn, void **ctx,
                            enum MHD_RequestTerminationCode toe);
/* Lets a held (suspended) request go on: its answer is decided. */
void ipcb_http_rq_resume(rq *r);

#endif
