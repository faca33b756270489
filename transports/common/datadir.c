/* Finding the campaign files and scripts (see datadir.h): in the source tree
 * for the in-tree build, in the compiled-in (or $IPCB_DATADIR) data directory
 * for the installed ipcbench. */
#include "datadir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

#ifdef IPCB_DATADIR
/* Installed: DATADIR/campaigns and DATADIR/scripts. */
static void base_dir(char *out, size_t len)
{
    const char *env = getenv("IPCB_DATADIR");
    snprintf(out, len, "%s", env && *env ? env : IPCB_DATADIR);
}

static const char *const subdir[] = { "campaigns", "scripts" };
#else
/* In the tree: TREE/bench/campaigns and TREE/scripts, TREE above build/ or build/asan/. */
static void base_dir(char *out, size_t len)
{
    char exe[PATH_MAX], probe[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        static const char *const up[] = { "/..", "/../.." };
        for (size_t i = 0; i < sizeof up / sizeof up[0]; i++) {
            snprintf(probe, sizeof probe, "%s%s/bench/campaigns", exe, up[i]);
            if (is_dir(probe)) {
                snprintf(out, len, "%s%s", exe, up[i]);
                return;
            }
        }
    }
    snprintf(out, len, ".");
}

static const char *const subdir[] = { "bench/campaigns", "scripts" };
#endif

int ipcb_data_dir(ipcb_data_kind kind, char *out, size_t len)
{
    char base[PATH_MAX];
    base_dir(base, sizeof base);
    snprintf(out, len, "%s/%s", base, subdir[kind == IPCB_DATA_SCRIPTS]);
    return is_dir(out) ? 0 : -1;
}
