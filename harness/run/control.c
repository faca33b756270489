/* Control-channel messages: fixed-size records over a SOCK_SEQPACKET socket,
 * so each send is one message and a dead peer shows as end-of-file. */
#include "control.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "fdio.h"

int ipcb_ctl_send(int fd, const ipcb_ctl_msg *m, char *err, size_t errlen)
{
    for (;;) {
        ssize_t n = send(fd, m, sizeof *m, MSG_NOSIGNAL);
        if (n == (ssize_t)sizeof *m)
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        snprintf(err, errlen, "control channel send: %s", n < 0 ? strerror(errno) : "short write");
        return -1;
    }
}

int ipcb_ctl_send_text(int fd, uint32_t type, const char *text)
{
    ipcb_ctl_msg m = { .type = type };
    char err[128];
    snprintf(m.text, sizeof m.text, "%s", text);
    return ipcb_ctl_send(fd, &m, err, sizeof err);
}

int ipcb_ctl_recv(int fd, ipcb_ctl_msg *m, int timeout_ms, char *err, size_t errlen)
{
    char why[IPCB_ERR_MAX];
    int n = ipcb_fd_wait(fd, POLLIN, timeout_ms, why); /* Ctrl-C ends it: "interrupted" */
    if (n == 0)
        return 1;
    if (n < 0) {
        snprintf(err, errlen, "control channel: %s", why);
        return -1;
    }
    ssize_t got = recv(fd, m, sizeof *m, 0);
    if (got == 0) {
        snprintf(err, errlen, "peer exited");
        return -1;
    }
    if (got != (ssize_t)sizeof *m) {
        snprintf(err, errlen, "control channel: %s", got < 0 ? strerror(errno) : "truncated message");
        return -1;
    }
    m->text[sizeof m->text - 1] = '\0';
    return 0;
}
