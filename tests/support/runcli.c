/* Helpers shared by the integration tests: the CLI run with a time limit,
 * reading back its files, and the scratch directory. */
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

/* Runs ipcbench with the given arguments (NULL-terminated), killing it after
 * limit_s seconds; a kill fails the test. */
void run_ipcbench(outcome *o, double limit_s, ...)
{
    const char *argv[64] = { ipcbench };
    int argc = 1;
    va_list ap;
    va_start(ap, limit_s);
    while (argc < 63 && (argv[argc] = va_arg(ap, const char *)) != NULL)
        argc++;
    va_end(ap);
    argv[argc] = NULL;

    char err_path[300];
    snprintf(err_path, sizeof err_path, "%s/stderr.txt", workdir);
    double start = now_s();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int null = open("/dev/null", O_WRONLY);
        dup2(fd, 2);
        dup2(null, 1);
        execv(ipcbench, (char *const *)argv);
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
            fail_msg("ipcbench %s did not finish within %.0f s", argv[1], limit_s);
        }
        usleep(10000);
    }
    o->seconds = now_s() - start;
    o->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    slurp(err_path, o->err, sizeof o->err);
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

json_t *load_json(const char *dir)
{
    char path[600];
    json_error_t e;
    snprintf(path, sizeof path, "%s/latest/results.json", dir);
    json_t *root = json_load_file(path, 0, &e);
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
    return mkdtemp(workdir) ? 0 : -1;
}

int runcli_teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", workdir);
    return system(cmd) == 0 ? 0 : -1;
}


int run_and_interrupt(const char *transports, const char *out)
{
    char log[300];
    snprintf(log, sizeof log, "%s/interrupted.txt", workdir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(ipcbench, ipcbench, "run", "--campaign", "quick", "--transport", transports,
              "--size", "thumb", "--mode", "paced", "--paced-frames", "400", "--fps", "100",
              "--out", out, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid); /* also here, so the group exists before the signal */
    usleep(1500 * 1000);
    kill(-pid, SIGINT);
    double start = now_s();
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (now_s() - start > 20) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("ipcbench did not stop within 20 s of SIGINT");
        }
        usleep(10000);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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
        assert_true(json_number_value(json_object_get(b, "frames")) >= 1);
        assert_true(json_number_value(json_object_get(b, "mb_per_s")) > 0);
    }
    json_decref(root);
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
