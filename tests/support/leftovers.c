/* What a test program's runs leave behind (see leftovers.h): its runs' ids
 * from an inotify watch on runcli's runtime_dir, their names in /dev/shm, and
 * System V objects in an IPC namespace of the program's own. */
#include "leftovers.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "runcli.h"

/* Only objects made by this program's own runs are counted, so another
 * ipcbench run beside it (a benchmark, another test) cannot fail it:
 * - POSIX shared memory: every run makes its directory ipcbench-ID under
 *   runcli's private runtime_dir, and every name it puts in /dev/shm starts
 *   with "ipcbench-ID-" (transports/shm/shm.c, shm_ring.c). An inotify watch on
 *   runtime_dir, set before the first run, records every directory made there
 *   however briefly it lived, so the ids of all this program's runs are known
 *   and only names with one of them are counted.
 * - System V segments and semaphore sets have no name; their keys are ftok()
 *   of key files that are gone once a run ends, so a key cannot be traced back
 *   to a run afterwards. Instead this program takes an IPC namespace of its own
 *   (unshare; as root, or else inside a user namespace of its own), which every
 *   run it starts inherits: /proc/sysvipc then lists only objects made by this
 *   program and its runs. Where neither is allowed, System V objects are not
 *   counted (a note says so) rather than counted system-wide.
 * With ownership certain, the check is that none is left, not a difference. */

static int run_watch = -1;   /* inotify descriptor on runtime_dir */
static char run_ids[256][64];
static size_t nrun_ids;
static int sysv_private;     /* System V objects are this program's alone */

/* Adds the ids of run directories made since the last call. */
static void collect_run_ids(void)
{
    _Alignas(struct inotify_event) char buf[8192];
    ssize_t n;
    while ((n = read(run_watch, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *e = (const struct inotify_event *)p;
            if (e->mask & IN_Q_OVERFLOW)
                fail_msg("inotify queue overflow: run ids lost");
            if ((e->mask & IN_ISDIR) && e->len && strncmp(e->name, "ipcbench-", 9) == 0) {
                if (nrun_ids == sizeof run_ids / sizeof run_ids[0])
                    fail_msg("more than %zu runs: raise run_ids", nrun_ids);
                snprintf(run_ids[nrun_ids++], sizeof run_ids[0], "%s", e->name + 9);
            }
            p += sizeof *e + e->len;
        }
    }
}

/* /dev/shm names of this program's runs: "ipcbench-ID-..." for one of their ids. */
static int shm_names(void)
{
    collect_run_ids();
    DIR *d = opendir("/dev/shm");
    int n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));)
        for (size_t i = 0; i < nrun_ids; i++) {
            size_t len = strlen(run_ids[i]);
            if (strncmp(e->d_name, "ipcbench-", 9) == 0 && strncmp(e->d_name + 9, run_ids[i], len) == 0 &&
                e->d_name[9 + len] == '-') {
                n++;
                break;
            }
        }
    closedir(d);
    return n;
}

/* Lines in a /proc/sysvipc table, less its header: the objects of that kind
 * in this program's IPC namespace (0 if it has none of its own). */
int leftovers_sysv_objects(const char *table)
{
    char path[64], line[512];
    int n = -1;
    snprintf(path, sizeof path, "/proc/sysvipc/%s", table);
    FILE *f = sysv_private ? fopen(path, "r") : NULL;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        n++;
    fclose(f);
    return n;
}

void assert_nothing_left(const char *after_what)
{
    int shm = leftovers_sysv_objects("shm"), sem = leftovers_sysv_objects("sem"), names = shm_names();
    if (shm || sem || names)
        fail_msg("after %s: %d System V segments, %d semaphore sets, %d names in /dev/shm of this "
                 "test's runs", after_what, shm, sem, names);
}

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    ssize_t n = fd >= 0 ? write(fd, text, strlen(text)) : -1;
    if (fd >= 0)
        close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* An IPC namespace of this program's own: 1, 0 where it may not have one,
 * -1 if it got a user namespace but could not keep its uid and gid in it. */
static int private_ipc_namespace(void)
{
    if (unshare(CLONE_NEWIPC) == 0)
        return 1;
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWIPC) != 0)
        return 0;
    /* the same uid and gid inside, so files and objects stay ours */
    char uid_map[64], gid_map[64];
    snprintf(uid_map, sizeof uid_map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    snprintf(gid_map, sizeof gid_map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    if (write_text("/proc/self/setgroups", "deny") != 0 || write_text("/proc/self/uid_map", uid_map) != 0 ||
        write_text("/proc/self/gid_map", gid_map) != 0)
        return -1;
    return 1;
}

int leftovers_begin(void)
{
    sysv_private = private_ipc_namespace();
    if (sysv_private < 0)
        return -1;
    if (!sysv_private)
        print_message("no IPC namespace of its own (needs CAP_SYS_ADMIN or user namespaces): "
                      "System V leftovers are not counted\n");
    run_watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (run_watch < 0 || inotify_add_watch(run_watch, runtime_dir, IN_CREATE) < 0)
        return -1;
    return 0;
}

void leftovers_end(void)
{
    if (run_watch >= 0)
        close(run_watch);
    run_watch = -1;
}

int leftovers_sysv_private(void) { return sysv_private > 0; }
