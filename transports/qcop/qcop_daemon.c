/* Starting and stopping qcopd for a campaign (see qcop_daemon.h): fork and
 * exec with a parent-death signal in a process group of its own (Ctrl-C goes
 * to ipcbench, which stops it), a readiness pipe with a bounded wait, and
 * SIGTERM then SIGKILL at the end; a broker that died is reported with how. */
#include "qcop_daemon.h"

#include "children.h"
#include "interrupt.h"
#include "qcop_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { READY_FD = 3, STOP_GRACE_MS = 2000, PATH_LEN = 4096, QUEUE_PACKETS = 16 };

struct ipcb_infra {
    pid_t pid;
    int   exited;       /* reaped: status is how it ended */
    int   status;
    char  socket[IPCB_ADDR_MAX];
};

uint32_t qcop_daemon_max_packet(size_t max_message)
{
    /* room for the header and the longest names beside the message */
    uint64_t want = (uint64_t)max_message + 4096;
    if (want < QCOP_MIN_PACKET)
        return QCOP_MIN_PACKET;
    return want > QCOP_MAX_PACKET_LIMIT ? QCOP_MAX_PACKET_LIMIT : (uint32_t)want;
}

/* build/qcopd beside the running build/ipcbench. */
static int broker_path(char *out, size_t len)
{
    char self[PATH_LEN];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    snprintf(out, len, "%s/qcopd", dirname(self));
    return 0;
}

int qcop_daemon_available(char *err)
{
    char path[PATH_LEN];
    if (broker_path(path, sizeof path) != 0 || access(path, X_OK) != 0) {
        snprintf(err, IPCB_ERR_MAX, "qcopd not found next to ipcbench (%s); run make", path);
        return -1;
    }
    return 0;
}

/* Has the broker exited? Reaps it if so (without waiting). */
static int exited(ipcb_infra *d)
{
    if (!d->exited && waitpid(d->pid, &d->status, WNOHANG) == d->pid) {
        d->exited = 1;
        ipcb_child_reaped(d->pid);
    }
    return d->exited;
}

static void reap(ipcb_infra *d, int grace_ms)
{
    struct timespec pause = { 0, 1000000 };
    for (int waited = 0; !exited(d) && waited < grace_ms; waited++)
        nanosleep(&pause, NULL);
}

static void kill_and_reap(ipcb_infra *d)
{
    if (d->exited)
        return;
    kill(d->pid, SIGKILL);
    pid_t r;
    while ((r = waitpid(d->pid, &d->status, 0)) < 0 && errno == EINTR)
        ;
    d->exited = r == d->pid;
    ipcb_child_reaped(d->pid);
}

void qcop_daemon_describe(ipcb_infra *d, char *out, size_t len)
{
    out[0] = '\0';
    exited(d);
    if (!d->exited)
        return;
    if (WIFSIGNALED(d->status))
        snprintf(out, len, "qcopd (pid %d) was killed by signal %d (%s)", (int)d->pid,
                 WTERMSIG(d->status), strsignal(WTERMSIG(d->status)));
    else
        snprintf(out, len, "qcopd (pid %d) exited with status %d", (int)d->pid, WEXITSTATUS(d->status));
}

static void spawn_child(const char *exe, char *const *argv, int ready_w, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the campaign */
    if (getppid() != parent)
        _exit(126);
    ipcb_child_own_group();
    if (ready_w == READY_FD)
        fcntl(READY_FD, F_SETFD, 0);
    else if (dup2(ready_w, READY_FD) < 0)
        _exit(126);
    execv(exe, argv);
    _exit(127);
}

/* Reads the broker's first line from the readiness pipe: "ready", or
 * "error: ..." before it exits. Returns 0 or -1 with err. */
static int await_ready(ipcb_infra *d, int fd, int timeout_ms, char *err)
{
    char line[512];
    size_t got = 0;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    while (got < sizeof line - 1 && !memchr(line, '\n', got)) {
        int n = ipcb_poll(&p, 1, timeout_ms); /* Ctrl-C (or any signal) ends it */
        if (n <= 0) {
            snprintf(err, IPCB_ERR_MAX, n == 0 ? "qcopd not ready within %d ms" : "waiting for qcopd: interrupted",
                     timeout_ms);
            return -1;
        }
        ssize_t r = read(fd, line + got, sizeof line - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    line[got] = '\0';
    line[strcspn(line, "\n")] = '\0';
    if (strcmp(line, "ready") == 0)
        return 0;
    if (strncmp(line, "error: ", 7) == 0) {
        snprintf(err, IPCB_ERR_MAX, "qcopd: %s", line + 7);
        return -1;
    }
    char how[160];
    reap(d, STOP_GRACE_MS);
    qcop_daemon_describe(d, how, sizeof how);
    snprintf(err, IPCB_ERR_MAX, "qcopd did not start: %s", how[0] ? how : "no readiness report");
    return -1;
}

static int spawn(ipcb_infra *d, const ipcb_opts *o, char *err)
{
    char exe[PATH_LEN], packet[32], queue[32];
    uint32_t max_packet = qcop_daemon_max_packet(o->max_message);
    broker_path(exe, sizeof exe);
    snprintf(packet, sizeof packet, "%u", (unsigned)max_packet);
    snprintf(queue, sizeof queue, "%llu", (unsigned long long)max_packet * QUEUE_PACKETS);
    char *argv[] = { exe, "--socket", d->socket, "--max-packet", packet, "--max-queue", queue,
                     "--ready-fd", "3", "--quiet", NULL };
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(err, IPCB_ERR_MAX, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t parent = getpid();
    d->pid = fork();
    if (d->pid == 0)
        spawn_child(exe, argv, fds[1], parent);
    close(fds[1]);
    if (d->pid < 0) {
        snprintf(err, IPCB_ERR_MAX, "fork: %s", strerror(errno));
        close(fds[0]);
        return -1;
    }
    ipcb_child_started(d->pid);
    int rc = await_ready(d, fds[0], o->timeout_ms, err);
    close(fds[0]);
    if (rc != 0)
        kill_and_reap(d);
    return rc;
}

int qcop_daemon_start(const ipcb_transport *t, ipcb_infra **out, const ipcb_opts *o, char *err)
{
    ipcb_infra *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return -1;
    }
    int n = snprintf(d->socket, sizeof d->socket, "%s/qcopd-%s.sock", o->rundir, t->name);
    if (n < 0 || (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        snprintf(err, IPCB_ERR_MAX, "socket path too long: %s", d->socket);
        free(d);
        return -1;
    }
    if (spawn(d, o, err) != 0) {
        free(d);
        return -1;
    }
    *out = d;
    return 0;
}

void qcop_daemon_stop(ipcb_infra *d)
{
    if (!d)
        return;
    if (!d->exited) {
        kill(d->pid, SIGTERM);
        reap(d, ipcb_interrupted ? IPCB_INTERRUPT_GRACE_MS : STOP_GRACE_MS);
        kill_and_reap(d);
    }
    unlink(d->socket);
    free(d);
}

const char *qcop_daemon_socket(ipcb_infra *d)
{
    return d->socket;
}

size_t qcop_daemon_pids(ipcb_infra *d, int *pids, size_t max)
{
    if (max == 0 || d->exited)
        return 0;
    pids[0] = (int)d->pid;
    return 1;
}
