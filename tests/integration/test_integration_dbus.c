/* Integration tests for the D-Bus transports (dbus, dbus-fd, dbus-p2p) through
 * the real CLI: every variant at thumb, 1080p, 4K and 8K (8K goes as chunks)
 * with every frame verified; the org.ipcbench.ImageSink service introspected
 * and called by independent clients (busctl, dbus-send, and a libdbus client
 * for fd passing) while a benchmark runs, wrong arguments and bad fds answered
 * with errors and the benchmark unharmed; the bus daemon killed mid-campaign;
 * dead and stalled peers; Ctrl-C; a missing dbus-daemon; and after each, no
 * bus daemon left running. Runs go under runcli's runtime_dir, so their
 * private directories (and daemons' command lines) are recognisable. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dbus/dbus.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctrlc.h"
#include "runcli.h"

#define SINK_NAME "org.ipcbench.ImageSink"
#define SINK_PATH "/org/ipcbench/ImageSink"

/* ---- helpers ---- */

static const char *const bus_daemons[] = { "dbus-daemon", "dbus-broker", NULL };

/* The address of the private bus named NAME.bus in the run directory of the
 * running ipcbench, once it exists (bounded). */
static int find_bus(const char *name, char *addr, size_t len, double limit_s)
{
    double start = now_s();
    while (now_s() - start < limit_s) {
        DIR *d = opendir(runtime_dir);
        for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
            char path[600];
            struct stat st;
            if (strncmp(e->d_name, "ipcbench-", 9) != 0)
                continue;
            snprintf(path, sizeof path, "%s/%s/%s.bus", runtime_dir, e->d_name, name);
            if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
                snprintf(addr, len, "unix:path=%s", path);
                closedir(d);
                return 0;
            }
        }
        if (d)
            closedir(d);
        usleep(20000);
    }
    return -1;
}

static DBusConnection *connect_bus(const char *addr)
{
    DBusError e = DBUS_ERROR_INIT;
    DBusConnection *c = dbus_connection_open_private(addr, &e);
    if (!c || !dbus_bus_register(c, &e))
        fail_msg("connecting to %s: %s", addr, e.message);
    dbus_connection_set_exit_on_disconnect(c, FALSE);
    return c;
}

/* Wait until the sink owns its name on the bus (bounded). */
static void wait_for_sink(DBusConnection *c)
{
    double start = now_s();
    while (now_s() - start < 15) {
        DBusError e = DBUS_ERROR_INIT;
        if (dbus_bus_name_has_owner(c, SINK_NAME, &e))
            return;
        dbus_error_free(&e);
        usleep(20000);
    }
    fail_msg("%s did not appear on the bus within 15 s", SINK_NAME);
}

/* Runs a tool (NULL-terminated argv), returns its exit status; output in out. */
static int run_tool(char *out, size_t len, const char *const *argv)
{
    char path[400];
    snprintf(path, sizeof path, "%s/tool.txt", workdir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    double start = now_s();
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (now_s() - start > 20) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("%s did not finish within 20 s", argv[0]);
        }
        usleep(10000);
    }
    slurp(path, out, len);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void expect_tool(int want_ok, const char *needle, const char *const *argv)
{
    char out[16384];
    int rc = run_tool(out, sizeof out, argv);
    if ((rc == 0) != want_ok || !strstr(out, needle))
        fail_msg("%s %s %s: exit %d, output lacks '%s':\n%s", argv[0], argv[1], argv[2] ? argv[2] : "", rc, needle,
                 out);
}

/* PushFd(64 zero bytes, fd, length) from our own client: the error it gets ("" if none). */
static void push_fd(DBusConnection *c, int fd, uint64_t length, char *err_name, char *err_text, size_t len)
{
    uint8_t header[64] = { 0 };
    const uint8_t *h = header;
    dbus_uint64_t l = length;
    DBusMessage *m = dbus_message_new_method_call(SINK_NAME, SINK_PATH, SINK_NAME, "PushFd");
    assert_true(dbus_message_append_args(m, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &h, 64, DBUS_TYPE_UNIX_FD, &fd,
                                         DBUS_TYPE_UINT64, &l, DBUS_TYPE_INVALID));
    DBusError e = DBUS_ERROR_INIT;
    DBusMessage *r = dbus_connection_send_with_reply_and_block(c, m, 10000, &e);
    dbus_message_unref(m);
    err_name[0] = err_text[0] = '\0';
    if (r)
        dbus_message_unref(r);
    else {
        snprintf(err_name, len, "%s", e.name);
        snprintf(err_text, len, "%s", e.message);
        dbus_error_free(&e);
    }
}

static void expect_push_fd_error(DBusConnection *c, int fd, uint64_t length, const char *name, const char *text)
{
    char got_name[256], got_text[256];
    push_fd(c, fd, length, got_name, got_text, sizeof got_name);
    if (strcmp(got_name, name) != 0 || !strstr(got_text, text))
        fail_msg("PushFd: got '%s: %s', want '%s: ...%s...'", got_name, got_text, name, text);
}

static void assert_dbus_results(const char *out, size_t expected)
{
    assert_all_ok(out, expected);
    json_t *root = load_json(out);
    json_t *benchmarks = json_object_get(root, "benchmarks");
    size_t i;
    json_t *b;
    json_array_foreach(benchmarks, i, b) {
        const char *name = json_string_value(json_object_get(b, "name"));
        double copies = json_number_value(json_object_get(b, "copies"));
        double want = strncmp(name, "dbus-fd/", 8) == 0 ? 1 : strncmp(name, "dbus-p2p/", 9) == 0 ? 5 : 8;
        if (copies != want)
            fail_msg("%s: copies %g, want %g", name, copies, want);
        double infra = json_number_value(json_object_get(b, "cpu_infra_s"));
        if (strncmp(name, "dbus-p2p/", 9) == 0 && infra != 0)
            fail_msg("%s: a daemon-less transport has cpu_infra_s %g", name, infra);
        /* 8K through the daemon costs it far more than a clock tick */
        if (strcmp(name, "dbus/throughput/8k/manual_time") == 0 && !(infra > 0))
            fail_msg("%s: the bus daemon's CPU time is missing (cpu_infra_s %g)", name, infra);
    }
    json_decref(root);
}

static const char *first_error(json_t *root, const char *name)
{
    json_t *benchmarks = json_object_get(root, "benchmarks");
    size_t i;
    json_t *b;
    json_array_foreach(benchmarks, i, b) {
        if (strcmp(json_string_value(json_object_get(b, "name")), name) == 0)
            return json_is_true(json_object_get(b, "error_occurred"))
                       ? json_string_value(json_object_get(b, "error_message"))
                       : NULL;
    }
    fail_msg("no benchmark %s", name);
    return NULL;
}

/* ---- the tests ---- */

static void test_every_variant_every_size(void **state)
{
    (void)state;
    char out[300];
    outcome o;
    out_dir(out, sizeof out, "all");
    run_ipcbench(&o, 600, "run", "--campaign", "quick", "--transport", "dbus,dbus-fd,dbus-p2p",
                 "--size", "thumb,1080p,4k,8k", "--mode", "latency,throughput", "--verify", "all",
                 "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    assert_dbus_results(out, 3 * 2 * 4);
    assert_no_process_left(bus_daemons, "a full run");

    out_dir(out, sizeof out, "paced");
    run_ipcbench(&o, 300, "run", "--campaign", "quick", "--transport", "dbus,dbus-fd,dbus-p2p",
                 "--size", "thumb,1080p", "--mode", "paced", "--paced-frames", "10", "--fps", "10",
                 "--verify", "all", "--out", out, NULL);
    if (o.status != 0)
        fail_msg("paced: exit %d: %s", o.status, o.err);
    assert_dbus_results(out, 3 * 2);
    assert_no_process_left(bus_daemons, "a paced run");
}

/* While a paced dbus run goes on, people poke the sink with standard tools and
 * a client of their own; every bad call gets an error and the run still passes. */
static void test_service_with_standard_tools(void **state)
{
    (void)state;
    char out[300], addr[600], bus[700];
    out_dir(out, sizeof out, "tools");
    const char *args[] = { "run", "--campaign", "quick", "--transport", "dbus-fd", "--size", "thumb",
                           "--mode", "paced", "--paced-frames", "800", "--fps", "100", "--max-time", "30",
                           "--out", out, NULL };
    pid_t pid = start_background("tools", args);
    if (find_bus("dbus-fd", addr, sizeof addr, 15) != 0)
        fail_msg("no bus socket appeared under %s", runtime_dir);
    snprintf(bus, sizeof bus, "--address=%s", addr);
    DBusConnection *c = connect_bus(addr);
    wait_for_sink(c);

    /* introspection: busctl and dbus-send */
    expect_tool(1, ".PushFd", (const char *const[]){ "busctl", bus, "introspect", SINK_NAME, SINK_PATH, NULL });
    expect_tool(1, "ayuuay", (const char *const[]){ "busctl", bus, "introspect", SINK_NAME, SINK_PATH, NULL });
    char dest[300], bus2[700];
    snprintf(dest, sizeof dest, "--dest=%s", SINK_NAME);
    snprintf(bus2, sizeof bus2, "--bus=%s", addr);
    expect_tool(1, "<interface name=\"org.ipcbench.ImageSink\">",
                (const char *const[]){ "dbus-send", bus2, "--print-reply", dest, SINK_PATH,
                                       "org.freedesktop.DBus.Introspectable.Introspect", NULL });
    expect_tool(1, "", (const char *const[]){ "busctl", bus, "call", SINK_NAME, SINK_PATH,
                                              "org.freedesktop.DBus.Peer", "Ping", NULL });

    /* wrong arguments */
    expect_tool(0, "Push takes (ay header, ay pixels), not (s)",
                (const char *const[]){ "busctl", bus, "call", SINK_NAME, SINK_PATH, SINK_NAME, "Push", "s", "hello",
                                       NULL });
    expect_tool(0, "header must be the 64-byte ipcbench frame header, not 3 bytes",
                (const char *const[]){ "busctl", bus, "call", SINK_NAME, SINK_PATH, SINK_NAME, "Push", "ayay", "3",
                                       "1", "2", "3", "0", NULL });
    expect_tool(0, "org.freedesktop.DBus.Error.InvalidArgs",
                (const char *const[]){ "dbus-send", bus2, "--print-reply", dest, SINK_PATH,
                                       "org.ipcbench.ImageSink.PushChunk", "string:x", NULL });
    expect_tool(0, "org.freedesktop.DBus.Error.UnknownMethod",
                (const char *const[]){ "dbus-send", bus2, "--print-reply", dest, SINK_PATH,
                                       "org.ipcbench.ImageSink.Pull", NULL });
    /* a well-formed frame from someone else than the attached driver */
    const char *push[80] = { "busctl", bus, "call", SINK_NAME, SINK_PATH, SINK_NAME, "Push", "ayay", "64" };
    int n = 9;
    for (int i = 0; i < 64; i++)
        push[n++] = "0";
    push[n++] = "0";
    push[n] = NULL;
    expect_tool(0, "frames from", push);

    /* bad file descriptors */
    char file[400];
    snprintf(file, sizeof file, "%s/not-a-memfd", workdir);
    int regular = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(regular >= 0 && ftruncate(regular, 4096) == 0);
    expect_push_fd_error(c, regular, 4096, DBUS_ERROR_INVALID_ARGS, "not a memfd");
    close(regular);
    int unsealed = memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    assert_true(unsealed >= 0 && ftruncate(unsealed, 4096) == 0);
    expect_push_fd_error(c, unsealed, 4096, DBUS_ERROR_INVALID_ARGS, "memfd not sealed");
    assert_int_equal(fcntl(unsealed, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE), 0);
    expect_push_fd_error(c, unsealed, 1000, DBUS_ERROR_INVALID_ARGS, "memfd holds 4096 bytes, length says 1000");
    expect_push_fd_error(c, unsealed, (uint64_t)1 << 40, DBUS_ERROR_INVALID_ARGS, "exceed this run's frames");
    expect_push_fd_error(c, unsealed, 4096, "org.ipcbench.Error.Busy", "frames from");
    close(unsealed);
    dbus_connection_close(c);
    dbus_connection_unref(c);

    /* the sink kept serving: the run passes */
    int status = wait_background(pid, 60);
    if (status != 0) {
        char log[400], text[8192];
        snprintf(log, sizeof log, "%s/tools.log", workdir);
        slurp(log, text, sizeof text);
        fail_msg("the run poked by tools exited %d:\n%s", status, text);
    }
    assert_dbus_results(out, 1);
    assert_no_process_left(bus_daemons, "the tools run");
}

/* The bus daemon killed with SIGKILL during the first dbus benchmark: the dbus
 * benchmarks fail saying so, the unix ones pass. */
static void test_daemon_killed_mid_campaign(void **state)
{
    (void)state;
    char out[300], addr[600];
    out_dir(out, sizeof out, "killed");
    const char *args[] = { "run", "--campaign", "quick", "--transport", "dbus,unix", "--size", "thumb,64K",
                           "--mode", "paced", "--paced-frames", "300", "--fps", "100", "--max-time", "30",
                           "--out", out, NULL };
    pid_t pid = start_background("killed", args);
    if (find_bus("dbus", addr, sizeof addr, 15) != 0)
        fail_msg("no bus socket appeared under %s", runtime_dir);
    usleep(1000 * 1000);
    pid_t daemons[4];
    int n = processes_of_this_test(bus_daemons, daemons, 4);
    assert_int_equal(n, 1);
    kill(daemons[0], SIGKILL);
    assert_int_equal(wait_background(pid, 120), 1);

    json_t *root = load_json(out);
    const char *e1 = first_error(root, "dbus/paced/thumb/manual_time");
    const char *e2 = first_error(root, "dbus/paced/64K/manual_time");
    if (!e1 || !strstr(e1, "killed by signal 9"))
        fail_msg("dbus/paced/thumb: error '%s' does not say the daemon was killed", e1 ? e1 : "(none)");
    if (!e2 || !strstr(e2, "bus"))
        fail_msg("dbus/paced/64K: error '%s' does not mention the bus", e2 ? e2 : "(none)");
    assert_null(first_error(root, "unix/paced/thumb/manual_time"));
    assert_null(first_error(root, "unix/paced/64K/manual_time"));
    json_decref(root);
    assert_no_process_left(bus_daemons, "a killed daemon");
}

static void expect_fault(const char *transport, const char *fault, const char *timeout_ms, const char *message,
                         double within_s)
{
    char out[300], name[64];
    outcome o;
    snprintf(name, sizeof name, "%s-%s", transport, fault);
    out_dir(out, sizeof out, name);
    run_ipcbench(&o, 60, "run", "--campaign", "quick", "--transport", transport, "--size", "thumb",
                 "--mode", "throughput", "--warmup", "2", "--timeout-ms", timeout_ms, "--fault", fault,
                 "--max-time", "60", /* frame 5 is planned however slow the machine is */
                 "--out", out, NULL);
    assert_int_equal(o.status, 1);
    if (o.seconds >= within_s)
        fail_msg("%s with %s took %.1f s", transport, fault, o.seconds);
    assert_first_error(out, name, message);
    assert_no_process_left(bus_daemons, name);
}

static void test_dead_stalled_and_corrupting_peers(void **state)
{
    (void)state;
    const char *transports[] = { "dbus", "dbus-fd", "dbus-p2p" };
    for (size_t i = 0; i < sizeof transports / sizeof transports[0]; i++) {
        expect_fault(transports[i], "peer-exit@5", "20000", "peer", 15);
        expect_fault(transports[i], "peer-hang@5", "500", "500 ms", 15);
        expect_fault(transports[i], "corrupt@5", "5000", "checksum mismatch", 15);
    }
}

/* Ctrl-C during a paced run at 1 fps (a frame period of 1 s) and a long
 * latency run, and twice: out within 3 s, results saved, no bus daemon left. */
static void test_interrupt_stops_the_daemons(void **state)
{
    (void)state;
    expect_ctrlc("dbus,dbus-fd", "paced", bus_daemons);
    expect_ctrlc("dbus-p2p", "latency", bus_daemons);
    expect_second_ctrlc("dbus-fd", "throughput", bus_daemons);
}

/* Without dbus-daemon on PATH, `list` says why (and which package) and a
 * campaign skips the bus transports with that reason, running the daemon-less one. */
static void test_missing_daemon(void **state)
{
    (void)state;
    char bin[400], out[300], report[700], text[65536];
    snprintf(bin, sizeof bin, "%s/bin-without-dbus-daemon", workdir);
    assert_int_equal(mkdir(bin, 0700), 0);
    static const char *const dirs[] = { "/usr/local/bin", "/usr/bin", "/bin" };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        DIR *d = opendir(dirs[i]);
        for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
            char from[600], to[600];
            if (e->d_name[0] == '.' || strcmp(e->d_name, "dbus-daemon") == 0)
                continue;
            snprintf(from, sizeof from, "%s/%s", dirs[i], e->d_name);
            snprintf(to, sizeof to, "%s/%s", bin, e->d_name);
            if (symlink(from, to) != 0 && errno != EEXIST)
                fail_msg("symlink %s: %s", to, strerror(errno));
        }
        if (d)
            closedir(d);
    }
    char *saved = strdup(getenv("PATH") ? getenv("PATH") : "");
    setenv("PATH", bin, 1);
    char cmd[1200], list[600];
    snprintf(list, sizeof list, "%s/list.txt", workdir);
    snprintf(cmd, sizeof cmd, "%s list > %s 2>&1", ipcbench, list);
    assert_int_equal(system(cmd), 0);
    slurp(list, text, sizeof text);
    const char *line = strstr(text, "\ndbus ");
    if (!line || !strstr(line, "no: dbus-daemon not found (install the dbus-daemon package)"))
        fail_msg("ipcbench list does not say why dbus is unavailable:\n%s", text);
    outcome o;
    out_dir(out, sizeof out, "missing");
    run_ipcbench(&o, 120, "run", "--campaign", "quick", "--transport", "dbus,dbus-fd,dbus-p2p", "--size", "thumb",
                 "--mode", "latency", "--out", out, NULL);
    setenv("PATH", saved, 1);
    free(saved);
    if (o.status != 0)
        fail_msg("a campaign with skipped transports exited %d: %s", o.status, o.err);
    json_t *root = load_json(out);
    const char *e1 = first_error(root, "dbus/latency/thumb/manual_time");
    const char *e2 = first_error(root, "dbus-fd/latency/thumb/manual_time");
    const char *want = "skipped: dbus-daemon not found (install the dbus-daemon package)";
    if (!e1 || strcmp(e1, want) != 0 || !e2 || strcmp(e2, want) != 0)
        fail_msg("want '%s', got '%s' and '%s'", want, e1 ? e1 : "(none)", e2 ? e2 : "(none)");
    assert_null(first_error(root, "dbus-p2p/latency/thumb/manual_time"));
    json_decref(root);
    snprintf(report, sizeof report, "%s/latest/report.md", out);
    slurp(report, text, sizeof text);
    assert_non_null(strstr(text, "dbus-daemon not found (install the dbus-daemon package)"));
}

/* The same frames through dbus-broker (ipcbench as its controller), 8K included. */
static void test_dbus_broker(void **state)
{
    (void)state;
    char out[300];
    outcome o;
    out_dir(out, sizeof out, "broker");
    run_ipcbench(&o, 300, "run", "--campaign", "quick", "--transport", "dbus,dbus-fd", "--bus-daemon", "dbus-broker",
                 "--size", "thumb,1080p,8k", "--mode", "latency,throughput", "--verify", "all", "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    assert_dbus_results(out, 2 * 2 * 3);
    json_t *root = load_json(out);
    const char *params = json_string_value(json_object_get(json_object_get(root, "context"), "params"));
    if (!params || !strstr(params, "bus_daemon=dbus-broker"))
        fail_msg("context.params is '%s'", params ? params : "(none)");
    json_decref(root);
    assert_no_process_left(bus_daemons, "a dbus-broker run");
}

static int teardown(void **state)
{
    pid_t pids[8];
    int n = processes_of_this_test(bus_daemons, pids, 8);
    for (int i = 0; i < n; i++)
        kill(pids[i], SIGKILL);
    return runcli_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_variant_every_size),
        cmocka_unit_test(test_service_with_standard_tools),
        cmocka_unit_test(test_daemon_killed_mid_campaign),
        cmocka_unit_test(test_dead_stalled_and_corrupting_peers),
        cmocka_unit_test(test_interrupt_stops_the_daemons),
        cmocka_unit_test(test_missing_daemon),
        cmocka_unit_test(test_dbus_broker),
    };
    return cmocka_run_group_tests(tests, runcli_setup, teardown);
}
