/* Where ipcbench's data files are: the campaign files and the scripts
 * (gnuplot files, dbus-session.conf). The in-tree build finds the source tree
 * above its build directory; the installed ipcbench, its compiled-in DATADIR. */
#ifndef IPCB_DATADIR_H
#define IPCB_DATADIR_H

#include <stddef.h>

typedef enum ipcb_data_kind {
    IPCB_DATA_CAMPAIGNS,   /* NAME.ini: bench/campaigns in the tree, DATADIR/campaigns installed */
    IPCB_DATA_SCRIPTS      /* *.gp, dbus-session.conf, ...: scripts in the tree, DATADIR/scripts installed */
} ipcb_data_kind;

/* Writes the directory holding files of that kind to out.
 * Installed (this object compiled with -DIPCB_DATADIR="...", as `make install`
 * does): $IPCB_DATADIR from the environment if set (a relocated install),
 * else the compiled-in directory. Never the executable's parent or the
 * current directory.
 * In-tree (build/ipcbench, build/asan/ipcbench): the source tree holding
 * bench/campaigns one or two levels above the executable's directory, else
 * the current directory (a copy of the binary run from the tree).
 * Returns 0, or -1 if that directory does not exist (out still names it). */
int ipcb_data_dir(ipcb_data_kind kind, char *out, size_t len);

#endif
