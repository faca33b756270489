/* The run's child processes (see children.h), remembered in a fixed table of
 * atomic slots: the main thread adds and removes them, a signal handler or
 * another thread may kill them at any moment. */
#include "children.h"

#include "liveness.h"

#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

/* Peers of the largest fan-out group, every transport's daemon, and spare. */
enum { MAX_CHILDREN = 64 };

static atomic_int children[MAX_CHILDREN];

void ipcb_child_own_group(void)
{
    setpgid(0, 0);
}

void ipcb_child_adopted(pid_t pid)
{
    if (pid <= 0)
        return;
    for (int i = 0; i < MAX_CHILDREN; i++) {
        int free_slot = 0;
        if (atomic_compare_exchange_strong(&children[i], &free_slot, (int)pid))
            return;
    }
    /* Full: this child is not killed at once on a second Ctrl-C, but it still
     * dies with ipcbench (every child has a parent-death signal). */
}

void ipcb_child_started(pid_t pid)
{
    if (pid <= 0)
        return;
    setpgid(pid, pid); /* fails harmlessly once the child has done it and exec'd */
    ipcb_child_adopted(pid);
}

void ipcb_child_reaped(pid_t pid)
{
    for (int i = 0; i < MAX_CHILDREN && pid > 0; i++) {
        int mine = (int)pid;
        if (atomic_compare_exchange_strong(&children[i], &mine, 0))
            return;
    }
}

void ipcb_children_kill_all(void)
{
    for (int i = 0; i < MAX_CHILDREN; i++) {
        pid_t pid = (pid_t)atomic_load(&children[i]);
        if (pid <= 0)
            continue;
        kill(-pid, SIGKILL); /* its group: anything it started (no such group: ESRCH) */
        kill(pid, SIGKILL);
    }
}

int ipcb_children_wait_gone(int timeout_ms)
{
    struct timespec pause = { 0, 5000000 };
    for (int waited = 0;; waited += 5) {
        int running = 0;
        for (int i = 0; i < MAX_CHILDREN; i++) {
            pid_t pid = (pid_t)atomic_load(&children[i]);
            running += pid > 0 && ipcb_process_alive(pid);
        }
        if (running == 0 || waited >= timeout_ms)
            return running;
        nanosleep(&pause, NULL);
    }
}
