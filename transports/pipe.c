/* Reference transport "pipe": two named pipes (FIFOs, 0600) in the run's
 * private directory, one per direction, enlarged with F_SETPIPE_SZ. The same
 * kernel pipe code as pipe(2); FIFOs let two independently started processes meet. */
#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { PIPE_SIZE = 1 << 20 }; /* the default /proc/sys/fs/pipe-max-size */

struct ipcb_link {
    int  in_fd, out_fd;
    int  timeout_ms;
    char data_path[IPCB_ADDR_MAX];  /* driver -> peer */
    char ack_path[IPCB_ADDR_MAX];   /* peer -> driver */
    int  owns_paths;                /* the peer made the FIFOs and removes them */
};

static ipcb_link *link_new(const ipcb_opts *o, const char *base)
{
    ipcb_link *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->in_fd = l->out_fd = -1;
    l->timeout_ms = o->timeout_ms;
    snprintf(l->data_path, sizeof l->data_path, "%.200s.data", base);
    snprintf(l->ack_path, sizeof l->ack_path, "%.200s.ack", base);
    return l;
}

static void remove_paths(ipcb_link *l)
{
    if (l->owns_paths) {
        unlink(l->data_path);
        unlink(l->ack_path);
        l->owns_paths = 0;
    }
}

static void pipe_close(ipcb_link *l)
{
    if (!l)
        return;
    if (l->in_fd >= 0)
        close(l->in_fd);
    if (l->out_fd >= 0)
        close(l->out_fd);
    remove_paths(l);
    free(l);
}

static int open_fifo(const char *path, int flags, char *err)
{
    int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, IPCB_ERR_MAX, "open %s: %s", path, strerror(errno));
        return -1;
    }
    /* Best effort: a smaller pipe still works, only with more wake-ups. */
    (void)fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE);
    return fd;
}

static int pipe_listen(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra,
                       const ipcb_opts *o, char addr[IPCB_ADDR_MAX], char *err)
{
    (void)t;
    (void)infra;
    char base[IPCB_ADDR_MAX];
    snprintf(base, sizeof base, "%.200s/pipe-%ld", o->rundir, (long)getpid());
    ipcb_link *l = link_new(o, base);
    if (!l) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return -1;
    }
    if (mkfifo(l->data_path, 0600) != 0 || mkfifo(l->ack_path, 0600) != 0) {
        snprintf(err, IPCB_ERR_MAX, "mkfifo in %s: %s", o->rundir, strerror(errno));
        unlink(l->data_path);
        free(l);
        return -1;
    }
    l->owns_paths = 1;
    /* Opening the read end without O_NONBLOCK's partner does not block. */
    l->in_fd = open_fifo(l->data_path, O_RDONLY, err);
    if (l->in_fd < 0) {
        pipe_close(l);
        return -1;
    }
    snprintf(addr, IPCB_ADDR_MAX, "%s", base);
    *out = l;
    return 0;
}

/* FIFOs report end-of-file to a reader while no writer has opened them yet,
 * so each side announces itself with one hello byte before any message:
 * the driver on the data FIFO in connect, the peer on the ack FIFO in accept. */
enum { HELLO = 'H' };

static int await_hello(int fd, int timeout_ms, const char *who, char *err)
{
    uint8_t byte = 0;
    int w = ipcb_fd_wait(fd, POLLIN, timeout_ms, err);
    if (w == 0)
        snprintf(err, IPCB_ERR_MAX, "no %s opened the pipes within %d ms", who, timeout_ms);
    if (w <= 0)
        return -1;
    if (read(fd, &byte, 1) != 1 || byte != HELLO) {
        snprintf(err, IPCB_ERR_MAX, "bad hello from the %s on the pipe", who);
        return -1;
    }
    return 0;
}

static int send_hello(int fd, char *err)
{
    uint8_t byte = HELLO;
    if (write(fd, &byte, 1) != 1) {
        snprintf(err, IPCB_ERR_MAX, "pipe hello: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int pipe_accept(ipcb_link *l, char *err)
{
    if (await_hello(l->in_fd, l->timeout_ms, "driver", err) != 0)
        return -1;
    l->out_fd = open_fifo(l->ack_path, O_WRONLY, err); /* the driver holds the read end */
    remove_paths(l);
    return l->out_fd < 0 ? -1 : send_hello(l->out_fd, err);
}

static int pipe_connect(const ipcb_transport *t, ipcb_link **out, ipcb_infra *infra,
                        const ipcb_opts *o, const char *addr, char *err)
{
    (void)t;
    (void)infra;
    ipcb_link *l = link_new(o, addr);
    if (!l) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return -1;
    }
    l->out_fd = open_fifo(l->data_path, O_WRONLY, err);
    if (l->out_fd >= 0)
        l->in_fd = open_fifo(l->ack_path, O_RDONLY, err);
    if (l->in_fd < 0 || send_hello(l->out_fd, err) != 0 ||
        await_hello(l->in_fd, l->timeout_ms, "peer", err) != 0) {
        pipe_close(l);
        return -1;
    }
    *out = l;
    return 0;
}

static int pipe_send(ipcb_link *l, const ipcb_frame *f, char *err)
{
    ipcb_fd out = { .fd = l->out_fd, .timeout_ms = l->timeout_ms };
    return ipcb_fd_send_msg(&out, f, err);
}

static int pipe_recv(ipcb_link *l, ipcb_frame *f, int timeout_ms, char *err)
{
    ipcb_fd in = { .fd = l->in_fd, .timeout_ms = l->timeout_ms };
    return ipcb_fd_recv_msg(&in, f, timeout_ms, err);
}

const ipcb_transport ipcb_transport_pipe = {
    .name = "pipe",
    .summary = "pair of named pipes (FIFOs) in a private directory (reference)",
    .caps = 0,
    .max_frame = 0,
    .copies = 2,
    .listen = pipe_listen,
    .accept = pipe_accept,
    .connect = pipe_connect,
    .send = pipe_send,
    .recv = pipe_recv,
    .close = pipe_close,
};
