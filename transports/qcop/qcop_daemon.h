/* The qcop transports' shared infrastructure: one qcopd per campaign, started
 * from the build directory next to the running ipcbench, its socket in the
 * run's private directory, stopped and reaped at the end. */
#ifndef QCOP_DAEMON_H
#define QCOP_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

/* The broker's packet limit for messages of up to max_message bytes. */
uint32_t    qcop_daemon_max_packet(size_t max_message);
int         qcop_daemon_available(char *err);
/* Starts qcopd on rundir/qcopd-NAME.sock (NAME = t->name: each transport has
 * its own broker) and waits (bounded) until it listens. */
int         qcop_daemon_start(const ipcb_transport *t, ipcb_infra **infra, const ipcb_opts *o, char *err);
void        qcop_daemon_stop(ipcb_infra *infra);
const char *qcop_daemon_socket(ipcb_infra *infra);
size_t      qcop_daemon_pids(ipcb_infra *infra, int *pids, size_t max);
/* What became of the broker if it is no longer running ("" while it runs). */
void        qcop_daemon_describe(ipcb_infra *infra, char *out, size_t len);

#endif
