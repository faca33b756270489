/* Private to the libmicrohttpd server of the http transports: its state and
 * that of each request, shared by http_server.c (the daemon and the waits the
 * transport calls), http_routes.c (what a request is and how it is answered:
 * the callbacks the daemon calls), http_admission.c (which connections may
 * stay) and http_unparsable.c (the 400 libmicrohttpd does not send). */
#ifndef IPCB_HTTP_SERVER_INTERNAL_H
#define IPCB_HTTP_SERVER_INTERNAL_H

#include <microhttpd.h>
#include <stdint.h>
#include <sys/types.h>

#include "http_internal.h"

enum rq_kind { RQ_NONE, RQ_REJECT, RQ_SESSION, RQ_FRAME, RQ_GET, RQ_ACK };
enum verdict { V_NONE, V_ACK, V_DONE, V_FAIL };

/* Admission (http_admission.c): a connection without a request carrying the
 * token is closed after ADMISSION_DEADLINE_MS, or sooner when STRANGERS_MAX
 * newer ones arrive; CONNECTIONS_MAX (libmicrohttpd's limit) leaves room
 * above the strangers for the benchmark's own connections. */
enum {
    ADMISSION_DEADLINE_MS = 1000,
    STRANGERS_MAX         = 64,
    CONNECTIONS_MAX       = 256,
};
typedef struct http_conn http_conn;

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
    /* admission: connections no request with the token has come on, oldest first */
    http_conn   *strangers, *strangers_tail;
    unsigned     stranger_count;
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

/* ---- http_unparsable.c ---- */
/* 400 written straight to the socket of a connection closing without a
 * parsed request line, if the client sent something and got nothing. */
void ipcb_http_answer_unparsable(int fd);

/* ---- http_admission.c: who may hold a connection ---- */
/* From libmicrohttpd's connection notification: a new connection (a
 * stranger; *socket_ctx becomes its record) and the end of one. */
void ipcb_http_conn_opened(http_srv *s, int fd, void **socket_ctx);
void ipcb_http_conn_closed(http_srv *s, void **socket_ctx);
/* A request arrived on conn; token_ok: it carried the run's token, which
 * admits its connection. Returns whether the connection is admitted. */
int  ipcb_http_conn_request(http_srv *s, struct MHD_Connection *conn, int token_ok);
int  ipcb_http_conn_admitted(struct MHD_Connection *conn);
/* MHD_OPTION_URI_LOG_CALLBACK: a request line was parsed on conn. */
void *ipcb_http_on_request_line(void *cls, const char *uri, struct MHD_Connection *conn);
/* ms, or less: until the oldest stranger's deadline. */
long long ipcb_http_strangers_wait(const http_srv *s, long long ms);
/* Closes the strangers whose deadline has passed. */
void ipcb_http_strangers_sweep(http_srv *s);

#endif
