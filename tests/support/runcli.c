/* Helpers shared by the integration tests: the CLI run with a time limit,
 * reading back its files and checking its runs, the scratch and runtime
 * directories, and the processes the runs started. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runcli.h"

char ipcbench[512];
char workdir[256];
char runtime_dir[300];

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void slurp(const char *path, char *out, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(out, 1, len - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
}

char *slurp_alloc(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

/* Runs exe with the arguments in ap (NULL-terminated); see run_program. */
static void run_va(outcome *o, double limit_s, const char *cwd, const char *out_path, const char *exe,
                   va_list ap)
{
    const char *argv[64] = { exe };
    int argc = 1;
    while (argc < 63 && (argv[argc] = va_arg(ap, const char *)) != NULL)
        argc++;
    argv[argc] = NULL;

    char err_path[300];
    snprintf(err_path, sizeof err_path, "%s/stderr.txt", workdir);
    double start = now_s();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        dup2(out, 1);
        if (cwd && chdir(cwd) != 0)
            _exit(126);
        execvp(exe, (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (now_s() - start > limit_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            const char *base = strrchr(exe, '/');
            fail_msg("%s %s did not finish within %.0f s", base ? base + 1 : exe, argv[1] ? argv[1] : "",
                     limit_s);
        }
        usleep(10000);
    }
    o->seconds = now_s() - start;
    o->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    slurp(err_path, o->err, sizeof o->err);
}

void run_ipcbench(outcome *o, double limit_s, ...)
{
    va_list ap;
    va_start(ap, limit_s);
    run_va(o, limit_s, NULL, NULL, ipcbench, ap);
    va_end(ap);
}

void run_program(outcome *o, double limit_s, const char *cwd, const char *out_path, const char *exe, ...)
{
    va_list ap;
    va_start(ap, exe);
    run_va(o, limit_s, cwd, out_path, exe, ap);
    va_end(ap);
}

int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

void out_dir(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", workdir, name);
}

/* Google Benchmark writes a non-finite number as a bare NaN or Infinity (the
 * cv of a counter that is 0 in every repetition is 0/0), which JSON does not
 * allow: outside strings, such a token becomes null (not a number). */
static char *nonfinite_to_null(const char *in)
{
    static const char *const toks[] = { "-Infinity", "Infinity", "-NaN", "NaN" };
    char *out = malloc(2 * strlen(in) + 1), *o = out;
    assert_non_null(out);
    int in_string = 0, escaped = 0;
    for (const char *p = in; *p;) {
        size_t n = 0;
        for (size_t t = 0; t < sizeof toks / sizeof toks[0] && !in_string && !n; t++)
            n = strncmp(p, toks[t], strlen(toks[t])) == 0 ? strlen(toks[t]) : 0;
        if (n) {
            o = stpcpy(o, "null");
            p += n;
            continue;
        }
        if (in_string) {
            in_string = escaped || *p != '"';
            escaped = !escaped && *p == '\\';
        } else {
            in_string = *p == '"';
        }
        *o++ = *p++;
    }
    *o = '\0';
    return out;
}

json_t *load_json(const char *dir)
{
    char path[600];
    json_error_t e;
    snprintf(path, sizeof path, "%s/latest/results.json", dir);
    char *raw = slurp_alloc(path);
    if (!raw)
        fail_msg("cannot read %s", path);
    char *text = nonfinite_to_null(raw);
    json_t *root = json_loads(text, 0, &e);
    free(raw);
    free(text);
    if (!root)
        fail_msg("%s: %s", path, e.text);
    return root;
}

void assert_file_nonempty(const char *dir, const char *name)
{
    char path[700];
    struct stat st;
    snprintf(path, sizeof path, "%s/latest/%s", dir, name);
    if (stat(path, &st) != 0 || st.st_size == 0)
        fail_msg("missing or empty: %s", path);
}

int runcli_setup(void **state)
{
    (void)state;
    const char *build = getenv("IPCB_BUILD");
    snprintf(ipcbench, sizeof ipcbench, "%s/ipcbench", build ? build : "build");
    if (access(ipcbench, X_OK) != 0)
        return -1;
    snprintf(workdir, sizeof workdir, "/tmp/ipcbench-test-XXXXXX");
    if (!mkdtemp(workdir))
        return -1;
    /* ipcbench makes its run directories under $XDG_RUNTIME_DIR (see
     * harness/run/dirs.c), and so do the runs it is started for here. */
    snprintf(runtime_dir, sizeof runtime_dir, "%s/runtime", workdir);
    if (mkdir(runtime_dir, 0700) != 0)
        return -1;
    return setenv("XDG_RUNTIME_DIR", runtime_dir, 1);
}

int runcli_teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", workdir);
    return system(cmd) == 0 ? 0 : -1;
}


pid_t start_background(const char *name, const char *const *args)
{
    char log[400];
    const char *argv[64] = { ipcbench };
    int argc = 1;
    while (args[argc - 1] && argc < 63) {
        argv[argc] = args[argc - 1];
        argc++;
    }
    argv[argc] = NULL;
    snprintf(log, sizeof log, "%s/%s.log", workdir, name);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(ipcbench, (char *const *)argv);
        _exit(127);
    }
    setpgid(pid, pid); /* also here, so the group exists before any signal */
    return pid;
}

int wait_background(pid_t pid, double limit_s)
{
    double start = now_s();
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (now_s() - start > limit_s) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("ipcbench did not finish within %.0f s", limit_s);
        }
        usleep(10000);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run_and_interrupt(const char *transports, const char *out)
{
    const char *args[] = { "run", "--campaign", "quick", "--transport", transports, "--size", "thumb",
                           "--mode", "paced", "--paced-frames", "400", "--fps", "100",
                           "--max-time", "30", /* quick's 0.5 s would cut a run to 50 frames */
                           "--out", out, NULL };
    pid_t pid = start_background("interrupted", args);
    usleep(1500 * 1000);
    kill(-pid, SIGINT);
    return wait_background(pid, 20);
}

static int is_run(json_t *b)
{
    const char *type = json_string_value(json_object_get(b, "run_type"));
    return !type || strcmp(type, "iteration") == 0; /* not one of the aggregates */
}

void assert_all_ok(const char *out, size_t expected)
{
    json_t *root = load_json(out);
    json_t *benchmarks = json_object_get(root, "benchmarks");
    size_t i;
    json_t *b;
    assert_int_equal(json_array_size(benchmarks), expected);
    json_array_foreach(benchmarks, i, b) {
        if (json_is_true(json_object_get(b, "error_occurred")))
            fail_msg("%s failed: %s", json_string_value(json_object_get(b, "name")),
                     json_string_value(json_object_get(b, "error_message")));
        if (!is_run(b))
            continue;
        assert_true(json_number_value(json_object_get(b, "frames")) >= 1);
        assert_true(json_number_value(json_object_get(b, "mb_per_s")) > 0);
    }
    assert_runs_sound(root);
    json_decref(root);
}

static int is_successful_run(json_t *b)
{
    return is_run(b) && !json_is_true(json_object_get(b, "error_occurred"));
}

/* Key present if and only if want. */
static void expect_key(json_t *b, const char *name, const char *key, int want, double frames)
{
    int has = json_is_number(json_object_get(b, key));
    if (has != want)
        fail_msg("%s (%g frames) %s %s", name, frames, has ? "has" : "lacks", key);
}

void assert_runs_sound(json_t *root)
{
    static const char *const always[] = { "faults_per_frame", "major_faults_per_frame",
                                          "csw_per_frame", "icsw_per_frame", "steal_s" };
    json_t *benchmarks = json_object_get(root, "benchmarks");
    size_t i, j;
    json_t *b, *other;
    json_array_foreach(benchmarks, i, b) {
        if (!is_successful_run(b))
            continue;
        const char *name = json_string_value(json_object_get(b, "name"));
        double frames = json_number_value(json_object_get(b, "frames"));
        double iterations = json_number_value(json_object_get(b, "iterations"));
        if (!(frames >= 1) || frames != iterations)
            fail_msg("%s: %g frames in %g iterations", name, frames, iterations);
        for (size_t k = 0; k < sizeof always / sizeof always[0]; k++)
            if (!json_is_number(json_object_get(b, always[k])))
                fail_msg("%s lacks %s", name, always[k]);
        /* every mode but throughput has one latency sample per frame */
        int latency = json_is_number(json_object_get(b, "p50_us"));
        int rtt = json_is_number(json_object_get(b, "rtt_p50_us"));
        expect_key(b, name, "p99_us", latency && frames >= 100, frames);
        expect_key(b, name, "p999_us", latency && frames >= 1000, frames);
        expect_key(b, name, "rtt_p99_us", rtt && frames >= 100, frames);
        const char *run_name = json_string_value(json_object_get(b, "run_name"));
        json_array_foreach(benchmarks, j, other) {
            if (j >= i || !is_successful_run(other) ||
                strcmp(json_string_value(json_object_get(other, "run_name")), run_name) != 0)
                continue;
            double theirs = json_number_value(json_object_get(other, "frames"));
            if (theirs != frames)
                fail_msg("%s: repetitions measured %g and %g frames", name, theirs, frames);
        }
    }
}

void assert_first_error(const char *dir, const char *what, const char *message)
{
    json_t *root = load_json(dir);
    json_t *run = json_array_get(json_object_get(root, "benchmarks"), 0);
    const char *msg = json_string_value(json_object_get(run, "error_message"));
    if (!msg || !strstr(msg, message))
        fail_msg("%s: error '%s' lacks '%s'", what, msg ? msg : "(none)", message);
    json_decref(root);
}

void assert_every_error(const char *dir, const char *what, const char *message)
{
    json_t *root = load_json(dir);
    json_t *benchmarks = json_object_get(root, "benchmarks");
    size_t i;
    json_t *b;
    assert_true(json_array_size(benchmarks) > 0);
    json_array_foreach(benchmarks, i, b) {
        const char *msg = json_string_value(json_object_get(b, "error_message"));
        if (!json_is_true(json_object_get(b, "error_occurred")) || !msg || !strstr(msg, message))
            fail_msg("%s: %s: error '%s' lacks '%s'", what, json_string_value(json_object_get(b, "name")),
                     msg ? msg : "(none)", message);
    }
    json_decref(root);
}

/* Does a NUL-separated list (a command line or an environment) mention workdir? */
static int mentions_workdir(const char *path)
{
    char buf[16384];
    int fd = open(path, O_RDONLY);
    ssize_t len = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (len <= 0)
        return 0;
    buf[len] = '\0';
    for (ssize_t i = 0; i < len; i += (ssize_t)strlen(buf + i) + 1)
        if (strstr(buf + i, workdir))
            return 1;
    return 0;
}

int processes_of_this_test(const char *const *names, pid_t *pids, int max)
{
    DIR *d = opendir("/proc");
    int n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], env[300], argv0[512];
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        slurp(path, argv0, sizeof argv0); /* up to the first NUL: argv[0] */
        const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
        int named = 0;
        for (size_t k = 0; names[k] && !named; k++)
            named = strcmp(base, names[k]) == 0; /* a zombie's command line is empty */
        snprintf(env, sizeof env, "/proc/%s/environ", e->d_name);
        if (named && (mentions_workdir(path) || mentions_workdir(env)) && n < max)
            pids[n++] = (pid_t)atol(e->d_name);
    }
    closedir(d);
    return n;
}

void assert_no_process_left(const char *const *names, const char *after)
{
    pid_t pids[8];
    int n = 0;
    for (int i = 0; i < 100 && (n = processes_of_this_test(names, pids, 8)) > 0; i++)
        usleep(20000); /* a stopped process may take a moment to be reaped */
    if (n > 0)
        fail_msg("after %s: %d %s process(es) of this test still running, e.g. pid %ld", after, n,
                 names[0], (long)pids[0]);
}
