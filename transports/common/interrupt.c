/* The interrupt flag and its wake-up pipe (see interrupt.h): raising writes
 * one byte that is never read, so the pipe stays readable and every later
 * ipcb_poll returns at once. */
#include "interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

enum { MAX_POLL_FDS = 8 };

volatile sig_atomic_t ipcb_interrupted;
const char ipcb_interrupted_text[] = "interrupted";

static int wake_fds[2] = { -1, -1 };

int ipcb_interrupt_init(void)
{
    if (wake_fds[0] >= 0)
        return 0;
    return pipe2(wake_fds, O_CLOEXEC | O_NONBLOCK);
}

void ipcb_interrupt_raise(void)
{
    int saved = errno;
    ipcb_interrupted = 1;
    if (wake_fds[1] >= 0) {
        char byte = 1;
        ssize_t n = write(wake_fds[1], &byte, 1); /* full pipe: it is readable anyway */
        (void)n;
    }
    errno = saved;
}

int ipcb_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    if (n > MAX_POLL_FDS) {
        errno = EINVAL;
        return -1;
    }
    if (ipcb_interrupted) {
        errno = EINTR;
        return -1;
    }
    struct pollfd all[MAX_POLL_FDS + 1];
    memcpy(all, fds, n * sizeof *fds);
    all[n] = (struct pollfd){ .fd = wake_fds[0], .events = POLLIN }; /* -1: poll skips it */
    int r = poll(all, n + 1, timeout_ms);
    if (r < 0)
        return -1;
    if (r > 0 && all[n].revents) { /* woken by the interrupt */
        errno = EINTR;
        return -1;
    }
    for (nfds_t i = 0; i < n; i++)
        fds[i].revents = all[i].revents;
    return r;
}

int ipcb_interrupt_slice(long long left_ms)
{
    if (left_ms < 0)
        return 0;
    return left_ms > IPCB_INTERRUPT_SLICE_MS ? IPCB_INTERRUPT_SLICE_MS : (int)left_ms;
}
