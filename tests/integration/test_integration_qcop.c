/* Integration tests of the qcop and qcop-fd transports through the real CLI:
 * every mode at thumb, 1080p and 8k with every frame verified and no broker
 * left behind, a broker killed mid-campaign failing only its benchmarks,
 * Ctrl-C (once, twice, with a stalled broker), and the qcopd and qcop
 * programs' --help and bad options. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctrlc.h"
#include "runcli.h"

static const char *const brokers[] = { "qcopd", NULL };

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

/* build/NAME, beside build/ipcbench. */
static void program_path(char *out, size_t len, const char *name)
{
    const char *slash = strrchr(ipcbench, '/');
    snprintf(out, len, "%.*s%s", slash ? (int)(slash - ipcbench + 1) : 0, ipcbench, name);
}

/* --help: the usage on stdout, nothing on stderr, exit 0; a bad option: exit 2. */
static void test_programs_help(void **state)
{
    (void)state;
    static const char *const programs[] = { "qcopd", "qcop" };
    char exe[600], out[400], want[64];
    snprintf(out, sizeof out, "%s/help.txt", workdir);
    for (size_t i = 0; i < 2; i++) {
        program_path(exe, sizeof exe, programs[i]);
        snprintf(want, sizeof want, "usage: %s ", programs[i]);
        for (int h = 0; h < 2; h++) {
            outcome o;
            run_program(&o, 10, NULL, out, exe, h ? "-h" : "--help", NULL);
            char *text = slurp_alloc(out);
            assert_non_null(text);
            if (o.status != 0 || strncmp(text, want, strlen(want)) != 0 || o.err[0])
                fail_msg("%s %s: exit %d, stdout '%.40s', stderr '%s'", programs[i], h ? "-h" : "--help",
                         o.status, text, o.err);
            free(text);
        }
        outcome o;
        run_program(&o, 10, NULL, out, exe, "--bogus", NULL);
        assert_int_equal(o.status, 2);
        assert_non_null(strstr(o.err, want));
    }
    outcome o;
    program_path(exe, sizeof exe, "qcop");
    run_program(&o, 10, NULL, out, exe, "--timeout-ms", "99999999999999999999", "stats", NULL);
    assert_int_equal(o.status, 2);
    assert_non_null(strstr(o.err, "--timeout-ms must be a whole number from 1 to"));
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
    assert_no_process_left(brokers, "a full run"); /* no orphaned broker */
}

/* The broker a run of this test has started (waits up to 3 s for it), or fails. */
static pid_t find_broker(void)
{
    pid_t broker = 0;
    for (int i = 0; i < 300 && !broker; i++) {
        usleep(10 * 1000);
        if (processes_of_this_test(brokers, &broker, 1) == 0)
            broker = 0;
    }
    assert_true(broker > 0);
    return broker;
}

/* kill -9 of the broker during a long paced run of qcop, then unix: the qcop
 * benchmarks fail saying so, unix still runs and passes. */
static void test_broker_killed_mid_campaign(void **state)
{
    (void)state;
    char out[300], row[1024];
    out_dir(out, sizeof out, "qcop-crash");
    const char *args[] = { "run", "--campaign", "quick", "--transport", "qcop,unix", "--size", "thumb",
                           "--mode", "paced", "--paced-frames", "200", "--fps", "100",
                           "--max-time", "30", /* 2 s per benchmark: quick's 0.5 s would end it first */
                           "--out", out, NULL };
    pid_t pid = start_background("crash", args);
    pid_t broker = find_broker();
    usleep(800 * 1000); /* into the measured frames */
    kill(broker, SIGKILL);
    assert_int_equal(wait_background(pid, 30), 1);
    csv_row(out, "qcop,paced,thumb", row, sizeof row);
    if (!strstr(row, ",failed,") || !strstr(row, "qcopd"))
        fail_msg("qcop should fail naming the broker: %s", row);
    csv_row(out, "unix,paced,thumb", row, sizeof row);
    if (!strstr(row, ",ok,"))
        fail_msg("unix should pass: %s", row);
}

/* Ctrl-C during a paced run at 1 fps (a frame period of 1 s) and a long
 * fan-out run, and twice: out within 3 s, results saved, no broker left. */
static void test_interrupt(void **state)
{
    (void)state;
    expect_ctrlc("qcop", "paced", brokers);
    expect_ctrlc("qcop-fd", "fanout", brokers);
    expect_second_ctrlc("qcop", "latency", brokers);
}

/* The broker stalled (SIGSTOP) when Ctrl-C comes: the wait for it ends at
 * once, and a second Ctrl-C while the broker is being asked to exit stops
 * the run at once, the broker killed all the same. */
static void test_interrupt_with_stalled_broker(void **state)
{
    (void)state;
    char out[300];
    double stop_s;
    out_dir(out, sizeof out, "qcop-stalled");
    const char *args[] = { "run", "--campaign", "quick", "--transport", "qcop", "--size", "thumb",
                           "--mode", "paced", "--fps", "1", "--paced-frames", "12", "--max-time", "30",
                           "--out", out, NULL };
    pid_t pid = start_background("qcop-stalled", args);
    pid_t broker = find_broker();
    usleep(1000 * 1000);
    kill(broker, SIGSTOP);
    int status = ctrlc(pid, 1, 0.05, &stop_s);
    print_message("  qcop (broker stalled) 2x Ctrl-C to exit: %.3f s\n", stop_s);
    assert_stopped_at_once(out, "qcop-stalled", status, stop_s, brokers);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_programs_help),
        cmocka_unit_test(test_every_mode_every_size_verified),
        cmocka_unit_test(test_broker_killed_mid_campaign),
        cmocka_unit_test(test_interrupt),
        cmocka_unit_test(test_interrupt_with_stalled_broker),
    };
    return cmocka_run_group_tests(tests, runcli_setup, runcli_teardown);
}
