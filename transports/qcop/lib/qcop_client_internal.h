/* Internals shared by the client library's files: the connection's state
 * and what each file offers the ones above it. */
#ifndef QCOP_CLIENT_INTERNAL_H
#define QCOP_CLIENT_INTERNAL_H

#include <sys/types.h>

#include "qcop_client.h"

enum {
    QCOP_RBUF_SIZE = 64 * 1024,
    QCOP_MAX_FDS = 16,    /* descriptors received ahead of their packets */
    QCOP_POOL_MAX = QCOP_CLIENT_POOL_MAX, /* memfd buffers one client lends at most */
    QCOP_MAP_CACHE = 16,  /* mappings of lent buffers a receiver keeps */
};

/* A message kept while a request waited for its reply, for a later qcop_wait. */
typedef struct qcop_held {
    struct qcop_held *next;
    qcop_msg  m;
    char      names[2 * QCOP_MAX_NAME + 2];
    uint8_t  *copy;       /* inline data, copied out of the library's buffer */
} qcop_held;

struct qcop_channel {
    qcop_client  *c;
    qcop_channel *next;
    char         *name;
    size_t        len;
    int           pattern;
    int           closed;   /* closed by a handler during dispatch, freed after it */
    qcop_handler  handler;
    void         *arg;
};

/* One packet as received: its header and the message it makes. */
typedef struct qcop_rx {
    qcop_header h;
    qcop_msg    m;
} qcop_rx;

/* A sender's reusable memfd buffer; its loan id is its index + 1. */
typedef struct qcop_buffer {
    int      fd;
    uint8_t *map;
    size_t   cap;
    int      busy;        /* lent, no RELEASED yet */
} qcop_buffer;

/* A receiver's mapping of a lent buffer, found again by its inode. */
typedef struct qcop_mapping {
    dev_t    dev;
    ino_t    ino;
    void    *map;         /* NULL: free slot */
    size_t   len;
    unsigned in_use;      /* messages not done with it */
    uint64_t last_used;
} qcop_mapping;

struct qcop_client {
    int          fd;
    qcop_options o;
    uint8_t     *rbuf;
    size_t       rstart, rlen;       /* buffered bytes: rbuf[rstart, rstart + rlen) */
    int          fds[QCOP_MAX_FDS];  /* received descriptors not yet claimed, oldest first */
    int          nfds;
    char         names[2 * QCOP_MAX_NAME + 2];
    uint8_t     *data;               /* library buffer for data not read into the caller's */
    size_t       data_cap;
    qcop_held   *held, *held_tail;
    qcop_channel *channels;
    int          dispatching;
    uint32_t     next_id;
    qcop_buffer  pool[QCOP_POOL_MAX];
    int          npool;
    qcop_mapping maps[QCOP_MAP_CACHE];
    uint64_t     map_clock;
    char         broken[QCOP_ERR_MAX]; /* set once the stream is unusable */
};

/* The files, top down (each calls only the ones below it): qcop_client.c
 * (the public API), qcop_client_pool.c (the sender's buffers),
 * qcop_client_recv.c (receiving packets), qcop_client_map.c (the receiver's
 * mappings), qcop_client_io.c (the broken state, writing packets). */

/* ---- qcop_client_pool.c ---- */
/* Copies data into a free pool buffer (waiting, bounded, for one to be
 * released) and sends it lent. */
int  qcop_send_lent(qcop_client *c, const char *channel, const char *message,
                    const void *data, size_t len, char *err);
/* Takes in a packet that is not a message (replies, RELEASED): returns 1 if
 * it was one (and is dealt with), 0 if rx is a message. */
int  qcop_absorb(qcop_client *c, qcop_rx *rx);
void qcop_pool_free(qcop_client *c);

/* ---- qcop_client_recv.c ---- */
/* Receives the next packet from the broker. Waits until deadline_ms for it
 * to start (-1 = no limit), then at most o.timeout_ms for each stall inside
 * it. Inline data goes into buf when it fits cap, else the library's buffer;
 * memfd data is mapped. Returns 0, 1 on timeout, -1 with err. */
int  qcop_recv_packet(qcop_client *c, qcop_rx *rx, void *buf, size_t cap,
                      long long deadline_ms, char *err);
/* Keeps a message for the next qcop_wait (takes it over). */
int  qcop_hold(qcop_client *c, qcop_msg *m, char *err);
/* (qcop_msg_done, public in qcop_client.h, is here too.) */

/* ---- qcop_client_map.c ---- */
/* Maps the lent buffer fd (taking the descriptor) for a message with loan id. */
int  qcop_map_lent(qcop_client *c, int fd, uint32_t loan, size_t len, qcop_msg *m, char *err);
void qcop_unmap_lent(qcop_client *c, qcop_mapping *e);
void qcop_maps_free(qcop_client *c);

/* ---- qcop_client_io.c ---- */
/* Sets err and c->broken: after this every call fails with the same reason. */
int  qcop_break(qcop_client *c, const char *why, char *err);
/* Writes one packet; the memfd (or -1) rides on its first byte. */
int  qcop_send_packet(qcop_client *c, qcop_cmd cmd, uint16_t flags, uint32_t id,
                      const char *channel, const char *message, const void *data,
                      size_t len, int memfd, char *err);

#endif
