/* Internals shared by the broker's files: the broker, its clients, the
 * reference-counted packet bodies that a broadcast shares between queues, and
 * the outgoing queue (qcopd_out.c) that the event loop (qcopd_broker.c) feeds.
 * Top down: qcopd_broker.c, qcopd_loans.c, qcopd_out.c, qcopd_log.c (and
 * qcopd_channels.c, the channel table, beside them). */
#ifndef QCOPD_INTERNAL_H
#define QCOPD_INTERNAL_H

#include "qcop_proto.h"
#include "qcopd_broker.h"
#include "qcopd_channels.h"

enum {
    QCOPD_RBUF_SIZE = 256 * 1024,   /* per-client input buffer; larger packets are read in place */
    QCOPD_MAX_PENDING_FDS = 4,     /* descriptors received but not yet claimed by a packet */
    QCOPD_ENTRY_COST = 64,         /* bytes charged per queued packet on top of its size */
    QCOPD_CACHED_BODIES = 8,       /* large bodies kept for reuse (within a byte budget) */
    QCOPD_MAX_OWED = 4096,         /* loans one client may hold unreleased */
};

struct qcopd_client;

/* A memfd lent by its sender to the receivers of one packet (see the
 * protocol's loans): RELEASED goes back when remaining reaches 0. */
typedef struct qcopd_loan {
    uint32_t id;                  /* the broker's id, what receivers release */
    uint32_t buffer;              /* the sender's id, what RELEASED carries */
    struct qcopd_client *sender;  /* NULL once the sender is gone */
    unsigned remaining;           /* deliveries not yet released */
} qcopd_loan;

typedef struct qcopd_loans {
    qcopd_loan **v;
    size_t n, cap;
} qcopd_loans;

/* A packet body (channel + message + inline data), shared by every queue it
 * is in; fd is the memfd carrying the data in zero-copy mode, or -1. */
typedef struct qcopd_body {
    unsigned refs;
    int      fd;
    size_t   len, cap;
    uint8_t *bytes;
} qcopd_body;

/* One packet waiting to be written to a client: its own header (commands
 * differ per receiver), a shared body, and how much is already written. */
typedef struct qcopd_entry {
    struct qcopd_entry *next;
    qcopd_body *body;
    uint8_t  hdr[QCOP_HEADER_SIZE];
    size_t   off, size, cost;
    uint32_t data_len;
} qcopd_entry;

typedef struct qcopd_pending_fd {
    int      fd;
    uint64_t start, end;  /* stream offsets of the read that brought it */
} qcopd_pending_fd;

typedef struct qcopd_client {
    int      fd;
    uint64_t id;
    /* input */
    uint8_t *rbuf;
    size_t   rlen;         /* unparsed bytes at the start of rbuf */
    uint64_t in_total;     /* bytes read from this client so far */
    qcopd_body *big;       /* body of a large packet being read in place */
    qcop_header big_h;
    size_t   big_got;
    qcopd_pending_fd fds[QCOPD_MAX_PENDING_FDS];
    int      nfds;
    /* output */
    qcopd_entry *head, *tail;
    size_t   queued;       /* charged bytes waiting, against max_queue */
    int      polling_out;  /* EPOLLOUT is in its epoll interest */
    /* subscriptions */
    qcopd_channel **subs;
    size_t   nsubs, cap;
    uint64_t stamp;        /* last broadcast that forwarded to it (one FORWARD per message) */
    qcopd_loans owed;      /* loans delivered (or queued) to it, not released yet */
    qcopd_loans lent;      /* its own loans still out */
    int      dead;
    struct qcopd_client *next_dead;
    struct qcopd_client *next, **pprev;  /* every client */
} qcopd_client;

typedef struct qcopd {
    qcopd_cfg   cfg;
    int         ep;
    qcopd_table table;
    qcopd_stats stats;
    uint64_t    next_id, stamp, loans;
    uint32_t    next_loan;
    qcopd_client *clients; /* every connected client */
    qcopd_client *dead;    /* disconnected, freed after the current batch of events */
    int         accept_paused;
    uint8_t    *cache[QCOPD_CACHED_BODIES];
    size_t      cache_cap[QCOPD_CACHED_BODIES];
} qcopd;

/* qcopd_log.c */
void qcopd_logf(qcopd *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Marks c disconnected (logging why, if why); it is freed after the batch. */
void qcopd_kill(qcopd *b, qcopd_client *c, const char *why);

/* qcopd_out.c */
qcopd_body *qcopd_body_new(qcopd *b, size_t len);
void        qcopd_body_unref(qcopd *b, qcopd_body *body);
void        qcopd_cache_trim(qcopd *b);
/* Queues a packet with header h and this body for c (the slow-subscriber
 * policy applies) and writes what the socket takes at once. Returns 0 when
 * queued, -1 when c is (now) disconnected. */
int  qcopd_queue(qcopd *b, qcopd_client *c, const qcop_header *h, qcopd_body *body);
/* Writes queued packets until the socket is full; keeps EPOLLOUT in step. */
void qcopd_flush(qcopd *b, qcopd_client *c);
/* Frees every queued packet of c. */
void qcopd_queue_clear(qcopd *b, qcopd_client *c);

/* qcopd_loans.c */
qcopd_loan *qcopd_loan_new(qcopd *b, qcopd_client *sender, uint32_t buffer);
/* Receiver r now holds (a delivery of) the loan. -1 if it may hold no more. */
int  qcopd_loan_owe(qcopd *b, qcopd_client *r, qcopd_loan *l);
/* After delivery: done at once if nobody got it, else the sender's until released. */
int  qcopd_loan_sent(qcopd *b, qcopd_loan *l);
/* RELEASE from r. Returns -1 if r holds no loan with that id. */
int  qcopd_loan_release(qcopd *b, qcopd_client *r, uint32_t id);
/* r is going away: it releases what it holds; its own loans lose their sender. */
void qcopd_loans_drop(qcopd *b, qcopd_client *r);

#endif
