/* ref-dbus-loop: the plainest libdbus loop, the reference for the `dbus`
 * transport's throughput. A private dbus-daemon (scripts/dbus-session.conf),
 * a forked child that owns a name and answers every Push(ay) call, and the
 * parent making one dbus_connection_send_with_reply_and_block per frame.
 * Prints MB/s. usage: ref-dbus-loop [BYTES [SECONDS [CONFIG]]] */
#include <dbus/dbus.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NAME "org.ipcbench.RefSink"
#define PATH "/org/ipcbench/RefSink"
#define IFACE "org.ipcbench.RefSink"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "ref-dbus-loop: %s: %s\n", what, why);
    exit(1);
}

/* Start dbus-daemon on unix:path=DIR/bus; returns its pid, fills addr. */
static pid_t start_daemon(const char *config, const char *dir, char *addr, size_t len)
{
    int p[2];
    if (pipe(p) != 0)
        die("pipe", strerror(errno));
    char listen[300], print[32];
    snprintf(listen, sizeof listen, "--address=unix:path=%s/bus", dir);
    snprintf(print, sizeof print, "--print-address=%d", p[1]);
    char cfg[400];
    snprintf(cfg, sizeof cfg, "--config-file=%s", config);
    char log[300];
    snprintf(log, sizeof log, "%s/daemon.log", dir);
    pid_t pid = fork();
    if (pid == 0) { /* its warnings go to DIR/daemon.log, shown if it fails */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(p[0]);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0)
            dup2(fd, 2);
        execlp("dbus-daemon", "dbus-daemon", cfg, "--nofork", "--nosyslog", listen, print, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    size_t n = 0;
    while (n + 1 < len) {
        struct pollfd pfd = { p[0], POLLIN, 0 };
        if (poll(&pfd, 1, 10000) <= 0)
            die("dbus-daemon", "no address within 10 s");
        ssize_t r = read(p[0], addr + n, len - 1 - n);
        if (r <= 0) {
            char text[1024] = "";
            FILE *f = fopen(log, "r");
            size_t got = f ? fread(text, 1, sizeof text - 1, f) : 0;
            text[got] = '\0';
            if (f)
                fclose(f);
            die("dbus-daemon exited before printing its address", text);
        }
        n += (size_t)r;
        addr[n] = '\0';
        char *nl = strchr(addr, '\n');
        if (nl) {
            *nl = '\0';
            break;
        }
    }
    close(p[0]);
    return pid;
}

static DBusConnection *connect_bus(const char *addr)
{
    DBusError e = DBUS_ERROR_INIT;
    DBusConnection *c = dbus_connection_open_private(addr, &e);
    if (!c || !dbus_bus_register(c, &e))
        die("connect", e.message);
    dbus_connection_set_exit_on_disconnect(c, FALSE);
    return c;
}

/* The service: answer every Push(ay) with the number of bytes received. */
static void serve(const char *addr, int ready_fd)
{
    DBusConnection *c = connect_bus(addr);
    DBusError e = DBUS_ERROR_INIT;
    if (dbus_bus_request_name(c, NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &e) !=
        DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER)
        die("request name", e.message ? e.message : "not primary owner");
    if (write(ready_fd, "r", 1) != 1)
        _exit(1);
    close(ready_fd);
    while (dbus_connection_read_write(c, -1)) {
        DBusMessage *m;
        while ((m = dbus_connection_pop_message(c)) != NULL) {
            if (dbus_message_is_method_call(m, IFACE, "Push")) {
                const uint8_t *px;
                int n = 0;
                dbus_message_get_args(m, NULL, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &px, &n, DBUS_TYPE_INVALID);
                DBusMessage *r = dbus_message_new_method_return(m);
                dbus_uint32_t got = (dbus_uint32_t)n;
                dbus_message_append_args(r, DBUS_TYPE_UINT32, &got, DBUS_TYPE_INVALID);
                dbus_connection_send(c, r, NULL);
                dbus_message_unref(r);
            }
            dbus_message_unref(m);
        }
    }
    _exit(0);
}

int main(int argc, char **argv)
{
    size_t bytes = argc > 1 ? strtoull(argv[1], NULL, 0) : 1920u * 1080 * 4;
    double seconds = argc > 2 ? atof(argv[2]) : 2.0;
    const char *config = argc > 3 ? argv[3] : "scripts/dbus-session.conf";
    if (bytes == 0 || bytes > (64u << 20) || seconds <= 0) {
        fprintf(stderr, "usage: ref-dbus-loop [BYTES (1..64 MiB) [SECONDS [CONFIG]]]\n");
        return 2;
    }
    if (access(config, R_OK) != 0)
        die(config, strerror(errno));
    char dir[] = "/tmp/ref-dbus-loop-XXXXXX", addr[512];
    if (!mkdtemp(dir))
        die("mkdtemp", strerror(errno));
    pid_t daemon = start_daemon(config, dir, addr, sizeof addr);
    int ready[2];
    if (pipe(ready) != 0)
        die("pipe", strerror(errno));
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(ready[0]);
        serve(addr, ready[1]);
    }
    close(ready[1]);
    char r;
    if (read(ready[0], &r, 1) != 1)
        die("service", "did not start");

    DBusConnection *c = connect_bus(addr);
    uint8_t *buf = malloc(bytes);
    if (!buf)
        die("malloc", "out of memory");
    memset(buf, 0xa5, bytes);
    const uint8_t *px = buf;
    int n = (int)bytes;
    uint64_t sent = 0;
    double start = now_s(), end;
    while ((end = now_s()) - start < seconds) {
        DBusMessage *m = dbus_message_new_method_call(NAME, PATH, IFACE, "Push");
        dbus_message_append_args(m, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &px, n, DBUS_TYPE_INVALID);
        DBusError e = DBUS_ERROR_INIT;
        DBusMessage *reply = dbus_connection_send_with_reply_and_block(c, m, 10000, &e);
        dbus_message_unref(m);
        if (!reply)
            die("Push", e.message);
        dbus_uint32_t got = 0;
        dbus_message_get_args(reply, NULL, DBUS_TYPE_UINT32, &got, DBUS_TYPE_INVALID);
        dbus_message_unref(reply);
        if (got != bytes)
            die("Push", "service got a different size");
        sent += bytes;
    }
    printf("ref-dbus-loop bytes=%zu frames=%llu seconds=%.3f MB/s=%.1f\n", bytes,
           (unsigned long long)(sent / bytes), end - start, (double)sent / (end - start) / 1e6);
    dbus_connection_close(c);
    dbus_connection_unref(c);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    kill(daemon, SIGTERM);
    waitpid(daemon, NULL, 0);
    char path[400];
    snprintf(path, sizeof path, "%s/bus", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/daemon.log", dir);
    unlink(path);
    rmdir(dir);
    free(buf);
    return 0;
}
