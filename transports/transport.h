/* The transport contract: one ops table per IPC mechanism, modelled on Redis's
 * ae_*.c backends and curl's lib/vtls. A transport moves opaque messages (the
 * harness's encoded frames) and knows nothing about timing, statistics or output. */
#ifndef IPCB_TRANSPORT_H
#define IPCB_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

/* Capability bits shown by `ipcbench list`. */
enum {
    IPCB_CAP_IN_PROCESS = 1u << 0, /* both ends live in the driver's process: no peer is spawned */
    IPCB_CAP_ZERO_COPY  = 1u << 1, /* recv may lend a view instead of copying */
    IPCB_CAP_FANOUT     = 1u << 2, /* fan-out mode: one sender, several peers (by default one
                                    * link per peer, the frame sent on each in turn) */
    IPCB_CAP_BROADCAST  = 1u << 3, /* with FANOUT: the peers of a group share one address and
                                    * one send reaches all of them (a bus channel) */
};

enum { IPCB_MAX_SUBSCRIBERS = 16 }; /* largest fan-out group */

/* Options every transport may read. The harness fills them; transports never
 * write them. Strings are owned by the harness. */
typedef struct ipcb_opts {
    const char *rundir;     /* private 0700 directory for sockets, FIFOs, key files */
    const char *run_id;     /* unique per run (the rundir's suffix): put it in the names of
                             * system-wide objects (POSIX shm names, ...) so reap() finds them */
    size_t      max_message;/* largest message either side will send (header + payload) */
    int         timeout_ms; /* bound on every blocking wait inside send/recv/accept */
    const char *params;     /* "name=value,..." transport parameters, checked before the run;
                             * read with ipcb_param_word() or ipcb_param_integer() */
    const char *infra_address; /* in the peer process: what the driver's infra_address()
                                * returned (e.g. a bus address), or "" when none */
    const char *group;      /* fan-out with a broadcast transport: the name every peer of the
                             * group shares (so listen gives them all one address), else "" */
    int         group_size; /* peers in that group (the driver's connect waits for each), else 1 */
    int         window;     /* most frames the harness keeps in flight on one link (1 for
                             * ping-pong modes): rings and buffer pools may be sized for it */
} ipcb_opts;

/* A transport parameter (e.g. --wait spin|futex|hybrid), declared by the
 * transport with its type and range, so that every value is checked before a
 * run starts (ipcb_params_check), read back through the same check
 * (ipcb_param_word, ipcb_param_integer), and shown by `ipcbench list`. */
typedef enum ipcb_param_kind {
    IPCB_PARAM_WORD,    /* one of the words in .words */
    IPCB_PARAM_INTEGER, /* a whole number from .min to .max */
} ipcb_param_kind;

typedef struct ipcb_param_spec {
    const char     *name;  /* "wait" */
    ipcb_param_kind kind;
    const char     *words; /* IPCB_PARAM_WORD: the values allowed, separated by '|' */
    long long       min;   /* IPCB_PARAM_INTEGER: the range allowed */
    long long       max;
    const char     *def;   /* default, a valid value */
    const char     *help;  /* one line */
} ipcb_param_spec;

/* One message. On send: data/len describe the bytes to move. On recv: the
 * caller sets buf/cap to a buffer of its own; the transport either copies the
 * message into buf (data = buf, loan = NULL) or lends a view of its own memory
 * (data = view, loan != NULL), which stays valid until release(). */
typedef struct ipcb_frame {
    uint8_t *data;
    size_t   len;
    uint8_t *buf;
    size_t   cap;
    void    *loan;
} ipcb_frame;

typedef struct ipcb_infra ipcb_infra; /* shared per-campaign state (daemon, broker, in-process buffers) */
typedef struct ipcb_link  ipcb_link;  /* one end of a connection */

enum { IPCB_ADDR_MAX = 256 };

/* Every function returns 0 on success or -1 with a one-line reason in err
 * (a buffer of IPCB_ERR_MAX bytes), except recv, which returns 1 on timeout.
 * listen, connect and start get their own table as t, so one implementation
 * can serve several tables (variants) and read its parameters with ipcb_param_*;
 * a table that wraps another's ops (e.g. to inject test faults) passes the
 * wrapped table on as t. */
enum { IPCB_ERR_MAX = 256 };

typedef struct ipcb_transport ipcb_transport;

struct ipcb_transport {
    const char *name;      /* CLI and result name: "unix", "pipe", ... */
    const char *summary;   /* one line for `ipcbench list` */
    unsigned    caps;      /* IPCB_CAP_* */
    size_t      max_frame; /* largest message, 0 = unlimited */
    unsigned    copies;    /* payload copies end to end (sender's buffer to usable in receiver) */

    /* Parameters it reads with ipcb_param_word/integer(), ending with
     * { .name = NULL }; may be NULL. */
    const ipcb_param_spec *params;
    /* Optional: which variant of its family this table is, read by the
     * family's own functions through t (several tables, one implementation). */
    const void *variant;

    /* Optional (NULL = always available). Says why in err when not. */
    int  (*available)(char *err);
    /* Optional shared infrastructure, started once per campaign (NULL = none).
     * It lives in the driver's process (or processes it starts); the peer
     * process gets infra == NULL and opts->infra_address instead. */
    int  (*start)(const ipcb_transport *t, ipcb_infra **infra, const ipcb_opts *o, char *err);
    void (*stop)(ipcb_infra *infra);
    /* Optional: the string a peer process needs to reach the infrastructure. */
    const char *(*infra_address)(ipcb_infra *infra);
    /* Optional: processes of the infrastructure (daemons, brokers) whose CPU
     * time counts in the CPU cost. Returns how many pids it wrote (<= max). */
    size_t (*infra_pids)(ipcb_infra *infra, int *pids, size_t max);

    /* Receiving side (the peer): listen binds and writes the address the
     * driver needs into addr; accept waits (bounded) for the driver. */
    int  (*listen)(const ipcb_transport *t, ipcb_link **l, ipcb_infra *infra,
                   const ipcb_opts *o, char addr[IPCB_ADDR_MAX], char *err);
    int  (*accept)(ipcb_link *l, char *err);
    /* Sending side (the driver). */
    int  (*connect)(const ipcb_transport *t, ipcb_link **l, ipcb_infra *infra,
                    const ipcb_opts *o, const char *addr, char *err);

    /* Links carry messages both ways: frames one way, small acks back. */
    int  (*send)(ipcb_link *l, const ipcb_frame *f, char *err);
    int  (*recv)(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err);
    void (*release)(ipcb_link *l, ipcb_frame *f); /* optional: return a lent view */
    void (*close)(ipcb_link *l);
    /* Optional: how many distinct buffers (ring slots, pooled memfds, ...)
     * the link's frames cycle through, so the harness's warm-up can send
     * enough frames to touch every one before measuring. NULL = 1. */
    unsigned (*buffers)(const ipcb_link *l);

    /* Optional: remove every system-wide object (System V segments and
     * semaphores, POSIX shm names, ...) this transport made for the run whose
     * private directory is rundir. Called when a run ends, and at the start of
     * a later run for the directories of runs that crashed. Must not block. */
    void (*reap)(const char *rundir, const char *run_id);
    /* Optional: as reap, for the run of this very process when it stops at
     * once (a second Ctrl-C): what it is still attached to goes as well (the
     * attachments end when it exits a moment later). NULL = reap. */
    void (*reap_attached)(const char *rundir, const char *run_id);
};

/* params.c: check "name=value,..." against the declarations of the given
 * transports: every name declared by at least one of them, every value of
 * the type and in the range of each declaration of its name. Returns 0, or
 * -1 with a message naming the parameter, the value and what is allowed. */
int ipcb_params_check(const ipcb_transport *const *ts, size_t n, const char *params, char *err);
/* The value of t's parameter name (from o->params if given there, else the
 * declared default), checked as ipcb_params_check does. A word parameter
 * gives the position of its value among the declared words (0 = the first);
 * an integer parameter gives the number. Returns 0, or -1 with err. */
int ipcb_param_word(const ipcb_transport *t, const ipcb_opts *o, const char *name, int *index,
                    char *err);
int ipcb_param_integer(const ipcb_transport *t, const ipcb_opts *o, const char *name,
                       long long *value, char *err);
/* What a parameter accepts, for messages and `ipcbench list`:
 * "spin|futex|hybrid" or "0..1073741824". */
void ipcb_param_accepts(const ipcb_param_spec *spec, char *out, size_t len);

/* registry.c */
const ipcb_transport *ipcb_transport_find(const char *name);
const ipcb_transport *const *ipcb_transport_all(size_t *count);

#endif
