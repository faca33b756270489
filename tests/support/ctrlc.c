/* Ctrl-C in the integration tests (see ctrlc.h): the signal sent to the run's
 * process group, timed, and the checks of what the interrupted run saved and
 * left behind. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctrlc.h"
#include "runcli.h"

enum { EXIT_CTRL_C = 128 + SIGINT };
static const double RUN_BEFORE_S = 1.5, SECOND_AFTER_S = 0.001, WAIT_LIMIT_S = 20;

int ctrlc(pid_t pid, int twice, double gap_s, double *stop_s)
{
    double start = now_s();
    kill(-pid, SIGINT);
    if (twice) {
        usleep((useconds_t)(gap_s * 1e6));
        kill(-pid, SIGINT);
    }
    int status = wait_background(pid, WAIT_LIMIT_S);
    *stop_s = now_s() - start;
    return status;
}

/* The name of a run: its log workdir/NAME.log and its results workdir/NAME. */
static void run_name(const char *transport, const char *mode, int twice, char *name, size_t len)
{
    snprintf(name, len, "ctrlc-%s-%s%s", transport, mode, twice ? "-twice" : "");
}

int interrupt_long_run(const char *transport, const char *mode, const char *out, int twice, double *stop_s)
{
    int paced = strcmp(mode, "paced") == 0;
    const char *args[32] = { "run", "--campaign", "quick", "--transport", transport, "--size", "thumb",
                             "--mode", mode, "--out", out };
    size_t n = 11;
    static const char *const paced_args[] = { "--fps", "1", "--paced-frames", "12", "--max-time", "30", NULL };
    static const char *const long_args[] = { "--min-time", "60", "--max-time", "120", "--subscribers", "2", NULL };
    for (const char *const *a = paced ? paced_args : long_args; *a; a++)
        args[n++] = *a;
    args[n] = NULL;
    char name[128];
    run_name(transport, mode, twice, name, sizeof name);
    pid_t pid = start_background(name, args);
    usleep((useconds_t)(RUN_BEFORE_S * 1e6));
    int status = ctrlc(pid, twice, SECOND_AFTER_S, stop_s);
    print_message("  %-12s %-10s %s Ctrl-C to exit: %.3f s\n", transport, mode, twice ? "2x" : "1x", *stop_s);
    return status;
}

/* Entries of dir whose name starts with prefix. */
static int entries_starting(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0 && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

/* Exit 130 in time, no partial folder, run directory or process left. */
static void assert_stopped_clean(const char *out, const char *what, int status, double stop_s,
                                 const char *const *names)
{
    if (status != EXIT_CTRL_C)
        fail_msg("%s: exit status %d, not %d", what, status, EXIT_CTRL_C);
    if (stop_s > CTRLC_LIMIT_S)
        fail_msg("%s: %.2f s from Ctrl-C to the exit (at most %d)", what, stop_s, CTRLC_LIMIT_S);
    if (entries_starting(out, ".") != 0)
        fail_msg("%s: a hidden partial results folder is left in %s", what, out);
    if (entries_starting(runtime_dir, "ipcbench-") != 0)
        fail_msg("%s: a run directory is left in %s", what, runtime_dir);
    static const char *const peers[] = { "ipcbench", NULL };
    assert_no_process_left(peers, what);
    if (names)
        assert_no_process_left(names, what);
}

void assert_interrupted(const char *out, const char *what, int status, double stop_s, const char *const *names)
{
    assert_stopped_clean(out, what, status, stop_s, names);
    json_t *root = load_json(out);
    json_t *benchmarks = json_object_get(root, "benchmarks");
    size_t i;
    json_t *b;
    assert_true(json_array_size(benchmarks) > 0);
    json_array_foreach(benchmarks, i, b) {
        const char *msg = json_string_value(json_object_get(b, "error_message"));
        const char *want = i == 0 ? "interrupted" : "skipped: interrupted";
        if (!msg || strcmp(msg, want) != 0)
            fail_msg("%s: %s: error '%s', not '%s'", what, json_string_value(json_object_get(b, "name")),
                     msg ? msg : "(none)", want);
    }
    json_decref(root);
    assert_file_nonempty(out, "results.csv");
    assert_file_nonempty(out, "report.md");
}

void assert_stopped_at_once(const char *out, const char *name, int status, double stop_s,
                            const char *const *names)
{
    char path[600], log[8192];
    snprintf(path, sizeof path, "%s/%s.log", workdir, name);
    slurp(path, log, sizeof log);
    assert_stopped_clean(out, name, status, stop_s, names);
    if (strstr(log, "results were NOT saved")) {
        if (entries_starting(out, "2") != 0)
            fail_msg("%s: says the results were not saved, yet there are some in %s", name, out);
        return;
    }
    if (!strstr(log, "saved in "))
        fail_msg("%s: the log does not say what became of the results:\n%s", name, log);
    json_decref(load_json(out)); /* complete and readable */
}

static void expect(const char *transport, const char *mode, int twice, const char *const *names)
{
    char name[128], out[400];
    double stop_s;
    run_name(transport, mode, twice, name, sizeof name);
    out_dir(out, sizeof out, name);
    int status = interrupt_long_run(transport, mode, out, twice, &stop_s);
    if (twice)
        assert_stopped_at_once(out, name, status, stop_s, names);
    else
        assert_interrupted(out, name, status, stop_s, names);
}

void expect_ctrlc(const char *transport, const char *mode, const char *const *names)
{
    expect(transport, mode, 0, names);
}

void expect_second_ctrlc(const char *transport, const char *mode, const char *const *names)
{
    expect(transport, mode, 1, names);
}
