/* The broker's channel table (see qcopd_channels.h): FNV-1a hashing with
 * chaining, doubling when the load passes one; wildcard channels are also on
 * a list that every send walks. */
#include "qcopd_channels.h"

#include "qcop_proto.h"

#include <stdlib.h>
#include <string.h>

enum { INITIAL_BUCKETS = 64 };

static size_t hash(const uint8_t *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    return (size_t)h;
}

int qcopd_table_init(qcopd_table *t)
{
    memset(t, 0, sizeof *t);
    t->buckets = calloc(INITIAL_BUCKETS, sizeof *t->buckets);
    t->nbuckets = t->buckets ? INITIAL_BUCKETS : 0;
    return t->buckets ? 0 : -1;
}

static void channel_free(qcopd_channel *ch)
{
    free(ch->subs);
    free(ch->name);
    free(ch);
}

void qcopd_table_free(qcopd_table *t)
{
    for (size_t i = 0; i < t->nbuckets; i++)
        for (qcopd_channel *ch = t->buckets[i], *next; ch; ch = next) {
            next = ch->next;
            channel_free(ch);
        }
    free(t->buckets);
    memset(t, 0, sizeof *t);
}

qcopd_channel *qcopd_table_find(const qcopd_table *t, const uint8_t *name, size_t len)
{
    for (qcopd_channel *ch = t->buckets[hash(name, len) % t->nbuckets]; ch; ch = ch->next)
        if (ch->len == len && memcmp(ch->name, name, len) == 0)
            return ch;
    return NULL;
}

static void grow(qcopd_table *t)
{
    size_t n = t->nbuckets * 2;
    qcopd_channel **b = calloc(n, sizeof *b);
    if (!b)
        return; /* keep the longer chains */
    for (size_t i = 0; i < t->nbuckets; i++)
        for (qcopd_channel *ch = t->buckets[i], *next; ch; ch = next) {
            next = ch->next;
            size_t k = hash(ch->name, ch->len) % n;
            ch->next = b[k];
            b[k] = ch;
        }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

static qcopd_channel *channel_new(qcopd_table *t, const uint8_t *name, size_t len)
{
    qcopd_channel *ch = calloc(1, sizeof *ch);
    if (!ch || !(ch->name = malloc(len ? len : 1))) {
        free(ch);
        return NULL;
    }
    memcpy(ch->name, name, len);
    ch->len = len;
    ch->pattern = qcop_is_pattern(name, len);
    if (t->count >= t->nbuckets)
        grow(t);
    size_t k = hash(name, len) % t->nbuckets;
    ch->next = t->buckets[k];
    t->buckets[k] = ch;
    t->count++;
    if (ch->pattern) {
        ch->pnext = t->patterns;
        if (t->patterns)
            t->patterns->pprev = &ch->pnext;
        t->patterns = ch;
        ch->pprev = &t->patterns;
    }
    return ch;
}

static void channel_drop(qcopd_table *t, qcopd_channel *ch)
{
    qcopd_channel **pp = &t->buckets[hash(ch->name, ch->len) % t->nbuckets];
    while (*pp != ch)
        pp = &(*pp)->next;
    *pp = ch->next;
    if (ch->pattern) {
        *ch->pprev = ch->pnext;
        if (ch->pnext)
            ch->pnext->pprev = ch->pprev;
    }
    t->count--;
    channel_free(ch);
}

static int add_sub(qcopd_channel *ch, void *sub)
{
    if (ch->nsubs == ch->cap) {
        size_t cap = ch->cap ? ch->cap * 2 : 4;
        void **s = realloc(ch->subs, cap * sizeof *s);
        if (!s)
            return -1;
        ch->subs = s;
        ch->cap = cap;
    }
    ch->subs[ch->nsubs++] = sub;
    return 0;
}

qcopd_channel *qcopd_table_subscribe(qcopd_table *t, const uint8_t *name, size_t len,
                                     void *sub, int *added)
{
    qcopd_channel *ch = qcopd_table_find(t, name, len);
    int fresh = ch == NULL;
    *added = 0;
    if (fresh && !(ch = channel_new(t, name, len)))
        return NULL;
    for (size_t i = 0; i < ch->nsubs; i++)
        if (ch->subs[i] == sub)
            return ch;
    if (add_sub(ch, sub) != 0) {
        if (fresh)
            channel_drop(t, ch);
        return NULL;
    }
    *added = 1;
    return ch;
}

void qcopd_table_unsubscribe(qcopd_table *t, qcopd_channel *ch, void *sub)
{
    for (size_t i = 0; i < ch->nsubs; i++)
        if (ch->subs[i] == sub) {
            /* keep the order: subscribers are served in the order they came */
            memmove(&ch->subs[i], &ch->subs[i + 1], (ch->nsubs - i - 1) * sizeof *ch->subs);
            ch->nsubs--;
            break;
        }
    if (ch->nsubs == 0)
        channel_drop(t, ch);
}
