/* The private message bus of the dbus and dbus-fd transports: a dbus-daemon
 * started once per campaign with scripts/dbus-session.conf, listening on a
 * socket in the run's private 0700 directory, dying with ipcbench
 * (PR_SET_PDEATHSIG), stopped and reaped at the end. With bus_daemon=dbus-broker
 * a dbus-broker runs instead, driven by ipcbench as its controller (see
 * start_broker). Never the user's session or system bus. */
#include "dbus_internal.h"

#include "children.h"
#include "clock.h"
#include "datadir.h"
#include "interrupt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { STOP_GRACE_MS = 2000, PRINT_FD = 3 };

static const char CONFIG_NAME[] = "dbus-session.conf";

/* Is program an executable in $PATH? Fills path. */
static int find_program(const char *program, char *path, size_t len)
{
    const char *env = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s", env && *env ? env : "/usr/local/bin:/usr/bin:/bin");
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(path, len, "%s/%s", *d ? d : ".", program);
        if (access(path, X_OK) == 0)
            return 0;
    }
    return -1;
}

int ipcb_dbus_bus_available(char *err)
{
    char path[PATH_MAX];
    if (find_program("dbus-daemon", path, sizeof path) != 0) {
        snprintf(err, IPCB_ERR_MAX, "dbus-daemon not found (install the dbus-daemon package)");
        return -1;
    }
    return 0;
}

/* scripts/dbus-session.conf: in the source tree above build/ipcbench, or in
 * the installed data directory (see datadir.h). */
static int find_config(char *out, size_t len, char *err)
{
    char dir[PATH_MAX];
    ipcb_data_dir(IPCB_DATA_SCRIPTS, dir, sizeof dir);
    snprintf(out, len, "%s/%s", dir, CONFIG_NAME);
    if (access(out, R_OK) == 0)
        return 0;
    snprintf(err, IPCB_ERR_MAX, "bus configuration %s not found", out);
    return -1;
}

static void describe_exit(const ipcb_infra *b, char *out, size_t len)
{
    int st = b->exit_status;
    if (WIFSIGNALED(st))
        snprintf(out, len, "the bus daemon (%s, pid %ld) was killed by signal %d (%s)", b->daemon, (long)b->pid,
                 WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        snprintf(out, len, "the bus daemon (%s, pid %ld) exited with status %d", b->daemon, (long)b->pid,
                 WEXITSTATUS(st));
}

/* Reap the daemon if it has exited; returns 1 if it is gone. */
static int check_exited(ipcb_infra *b)
{
    if (b->exited)
        return 1;
    int st;
    pid_t r = waitpid(b->pid, &st, WNOHANG);
    if (r == b->pid) {
        b->exited = 1;
        b->exit_status = st;
    } else if (r < 0 && errno == ECHILD) {
        b->exited = 1; /* not ours to reap any more */
        b->exit_status = 0;
    }
    if (b->exited)
        ipcb_child_reaped(b->pid);
    return b->exited;
}

void ipcb_dbus_bus_status(ipcb_infra *b, char *out, size_t len)
{
    out[0] = '\0';
    if (b && b->pid > 0 && check_exited(b))
        describe_exit(b, out, len);
}

/* The last non-empty line of the daemon's log, for error messages. */
static void log_tail(const char *path, char *out, size_t len)
{
    char buf[4096];
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof buf - 1 ? size - (off_t)sizeof buf + 1 : 0;
    ssize_t n = pread(fd, buf, sizeof buf - 1, from);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    char *line = strrchr(buf, '\n');
    snprintf(out, len, "%s", line ? line + 1 : buf);
}

/* In the child, before exec: die with ipcbench, keep out of the terminal's
 * process group (Ctrl-C goes to ipcbench, which stops the daemon in order),
 * stdin/stdout /dev/null, stderr to the log, fd 3 = the address pipe (or the
 * controller socket), nothing else inherited, no bus addresses in the environment. */
static void child_setup(pid_t parent, int fd3, int log_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(126);
    ipcb_child_own_group();
    umask(077);
    int keep3 = fcntl(fd3, F_DUPFD, 10);
    int keep_log = fcntl(log_fd, F_DUPFD, 10);
    int null = open("/dev/null", O_RDWR);
    if (keep3 < 0 || keep_log < 0 || null < 0)
        _exit(126);
    if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(keep_log, 2) < 0 || dup2(keep3, PRINT_FD) < 0)
        _exit(126);
    if (close_range(PRINT_FD + 1, ~0u, 0) != 0)
        for (int fd = PRINT_FD + 1; fd < 1024; fd++)
            close(fd);
    unsetenv("DBUS_SESSION_BUS_ADDRESS");
    unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
    unsetenv("DBUS_STARTER_ADDRESS");
    unsetenv("DBUS_STARTER_BUS_TYPE");
    /* libdbus reads each message into a buffer that grows from 2 KiB and
     * shrinks back once the message is out; with glibc's defaults that is an
     * mmap'd chunk and every large message faults in fresh zeroed pages (in
     * the daemon, for every frame it forwards). Large buffers on the heap and
     * freed memory kept: the daemon reuses warm pages. */
    setenv("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824", 1);
}

/* Read the address the daemon prints (one line) within timeout_ms. */
static int read_address(ipcb_infra *b, int fd, int timeout_ms, const char *log, char *err)
{
    size_t n = 0;
    long long deadline = ipcb_now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - ipcb_now_ms();
        struct pollfd p = { fd, POLLIN, 0 };
        int r = left > 0 ? ipcb_poll(&p, 1, (int)left) : 0;
        if (r < 0 && errno == EINTR && ipcb_interrupted) {
            snprintf(err, IPCB_ERR_MAX, "%s", ipcb_interrupted_text);
            return -1;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            snprintf(err, IPCB_ERR_MAX, "%s did not print its address within %d ms", b->daemon, timeout_ms);
            return -1;
        }
        ssize_t got = r > 0 ? read(fd, b->address + n, sizeof b->address - 1 - n) : -1;
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            char tail[200], status[160] = "";
            log_tail(log, tail, sizeof tail);
            struct timespec pause = { 0, 20000000 };
            nanosleep(&pause, NULL);
            ipcb_dbus_bus_status(b, status, sizeof status);
            snprintf(err, IPCB_ERR_MAX, "%s failed to start%s%s%s%s", b->daemon, status[0] ? ": " : "", status,
                     tail[0] ? ": " : "", tail);
            return -1;
        }
        n += (size_t)got;
        b->address[n] = '\0';
        char *nl = strchr(b->address, '\n');
        if (nl) {
            *nl = '\0';
            return 0;
        }
        if (n + 1 >= sizeof b->address) {
            snprintf(err, IPCB_ERR_MAX, "%s printed an address longer than %zu bytes", b->daemon,
                     sizeof b->address - 1);
            return -1;
        }
    }
}

static int start_daemon(ipcb_infra *b, const ipcb_opts *o, const char *log, char *err)
{
    char program[PATH_MAX], config[PATH_MAX];
    if (find_program("dbus-daemon", program, sizeof program) != 0) {
        snprintf(err, IPCB_ERR_MAX, "dbus-daemon not found (install the dbus-daemon package)");
        return -1;
    }
    if (find_config(config, sizeof config, err) != 0)
        return -1;
    char a_config[PATH_MAX + 32], a_address[IPCB_ADDR_MAX + 32], a_print[32];
    snprintf(a_config, sizeof a_config, "--config-file=%s", config);
    snprintf(a_address, sizeof a_address, "--address=unix:path=%s", b->socket_path);
    snprintf(a_print, sizeof a_print, "--print-address=%d", PRINT_FD);
    char *const argv[] = { "dbus-daemon", a_config, "--nofork", "--nopidfile", "--nosyslog",
                           a_address, a_print, NULL };
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        snprintf(err, IPCB_ERR_MAX, "pipe: %s", strerror(errno));
        return -1;
    }
    int log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log_fd < 0) {
        snprintf(err, IPCB_ERR_MAX, "%s: %s", log, strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        child_setup(parent, p[1], log_fd);
        execv(program, argv);
        _exit(127);
    }
    close(p[1]);
    close(log_fd);
    if (pid < 0) {
        snprintf(err, IPCB_ERR_MAX, "fork: %s", strerror(errno));
        close(p[0]);
        return -1;
    }
    ipcb_child_started(pid);
    b->pid = pid;
    int rc = read_address(b, p[0], o->timeout_ms, log, err);
    close(p[0]);
    /* libdbus makes its sockets 0777 (access is checked by authentication);
     * the run directory is 0700 anyway, and ipcbench's sockets are 0600. */
    if (rc == 0)
        chmod(b->socket_path, 0600);
    return rc;
}

/* ---- dbus-broker ---- */

/* dbus-broker has no configuration file or listening socket of its own: a
 * controller (normally dbus-broker-launch) hands it a listening socket and a
 * policy over a private D-Bus connection (the broker's --controller fd).
 * dbus-broker-launch cannot run here without systemd (it logs to journald's
 * socket and exits when that is missing), so ipcbench is the controller:
 * libdbus's "unixexec:" transport starts `dbus-broker --controller 0` on a
 * socketpair (stdin/stdout) and connects to it as a client; ipcbench then
 * calls AddListener with a socket bound in the run directory and an
 * allow-everything policy for this user. */

/* Append the broker's policy batch "(bt a(btbs) a(btssssuutt) a(btssssuutt))":
 * connect allowed, own any name, send and receive anything. */
static int append_batch(DBusMessageIter *parent)
{
    DBusMessageIter batch, arr, rec;
    dbus_bool_t yes = TRUE;
    dbus_uint64_t prio = 1, zero64 = 0, max_fds = UINT64_MAX;
    dbus_uint32_t zero = 0;
    const char *empty = "";
    if (!dbus_message_iter_open_container(parent, DBUS_TYPE_STRUCT, NULL, &batch))
        return -1;
    dbus_message_iter_append_basic(&batch, DBUS_TYPE_BOOLEAN, &yes);
    dbus_message_iter_append_basic(&batch, DBUS_TYPE_UINT64, &prio);
    /* own: (verdict, priority, prefix, name): prefix "" = every name */
    dbus_message_iter_open_container(&batch, DBUS_TYPE_ARRAY, "(btbs)", &arr);
    dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &rec);
    dbus_message_iter_append_basic(&rec, DBUS_TYPE_BOOLEAN, &yes);
    dbus_message_iter_append_basic(&rec, DBUS_TYPE_UINT64, &prio);
    dbus_message_iter_append_basic(&rec, DBUS_TYPE_BOOLEAN, &yes);
    dbus_message_iter_append_basic(&rec, DBUS_TYPE_STRING, &empty);
    dbus_message_iter_close_container(&arr, &rec);
    dbus_message_iter_close_container(&batch, &arr);
    /* send, then receive: (verdict, priority, name, path, interface, member,
     * type, broadcast, min_fds, max_fds), empty strings and zeros = any */
    for (int i = 0; i < 2; i++) {
        dbus_message_iter_open_container(&batch, DBUS_TYPE_ARRAY, "(btssssuutt)", &arr);
        dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &rec);
        dbus_message_iter_append_basic(&rec, DBUS_TYPE_BOOLEAN, &yes);
        dbus_message_iter_append_basic(&rec, DBUS_TYPE_UINT64, &prio);
        for (int s = 0; s < 4; s++)
            dbus_message_iter_append_basic(&rec, DBUS_TYPE_STRING, &empty);
        dbus_message_iter_append_basic(&rec, DBUS_TYPE_UINT32, &zero);
        dbus_message_iter_append_basic(&rec, DBUS_TYPE_UINT32, &zero);
        dbus_message_iter_append_basic(&rec, DBUS_TYPE_UINT64, &zero64);
        dbus_message_iter_append_basic(&rec, DBUS_TYPE_UINT64, &max_fds);
        dbus_message_iter_close_container(&arr, &rec);
        dbus_message_iter_close_container(&batch, &arr);
    }
    return dbus_message_iter_close_container(parent, &batch) ? 0 : -1;
}

#define BROKER_BATCH "(bta(btbs)a(btssssuutt)a(btssssuutt))"
#define BROKER_POLICY "(a(u" BROKER_BATCH ")a(buu" BROKER_BATCH ")a(ss)bs)"

/* AddListener(o path, h socket, v policy) */
static DBusMessage *add_listener_call(int listen_fd)
{
    DBusMessage *m = dbus_message_new_method_call(NULL, "/org/bus1/DBus/Broker", "org.bus1.DBus.Broker",
                                                  "AddListener");
    if (!m)
        return NULL;
    const char *path = "/org/bus1/DBus/Listener/0";
    const char *bus_type = "session";
    dbus_bool_t apparmor = FALSE;
    dbus_uint32_t any_uid = UINT32_MAX;
    DBusMessageIter it, var, pol, arr, ent;
    dbus_message_iter_init_append(m, &it);
    dbus_message_iter_append_basic(&it, DBUS_TYPE_OBJECT_PATH, &path);
    dbus_message_iter_append_basic(&it, DBUS_TYPE_UNIX_FD, &listen_fd);
    dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, BROKER_POLICY, &var);
    dbus_message_iter_open_container(&var, DBUS_TYPE_STRUCT, NULL, &pol);
    /* per-uid batches: (uid, batch); uid (uint32)-1 is the default for everyone */
    dbus_message_iter_open_container(&pol, DBUS_TYPE_ARRAY, "(u" BROKER_BATCH ")", &arr);
    dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &ent);
    dbus_message_iter_append_basic(&ent, DBUS_TYPE_UINT32, &any_uid);
    append_batch(&ent);
    dbus_message_iter_close_container(&arr, &ent);
    dbus_message_iter_close_container(&pol, &arr);
    /* per-gid / uid-range batches: none */
    dbus_message_iter_open_container(&pol, DBUS_TYPE_ARRAY, "(buu" BROKER_BATCH ")", &arr);
    dbus_message_iter_close_container(&pol, &arr);
    /* SELinux names: none */
    dbus_message_iter_open_container(&pol, DBUS_TYPE_ARRAY, "(ss)", &arr);
    dbus_message_iter_close_container(&pol, &arr);
    dbus_message_iter_append_basic(&pol, DBUS_TYPE_BOOLEAN, &apparmor);
    dbus_message_iter_append_basic(&pol, DBUS_TYPE_STRING, &bus_type);
    dbus_message_iter_close_container(&var, &pol);
    dbus_message_iter_close_container(&it, &var);
    return m;
}

/* Up to cap - 1 bytes of /proc/PID/FILE into buf, NUL-terminated; returns
 * how many (<= 0 when it cannot be read: the process may be gone). */
static ssize_t read_proc(const char *pid, const char *file, char *buf, size_t cap)
{
    char path[300];
    snprintf(path, sizeof path, "/proc/%s/%s", pid, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n > 0)
        buf[n] = '\0';
    return n;
}

/* The pid of our youngest child process named comm (the broker libdbus has
 * just started; an earlier one may serve another transport). */
static pid_t find_child(const char *comm)
{
    DIR *d = opendir("/proc");
    pid_t found = 0;
    unsigned long long youngest = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char buf[1024], name[64];
        long ppid = 0;
        unsigned long long start = 0;
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        if (read_proc(e->d_name, "stat", buf, sizeof buf) <= 0)
            continue;
        char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
        if (!open_paren || !close_paren || close_paren < open_paren)
            continue;
        snprintf(name, sizeof name, "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
        /* fields after the name: state ppid ... starttime is field 22 */
        if (sscanf(close_paren + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                   &ppid, &start) == 2 &&
            ppid == (long)getpid() && strcmp(name, comm) == 0 && (!found || start >= youngest)) {
            found = (pid_t)atol(e->d_name);
            youngest = start;
        }
    }
    closedir(d);
    return found;
}

static int start_broker(ipcb_infra *b, const ipcb_opts *o, char *err)
{
    char program[PATH_MAX], machine_id[64] = "";
    if (find_program("dbus-broker", program, sizeof program) != 0) {
        snprintf(err, IPCB_ERR_MAX, "dbus-broker not found (install the dbus-broker package)");
        return -1;
    }
    DBusError e = DBUS_ERROR_INIT;
    char *id = dbus_try_get_local_machine_id(&e);
    if (id) {
        snprintf(machine_id, sizeof machine_id, "%s", id);
        dbus_free(id);
    } else {
        dbus_error_free(&e);
        snprintf(machine_id, sizeof machine_id, "00000000000000000000000000000001");
    }
    /* The listening socket the broker will accept on (0600 in the 0700 run directory). */
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", b->socket_path);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    mode_t old = umask(0177);
    int rc = lfd >= 0 ? bind(lfd, (struct sockaddr *)&sa, sizeof sa) : -1;
    umask(old);
    if (rc != 0 || listen(lfd, 64) != 0) {
        snprintf(err, IPCB_ERR_MAX, "bind/listen %s: %s", b->socket_path, strerror(errno));
        if (lfd >= 0)
            close(lfd);
        return -1;
    }
    /* Generous per-user quotas: one user owns every connection of this bus. */
    char address[1024];
    snprintf(address, sizeof address,
             "unixexec:path=%s,argv0=dbus-broker,argv1=--controller,argv2=0,argv3=--machine-id,argv4=%s,"
             "argv5=--max-bytes,argv6=100000000000,argv7=--max-fds,argv8=100000,"
             "argv9=--max-matches,argv10=100000,argv11=--max-objects,argv12=100000",
             program, machine_id);
    b->controller = dbus_connection_open_private(address, &e);
    if (!b->controller) {
        snprintf(err, IPCB_ERR_MAX, "starting dbus-broker: %s", e.message);
        dbus_error_free(&e);
        close(lfd);
        return -1;
    }
    dbus_connection_set_exit_on_disconnect(b->controller, FALSE);
    /* Whether fds may be passed is known once authenticated. */
    long long deadline = ipcb_now_ms() + o->timeout_ms;
    while (!dbus_connection_get_is_authenticated(b->controller) && dbus_connection_get_is_connected(b->controller) &&
           ipcb_now_ms() < deadline && !ipcb_interrupted)
        dbus_connection_read_write(b->controller, 10);
    /* Looked for once it has answered: before, libdbus's child may not have
     * become dbus-broker yet (exec), and an older broker could be taken for it. */
    b->pid = find_child("dbus-broker");
    ipcb_child_adopted(b->pid); /* libdbus started it: in our process group */
    if (ipcb_interrupted) {
        snprintf(err, IPCB_ERR_MAX, "%s", ipcb_interrupted_text);
        close(lfd);
        return -1;
    }
    if (!dbus_connection_get_is_authenticated(b->controller) ||
        !dbus_connection_can_send_type(b->controller, DBUS_TYPE_UNIX_FD)) {
        snprintf(err, IPCB_ERR_MAX, "dbus-broker's controller connection %s",
                 dbus_connection_get_is_authenticated(b->controller) ? "cannot pass file descriptors"
                                                                     : "did not authenticate");
        close(lfd);
        return -1;
    }
    DBusMessage *call = add_listener_call(lfd);
    char why[IPCB_ERR_MAX] = "out of memory";
    DBusMessage *reply = call ? ipcb_dbus_call(b->controller, call, o->timeout_ms, why) : NULL;
    close(lfd); /* the broker holds its own copy now */
    if (call)
        dbus_message_unref(call);
    if (reply && dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR)
        ipcb_dbus_error_text(reply, why, sizeof why);
    int refused = !reply || dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR;
    if (reply)
        dbus_message_unref(reply);
    if (refused) {
        snprintf(err, IPCB_ERR_MAX, "dbus-broker refused its listener: %s", why);
        return -1;
    }
    if (b->pid <= 0) {
        snprintf(err, IPCB_ERR_MAX, "dbus-broker started but its process was not found");
        return -1;
    }
    snprintf(b->address, sizeof b->address, "unix:path=%s", b->socket_path);
    return 0;
}

int ipcb_dbus_bus_start(const ipcb_transport *t, ipcb_infra **out, const ipcb_opts *o, char *err)
{
    char log[IPCB_ADDR_MAX + 32];
    int which; /* 0 dbus-daemon, 1 dbus-broker: the order of "dbus-daemon|dbus-broker" */
    if (ipcb_param_word(t, o, "bus_daemon", &which, err) != 0)
        return -1;
    ipcb_infra *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return -1;
    }
    b->broker = which == 1;
    snprintf(b->daemon, sizeof b->daemon, "%s", b->broker ? "dbus-broker" : "dbus-daemon");
    int len = snprintf(b->socket_path, sizeof b->socket_path, "%s/%s.bus", o->rundir, t->name);
    if (len < 0 || (size_t)len >= sizeof((struct sockaddr_un *)0)->sun_path) {
        snprintf(err, IPCB_ERR_MAX, "bus socket path too long: %s/%s.bus", o->rundir, t->name);
        free(b);
        return -1;
    }
    snprintf(log, sizeof log, "%s/%s-bus.log", o->rundir, t->name);
    int rc = b->broker ? start_broker(b, o, err) : start_daemon(b, o, log, err);
    if (rc != 0) {
        ipcb_dbus_bus_stop(b);
        return -1;
    }
    *out = b;
    return 0;
}

void ipcb_dbus_bus_stop(ipcb_infra *b)
{
    if (!b)
        return;
    if (b->controller) { /* the broker exits when its controller hangs up */
        dbus_connection_close(b->controller);
        dbus_connection_unref(b->controller);
        b->controller = NULL;
    }
    if (b->pid > 0 && !check_exited(b)) {
        kill(b->pid, SIGTERM);
        struct timespec pause = { 0, 1000000 };
        int grace = ipcb_interrupted ? IPCB_INTERRUPT_GRACE_MS : STOP_GRACE_MS;
        for (int waited = 0; waited < grace && !check_exited(b); waited++)
            nanosleep(&pause, NULL);
        if (!check_exited(b)) {
            kill(b->pid, SIGKILL);
            int st;
            pid_t r;
            while ((r = waitpid(b->pid, &st, 0)) < 0 && errno == EINTR)
                ;
            if (r == b->pid) {
                b->exited = 1;
                b->exit_status = st;
            }
            ipcb_child_reaped(b->pid);
        }
    }
    if (b->socket_path[0])
        unlink(b->socket_path);
    free(b);
}

const char *ipcb_dbus_bus_address(ipcb_infra *b)
{
    return b ? b->address : "";
}

size_t ipcb_dbus_bus_pids(ipcb_infra *b, int *pids, size_t max)
{
    if (!b || max == 0 || b->pid <= 0 || check_exited(b))
        return 0;
    pids[0] = (int)b->pid;
    return 1;
}

/* Kill any dbus-daemon of this user still serving a socket in rundir (a run
 * that crashed so hard its daemon's parent-death signal did not fire). */
void ipcb_dbus_bus_reap(const char *rundir, const char *run_id)
{
    (void)run_id;
    char needle[IPCB_ADDR_MAX + 32];
    snprintf(needle, sizeof needle, "--address=unix:path=%s/", rundir);
    DIR *d = opendir("/proc");
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], cmd[4096];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%s", e->d_name);
        if (stat(path, &st) != 0 || st.st_uid != getuid())
            continue;
        ssize_t n = read_proc(e->d_name, "cmdline", cmd, sizeof cmd);
        if (n <= 0)
            continue;
        if (strcmp(cmd, "dbus-daemon") != 0)
            continue;
        for (ssize_t i = 0; i < n; i += (ssize_t)strlen(cmd + i) + 1)
            if (strncmp(cmd + i, needle, strlen(needle)) == 0) {
                kill((pid_t)atol(e->d_name), SIGKILL);
                break;
            }
    }
    closedir(d);
}
