/* One benchmark run's connection: the driver's end of the transport and the
 * peer on the other side, either a freshly spawned `ipcbench peer` process
 * (with its control channel) or, for in-process transports, the peer inline. */
#ifndef IPCB_SESSION_H
#define IPCB_SESSION_H

#include <sys/types.h>

#include "control.h"
#include "peer.h"
#include "transport.h"
#include "wire.h"

typedef struct ipcb_session_cfg {
    const ipcb_transport *t;
    ipcb_infra *infra;
    const char *exe, *rundir, *run_id;
    const char *params;        /* transport parameters, passed to both ends */
    const char *infra_address; /* the shared infrastructure's address for the peer, or "" */
    const char *mode;          /* passed to the peer */
    const char *group;         /* fan-out over a broadcast transport: the peers' shared group, or "" */
    int         group_size;    /* peers in that group (connect waits for each of them), else 1 */
    int         listen_only;   /* spawn the peer and wait until it listens; connect later
                                * with ipcb_session_connect (or never: a broadcast group's
                                * other members are reached through the first one's link) */
    uint64_t    payload_bytes;
    int         window;        /* frames the driver keeps in flight (ipcb_opts.window) */
    int         verify, allow_gaps, timeout_ms, peer_cpu;
    uint64_t    fault_exit_seq, fault_hang_seq;
} ipcb_session_cfg;

typedef struct ipcb_session {
    const ipcb_transport *t;
    ipcb_opts   opts;
    int         timeout_ms;
    ipcb_link  *link;          /* the driver's end */
    uint8_t     ack_buf[256];
    pid_t       pid;           /* spawned peer, 0 for in-process */
    int         ctl_fd;
    ipcb_peer   inproc;        /* in-process peer */
    ipcb_link  *peer_link;
    int         has_inproc;
    char        peer_addr[IPCB_ADDR_MAX]; /* what the peer's listen announced */
    int         shares_link;              /* opened listen_only: its acks may come over another
                                           * member's link, so its error report is not awaited */
    char        err[1024];
} ipcb_session;

int  ipcb_session_open(ipcb_session *s, const ipcb_session_cfg *c);
/* Connect the driver's end to a peer opened with listen_only. */
int  ipcb_session_connect(ipcb_session *s, const ipcb_session_cfg *c);
/* After each send: lets an in-process peer take the message. */
int  ipcb_session_pump(ipcb_session *s);
/* Wait for the next ack; checks its kind and status (fetching the peer's reason). */
int  ipcb_session_recv_ack(ipcb_session *s, ipcb_header *ack);
/* Closing, in two halves (a broadcast group's STOP goes out once and its
 * acks all come back over one link): send STOP on a connected session... */
int  ipcb_session_send_stop(ipcb_session *s);
/* ...and, once its ack is in (ipcb_session_recv_ack), the peer's report;
 * reaps the peer. */
int  ipcb_session_finish(ipcb_session *s, ipcb_ctl_msg *done);
/* Tear down after a failure: kill and reap the peer, close everything.
 * Adds how the peer ended to s->err. */
void ipcb_session_abort(ipcb_session *s);

#endif
