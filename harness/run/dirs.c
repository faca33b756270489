/* Runtime and results directories. Results are written into a hidden
 * temporary directory and renamed with RENAME_NOREPLACE, so a run never
 * overwrites another and a crash leaves no half-written results in place. */
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

int ipcb_rundir_create(char *out, size_t len, char *run_id, size_t idlen, char *err, size_t errlen)
{
    const char *base = runtime_base();
    char owner[IPCB_PATH_MAX + 16];
    snprintf(out, len, "%s/%sXXXXXX", base, RUNDIR_PREFIX);
    if (!mkdtemp(out)) { /* mkdtemp creates the directory 0700 */
        snprintf(err, errlen, "cannot create a runtime directory in %s: %s", base, strerror(errno));
        return -1;
    }
    snprintf(run_id, idlen, "%s", strrchr(out, '-') + 1);
    snprintf(owner, sizeof owner, "%s/%s", out, OWNER_FILE);
    FILE *f = fopen(owner, "w");
    if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", owner, strerror(errno));
        ipcb_remove_tree(out);
        return -1;
    }
    return 0;
}

/* The directory's owner pid, or 0 when it has no readable owner.pid (not ours). */
static long owner_of(const char *dir)
{
    char path[IPCB_PATH_MAX + 16];
    long pid = 0;
    snprintf(path, sizeof path, "%s/%s", dir, OWNER_FILE);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return pid;
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
        long pid = owner_of(dir);
        if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno == EPERM)
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
    snprintf(o->tmp, sizeof o->tmp, "%s/.%s.XXXXXX", root, o->name);
    if (!mkdtemp(o->tmp)) {
        snprintf(err, errlen, "output directory %s is not writable: %s", root, strerror(errno));
        o->tmp[0] = '\0';
        return -1;
    }
    chmod(o->tmp, 0755);
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
    char name[300];
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
