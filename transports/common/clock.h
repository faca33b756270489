/* The one monotonic clock: CLOCK_MONOTONIC, which driver and peer share (same
 * host), so a timestamp taken in one process can be compared in the other.
 * Every timeout, deadline and measurement in ipcbench reads it here. */
#ifndef IPCB_CLOCK_H
#define IPCB_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t ipcb_now_ns(void);
/* The same clock in whole milliseconds (for deadlines of waits in ms). */
int64_t  ipcb_now_ms(void);

#endif
