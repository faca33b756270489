/* Test-only faults (--fault): a wrapper around a transport's ops table that
 * corrupts, kills or stalls at one measured frame, installed only when such
 * a fault is given, so neither the transports nor the timing loops know them. */
#ifndef IPCB_FAULT_H
#define IPCB_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

#define IPCB_NO_SEQ UINT64_MAX /* a fault switched off */

/* The faults of a run. Frame faults name measured frame N, counted from 1
 * with the warm-up excluded; the driver acts on corrupt_at, the (last) peer
 * process on exit_at and hang_at, each through its own wrapper. */
typedef struct ipcb_faults {
    uint64_t corrupt_at;        /* corrupt@N: a payload byte flipped in flight */
    uint64_t exit_at;           /* peer-exit@N: the peer dies by SIGKILL on receiving it */
    uint64_t hang_at;           /* peer-hang@N: the peer stops responding on receiving it */
    double   slow_factor;       /* slow[:T]@F: > 1 (else off): every time measured for */
    char     slow_transport[32];/* transport T ("" = every one) is F times longer */
} ipcb_faults;

/* No fault. */
void ipcb_faults_none(ipcb_faults *f);
/* Parse the --fault value: "corrupt@N", "peer-exit@N", "peer-hang@N",
 * "slow[:TRANSPORT]@F" (1 < F <= 100) or "" (none). Returns 0, or -1 with
 * *f left without faults. */
int  ipcb_faults_parse(ipcb_faults *f, const char *text);

/* A copy of a transport's table whose links wrap the real ones: send flips
 * a payload byte of measured DATA frame corrupt_at (and restores it once the
 * transport has it); recv raises SIGKILL (exit_at) or stalls for ever
 * (hang_at) on receiving measured DATA frame N. Everything else goes to the
 * real table unchanged. */
typedef struct ipcb_fault_transport {
    ipcb_transport        ops;  /* what the harness calls */
    const ipcb_transport *real;
    ipcb_faults           faults;
} ipcb_fault_transport;

/* The table a process uses for real under faults f: real itself when f names
 * no frame (nothing is wrapped), else w->ops. The wrapped listen and connect
 * find their wrapper through the table they are called with. */
const ipcb_transport *ipcb_fault_wrap(ipcb_fault_transport *w, const ipcb_transport *real,
                                      const ipcb_faults *f);

/* slow: the factor every time measured for transport is multiplied by
 * (1 when it is not slowed). The runner applies it once to what a run
 * recorded, after the measured loop (see README, "Design notes"). */
double ipcb_faults_slow_factor(const ipcb_faults *f, const char *transport);

/* A fault must fire or fail the run. Before measuring: -1 with why when a
 * frame fault is aimed beyond the frames the run measures ("fault
 * peer-exit@N not reached: ..."). */
int  ipcb_faults_check_reachable(const ipcb_faults *f, int64_t frames, char *why, size_t len);
/* After a run that passed although a frame fault was aimed at it: -1 with
 * why (a corrupted frame the peer did not checksum, given its verify policy
 * IPCB_VERIFY_*, or a peer fault that did not fire); 0 without one. */
int  ipcb_faults_check_fired(const ipcb_faults *f, int verify, char *why, size_t len);

#endif
