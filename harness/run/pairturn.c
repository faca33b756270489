/* The turn-taking of paired runs: a fixed-size message over a Unix stream
 * socket hands the turn over; slots are numbered over the whole campaign
 * (repetition g has slots 2g and 2g + 1) and their owner follows ABBA. */
#include "pairturn.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "interrupt.h"

enum { MSG_MAGIC = 0x49504254 /* "IPBT" */, NAME_MAX_LEN = 160 };

typedef enum msg_type { MSG_HELLO = 1, MSG_TURN, MSG_END, MSG_ERROR } msg_type;

/* One message; both sides are on this host, so native byte order. */
typedef struct msg {
    uint32_t magic, type;
    uint64_t slot;         /* TURN: the slot handed over */
    uint64_t reps;         /* TURN: the sender's repetitions so far; END: all of them */
    char     text[NAME_MAX_LEN]; /* HELLO: fingerprint; TURN: the sender's last benchmark;
                                  * ERROR: why */
} msg;

struct ipcb_pairturn {
    int      fd;
    int      side;
    int      timeout_ms;
    int      holding;          /* this side has the turn */
    int64_t  slot;             /* the slot it has (or had last) */
    uint64_t reps;             /* repetitions begun on this side */
    char     name[NAME_MAX_LEN]; /* the benchmark of its latest repetition */
    char     broken[512];      /* set once a call failed: the reason */
};

const char *ipcb_pair_side_name(int side)
{
    return side == IPCB_PAIR_A ? "A" : "B";
}

static int other(int side)
{
    return side == IPCB_PAIR_A ? IPCB_PAIR_B : IPCB_PAIR_A;
}

/* ABBA: repetition g's first slot is A's when g is even, B's when it is odd. */
static int slot_owner(uint64_t slot)
{
    uint64_t g = slot / 2;
    int first = g % 2 == 0 ? IPCB_PAIR_A : IPCB_PAIR_B;
    return slot % 2 == 0 ? first : other(first);
}

static uint64_t slot_of(uint64_t rep, int side)
{
    return 2 * rep + (slot_owner(2 * rep) == side ? 0 : 1);
}

int ipcb_pairturn_parse(const char *text, char *dir, size_t dirlen, int *side, char *err,
                        size_t errlen)
{
    const char *comma = strrchr(text, ',');
    if (!comma || comma == text || (strcmp(comma + 1, "A") != 0 && strcmp(comma + 1, "B") != 0)) {
        snprintf(err, errlen, "--pair-turn takes DIR,A or DIR,B, not '%s'", text);
        return -1;
    }
    if ((size_t)(comma - text) >= dirlen) {
        snprintf(err, errlen, "--pair-turn: the directory name is too long");
        return -1;
    }
    memcpy(dir, text, (size_t)(comma - text));
    dir[comma - text] = '\0';
    *side = comma[1] == 'A' ? IPCB_PAIR_A : IPCB_PAIR_B;
    return 0;
}

/* ---- bounded waits ---------------------------------------------------------- */

/* Milliseconds left until deadline_ns (at least 0). */
static int left_ms(uint64_t deadline_ns)
{
    uint64_t now = ipcb_now_ns();
    return now >= deadline_ns ? 0 : (int)((deadline_ns - now + 999999) / 1000000);
}

/* Waits for events on fd until deadline_ns. Returns 1 ready, 0 timed out, -1
 * interrupted (Ctrl-C, SIGTERM: ipcb_interrupted) or a poll error (why in err). */
static int wait_fd(int fd, short events, uint64_t deadline_ns, char *err, size_t errlen)
{
    for (;;) {
        struct pollfd pf = { .fd = fd, .events = events };
        int n = ipcb_poll(&pf, 1, left_ms(deadline_ns));
        if (n > 0)
            return 1;
        if (n == 0) {
            if (left_ms(deadline_ns) == 0)
                return 0;
            continue;
        }
        if (errno != EINTR) {
            snprintf(err, errlen, "poll: %s", strerror(errno));
            return -1;
        }
        if (ipcb_interrupted) {
            snprintf(err, errlen, "%s", ipcb_interrupted_text);
            return -1;
        }
    }
}

static int send_msg(int fd, const msg *m, char *err, size_t errlen)
{
    const char *b = (const char *)m;
    size_t done = 0;
    while (done < sizeof *m) {
        ssize_t n = send(fd, b + done, sizeof *m - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
            snprintf(err, errlen, "the other side closed the pairing connection (handing over "
                     "the turn): it exited or failed");
            return -1;
        }
        if (n <= 0) {
            snprintf(err, errlen, "sending to the other side: %s", strerror(errno));
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

/* Reads one message within the pairing's timeout. Returns 0, or -1 with why. */
static int recv_msg(ipcb_pairturn *p, msg *m, const char *waiting_for, char *err, size_t errlen)
{
    uint64_t deadline = ipcb_now_ns() + (uint64_t)p->timeout_ms * 1000000u;
    char *b = (char *)m;
    size_t done = 0;
    while (done < sizeof *m) {
        int w = wait_fd(p->fd, POLLIN, deadline, err, errlen);
        if (w == 0) {
            snprintf(err, errlen, "side %s did not hand over the turn within %d ms (%s); is it "
                     "stuck?", ipcb_pair_side_name(other(p->side)), p->timeout_ms, waiting_for);
            return -1;
        }
        if (w < 0)
            return -1;
        ssize_t n = recv(p->fd, b + done, sizeof *m - done, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            snprintf(err, errlen, "side %s closed the pairing connection (%s): it exited or "
                     "failed", ipcb_pair_side_name(other(p->side)), waiting_for);
            return -1;
        }
        if (n < 0) {
            snprintf(err, errlen, "reading from side %s: %s", ipcb_pair_side_name(other(p->side)),
                     strerror(errno));
            return -1;
        }
        done += (size_t)n;
    }
    if (m->magic != MSG_MAGIC) {
        snprintf(err, errlen, "side %s sent a message that is not of the pairing protocol",
                 ipcb_pair_side_name(other(p->side)));
        return -1;
    }
    m->text[sizeof m->text - 1] = '\0';
    if (m->type == MSG_ERROR) {
        snprintf(err, errlen, "side %s failed: %s", ipcb_pair_side_name(other(p->side)), m->text);
        return -1;
    }
    return 0;
}

/* Records the first failure, tells the other side (best effort) and closes
 * the connection, so that it fails at once too. Returns -1. */
static int fail(ipcb_pairturn *p, const char *why, char *err, size_t errlen)
{
    if (!p->broken[0]) {
        snprintf(p->broken, sizeof p->broken, "pairing: %s", why);
        if (p->fd >= 0) {
            msg m = { .magic = MSG_MAGIC, .type = MSG_ERROR };
            snprintf(m.text, sizeof m.text, "%s", why);
            char ignored[64];
            send_msg(p->fd, &m, ignored, sizeof ignored);
            close(p->fd);
            p->fd = -1;
        }
    }
    snprintf(err, errlen, "%s", p->broken);
    return -1;
}

/* ---- meeting ------------------------------------------------------------------ */

/* DIR must be a directory of this user that nobody else can enter. */
static int check_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
        snprintf(err, errlen, "%s must be a directory of yours that nobody else "
                 "can enter (mode 0700)", dir);
        return -1;
    }
    return 0;
}

static int socket_addr(struct sockaddr_un *sa, const char *dir, char *err, size_t errlen)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if ((size_t)snprintf(sa->sun_path, sizeof sa->sun_path, "%s/turn.sock", dir)
        >= sizeof sa->sun_path) {
        snprintf(err, errlen, "the directory name %s is too long for a socket", dir);
        return -1;
    }
    return 0;
}

/* Side A: listen, accept side B's one connection, remove the socket file. */
static int accept_b(ipcb_pairturn *p, const struct sockaddr_un *sa, char *err, size_t errlen)
{
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    unlink(sa->sun_path); /* left by an earlier pair that crashed */
    mode_t old = umask(0177);
    int rc = bind(l, (const struct sockaddr *)sa, sizeof *sa);
    umask(old);
    if (rc != 0 || listen(l, 1) != 0) {
        snprintf(err, errlen, "bind/listen %s: %s", sa->sun_path, strerror(errno));
        close(l);
        return -1;
    }
    uint64_t deadline = ipcb_now_ns() + (uint64_t)p->timeout_ms * 1000000u;
    int w = wait_fd(l, POLLIN, deadline, err, errlen);
    if (w == 0)
        snprintf(err, errlen, "side B did not connect within %d ms", p->timeout_ms);
    if (w > 0 && (p->fd = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0)
        snprintf(err, errlen, "accept: %s", strerror(errno));
    close(l);
    unlink(sa->sun_path);
    return p->fd >= 0 ? 0 : -1;
}

/* Side B: connect, retrying while side A is not listening yet. */
static int connect_a(ipcb_pairturn *p, const struct sockaddr_un *sa, char *err, size_t errlen)
{
    uint64_t deadline = ipcb_now_ns() + (uint64_t)p->timeout_ms * 1000000u;
    for (;;) {
        p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (p->fd < 0) {
            snprintf(err, errlen, "socket: %s", strerror(errno));
            return -1;
        }
        if (connect(p->fd, (const struct sockaddr *)sa, sizeof *sa) == 0)
            return 0;
        int e = errno;
        close(p->fd);
        p->fd = -1;
        if (e != ENOENT && e != ECONNREFUSED && e != EINTR) {
            snprintf(err, errlen, "connect %s: %s", sa->sun_path, strerror(e));
            return -1;
        }
        if (ipcb_interrupted) {
            snprintf(err, errlen, "%s", ipcb_interrupted_text);
            return -1;
        }
        if (left_ms(deadline) == 0) {
            snprintf(err, errlen, "side A was not listening on %s within %d ms", sa->sun_path,
                     p->timeout_ms);
            return -1;
        }
        usleep(10000);
    }
}

static int hello(ipcb_pairturn *p, const char *fingerprint, char *err, size_t errlen)
{
    msg mine = { .magic = MSG_MAGIC, .type = MSG_HELLO }, theirs;
    snprintf(mine.text, sizeof mine.text, "%s", fingerprint);
    if (send_msg(p->fd, &mine, err, errlen) != 0
        || recv_msg(p, &theirs, "waiting for its campaign", err, errlen) != 0)
        return -1;
    if (theirs.type != MSG_HELLO || strcmp(theirs.text, mine.text) != 0) {
        snprintf(err, errlen, "the two sides run different campaigns: side %s: %s; side %s: %s",
                 ipcb_pair_side_name(p->side), mine.text, ipcb_pair_side_name(other(p->side)),
                 theirs.text);
        return -1;
    }
    return 0;
}

int ipcb_pairturn_open(ipcb_pairturn **out, const char *dir, int side, const char *fingerprint,
                       int timeout_ms, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    *out = NULL;
    if (check_dir(dir, err, errlen) != 0 || socket_addr(&sa, dir, err, errlen) != 0)
        return -1;
    ipcb_pairturn *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->fd = -1;
    p->side = side;
    p->timeout_ms = timeout_ms > 0 ? timeout_ms : IPCB_PAIR_TIMEOUT_MS;
    p->slot = -1;
    p->holding = side == IPCB_PAIR_A; /* slot 0 is A's without a hand-over */
    int rc = side == IPCB_PAIR_A ? accept_b(p, &sa, err, errlen) : connect_a(p, &sa, err, errlen);
    if (rc == 0)
        rc = hello(p, fingerprint, err, errlen);
    if (rc != 0) {
        ipcb_pairturn_close(p);
        return -1;
    }
    *out = p;
    return 0;
}

/* ---- turns ----------------------------------------------------------------------- */

/* Hands the slot after this side's to the other side. */
static int hand_over(ipcb_pairturn *p, char *err, size_t errlen)
{
    msg m = { .magic = MSG_MAGIC, .type = MSG_TURN, .slot = (uint64_t)(p->slot + 1),
              .reps = p->reps };
    snprintf(m.text, sizeof m.text, "%s", p->name);
    if (send_msg(p->fd, &m, err, errlen) != 0)
        return -1;
    p->holding = 0;
    return 0;
}

/* The turn for slot: a TURN message for it, sent when the other side ended
 * the slot before, whose repetition must be of the same benchmark as this
 * side's of that index. */
static int await_turn(ipcb_pairturn *p, uint64_t slot, const char *name, char *err, size_t errlen)
{
    msg m;
    char waiting[96];
    snprintf(waiting, sizeof waiting, "waiting for repetition %llu",
             (unsigned long long)(p->reps + 1));
    if (recv_msg(p, &m, waiting, err, errlen) != 0)
        return -1;
    if (m.type == MSG_END) {
        snprintf(err, errlen, "side %s ended after %llu repetitions; this side has more: the "
                 "two sides do not run the same benchmarks", ipcb_pair_side_name(other(p->side)),
                 (unsigned long long)m.reps);
        return -1;
    }
    if (m.type != MSG_TURN || m.slot != slot) {
        snprintf(err, errlen, "out of step: waiting for slot %llu, side %s handed over slot %llu",
                 (unsigned long long)slot, ipcb_pair_side_name(other(p->side)),
                 (unsigned long long)m.slot);
        return -1;
    }
    /* The other side's repetition just ended has index m.reps - 1: the one this
     * side is about to run, or this side's latest. */
    const char *mine = m.reps == p->reps + 1 ? name : m.reps == p->reps ? p->name : NULL;
    if (!mine || strcmp(mine, m.text) != 0) {
        snprintf(err, errlen, "repetition %llu is of %s on side %s but of %s here: the two "
                 "sides do not run the same benchmarks", (unsigned long long)m.reps, m.text,
                 ipcb_pair_side_name(other(p->side)), mine ? mine : "nothing");
        return -1;
    }
    return 0;
}

int ipcb_pairturn_take(ipcb_pairturn *p, const char *name, char *err, size_t errlen)
{
    if (p->broken[0]) {
        snprintf(err, errlen, "%s", p->broken);
        return -1;
    }
    char why[512];
    uint64_t slot = slot_of(p->reps, p->side);
    if (p->holding && (uint64_t)(p->slot + 1) != slot && hand_over(p, why, sizeof why) != 0)
        return fail(p, why, err, errlen);
    if (!p->holding && await_turn(p, slot, name, why, sizeof why) != 0)
        return fail(p, why, err, errlen);
    p->holding = 1;
    p->slot = (int64_t)slot;
    snprintf(p->name, sizeof p->name, "%s", name);
    p->reps++;
    return 0;
}

int ipcb_pairturn_finish(ipcb_pairturn *p, char *err, size_t errlen)
{
    if (p->broken[0]) {
        snprintf(err, errlen, "%s", p->broken);
        return -1;
    }
    char why[512];
    msg m = { .magic = MSG_MAGIC, .type = MSG_END, .reps = p->reps };
    if (p->slot + 1 < (int64_t)(2 * p->reps)) {
        /* The other side still has the second slot of the last repetition. */
        if (hand_over(p, why, sizeof why) != 0
            || recv_msg(p, &m, "waiting for its last repetition", why, sizeof why) != 0)
            return fail(p, why, err, errlen);
        if (m.type != MSG_END || m.reps != p->reps) {
            snprintf(why, sizeof why, "side %s ran %s repetitions than this side's %llu: the two "
                     "sides do not run the same benchmarks", ipcb_pair_side_name(other(p->side)),
                     m.type == MSG_END && m.reps < p->reps ? "fewer" : "more",
                     (unsigned long long)p->reps);
            return fail(p, why, err, errlen);
        }
        return 0;
    }
    if (send_msg(p->fd, &m, why, sizeof why) != 0)
        return fail(p, why, err, errlen);
    return 0;
}

void ipcb_pairturn_close(ipcb_pairturn *p)
{
    if (!p)
        return;
    if (p->fd >= 0)
        close(p->fd);
    free(p);
}
