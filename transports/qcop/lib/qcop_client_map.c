/* The receiving side of zero copy in the client library: a cache of
 * read-only mappings of the buffers senders lend, found again by inode, so a
 * frame in a buffer seen before costs no mmap and no copy. */
#include "qcop_client_internal.h"

#include "memfd.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static qcop_mapping *find_mapping(qcop_client *c, dev_t dev, ino_t ino)
{
    for (int i = 0; i < QCOP_MAP_CACHE; i++)
        if (c->maps[i].map && c->maps[i].dev == dev && c->maps[i].ino == ino)
            return &c->maps[i];
    return NULL;
}

/* A free slot, else the least recently used mapping nobody uses (unmapped),
 * else NULL. */
static qcop_mapping *free_slot(qcop_client *c)
{
    qcop_mapping *lru = NULL;
    for (int i = 0; i < QCOP_MAP_CACHE; i++) {
        qcop_mapping *e = &c->maps[i];
        if (!e->map)
            return e;
        if (e->in_use == 0 && (!lru || e->last_used < lru->last_used))
            lru = e;
    }
    if (lru) {
        munmap(lru->map, lru->len);
        memset(lru, 0, sizeof *lru);
    }
    return lru;
}

/* Maps a new lent buffer into the cache, or privately when every cached
 * mapping is in use. Takes fd. */
static int map_new(qcop_client *c, int fd, const struct stat *st, uint32_t loan, size_t len,
                   qcop_msg *m, char *err)
{
    char why[QCOP_ERR_MAX];
    qcop_mapping *e = free_slot(c);
    size_t span = e ? (size_t)st->st_size : len;
    void *map = ipcb_memfd_check(fd, len, why, sizeof why) == 0 ? ipcb_memfd_map(fd, span, why, sizeof why) : NULL;
    if (!map) {
        close(fd);
        return qcop_break(c, why, err);
    }
    m->data = map;
    m->mapped = 1;
    m->priv_.loan = loan;
    if (!e) { /* unmapped and closed at qcop_msg_done */
        m->fd = fd;
        m->priv_.map = map;
        m->priv_.map_len = span;
        return 0;
    }
    close(fd);
    *e = (qcop_mapping){ .dev = st->st_dev, .ino = st->st_ino, .map = map, .len = span,
                         .in_use = 1, .last_used = ++c->map_clock };
    m->priv_.cache = e;
    return 0;
}

int qcop_map_lent(qcop_client *c, int fd, uint32_t loan, size_t len, qcop_msg *m, char *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return qcop_break(c, "fstat on a lent buffer failed", err);
    }
    qcop_mapping *e = find_mapping(c, st.st_dev, st.st_ino);
    if (!e)
        return map_new(c, fd, &st, loan, len, m, err);
    close(fd); /* seals are for good: a buffer checked once stays fit */
    if (len > e->len)
        return qcop_break(c, "a lent buffer is smaller than its message", err);
    e->in_use++;
    e->last_used = ++c->map_clock;
    m->data = e->map;
    m->mapped = 1;
    m->priv_.cache = e;
    m->priv_.loan = loan;
    return 0;
}

void qcop_unmap_lent(qcop_client *c, qcop_mapping *e)
{
    (void)c;
    if (e->in_use > 0)
        e->in_use--;
}

void qcop_maps_free(qcop_client *c)
{
    for (int i = 0; i < QCOP_MAP_CACHE; i++)
        if (c->maps[i].map)
            munmap(c->maps[i].map, c->maps[i].len);
    memset(c->maps, 0, sizeof c->maps);
}
