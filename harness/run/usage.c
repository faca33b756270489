/* Resource usage readings: getrusage for this process, /proc for others,
 * and the arithmetic to add them up and take differences. */
#include "usage.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static double tv_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

void ipcb_usage_self(ipcb_usage *u)
{
    struct rusage ru;
    memset(u, 0, sizeof *u);
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return;
    u->user_s = tv_seconds(ru.ru_utime);
    u->sys_s = tv_seconds(ru.ru_stime);
    u->minflt = (uint64_t)ru.ru_minflt;
    u->majflt = (uint64_t)ru.ru_majflt;
    u->vcsw = (uint64_t)ru.ru_nvcsw;
    u->ivcsw = (uint64_t)ru.ru_nivcsw;
}

static size_t read_proc_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n;
}

static size_t read_proc(int pid, const char *file, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
    return read_proc_file(path, buf, len);
}

/* The number after "key:" in /proc/PID/status text, 0 if absent. */
static uint64_t status_field(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    unsigned long long v = 0;
    if (p && sscanf(p + strlen(key), ": %llu", &v) == 1)
        return v;
    return 0;
}

int ipcb_usage_of_pid(int pid, ipcb_usage *u)
{
    char buf[4096];
    memset(u, 0, sizeof *u);
    if (read_proc(pid, "stat", buf, sizeof buf) == 0)
        return -1;
    /* Fields after "pid (comm)": state is field 3, minflt 10, majflt 12,
     * utime 14, stime 15. */
    const char *p = strrchr(buf, ')');
    unsigned long long minflt = 0, majflt = 0, utime = 0, stime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %llu %*u %llu %llu",
                     &minflt, &majflt, &utime, &stime) != 4)
        return -1;
    double tick = (double)sysconf(_SC_CLK_TCK);
    u->user_s = (double)utime / tick;
    u->sys_s = (double)stime / tick;
    u->minflt = minflt;
    u->majflt = majflt;
    if (read_proc(pid, "status", buf, sizeof buf) > 0) {
        u->vcsw = status_field(buf, "\nvoluntary_ctxt_switches");
        u->ivcsw = status_field(buf, "\nnonvoluntary_ctxt_switches");
    }
    return 0;
}

double ipcb_steal_seconds(void)
{
    char buf[512];
    unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
    if (read_proc_file("/proc/stat", buf, sizeof buf) == 0 ||
        sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle,
               &iowait, &irq, &softirq, &steal) != 8)
        return 0;
    return (double)steal / (double)sysconf(_SC_CLK_TCK);
}

void ipcb_usage_add(ipcb_usage *sum, const ipcb_usage *add)
{
    sum->user_s += add->user_s;
    sum->sys_s += add->sys_s;
    sum->minflt += add->minflt;
    sum->majflt += add->majflt;
    sum->vcsw += add->vcsw;
    sum->ivcsw += add->ivcsw;
}

void ipcb_usage_since(ipcb_usage *d, const ipcb_usage *end, const ipcb_usage *start)
{
    d->user_s = end->user_s - start->user_s;
    d->sys_s = end->sys_s - start->sys_s;
    d->minflt = end->minflt - start->minflt;
    d->majflt = end->majflt - start->majflt;
    d->vcsw = end->vcsw - start->vcsw;
    d->ivcsw = end->ivcsw - start->ivcsw;
}
