/* qcopd, the QCOP broker program: sets up the private socket (0600 in a 0700
 * directory), signals and limits, then runs the broker loop of qcopd_broker.c
 * until SIGTERM or SIGINT. Started by the qcop transports or by hand. */
#include "qcop_client.h"
#include "qcopd_broker.h"

#include "number.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct args {
    char     path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    uint32_t max_packet;
    size_t   max_queue;
    int      ready_fd;
    int      quiet;
} args;

static volatile sig_atomic_t stop_flag;
static int ready_fd = -1;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* Prints the reason (also to the readiness pipe, for the transport that
 * started us) and exits 1. */
static void die(const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fprintf(stderr, "qcopd: %s\n", text);
    if (ready_fd >= 0)
        dprintf(ready_fd, "error: %s\n", text);
    exit(1);
}

static void print_usage(FILE *to)
{
    fprintf(to,
            "usage: qcopd [--socket PATH] [--max-packet BYTES] [--max-queue BYTES] [--quiet]\n"
            "  --socket PATH       listen here (default: $QCOP_SOCKET, $XDG_RUNTIME_DIR/qcop/qcopd.sock\n"
            "                      or /tmp/qcop-UID/qcopd.sock); its directory must be private (0700)\n"
            "  --max-packet BYTES  largest packet accepted (default 256M, 4K..1G; K/M/G = 1024)\n"
            "  --max-queue BYTES   bytes waiting for one client before it is dropped as a slow\n"
            "                      subscriber (default: 4 packets or 64M, whichever is more)\n"
            "  --ready-fd N        write \"ready\" to descriptor N once listening, then close it\n"
            "  --quiet             do not log disconnections and protocol errors\n"
            "  --help              print this and exit\n");
}

/* Bad usage: the usage on stderr, exit 2. */
static void usage(void)
{
    print_usage(stderr);
    exit(2);
}

static int parse_bytes(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    uint64_t unit = *end == 'K' ? 1024 : *end == 'M' ? 1024 * 1024 : *end == 'G' ? 1024ull << 20 : 1;
    if (unit > 1)
        end++;
    if (errno || end == text || *end || text[0] == '-')
        return -1;
    *out = (uint64_t)v * unit;
    return 0;
}

static const char *value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        usage();
    return argv[++*i];
}

static void parse_args(int argc, char **argv, args *a)
{
    uint64_t v;
    memset(a, 0, sizeof *a);
    a->max_packet = QCOP_DEFAULT_MAX_PACKET;
    a->ready_fd = -1;
    qcop_default_socket(a->path, sizeof a->path);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--socket") == 0) {
            const char *p = value(argc, argv, &i);
            if (strlen(p) >= sizeof a->path)
                die("socket path too long: %s", p);
            snprintf(a->path, sizeof a->path, "%s", p);
        } else if (strcmp(o, "--max-packet") == 0) {
            if (parse_bytes(value(argc, argv, &i), &v) != 0 || v < QCOP_MIN_PACKET || v > QCOP_MAX_PACKET_LIMIT)
                die("--max-packet wants %u..%u bytes", (unsigned)QCOP_MIN_PACKET, (unsigned)QCOP_MAX_PACKET_LIMIT);
            a->max_packet = (uint32_t)v;
        } else if (strcmp(o, "--max-queue") == 0) {
            if (parse_bytes(value(argc, argv, &i), &v) != 0 || v == 0 || v > SIZE_MAX / 2)
                die("--max-queue wants a positive byte count");
            a->max_queue = (size_t)v;
        } else if (strcmp(o, "--ready-fd") == 0) {
            long long fd;
            if (ipcb_parse_integer(value(argc, argv, &i), 0, INT_MAX, &fd) != 0)
                die("--ready-fd wants a descriptor number");
            a->ready_fd = (int)fd;
            ready_fd = a->ready_fd;
        } else if (strcmp(o, "--quiet") == 0) {
            a->quiet = 1;
        } else if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            print_usage(stdout);
            exit(0);
        } else {
            usage();
        }
    }
}

/* The socket's directory must be ours and closed to others; a missing last
 * component is created 0700. */
static void private_dir(const char *path)
{
    char copy[sizeof(((struct sockaddr_un *)0)->sun_path)];
    snprintf(copy, sizeof copy, "%s", path);
    const char *dir = dirname(copy);
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        die("cannot create %s: %s", dir, strerror(errno));
    if (lstat(dir, &st) != 0)
        die("%s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0)
        die("%s is not a private directory (want a directory of ours with mode 0700, "
            "e.g. mkdir -m 700 %s)", dir, dir);
}

/* A socket file left by a broker that died is removed; a live one is not. */
static void clear_stale(const char *path, const struct sockaddr_un *sa)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (!S_ISSOCK(st.st_mode))
        die("%s exists and is not a socket", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int alive = fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0;
    if (fd >= 0)
        close(fd);
    if (alive)
        die("another qcopd is listening on %s", path);
    unlink(path);
}

static int listen_on(const char *path, struct stat *bound)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    private_dir(path);
    clear_stale(path, &sa);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        die("socket: %s", strerror(errno));
    mode_t old = umask(0177); /* the socket file is created 0600 */
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc != 0 || listen(fd, SOMAXCONN) != 0 || stat(path, bound) != 0)
        die("bind/listen %s: %s", path, strerror(errno));
    return fd;
}

/* Every queued memfd is a descriptor held: take all the kernel allows. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* SIGTERM/SIGINT/SIGHUP stop the loop. They are blocked except inside
 * epoll_pwait, so a stop between two waits is never missed. */
static void setup_signals(sigset_t *wait_mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, wait_mask);
    sigdelset(wait_mask, SIGTERM);
    sigdelset(wait_mask, SIGINT);
    sigdelset(wait_mask, SIGHUP);
}

static void log_line(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "qcopd: %s\n", line);
}

static void announce(const args *a)
{
    if (a->ready_fd >= 0) {
        if (write(a->ready_fd, "ready\n", 6) != 6)
            die("cannot report readiness: %s", strerror(errno));
        close(a->ready_fd);
        ready_fd = -1;
    }
    if (!a->quiet)
        fprintf(stderr, "qcopd: listening on %s (pid %ld)\n", a->path, (long)getpid());
}

int main(int argc, char **argv)
{
    args a;
    sigset_t wait_mask;
    struct stat bound, now;
    char err[QCOP_ERR_MAX];
    parse_args(argc, argv, &a);
    setup_signals(&wait_mask);
    raise_fd_limit();
    qcopd_cfg cfg = {
        .listen_fd = listen_on(a.path, &bound), .max_packet = a.max_packet, .max_queue = a.max_queue,
        .log = a.quiet ? NULL : log_line, .stop = &stop_flag, .wait_sigmask = &wait_mask,
    };
    announce(&a);
    qcopd_stats st;
    int rc = qcopd_run(&cfg, &st, err);
    if (stat(a.path, &now) == 0 && now.st_ino == bound.st_ino && now.st_dev == bound.st_dev)
        unlink(a.path);
    if (rc != 0)
        die("%s", err);
    if (!a.quiet)
        fprintf(stderr, "qcopd: stopped after %llu clients, %llu packets in, %llu out, "
                "%llu slow subscribers and %llu bad packets dropped\n",
                (unsigned long long)st.clients_total, (unsigned long long)st.packets_in,
                (unsigned long long)st.packets_out, (unsigned long long)st.slow_disconnects,
                (unsigned long long)st.bad_packets);
    return 0;
}
