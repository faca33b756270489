/* Integration tests of the history on a real PostgreSQL server: a throwaway
 * cluster (initdb, pg_ctl) on a Unix socket in a temp dir, run as an
 * unprivileged user, always stopped; runs from two hosts written at once,
 * `history list/trend/merge` over it, and a server that is down. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hdb.h"
#include "runcli.h"

static struct cluster {
    char  bindir[PATH_MAX];
    char  dir[64];            /* /tmp/ipcbench-pg-XXXXXX: data, socket, log */
    char  url[256];           /* postgresql:///hist?host=DIR&user=ipcbench */
    uid_t uid;
    gid_t gid;
    int   watchdog_fd;        /* closing it (or dying) makes the watchdog stop the server */
    pid_t watchdog;
} pg;

/* ---- the cluster ------------------------------------------------------------ */

static int find_bindir(char *out, size_t len)
{
    FILE *p = popen("pg_config --bindir 2>/dev/null", "r");
    if (!p)
        return -1;
    int ok = fgets(out, (int)len, p) != NULL;
    pclose(p);
    out[strcspn(out, "\n")] = '\0';
    return ok && out[0] ? 0 : -1;
}

/* Runs bindir/prog with args as the cluster's user, in at most limit_s
 * seconds, its output appended to DIR/pg.log. Returns the exit status. */
static int run_as_pg_user(double limit_s, const char *prog, ...)
{
    const char *argv[16];
    char exe[PATH_MAX + 16];
    snprintf(exe, sizeof exe, "%s/%s", pg.bindir, prog);
    argv[0] = exe;
    int n = 1;
    va_list ap;
    va_start(ap, prog);
    for (const char *a; (a = va_arg(ap, const char *)) && n < 15;)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    char log[128];
    snprintf(log, sizeof log, "%s/pg.log", pg.dir);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setgid(pg.gid) != 0 ||
                               setuid(pg.uid) != 0))
            _exit(126);
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    double end = now_s() + limit_s;
    int status;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (now_s() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void stop_cluster(void)
{
    char data[128];
    snprintf(data, sizeof data, "%s/data", pg.dir);
    if (run_as_pg_user(30, "pg_ctl", "-D", data, "-m", "immediate", "-w", "-t", "20", "stop",
                       NULL) != 0) {
        /* pg_ctl could not: the postmaster's pid is the first line of its pid file. */
        char pidfile[160], line[32] = "";
        snprintf(pidfile, sizeof pidfile, "%s/postmaster.pid", data);
        FILE *f = fopen(pidfile, "r");
        if (f && fgets(line, sizeof line, f) && atoi(line) > 0)
            kill(atoi(line), SIGKILL);
        if (f)
            fclose(f);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", pg.dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", pg.dir);
}

/* A process that waits for the test program to close its pipe, or to die,
 * and then stops the cluster: the server never outlives the test. */
static void start_watchdog(void)
{
    int fds[2];
    /* Close-on-exec: the server and the runs must not hold the write end open. */
    assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
    pg.watchdog = fork();
    if (pg.watchdog == 0) {
        close(fds[1]);
        setsid(); /* not in the test's process group: a kill of the group spares it */
        char c;
        while (read(fds[0], &c, 1) < 0 && errno == EINTR)
            ;
        stop_cluster();
        _exit(0);
    }
    close(fds[0]);
    pg.watchdog_fd = fds[1];
}

static int cluster_setup(void **state)
{
    if (runcli_setup(state) != 0)
        return -1;
    if (find_bindir(pg.bindir, sizeof pg.bindir) != 0) {
        fprintf(stderr, "pg_config --bindir found nothing: install postgresql and libpq-dev "
                        "(make deps)\n");
        return -1;
    }
    struct passwd *pw = geteuid() == 0 ? getpwnam("nobody") : getpwuid(geteuid());
    if (!pw)
        return -1;
    pg.uid = pw->pw_uid;
    pg.gid = pw->pw_gid;
    snprintf(pg.dir, sizeof pg.dir, "/tmp/ipcbench-pg-XXXXXX");
    if (!mkdtemp(pg.dir) || chown(pg.dir, pg.uid, pg.gid) != 0)
        return -1;
    start_watchdog();
    char data[128], opts[256];
    snprintf(data, sizeof data, "%s/data", pg.dir);
    double t0 = now_s();
    if (run_as_pg_user(120, "initdb", "-D", data, "-U", "ipcbench", "-A", "trust", "-E", "UTF8",
                       "--no-sync", "--no-instructions", NULL) != 0) {
        fprintf(stderr, "initdb failed (see %s/pg.log)\n", pg.dir);
        return -1;
    }
    /* Only the Unix socket, mode 0700, in the temp dir; no TCP at all. */
    snprintf(opts, sizeof opts, "-k %s -c listen_addresses='' -c unix_socket_permissions=0700 "
                                "-c fsync=off", pg.dir);
    char log[160];
    snprintf(log, sizeof log, "%s/server.log", pg.dir);
    if (run_as_pg_user(90, "pg_ctl", "-D", data, "-l", log, "-o", opts, "-w", "-t", "60",
                       "start", NULL) != 0) {
        fprintf(stderr, "pg_ctl start failed (see %s)\n", log);
        return -1;
    }
    char admin[256], err[1024];
    snprintf(admin, sizeof admin, "postgresql:///postgres?host=%s&user=ipcbench", pg.dir);
    hdb *db = hdb_open(admin, HDB_EXISTING, err, sizeof err);
    if (!db || hdb_exec(db, "CREATE DATABASE hist", 0, NULL) != 0) {
        fprintf(stderr, "%s\n", db ? hdb_error(db) : err);
        hdb_close(db);
        return -1;
    }
    hdb_close(db);
    snprintf(pg.url, sizeof pg.url, "postgresql:///hist?host=%s&user=ipcbench", pg.dir);
    fprintf(stderr, "PostgreSQL cluster up in %.1f s as uid %d: %s\n", now_s() - t0,
            (int)pg.uid, pg.url);
    return 0;
}

static int cluster_teardown(void **state)
{
    if (pg.watchdog > 0) {
        close(pg.watchdog_fd);
        int status;
        waitpid(pg.watchdog, &status, 0);
    }
    struct stat st;
    if (pg.dir[0] && stat(pg.dir, &st) == 0)
        fprintf(stderr, "%s was not removed\n", pg.dir);
    return runcli_teardown(state);
}

/* ---- helpers ------------------------------------------------------------------ */

static long count_rows(const char *sql)
{
    char err[1024], text[32];
    hdb *db = hdb_open(pg.url, HDB_EXISTING, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    if (hdb_query_text(db, sql, 0, NULL, text, sizeof text) != 0)
        fail_msg("%s: %s", sql, hdb_error(db));
    hdb_close(db);
    return atol(text);
}

static pid_t start_run(const char *name, const char *host, const char *out, const char *history)
{
    setenv("IPCBENCH_HOST_NAME", host, 1);
    const char *argv[] = { "run", "--campaign", "quick", "--transport", "unix,memcpy",
                           "--size", "64", "--mode", "latency", "--repetitions", "2",
                           "--min-frames", "100", "--min-time", "0.01", "--history", history,
                           "--out", out, NULL };
    pid_t pid = start_background(name, argv);
    unsetenv("IPCBENCH_HOST_NAME");
    return pid;
}

/* stdout of `ipcbench history ...` into a buffer to free. */
static char *history_stdout(outcome *o, const char *name, const char *verb, const char *a1,
                            const char *a2, const char *a3, const char *a4)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.out", workdir, name);
    run_program(o, 60, NULL, path, ipcbench, "history", verb, "--db", pg.url, a1, a2, a3, a4,
                NULL);
    char *text = slurp_alloc(path);
    assert_non_null(text);
    return text;
}

/* ---- tests -------------------------------------------------------------------- */

static void test_two_hosts_at_once(void **state)
{
    (void)state;
    char out_a[300], out_b[300];
    out_dir(out_a, sizeof out_a, "pg-a");
    out_dir(out_b, sizeof out_b, "pg-b");
    pid_t a = start_run("pg-run-a", "pg-host-a", out_a, pg.url);
    pid_t b = start_run("pg-run-b", "pg-host-b", out_b, pg.url);
    assert_int_equal(wait_background(a, 120), 0);
    assert_int_equal(wait_background(b, 120), 0);
    assert_int_equal(count_rows("SELECT count(*) FROM run"), 2);
    assert_int_equal(count_rows("SELECT count(DISTINCT host_id) FROM run"), 2);
    assert_int_equal(count_rows("SELECT count(*) FROM sample WHERE metric = 'p50_us'"), 8);

    /* One more run adds one row. */
    pid_t c = start_run("pg-run-c", "pg-host-a", out_a, pg.url);
    assert_int_equal(wait_background(c, 120), 0);
    assert_int_equal(count_rows("SELECT count(*) FROM run"), 3);

    outcome o;
    char *list = history_stdout(&o, "pg-list", "list", NULL, NULL, NULL, NULL);
    assert_int_equal(o.status, 0);
    assert_non_null(strstr(list, "pg-host-a"));
    assert_non_null(strstr(list, "pg-host-b"));
    free(list);

    char trend[400], path[500];
    snprintf(trend, sizeof trend, "%s/pg-trend", workdir);
    free(history_stdout(&o, "pg-trend", "trend", "--filter", "^unix/latency/64$", "--out",
                        trend));
    assert_int_equal(o.status, 0);
    snprintf(path, sizeof path, "%s/trend.dat", trend);
    char *dat = slurp_alloc(path);
    assert_non_null(dat);
    /* Two lines, one per host: a block each. */
    assert_non_null(strstr(dat, "# unix/latency/64 on pg-host-a\n"));
    assert_non_null(strstr(dat, "# unix/latency/64 on pg-host-b\n"));
    free(dat);
    snprintf(path, sizeof path, "%s/plots/trend.svg", trend);
    char *svg = slurp_alloc(path);
    assert_non_null(svg);
    assert_non_null(strstr(svg, "pg-host-a"));
    assert_non_null(strstr(svg, "pg-host-b"));
    free(svg);
}

/* A machine's SQLite history merged into the shared server. */
static void test_merge_sqlite_into_postgres(void **state)
{
    (void)state;
    char out[300], file[400], url[420];
    out_dir(out, sizeof out, "pg-merge");
    snprintf(file, sizeof file, "%s/machine.db", out);
    snprintf(url, sizeof url, "sqlite:%s", file);
    assert_int_equal(wait_background(start_run("pg-run-m", "pg-host-m", out, url), 120), 0);
    long before = count_rows("SELECT count(*) FROM run");
    outcome o;
    char *text = history_stdout(&o, "pg-merge", "merge", file, NULL, NULL, NULL);
    assert_int_equal(o.status, 0);
    assert_non_null(strstr(text, "1 run added"));
    free(text);
    assert_int_equal(count_rows("SELECT count(*) FROM run"), before + 1);
    text = history_stdout(&o, "pg-merge2", "merge", file, NULL, NULL, NULL);
    assert_non_null(strstr(text, "0 runs added"));
    free(text);
}

/* No server behind the socket: the run is saved and says the write failed. */
static void test_server_down(void **state)
{
    (void)state;
    char out[300], url[300], results[400];
    out_dir(out, sizeof out, "pg-down");
    snprintf(url, sizeof url, "postgresql:///hist?host=%s/no-server&user=ipcbench", workdir);
    assert_int_equal(wait_background(start_run("pg-run-down", "x", out, url), 120), 1);
    snprintf(results, sizeof results, "%s/latest/results.json", out);
    assert_int_equal(access(results, R_OK), 0);
    char log[400];
    snprintf(log, sizeof log, "%s/pg-run-down.log", workdir);
    char *text = slurp_alloc(log);
    assert_non_null(strstr(text, "NOT recorded"));
    assert_non_null(strstr(text, "cannot connect"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_hosts_at_once),
        cmocka_unit_test(test_merge_sqlite_into_postgres),
        cmocka_unit_test(test_server_down),
    };
    return cmocka_run_group_tests(tests, cluster_setup, cluster_teardown);
}
