/* Idle TCP connections to the loopback servers of this test's runs (see
 * idle_conns.h): listeners found through /proc/net/tcp and the processes'
 * descriptors; connections held, counted and reopened. */
#include "idle_conns.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "runcli.h"

enum { INODES_MAX = 512, TCP_LISTEN = 0x0A, PIDS_MAX = 16 };

/* The socket inode fd_path ("/proc/PID/fd/N") refers to, 0 if none. */
static unsigned long socket_inode(const char *fd_path)
{
    char target[64];
    ssize_t len = readlink(fd_path, target, sizeof target - 1);
    if (len <= 0)
        return 0;
    target[len] = '\0';
    unsigned long inode;
    return sscanf(target, "socket:[%lu]", &inode) == 1 ? inode : 0;
}

/* The inodes of the sockets this test's ipcbench processes hold (at most max). */
static int socket_inodes_of_this_test(unsigned long *inodes, int max)
{
    static const char *const names[] = { "ipcbench", NULL };
    pid_t pids[PIDS_MAX];
    int np = processes_of_this_test(names, pids, PIDS_MAX), n = 0;
    for (int p = 0; p < np; p++) {
        char dir[64];
        snprintf(dir, sizeof dir, "/proc/%ld/fd", (long)pids[p]);
        DIR *d = opendir(dir);
        if (!d)
            continue; /* it has just exited */
        for (struct dirent *e; (e = readdir(d)) != NULL && n < max;) {
            char path[400];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unsigned long inode = socket_inode(path);
            if (inode)
                inodes[n++] = inode;
        }
        closedir(d);
    }
    return n;
}

int listening_ports_of_this_test(unsigned *ports, int max)
{
    unsigned long inodes[INODES_MAX];
    int ni = socket_inodes_of_this_test(inodes, INODES_MAX), n = 0;
    FILE *f = ni > 0 ? fopen("/proc/net/tcp", "r") : NULL;
    if (!f)
        return 0;
    char line[512];
    while (n < max && fgets(line, sizeof line, f)) { /* the heading does not scan */
        unsigned long addr, inode;
        unsigned port, state;
        if (sscanf(line, " %*u: %lX:%X %*X:%*X %X %*s %*s %*s %*u %*u %lu", &addr, &port, &state, &inode) != 4)
            continue;
        /* The address is printed as the kernel holds it: network order read as a number. */
        if (state != TCP_LISTEN || addr != (unsigned long)htonl(INADDR_LOOPBACK))
            continue;
        for (int i = 0; i < ni; i++)
            if (inodes[i] == inode) {
                ports[n++] = port;
                break;
            }
    }
    fclose(f);
    return n;
}

void idle_conns_init(idle_conns *ic, int per_port)
{
    memset(ic, 0, sizeof *ic);
    ic->per_port = per_port < IDLE_PER_PORT_MAX ? per_port : IDLE_PER_PORT_MAX;
}

static void drop_port(idle_conns *ic, int i)
{
    for (int k = 0; k < ic->ports[i].count; k++)
        close(ic->ports[i].fds[k]);
    ic->ports[i] = ic->ports[--ic->port_count];
}

/* Whether the server has closed (or reset) the connection; anything it
 * sends is read and dropped. */
static int closed_by_server(int fd)
{
    char buf[512];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0)
            continue;
        if (n == 0)
            return 1;
        return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    }
}

/* Every other connection sends the start of a request and never ends it. */
static int open_idle(unsigned port, int partial)
{
    static const char half_request[] = "POST /frames HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        (partial && send(fd, half_request, sizeof half_request - 1, MSG_NOSIGNAL) < 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

static void top_up(idle_conns *ic, idle_port *p)
{
    int kept = 0;
    for (int k = 0; k < p->count; k++) {
        if (closed_by_server(p->fds[k])) {
            close(p->fds[k]);
            ic->closed_by_server++;
        } else {
            p->fds[kept++] = p->fds[k];
        }
    }
    p->count = kept;
    while (p->count < ic->per_port) {
        int fd = open_idle(p->port, p->count % 2);
        if (fd < 0)
            break; /* the server is going away */
        p->fds[p->count++] = fd;
        ic->opened++;
    }
}

void idle_conns_step(idle_conns *ic)
{
    unsigned now[IDLE_PORTS_MAX];
    int n = listening_ports_of_this_test(now, IDLE_PORTS_MAX);
    for (int i = ic->port_count - 1; i >= 0; i--) {
        int live = 0;
        for (int k = 0; k < n && !live; k++)
            live = now[k] == ic->ports[i].port;
        if (!live)
            drop_port(ic, i);
    }
    for (int k = 0; k < n; k++) {
        int known = 0;
        for (int i = 0; i < ic->port_count && !known; i++)
            known = ic->ports[i].port == now[k];
        if (!known && ic->port_count < IDLE_PORTS_MAX) {
            ic->ports[ic->port_count++] = (idle_port){ .port = now[k] };
            ic->ports_seen++;
        }
    }
    for (int i = 0; i < ic->port_count; i++)
        top_up(ic, &ic->ports[i]);
}

void idle_conns_close(idle_conns *ic)
{
    while (ic->port_count > 0)
        drop_port(ic, ic->port_count - 1);
}
