/* Integration tests of fan-out mode through the real CLI: K = 1, 2, 4 peers on
 * the broadcast bus (qcop, qcop-fd) and over a link per peer (unix, tcp) with
 * every frame verified, transports that cannot fan out left out with a note,
 * bad group sizes refused, and a dead or stalled subscriber failing its run. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "runcli.h"

/* The "subscribers" counter of benchmark name (its first iteration run), or -1. */
static int subscribers_of(json_t *root, const char *name)
{
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(root, "benchmarks"), i, b) {
        const char *n = json_string_value(json_object_get(b, "run_name"));
        if (n && strcmp(n, name) == 0 && !json_object_get(b, "aggregate_name"))
            return (int)json_number_value(json_object_get(b, "subscribers"));
    }
    return -1;
}

static void test_k_1_2_4_every_frame_verified(void **state)
{
    (void)state;
    static const char *const transports[] = { "unix", "tcp", "qcop", "qcop-fd" };
    static const char *const sizes[] = { "thumb", "1080p" };
    static const int ks[] = { 1, 2, 4 };
    outcome o;
    char out[300];
    out_dir(out, sizeof out, "fanout-all");
    run_ipcbench(&o, 150, "run", "--campaign", "quick", "--transport", "unix,tcp,qcop,qcop-fd,pipe",
                 "--mode", "fanout", "--subscribers", "1,2,4", "--size", "thumb,1080p",
                 "--verify", "all", "--repetitions", "1", "--min-time", "0.02", "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    const char *note = strstr(o.err, "fanout mode is not run on the transports that cannot do it");
    assert_non_null(note);
    assert_non_null(strstr(note, "\n  pipe\n"));
    assert_all_ok(out, 4 * 2 * 3); /* pipe was not run */
    json_t *root = load_json(out);
    for (size_t t = 0; t < 4; t++)
        for (size_t s = 0; s < 2; s++)
            for (size_t k = 0; k < 3; k++) {
                char name[128];
                snprintf(name, sizeof name, "%s/fanout/%s/subscribers:%d/manual_time", transports[t],
                         sizes[s], ks[k]);
                if (subscribers_of(root, name) != ks[k])
                    fail_msg("%s: subscribers counter %d, want %d", name, subscribers_of(root, name), ks[k]);
            }
    json_decref(root);
}

static void test_refused_up_front(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        { "0", "subscribers must be whole numbers from 1 to 16" },
        { "17", "subscribers must be whole numbers from 1 to 16" },
        { "two", "subscribers must be whole numbers from 1 to 16" },
    };
    outcome o;
    char out[300];
    out_dir(out, sizeof out, "fanout-refused");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        run_ipcbench(&o, 20, "run", "--campaign", "quick", "--transport", "unix", "--mode", "fanout",
                     "--subscribers", bad[i][0], "--out", out, NULL);
        assert_int_equal(o.status, 2);
        if (!strstr(o.err, bad[i][1]))
            fail_msg("--subscribers %s: stderr lacks '%s': %s", bad[i][0], bad[i][1], o.err);
    }
    run_ipcbench(&o, 20, "run", "--campaign", "quick", "--transport", "pipe,shm", "--mode", "fanout",
                 "--out", out, NULL);
    assert_int_equal(o.status, 2);
    assert_non_null(strstr(o.err, "none of the chosen transports supports it"));
    assert_int_equal(count_entries(out), 0); /* nothing was written */
}

/* The 4th of 4 subscribers dies on measured frame 40: the run fails naming
 * it, on the bus and over links alike, and the campaign goes on to the next
 * benchmark. --max-time lifts quick's 0.5 s bound on a run, so frame 40 is
 * planned however slow the machine is. */
static void test_dead_subscriber(void **state)
{
    (void)state;
    outcome o;
    char out[300];
    out_dir(out, sizeof out, "fanout-dead");
    run_ipcbench(&o, 60, "run", "--campaign", "quick", "--transport", "qcop,unix", "--mode", "fanout",
                 "--subscribers", "4", "--size", "thumb", "--repetitions", "1", "--max-time", "60",
                 "--timeout-ms", "3000", "--fault", "peer-exit@40", "--out", out, NULL);
    assert_int_equal(o.status, 1); /* benchmarks failed, results saved */
    json_t *root = load_json(out);
    json_t *runs = json_object_get(root, "benchmarks");
    assert_int_equal(json_array_size(runs), 2);
    for (size_t i = 0; i < 2; i++) {
        const char *msg = json_string_value(json_object_get(json_array_get(runs, i), "error_message"));
        if (!msg || !strstr(msg, "subscriber 4 of 4"))
            fail_msg("run %zu: error '%s' does not name subscriber 4 of 4", i, msg ? msg : "(none)");
    }
    json_decref(root);
}

/* One of two subscribers stops responding at measured frame 40: bounded by
 * the timeout, not a hang. */
static void test_stalled_subscriber(void **state)
{
    (void)state;
    outcome o;
    char out[300];
    out_dir(out, sizeof out, "fanout-stalled");
    run_ipcbench(&o, 30, "run", "--campaign", "quick", "--transport", "qcop-fd", "--mode", "fanout",
                 "--subscribers", "2", "--size", "thumb", "--repetitions", "1", "--timeout-ms", "1000",
                 "--max-time", "60", "--fault", "peer-hang@40", "--out", out, NULL);
    assert_int_equal(o.status, 1);
    assert_first_error(out, "stalled subscriber", "within 1000 ms");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_k_1_2_4_every_frame_verified),
        cmocka_unit_test(test_refused_up_front),
        cmocka_unit_test(test_dead_subscriber),
        cmocka_unit_test(test_stalled_subscriber),
    };
    return cmocka_run_group_tests(tests, runcli_setup, runcli_teardown);
}
