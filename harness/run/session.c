/* Setting up and tearing down one benchmark run: spawn the peer (a fresh exec
 * of this program, with a control socketpair on fd 3 and a parent-death
 * signal), rendezvous over the transport, and reap it within a bounded time. */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "children.h"
#include "interrupt.h"

enum { CONTROL_FD = 3, REAP_GRACE_MS = 2000, ABORT_GRACE_MS = 50 };

static void append(ipcb_session *s, const char *fmt, const char *text)
{
    size_t used = strlen(s->err);
    snprintf(s->err + used, sizeof s->err - used, fmt, text);
}

static void num(char *buf, size_t len, unsigned long long v)
{
    snprintf(buf, len, "%llu", v);
}

static int spawn_peer(ipcb_session *s, const ipcb_session_cfg *c)
{
    if (ipcb_interrupted) { /* no new peer after Ctrl-C */
        snprintf(s->err, sizeof s->err, "%s", ipcb_interrupted_text);
        return -1;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(s->err, sizeof s->err, "control socketpair: %s", strerror(errno));
        return -1;
    }
    char bytes[32], window[32], timeout[32], cpu[32], exit_seq[32], hang_seq[32];
    num(bytes, sizeof bytes, c->payload_bytes);
    num(window, sizeof window, (unsigned long long)s->opts.window);
    num(timeout, sizeof timeout, (unsigned long long)c->timeout_ms);
    snprintf(cpu, sizeof cpu, "%d", c->peer_cpu);
    num(exit_seq, sizeof exit_seq, c->fault_exit_seq);
    num(hang_seq, sizeof hang_seq, c->fault_hang_seq);
    const char *argv[] = {
        c->exe, "peer", "--transport", c->t->name, "--control-fd", "3",
        "--rundir", c->rundir, "--run-id", c->run_id, "--params", c->params,
        "--infra-address", c->infra_address, "--group", c->group ? c->group : "",
        "--payload-bytes", bytes, "--window", window, "--mode", c->mode,
        "--verify", ipcb_verify_name(c->verify), "--timeout-ms", timeout,
        "--pin-cpu", cpu, "--fault-exit-at", exit_seq, "--fault-hang-at", hang_seq, NULL,
    };
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(s->err, sizeof s->err, "fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (pid == 0) {
        /* The peer must never outlive the driver. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(126);
        ipcb_child_own_group(); /* Ctrl-C goes to the driver, which stops the peer */
        if (sv[1] == CONTROL_FD)
            fcntl(CONTROL_FD, F_SETFD, 0);
        else if (dup2(sv[1], CONTROL_FD) < 0)
            _exit(126);
        execv(c->exe, (char *const *)argv);
        _exit(127);
    }
    ipcb_child_started(pid);
    close(sv[1]);
    s->pid = pid;
    s->ctl_fd = sv[0];
    return 0;
}

/* Wait up to grace_ms for the peer to exit (not after Ctrl-C), then kill
 * it. Describes the end in why. */
static void reap_peer(ipcb_session *s, int grace_ms, char *why, size_t len)
{
    struct timespec pause = { 0, 1000000 };
    int status = 0;
    pid_t r = 0;
    for (int waited = 0; waited <= grace_ms && (waited == 0 || !ipcb_interrupted); waited++) {
        r = waitpid(s->pid, &status, WNOHANG);
        if (r != 0)
            break;
        nanosleep(&pause, NULL);
    }
    if (r == 0) {
        kill(s->pid, SIGKILL);
        while ((r = waitpid(s->pid, &status, 0)) < 0 && errno == EINTR)
            ;
        snprintf(why, len, "peer did not exit within %d ms and was killed", grace_ms);
    } else if (r < 0) {
        snprintf(why, len, "waitpid: %s", strerror(errno));
    } else if (WIFSIGNALED(status)) {
        snprintf(why, len, "peer killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else if (WEXITSTATUS(status) == 127) {
        snprintf(why, len, "peer could not be started (exec failed)");
    } else {
        snprintf(why, len, WEXITSTATUS(status) ? "peer exited with status %d" : "peer exited normally (status %d)",
                 WEXITSTATUS(status));
    }
    ipcb_child_reaped(s->pid);
    s->pid = 0;
}

/* Collect a pending error report from the peer, if any, into s->err. */
static void fetch_peer_error(ipcb_session *s, int wait_ms)
{
    if (s->has_inproc) {
        if (s->inproc.err[0])
            append(s, "; peer: %s", s->inproc.err);
        return;
    }
    ipcb_ctl_msg m;
    char err[256];
    if (s->ctl_fd >= 0 && ipcb_ctl_recv(s->ctl_fd, &m, wait_ms, err, sizeof err) == 0 &&
        m.type == IPCB_CTL_ERROR)
        append(s, "; peer: %s", m.text);
}

static int open_remote(ipcb_session *s, const ipcb_session_cfg *c)
{
    if (spawn_peer(s, c) != 0)
        return -1;
    ipcb_ctl_msg m;
    int rc = ipcb_ctl_recv(s->ctl_fd, &m, s->timeout_ms, s->err, sizeof s->err);
    if (rc == 1)
        snprintf(s->err, sizeof s->err, "peer not ready within %d ms", s->timeout_ms);
    if (rc != 0)
        return -1;
    if (m.type != IPCB_CTL_READY) {
        snprintf(s->err, sizeof s->err, "peer failed to start: %s", m.text);
        return -1;
    }
    snprintf(s->peer_addr, sizeof s->peer_addr, "%s", m.text);
    return c->listen_only ? 0 : ipcb_session_connect(s, c);
}

int ipcb_session_connect(ipcb_session *s, const ipcb_session_cfg *c)
{
    char err[IPCB_ERR_MAX];
    if (c->t->connect(c->t, &s->link, c->infra, &s->opts, s->peer_addr, err) != 0) {
        snprintf(s->err, sizeof s->err, "connect: %s", err);
        return -1;
    }
    return 0;
}

static int open_inproc(ipcb_session *s, const ipcb_session_cfg *c)
{
    char addr[IPCB_ADDR_MAX], err[IPCB_ERR_MAX];
    ipcb_peer_cfg pc = {
        .payload_bytes = c->payload_bytes, .verify = c->verify, .allow_gaps = c->allow_gaps,
    };
    if (c->t->listen(c->t, &s->peer_link, c->infra, &s->opts, addr, err) != 0 ||
        c->t->connect(c->t, &s->link, c->infra, &s->opts, addr, err) != 0 ||
        c->t->accept(s->peer_link, err) != 0) {
        snprintf(s->err, sizeof s->err, "in-process set-up: %s", err);
        return -1;
    }
    if (ipcb_peer_init(&s->inproc, c->t, s->peer_link, &pc, s->err, sizeof s->err) != 0)
        return -1;
    s->has_inproc = 1;
    return 0;
}

int ipcb_session_open(ipcb_session *s, const ipcb_session_cfg *c)
{
    memset(s, 0, sizeof *s);
    s->t = c->t;
    s->ctl_fd = -1;
    s->timeout_ms = c->timeout_ms;
    s->opts.rundir = c->rundir;
    s->opts.run_id = c->run_id;
    s->opts.params = c->params;
    s->opts.infra_address = c->infra_address;
    s->opts.group = c->group ? c->group : "";
    s->opts.group_size = c->group_size > 0 ? c->group_size : 1;
    s->shares_link = c->listen_only;
    s->opts.max_message = IPCB_HEADER_SIZE + c->payload_bytes;
    s->opts.timeout_ms = c->timeout_ms;
    s->opts.window = c->window > 0 ? c->window : 1;
    int rc = (c->t->caps & IPCB_CAP_IN_PROCESS) ? open_inproc(s, c) : open_remote(s, c);
    if (rc != 0)
        ipcb_session_abort(s);
    return rc;
}

int ipcb_session_pump(ipcb_session *s)
{
    if (!s->has_inproc)
        return 0;
    int rc = ipcb_peer_step(&s->inproc, 0);
    if (rc == IPCB_PEER_FRAME || rc == IPCB_PEER_STOPPED)
        return 0;
    snprintf(s->err, sizeof s->err, "peer: %s",
             rc == IPCB_PEER_TIMEOUT ? "no message in the mailbox" : s->inproc.err);
    return -1;
}

int ipcb_session_recv_ack(ipcb_session *s, ipcb_header *ack)
{
    char err[IPCB_ERR_MAX];
    ipcb_frame f = { .buf = s->ack_buf, .cap = sizeof s->ack_buf };
    int rc = s->t->recv(s->link, &f, s->timeout_ms, err);
    if (rc == 1) {
        snprintf(s->err, sizeof s->err, "no ack from the peer within %d ms", s->timeout_ms);
        return -1;
    }
    if (rc != 0) {
        snprintf(s->err, sizeof s->err, "receiving ack: %s", err);
        return -1;
    }
    rc = ipcb_header_decode(ack, f.data, f.len, err, sizeof err);
    if (f.loan && s->t->release)
        s->t->release(s->link, &f);
    if (rc != 0) {
        snprintf(s->err, sizeof s->err, "bad ack: %s", err);
        return -1;
    }
    if (ack->kind != IPCB_KIND_ACK) {
        snprintf(s->err, sizeof s->err, "expected an ack, got message kind %u", ack->kind);
        return -1;
    }
    if (ack->status != IPCB_STATUS_OK) {
        snprintf(s->err, sizeof s->err, "peer rejected frame %llu (status %u)",
                 (unsigned long long)ack->seq, ack->status);
        if (!s->shares_link)
            fetch_peer_error(s, s->timeout_ms);
        return -1;
    }
    return 0;
}

int ipcb_session_send_stop(ipcb_session *s)
{
    uint8_t msg[IPCB_HEADER_SIZE];
    ipcb_header stop = { .magic = IPCB_MAGIC, .version = IPCB_VERSION, .kind = IPCB_KIND_STOP,
                         .flags = IPCB_FLAG_ACK_NOW };
    ipcb_header_encode(&stop, msg);
    ipcb_frame f = { .data = msg, .len = sizeof msg };
    char err[IPCB_ERR_MAX];
    if (s->t->send(s->link, &f, err) != 0) {
        snprintf(s->err, sizeof s->err, "sending stop: %s", err);
        return -1;
    }
    return ipcb_session_pump(s);
}

int ipcb_session_finish(ipcb_session *s, ipcb_ctl_msg *done)
{
    if (s->has_inproc) {
        ipcb_peer_report(&s->inproc, done);
    } else {
        int rc = ipcb_ctl_recv(s->ctl_fd, done, s->timeout_ms, s->err, sizeof s->err);
        if (rc == 1)
            snprintf(s->err, sizeof s->err, "no report from the peer within %d ms", s->timeout_ms);
        if (rc != 0)
            return -1;
        if (done->type != IPCB_CTL_DONE) {
            snprintf(s->err, sizeof s->err, "peer: %s", done->text);
            return -1;
        }
        char why[128];
        reap_peer(s, REAP_GRACE_MS, why, sizeof why);
    }
    ipcb_session_abort(s); /* releases what is left; the peer is already reaped */
    return 0;
}

void ipcb_session_abort(ipcb_session *s)
{
    if (s->pid > 0) {
        char why[160];
        fetch_peer_error(s, 100);
        reap_peer(s, ABORT_GRACE_MS, why, sizeof why);
        append(s, s->err[0] ? "; %s" : "%s", why);
    }
    if (s->link)
        s->t->close(s->link);
    s->link = NULL;
    if (s->has_inproc) {
        ipcb_peer_free(&s->inproc);
        s->has_inproc = 0;
    }
    if (s->peer_link)
        s->t->close(s->peer_link);
    s->peer_link = NULL;
    if (s->ctl_fd >= 0)
        close(s->ctl_fd);
    s->ctl_fd = -1;
}
