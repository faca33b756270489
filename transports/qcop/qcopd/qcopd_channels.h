/* The broker's channel table: channel name -> subscribers, a hash table for
 * exact names plus a list of wildcard patterns. A channel exists while it has
 * at least one subscriber. Subscribers are opaque pointers (the broker's clients). */
#ifndef QCOPD_CHANNELS_H
#define QCOPD_CHANNELS_H

#include <stddef.h>
#include <stdint.h>

typedef struct qcopd_channel {
    struct qcopd_channel *next;     /* hash chain */
    struct qcopd_channel *pnext;    /* next wildcard pattern (patterns only) */
    struct qcopd_channel **pprev;   /* where the pattern list points at this one */
    uint8_t *name;
    size_t   len;
    int      pattern;               /* name contains '*' */
    void   **subs;                  /* subscribers, each at most once */
    size_t   nsubs, cap;
} qcopd_channel;

typedef struct qcopd_table {
    qcopd_channel **buckets;
    size_t nbuckets, count;
    qcopd_channel *patterns;        /* every wildcard channel */
} qcopd_table;

int  qcopd_table_init(qcopd_table *t);
void qcopd_table_free(qcopd_table *t);
qcopd_channel *qcopd_table_find(const qcopd_table *t, const uint8_t *name, size_t len);
/* Adds sub to the channel (created if new). Returns the channel, or NULL when
 * out of memory. *added says whether sub was not subscribed before. */
qcopd_channel *qcopd_table_subscribe(qcopd_table *t, const uint8_t *name, size_t len,
                                     void *sub, int *added);
/* Removes sub from ch; drops the channel when that was its last subscriber. */
void qcopd_table_unsubscribe(qcopd_table *t, qcopd_channel *ch, void *sub);

#endif
