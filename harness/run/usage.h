/* What a run costs the processes it involves: CPU seconds, page faults and
 * context switches, of this process (getrusage) or of another one, such as a
 * bus daemon or broker (/proc/PID/stat and /proc/PID/status). */
#ifndef IPCB_USAGE_H
#define IPCB_USAGE_H

#include <stdint.h>

typedef struct ipcb_usage {
    double   user_s, sys_s;    /* CPU seconds */
    uint64_t minflt, majflt;   /* minor and major page faults */
    uint64_t vcsw, ivcsw;      /* voluntary and involuntary context switches */
} ipcb_usage;

/* This process, all its threads. */
void ipcb_usage_self(ipcb_usage *u);
/* Another process; all zero (and -1) if it cannot be read. CPU time has the
 * kernel's tick resolution (usually 10 ms). */
int  ipcb_usage_of_pid(int pid, ipcb_usage *u);
/* CPU time the hypervisor gave to others while this machine's CPUs wanted
 * to run (steal, /proc/stat), summed over CPUs, in seconds; 0 if unknown.
 * A stall no process of the run explains shows here. */
double ipcb_steal_seconds(void);
/* *sum += add */
void ipcb_usage_add(ipcb_usage *sum, const ipcb_usage *add);
/* What happened between two readings: *d = end - start. */
void ipcb_usage_since(ipcb_usage *d, const ipcb_usage *end, const ipcb_usage *start);

#endif
