/* The broker's bookkeeping of loans (zero-copy buffers a sender wants back):
 * who holds a delivery of which loan, RELEASE from receivers, RELEASED to the
 * sender once all are done, and clean-up when either side disconnects. */
#include "qcopd_internal.h"

#include <stdlib.h>
#include <string.h>

static int vec_add(qcopd_loans *v, qcopd_loan *l)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        qcopd_loan **p = realloc(v->v, cap * sizeof *p);
        if (!p)
            return -1;
        v->v = p;
        v->cap = cap;
    }
    v->v[v->n++] = l;
    return 0;
}

static void vec_remove_at(qcopd_loans *v, size_t i)
{
    memmove(&v->v[i], &v->v[i + 1], (v->n - i - 1) * sizeof *v->v);
    v->n--;
}

static void vec_remove(qcopd_loans *v, const qcopd_loan *l)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i] == l) {
            vec_remove_at(v, i);
            return;
        }
}

qcopd_loan *qcopd_loan_new(qcopd *b, qcopd_client *sender, uint32_t buffer)
{
    qcopd_loan *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    if (++b->next_loan == 0) /* 0 is not an id */
        b->next_loan = 1;
    l->id = b->next_loan;
    l->buffer = buffer;
    l->sender = sender;
    b->loans++;
    return l;
}

/* Every delivery is released: tell the sender, forget the loan. */
static void finish(qcopd *b, qcopd_loan *l)
{
    qcopd_client *s = l->sender;
    if (s && !s->dead) {
        qcop_header h = qcop_header_make(QCOP_CMD_RELEASED, 0, 0, 0, 0, l->buffer);
        qcopd_body *body = qcopd_body_new(b, 0);
        if (body) {
            qcopd_queue(b, s, &h, body);
            qcopd_body_unref(b, body);
        } else {
            qcopd_kill(b, s, "out of memory for a release");
        }
    }
    if (s)
        vec_remove(&s->lent, l);
    b->loans--;
    free(l);
}

int qcopd_loan_owe(qcopd *b, qcopd_client *r, qcopd_loan *l)
{
    (void)b;
    if (r->owed.n >= QCOPD_MAX_OWED || vec_add(&r->owed, l) != 0)
        return -1;
    l->remaining++;
    return 0;
}

int qcopd_loan_sent(qcopd *b, qcopd_loan *l)
{
    if (l->remaining > 0 && l->sender && vec_add(&l->sender->lent, l) == 0)
        return 0;
    if (l->remaining > 0) { /* out of memory: the sender loses track, the receivers do not */
        l->sender = NULL;
        return -1;
    }
    finish(b, l);
    return 0;
}

static void release_one(qcopd *b, qcopd_loan *l)
{
    if (--l->remaining == 0)
        finish(b, l);
}

int qcopd_loan_release(qcopd *b, qcopd_client *r, uint32_t id)
{
    for (size_t i = 0; i < r->owed.n; i++)
        if (r->owed.v[i]->id == id) {
            qcopd_loan *l = r->owed.v[i];
            vec_remove_at(&r->owed, i);
            release_one(b, l);
            return 0;
        }
    return -1;
}

void qcopd_loans_drop(qcopd *b, qcopd_client *r)
{
    while (r->owed.n > 0) {
        qcopd_loan *l = r->owed.v[--r->owed.n];
        release_one(b, l);
    }
    for (size_t i = 0; i < r->lent.n; i++)
        r->lent.v[i]->sender = NULL;
    free(r->owed.v);
    free(r->lent.v);
    memset(&r->owed, 0, sizeof r->owed);
    memset(&r->lent, 0, sizeof r->lent);
}
