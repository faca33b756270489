/* A second Ctrl-C or SIGTERM stops `ipcbench run` at once, from run_stop's
 * watcher thread, whatever the main thread is doing: the run's processes
 * killed, what they made removed, the results kept if results.json is
 * complete, and a word on stderr about what became of them. */
#ifndef RUN_HALT_H
#define RUN_HALT_H

#include <pthread.h>

#include "dirs.h"

/* How far the results folder is: being filled, complete (results.json is
 * written once every benchmark has ended), or renamed into place. */
enum run_results { RUN_RESULTS_FILLING, RUN_RESULTS_COMPLETE, RUN_RESULTS_IN_PLACE };

typedef struct run_halt {
    const char      *rundir, *run_id;  /* the run's private directory and id ("" until made) */
    ipcb_outdir     *out;
    char             history[IPCB_PATH_MAX + 16]; /* where the run is recorded, or "none" */
    pthread_mutex_t  lock;             /* PTHREAD_MUTEX_INITIALIZER; held while the state
                                        * changes or the folder is renamed */
    enum run_results results;
} run_halt;

/* The main thread: results.json is complete. */
void run_halt_results_complete(run_halt *h);
/* The main thread: move the results into place (unless a halt has). */
int  run_halt_commit(run_halt *h, char *err, size_t len);
/* The run_stop_at_once_fn (arg: the run_halt): exits with 128 + sig. */
void run_halt_now(int sig, void *arg);

#endif
