/* Ctrl-C and SIGTERM for `ipcbench run` (see run_stop.h). The handler only
 * raises the interrupt and writes the signal's number into a pipe; a thread
 * that blocks both signals reads it, says what happens on the first and calls
 * the stop-at-once function on the second. */
#include "run_stop.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "interrupt.h"

static int signal_pipe[2] = { -1, -1 };
static volatile sig_atomic_t first_signal;
static run_stop_at_once_fn at_once_fn;
static void *at_once_arg;

static void on_signal(int sig)
{
    int saved = errno;
    if (!first_signal)
        first_signal = sig;
    ipcb_interrupt_raise();
    unsigned char byte = (unsigned char)sig;
    ssize_t n = write(signal_pipe[1], &byte, 1);
    (void)n;
    errno = saved;
}

static void say_stopping(int sig)
{
    if (isatty(STDERR_FILENO))
        fputs("\r\033[K", stderr); /* over the progress line */
    fprintf(stderr, "ipcbench: %s: stopping the running benchmark, skipping the rest and saving "
                    "what ran (a second one stops at once)\n", sig == SIGINT ? "Ctrl-C (SIGINT)" : "SIGTERM");
    fflush(stderr);
}

static void *watch_signals(void *unused)
{
    (void)unused;
    for (int seen = 0;;) {
        unsigned char sig;
        ssize_t n = read(signal_pipe[0], &sig, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != 1)
            return NULL;
        if (++seen == 1)
            say_stopping(sig);
        else
            at_once_fn(sig, at_once_arg);
    }
}

int run_stop_install(run_stop_at_once_fn at_once, void *arg, char *err, size_t len)
{
    at_once_fn = at_once;
    at_once_arg = arg;
    if (ipcb_interrupt_init() != 0 || pipe2(signal_pipe, O_CLOEXEC) != 0) {
        snprintf(err, len, "signal pipe: %s", strerror(errno));
        return -1;
    }
    /* The watcher blocks both signals, so they reach the main thread and end its waits. */
    sigset_t both, old;
    sigemptyset(&both);
    sigaddset(&both, SIGINT);
    sigaddset(&both, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &both, &old);
    pthread_t watcher;
    int rc = pthread_create(&watcher, NULL, watch_signals, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, len, "signal watcher thread: %s", strerror(rc));
        return -1;
    }
    pthread_detach(watcher);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: waits return early with EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return 0;
}

int run_stop_signal(void)
{
    return first_signal;
}
