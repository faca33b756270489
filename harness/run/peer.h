/* The receiving side of a benchmark: takes each frame off the transport,
 * notes when it became usable (t1), checks its header and checksum, and acks.
 * Runs in the spawned `ipcbench peer` process, or inline for in-process transports. */
#ifndef IPCB_PEER_H
#define IPCB_PEER_H

#include <stdint.h>
#include <sys/resource.h>

#include "control.h"
#include "usage.h"
#include "transport.h"

enum ipcb_verify { IPCB_VERIFY_NONE, IPCB_VERIFY_SAMPLE, IPCB_VERIFY_ALL };
enum { IPCB_VERIFY_SAMPLE_EVERY = 16 }; /* --verify sample: checksum 1 frame in 16 */

const char *ipcb_verify_name(int v);
int ipcb_verify_parse(const char *text, int *v);

typedef struct ipcb_peer_cfg {
    uint64_t payload_bytes;   /* expected payload length of every DATA frame */
    int      verify;          /* IPCB_VERIFY_* */
    int      allow_gaps;      /* paced mode: skipped sequence numbers count as dropped */
    int      measure_cpu;     /* take resource usage over the measured frames */
} ipcb_peer_cfg;

typedef struct ipcb_peer {
    const ipcb_transport *t;
    ipcb_link    *link;
    ipcb_peer_cfg cfg;
    uint8_t      *buf;
    size_t        cap;
    uint64_t      next_seq;
    uint64_t      frames, bytes, dropped;  /* measured (not warm-up) frames */
    int           measuring;
    ipcb_usage    usage_start, usage;     /* resource usage over the measured frames */
    int           status;                 /* IPCB_STATUS_* of the last frame */
    char          err[IPCB_ERR_MAX + 64];
} ipcb_peer;

enum ipcb_peer_result { IPCB_PEER_FRAME, IPCB_PEER_STOPPED, IPCB_PEER_TIMEOUT, IPCB_PEER_FAILED };

int  ipcb_peer_init(ipcb_peer *p, const ipcb_transport *t, ipcb_link *link,
                    const ipcb_peer_cfg *cfg, char *err, size_t errlen);
/* Receive and handle one message (waiting at most timeout_ms). */
int  ipcb_peer_step(ipcb_peer *p, int timeout_ms);
void ipcb_peer_report(const ipcb_peer *p, ipcb_ctl_msg *done);
void ipcb_peer_free(ipcb_peer *p);

/* The whole life of a spawned peer process. Returns the process exit status. */
typedef struct ipcb_peer_args {
    const ipcb_transport *t;
    ipcb_peer_cfg cfg;
    int         control_fd;
    const char *rundir;
    const char *run_id;
    const char *params;       /* transport parameters "name=value,..." */
    const char *infra_address;/* the driver's shared infrastructure, or "" */
    const char *group;        /* fan-out over a broadcast transport: the group's name, or "" */
    int         timeout_ms;
    int         window;       /* frames the driver keeps in flight */
    int         cpu;          /* pin to this CPU, -1 = no pinning */
} ipcb_peer_args;
int  ipcb_peer_main(const ipcb_peer_args *a);

#endif
