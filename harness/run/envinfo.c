/* Collects the environment facts recorded with every run: what was built
 * (version, commit, library versions) and where it ran (kernel, CPU model,
 * frequency governor, clock source). Missing facts read "unknown". */
#include "envinfo.h"

#include <curl/curl.h>
#include <dbus/dbus.h>
#include <gnu/libc-version.h>
#include <microhttpd.h>
#include <jansson.h>
#include <spng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <xxhash.h>

#ifndef IPCB_VERSION_STRING
#define IPCB_VERSION_STRING "dev"
#endif
#ifndef IPCB_GIT_COMMIT
#define IPCB_GIT_COMMIT "unknown"
#endif
#ifndef IPCB_GIT_BRANCH
#define IPCB_GIT_BRANCH "unknown"
#endif
#ifndef IPCB_BENCHMARK_VERSION
#define IPCB_BENCHMARK_VERSION "unknown"
#endif

/* First line of a file, or "unknown". */
static void read_line(const char *path, char *out, size_t len)
{
    snprintf(out, len, "unknown");
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fgets(out, (int)len, f))
        out[strcspn(out, "\n")] = '\0';
    else
        snprintf(out, len, "unknown");
    fclose(f);
}

static void cpu_model(char *out, size_t len)
{
    char line[512];
    snprintf(out, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
            const char *v = strchr(line, ':') + 1;
            while (*v == ' ')
                v++;
            snprintf(out, len, "%s", v);
            out[strcspn(out, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
}

void ipcb_envinfo_collect(ipcb_fact_fn fact, void *arg)
{
    char buf[512];
    struct utsname u;

    fact("ipcbench_version", IPCB_VERSION_STRING, arg);
    /* The commit and branch ipcbench was built from; CI that builds from a
     * tarball, or labels runs its own way, sets them in the environment. */
    const char *commit = getenv("IPCBENCH_GIT_COMMIT"), *branch = getenv("IPCBENCH_GIT_BRANCH");
    fact("ipcbench_git_commit", commit && *commit ? commit : IPCB_GIT_COMMIT, arg);
    fact("ipcbench_git_branch", branch && *branch ? branch : IPCB_GIT_BRANCH, arg);
    /* A stable name for this machine where the host name is not (CI containers). */
    const char *host = getenv("IPCBENCH_HOST_NAME");
    if (host && *host)
        fact("ipcbench_host_name", host, arg);
    if (uname(&u) == 0) {
        snprintf(buf, sizeof buf, "%s %s %s", u.sysname, u.release, u.machine);
        fact("kernel", buf, arg);
    }
    cpu_model(buf, sizeof buf);
    fact("cpu_model", buf, arg);
    read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", buf, sizeof buf);
    fact("cpu_governor", buf, arg);
    read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource", buf, sizeof buf);
    fact("clocksource", buf, arg);
    fact("lib_benchmark", IPCB_BENCHMARK_VERSION, arg);
    unsigned xxh = XXH_versionNumber(); /* major * 10000 + minor * 100 + release */
    snprintf(buf, sizeof buf, "%u.%u.%u", xxh / 10000, xxh / 100 % 100, xxh % 100);
    fact("lib_xxhash", buf, arg);
    fact("lib_jansson", jansson_version_str(), arg);
    fact("lib_spng", spng_version_string(), arg);
    fact("lib_libc", gnu_get_libc_version(), arg);
    fact("lib_curl", curl_version_info(CURLVERSION_NOW)->version, arg);
    fact("lib_microhttpd", MHD_get_version(), arg);
    int major, minor, micro;
    dbus_get_version(&major, &minor, &micro);
    snprintf(buf, sizeof buf, "%d.%d.%d", major, minor, micro);
    fact("lib_dbus", buf, arg);
}
