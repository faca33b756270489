/* Runtime and results directories. Results are written into a hidden
 * temporary directory and renamed with RENAME_NOREPLACE, so a run never
 * overwrites another and a crash leaves no half-written results in place.
 * Both carry owner.pid, so a later run can tell a crashed run's from a live one's. */
#include "dirs.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char RUNDIR_PREFIX[] = "ipcbench-";
static const char OWNER_FILE[] = "owner.pid";

static const char *runtime_base(void)
{
    const char *base = getenv("XDG_RUNTIME_DIR");
    struct stat st;
    if (!base || stat(base, &st) != 0 || !S_ISDIR(st.st_mode) || access(base, W_OK) != 0)
        base = "/tmp";
    return base;
}

/* Start time of process pid in clock ticks since boot (field 22 of
 * /proc/PID/stat), or 0 if it is not there: with the pid it names one
 * process, even after its pid is reused. */
static unsigned long long start_time_of(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long start = 0;
    /* after ")": state is field 3, the start time field 22 */
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
                            "%*d %*d %*d %*d %llu", &start) != 1)
        return 0;
    return start;
}

/* Writes dir/owner.pid: this process's pid and start time. */
static int write_owner(const char *dir, char *err, size_t errlen)
{
    char owner[IPCB_PATH_MAX + 16];
    snprintf(owner, sizeof owner, "%s/%s", dir, OWNER_FILE);
    long pid = (long)getpid();
    FILE *f = fopen(owner, "w");
    if (!f || fprintf(f, "%ld %llu\n", pid, start_time_of(pid)) < 0 || fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", owner, strerror(errno));
        return -1;
    }
    return 0;
}

/* Whether dir's owner is gone: 1 if its owner.pid names a process that no
 * longer runs (or whose pid another process now has), 0 if it runs, -1 if
 * dir has no readable owner.pid (then it is not ours to judge). */
static int owner_gone(const char *dir)
{
    char path[IPCB_PATH_MAX + 16];
    long pid = 0;
    unsigned long long start = 0;
    snprintf(path, sizeof path, "%s/%s", dir, OWNER_FILE);
    FILE *f = fopen(path, "r");
    int fields = f ? fscanf(f, "%ld %llu", &pid, &start) : 0;
    if (f)
        fclose(f);
    if (fields < 1 || pid <= 0)
        return -1;
    if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
        return 1;
    return fields == 2 && start && start_time_of(pid) != start;
}

int ipcb_rundir_create(char *out, size_t len, char *run_id, size_t idlen, char *err, size_t errlen)
{
    const char *base = runtime_base();
    snprintf(out, len, "%s/%sXXXXXX", base, RUNDIR_PREFIX);
    if (!mkdtemp(out)) { /* mkdtemp creates the directory 0700 */
        snprintf(err, errlen, "cannot create a runtime directory in %s: %s", base, strerror(errno));
        return -1;
    }
    snprintf(run_id, idlen, "%s", strrchr(out, '-') + 1);
    if (write_owner(out, err, errlen) != 0) {
        ipcb_remove_tree(out);
        return -1;
    }
    return 0;
}

int ipcb_rundir_reap_stale(ipcb_reap_fn reap, void *arg)
{
    const char *base = runtime_base();
    DIR *d = opendir(base);
    int reaped = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, RUNDIR_PREFIX, sizeof RUNDIR_PREFIX - 1) != 0)
            continue;
        char dir[IPCB_PATH_MAX];
        snprintf(dir, sizeof dir, "%s/%s", base, e->d_name);
        if (owner_gone(dir) != 1)
            continue; /* not a run directory, or its run is still going */
        reap(dir, e->d_name + sizeof RUNDIR_PREFIX - 1, arg);
        ipcb_remove_tree(dir);
        reaped++;
    }
    closedir(d);
    return reaped;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void ipcb_remove_tree(const char *path)
{
    if (path && path[0])
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int make_dirs(const char *path, char *err, size_t errlen)
{
    char buf[IPCB_PATH_MAX];
    if (!path[0]) {
        snprintf(err, errlen, "the output directory's name is empty");
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "cannot create %s: %s", buf, strerror(errno));
                return -1;
            }
            if (c == '\0')
                return 0;
            *p = c;
        }
    }
}

/* Removes the hidden folders ".<stamp>-<campaign>.XXXXXX" in root that runs
 * which crashed left half-written: only those whose owner.pid names a
 * process that is gone. Returns how many. */
static int reap_partial_results(const char *root)
{
    DIR *d = opendir(root);
    int reaped = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        /* ".20261203T052438Z-default.AbC123": a dot, a stamp, a 6-character suffix */
        if (e->d_name[0] != '.' || n < 25 || e->d_name[9] != 'T' || e->d_name[n - 7] != '.')
            continue;
        char dir[IPCB_PATH_MAX];
        snprintf(dir, sizeof dir, "%s/%s", root, e->d_name);
        if (owner_gone(dir) == 1) {
            ipcb_remove_tree(dir);
            reaped++;
        }
    }
    closedir(d);
    return reaped;
}

int ipcb_outdir_begin(ipcb_outdir *o, const char *root, const char *campaign, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    snprintf(o->root, sizeof o->root, "%s", root);
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(o->name, sizeof o->name, "%s-%s", stamp, campaign);
    if (make_dirs(root, err, errlen) != 0)
        return -1;
    o->reaped = reap_partial_results(root);
    snprintf(o->tmp, sizeof o->tmp, "%s/.%s.XXXXXX", root, o->name);
    if (!mkdtemp(o->tmp)) {
        snprintf(err, errlen, "output directory %s is not writable: %s", root, strerror(errno));
        o->tmp[0] = '\0';
        return -1;
    }
    chmod(o->tmp, 0755);
    if (write_owner(o->tmp, err, errlen) != 0) {
        ipcb_outdir_discard(o);
        return -1;
    }
    char sub[IPCB_PATH_MAX];
    snprintf(sub, sizeof sub, "%s/histograms", o->tmp);
    if (mkdir(sub, 0755) == 0) {
        snprintf(sub, sizeof sub, "%s/plots", o->tmp);
        if (mkdir(sub, 0755) == 0)
            return 0;
    }
    snprintf(err, errlen, "cannot create %s: %s", sub, strerror(errno));
    ipcb_outdir_discard(o);
    return -1;
}

static int update_latest(const ipcb_outdir *o, const char *target, char *err, size_t errlen)
{
    char link_tmp[IPCB_PATH_MAX], link[IPCB_PATH_MAX];
    snprintf(link_tmp, sizeof link_tmp, "%s/.latest.%ld", o->root, (long)getpid());
    snprintf(link, sizeof link, "%s/latest", o->root);
    unlink(link_tmp);
    if (symlink(target, link_tmp) != 0 || rename(link_tmp, link) != 0) {
        snprintf(err, errlen, "cannot update %s: %s", link, strerror(errno));
        unlink(link_tmp);
        return -1;
    }
    return 0;
}

int ipcb_outdir_commit(ipcb_outdir *o, char *err, size_t errlen)
{
    char name[300], owner[IPCB_PATH_MAX + 16];
    /* The folder is finished: no later run may take it for a crashed one's. */
    snprintf(owner, sizeof owner, "%s/%s", o->tmp, OWNER_FILE);
    unlink(owner);
    for (int attempt = 1; attempt < 100; attempt++) {
        if (attempt == 1)
            snprintf(name, sizeof name, "%s", o->name);
        else
            snprintf(name, sizeof name, "%s-%d", o->name, attempt);
        snprintf(o->final, sizeof o->final, "%s/%s", o->root, name);
        if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->final, RENAME_NOREPLACE) == 0) {
            o->tmp[0] = '\0';
            return update_latest(o, name, err, errlen);
        }
        if (errno != EEXIST) {
            snprintf(err, errlen, "cannot rename %s to %s: %s", o->tmp, o->final, strerror(errno));
            return -1;
        }
    }
    snprintf(err, errlen, "too many runs named %s", o->name);
    return -1;
}

void ipcb_outdir_discard(ipcb_outdir *o)
{
    ipcb_remove_tree(o->tmp);
    o->tmp[0] = '\0';
}
