/* Stopping `ipcbench run` at once (see run_halt.h). It gives the main thread
 * a moment to finish the benchmark it is stopping, since results.json is
 * written only after the last one, then holds stdout and stderr so that the
 * main thread prints nothing more, cleans up, says what was saved and exits. */
#include "run_halt.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "children.h"
#include "transport.h"

/* How long the main thread gets to write results.json (its waits end when
 * the peers die), and the children to exit after SIGKILL. */
enum { AWAIT_RESULTS_MS = 500, AWAIT_CHILDREN_MS = 300 };

void run_halt_results_complete(run_halt *h)
{
    pthread_mutex_lock(&h->lock);
    h->results = RUN_RESULTS_COMPLETE;
    pthread_mutex_unlock(&h->lock);
}

int run_halt_commit(run_halt *h, char *err, size_t len)
{
    pthread_mutex_lock(&h->lock);
    int rc = h->results == RUN_RESULTS_IN_PLACE ? 0 : ipcb_outdir_commit(h->out, err, len);
    if (rc == 0)
        h->results = RUN_RESULTS_IN_PLACE;
    pthread_mutex_unlock(&h->lock);
    return rc;
}

static enum run_results results_now(run_halt *h)
{
    pthread_mutex_lock(&h->lock);
    enum run_results results = h->results;
    pthread_mutex_unlock(&h->lock);
    return results;
}

static void await_results(run_halt *h)
{
    struct timespec pause = { 0, 5000000 };
    for (int waited = 0; waited < AWAIT_RESULTS_MS && results_now(h) == RUN_RESULTS_FILLING; waited += 5)
        nanosleep(&pause, NULL);
}

/* Everything the run made that outlives it: every transport's System V
 * objects and /dev/shm names (attached or not: this process exits next), the
 * sockets and files in the run directory, the directory. */
static void remove_run_objects(const run_halt *h)
{
    if (!h->rundir || !h->rundir[0])
        return;
    size_t n;
    const ipcb_transport *const *all = ipcb_transport_all(&n);
    for (size_t i = 0; i < n; i++) {
        void (*reap)(const char *, const char *) = all[i]->reap_attached ? all[i]->reap_attached : all[i]->reap;
        if (reap)
            reap(h->rundir, h->run_id);
    }
    ipcb_remove_tree(h->rundir);
}

/* What became of the results, on stderr (the lock is held). */
static void say_what_was_saved(run_halt *h)
{
    char err[600];
    if (h->results == RUN_RESULTS_FILLING) {
        ipcb_outdir_discard(h->out);
        fprintf(stderr, "ipcbench: the results were NOT saved: results.json is written once the running "
                        "benchmark has ended, and it had not\n");
        return;
    }
    if (h->results == RUN_RESULTS_COMPLETE && ipcb_outdir_commit(h->out, err, sizeof err) != 0) {
        fprintf(stderr, "ipcbench: %s (results left in %s)\n", err, h->out->tmp);
        return;
    }
    if (h->results == RUN_RESULTS_COMPLETE)
        fprintf(stderr, "ipcbench: results saved in %s (results.json; the CSV, plots and report may be "
                        "missing: 'ipcbench report %s' makes them)\n", h->out->final, h->out->final);
    else
        fprintf(stderr, "ipcbench: results saved in %s\n", h->out->final);
    if (strcmp(h->history, "none") != 0)
        fprintf(stderr, "ipcbench: the history may lack this run: ipcbench history import --db '%s' %s\n",
                h->history, h->out->final);
}

void run_halt_now(int sig, void *arg)
{
    run_halt *h = arg;
    ipcb_children_kill_all();
    int running = ipcb_children_wait_gone(AWAIT_CHILDREN_MS);
    await_results(h);
    flockfile(stdout); /* from here on the main thread prints nothing more */
    flockfile(stderr);
    remove_run_objects(h);
    pthread_mutex_lock(&h->lock); /* not while the main thread renames the folder */
    if (isatty(STDERR_FILENO))
        fputs("\r\033[K", stderr);
    fprintf(stderr, "ipcbench: second %s: stopped at once; the run's peers, daemons and brokers are killed%s "
                    "and their files and shared memory removed\n", sig == SIGINT ? "Ctrl-C" : "SIGTERM",
            running ? " (some still exiting)" : "");
    say_what_was_saved(h);
    fflush(stderr);
    _exit(128 + sig);
}
