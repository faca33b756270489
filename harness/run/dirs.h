/* The directories a run creates: the private 0700 runtime directory for
 * sockets and FIFOs, and the results directory, filled under a temporary name
 * and renamed into place (never over an earlier run), with `latest` updated. */
#ifndef IPCB_DIRS_H
#define IPCB_DIRS_H

#include <stddef.h>

enum { IPCB_PATH_MAX = 4096 };

typedef struct ipcb_outdir {
    char root[IPCB_PATH_MAX];   /* e.g. "results" */
    char name[256];             /* "<UTC stamp>-<campaign>" */
    char tmp[IPCB_PATH_MAX];    /* where files are written while the run goes on */
    char final[IPCB_PATH_MAX];  /* where they end up */
    int  reaped;                /* partial folders of crashed runs removed from root */
} ipcb_outdir;

/* Make a private runtime directory "ipcbench-XXXXXX" (mode 0700) under
 * $XDG_RUNTIME_DIR or /tmp, holding owner.pid (this process). run_id gets the
 * XXXXXX part, which transports put in the names of system-wide objects. */
int  ipcb_rundir_create(char *out, size_t len, char *run_id, size_t idlen, char *err, size_t errlen);
/* For every runtime directory left by a run whose owner process is gone:
 * call reap(dir, run_id, arg) (transports remove their objects), then remove
 * the directory. Returns how many were reaped. */
typedef void (*ipcb_reap_fn)(const char *dir, const char *run_id, void *arg);
int  ipcb_rundir_reap_stale(ipcb_reap_fn reap, void *arg);
/* Remove a directory and everything in it. */
void ipcb_remove_tree(const char *path);

/* Makes the hidden folder a run writes into (with owner.pid, this process),
 * first removing from root the hidden folders of runs that crashed (their
 * owner process is gone; o->reaped counts them). */
int  ipcb_outdir_begin(ipcb_outdir *o, const char *root, const char *campaign, char *err, size_t errlen);
int  ipcb_outdir_commit(ipcb_outdir *o, char *err, size_t errlen);
void ipcb_outdir_discard(ipcb_outdir *o);

#endif
