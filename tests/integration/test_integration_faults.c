/* The fault matrix (issue #15): for each transport family, the peer killed
 * (SIGKILL) and stopped (SIGSTOP) mid-run, the bus daemon or broker killed,
 * /dev/shm full and too few file descriptors. Each must end with a clear
 * message, a non-zero exit, saved results (where anything ran) and nothing
 * left; the test prints the matrix. Ctrl-C per family is in each family's
 * own test program (tests/support/ctrlc.c). */
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
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "leftovers.h"
#include "runcli.h"

static const char *const our_processes[] = { "ipcbench", "dbus-daemon", "dbus-broker",
                                             "dbus-broker-launch", "qcopd", NULL };

/* ---- finding and hurting the processes of a run ------------------------------ */

/* A process of this test whose command line has word as an argument (e.g.
 * "peer") and whose name is name; 0 if none yet. */
static pid_t find_process(const char *name, const char *word)
{
    const char *const names[] = { name, NULL };
    pid_t pids[16];
    int n = processes_of_this_test(names, pids, 16);
    for (int i = 0; i < n; i++) {
        char path[64], cmd[4096];
        snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pids[i]);
        FILE *f = fopen(path, "r");
        size_t len = f ? fread(cmd, 1, sizeof cmd - 1, f) : 0;
        if (f)
            fclose(f);
        for (size_t at = 0; at < len; at += strlen(cmd + at) + 1)
            if (!word || strcmp(cmd + at, word) == 0)
                return pids[i];
    }
    return 0;
}

static pid_t wait_for_process(const char *name, const char *word)
{
    double end = now_s() + 20;
    pid_t pid;
    while (!(pid = find_process(name, word)) && now_s() < end) {
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return pid;
}

/* ---- one cell ------------------------------------------------------------------ */

typedef struct cell {
    const char *family, *fault;
    int         status;
    double      seconds;      /* from the fault to the exit */
    char        message[160]; /* the first benchmark error, or the run's own */
} cell;

static cell matrix[32];
static size_t ncells;

/* The first failed benchmark's message in out/latest/results.json, or "". */
static void first_error(const char *out, char *msg, size_t len)
{
    msg[0] = '\0';
    json_t *root = load_json(out), *b;
    size_t i;
    json_array_foreach(json_object_get(root, "benchmarks"), i, b) {
        if (json_is_true(json_object_get(b, "error_occurred"))) {
            snprintf(msg, len, "%s", json_string_value(json_object_get(b, "error_message")));
            break;
        }
    }
    json_decref(root);
}

/* A long latency run of transport (more args appended, NULL-ended) into
 * out, started in the background. */
static pid_t start_long_run(const char *name, const char *transport, const char *out, ...)
{
    const char *argv[40] = { "run", "--campaign", "quick", "--transport", transport, "--size",
                             "64", "--mode", "latency", "--repetitions", "1", "--min-frames",
                             "10000000", "--max-time", "60", "--timeout-ms", "2000",
                             "--history", "none", "--out", out };
    int n = 21;
    va_list ap;
    va_start(ap, out);
    for (const char *a; (a = va_arg(ap, const char *)) && n < 39;)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return start_background(name, argv);
}

/* What every cell must show, then the cell in the matrix. */
static void record(const char *family, const char *fault, const char *out, int status,
                   double seconds, const char *must_say, int saved)
{
    cell *c = &matrix[ncells++];
    c->family = family;
    c->fault = fault;
    c->status = status;
    c->seconds = seconds;
    if (saved)
        first_error(out, c->message, sizeof c->message);
    print_message("%s / %s: exit %d after %.2f s: %s\n", family, fault, status, seconds,
                  c->message);
    if (status == 0 || status >= 128)
        fail_msg("%s / %s: exit status %d (want a failure, not a crash)", family, fault, status);
    if (saved && !strstr(c->message, must_say))
        fail_msg("%s / %s: the message \"%s\" does not say \"%s\"", family, fault, c->message,
                 must_say);
    char what[128];
    snprintf(what, sizeof what, "%s / %s", family, fault);
    assert_no_process_left(our_processes, what);
    assert_nothing_left(what);
    assert_int_equal(count_entries(runtime_dir), 0); /* no run directory */
}

/* Signal sig to the first process name (with word in its command line) of a
 * long run of transport; the run must fail saying must_say. */
static void hurt_process(const char *family, const char *transport, const char *fault,
                         const char *name, const char *word, int sig, const char *must_say)
{
    char out[300], log[64];
    snprintf(log, sizeof log, "faults-%s-%s", family, fault);
    for (char *p = log; *p; p++)
        *p = *p == ' ' ? '-' : *p;
    out_dir(out, sizeof out, log);
    pid_t run = start_long_run(log, transport, out, NULL);
    pid_t victim = wait_for_process(name, word);
    assert_true(victim > 0);
    struct timespec ts = { 0, 300 * 1000 * 1000 }; /* measuring by then */
    nanosleep(&ts, NULL);
    double t0 = now_s();
    assert_int_equal(kill(victim, sig), 0);
    int status = wait_background(run, 30);
    if (sig == SIGSTOP)
        kill(victim, SIGKILL); /* if ipcbench had not: assert_no_process_left says so first */
    record(family, fault, out, status, now_s() - t0, must_say, 1);
}

/* Runs ipcbench with argv (NULL-ended, without the program) in a child that
 * calls prepare first (0: go on), its output into log. Returns the exit
 * status (128 + a signal), 125 if prepare failed. */
static int run_prepared(const char *log, int (*prepare)(void), const char *const *argv)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        if (prepare() != 0)
            _exit(125);
        const char *args[40] = { ipcbench };
        for (int i = 0; argv[i] && i < 38; i++)
            args[i + 1] = argv[i];
        execv(ipcbench, (char *const *)args);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A mount namespace of the child's own whose /dev/shm is a 1 MiB tmpfs. */
static int small_dev_shm(void)
{
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return -1;
    return mount("tmpfs", "/dev/shm", "tmpfs", 0, "size=1m,mode=1777");
}

static int few_descriptors(void)
{
    struct rlimit lim = { 24, 24 };
    return setrlimit(RLIMIT_NOFILE, &lim);
}

/* ---- the matrix ---------------------------------------------------------------- */

static const struct family {
    const char *name, *transport;
} families[] = {
    { "sockets", "unix" }, { "shared memory", "shm-ring" }, { "HTTP", "http" },
    { "D-Bus", "dbus" }, { "QCOP", "qcop" },
};

static void test_peer_killed_and_stopped(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        hurt_process(families[i].name, families[i].transport, "peer SIGKILL", "ipcbench",
                     "peer", SIGKILL, "");
        hurt_process(families[i].name, families[i].transport, "peer SIGSTOP", "ipcbench",
                     "peer", SIGSTOP, "");
    }
}

static void test_daemon_and_broker_killed(void **state)
{
    (void)state;
    hurt_process("D-Bus", "dbus", "bus daemon SIGKILL", "dbus-daemon", NULL, SIGKILL, "");
    hurt_process("QCOP", "qcop", "broker SIGKILL", "qcopd", NULL, SIGKILL, "");
}

/* /dev/shm a 1 MiB tmpfs in a mount namespace of the run's own: the 64 B
 * benchmark fits, the 1080p one must fail saying so. */
static void test_dev_shm_full(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        print_message("/dev/shm full: not arranged (needs root for a mount namespace)\n");
        return;
    }
    static const char *const transports[] = { "shm-ring", "shm" };
    for (size_t i = 0; i < 2; i++) {
        char out[300], log[600];
        snprintf(log, sizeof log, "shm-full-%s", transports[i]);
        out_dir(out, sizeof out, log);
        snprintf(log, sizeof log, "%s/shm-full-%s.log", workdir, transports[i]);
        double t0 = now_s();
        /* shm's POSIX backend puts its segment in /dev/shm (System V's does not) */
        const char *const argv[] = { "run", "--campaign", "quick", "--transport", transports[i],
                                     "--param", i ? "shm_backend=posix" : "wait=futex",
                                     "--size", "64,1080p", "--mode", "latency", "--history",
                                     "none", "--out", out, NULL };
        int code = run_prepared(log, small_dev_shm, argv);
        assert_int_not_equal(code, 125);
        record("shared memory", transports[i][3] ? "/dev/shm full (shm-ring)"
                                                  : "/dev/shm full (shm, posix)",
               out, code, now_s() - t0, "/dev/shm", 1);
        /* The 64 B benchmark ran: only the one that could not fit failed. */
        json_t *root = load_json(out);
        json_t *first = json_array_get(json_object_get(root, "benchmarks"), 0);
        assert_false(json_is_true(json_object_get(first, "error_occurred")));
        json_decref(root);
    }
}

/* Too few descriptors: refused before anything runs, the limit named. */
static void test_too_few_descriptors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        char out[300], log[600];
        snprintf(log, sizeof log, "nofile-%s", families[i].transport);
        out_dir(out, sizeof out, log);
        snprintf(log, sizeof log, "%s/nofile-%s.log", workdir, families[i].transport);
        double t0 = now_s();
        const char *const argv[] = { "run", "--campaign", "quick", "--transport",
                                     families[i].transport, "--size", "64", "--mode", "latency",
                                     "--history", "none", "--out", out, NULL };
        int code = run_prepared(log, few_descriptors, argv);
        char *text = slurp_alloc(log);
        assert_non_null(strstr(text, "open-file limit is 24"));
        cell *c = &matrix[ncells];
        record(families[i].name, "RLIMIT_NOFILE 24", out, code, now_s() - t0, "", 0);
        snprintf(c->message, sizeof c->message, "%.*s", (int)strcspn(text, "\n"), text);
        free(text);
        assert_int_equal(code, 2);
        assert_int_equal(access(out, F_OK) == 0 ? count_entries(out) : 0, 0); /* nothing written */
    }
}

static void test_print_matrix(void **state)
{
    (void)state;
    print_message("\nfault matrix (%zu cells):\n", ncells);
    for (size_t i = 0; i < ncells; i++)
        print_message("| %-13s | %-24s | exit %d | %5.2f s | %.110s |\n", matrix[i].family,
                      matrix[i].fault, matrix[i].status, matrix[i].seconds, matrix[i].message);
}

static int setup(void **state)
{
    return runcli_setup(state) != 0 ? -1 : leftovers_begin();
}

static int teardown(void **state)
{
    leftovers_end();
    return runcli_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_killed_and_stopped),
        cmocka_unit_test(test_daemon_and_broker_killed),
        cmocka_unit_test(test_dev_shm_full),
        cmocka_unit_test(test_too_few_descriptors),
        cmocka_unit_test(test_print_matrix),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
