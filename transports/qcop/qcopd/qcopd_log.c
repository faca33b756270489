/* The broker's log line and the one way a client is dropped (qcopd_kill:
 * logged, marked dead, freed after the current batch of events), used by
 * every other broker file. */
#include "qcopd_internal.h"

#include <stdarg.h>
#include <stdio.h>

void qcopd_logf(qcopd *b, const char *fmt, ...)
{
    if (!b->cfg.log)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    b->cfg.log(b->cfg.log_arg, line);
}

void qcopd_kill(qcopd *b, qcopd_client *c, const char *why)
{
    if (c->dead)
        return;
    if (why)
        qcopd_logf(b, "client %llu: %s; disconnected", (unsigned long long)c->id, why);
    c->dead = 1;
    c->next_dead = b->dead;
    b->dead = c;
}
