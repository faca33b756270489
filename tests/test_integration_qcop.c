/* Integration tests of the qcop and qcop-fd transports through the real CLI:
 * every mode at thumb, 1080p and 8k with every frame verified and no broker
 * left behind, and a broker killed mid-campaign failing only its benchmarks. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "runcli.h"

/* The first qcopd whose parent is ppid (0: any parent), or 0. */
static pid_t find_qcopd(pid_t ppid)
{
    DIR *d = opendir("/proc");
    pid_t found = 0;
    for (struct dirent *e; d && !found && (e = readdir(d));) {
        char path[300], text[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        char *close_paren = strrchr(text, ')');
        int parent = 0;
        if (strstr(text, "(qcopd)") && close_paren && sscanf(close_paren + 2, "%*c %d", &parent) == 1 &&
            (ppid == 0 || parent == ppid))
            found = (pid_t)atoi(e->d_name);
    }
    if (d)
        closedir(d);
    return found;
}

/* The CSV's row for transport/mode/size, or fails. */
static void csv_row(const char *out, const char *key, char *row, size_t len)
{
    char path[600], text[8192];
    snprintf(path, sizeof path, "%s/latest/results.csv", out);
    slurp(path, text, sizeof text);
    const char *at = strstr(text, key);
    if (!at)
        fail_msg("no %s in %s", key, path);
    size_t n = strcspn(at, "\n");
    snprintf(row, len, "%.*s", (int)(n < len ? n : len - 1), at);
}

static void test_every_mode_every_size_verified(void **state)
{
    (void)state;
    outcome o;
    char out[300];
    out_dir(out, sizeof out, "qcop-all");
    run_ipcbench(&o, 120, "run", "--campaign", "quick", "--transport", "qcop,qcop-fd",
                 "--size", "thumb,1080p,8k", "--mode", "latency,throughput,paced", "--verify", "all",
                 "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    assert_all_ok(out, 2 * 3 * 3);
    usleep(100 * 1000);
    assert_int_equal(find_qcopd(1), 0); /* no orphaned broker */
}

/* kill -9 of the broker during a long paced run of qcop, then unix: the qcop
 * benchmarks fail saying so, unix still runs and passes. */
static void test_broker_killed_mid_campaign(void **state)
{
    (void)state;
    char out[300], log[300], row[1024];
    out_dir(out, sizeof out, "qcop-crash");
    snprintf(log, sizeof log, "%s/crash.txt", workdir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(ipcbench, ipcbench, "run", "--campaign", "quick", "--transport", "qcop,unix",
              "--size", "thumb", "--mode", "paced", "--paced-frames", "200", "--fps", "100",
              "--out", out, (char *)NULL);
        _exit(127);
    }
    pid_t broker = 0;
    for (int i = 0; i < 300 && !broker; i++) {
        usleep(10 * 1000);
        broker = find_qcopd(pid);
    }
    assert_true(broker > 0);
    usleep(800 * 1000); /* into the measured frames */
    kill(broker, SIGKILL);
    int status = 0;
    double start = now_s();
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (now_s() - start > 30) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("ipcbench did not finish within 30 s of the broker's death");
        }
        usleep(10 * 1000);
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    csv_row(out, "qcop,paced,thumb", row, sizeof row);
    if (!strstr(row, ",failed,") || !strstr(row, "qcopd"))
        fail_msg("qcop should fail naming the broker: %s", row);
    csv_row(out, "unix,paced,thumb", row, sizeof row);
    if (!strstr(row, ",ok,"))
        fail_msg("unix should pass: %s", row);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_mode_every_size_verified),
        cmocka_unit_test(test_broker_killed_mid_campaign),
    };
    return cmocka_run_group_tests(tests, runcli_setup, runcli_teardown);
}
