/* The QCOP broker's event loop as a library the qcopd program runs: epoll,
 * channel table, broadcast, wildcards, bounded queues. Never prints or exits;
 * events go to an optional log callback. */
#ifndef QCOPD_BROKER_H
#define QCOPD_BROKER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*qcopd_log_fn)(void *arg, const char *line);

/* Slow-subscriber policy: the bytes waiting in the broker for one client
 * (packets it has not read yet, memfd data it holds a descriptor for, plus 64
 * bytes per packet) may not exceed max_queue; a packet that would take it over
 * disconnects the client instead and counts it in slow_disconnects. A packet
 * always fits in an empty queue, so one larger than max_queue still goes. */
typedef struct qcopd_cfg {
    int       listen_fd;        /* bound, listening Unix stream socket (the loop owns it from here) */
    uint32_t  max_packet;       /* QCOP_MIN_PACKET..QCOP_MAX_PACKET_LIMIT */
    size_t    max_queue;        /* per-client bound, bytes (0 = qcopd_default_max_queue) */
    qcopd_log_fn log;           /* may be NULL */
    void     *log_arg;
    volatile sig_atomic_t *stop;     /* the loop returns once *stop is non-zero */
    const sigset_t *wait_sigmask;    /* signal mask while waiting (epoll_pwait), or NULL */
} qcopd_cfg;

typedef struct qcopd_stats {
    uint64_t clients, clients_total, channels;
    uint64_t packets_in, packets_out, bytes_in, bytes_out, fds_forwarded;
    uint64_t slow_disconnects, bad_packets, midpacket_disconnects;
} qcopd_stats;

/* 4 maximum packets or 64 MiB, whichever is more. */
size_t qcopd_default_max_queue(uint32_t max_packet);

/* Serves until *cfg->stop is set. Returns 0, or -1 with err when the loop
 * itself fails (epoll). Closes listen_fd and every client before returning;
 * final counters in *stats when stats is not NULL. */
int qcopd_run(const qcopd_cfg *cfg, qcopd_stats *stats, char *err);

#endif
