/* Integration tests for the Qt transports (transports/qt/) through the real
 * CLI, each beside its C counterpart, with every frame verified; skipped, saying
 * so, when Qt is not built in (`make deps` installs qtbase5-dev, so CI runs them). */

/* Covered: every Qt transport and its C counterpart at 64 B and 1080p in
 * latency and throughput and the report's "Qt over C" table; QtDBus with 4K
 * and 8K frames (past libdbus's live-message limit, in chunks); a Qt peer
 * killed or stalled mid-run (an error, and no segment, semaphore, socket, bus
 * daemon or process left); qt-shm's key files private to the run; a crashed
 * qt-shm run's leftovers reaped by the next run. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "leftovers.h"
#include "runcli.h"

static int qt_built;         /* `ipcbench list` shows the Qt transports available */
static char qt_why[512];     /* else what it says instead */

static const char *const leftover_processes[] = { "ipcbench", "dbus-daemon", NULL };

/* ---- what this program's runs leave behind ---- */

/* Entries (run directories) under runtime_dir: a finished run removes its own. */
static int run_dirs_left(void)
{
    DIR *d = opendir(runtime_dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strncmp(e->d_name, "ipcbench-", 9) == 0;
    if (d)
        closedir(d);
    return n;
}

/* No System V object or /dev/shm name (leftovers.c), run directory or
 * process of this test's runs. */
static void assert_qt_nothing_left(const char *after)
{
    assert_nothing_left(after);
    if (run_dirs_left())
        fail_msg("after %s: %d run directories (sockets, key files) of this test's runs", after,
                 run_dirs_left());
    assert_no_process_left(leftover_processes, after);
}

/* Is Qt built in? From `ipcbench list`: the qt-shm line says "yes", or why not. */
static void check_qt_built(void)
{
    char path[400], *text;
    outcome o;
    snprintf(path, sizeof path, "%s/list.txt", workdir);
    run_program(&o, 30, NULL, path, ipcbench, "list", NULL);
    text = slurp_alloc(path);
    const char *line = text ? strstr(text, "\nqt-shm ") : NULL;
    char name[32] = "", available[32] = "";
    if (line)
        sscanf(line + 1, "%31s %31s", name, available);
    qt_built = strcmp(available, "yes") == 0;
    if (!qt_built) { /* the AVAILABLE column: "no: <reason>", then MAX FRAME ("unlimited") */
        const char *no = line ? strstr(line, "no: ") : NULL;
        const char *end = no ? strstr(no, " unlimited") : NULL;
        if (no && end && memchr(no, '\n', (size_t)(end - no)) == NULL)
            snprintf(qt_why, sizeof qt_why, "%.*s", (int)(end - no), no);
        else
            snprintf(qt_why, sizeof qt_why, "ipcbench list does not show qt-shm as available");
    }
    free(text);
}

static int setup(void **state)
{
    if (runcli_setup(state) != 0)
        return -1;
    check_qt_built();
    if (!qt_built) {
        print_message("Qt transports not built in (%s): the Qt tests are skipped. `make deps` installs "
                      "qtbase5-dev; rebuild to run them.\n", qt_why);
        return 0;
    }
    return leftovers_begin();
}

static int teardown(void **state)
{
    leftovers_end();
    return runcli_teardown(state);
}

static void skip_without_qt(void)
{
    if (!qt_built)
        skip();
}

/* ---- tests ---- */

/* The row of the "Qt over C" table in report.md for size and a Qt transport,
 * or NULL. */
static const char *qt_row(const char *report, const char *size, const char *qt)
{
    char start[96];
    const char *table = strstr(report, "## Qt over C");
    if (!table)
        return NULL;
    const char *end = strstr(table + 1, "\n## ");
    snprintf(start, sizeof start, "\n| %s | `%s` |", size, qt);
    const char *row = strstr(table, start);
    return row && (!end || row < end) ? row + 1 : NULL;
}

static void test_qt_beside_c_every_frame_verified(void **state)
{
    (void)state;
    skip_without_qt();
    static const char *const qt[] = { "qt-shm", "qt-dbus", "qt-local", "qt-http" };
    static const char *const sizes[] = { "64", "1080p" };
    outcome o;
    char out[300];
    out_dir(out, sizeof out, "qt-and-c");
    run_ipcbench(&o, 400, "run", "--campaign", "quick", "--transport",
                 "shm,qt-shm,dbus,qt-dbus,unix,qt-local,http,qt-http,qt-dbus-fd", "--size", "64,1080p",
                 "--mode", "latency,throughput", "--verify", "all", "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    assert_all_ok(out, 9 * 2 * 2);
    char path[400];
    snprintf(path, sizeof path, "%s/latest/report.md", out);
    char *report = slurp_alloc(path);
    assert_non_null(report);
    assert_non_null(strstr(report, "## Qt over C"));
    for (size_t s = 0; s < 2; s++)
        for (size_t q = 0; q < 4; q++) {
            const char *row = qt_row(report, sizes[s], qt[q]);
            if (!row)
                fail_msg("no \"Qt over C\" row for %s at %s", qt[q], sizes[s]);
            /* both ratios are figures: "1.23× (…)" twice, no "–" or "failed" */
            const char *eol = strchr(row, '\n');
            int ratios = 0;
            for (const char *p = row; (p = strstr(p, "× (")) && p < eol; p++)
                ratios++;
            if (ratios != 2)
                fail_msg("%s at %s: %d ratios in \"%.*s\"", qt[q], sizes[s], ratios, (int)(eol - row), row);
        }
    /* dbus-fd did not run: qt-dbus-fd has no counterpart, so no row */
    assert_null(qt_row(report, "64", "qt-dbus-fd"));
    assert_null(qt_row(report, "1080p", "qt-dbus-fd"));
    assert_non_null(strstr(report, "`qt-dbus` over `dbus`: "));
    assert_non_null(strstr(report, "Measured (latency runs, Qt − C): at 64, p50 "));
    assert_non_null(strstr(report, "; at 1080p, p50 "));
    free(report);
    snprintf(path, sizeof path, "%s/latest/report.html", out);
    report = slurp_alloc(path);
    assert_non_null(report);
    assert_non_null(strstr(report, "id=\"qt-over-c\""));
    free(report);
    assert_qt_nothing_left("the Qt and C campaign");
}

/* Frames past libdbus's 63 MiB of live received messages (4K: 33 MB, two of
 * them) and past D-Bus's 64 MiB array (8K: PushChunk parts): QtDBus's
 * connection must not stall. Latency mode alone: throughput takes the same
 * paths and would add a minute to `make test`. */
static void test_qt_dbus_large_frames(void **state)
{
    (void)state;
    skip_without_qt();
    outcome o;
    char out[300];
    out_dir(out, sizeof out, "qt-dbus-large");
    run_ipcbench(&o, 300, "run", "--campaign", "quick", "--transport", "qt-dbus,qt-dbus-fd", "--size", "4k,8k",
                 "--mode", "latency", "--min-frames", "4", "--max-time", "60", "--verify", "all",
                 "--timeout-ms", "20000", "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    assert_null(strstr(o.err, "QSocketNotifier"));
    assert_all_ok(out, 2 * 2);
    assert_qt_nothing_left("large QtDBus frames");
}

/* Throughput at 1080p with a fault on measured frame 5 (--max-time: frame 5
 * is planned however slow the machine is): exit 1 naming the cause, within
 * within_s, nothing left. */
static void expect_fault(const char *transport, const char *fault, const char *timeout_ms, const char *message,
                         double within_s)
{
    char out[300], name[64];
    outcome o;
    snprintf(name, sizeof name, "%s-%s", transport, fault);
    out_dir(out, sizeof out, name);
    run_ipcbench(&o, 90, "run", "--campaign", "quick", "--transport", transport, "--size", "1080p", "--mode",
                 "throughput", "--warmup", "2", "--max-time", "60", "--timeout-ms", timeout_ms, "--fault", fault,
                 "--out", out, NULL);
    if (o.status != 1)
        fail_msg("%s: exit %d, not 1: %s", name, o.status, o.err);
    if (o.seconds >= within_s)
        fail_msg("%s took %.1f s", name, o.seconds);
    assert_first_error(out, name, message);
    assert_qt_nothing_left(name);
}

static void test_killed_and_stalled_qt_peers(void **state)
{
    (void)state;
    skip_without_qt();
    static const char *const transports[] = { "qt-shm", "qt-dbus", "qt-dbus-fd", "qt-http", "qt-local" };
    for (size_t i = 0; i < sizeof transports / sizeof transports[0]; i++) {
        /* A killed peer is noticed long before the 20 s timeout. */
        expect_fault(transports[i], "peer-exit@5", "20000", "signal 9", 15);
        expect_fault(transports[i], "peer-hang@5", "500", "500 ms", 15);
    }
}

/* Of the first run directory under runtime_dir: how many Qt key files it
 * holds (qipc_*Sharedqt*), or -1 if there is none yet. */
static int qt_key_files_in_run(void)
{
    DIR *d = opendir(runtime_dir);
    int n = -1;
    for (struct dirent *e; d && n < 0 && (e = readdir(d));) {
        if (strncmp(e->d_name, "ipcbench-", 9) != 0)
            continue;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", runtime_dir, e->d_name);
        DIR *run = opendir(path);
        n = 0;
        for (struct dirent *k; run && (k = readdir(run));)
            n += strncmp(k->d_name, "qipc_", 5) == 0 && strstr(k->d_name, "Sharedqt") != NULL;
        if (run)
            closedir(run);
    }
    if (d)
        closedir(d);
    return n;
}

/* Qt's key files in /tmp of this test's runs (their names hold a run id of
 * ours, which only the run directories under runtime_dir know: any at all). */
static int qt_key_files_in_tmp(void)
{
    DIR *d = opendir("/tmp");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strncmp(e->d_name, "qipc_", 5) == 0 && strstr(e->d_name, "Sharedqt") != NULL;
    if (d)
        closedir(d);
    return n;
}

/* While a qt-shm run goes: the key files are in the run's private directory
 * (not /tmp), the segment and semaphores are 0600. Then the run is killed
 * (driver and peer, as a crash) and the next run reaps what it left. */
static void test_qt_shm_keys_private_and_crash_reaped(void **state)
{
    (void)state;
    skip_without_qt();
    char out[300];
    out_dir(out, sizeof out, "qt-shm-crash");
    const char *args[] = { "run", "--campaign", "quick", "--transport", "qt-shm", "--size", "thumb", "--mode",
                           "paced", "--paced-frames", "400", "--fps", "100", "--max-time", "30", "--out", out,
                           NULL };
    int before_tmp = qt_key_files_in_tmp();
    pid_t pid = start_background("qt-shm-crash", args);
    int keys = -1;
    for (int i = 0; i < 200 && keys < 7; i++) { /* the segment, its lock, six signals */
        usleep(20000);
        keys = qt_key_files_in_run();
    }
    if (keys < 7)
        fail_msg("the qt-shm run's directory holds %d Qt key files, want 7", keys);
    assert_int_equal(qt_key_files_in_tmp(), before_tmp);
    if (leftovers_sysv_private()) {
        char line[512];
        static const char *const tables[] = { "/proc/sysvipc/shm", "/proc/sysvipc/sem" };
        for (size_t t = 0; t < 2; t++) {
            FILE *f = fopen(tables[t], "r");
            assert_non_null(f);
            assert_non_null(fgets(line, sizeof line, f)); /* header */
            while (fgets(line, sizeof line, f)) {
                int key, id;
                unsigned perms;
                if (sscanf(line, "%d %d %o", &key, &id, &perms) == 3 && (perms & 0777) != 0600)
                    fail_msg("%s: an object with mode %o, want 600: %s", tables[t], perms & 0777, line);
            }
            fclose(f);
        }
    }
    kill(-pid, SIGKILL); /* the driver; the peer dies with it (parent-death signal) */
    int status = wait_background(pid, 20);
    assert_int_equal(status, 128 + SIGKILL);
    assert_true(run_dirs_left() == 1);
    if (leftovers_sysv_private())
        assert_true(leftovers_sysv_objects("sem") >= 7);
    /* the next run finds the crashed run's directory and reaps it */
    outcome o;
    char next[300];
    out_dir(next, sizeof next, "after-crash");
    run_ipcbench(&o, 60, "run", "--campaign", "quick", "--transport", "unix", "--size", "64", "--mode",
                 "latency", "--out", next, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    assert_non_null(strstr(o.err, "cleaned up after 1 crashed run"));
    assert_qt_nothing_left("reaping a crashed qt-shm run");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qt_beside_c_every_frame_verified),
        cmocka_unit_test(test_qt_dbus_large_frames),
        cmocka_unit_test(test_killed_and_stalled_qt_peers),
        cmocka_unit_test(test_qt_shm_keys_private_and_crash_reaped),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
